"""Quality gates: original thresholds by default; missing metrics and un-beaten baselines fail."""

from __future__ import annotations

import json
import math

import pytest

from homeiq_shared.quality_gates import (
    DEVICE_INTELLIGENCE_THRESHOLDS,
    HOME_TYPE_THRESHOLDS,
    beats_baseline,
    evaluate_gates,
    thresholds_for,
)

GOOD = {"accuracy": 0.93, "precision": 0.9, "recall": 0.88, "f1_score": 0.89}


def test_defaults_are_the_original_thresholds() -> None:
    assert dict(HOME_TYPE_THRESHOLDS) == {
        "accuracy": 0.90,
        "precision": 0.85,
        "recall": 0.85,
        "f1_score": 0.85,
    }
    assert dict(DEVICE_INTELLIGENCE_THRESHOLDS) == {
        "accuracy": 0.85,
        "precision": 0.80,
        "recall": 0.80,
        "f1_score": 0.80,
    }


def test_all_metrics_above_threshold_pass() -> None:
    report = evaluate_gates(GOOD, HOME_TYPE_THRESHOLDS)
    assert report.passed
    assert report.verdict == "PASSED"
    assert [check["metric"] for check in report.checks] == ["accuracy", "precision", "recall", "f1_score"]


def test_a_value_exactly_at_the_threshold_passes_and_just_below_fails() -> None:
    assert evaluate_gates({**GOOD, "accuracy": 0.90}, HOME_TYPE_THRESHOLDS).passed
    report = evaluate_gates({**GOOD, "recall": 0.8499}, HOME_TYPE_THRESHOLDS)
    assert not report.passed
    (failed,) = report.failed
    assert failed["metric"] == "recall"
    assert failed["gap"] == pytest.approx(0.0001)


@pytest.mark.parametrize("bad", ["missing", None, math.nan, math.inf, "0.95"])
def test_missing_none_or_non_finite_metric_fails(bad: object) -> None:
    metrics: dict[str, object] = dict(GOOD)
    if bad == "missing":
        del metrics["f1_score"]
    else:
        metrics["f1_score"] = bad

    report = evaluate_gates(metrics, HOME_TYPE_THRESHOLDS)  # type: ignore[arg-type]

    assert not report.passed
    assert report.verdict == "FAILED"
    (failed,) = report.failed
    assert failed["metric"] == "f1_score"
    assert failed["value"] is None


def test_an_empty_metrics_file_fails_every_check() -> None:
    report = evaluate_gates({}, DEVICE_INTELLIGENCE_THRESHOLDS)
    assert not report.passed
    assert len(report.failed) == 4


def test_thresholds_are_configurable_and_validated() -> None:
    relaxed = thresholds_for("device_intelligence", {"recall": 0.5})
    assert relaxed["recall"] == 0.5
    assert relaxed["accuracy"] == 0.85
    assert evaluate_gates({**GOOD, "recall": 0.6}, relaxed).passed
    with pytest.raises(ValueError, match="finite"):
        thresholds_for("home_type", {"accuracy": math.nan})
    with pytest.raises(KeyError):
        thresholds_for("gnn_synergy")
    with pytest.raises(ValueError, match="at least one"):
        evaluate_gates(GOOD, {})


def test_beats_baseline_is_strict_and_handles_margin_and_missing_scores() -> None:
    assert beats_baseline(0.71, 0.70, "macro_f1")["passed"]
    assert not beats_baseline(0.70, 0.70, "macro_f1")["passed"]
    assert not beats_baseline(0.71, 0.70, "macro_f1", margin=0.02)["passed"]
    assert not beats_baseline(None, 0.70, "macro_f1")["passed"]
    missing_baseline = beats_baseline(0.9, math.nan, "macro_f1")
    assert not missing_baseline["passed"]
    assert missing_baseline["threshold"] is None
    with pytest.raises(ValueError, match="margin"):
        beats_baseline(0.9, 0.5, "macro_f1", margin=-0.1)


def test_a_model_that_does_not_beat_its_baseline_fails_the_report() -> None:
    check = beats_baseline(0.60, 0.62, "accuracy")
    report = evaluate_gates(GOOD, HOME_TYPE_THRESHOLDS, extra_checks=[check])
    assert not report.passed
    assert [c["metric"] for c in report.failed] == ["accuracy_vs_baseline"]


def test_report_dict_is_strict_json_with_the_original_keys() -> None:
    report = evaluate_gates({**GOOD, "precision": None}, HOME_TYPE_THRESHOLDS)
    body = report.to_dict()
    json.dumps(body, allow_nan=False)
    assert body["verdict"] == "FAILED"
    assert body["passed"] is False
    assert body["metrics_failed"] == [{"metric": "precision", "value": None, "threshold": 0.85, "gap": None}]
    assert body["metrics_passed"] == ["accuracy", "recall", "f1_score"]
    assert "precision is missing" in body["message"]
