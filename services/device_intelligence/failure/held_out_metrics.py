"""The test-split figures stored with a failure model and its rule baseline (metrics, curves, lead times)."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import brier_score_loss

from device_intelligence.evaluation import (
    Split,
    calibration_table,
    forecast_metrics,
    lead_times,
    pr_curve,
    recall_breakdown,
    rule_flags,
    rule_score,
)
from device_intelligence.failure.calibration import (
    ECE_DEFINITION,
    Calibrator,
    expected_calibration_error,
)
from device_intelligence.failure.risk import BANDS_DEFINITION, risk_bands
from device_intelligence.failure.snapshot import MIN_HISTORY_DAYS, SnapshotModel
from device_intelligence.telemetry import TelemetryDataset

TOP_IMPORTANCES = 20
IMPORTANCE_METHOD = "share of the booster's total split gain (learnt on the training rows), top 20"
RULE = (
    "error_rate > 0.1 or battery_level < 20 or response_time > 2000 (PR-AUC ranks the original rule "
    "fallback points)"
)


def gain_shares(booster: lgb.Booster, top: int = TOP_IMPORTANCES) -> dict[str, float]:
    """The `top` features by share of total split gain, largest first (empty for a tree-less booster)."""
    gain = np.asarray(booster.feature_importance(importance_type="gain"), dtype=np.float64)
    total = float(gain.sum())
    if total <= 0:
        return {}
    names = booster.feature_name()
    order = np.argsort(-gain, kind="stable")[:top]
    return {names[i]: round(float(gain[i]) / total, 4) for i in order if gain[i] > 0}


def recall_figures(
    dataset: TelemetryDataset, split: Split, all_flags: NDArray[np.bool_], h: int
) -> dict[str, Any]:
    """Where the device-day recall is lost: by days before the failure, by kind, and the predictable share."""
    breakdown = recall_breakdown(dataset, split.test, all_flags, h)
    return {
        "recall_by_days_before_failure": breakdown["by_days_before_failure"],
        "recall_by_failure_kind": breakdown["by_failure_kind"],
        "predictable_ceiling": breakdown["predictable_ceiling"],
    }


def _held_out(
    dataset: TelemetryDataset, split: Split, y: NDArray[np.int8], score: NDArray[np.float64],
    flags: NDArray[np.bool_], h: int,
) -> dict[str, Any]:  # fmt: skip
    """The gated forecast figures, calibration, PR curve, lead times and recall breakdown of one scorer."""
    all_flags = np.zeros(dataset.n_rows, dtype=bool)
    all_flags[split.test] = flags
    m = forecast_metrics(dataset, split.test, y, score, flags, h)
    m.update(
        brier=round(float(brier_score_loss(y, score)), 5) if y.size else None,
        calibration=calibration_table(y, score),
        pr_curve=pr_curve(y, score),
        lead_time=lead_times(dataset, split.test, all_flags, h),
        split_method=split.method,
    )
    return m | recall_figures(dataset, split, all_flags, h)


def model_metrics(
    dataset: TelemetryDataset, split: Split, y: NDArray[np.int8], p: NDArray[np.float64], threshold: float,
    h: int, booster: lgb.Booster,
) -> dict[str, Any]:  # fmt: skip
    """The model's test metrics at its threshold, with PR curve, calibration, lead times and importances."""
    m = _held_out(dataset, split, y, p, p >= threshold, h)
    m.update(
        threshold=round(float(threshold), 5),
        feature_importances=gain_shares(booster),
        feature_importance_method=IMPORTANCE_METHOD,
    )
    return m


def baseline_metrics(dataset: TelemetryDataset, split: Split, y: NDArray[np.int8], h: int) -> dict[str, Any]:
    """The original rule on the same test rows: its flags' metrics, its points' PR-AUC and PR curve."""
    vals = dataset.values[split.test]
    m = _held_out(dataset, split, y, rule_score(vals), rule_flags(vals), h)
    m.update(rule=RULE, threshold=None)
    return m


def calibration_figures(
    y: NDArray[np.int8],
    raw: NDArray[np.float64],
    p: NDArray[np.float64],
    calibrator: Calibrator,
    threshold: float,
) -> dict[str, Any]:
    """Brier score, ECE and reliability table before (the booster's raw score) and after calibration.

    The calibrator was fitted on the validation devices; these figures are on the test devices.
    """
    ece_after, ece_before = expected_calibration_error(y, p), expected_calibration_error(y, raw)
    return {
        "ece": round(ece_after, 5) if ece_after is not None else None,
        "ece_uncalibrated": round(ece_before, 5) if ece_before is not None else None,
        "brier_uncalibrated": round(float(brier_score_loss(y, raw)), 5) if y.size else None,
        "calibration_uncalibrated": calibration_table(y, raw),
        "calibration_method": calibrator.method,
        "calibration_fitted_on": "validation devices (rows from the cutoff on); figures on the test devices",
        "ece_definition": ECE_DEFINITION,
        "risk_bands": risk_bands(threshold),
        "risk_bands_definition": BANDS_DEFINITION,
    }


def snapshot_metrics(
    dataset: TelemetryDataset, split: Split, y: NDArray[np.int8], model: SnapshotModel, values: NDArray[np.float64],
    h: int,
) -> dict[str, Any]:  # fmt: skip
    """The snapshot model on the test rows, each scored from its reading alone (the rule sees the same)."""
    raw = model.raw(values)
    p = model.calibrator.apply(raw)
    m = _held_out(dataset, split, y, p, p >= model.threshold, h)
    m.update(
        threshold=round(float(model.threshold), 5),
        basis="snapshot",
        features="the 11 metrics of one reading (no history); monotone in the degrading direction",
        serves=f"devices with fewer than {MIN_HISTORY_DAYS} daily rows of stored history",
        feature_importances=gain_shares(model.booster),
        feature_importance_method=IMPORTANCE_METHOD,
    )
    return m | calibration_figures(y, raw, p, model.calibrator, model.threshold)
