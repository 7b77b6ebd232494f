"""Batch scoring of a fleet's device-days: one task per Parquet part, one loaded model per worker.

The model's registry files (sha256-checked by the registry) are broadcast to the workers once; each
worker process rebuilds the `FailureModel` on its first part and keeps it for the next ones, so a
booster is parsed once per worker, not once per part.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from device_intelligence.failure import model as failure_model
from device_intelligence.failure.model import FailureModel
from device_intelligence.fleet.device_days import KEY_COLUMNS
from device_intelligence.fleet.training import FleetDataError, derive_device_days
from device_intelligence.telemetry_features import FEATURE_NAMES
from homeiq_shared.fleet_cluster import Progress, gather_in_order
from homeiq_shared.fleet_layout import COMPRESSION, DEVICE_DAYS, SCORES, table_parts
from homeiq_shared.model_registry import ModelRegistry

_LOADED: dict[str, FailureModel] = {}  # per worker process: version -> model


def _model(version: str, files: dict[str, bytes]) -> FailureModel:
    if version not in _LOADED:
        _LOADED.clear()
        _LOADED[version] = FailureModel.from_artifacts(files)
    return _LOADED[version]


def score_part(path: str, root: str, out_root: str, version: str, files: dict[str, bytes]) -> dict[str, Any]:
    """Calibrated failure probability and alert flag of every device-day of one part, written beside it."""
    model = _model(version, files)
    table = pq.read_table(path, columns=[*KEY_COLUMNS[:3], *FEATURE_NAMES])
    x = np.column_stack([table[name].to_numpy() for name in FEATURE_NAMES]).astype(np.float64)
    p = model.predict(x) if x.shape[0] else np.zeros(0)
    out = Path(out_root) / Path(path).relative_to(Path(root) / DEVICE_DAYS)
    out.parent.mkdir(parents=True, exist_ok=True)
    scores = table.select(list(KEY_COLUMNS[:3])).append_column("probability", pa.array(p))
    scores = scores.append_column("alert", pa.array(p >= model.threshold))
    pq.write_table(scores, out, compression=COMPRESSION)
    return {"rows": table.num_rows, "alerts": int((p >= model.threshold).sum())}


def _version(registry: ModelRegistry, wanted: str | None) -> str:
    name = failure_model.MODEL_NAME
    if wanted is not None:
        if wanted not in {v.version for v in registry.versions(name)}:
            raise FleetDataError(f"no {name} version {wanted} in {registry.root}")
        return wanted
    chosen = registry.production(name) or registry.latest(name)
    if chosen is None:
        raise FleetDataError(f"no {name} model in {registry.root}: run `fleet.py train` first")
    return chosen.version


def score_fleet(
    client: Any, data: Path, models_dir: Path, version: str | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Score every device-day of the fleet at `data` into `<data>/scores` (replaced); counts and rates."""
    registry = ModelRegistry(models_dir)
    chosen = _version(registry, version)
    meta = registry.get(failure_model.MODEL_NAME, chosen)
    files = {n: registry.read_artifact(failure_model.MODEL_NAME, chosen, n) for n in meta.artifact_names}
    FailureModel.from_artifacts(files)  # refuse an incompatible model here, before any task starts
    started = time.perf_counter()
    parts = table_parts(data, DEVICE_DAYS) or derive_device_days(client, data, progress)
    staging = data / f".{SCORES}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    shared = client.scatter(files, broadcast=True)
    futures = client.map(
        score_part, [str(p) for p in parts], root=str(data), out_root=str(staging), version=chosen,
        files=shared, pure=False, retries=1,
    )  # fmt: skip
    results = gather_in_order(client, futures, "score", lambda r: f"(+{r['rows']:,} rows)", progress)
    shutil.rmtree(data / SCORES, ignore_errors=True)
    os.replace(staging, data / SCORES)
    seconds = time.perf_counter() - started
    rows = sum(r["rows"] for r in results)
    return {
        "version": chosen,
        "parts": len(parts),
        "rows": rows,
        "alerts": sum(r["alerts"] for r in results),
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / max(seconds, 1e-9)),
        "output": str(data / SCORES),
    }
