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
from device_intelligence.anomaly.sensor_streams import flagged_spans, span_kind, stream_features
from device_intelligence.failure import model as failure_model
from device_intelligence.failure.model import FailureModel
from device_intelligence.telemetry import METRIC_NAMES
from device_intelligence.telemetry_features import FEATURE_NAMES, compute_features
from homeiq_shared.model_registry import ModelRegistry

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
DRIVER_MIN_PROBABILITY = 0.05
"""Below this failure probability no drivers are computed ("operating normally")."""
RISK_LEVELS = ((80.0, "critical"), (60.0, "high"), (40.0, "medium"), (20.0, "low"))


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


def risk_level(percent: float) -> str:
    """critical >= 80, high >= 60, medium >= 40, low >= 20, else minimal (as the original)."""
    return next((name for bound, name in RISK_LEVELS if percent >= bound), "minimal")


def confidence(probability: float, history_days: int) -> float:
    """How decided the model is, |2p - 1|, halved when only a snapshot (no stored history) was used."""
    base = abs(2.0 * probability - 1.0)
    return round(base if history_days > 1 else 0.5 * base, 3)


@dataclass(frozen=True)
class DeviceInput:
    """One device to score: its snapshot and the daily history the service holds for it (maybe none)."""

    device_id: str
    snapshot: FloatArray  # METRIC_NAMES order, NaN = not sent
    history_days: NDArray[np.int64]
    history_values: FloatArray
    today: int


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


def predict_devices(models: ServingModels, inputs: list[DeviceInput], now: datetime) -> list[dict[str, Any]]:
    """Failure probability, risk, anomaly score and driver-specific advice for each device."""
    dev, day, vals, last = _stack(inputs)
    x = compute_features(dev, day, vals)[last]
    p = models.failure.predict(x)
    scores = models.anomaly.device.score(x)
    threshold = models.anomaly.device.threshold
    # SHAP attributions cost ~0.25 ms a row, so they are computed only where there is a risk to explain.
    explain = np.flatnonzero(p >= DRIVER_MIN_PROBABILITY)
    top: list[list[tuple[str, float]]] = [[] for _ in inputs]
    if explain.size:
        for j, row in zip(explain.tolist(), failure_model.drivers(models.failure, x[explain]), strict=True):
            top[j] = row
    history_col = x[:, FEATURE_NAMES.index("history_days")]
    out = []
    for i, item in enumerate(inputs):
        prob, hist = float(p[i]), int(history_col[i])
        percent = round(100.0 * prob, 2)
        recs = failure_model.recommendations(prob, top[i], models.failure.threshold)
        if scores[i] >= threshold:
            recs.append("Health metrics are unusual for this fleet (anomaly): investigate the device")
        out.append(
            {
                "device_id": item.device_id,
                "failure_probability": percent,
                "risk_level": risk_level(percent),
                "will_fail_within_horizon": bool(prob >= models.failure.threshold),
                "horizon_days": models.failure.horizon_days,
                "anomaly_score": round(float(scores[i]), 4),
                "is_anomaly": bool(scores[i] >= threshold),
                "confidence": confidence(prob, hist),
                "recommendations": recs,
                "drivers": [{"feature": n, "contribution": round(c, 4)} for n, c in top[i]],
                "history_days_used": hist,
                "used_snapshot_only": hist <= 1,
                "predicted_at": now,
                "model_version": models.version,
            }
        )
    return out


def score_sensor(
    models: ServingModels, values: FloatArray
) -> tuple[FloatArray, NDArray[np.bool_], list[dict[str, Any]]]:
    """Per-reading anomaly scores and flags of one sensor stream (time order) and the flagged spans."""
    features = stream_features(values)
    detector = models.anomaly.stream
    scores = detector.score(features)
    flags = scores >= detector.threshold
    spans = [
        {"start": s, "end": e, "peak_score": round(peak, 4), "kind": span_kind(values, s, e, features)}
        for s, e, peak in flagged_spans(flags, scores)
    ]
    return scores, flags, spans
