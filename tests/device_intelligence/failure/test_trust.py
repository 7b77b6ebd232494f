"""Predictions a user can trust: calibration on held-out devices, bands at the operating point, snapshot model."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from device_intelligence.failure.calibration import Calibrator, expected_calibration_error, fit_calibrator
from device_intelligence.failure.model import CONFIG_FILE, FailureModel
from device_intelligence.failure.risk import NORMAL, advice, risk_bands, risk_level
from device_intelligence.failure.snapshot import MIN_HISTORY_DAYS
from device_intelligence.retraining import Evaluation, RetrainOptions, RetrainResult, train_and_evaluate
from device_intelligence.serving import DeviceInput, load_production, predict_devices
from device_intelligence.telemetry import METRIC_NAMES, M
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet
from homeiq_shared.model_registry import ModelRegistry

# Past every limit of the original rule (error_rate > 0.1, battery < 20, response > 2000 ms), and healthy.
FAR_PAST = {"battery_level": 5.0, "error_rate": 0.3, "response_time": 3000.0, "signal_strength": -92.0}
HEALTHY = {"battery_level": 90.0, "error_rate": 0.0, "response_time": 80.0, "signal_strength": -55.0}


def _reading(metrics: dict[str, float]) -> np.ndarray:
    row = np.full(len(METRIC_NAMES), np.nan)
    for name, value in metrics.items():
        row[M[name]] = value
    return row


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    """The default fleet (1000 devices x 180 days) of the first evaluation seed of bench_failure_trust."""
    rng = np.random.default_rng(1001)
    sim_rng, train_rng = rng.spawn(2)
    dataset = simulate_fleet(SimulationOptions(n_devices=1000, days=180), sim_rng)
    return train_and_evaluate(dataset, RetrainOptions(seed=1001), train_rng)


def test_calibration_fitted_on_validation_devices_improves_ece_and_brier_on_test_devices(
    evaluation: Evaluation,
) -> None:
    m = evaluation.metrics
    assert m["ece"] < m["ece_uncalibrated"]
    assert m["brier"] < m["brier_uncalibrated"]
    assert m["snapshot"]["ece"] < m["snapshot"]["ece_uncalibrated"]
    assert "validation devices" in m["calibration_fitted_on"]
    # The calibration is monotone in the raw score: the ranking (PR-AUC) is the raw booster's.
    raw = evaluation.model.raw(evaluation.test_features)
    order = np.argsort(raw)
    assert np.all(np.diff(evaluation.model.predict(evaluation.test_features)[order]) >= 0)


def test_snapshot_model_beats_the_rule_from_one_reading_on_held_out_devices(evaluation: Evaluation) -> None:
    snapshot, rule, history = evaluation.metrics["snapshot"], evaluation.baseline, evaluation.metrics
    assert snapshot["pr_auc"] > 2 * rule["pr_auc"]
    assert history["pr_auc"] > rule["pr_auc"]
    assert snapshot["basis"] == "snapshot"
    model = evaluation.model.snapshot
    assert model is not None
    p_bad, p_good = model.predict(np.vstack([_reading(FAR_PAST), _reading(HEALTHY)]))
    assert p_bad > p_good
    assert risk_level(float(p_bad), risk_bands(model.threshold)) != "minimal"
    assert p_bad >= model.threshold  # far past every rule limit: an alert, not just a raised risk


def test_calibrator_round_trips_as_json_and_refuses_bad_knots() -> None:
    rng = np.random.default_rng(0)
    raw = rng.random(4000)
    y = (rng.random(4000) < raw**3).astype(np.int8)  # the raw score over-predicts
    calibrator = fit_calibrator(raw[:2000], y[:2000])
    fresh_raw, fresh_y = raw[2000:], y[2000:]
    before = expected_calibration_error(fresh_y, fresh_raw)
    after = expected_calibration_error(fresh_y, calibrator.apply(fresh_raw))
    assert before is not None
    assert after is not None
    assert after < before / 2
    # Strictly increasing (no ties: the ranking is kept) and never certain.
    assert np.all(np.diff(calibrator.knots_y) > 0)
    assert calibrator.knots_y[-1] < 1.0
    again = Calibrator.from_json(json.loads(json.dumps(calibrator.to_json())))
    assert np.array_equal(again.apply(fresh_raw), calibrator.apply(fresh_raw))
    assert Calibrator.from_json(None).apply(np.array([0.3]))[0] == pytest.approx(0.3)
    with pytest.raises(ValueError, match="non-decreasing"):
        Calibrator.from_json({"knots_x": [0.0, 0.5, 1.0], "knots_y": [0.0, 0.9, 0.2]})
    assert fit_calibrator(raw[:10], np.zeros(10)).method == "none"  # one class: identity


@pytest.mark.parametrize("threshold", [0.02, 0.099, 0.25, 0.5, 0.7, 0.9])
def test_bands_follow_the_alert_threshold(threshold: float) -> None:
    bands = risk_bands(threshold)
    assert bands["medium"] == pytest.approx(threshold)
    assert bands["low"] < bands["medium"] <= bands["high"] <= bands["critical"]
    for p in (threshold, (threshold + 1) / 2, 1.0):  # at or above the alert: medium or higher, never minimal
        assert risk_level(p, bands) in {"medium", "high", "critical"}
    assert risk_level(threshold * 0.99, bands) == "low"
    assert risk_level(threshold * 0.49, bands) == "minimal"


def test_the_issues_case_an_alert_at_9_9_percent_is_not_low_or_minimal() -> None:
    assert risk_level(0.15, risk_bands(0.099)) == "medium"


def test_advice_never_says_operating_normally_beside_an_alert_or_an_anomaly() -> None:
    bands = risk_bands(0.2)
    assert advice(0.01, 0.2, [], False, bands) == [NORMAL]
    for p, lines, anomaly in ((0.5, [], False), (0.01, [], True), (0.01, ["Battery is low"], False)):
        recs = advice(p, 0.2, lines, anomaly, bands)
        assert NORMAL not in recs
        assert recs
    assert "keep an eye" in advice(0.15, 0.2, [], False, bands)[0]


def test_a_model_stored_before_calibration_still_serves_on_history(
    trained_registry: tuple[Path, RetrainResult],
) -> None:
    models = load_production(ModelRegistry(trained_registry[0]))
    assert models is not None
    assert models.failure.snapshot is not None
    files = models.failure.to_artifacts()
    config = json.loads(files[CONFIG_FILE])
    for key in ("calibration", "snapshot", "risk_bands"):
        config.pop(key)
    old = FailureModel.from_artifacts(files | {CONFIG_FILE: json.dumps(config).encode()})
    assert old.snapshot is None
    assert old.calibrator.method == "none"
    now = datetime.now(UTC)
    device = DeviceInput("sensor.old", _reading(FAR_PAST), np.zeros(0, np.int64), np.zeros((0, 11)), 20_000)
    for served, basis in ((dataclasses.replace(models, failure=old), "history"), (models, "snapshot")):
        answer = predict_devices(served, [device], now)[0]
        assert answer["basis"] == basis
        assert answer["probability"] == pytest.approx(answer["failure_probability"] / 100, abs=1e-4)
    assert MIN_HISTORY_DAYS > 1
