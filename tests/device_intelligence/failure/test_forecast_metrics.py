"""Failure-level figures, lead days, the recall breakdown and the PR curve, on data whose answers are known."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
from sklearn.metrics import precision_recall_curve

from device_intelligence.evaluation import (
    alert_episodes,
    failure_level,
    forecast_metrics,
    gives_warning,
    pr_curve,
    recall_breakdown,
)
from device_intelligence.retraining import RetrainResult, gate_report
from device_intelligence.telemetry import METRIC_NAMES, TelemetryDataset, failure_labels
from device_intelligence.telemetry_features import FEATURE_NAMES

DAYS = 30


def fleet(failure_day: list[int], kind: list[str], episode_start: list[int]) -> TelemetryDataset:
    """Devices reporting daily until their failure day (or the end of a 30-day window)."""
    devs, days = [], []
    for i, f in enumerate(failure_day):
        last = f if f >= 0 else DAYS
        devs.append(np.full(last, i, dtype=np.int64))
        days.append(np.arange(last, dtype=np.int64))
    row_device, row_day = np.concatenate(devs), np.concatenate(days)
    n = len(failure_day)
    return TelemetryDataset(
        device_ids=np.array([f"d{i}" for i in range(n)]),
        category=np.array(["switch"] * n),
        power=np.array(["mains"] * n),
        protocol=np.array(["wifi"] * n),
        failure_day=np.array(failure_day, dtype=np.int64),
        failure_kind=np.array(kind),
        episode_start=np.array(episode_start, dtype=np.int64),
        row_device=row_device,
        row_day=row_day,
        values=np.zeros((row_day.size, len(METRIC_NAMES))),
        start_date=date(2025, 1, 1),
    )


def alerts_on(ds: TelemetryDataset, marks: dict[int, list[int]]) -> np.ndarray:
    """Row flags: True on the listed days of each device."""
    flags = np.zeros(ds.n_rows, dtype=bool)
    for device, alert_days in marks.items():
        flags |= (ds.row_device == device) & np.isin(ds.row_day, alert_days)
    return flags


# device 0: degradation from day 12, fails day 20; device 1: sudden failure day 25;
# device 2: episode begins day 18 (so days 13..17 precede it), fails day 20; device 3: healthy.
DS = fleet([20, 25, 20, -1], ["hardware_failure", "sudden", "battery_depletion", ""], [12, 25, 18, -1])
ALL = np.ones(DS.n_rows, dtype=bool)
Y = failure_labels(DS, 7)  # every row's label: fails within 7 days


def test_alert_runs_join_short_gaps_only() -> None:
    days = np.arange(20, dtype=np.int64)
    flags = np.isin(days, [2, 3, 5, 10, 11, 19])
    assert alert_episodes(days, flags) == [(2, 5), (10, 11), (19, 19)]
    assert alert_episodes(days, np.zeros(20, dtype=bool)) == []


def test_failure_recall_alert_precision_and_lead() -> None:
    # device 0 caught from day 15 (lead 5); device 2 caught the day before; device 1 missed;
    # device 3 raises one false alarm; device 0 also had a false alarm long before its failure.
    flags = alerts_on(DS, {0: [3, 15, 16, 17, 18, 19], 2: [19], 3: [8, 9]})
    fl = failure_level(DS, ALL, flags, horizon_days=7)
    assert fl["failures"] == 3
    assert fl["detected"] == 2
    assert fl["failure_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert fl["alerts"] == 4  # (0: day 3), (0: 15-19), (2: 19), (3: 8-9)
    assert fl["true_alerts"] == 2
    assert fl["alert_precision"] == pytest.approx(0.5, abs=1e-4)
    assert fl["median_lead_days"] == pytest.approx((5 + 1) / 2)
    assert fl["lead_days"] == [1.0, 5.0]  # one per detected failure, the missed sudden one has none
    assert fl["lead_days_by_kind"] == {"battery_depletion": [1.0], "hardware_failure": [5.0]}


def test_sudden_failures_are_left_out_of_the_gated_recall_only() -> None:
    assert gives_warning(DS).tolist() == [True, False, True, True]
    flags = alerts_on(DS, {0: [3, 15, 16, 17, 18, 19], 2: [19], 3: [8, 9]})
    fl = failure_level(DS, ALL, flags, horizon_days=7)
    assert (fl["failures_with_warning"], fl["detected_with_warning"], fl["warning_recall"]) == (2, 2, 1.0)
    assert fl["by_kind"]["sudden"] == {"failures": 1, "detected": 0, "recall": 0.0}
    # A recorded real failure has no known episode: it always counts as giving warning.
    real = fleet([20], ["confirmed"], [-1])
    assert gives_warning(real).tolist() == [True]


def test_forecast_metrics_define_the_gated_figures() -> None:
    # Alerts: device 0 on days 3 (false, 17 days early) and 15-19 (true), device 2 on day 19, device 3 twice.
    flags = alerts_on(DS, {0: [3, 15, 16, 17, 18, 19], 2: [19], 3: [8, 9]})
    p = flags.astype(float)
    m = forecast_metrics(DS, ALL, Y, p, flags, horizon_days=7)
    assert m["precision"] == pytest.approx(6 / 9, abs=1e-4)  # device-days: 6 of 9 alerts within 7 days
    assert m["recall"] == 1.0  # both failures that give warning were alerted in time
    assert m["failure_recall_all"] == pytest.approx(2 / 3, abs=1e-4)  # the sudden one was missed
    assert m["row_recall"] == pytest.approx(6 / 21, abs=1e-4)  # device-days: 6 of 21 positive days
    assert m["f1_score"] == pytest.approx(2 * (6 / 9) / (6 / 9 + 1), abs=1e-4)
    assert m["median_lead_days"] == pytest.approx(3.0)  # leads 5 and 1
    assert m["accuracy"] == pytest.approx(1 - (3 + 15) / DS.n_rows, abs=1e-4)
    assert "harmonic mean" in m["metric_definitions"]


def _gate(metrics: dict[str, object], baseline_pr_auc: float = 0.01) -> dict[str, bool]:
    report = gate_report(metrics, {"pr_auc": baseline_pr_auc}, {})
    return {check["metric"]: check["passed"] for check in report.checks}


def test_the_gates_pass_a_good_forecaster_and_fail_an_alarmist_and_a_late_one() -> None:
    good = {"accuracy": 0.99, "precision": 0.85, "recall": 0.9, "f1_score": 0.87, "pr_auc": 0.5,
            "median_lead_days": 4.0}  # fmt: skip
    assert all(_gate(good).values())
    # Alerting on every day of every device catches every failure but is right on few device-days.
    alarmist = forecast_metrics(DS, ALL, Y, np.ones(DS.n_rows), np.ones(DS.n_rows, dtype=bool), 7)
    assert alarmist["recall"] == 1.0
    checks = _gate(alarmist | {"pr_auc": 0.5})
    assert not checks["precision"]
    assert not checks["f1_score"]
    assert not checks["accuracy"]
    # Alerting only the day before: right every time, but too late to act on.
    late = forecast_metrics(DS, ALL, Y, np.zeros(DS.n_rows), alerts_on(DS, {0: [19], 2: [19]}), 7)
    assert late["precision"] == 1.0
    assert late["recall"] == 1.0
    checks = _gate(late | {"pr_auc": 0.5})
    assert not checks["median_lead_days"]
    assert checks["precision"]
    # PR-AUC must beat the rule's.
    assert not _gate(good, baseline_pr_auc=0.6)["pr_auc_vs_baseline"]
    missing = {k: v for k, v in good.items() if k != "median_lead_days"}
    assert not _gate(missing)["median_lead_days"]


def test_failure_outside_the_scored_rows_is_not_counted() -> None:
    only_late = DS.row_day >= 22  # device 0 and 2 failed on day 20: nothing of their horizon is scored
    fl = failure_level(DS, only_late, np.zeros(DS.n_rows, dtype=bool), horizon_days=7)
    assert fl["failures"] == 1  # device 1 (fails day 25, rows 22..24 scored)
    assert fl["failure_recall"] == 0.0
    assert fl["alert_precision"] is None


def test_recall_breakdown_by_days_kind_and_ceiling() -> None:
    flags = alerts_on(DS, {0: [17, 18, 19], 2: [19]})
    rb = recall_breakdown(DS, ALL, flags, horizon_days=7)
    assert rb["positives"] == 21  # 7 days before each of the three failures
    by_days = {r["days_before_failure"]: r for r in rb["by_days_before_failure"]}
    assert by_days[1]["positives"] == 3
    assert by_days[1]["alerted"] == 2  # devices 0 and 2 alerted on day 19
    assert by_days[3]["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert by_days[4]["recall"] == 0.0
    # in-episode positives: device 0 days 13..19 (7) and device 2 days 18..19 (2)
    assert by_days[2]["in_episode_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert by_days[7]["in_episode_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert rb["by_failure_kind"]["sudden"]["recall"] == 0.0
    assert rb["by_failure_kind"]["hardware_failure"]["recall"] == pytest.approx(3 / 7, abs=1e-4)
    ceiling = rb["predictable_ceiling"]
    assert ceiling["sudden_share"] == pytest.approx(7 / 21, abs=1e-4)
    assert ceiling["pre_episode_share"] == pytest.approx(5 / 21, abs=1e-4)
    assert ceiling["recall_ceiling"] == pytest.approx(9 / 21, abs=1e-4)
    assert ceiling["recall_on_predictable"] == pytest.approx(4 / 9, abs=1e-4)
    assert rb["recall"] == pytest.approx(4 / 21, abs=1e-4)


def test_trained_result_carries_the_event_figures(trained_registry: tuple[object, RetrainResult]) -> None:
    _, result = trained_registry
    m, b = result.metrics, result.baseline
    for block in (m, b):
        fl = block["failure_level"]
        assert fl["failures"] > 0
        assert 0 <= fl["detected"] <= fl["failures"]
        assert sum(r["positives"] for r in block["recall_by_days_before_failure"]) == m["positives"]
        assert sum(v["positives"] for v in block["recall_by_failure_kind"].values()) == m["positives"]
        c = block["predictable_ceiling"]
        assert c["sudden_share"] + c["pre_episode_share"] + c["in_episode_share"] == pytest.approx(
            1.0, abs=1e-3
        )
    alerted = sum(r["alerted"] for r in m["recall_by_days_before_failure"])
    assert alerted / m["positives"] == pytest.approx(m["row_recall"], abs=1e-3)
    # The model's alerts are far more often followed by a failure than the same-day rule's.
    assert m["failure_level"]["alert_precision"] > 3 * b["failure_level"]["alert_precision"]
    assert m["row_recall"] <= m["predictable_ceiling"]["recall_ceiling"] + 0.1  # sudden failures stay unseen
    assert m["failure_level"]["detected_with_warning"] / m["failure_level"]["failures_with_warning"] == (
        pytest.approx(m["recall"], abs=1e-3)
    )


def test_pr_curve_is_thinned_evenly_over_recall_with_real_thresholds() -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(5000) < 0.05).astype(np.int8)
    p = np.clip(0.3 * y + rng.random(5000) * 0.8, 0, 1)
    curve = pr_curve(y, p)
    assert curve is not None
    precision, recall, thresholds = (np.array(curve[k]) for k in ("precision", "recall", "thresholds"))
    assert 50 <= curve["points"] == len(thresholds) <= 100 < curve["full_points"]
    assert recall[0] == 1.0
    assert np.all(np.diff(recall) <= 0)
    assert np.all(np.diff(thresholds) > 0)
    assert np.max(np.diff(-recall)) < 0.05  # no wide gap along recall
    # Every kept point is the curve at its own threshold.
    for t, pr, rc in zip(thresholds[::17], precision[::17], recall[::17], strict=True):
        flags = p >= t
        assert pr == pytest.approx(y[flags].mean(), abs=1e-4)
        assert rc == pytest.approx(flags[y == 1].mean(), abs=1e-4)


def test_short_pr_curve_is_kept_whole_and_one_class_has_none() -> None:
    y = np.array([0, 0, 1, 1, 0, 1], dtype=np.int8)
    p = np.array([0.0, 0.25, 0.25, 0.55, 0.0, 0.55])
    curve = pr_curve(y, p)
    full_p, full_r, full_t = precision_recall_curve(y, p)
    assert curve is not None
    assert curve["thresholds"] == pytest.approx(list(full_t))
    assert curve["precision"] == pytest.approx(list(full_p[:-1]), abs=1e-4)
    assert curve["recall"] == pytest.approx(list(full_r[:-1]), abs=1e-4)
    assert pr_curve(np.zeros(4, dtype=np.int8), np.ones(4)) is None


def test_trained_result_carries_compact_curves_importances_and_lead_days(
    trained_registry: tuple[object, RetrainResult],
) -> None:
    _, result = trained_registry
    m, b = result.metrics, result.baseline
    for block in (m, b):
        curve = block["pr_curve"]
        assert len(curve["precision"]) == len(curve["recall"]) == len(curve["thresholds"]) <= 100
        fl = block["failure_level"]
        assert len(block["lead_days"]) == fl["detected"]
        assert sum(len(v) for v in block["lead_days_by_kind"].values()) == fl["detected"]
        if block["lead_days"]:
            assert float(np.median(block["lead_days"])) == fl["median_lead_days"]
            assert min(block["lead_days"]) >= 1
    # Each curve is its own scores' curve: average precision summed along it is the reported PR-AUC.
    for block in (m, b):
        precision, recall = np.array(block["pr_curve"]["precision"]), np.array(block["pr_curve"]["recall"])
        average_precision = float(np.sum((recall - np.r_[recall[1:], 0.0]) * precision))
        assert average_precision == pytest.approx(block["pr_auc"], abs=0.01)
    shares = m["feature_importances"]
    assert 0 < len(shares) <= 20
    assert set(shares) <= set(FEATURE_NAMES)
    assert list(shares.values()) == sorted(shares.values(), reverse=True)
    assert 0.3 < sum(shares.values()) <= 1.0 + 1e-6
    assert "feature_importances" not in b  # a rule has no learnt importances
    assert b["pr_curve"]["points"] == b["pr_curve"]["full_points"]  # a few score levels: kept whole
    assert len(json.dumps(m)) + len(json.dumps(b)) < 50_000
