"""Pre-flight: free disk, a writable output folder, and the two services (given, running, or started)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from gateway.local_services import AI_AUTOMATION, DEVICE_INTELLIGENCE, LocalServiceSet, ServiceSpec
from gateway.service_clients import ServiceClient
from gateway.step_results import ServiceRecord

logger = logging.getLogger(__name__)

# Where a developer's `python -m <service>` listens by default; used only when no URL was given.
DEFAULT_URLS = {
    AI_AUTOMATION.name: "http://127.0.0.1:8018",
    DEVICE_INTELLIGENCE.name: "http://127.0.0.1:8019",
}


class PreflightError(RuntimeError):
    """Pre-flight found a reason not to go on."""


def existing_parent(path: Path) -> Path:
    """The nearest folder of `path` that exists (to ask the file system for its free space)."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(paths: list[Path], min_free_mb: int) -> list[str]:
    """Notes on free space; raise when a folder has less than `min_free_mb` MB free."""
    notes = []
    for path in paths:
        free_mb = shutil.disk_usage(existing_parent(path)).free / 2**20
        if free_mb < min_free_mb:
            raise PreflightError(f"only {free_mb:,.0f} MB free for {path} (need {min_free_mb:,} MB)")
        notes.append(f"{path}: {free_mb:,.0f} MB free")
    return notes


# Measured: 200 homes x 14 days of JSON home files take about 1.3 GB (0.46 MB per home-day).
_MB_PER_HOME_DAY = 0.5


def dataset_estimate_mb(homes: int, days: int) -> int:
    """Disk a generated dataset needs, with a margin (plus the small hold-out set)."""
    return int(_MB_PER_HOME_DAY * homes * days * 1.2) + 50


def prune_datasets(run_dir: Path) -> int:
    """Delete the home files of datasets generated in this run's own folder (keep summary.json); bytes freed."""
    freed = 0
    for dataset in run_dir.glob("*/data/datasets/*"):
        if not dataset.is_dir():
            continue
        for path in dataset.rglob("*"):
            if path.is_file() and path.name != "summary.json":
                freed += path.stat().st_size
                path.unlink()
    return freed


def check_writable(folder: Path) -> None:
    """Create `folder` and prove a file can be written there."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise PreflightError(f"cannot write to {folder}: {exc}") from exc


async def check_remote(client: ServiceClient, expected_service: str) -> ServiceRecord:
    """A given URL must answer `/health` with 200; raise with what it said otherwise."""
    health = await client.health()
    if not health.reachable:
        raise PreflightError(f"{expected_service} unreachable at {client.base_url}: {health.error}")
    body = health.health
    if not health.healthy or body is None:
        failing = {k: c.error or "failed" for k, c in body.checks.items() if not c.ok} if body else {}
        raise PreflightError(
            f"{expected_service} at {client.base_url} is not healthy (HTTP {health.status_code}): "
            f"{failing or health.error or 'no details'}"
        )
    if body.service != expected_service:
        raise PreflightError(f"{client.base_url} is {body.service!r}, not {expected_service}")
    return ServiceRecord(expected_service, client.base_url, False, version=body.version)


async def probe_default(spec: ServiceSpec) -> bool:
    """True when a healthy instance of `spec` already answers on its default local port."""
    async with ServiceClient(
        spec.name, DEFAULT_URLS[spec.name], timeout_s=2.0, connect_timeout_s=0.3
    ) as client:
        health = await client.health(timeout_s=1.0)
    return health.healthy and health.health is not None and health.health.service == spec.name


@dataclass
class ResolvedService:
    """The base URL to use, its API key, and how it was found."""

    url: str
    api_key: str | None
    record: ServiceRecord | None


async def start_local(specs: list[ServiceSpec], local: LocalServiceSet) -> dict[str, ResolvedService]:
    """Start the named services locally (at once) and describe them."""
    resolved = {}
    for service in await local.start_all(specs):
        record = ServiceRecord(
            service.spec.name,
            service.url,
            True,
            ready_after_s=service.ready_after_s,
            log_path=str(service.log_path),
            models_dir=str(service.models_dir),
        )
        resolved[service.spec.name] = ResolvedService(service.url, service.api_key, record)
    return resolved
