"""Honest failure prediction: device+time split, model vs the original rule, real AI4I smoke test."""

from __future__ import annotations

import csv
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from device_intelligence.evaluation import device_time_split, rule_flags
from device_intelligence.failure.model import BoosterParams
from device_intelligence.retraining import RetrainOptions, RetrainResult, _decide
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet
from homeiq_shared.quality_gates import GateReport, at_least

EXTERNAL = Path(__file__).resolve().parents[3] / ".." / "shared" / "external-data"


def test_no_device_in_two_parts_and_test_is_later_than_train() -> None:
    ds = simulate_fleet(SimulationOptions(n_devices=200, days=60), np.random.default_rng(0))
    split = device_time_split(ds, 7, np.random.default_rng(1))
    train_dev = set(ds.row_device[split.train])
    test_dev = set(ds.row_device[split.test])
    val_dev = set(ds.row_device[split.val])
    assert not train_dev & test_dev
    assert not train_dev & val_dev
    assert not val_dev & test_dev
    assert ds.row_day[split.train].max() < split.cutoff_day - 7 <= ds.row_day[split.test].min() - 7
    assert "group+temporal" in split.method


def test_model_beats_the_rule_which_cannot_compute_the_label(
    trained_registry: tuple[object, RetrainResult],
) -> None:
    _, result = trained_registry
    model, rule = result.metrics, result.baseline
    # The label comes from the ground-truth failure day, so the same-day rule is a poor predictor ...
    assert rule["pr_auc"] < 0.2
    assert rule["precision"] < 0.3
    # ... and the model, which sees trends, must beat it on PR-AUC on unseen devices and later days.
    assert model["pr_auc"] > 2 * rule["pr_auc"]
    assert model["pr_auc"] > 3 * model["positive_rate"]
    assert "group+temporal" in model["split_method"]
    checks = {check["metric"]: check for check in result.gates["checks"]}
    assert checks["pr_auc_vs_baseline"]["passed"] is True
    # From one reading, the snapshot model must beat the same rule on the same rows too.
    assert model["snapshot"]["pr_auc"] > rule["pr_auc"]
    assert checks["snapshot_pr_auc_vs_baseline"]["passed"] is True
    assert set(checks) == {
        "accuracy",
        "precision",
        "recall",
        "f1_score",
        "pr_auc_vs_baseline",
        "snapshot_pr_auc_vs_baseline",
        "median_lead_days",
    }


def test_rule_treats_missing_metrics_as_unknown_not_as_zero() -> None:
    values = np.full((1, 11), np.nan)
    assert not rule_flags(values)[0]


def test_lightgbm_setup_finds_real_ai4i_failures() -> None:
    path = EXTERNAL / "ai4i2020" / "ai4i2020.tsv"
    if not path.exists():
        pytest.skip("../shared/external-data is not beside the checkout")
    with path.open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    cols = [
        "Air temperature [K]",
        "Process temperature [K]",
        "Rotational speed [rpm]",
        "Torque [Nm]",
        "Tool wear [min]",
    ]
    x = np.array([[float(r[c]) for c in cols] for r in rows])
    y = np.array([int(r["Machine failure"]) for r in rows])
    rng = np.random.default_rng(0)
    test = rng.random(y.size) < 0.3
    params = BoosterParams(num_boost_round=200).lgb_params(seed=0)
    booster = lgb.train(params, lgb.Dataset(x[~test], label=y[~test]), num_boost_round=200)
    ap = average_precision_score(y[test], booster.predict(x[test]))
    assert ap > 0.5  # positive rate is 3.4 %: a useless model would score about 0.03


def test_promotion_needs_passing_gates_the_first_model_included_and_a_request() -> None:
    passed = GateReport([at_least("recall", 0.9, 0.8)])
    failed = GateReport([at_least("recall", 0.5, 0.8)])
    first = {"prod_version": None, "prod_metrics": None, "prod_gates": None}
    auto, register_only = RetrainOptions(), RetrainOptions(promote=False)
    forced_retrain = RetrainOptions(force=True)  # force retrains; it never forces a promotion
    assert _decide(auto, passed, {"pr_auc": 0.5}, **first) == (True, "first model, gates PASSED")
    for options in (auto, forced_retrain):
        promote, why = _decide(options, failed, {"pr_auc": 0.5}, **first)
        assert not promote
        assert why.startswith("quality gates FAILED")
    promote, why = _decide(register_only, passed, {"pr_auc": 0.5}, **first)
    assert not promote
    assert "promotion not requested" in why
    prod = {"prod_version": "v1", "prod_metrics": {"pr_auc": 0.6}, "prod_gates": passed}
    promote, why = _decide(auto, passed, {"pr_auc": 0.5}, **prod)
    assert not promote
    assert why.startswith("worse than production v1")
    promote, why = _decide(auto, failed, {"pr_auc": 0.5}, **prod)
    assert why.startswith("quality gates FAILED")
    assert "also worse than production v1" in why
    assert _decide(auto, passed, {"pr_auc": 0.595}, **prod)[0] is True  # within the 0.01 tolerance
