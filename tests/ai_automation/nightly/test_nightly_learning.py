"""Learning from real homes: HA snapshots and events -> nightly champion/challenger retraining of the home type."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from ai_automation.app import create_app
from ai_automation.home_type import training as home_type_training
from ai_automation.home_type.evaluation import Evaluation, fit_estimator
from ai_automation.home_type.metrics import task_label
from ai_automation.home_type.training import TrainingRequest, train_home_type
from ai_automation.settings import AiAutomationSettings
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset
from homeiq_shared import model_registry
from homeiq_shared.app_state import models_ready
from homeiq_shared.ha_events import normalise_event, store_events

NOW = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
REAL_START = date(2026, 11, 1)
SEED = 42
KEY = {"X-HomeIQ-API-Key": "k"}
NO_CONTEXT = {"weather": False, "carbon": False, "pricing": False, "calendar": False}


def _generated(folder: Path, count: int) -> Path:
    generate_dataset(GeneratorOptions(count=count, days=2, seed=5, **NO_CONTEXT), folder)
    return folder


def _champion_of(dataset: Path, models: Path) -> Path:
    request = TrainingRequest(
        dataset=dataset, models_dir=models, seed=SEED, cv_repeats=1, feature_cache=False
    )
    assert train_home_type(request).promoted
    return models


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated dataset the nightly run finds in its datasets folder."""
    return _generated(tmp_path_factory.mktemp("nightly") / "ds-synthetic", 30)


@pytest.fixture(scope="module")
def champion(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder whose production model was trained on the synthetic dataset with the nightly seed."""
    return _champion_of(synthetic, tmp_path_factory.mktemp("champion") / "models")


@pytest.fixture(scope="module")
def synthetic_large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough homes that the 8-class champion gets some of the shared held-out homes right (on 30 it
    can score macro-F1 0 there, and then no challenger can be measurably worse)."""
    return _generated(tmp_path_factory.mktemp("nightly_large") / "ds-synthetic", 60)


@pytest.fixture(scope="module")
def champion_large(synthetic_large: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The production model of `synthetic_large`, trained with the nightly seed."""
    return _champion_of(synthetic_large, tmp_path_factory.mktemp("champion_large") / "models")


@pytest.fixture(scope="module")
def real_homes(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Homes standing in for real ones: their areas, devices and HA events (November 2026)."""
    folder = tmp_path_factory.mktemp("real") / "homes"
    generate_dataset(GeneratorOptions(count=2, days=2, seed=77, start_date=REAL_START, **NO_CONTEXT), folder)
    return [json.loads(p.read_text()) for p in sorted(folder.glob("home_*.json"))]


def make_settings(root: Path, synthetic: Path, models: Path | None, **extra: Any) -> AiAutomationSettings:
    """Settings on `root` with the synthetic dataset in place and (optionally) the champion's registry."""
    settings = AiAutomationSettings(
        data_dir=root / "data",
        models_dir=root / "models",
        home_type_cv_repeats=1,
        nightly_seed=SEED,
        _env_file=None,
        **extra,
    )
    shutil.copytree(synthetic, settings.datasets_dir / synthetic.name)
    if models is not None:
        shutil.copytree(models, settings.models_dir)
    return settings


@asynccontextmanager
async def running(settings: AiAutomationSettings) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """The app inside its lifespan with a frozen clock (production models loaded), and a client talking to it."""
    app = create_app(settings, clock=lambda: NOW)
    async with app.router.lifespan_context(app):
        await models_ready(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai", timeout=120) as client:
            yield app, client


async def send_home(
    client: httpx.AsyncClient, home: dict[str, Any], home_id: str, home_type: str | None
) -> dict[str, Any]:
    """Post a home's snapshot (with the type the user confirmed, if any) and its events."""
    snapshot = {
        "home_id": home_id,
        "areas": home["areas"],
        "devices": home["devices"],
        "home_type": home_type,
    }
    assert (await client.post("/api/ha/snapshot", json=snapshot)).status_code == 200
    response = await client.post("/api/ha/events", json={"home_id": home_id, "events": home["events"]})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ha_event(entity_id: str, state: str, at: datetime) -> dict[str, Any]:
    """A `state_changed` event as HA's websocket sends it."""
    obj = {
        "entity_id": entity_id,
        "state": state,
        "attributes": {"device_class": "battery"} if "battery" in entity_id else {},
        "last_changed": at.isoformat(),
        "last_updated": at.isoformat(),
        "context": {"id": f"c-{entity_id}-{at.timestamp()}", "parent_id": None, "user_id": None},
    }
    return {
        "event_type": "state_changed",
        "time_fired": at.isoformat(),
        "origin": "LOCAL",
        "context": obj["context"],
        "data": {"entity_id": entity_id, "old_state": None, "new_state": obj},
    }


def event_only_home() -> list[dict[str, Any]]:
    """Events of a home nobody sent a snapshot of (a light and a battery), plus one far past retention."""
    start = datetime(2026, 11, 7, tzinfo=UTC)
    events = [
        ha_event("light.kitchen_ceiling", "on" if i % 2 else "off", start + timedelta(minutes=7 * i))
        for i in range(400)
    ]
    events += [
        ha_event("sensor.kitchen_battery", str(100 - i // 40), start + timedelta(minutes=7 * i))
        for i in range(400)
    ]
    return [*events, ha_event("light.kitchen_ceiling", "on", NOW - timedelta(days=200))]


async def test_nightly_run_learns_from_real_homes_and_survives_a_restart(
    tmp_path: Path, synthetic: Path, champion: Path, real_homes: list[dict[str, Any]]
) -> None:
    settings = make_settings(tmp_path, synthetic, champion)
    labelled, unlabelled = real_homes
    async with running(settings) as (app, client):
        first = await send_home(client, labelled, "flat-1", labelled["home_type"])
        again = await send_home(client, labelled, "flat-1", labelled["home_type"])
        assert first["stored"] == len(labelled["events"])
        assert again["stored"] == 0
        await send_home(client, unlabelled, "house-2", None)
        events = event_only_home()
        assert (await client.post("/api/ha/events", json={"events": events})).json()["stored"] == len(events)
        empty = {"home_id": "empty-1", "devices": []}
        assert (await client.post("/api/ha/snapshot", json=empty)).status_code == 200
        before = app.state.home_type_models["full"].version

        status = (await client.get("/api/home-type/train/status")).json()
        assert (status["enabled"], status["schedule"], status["running"]) == (True, "0 3 * * *", False)
        assert status["next_run_time"] is not None
        response = await client.post("/api/home-type/train/schedule", params={"wait": "true"})
        assert response.status_code == 200, response.text
        run = response.json()["result"]
        status = (await client.get("/api/home-type/train/status")).json()
        health = (await client.get("/health")).json()["storage"]
        info = (await client.get("/api/home-type/model-info")).json()["model_info"]

    # no owner answered a synergy suggestion: the re-ranker step says so and registers nothing
    assert run["synergy_ranker"]["status"] == "skipped"
    assert "0 answered suggestions" in run["synergy_ranker"]["reason"]
    assert "synergy_ranker" not in model_registry.ModelRegistry(settings.models_dir).model_names()
    last = status["last_run"]
    assert status["running"] is False
    assert (last["trigger"], last["task"]) == ("nightly", "full")
    assert last["decision"] == run["decision"] in {"promoted", "kept"}
    assert last["reason"] == run["reason"]
    assert last["reason"]
    assert last["champion_version"] == before
    metrics = last["metrics"]
    assert metrics["challenger"]["cv_macro_f1"] is not None
    assert metrics["champion"]["version"] == before
    assert metrics["champion"]["on_shared_held_out_homes"]["macro_f1"] is not None  # same held-out homes
    assert metrics["challenger"]["on_shared_held_out_homes"]["macro_f1"] is not None
    data = last["data"]
    assert (data["synthetic_homes"], data["synthetic_dataset"]) == (30, synthetic.name)
    assert (data["real_labelled_homes"], data["real_unlabelled_homes"]) == (1, 2)
    assert data["real_labelled_home_ids"] == ["flat-1"]
    assert data["homes"] == 31  # the confirmed real home joined the synthetic training set
    assert data["real_labelled_in_training_split"] + data["real_labelled_in_test_split"] == 1
    assert data["real_homes_events_only"] == 1
    assert data["real_skipped"] == [{"home_id": "empty-1", "reason": data["real_skipped"][0]["reason"]}]
    assert "no devices" in data["real_skipped"][0]["reason"]
    assert last["housekeeping"]["purged_events"] == 1  # the 200-day-old event is past the 90-day retention
    homes = last["unlabelled_homes"]
    assert (homes["homes"], homes["scored"]) == (2, 2)
    assert homes["model_version"] == info["model_version"]
    assert 0 < homes["mean_confidence"] <= 1
    assert homes["mean_abs_z"] is not None
    assert homes["mean_abs_z"] >= 0
    by_id = {h["home_id"]: h for h in homes["per_home"]}
    assert by_id["default"]["devices_from"] == "events"
    assert by_id["default"]["events"] == 800  # the old event was purged before the run read the home
    assert by_id["house-2"]["predicted_type"] in homes["predicted_types"]
    assert health["ha_events"] == len(labelled["events"]) + len(unlabelled["events"]) + 800
    assert health["home_snapshots"] == 3
    assert health["database_bytes"] > 0
    artifact = {a["name"]: a for a in info["artifacts"]}["model.skops"]
    assert len(artifact["sha256"]) == 64
    assert artifact["size_bytes"] > 0

    async with running(settings) as (_app, client):  # a restart on the same folders
        after = (await client.get("/api/home-type/train/status")).json()
        assert (await client.get("/health")).json()["storage"]["ha_events"] == health["ha_events"]
    assert after["last_run"]["id"] == last["id"]
    assert after["last_run"]["decision"] == last["decision"]
    assert after["next_run_time"] == status["next_run_time"]
    assert after["last_scheduled_run"]["finished_at"] == status["last_scheduled_run"]["finished_at"]
    assert json.loads((settings.data_dir / "nightly_state.json").read_text())["last_run"]["status"] == "ok"


def _rotated_labels(real_evaluate: Any) -> Any:
    def evaluate(table: Any, task: str, *args: Any, **kwargs: Any) -> Evaluation:
        # A deliberately worse challenger: its served model learned every home as the next class.
        evaluation: Evaluation = real_evaluate(table, task, *args, **kwargs)
        rows = evaluation.train_rows
        names = [task_label(table.home_types[int(s)], task) for s in table.source[rows]]
        codes = (np.searchsorted(evaluation.classes, names) + 1) % len(evaluation.classes)
        evaluation.model = fit_estimator(table.X[rows], codes.astype(np.int64), 0)
        return evaluation

    return evaluate


async def test_a_worse_challenger_is_kept_out_and_the_reason_recorded(
    tmp_path: Path, synthetic_large: Path, champion_large: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, synthetic_large, champion_large)
    monkeypatch.setattr(home_type_training, "evaluate", _rotated_labels(home_type_training.evaluate))
    async with running(settings) as (app, client):
        before = app.state.home_type_models["full"].version
        run = (await client.post("/api/home-type/train/schedule", params={"wait": "true"})).json()["result"]
        status = (await client.get("/api/home-type/train/status")).json()
        served = (await client.get("/api/home-type/model-info")).json()["model_info"]["model_version"]
    last = status["last_run"]
    assert run["decision"] == last["decision"] == "kept"
    assert "< production" in last["reason"]
    assert "held-out homes" in last["reason"]
    assert last["gates"] == "PASSED"  # the gates look at cross-validation; the comparison caught it
    challenger = last["metrics"]["challenger"]["on_shared_held_out_homes"]["macro_f1"]
    champion_f1 = last["metrics"]["champion"]["on_shared_held_out_homes"]["macro_f1"]
    assert challenger < champion_f1 - settings.promotion_tolerance
    assert served == before == last["champion_version"]
    assert last["challenger_version"] != before


async def test_a_crash_while_registering_leaves_production_serving(
    tmp_path: Path, synthetic: Path, champion: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, synthetic, champion)
    real_write = model_registry._write_durably

    def crash_on_metadata(path: Path, data: bytes) -> None:
        if path.name == model_registry.METADATA_FILE:
            raise OSError("disk full")  # the artifact is written, its metadata is not
        real_write(path, data)

    monkeypatch.setattr(model_registry, "_write_durably", crash_on_metadata)
    async with running(settings) as (app, client):
        versions = [v.version for v in app.state.model_registry.versions("home_type_full")]
        run = (await client.post("/api/home-type/train/schedule", params={"wait": "true"})).json()
        status = (await client.get("/api/home-type/train/status")).json()
        assert [v.version for v in app.state.model_registry.versions("home_type_full")] == versions
        home = {"devices": [{"entity_id": "light.a"}, {"entity_id": "binary_sensor.door"}]}
        assert (await client.post("/api/home-type/predict", json={"home": home})).status_code == 200
    assert run["status"] == "error"
    assert "disk full" in run["error"]
    assert status["last_run"]["status"] == "failed"
    assert status["last_run"]["decision"] == "failed"
    assert "disk full" in status["last_run"]["reason"]
    leftovers = [
        p.name for p in (settings.models_dir / "home_type_full").iterdir() if p.name.startswith(".tmp")
    ]
    assert leftovers == []


async def test_switch_off_api_key_and_no_overlap_with_train(tmp_path: Path, synthetic: Path) -> None:
    settings = make_settings(
        tmp_path, synthetic, None, training_enabled=False, api_key="k", nightly_tasks="full,binary"
    )
    async with running(settings) as (app, client):
        status = (await client.get("/api/home-type/train/status")).json()
        assert (status["enabled"], status["next_run_time"], status["last_run"]) == (False, None, None)
        assert (await client.post("/api/home-type/train/schedule")).status_code == 401
        with app.state.locks.hold("home_type_full"):
            busy = await client.post("/api/home-type/train/schedule", headers=KEY)
            assert busy.status_code == 409
        started = await client.post("/api/home-type/train/schedule", headers=KEY)
        assert started.status_code == 202
        body = {"dataset_path": str(synthetic), "task": "full"}
        assert (await client.post("/api/home-type/train", json=body, headers=KEY)).status_code == 409
        assert (await client.post("/api/home-type/train/schedule", headers=KEY)).status_code == 409
        # The 202 started the run as a task: wait for it itself, not for a clock.
        assert app.state.nightly.task is not None
        await app.state.nightly.task
        status = (await client.get("/api/home-type/train/status")).json()
        assert status["running"] is False
        assert app.state.home_type_models["full"].version == status["last_run"]["version"]
        binary = (await client.get("/api/home-type/train/status", params={"task": "binary"})).json()
        # 30 two-day homes are too few for the binary task's original thresholds: registered, not served.
        assert "binary" not in app.state.home_type_models
    assert binary["last_run"]["decision"] == "kept"
    assert binary["last_run"]["reason"].startswith("quality gates FAILED")
    assert binary["last_run"]["data"]["synthetic_homes"] == 30
    assert status["last_run"]["decision"] == "promoted"
    assert "first model" in status["last_run"]["reason"]
    assert status["last_run"]["metrics"]["champion"] is None
    assert status["last_run"]["data"]["real_homes"] == 0


async def test_a_stored_event_with_an_impossible_time_no_longer_breaks_the_night(
    tmp_path: Path, synthetic: Path, champion: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A database written before the edge refused NaN/Infinity/1e400 times: the summary answers, the
    nightly run skips and purges the bad rows (with a log line) instead of failing on them."""
    settings = make_settings(tmp_path, synthetic, champion)
    async with running(settings) as (app, client):
        events = event_only_home()[:-1]
        assert (await client.post("/api/ha/events", json={"events": events})).json()["stored"] == len(events)
        bad_rows = []
        for i, fired in enumerate((float("inf"), float("-inf"), 1e12)):
            row = normalise_event(events[i], "default")
            assert isinstance(row, dict)
            bad_rows.append({**row, "event_key": f"written-before-the-fix-{i}", "time_fired": fired})
        async with app.state.sessionmaker() as session:
            assert await store_events(session, bad_rows) == 3
        summary = await client.get("/api/ha/summary")
        assert summary.status_code == 200, summary.text
        assert summary.json()["last"] == events[-1]["time_fired"]
        with caplog.at_level(logging.WARNING, logger="homeiq_shared.ha_events"):
            run = (await client.post("/api/home-type/train/schedule", params={"wait": "true"})).json()
        status = (await client.get("/api/home-type/train/status")).json()
        stored = (await client.get("/api/ha/summary")).json()["stored_events"]
    assert run["status"] == "ok", run
    last = status["last_run"]
    assert last["decision"] in {"promoted", "kept"}
    assert last["housekeeping"]["purged_events"] == 3
    assert {h["home_id"]: h["events"] for h in last["unlabelled_homes"]["per_home"]} == {
        "default": len(events)
    }
    assert stored == len(events)
    assert "purged 3 stored HA events with a non-finite or out-of-range time" in caplog.text
