"""Simulated telemetry: determinism, missing metrics, ground-truth labels; features keep NaN as NaN."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import device_intelligence
from device_intelligence.telemetry import METRIC_NAMES, failure_labels
from device_intelligence.telemetry_features import FEATURE_NAMES, compute_features, latest_features
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet

OPTS = SimulationOptions(n_devices=300, days=60)


def test_same_seed_same_fleet_other_seed_other_fleet() -> None:
    a = simulate_fleet(OPTS, np.random.default_rng(3))
    b = simulate_fleet(OPTS, np.random.default_rng(3))
    c = simulate_fleet(OPTS, np.random.default_rng(4))
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.failure_day, b.failure_day)
    assert a.values.shape != c.values.shape or not np.array_equal(a.values, c.values, equal_nan=True)


def test_kinds_lack_metrics_instead_of_reporting_zero() -> None:
    ds = simulate_fleet(OPTS, np.random.default_rng(1))
    battery = METRIC_NAMES.index("battery_level")
    mains_rows = ds.power[ds.row_device] == "mains"
    assert np.isnan(ds.values[mains_rows, battery]).all()
    assert np.nanmin(ds.values[~mains_rows, battery]) >= 0
    wifi_rows = ds.protocol[ds.row_device] == "wifi"
    assert np.isnan(ds.values[~wifi_rows, METRIC_NAMES.index("data_transfer_rate")]).all()


def test_failures_ground_truth_and_no_rows_after_failure() -> None:
    ds = simulate_fleet(SimulationOptions(n_devices=2000, days=60), np.random.default_rng(2))
    failing = ds.failure_day >= 0
    assert 0.12 < failing.mean() < 0.18
    assert set(ds.failure_kind[failing]) >= {"battery_depletion", "connectivity_loss", "sudden"}
    fday = ds.failure_day[ds.row_device]
    assert not ((fday >= 0) & (ds.row_day >= fday)).any()
    y = failure_labels(ds, 7)
    ahead = fday - ds.row_day
    np.testing.assert_array_equal(y == 1, (fday >= 0) & (ahead >= 1) & (ahead <= 7))


def test_window_features_match_a_direct_computation() -> None:
    ds = simulate_fleet(OPTS, np.random.default_rng(5))
    x = compute_features(ds.row_device, ds.row_day, ds.values)
    rows = np.flatnonzero(ds.row_device == 11)
    k = 20
    window = ds.values[rows[k - 6 : k + 1], METRIC_NAMES.index("signal_strength")]
    got = x[rows[k], FEATURE_NAMES.index("signal_strength_mean_7d")]
    assert got == pytest.approx(np.nanmean(window))
    one = latest_features(ds.row_day[rows[: k + 1]], ds.values[rows[: k + 1]])
    np.testing.assert_allclose(one[0], x[rows[k]], equal_nan=True)


def test_missing_metrics_stay_missing_in_features() -> None:
    days = np.arange(10, dtype=np.int64)
    values = np.full((10, len(METRIC_NAMES)), np.nan)
    values[:, METRIC_NAMES.index("signal_strength")] = -60.0
    x = latest_features(days, values)[0]
    for name in ("battery_level", "battery_level_mean_7d", "battery_level_slope_7d", "battery_level_dev_28d"):
        assert np.isnan(x[FEATURE_NAMES.index(name)]), name
    assert x[FEATURE_NAMES.index("signal_strength_mean_7d")] == pytest.approx(-60.0)


def test_features_refuse_unsorted_rows() -> None:
    with pytest.raises(ValueError, match="sorted"):
        compute_features(np.array([0, 0]), np.array([3, 1]), np.zeros((2, len(METRIC_NAMES))))


def test_features_of_a_day_never_read_later_days() -> None:
    ds = simulate_fleet(OPTS, np.random.default_rng(6))
    for device in range(0, 300, 30):
        rows = ds.row_device == device
        days, values = ds.row_day[rows], ds.values[rows]
        later = days > 30
        changed = values.copy()
        changed[later] = changed[later] * 3.0 + 7.0
        x = compute_features(np.zeros(days.size, dtype=np.int64), days, values)
        y = compute_features(np.zeros(days.size, dtype=np.int64), days, changed)
        np.testing.assert_array_equal(x[~later], y[~later])
        assert not np.allclose(x[later], y[later], equal_nan=True)


def test_shift_compares_the_last_week_with_the_devices_own_earlier_weeks() -> None:
    days = np.arange(28, dtype=np.int64)
    values = np.full((28, len(METRIC_NAMES)), np.nan)
    signal = np.where(days < 21, -60.0, -75.0) + np.tile([2.0, -2.0], 14)
    values[:, METRIC_NAMES.index("signal_strength")] = signal
    values[:, METRIC_NAMES.index("response_time")] = np.where(days < 21, 100.0, 400.0)
    x = latest_features(days, values)[0]
    assert x[FEATURE_NAMES.index("signal_strength_shift_7d")] == pytest.approx(
        np.mean(signal[21:]) - np.mean(signal[:21])
    )
    z = (np.mean(signal[21:]) - np.mean(signal[:21])) / np.std(signal[:21])
    assert x[FEATURE_NAMES.index("signal_strength_shift_z_7d")] == pytest.approx(z)
    # multiplicative metrics are compared on a log scale: four times slower is log(401 / 101)
    assert x[FEATURE_NAMES.index("response_time_shift_7d")] == pytest.approx(np.log(401 / 101))


def test_battery_days_to_empty_extrapolates_the_recent_drain() -> None:
    days = np.arange(10, dtype=np.int64)
    values = np.full((10, len(METRIC_NAMES)), np.nan)
    values[:, METRIC_NAMES.index("battery_level")] = 60.0 - 5.0 * days  # 15 % today, -5 %/day
    x = latest_features(days, values)[0]
    assert x[FEATURE_NAMES.index("battery_days_to_empty")] == pytest.approx(3.0)
    values[:, METRIC_NAMES.index("battery_level")] = 80.0
    assert latest_features(days, values)[0][FEATURE_NAMES.index("battery_days_to_empty")] == 365.0
    values[:, METRIC_NAMES.index("battery_level")] = np.nan
    assert np.isnan(latest_features(days, values)[0][FEATURE_NAMES.index("battery_days_to_empty")])


def test_production_modules_take_the_schema_from_telemetry_not_from_the_simulator() -> None:
    root = Path(device_intelligence.__file__).parent
    production = ["serving.py", "repository.py", "ingest/ha_events.py", "ingest/ha_telemetry.py", "telemetry_features.py",
                  "evaluation.py", *(f"routers/{p.name}" for p in (root / "routers").glob("*.py"))]  # fmt: skip
    for name in production:
        tree = ast.parse((root / name).read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "device_intelligence.telemetry_simulator" not in imported, name
