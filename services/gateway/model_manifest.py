"""`model_manifest_<run>.json`: per model its version, artifact, sha256, metrics, gates and lineage."""

from __future__ import annotations

import json
import platform
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

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


def _scalars(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items() if as_number(v) is not None or isinstance(v, str | bool)}


def model_entry(model: ModelRecord) -> dict[str, Any]:
    """The manifest's description of one model: the training answer's figures and the registered version's
    artifacts (sha256) and lineage, both as the services answered over HTTP."""
    registry = model.metadata.get("registry") or {}
    return {
        "service": model.service,
        "registry_name": model.registry_name,
        "version": model.version,
        "registry_version": registry.get("version"),
        "registered_at": registry.get("created_at"),
        "trigger": registry.get("trigger"),
        "promoted": model.promoted,
        "artifacts": [a.model_dump(mode="json") for a in model.artifacts],
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
        "service_gates_verdict": registry.get("gates_verdict"),
        "training_data_fingerprint": registry.get("training_data_fingerprint"),
        "feature_schema_version": registry.get("feature_schema_version"),
        "library_versions": registry.get("library_versions"),
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
        "models": {key: model_entry(model) for key, model in run.models.items()},
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
