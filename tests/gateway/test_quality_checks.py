"""Gate logic: a missing metric fails, baselines must be beaten, waivers stay visible, verdict = exit code."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway import quality_checks as qc
from gateway.step_results import Check, ModelRecord, RunResult, Status, StepResult
from homeiq_shared.contracts.metrics import GateSummary


def test_missing_metric_fails_instead_of_passing() -> None:
    checks = qc.threshold_checks({"accuracy": 0.95}, {"accuracy": 0.9, "f1_score": 0.85}, "binary")
    by_metric = {c.name.split()[0]: c for c in checks}
    assert by_metric["accuracy"].passed
    assert not by_metric["f1_score"].passed
    assert "missing" in by_metric["f1_score"].detail


def test_nan_and_strings_are_not_measurements() -> None:
    checks = qc.threshold_checks(
        {"accuracy": float("nan"), "recall": "0.99"}, {"accuracy": 0.1, "recall": 0.1}, "x"
    )
    assert not any(c.passed for c in checks)


def test_one_spelling_only_and_shortfall_reported() -> None:
    [check] = qc.threshold_checks({"f1_score": 0.80}, {"f1_score": 0.85}, "failure")
    assert not check.passed
    assert check.value == 0.80
    assert "short by 0.050" in check.detail
    [other] = qc.threshold_checks({"f1": 0.99}, {"f1_score": 0.85}, "failure")
    assert not other.passed  # no alias table: another spelling is a missing metric
    assert "missing" in other.detail


def test_baselines_must_be_beaten_and_must_exist() -> None:
    assert not qc.baseline_checks(0.9, {}, "macro_f1")[0].passed
    checks = qc.baseline_checks(0.6, {"majority": {"macro_f1": 0.3}, "rule": 0.6}, "macro_f1")
    assert [c.passed for c in checks] == [True, False]  # equal to a baseline is not beating it
    assert not qc.baseline_checks(None, {"majority": 0.3}, "macro_f1")[0].passed


def test_service_verdict_comes_from_the_gate_summary() -> None:
    failed = qc.service_gate_check(GateSummary(passed=False, verdict="FAILED"), "svc")
    assert failed is not None
    assert not failed.passed
    assert "svc reports its own gates FAILED" in failed.detail
    passed = qc.service_gate_check(GateSummary(passed=True, verdict="PASSED"), "svc")
    assert passed is not None
    assert passed.passed
    assert qc.service_gate_check(None, "svc") is None


def _run(statuses: list[Status | None]) -> RunResult:
    steps = [StepResult(f"s{i}", f"Step {i}", status=s) for i, s in enumerate(statuses)]
    return RunResult("r", datetime.now(UTC), "cmd", {}, steps)


def test_skipped_step_is_not_ready_and_exit_code_agrees() -> None:
    run = _run([Status.PASSED, Status.SKIPPED, Status.PASSED])
    assert not run.ready
    assert run.verdict == "NOT READY"
    assert run.exit_code == 1
    assert any("SKIPPED" in line for line in run.blocking())


def test_all_passed_is_ready_unless_interrupted() -> None:
    run = _run([Status.PASSED, Status.PASSED])
    assert run.ready
    assert run.exit_code == 0
    run.interrupted = True
    assert not run.ready


def test_waived_gates_stay_listed_and_never_count_as_passed() -> None:
    check = Check("f1_score >= 0.80", False, "f1 0.6")
    qc.waive([check])
    model = ModelRecord("failure_prediction", "Failure prediction", "device-intelligence", checks=[check])
    assert check.waived
    assert not check.passed
    assert model.gates_passed  # waived: not blocking...
    run = _run([Status.PASSED])
    run.models[model.key] = model
    assert run.waived_checks == ["Failure prediction: f1_score >= 0.80"]  # ...but always reported


def test_a_model_without_checks_has_not_passed_its_gates() -> None:
    assert not ModelRecord("x", "X", "svc").gates_passed
