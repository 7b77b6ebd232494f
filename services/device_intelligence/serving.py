"""Production models in memory and the prediction logic behind /predict and /anomalies/sensor."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from device_intelligence.anomaly import model as anomaly_model
from device_intelligence.anomaly.model import AnomalyModels
from device_intelligence.failure import model as failure_model
from device_intelligence.failure.model import FailureModel
from device_intelligence.failure.risk import advice, risk_bands, risk_level
from device_intelligence.failure.snapshot import MIN_HISTORY_DAYS, SNAPSHOT_FEATURES, snapshot_features
from device_intelligence.telemetry import METRIC_NAMES
from device_intelligence.telemetry_features import FEATURE_NAMES, compute_features
from homeiq_shared.model_registry import ModelRegistry

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
DRIVER_MIN_PROBABILITY = 0.05
"""Below this failure probability no drivers are computed ("operating normally")."""


@dataclass
class ServingModels:
    """The production failure and anomaly models with their versions and metadata."""

    failure: FailureModel
    anomaly: AnomalyModels
    version: str
    anomaly_version: str
    metadata: dict[str, Any]
    anomaly_metadata: dict[str, Any]


def load_production(registry: ModelRegistry) -> ServingModels | None:
    """Load the production pair (sha256 checked by the registry); None when nothing was promoted.

    The failure model's production alias names the pair: the anomaly version recorded with it (a registry
    written before pairs were recorded serves anomaly_detection's own production alias).
    """
    fv = registry.production(failure_model.MODEL_NAME)
    av = registry.paired_production(failure_model.MODEL_NAME, anomaly_model.MODEL_NAME)
    if fv is None or av is None:
        return None

    def files(name: str, version: str, names: list[str]) -> dict[str, bytes]:
        return {n: registry.read_artifact(name, version, n) for n in names}

    failure = FailureModel.from_artifacts(files(failure_model.MODEL_NAME, fv.version, fv.artifact_names))
    anomaly = AnomalyModels.from_artifacts(files(anomaly_model.MODEL_NAME, av.version, av.artifact_names))
    logger.info("loaded production models %s / %s", fv.version, av.version)
    return ServingModels(failure, anomaly, fv.version, av.version, fv.metadata, av.metadata)


def confidence(probability: float, snapshot: bool) -> float:
    """How decided the model is, |2p - 1|, halved when only a snapshot (no stored history) was used."""
    base = abs(2.0 * probability - 1.0)
    return round(0.5 * base if snapshot else base, 3)


@dataclass(frozen=True)
class DeviceInput:
    """One device to score: its snapshot and the daily history the service holds for it (maybe none)."""

    device_id: str
    snapshot: FloatArray  # METRIC_NAMES order, NaN = not sent
    history_days: NDArray[np.int64]
    history_values: FloatArray
    today: int
    history_device_id: str | None = None  # the stored device whose history was used, if any


def _stack(
    inputs: list[DeviceInput],
) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray, NDArray[np.int64]]:
    devs, days, vals, last = [], [], [], []
    offset = 0
    for i, item in enumerate(inputs):
        keep = item.history_days < item.today
        d = np.r_[item.history_days[keep], item.today]
        v = np.vstack([item.history_values[keep].reshape(-1, len(METRIC_NAMES)), item.snapshot[None, :]])
        devs.append(np.full(d.size, i, dtype=np.int64))
        days.append(d)
        vals.append(v)
        offset += d.size
        last.append(offset - 1)
    return np.concatenate(devs), np.concatenate(days), np.vstack(vals), np.array(last, dtype=np.int64)


@dataclass(frozen=True)
class _Basis:
    """The scores of the devices one model (history or snapshot) answers for."""

    name: str
    rows: NDArray[np.int64]
    probability: FloatArray
    threshold: float
    drivers: list[list[tuple[str, float]]]


def _basis(
    name: str, rows: NDArray[np.int64], p: FloatArray, threshold: float, contrib: Any, names: tuple[str, ...]
) -> _Basis:
    # SHAP attributions cost ~0.25 ms a row, so they are computed only where there is a risk to explain.
    top: list[list[tuple[str, float]]] = [[] for _ in rows]
    explain = np.flatnonzero(p >= DRIVER_MIN_PROBABILITY)
    if explain.size:
        found = failure_model.drivers(contrib(explain), names)
        for j, row in zip(explain.tolist(), found, strict=True):
            top[j] = row
    return _Basis(name, rows, p, threshold, top)


def _score(models: ServingModels, x: FloatArray, available: NDArray[np.int64]) -> list[_Basis]:
    """History model for devices with MIN_HISTORY_DAYS daily rows (or no snapshot model), snapshot otherwise."""
    failure = models.failure
    snap = failure.snapshot
    use_snapshot = (available < MIN_HISTORY_DAYS) if snap is not None else np.zeros(x.shape[0], dtype=bool)
    out = []
    rows = np.flatnonzero(~use_snapshot)
    if rows.size:
        xh = x[rows]
        out.append(
            _basis("history", rows, failure.predict(xh), failure.threshold,
                   lambda k: failure.contributions(xh[k]), failure.feature_names)
        )  # fmt: skip
    rows = np.flatnonzero(use_snapshot)
    if rows.size and snap is not None:
        xs = snapshot_features(x[rows])
        out.append(
            _basis("snapshot", rows, snap.predict(xs), snap.threshold,
                   lambda k: snap.contributions(xs[k]), SNAPSHOT_FEATURES)
        )  # fmt: skip
    return out


def predict_devices(models: ServingModels, inputs: list[DeviceInput], now: datetime) -> list[dict[str, Any]]:
    """Calibrated failure probability, risk band, anomaly score and non-contradictory advice per device."""
    dev, day, vals, last = _stack(inputs)
    x = compute_features(dev, day, vals)[last]
    available = x[:, FEATURE_NAMES.index("history_days")].astype(np.int64)
    scores = models.anomaly.device.score(x)
    anomaly_threshold = models.anomaly.device.threshold
    out: list[dict[str, Any]] = [{} for _ in inputs]
    for basis in _score(models, x, available):
        bands = risk_bands(basis.threshold)
        for k, i in enumerate(basis.rows.tolist()):
            item, prob, is_anomaly = (
                inputs[i],
                float(basis.probability[k]),
                bool(scores[i] >= anomaly_threshold),
            )
            lines = failure_model.driver_advice(basis.drivers[k])
            snapshot = basis.name == "snapshot"
            out[i] = {
                "device_id": item.device_id,
                "history_device_id": item.history_device_id,
                "probability": round(prob, 6),
                "failure_probability": round(100.0 * prob, 2),
                "risk_level": risk_level(prob, bands),
                "will_fail_within_horizon": bool(prob >= basis.threshold),
                "alert_threshold": round(basis.threshold, 6),
                "risk_bands": bands,
                "horizon_days": models.failure.horizon_days,
                "basis": basis.name,
                "anomaly_score": round(float(scores[i]), 4),
                "is_anomaly": is_anomaly,
                "confidence": confidence(prob, snapshot),
                "recommendations": advice(prob, basis.threshold, lines, is_anomaly, bands),
                "drivers": [{"feature": n, "contribution": round(c, 4)} for n, c in basis.drivers[k]],
                "history_days_used": 1 if snapshot else int(available[i]),
                "history_days_available": int(available[i]),
                "used_snapshot_only": snapshot or int(available[i]) <= 1,
                "predicted_at": now,
                "model_version": models.version,
            }
    return out
