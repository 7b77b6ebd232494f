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
    failure_level,
    lead_times,
    pr_curve,
    recall_breakdown,
    rule_flags,
    rule_score,
    score_metrics,
)
from device_intelligence.telemetry_simulator import TelemetryDataset

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


def event_figures(
    dataset: TelemetryDataset, split: Split, all_flags: NDArray[np.bool_], h: int
) -> dict[str, Any]:
    """Failure-level figures, lead days of detected failures, and where the device-day recall is lost."""
    breakdown = recall_breakdown(dataset, split.test, all_flags, h)
    events = failure_level(dataset, split.test, all_flags, h)
    return {
        "failure_level": {k: v for k, v in events.items() if not k.startswith("lead_days")},
        "lead_days": events["lead_days"],
        "lead_days_by_kind": events["lead_days_by_kind"],
        "recall_by_days_before_failure": breakdown["by_days_before_failure"],
        "recall_by_failure_kind": breakdown["by_failure_kind"],
        "predictable_ceiling": breakdown["predictable_ceiling"],
    }


def model_metrics(
    dataset: TelemetryDataset,
    split: Split,
    y: NDArray[np.int8],
    p: NDArray[np.float64],
    threshold: float,
    h: int,
    booster: lgb.Booster,
) -> dict[str, Any]:
    """The model's test metrics at its threshold, with PR curve, calibration, lead times and importances."""
    flags = p >= threshold
    all_flags = np.zeros(dataset.n_rows, dtype=bool)
    all_flags[split.test] = flags
    m = score_metrics(y, p, flags)
    m.update(
        threshold=round(float(threshold), 5),
        brier=round(float(brier_score_loss(y, p)), 5) if y.size else None,
        calibration=calibration_table(y, p),
        pr_curve=pr_curve(y, p),
        lead_time=lead_times(dataset, split.test, all_flags, h),
        feature_importances=gain_shares(booster),
        feature_importance_method=IMPORTANCE_METHOD,
        split_method=split.method,
    )
    m.update(event_figures(dataset, split, all_flags, h))
    return m


def baseline_metrics(dataset: TelemetryDataset, split: Split, y: NDArray[np.int8], h: int) -> dict[str, Any]:
    """The original rule on the same test rows: its flags' metrics, its points' PR-AUC and PR curve."""
    vals = dataset.values[split.test]
    score, flags = rule_score(vals), rule_flags(vals)
    all_flags = np.zeros(dataset.n_rows, dtype=bool)
    all_flags[split.test] = flags
    m = score_metrics(y, score, flags)
    m.update(
        rule=RULE,
        threshold=None,
        brier=round(float(brier_score_loss(y, score)), 5) if y.size else None,
        calibration=calibration_table(y, score),
        pr_curve=pr_curve(y, score),
        lead_time=lead_times(dataset, split.test, all_flags, h),
        split_method=split.method,
    )
    m.update(event_figures(dataset, split, all_flags, h))
    return m
