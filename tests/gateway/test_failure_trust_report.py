"""The report's failure section: snapshot vs history vs rule, calibration before/after, bands, sane answers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest

from gateway import plots
from gateway.readiness_report import write_reports
from gateway.settings import GatewaySettings
from gateway.smoke_checks import device_prediction_checks
from gateway.step_results import ModelRecord, RunResult, Status, StepResult
from gateway.validation import gate_checks
from homeiq_shared.contracts.devices import PredictResponse
from homeiq_shared.contracts.metrics import CalibratedForecast, CalibrationBin, FailureMetrics, RuleBaseline

BEFORE = [CalibrationBin(bin="0.0-0.1", rows=20000, mean_predicted=0.003, observed_rate=0.003),
          CalibrationBin(bin="0.1-0.2", rows=22, mean_predicted=0.13, observed_rate=0.73)]  # fmt: skip
AFTER = [CalibrationBin(bin="0.0-0.1", rows=20000, mean_predicted=0.003, observed_rate=0.003),
         CalibrationBin(bin="0.6-0.7", rows=22, mean_predicted=0.66, observed_rate=0.73)]  # fmt: skip


def _model(snapshot_pr_auc: float) -> ModelRecord:
    snapshot = CalibratedForecast(pr_auc=snapshot_pr_auc, brier=0.006, ece=0.001, threshold=0.25,
                                  calibration=AFTER, risk_bands={"critical": 0.8, "high": 0.6, "medium": 0.25, "low": 0.125})  # fmt: skip
    forecast = FailureMetrics(
        pr_auc=0.59, precision=0.87, recall=0.94, f1_score=0.9, accuracy=0.99, median_lead_days=5.0,
        brier=0.0039, brier_uncalibrated=0.0044, ece=0.0013, ece_uncalibrated=0.0021, threshold=0.158,
        calibration=AFTER, calibration_uncalibrated=BEFORE, snapshot=snapshot,
        risk_bands={"critical": 0.8, "high": 0.6, "medium": 0.158, "low": 0.079},
    )  # fmt: skip
    return ModelRecord("failure_prediction", "Failure prediction", "device-intelligence", forecast=forecast,
                       rule=RuleBaseline(pr_auc=0.011), metrics=forecast.model_dump())  # fmt: skip


def test_report_states_snapshot_history_rule_calibration_and_bands(tmp_path: Path) -> None:
    run = RunResult("20250101_000000", datetime(2025, 1, 1, tzinfo=UTC), "run", {}, [
        StepResult("preflight", "Pre-flight", status=Status.PASSED),
        StepResult("validation", "Validation", status=Status.PASSED)])  # fmt: skip
    run.models["failure_prediction"] = _model(0.26)
    text = Path(write_reports(run, tmp_path)["markdown"]).read_text()
    assert "| pr_auc | 0.5900 | 0.2600 | 0.0110 |" in text
    assert "| ece_uncalibrated | 0.0021 | — | — |" in text
    assert "medium >= 0.158, low >= 0.079" in text
    assert "before calibration the worst bin (5+ rows) predicted 0.13 where 0.73 failed" in text
    assert "after it 0.66 where 0.73 failed (ECE 0.0021 -> 0.0013" in text


def test_reliability_plot_draws_before_and_after(monkeypatch: pytest.MonkeyPatch) -> None:
    figures: list[Any] = []
    monkeypatch.setattr(plots, "_png", lambda fig: figures.append(fig) or b"\x89PNG")
    assert plots.calibration_plot(_model(0.26)) is not None
    ax = figures[0].axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[1:] == ["history, before calibration", "history, calibrated", "snapshot, calibrated"]
    assert "ECE 0.0021 -> 0.0013" in ax.get_title()
    plt.close(figures[0])


def test_the_gateway_gates_the_snapshot_model_against_the_rule() -> None:
    settings = GatewaySettings(_env_file=None)
    checks = {c.name: c.passed for c in gate_checks(_model(0.26), settings)}
    assert checks["snapshot pr_auc beats rule baseline"] is True
    checks = {c.name: c.passed for c in gate_checks(_model(0.005), settings)}
    assert checks["snapshot pr_auc beats rule baseline"] is False


def _answer(**change: Any) -> PredictResponse:
    base: dict[str, Any] = {
        "device_id": "sensor.x", "probability": 0.3, "failure_probability": 30.0, "risk_level": "medium",
        "will_fail_within_horizon": True, "alert_threshold": 0.2,
        "risk_bands": {"critical": 0.8, "high": 0.6, "medium": 0.2, "low": 0.1}, "horizon_days": 7,
        "basis": "snapshot", "anomaly_score": 0.5, "is_anomaly": False, "confidence": 0.2, "recommendations": [],
        "drivers": [], "history_days_used": 1, "used_snapshot_only": True,
        "predicted_at": datetime(2025, 1, 1, tzinfo=UTC), "model_version": "v1",
    }  # fmt: skip
    return PredictResponse.model_validate(base | change)


def test_smoke_checks_read_the_answers_own_bands_and_units() -> None:
    assert device_prediction_checks("ok", _answer()) == []
    assert device_prediction_checks("low", _answer(risk_level="low"))  # 0.3 is medium at t = 0.2
    assert device_prediction_checks("percent", _answer(failure_probability=3.0))  # not 100 x probability
    flagged_but_low = _answer(probability=0.15, failure_probability=15.0, risk_level="low")
    assert any("will_fail_within_horizon" in p for p in device_prediction_checks("flag", flagged_but_low))
