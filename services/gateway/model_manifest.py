"""`model_manifest_<run>.json`: per model its version, artifact, sha256, metrics, gates and lineage."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from gateway.plots import find_key
from gateway.quality_checks import as_number
from gateway.step_results import ModelRecord, RunResult

MANIFEST_SCHEMA_VERSION = 1
_GATEWAY_LIBRARIES = ("httpx", "matplotlib", "rich", "pydantic", "pydantic-settings")


def library_versions(names: tuple[str, ...]) -> dict[str, str | None]:
    """Installed versions of the named distributions (None when absent)."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_artifact(artifact: dict[str, Any], search_roots: list[Path]) -> dict[str, Any]:
    """The artifact entry plus `sha256_verified`: True/False when the file is readable here, else None."""
    entry = dict(artifact)
    raw = entry.get("path")
    entry["sha256_verified"] = None
    if not isinstance(raw, str) or not raw:
        entry["verification"] = "no artifact path in the service's answer"
        return entry
    candidates = [Path(raw)] if Path(raw).is_absolute() else [root / raw for root in search_roots]
    for candidate in candidates:
        if candidate.is_file():
            actual = sha256_file(candidate)
            entry["sha256_verified"] = actual == entry.get("sha256")
            entry["verification"] = f"recomputed from {candidate}"
            if entry.get("size_bytes") is None:
                entry["size_bytes"] = candidate.stat().st_size
            return entry
    entry["verification"] = "artifact not readable from the gateway (remote service)"
    return entry


def _scalars(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items() if as_number(v) is not None or isinstance(v, str | bool)}


def _lineage(model: ModelRecord, registry: dict[str, Any], names: tuple[str, ...]) -> Any:
    """A lineage field from the registry entry, else from anywhere in the training answer."""
    return next((v for s in (registry, model.train_response) if (v := find_key(s, names))), None)


def model_entry(model: ModelRecord, run: RunResult) -> dict[str, Any]:
    """The manifest's description of one model (registry fields as the services answered them)."""
    service = run.services.get(model.service)
    roots = []
    if service is not None and service.models_dir:
        roots = [Path(service.models_dir)]
    registry = model.metadata.get("registry") or {}
    return {
        "service": model.service,
        "registry_name": model.registry_name or registry.get("registry_name"),
        "version": model.version,
        "registry_version": registry.get("version"),
        "registered_at": registry.get("created_at"),
        "promoted": model.promoted,
        "artifacts": [verify_artifact(a, roots) for a in model.artifacts],
        "registry_source": model.metadata.get("registry_source"),
        "metrics": _scalars(model.metrics),
        "baselines": model.baselines,
        "gates": [
            {
                "check": c.name,
                "passed": c.passed,
                "waived": c.waived,
                "detail": c.detail,
                "value": c.value,
                "threshold": c.threshold,
            }
            for c in model.checks
        ],
        "gates_passed": model.gates_passed,
        "training_data_fingerprint": _lineage(
            model, registry, ("training_data_fingerprint", "data_fingerprint", "fingerprint")
        ),
        "feature_schema_version": _lineage(model, registry, ("feature_schema_version",)),
        "library_versions": _lineage(model, registry, ("library_versions",)),
        "train_seconds": model.metadata.get("train_seconds"),
    }


def build_manifest(run: RunResult) -> dict[str, Any]:
    """The manifest as a JSON-able dict."""
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "run_id": run.run_id,
        "timestamp": run.started_at.isoformat(),
        "verdict": run.verdict,
        "exit_code": run.exit_code,
        "command": run.command,
        "seed": run.options.get("seed"),
        "options": run.options,
        "dataset": {k: v for k, v in run.dataset.items() if k != "summary"},
        "services": {
            name: {"url": s.url, "started_locally": s.started_locally, "version": s.version}
            for name, s in run.services.items()
        },
        "steps": [
            {
                "step": s.key,
                "status": s.status.value if s.status else None,
                "seconds": round(s.duration_s, 3),
                "reason": s.reason,
            }
            for s in run.steps
        ],
        "models": {key: model_entry(model, run) for key, model in run.models.items()},
        "gateway": {
            "python": platform.python_version(),
            "library_versions": library_versions(_GATEWAY_LIBRARIES),
        },
    }


def write_manifest(run: RunResult, output_dir: Path) -> Path:
    """Write `model_manifest_<run>.json` and return its path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / f"model_manifest_{run.run_id}.json"
    path.write_text(json.dumps(build_manifest(run), indent=2, default=str) + "\n", encoding="utf-8")
    return path
