"""The synergy feedback re-ranker: learnt from owners' answers, gated on the newest answers, registered,
promoted and served (real app, real SQLite, real registry); too little feedback is a skip."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ai_automation.nightly.synergy_ranker import SynergyContext, run_synergy_ranker
from ai_automation.settings import AiAutomationSettings
from ai_automation.synergies.calibration import CalibrationHome
from ai_automation.synergies.detect import detect
from ai_automation.synergies.feedback import (
    MIN_FEEDBACK,
    Answer,
    FeedbackSet,
    NotEnoughFeedbackError,
    calibration_figures,
    train_reranker,
)
from ai_automation.synergies.model import shipped
from ai_automation.synergies.served import MODEL_NAME
from homeiq_shared.app_state import models_ready
from homeiq_shared.model_registry import ModelRegistry

KEY = {"X-HomeIQ-API-Key": "k"}
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def owner_accepts(features: dict[str, float]) -> bool:
    """The owners of these tests: they want devices of one room linked, never a light following a light."""
    return bool(features["same_area"]) and not features["same_domain"]


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory, make_homes: Any) -> list[dict[str, Any]]:
    """Eight generated homes' snapshots."""
    homes = make_homes(tmp_path_factory.mktemp("homes") / "ds", 8, 1, 3)
    return [{"home_id": f"h{i}", "areas": h["areas"], "devices": h["devices"]} for i, h in enumerate(homes)]


def answers_of(snapshots: list[dict[str, Any]], accepts: Any = owner_accepts) -> list[Answer]:
    """Every home's top-30 cold-start suggestions answered by `accepts`, in a shuffled order of time."""
    model = shipped()[0]
    found = [(snap["home_id"], s) for snap in snapshots for s in detect(snap, model, [], 30)]
    random.Random(0).shuffle(found)
    return [
        Answer(s.id, home, s.features, accepts(s.features), T0 + timedelta(minutes=i))
        for i, (home, s) in enumerate(found)
        if s.features is not None
    ]


def test_the_correction_learns_what_owners_answer_and_passes_its_gate(
    snapshots: list[dict[str, Any]],
) -> None:
    answers = answers_of(snapshots)
    base = shipped()[0]
    result = train_reranker(FeedbackSet.of(answers), base, base)
    auc = result.metrics["test_roc_auc"]
    assert result.passed, result.gates
    assert auc["challenger"] > auc["champion"] == auc["cold_start"]
    assert auc["challenger"] > auc["rule_table"]
    assert result.model.adjustment is not None
    assert result.model.adjustment["same_domain"] < 0  # what the cold start does not know about these owners
    assert result.metrics["split_method"].startswith("time-ordered")
    test = result.metrics["test"]
    assert test["rows"] == pytest.approx(0.3 * len(answers), abs=1)
    # the served scores change only by the correction
    x = answers[0].features
    assert x is not None
    assert result.model.counts is base.counts
    assert result.model.weights == base.weights


def test_a_challenger_worse_than_the_champion_is_not_promoted(snapshots: list[dict[str, Any]]) -> None:
    answers = answers_of(snapshots)
    base = shipped()[0]
    champion = train_reranker(FeedbackSet.of(answers), base, base).model  # learnt what these owners want
    # the older answers turn to noise (clicked at random): what they teach ranks the newest ones worse
    rng = random.Random(1)
    cut = int(0.7 * len(answers))
    noisy = [
        Answer(a.suggestion_id, a.home_id, a.features, rng.random() < 0.5, a.at) for a in answers[:cut]
    ] + answers[cut:]
    result = train_reranker(FeedbackSet.of(noisy), base, champion)
    auc = result.metrics["test_roc_auc"]
    assert auc["challenger"] < auc["champion"]
    assert not result.passed
    failed = [c["check"] for c in result.gates["checks"] if not c["passed"]]
    assert "test ROC AUC >= the champion's" in failed


def test_too_little_or_one_sided_feedback(snapshots: list[dict[str, Any]]) -> None:
    answers = answers_of(snapshots)
    few = answers[: MIN_FEEDBACK - 1]
    assert "training needs" in (FeedbackSet.of(few).shortfall() or "")
    with pytest.raises(NotEnoughFeedbackError):
        train_reranker(FeedbackSet.of(few), shipped()[0], shipped()[0])
    no_features = [Answer(a.suggestion_id, a.home_id, None, a.accepted, a.at) for a in answers]
    assert FeedbackSet.of(no_features).shortfall() is not None  # habits and asks carry no feature row
    # only the oldest answers dismiss: the test part holds one answer only, the gate cannot pass
    one_sided = [Answer(a.suggestion_id, a.home_id, a.features, i >= 20, a.at) for i, a in enumerate(answers)]
    result = train_reranker(FeedbackSet.of(one_sided), shipped()[0], shipped()[0])
    assert not result.passed
    assert {"check": "both answers in the test part", "passed": False} in result.gates["checks"]


def test_a_correction_that_loses_what_real_installs_automate_is_not_promoted(
    snapshots: list[dict[str, Any]],
) -> None:
    """These owners' correction wins on their own answers, yet an install that really automates a pair
    they dismiss (and the cold start ranks in its top 10) loses it: the calibration installs' check stops it."""
    model = shipped()[0]
    snap, pair = next(
        (snap, s)
        for snap in snapshots
        for s in detect(snap, model, [], 10)
        if s.features is not None and not owner_accepts(s.features)
    )
    automation = {
        "triggers": [{"trigger": "state", "entity_id": pair.trigger_entities[0]}],
        "actions": [{"action": "homeassistant.turn_on", "target": {"entity_id": pair.action_entities[0]}}],
    }
    other = next(s for s in snapshots if s is not snap)
    homes = [CalibrationHome("with", snap, [automation]), CalibrationHome("without", other, [])]
    assert calibration_figures(model, homes)["model"]["hit@10"] == 1.0  # the cold start finds it
    result = train_reranker(FeedbackSet.of(answers_of(snapshots)), model, model, homes)
    cal = result.metrics["calibration_installs"]
    assert cal["homes"] == 1  # the install without automations says nothing
    assert cal["model"]["hit@10"] == 0.0
    assert result.metrics["test_roc_auc"]["challenger"] > result.metrics["test_roc_auc"]["champion"]
    check = next(c for c in result.gates["checks"] if c["check"].startswith("cold-start hit@10"))
    assert check["value"] == [cal["model"]["hit@10"], cal["model"]["mrr"]]
    assert check["passed"] is False
    assert not result.passed


async def test_nightly_step_registers_promotes_and_serves_the_reranker(
    tmp_path: Path, snapshots: list[dict[str, Any]]
) -> None:
    from ai_automation.app import create_app

    settings = AiAutomationSettings(
        data_dir=tmp_path / "data", models_dir=tmp_path / "models", api_key="k", _env_file=None
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await models_ready(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai", timeout=60) as client:
            context = SynergyContext(
                app.state.sessionmaker, app.state.model_registry, app.state.locks, app.state.synergy_model
            )
            skipped = await run_synergy_ranker(context, "test")
            assert skipped["status"] == "skipped"
            assert "0 answered suggestions" in skipped["reason"]

            answered = []
            for snap in snapshots:
                r = await client.post(
                    "/api/synergies/detect", json={"snapshot": snap, "limit": 30}, headers=KEY
                )
                assert r.status_code == 200, r.text
                assert r.json()["model"] == "cold_start_prior"
                assert r.json()["model_version"] is None
                answered += r.json()["suggestions"]
            stored = {
                s["id"]: s
                for s in (await client.get("/api/synergies", params={"limit": 1000})).json()["suggestions"]
            }
            model = shipped()[0]
            features = {
                s.id: s.features for snap in snapshots for s in detect(snap, model, [], 30)
            }  # the same rows the service stored with each suggestion
            random.Random(0).shuffle(answered)
            for s in answered:
                verdict = "accepted" if owner_accepts(features[s["id"]]) else "dismissed"
                fb = await client.post(
                    f"/api/synergies/{s['id']}/feedback", json={"feedback": verdict}, headers=KEY
                )
                assert fb.status_code == 200, fb.text
            assert len(stored) == len(answered)

            run = await run_synergy_ranker(context, "test")
            assert (run["status"], run["decision"], run["gates"]) == ("promoted", "promoted", "PASSED"), run
            assert run["data"]["rows"] == len(answered)
            registry = ModelRegistry(settings.models_dir)
            production = registry.production(MODEL_NAME)
            assert production is not None
            assert production.version == run["version"]
            assert production.metadata["gates"]["verdict"] == "PASSED"
            assert production.metadata["split_method"].startswith("time-ordered")
            assert production.metadata["metrics"]["test_roc_auc"]["challenger"] > 0.5

            again = (
                await client.post(
                    "/api/synergies/detect", json={"snapshot": snapshots[0], "limit": 10}, headers=KEY
                )
            ).json()
            assert again["model"] == "cold_start_prior+feedback"
            assert again["model_version"] == production.version
            # a light following a light is what these owners dismiss: it sinks below the room's pairs
            top = again["suggestions"][:5]
            assert not any(features[s["id"]]["same_domain"] for s in top if s["id"] in features)

    restarted = create_app(settings)  # a new process serves the promoted version from the registry
    async with restarted.router.lifespan_context(restarted):
        await models_ready(restarted)
        assert restarted.state.synergy_model.version == production.version
