"""Registry entries for the manifest: the trained version's artifacts and lineage, over HTTP only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway.service_clients import AiAutomationClient, ServiceError
from gateway.settings import GatewaySettings
from gateway.smoke_checks import HOLDOUT_CHECK, HOLDOUT_LIMIT
from gateway.step_results import ModelRecord, RunResult, StepResult
from gateway.training import HOLDOUT_SEED_OFFSET, device_records, generate, home_type_record
from gateway.validation import gate_checks, lineage, registry_info, smoke_homes
from homeiq_shared.contracts.versions import VersionDetail


class FakeAi:
    """ai-automation that is never asked (no home-type model in these runs)."""

    async def version_detail(self, task: str, version: str) -> VersionDetail:
        raise AssertionError(f"not expected: version_detail({task}, {version})")


class FakeDevice:
    """device-intelligence whose `GET /models/{version}` answers `details[(model, version)]`, else 404."""

    VERSION_DETAIL = "/api/predictions/models/{version}"

    def __init__(self, details: dict[tuple[str, str], VersionDetail]) -> None:
        self.details = details
        self.asked: list[tuple[str, str]] = []

    async def version_detail(self, model: str, version: str) -> VersionDetail:
        self.asked.append((model, version))
        if (model, version) not in self.details:
            raise ServiceError("device-intelligence", "GET", f"no version {version}", status=404)
        return self.details[(model, version)]


def _run(stubs: Any) -> RunResult:
    run = RunResult("r1", datetime(2025, 1, 1, tzinfo=UTC), "cmd", {}, [StepResult("validation", "V")])
    failure, anomaly = device_records(stubs.device_answer())
    run.models = {failure.key: failure, anomaly.key: anomaly}
    return run


async def test_each_trained_version_is_asked_for_by_version(stubs: Any) -> None:
    run = _run(stubs)
    details = {
        ("failure_prediction", "fail-v1"): stubs.version_detail("failure_prediction", "fail-v1"),
        ("anomaly_detection", "anom-v1"): stubs.version_detail("anomaly_detection", "anom-v1"),
    }
    device = FakeDevice(details)
    checks = await registry_info(FakeAi(), device, run)  # type: ignore[arg-type]
    assert [c.passed for c in checks] == [True, True]
    assert device.asked == [("failure_prediction", "fail-v1"), ("anomaly_detection", "anom-v1")]
    model = run.models["failure_prediction"]
    assert model.metadata["registry_source"].startswith("GET /api/predictions/models/{version}")
    assert [a.name for a in model.artifacts] == ["model.txt"]
    assert model.metadata["registry"]["feature_schema_version"] == "stub-features-1"
    assert model.metadata["registry"]["training_data_fingerprint"] == "f" * 64


async def test_a_version_the_service_does_not_know_fails_its_check(stubs: Any) -> None:
    run = _run(stubs)
    device = FakeDevice(
        {("failure_prediction", "fail-v1"): stubs.version_detail("failure_prediction", "fail-v1")}
    )
    checks = await registry_info(FakeAi(), device, run)  # type: ignore[arg-type]
    assert [c.passed for c in checks] == [True, False]
    assert "no version anom-v1" in checks[1].detail
    assert run.models["anomaly_detection"].artifacts == []


async def test_a_version_without_artifacts_fails_its_check(stubs: Any) -> None:
    run = _run(stubs)
    bare = stubs.version_detail("failure_prediction", "fail-v1").model_copy(update={"artifacts": []})
    anomaly = stubs.version_detail("anomaly_detection", "anom-v1")
    device = FakeDevice({("failure_prediction", "fail-v1"): bare, ("anomaly_detection", "anom-v1"): anomaly})
    checks = await registry_info(FakeAi(), device, run)  # type: ignore[arg-type]
    assert not checks[0].passed
    assert "lists no artifact" in checks[0].detail


def test_gates_are_read_from_the_typed_answers(stubs: Any) -> None:
    settings = GatewaySettings(_env_file=None)
    binary = home_type_record("binary", stubs.home_type_answer("binary", accuracy=0.8))
    by_name = {c.name: c for c in gate_checks(binary, settings)}
    assert not by_name["accuracy >= 0.90"].passed  # the cross-validated pooled score is gated
    assert "cross-validated: accuracy = 0.800" in by_name["accuracy >= 0.90"].detail
    assert by_name["macro_f1 (cross-validated) beats best_rule baseline"].passed
    assert not by_name["service gate verdict"].passed
    failure, _ = device_records(stubs.device_answer(f1=0.85))
    by_name = {c.name: c for c in gate_checks(failure, settings)}
    assert by_name["pr_auc beats rule baseline"].detail == "model 0.800 vs rule 0.300"
    assert by_name["median_lead_days >= 2.00"].passed
    assert all(c.passed for c in by_name.values())


def test_a_record_keeps_the_contract_objects(stubs: Any) -> None:
    record: ModelRecord = home_type_record("full", stubs.home_type_answer("full"))
    assert record.home_type is not None
    assert record.home_type.class_names == ["apartment", "condo", "single_family"]
    assert record.metrics["cross_validation"]["macro_f1"]["mean"] == 0.95
    assert "baselines" not in record.metrics  # kept once, in record.baselines
    assert set(record.baselines) == {"majority", "best_rule"}


def _home_run(stubs: Any) -> RunResult:
    run = RunResult("r1", datetime(2025, 1, 1, tzinfo=UTC), "cmd", {}, [StepResult("generation", "G")])
    for task in ("binary", "full"):
        record = home_type_record(task, stubs.home_type_answer(task))
        run.models[record.key] = record
    return run


async def test_hold_out_homes_are_fetched_over_http_and_predicted(gateway_settings: Any, stubs: Any) -> None:
    app = stubs.ai()
    with stubs.serve(app) as url:
        async with AiAutomationClient(url) as ai:
            run = _home_run(stubs)
            await generate(ai, gateway_settings(homes=20, days=2, seed=7), run, run.step("generation"))
            checks = await smoke_homes(ai, run)
    holdout = run.dataset["holdout"]
    assert holdout["seed"] == 7 + HOLDOUT_SEED_OFFSET != run.dataset["seed"]
    assert [(b["count"], b["seed"]) for b in app.state.generate_bodies] == [(20, 7), (6, holdout["seed"])]
    assert app.state.homes_asked == [(holdout["dataset_id"], HOLDOUT_LIMIT)]  # the hold-out set, not training
    by_name = {c.name: c for c in checks}
    fetched = by_name[HOLDOUT_CHECK]
    assert fetched.passed
    assert f"6 of 6 homes of {holdout['dataset_id']}" in fetched.detail
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    assert "8 predictions for 8 homes" in by_name["binary: one prediction per home"].detail  # 6 + 2 built
    assert run.models["home_type_binary"].metadata["holdout_smoke"] == {"homes": 6, "correct": 6}
    assert any("hold-out dataset ds-stub-" in n for n in run.step("generation").notes)


async def test_a_failing_homes_route_fails_the_hold_out_check_by_name(
    gateway_settings: Any, stubs: Any
) -> None:
    seed = 7
    route = f"/api/synthetic-homes/ds-stub-{seed + HOLDOUT_SEED_OFFSET}/homes"
    with stubs.serve(stubs.ai(fail=frozenset({route}))) as url:
        async with AiAutomationClient(url) as ai:
            run = _home_run(stubs)
            await generate(ai, gateway_settings(homes=20, days=2, seed=seed), run, run.step("generation"))
            checks = await smoke_homes(ai, run)
    fetched = next(c for c in checks if c.name == HOLDOUT_CHECK)
    assert not fetched.passed
    assert f"could not fetch the hold-out homes: ai-automation GET {route}: HTTP 500" in fetched.detail
    # The constructed homes are still predicted and checked.
    assert (
        "2 predictions for 2 homes"
        in next(c for c in checks if c.name == "binary: one prediction per home").detail
    )
    assert "holdout_smoke" not in run.models["home_type_binary"].metadata


async def test_an_unknown_hold_out_dataset_is_a_named_404_and_a_missing_one_is_said(stubs: Any) -> None:
    with stubs.serve(stubs.ai()) as url:
        async with AiAutomationClient(url) as ai:
            run = _home_run(stubs)
            run.dataset = {"holdout": {"dataset_id": "ds-gone", "seed": 1}}
            gone = next(c for c in await smoke_homes(ai, run) if c.name == HOLDOUT_CHECK)
            run.dataset = {
                "holdout": {"dataset_id": None, "seed": 1, "error": "ai-automation POST: HTTP 500"}
            }
            failed = next(c for c in await smoke_homes(ai, run) if c.name == HOLDOUT_CHECK)
    assert not gone.passed
    assert "HTTP 404" in gone.detail
    assert "ds-gone" in gone.detail
    assert not failed.passed
    assert failed.detail == "no hold-out homes: ai-automation POST: HTTP 500"


def test_lineage_reads_the_typed_fields_not_the_metadata(stubs: Any) -> None:
    detail = stubs.version_detail("home_type_full", "full-v1").model_copy(update={"metadata": {}})
    entry = lineage(detail)
    assert entry["training_data_fingerprint"] == "f" * 64
    assert entry["feature_schema_version"] == "stub-features-1"
    assert entry["library_versions"] == {"scikit-learn": "stub"}
