"""Unlabelled real homes: the production model's confidence on them and their drift from its training homes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ai_automation.home_type.features import FEATURE_NAMES, extract_features
from ai_automation.home_type.home_view import HomeInputError
from ai_automation.home_type.model import HomeTypeModel
from ai_automation.home_type.real_homes import RealHome

LOW_CONFIDENCE = 0.5
Z_CAP = 10.0
DRIFT_METHOD = (
    "per home: mean |z| of its features against the mean and standard deviation of the production "
    f"model's training homes (features with zero spread left out, each |z| capped at {Z_CAP:g})"
)


def _reference(metadata: Mapping[str, Any]) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    ref = metadata.get("training_data", {}).get("feature_reference")
    if not isinstance(ref, Mapping) or len(ref.get("mean") or []) != len(FEATURE_NAMES):
        return None
    mean = np.array([np.nan if v is None else v for v in ref["mean"]], dtype=np.float64)
    std = np.array([np.nan if v is None else v for v in ref["std"]], dtype=np.float64)
    return mean, std


def drift_of(
    values: NDArray[np.float64], mean: NDArray[np.float64], std: NDArray[np.float64]
) -> dict[str, Any]:
    """Drift figures of one feature vector against a reference mean and spread."""
    usable = np.isfinite(values) & np.isfinite(mean) & np.isfinite(std) & (std > 0)
    if not usable.any():
        return {"mean_abs_z": None, "features_beyond_3sd": 0, "most_drifted": []}
    z = np.minimum(np.abs(values[usable] - mean[usable]) / std[usable], Z_CAP)
    names = np.asarray(FEATURE_NAMES)[usable]
    order = np.argsort(-z, kind="stable")[:3]
    return {
        "mean_abs_z": round(float(z.mean()), 4),
        "features_beyond_3sd": int((z > 3).sum()),
        "most_drifted": [{"feature": str(names[i]), "abs_z": round(float(z[i]), 3)} for i in order],
    }


def unlabelled_report(
    model: HomeTypeModel | None, homes: Sequence[RealHome], limit: int = 50
) -> dict[str, Any]:
    """Predicted type, confidence and drift of each unlabelled home (at most `limit` listed) and their means."""
    report: dict[str, Any] = {"homes": len(homes), "drift_method": DRIFT_METHOD}
    if not homes:
        return report
    if model is None:
        return {**report, "skipped_reason": "no production model to score them with"}
    rows, kept, skipped = [], [], []
    for home in homes:
        try:
            rows.append(extract_features(home.home))
            kept.append(home)
        except HomeInputError as exc:
            skipped.append({"home_id": home.home_id, "reason": str(exc)})
    reference = _reference(model.metadata)
    per_home = []
    for home, row, pred in zip(kept, rows, model.predict_rows(rows), strict=True):
        drift = drift_of(row.values, *reference) if reference is not None else {"mean_abs_z": None}
        per_home.append(
            {
                "home_id": home.home_id,
                "predicted_type": pred.home_type,
                "confidence": round(pred.confidence, 4),
                "features_used": list(pred.features_used),
                "events": home.events,
                "devices_from": home.devices_from,
                **drift,
            }
        )
    confidences = [h["confidence"] for h in per_home]
    drifts = [h["mean_abs_z"] for h in per_home if h["mean_abs_z"] is not None]
    return {
        **report,
        "model_version": model.version,
        "scored": len(per_home),
        "mean_confidence": round(float(np.mean(confidences)), 4) if confidences else None,
        "low_confidence_homes": sum(c < LOW_CONFIDENCE for c in confidences),
        "low_confidence_threshold": LOW_CONFIDENCE,
        "predicted_types": dict(Counter(h["predicted_type"] for h in per_home).most_common()),
        "mean_abs_z": round(float(np.mean(drifts)), 4) if drifts else None,
        "drift_reference": None if reference is None else "the production model's training homes",
        "per_home": per_home[:limit],
        "skipped": skipped,
    }
