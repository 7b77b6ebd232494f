"""Model versions: list, show, promote (gates, force, the anomaly pair), roll back, compare on rebuilt rows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from device_intelligence import repository
from device_intelligence.anomaly import model as anomaly_model
from device_intelligence.app import create_app
from device_intelligence.failure import model as failure_model
from device_intelligence.nightly_training import TRAIN_LOCK
from device_intelligence.retraining import RetrainOptions, RetrainResult, retrain
from device_intelligence.version_comparison import compare_failure_versions
from homeiq_shared.app_state import models_ready
from homeiq_shared.errors import ConflictError
from homeiq_shared.model_registry import ModelRegistry

from .conftest import make_settings

RESERVED = {"model_name", "version", "created_at", "artifacts"}


def copy_version(registry: ModelRegistry, name: str, version: str, **changes: Any) -> str:
    """Register a copy of `version` (same artifacts) with `changes` laid over its metadata."""
    found = registry.get(name, version)
    files = {n: registry.read_artifact(name, version, n) for n in found.artifact_names}
    meta = {k: v for k, v in found.metadata.items() if k not in RESERVED} | changes
    return registry.register(name, files, meta).version


def _second_version(models_dir: Path) -> tuple[str, str]:
    """The trained pair made production (its gates failed: no automatic promotion) and a copy of it."""
    registry = ModelRegistry(models_dir)
    first = registry.versions(failure_model.MODEL_NAME)[0]
    registry.promote(first.model_name, first.version, "set-up", forced=True)
    anomaly = registry.versions(anomaly_model.MODEL_NAME)[0]
    registry.promote(anomaly.model_name, anomaly.version, "set-up", forced=True)
    return first.version, copy_version(registry, first.model_name, first.version)


async def test_promote_and_roll_back_switch_the_served_model(tmp_path: Path, models_dir: Path) -> None:
    first, second = _second_version(models_dir)
    app = create_app(make_settings(tmp_path, models_dir, api_key="k"))
    key = {"X-HomeIQ-API-Key": "k"}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://di") as http,
    ):
        listed = (await http.get("/api/predictions/models/versions")).json()
        assert [v["version"] for v in listed["versions"]] == [first, second]
        assert listed["production"] == first
        assert (await http.post(f"/api/predictions/models/{second}/promote")).status_code == 401
        # the copy carries the tiny model's FAILED gates: promoting it takes force
        forced = {"force": True}
        promoted = (
            await http.post(f"/api/predictions/models/{second}/promote", headers=key, json=forced)
        ).json()
        assert promoted["production"] == second
        assert (await http.get("/api/predictions/models/version")).json()["version"] == second
        rolled = (await http.post("/api/predictions/models/rollback", headers=key)).json()
        assert rolled["production"] == first
        assert (await http.get("/api/predictions/models/version")).json()["version"] == first
        unknown = await http.post("/api/predictions/models/v0099-20260101T000000Z/promote", headers=key)
        assert unknown.status_code == 404
        with app.state.locks.hold(TRAIN_LOCK):
            busy = await http.post(f"/api/predictions/models/{second}/promote", headers=key, json=forced)
        assert busy.status_code == 409
        anomaly = (
            await http.get(f"/api/predictions/models/versions?model={anomaly_model.MODEL_NAME}")
        ).json()
        assert len(anomaly["versions"]) == 1
        no_previous = await http.post(
            f"/api/predictions/models/rollback?model={anomaly_model.MODEL_NAME}", headers=key
        )
        assert no_previous.status_code == 404
        assert (await http.get("/api/predictions/models/versions?model=bogus")).status_code == 422


FAILURE, ANOMALY = failure_model.MODEL_NAME, anomaly_model.MODEL_NAME
PASSED = {"passed": True, "verdict": "PASSED"}
FAILED = {"passed": False, "verdict": "FAILED"}


async def test_failed_gates_are_promoted_only_with_force_and_the_pair_follows(
    tmp_path: Path, models_dir: Path
) -> None:
    registry = ModelRegistry(models_dir)
    trained, trained_anomaly = registry.versions(FAILURE)[0], registry.versions(ANOMALY)[0].version
    assert registry.metadata(ANOMALY, trained_anomaly)["paired_failure_version"] == trained.version
    failed = registry.get(FAILURE, copy_version(registry, FAILURE, trained.version, gates=FAILED))
    assert failed.gates_passed is False
    failed_anomaly = copy_version(registry, ANOMALY, trained_anomaly, paired_failure_version=failed.version)
    good = copy_version(registry, FAILURE, trained.version, gates=PASSED)
    good_anomaly = copy_version(registry, ANOMALY, trained_anomaly, paired_failure_version=good)
    registry.promote(FAILURE, good, "set-up")
    registry.promote(ANOMALY, good_anomaly, "set-up")
    app = create_app(make_settings(tmp_path, models_dir, api_key="k"))
    key = {"X-HomeIQ-API-Key": "k"}
    url = f"/api/predictions/models/{failed.version}/promote"
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://di") as http,
    ):
        refused = await http.post(url, headers=key)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        assert "quality gates" in refused.json()["detail"]
        assert "force" in refused.json()["detail"]
        assert registry.production(FAILURE).version == good  # type: ignore[union-attr]

        why = {"force": True, "reason": "reviewed: tiny data, known weak", "actor": "pipeline"}
        forced = await http.post(url, headers=key, json=why)
        assert forced.status_code == 200
        body = forced.json()
        assert (body["production"], body["previous"], body["forced"], body["actor"], body["reason"]) == (
            failed.version, good, True, "pipeline", why["reason"],
        )  # fmt: skip
        assert body["gates_verdict"] == "FAILED"
        assert [(p["model"], p["version"], p["previous"]) for p in body["paired"]] == [
            (ANOMALY, failed_anomaly, good_anomaly)
        ]
        served = (await http.get("/api/predictions/models/version")).json()
        assert (served["version"], served["anomaly_version"]) == (failed.version, failed_anomaly)
        for name in (FAILURE, ANOMALY):
            last = registry.aliases(name)["history"][-1]
            assert (last["actor"], last["forced"], last["action"]) == ("pipeline", True, "promote")
            assert last["reason"].endswith(why["reason"])
        detail = (await http.get(f"/api/predictions/models/versions/{failed.version}")).json()
        assert detail["is_production"]
        assert detail["gates_verdict"] == "FAILED"
        assert [(s["actor"], s["forced"]) for s in detail["switches"]] == [("pipeline", True)]

        # a version whose gates passed needs no force; the actor defaults to "api"
        back = (await http.post(f"/api/predictions/models/{good}/promote", headers=key)).json()
        assert (back["production"], back["forced"], back["actor"]) == (good, False, "api")
        assert back["paired"][0]["version"] == good_anomaly
        rolled = await http.post("/api/predictions/models/rollback", headers=key, json={"actor": "nightly"})
        assert (rolled.json()["production"], rolled.json()["action"]) == (failed.version, "rollback")
        assert registry.aliases(FAILURE)["history"][-1]["actor"] == "nightly"
        # the rollback takes the anomaly version paired with the failure version along, in the same write
        assert [(p["model"], p["version"]) for p in rolled.json()["paired"]] == [(ANOMALY, failed_anomaly)]
        assert registry.aliases(FAILURE)["paired"] == {ANOMALY: failed_anomaly}
        assert registry.production(ANOMALY).version == failed_anomaly  # type: ignore[union-attr]
        served = (await http.get("/api/predictions/models/version")).json()
        assert (served["version"], served["anomaly_version"]) == (failed.version, failed_anomaly)

        for bad in ({"actor": "x" * 65}, {"reason": ""}, {"forse": True}):
            assert (await http.post(url, headers=key, json=bad)).status_code == 422


@pytest.fixture(scope="module")
def two_versions(
    trained_registry: tuple[Path, RetrainResult], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, str]:
    """The session's small version and one trained on another seeded fleet, in a private registry."""
    root = tmp_path_factory.mktemp("compare") / "models"
    shutil.copytree(trained_registry[0], root)
    registry = ModelRegistry(root)
    options = RetrainOptions(synthetic_count=160, days=60, seed=8, horizon_days=7, force=True)
    second = retrain(registry, options).version
    assert second is not None
    return root, registry.versions(FAILURE)[0].version, second


SAME_ROWS = ("pr_auc", "roc_auc", "precision", "accuracy", "rows", "positives", "alerts", "threshold")


def test_compare_scores_both_versions_on_the_rebuilt_held_out_rows_of_b(
    two_versions: tuple[Path, str, str],
) -> None:
    root, first, second = two_versions
    out = compare_failure_versions(ModelRegistry(root), first, second)
    a, b = out["a"], out["b"]
    # B scored on its rebuilt test rows gives back exactly what it recorded: the rows are the same
    assert {k: b["on_common_set"][k] for k in SAME_ROWS} == {k: b["recorded"][k] for k in SAME_ROWS}
    assert a["on_common_set"]["rows"] == b["recorded"]["rows"] == out["common_set"]["rows"]
    assert a["on_common_set"]["positives"] == b["recorded"]["positives"]
    assert a["recorded"]["rows"] != a["on_common_set"]["rows"]  # A's own figures were on its own rows
    assert a["on_common_set"]["pr_auc"] != b["on_common_set"]["pr_auc"]
    assert (out["common_set"]["seed"], out["common_set"]["devices"]) == (8, 160)
    assert out["common_set"]["a_trained_on_the_same_data"] is False
    assert "other data" in out["note"]


async def test_compare_over_http_and_refusals(tmp_path: Path, two_versions: tuple[Path, str, str]) -> None:
    root, first, second = two_versions
    models_dir = tmp_path / "models"
    shutil.copytree(root, models_dir)
    registry = ModelRegistry(models_dir)
    stored = copy_version(
        registry,
        FAILURE,
        first,
        training_data={**registry.metadata(FAILURE, first)["training_data"], "source": "stored"},
    )
    reseeded = copy_version(
        registry,
        FAILURE,
        first,
        training_data={**registry.metadata(FAILURE, first)["training_data"], "seed": 99},
    )
    with pytest.raises(ConflictError, match="fingerprint"):
        compare_failure_versions(registry, first, reseeded)
    app = create_app(make_settings(tmp_path, models_dir))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://di", timeout=120) as http,
    ):
        answer = await http.post("/api/predictions/models/compare", json={"a": second, "b": first})
        assert answer.status_code == 200
        body = answer.json()
        assert body["b"]["on_common_set"]["pr_auc"] == body["b"]["recorded"]["pr_auc"]
        assert body["common_set"]["seed"] == registry.metadata(FAILURE, first)["training_data"]["seed"]
        refused = await http.post("/api/predictions/models/compare", json={"a": first, "b": stored})
        assert refused.status_code == 409
        assert "stored" in refused.json()["detail"]
        anomaly = await http.post(
            "/api/predictions/models/compare", json={"a": first, "b": second, "model": ANOMALY}
        )
        assert anomaly.status_code == 422
        missing = await http.post(
            "/api/predictions/models/compare", json={"a": first, "b": "v0099-20260101T000000Z"}
        )
        assert missing.status_code == 404


async def test_a_run_a_stop_interrupted_is_recorded_as_what_serves(tmp_path: Path, models_dir: Path) -> None:
    """A stop after the run's pair was registered and promoted: the run is `promoted` (its pair serves);
    a run a stop interrupted before it registered anything stays `failed`."""
    settings = make_settings(tmp_path, models_dir, alias_history_limit=5)
    app = create_app(settings)
    async with app.router.lifespan_context(app), app.state.sessionmaker() as session:
        assert app.state.registry.history_limit == 5  # DEVICE_INTELLIGENCE_ALIAS_HISTORY_LIMIT
        runs = repository.runs(session)
        promoted_run = await runs.start(trigger="api", task=FAILURE)
        registry = ModelRegistry(models_dir)
        trained = registry.versions(FAILURE)[0].version
        new_f = copy_version(registry, FAILURE, trained, trigger="api")
        new_a = copy_version(
            registry,
            ANOMALY,
            registry.versions(ANOMALY)[0].version,
            trigger="api",
            paired_failure_version=new_f,
        )
        registry.promote(FAILURE, new_f, "promote", actor="automatic (api)", paired={ANOMALY: new_a})
        # the stop came here: the run was never finished
    app = create_app(settings)
    async with app.router.lifespan_context(app), app.state.sessionmaker() as session:
        empty_run = await repository.runs(session).start(trigger="nightly", task=FAILURE)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://di") as http,
        app.state.sessionmaker() as session,
    ):
        first = await session.get(repository.TrainingRun, promoted_run)
        assert first is not None
        assert (first.status, first.decision, first.version, first.promoted) == (
            "promoted",
            "promoted",
            new_f,
            True,
        )
        assert first.reason is not None
        assert "serves" in first.reason
        second = await session.get(repository.TrainingRun, empty_run)
        assert second is not None
        assert (second.status, second.promoted) == ("failed", False)  # it registered nothing
        await models_ready(app)
        served = (await http.get("/api/predictions/models/version")).json()
        assert (served["version"], served["anomaly_version"]) == (new_f, new_a)
