"""Learning from a real home: HA events -> daily telemetry -> nightly champion/challenger retraining."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import select

from device_intelligence import retraining
from device_intelligence.app import create_app
from device_intelligence.failure import model as failure_model
from device_intelligence.routers.training import TRAIN_LOCK
from device_intelligence.settings import DeviceIntelligenceSettings
from device_intelligence.tables import TelemetryReading
from device_intelligence.telemetry import METRIC_NAMES
from homeiq_shared.ha_recorder_writer import write_recorder_db

DAY0 = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
FRIDAY_NIGHT = datetime(2026, 11, 6, 2, 0, tzinfo=UTC)  # ordinary night: incremental
SUNDAY_NIGHT = datetime(2026, 11, 8, 2, 0, tzinfo=UTC)  # weekly full retrain
SMALL_NIGHTLY = {"nightly_synthetic_devices": 200, "nightly_days": 60}


def ha_event(entity_id: str, state: str, at: datetime, **attributes: Any) -> dict[str, Any]:
    """A `state_changed` event as HA's websocket sends it."""
    obj = {
        "entity_id": entity_id,
        "state": state,
        "attributes": attributes,
        "last_changed": at.isoformat(),
        "last_updated": at.isoformat(),
        "context": {"id": f"{entity_id}-{at.timestamp()}", "parent_id": None, "user_id": None},
    }
    return {
        "event_type": "state_changed",
        "time_fired": at.isoformat(),
        "origin": "LOCAL",
        "context": obj["context"],
        "data": {"entity_id": entity_id, "old_state": None, "new_state": obj},
    }


def home_events(days: int = 4) -> list[dict[str, Any]]:
    """A small home: a light, a motion sensor whose battery drains, a garage door that drops off twice."""
    events = []
    for i in range(days * 48):
        at = DAY0 + timedelta(minutes=30 * i)
        events.append(ha_event("light.kitchen", "on" if i % 2 else "off", at))
        events.append(
            ha_event("binary_sensor.hall_motion", "on" if i % 3 else "off", at + timedelta(minutes=1))
        )
        if i % 4 == 0:
            level = 100 - 10 * (i / 48)
            battery = {"device_class": "battery", "unit_of_measurement": "%"}
            events.append(ha_event("sensor.hall_motion_battery", f"{level:.1f}", at, **battery))
        events.append(ha_event("cover.garage_door", "closed", at + timedelta(minutes=2)))
    # Day 1: 10:00-16:00 unavailable; day 2 22:00 -> day 3 02:00 unavailable (across midnight).
    for start, end in ((DAY0 + timedelta(days=1, hours=10), DAY0 + timedelta(days=1, hours=16)),
                       (DAY0 + timedelta(days=2, hours=22), DAY0 + timedelta(days=3, hours=2))):  # fmt: skip
        events = [
            e
            for e in events
            if not (
                e["data"]["entity_id"] == "cover.garage_door"
                and start <= datetime.fromisoformat(e["time_fired"]) <= end
            )
        ]
        events.append(ha_event("cover.garage_door", "unavailable", start))
        events.append(ha_event("cover.garage_door", "closed", end))
    return events


@asynccontextmanager
async def running(
    settings: DeviceIntelligenceSettings, clock: datetime | None = None
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """An app inside its lifespan (optionally with a frozen clock) and a client talking to it."""
    app = create_app(settings, clock=(lambda: clock) if clock else None)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://di", timeout=120) as client:
            yield app, client


async def telemetry(app: Any) -> dict[tuple[str, str], dict[str, float | None]]:
    """Every stored telemetry row, keyed by (device, ISO date)."""
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(select(TelemetryReading))).scalars().all()
    return {
        (r.device_id, r.timestamp.date().isoformat()): {m: getattr(r, m) for m in METRIC_NAMES} for r in rows
    }


async def post_events(client: httpx.AsyncClient, events: list[dict[str, Any]], size: int = 200) -> int:
    """Send events in batches; return how many were new."""
    stored = 0
    for lo in range(0, len(events), size):
        response = await client.post("/api/ha/events", json={"events": events[lo : lo + size]})
        assert response.status_code == 200, response.text
        stored += response.json()["stored"]
    return stored


@pytest.fixture
def settings(
    tmp_path: Path, models_dir: Path, settings_factory: Callable[..., DeviceIntelligenceSettings]
) -> DeviceIntelligenceSettings:
    """A service with a trained production model and a small nightly fleet."""
    return settings_factory(tmp_path, models_dir, **SMALL_NIGHTLY)


async def test_events_become_daily_telemetry_idempotently_in_any_order(
    settings: DeviceIntelligenceSettings,
    tmp_path: Path,
    settings_factory: Callable[..., DeviceIntelligenceSettings],
) -> None:
    events = home_events()
    async with running(settings) as (app, client):
        assert await post_events(client, events) == len(events)
        first = await telemetry(app)
        assert await post_events(client, events) == 0  # the same batches again: stored once
        assert await telemetry(app) == first
        health = (await client.get("/health")).json()["storage"]
        assert health["ha_events"] == len(events)
        assert health["telemetry_readings"] == len(first)
        assert health["database_bytes"] > 0
    day = [(DAY0 + timedelta(days=d)).date().isoformat() for d in range(4)]
    door1, door2, door3 = (first[("garage_door", day[d])] for d in (1, 2, 3))
    assert door1["connection_drops"] == 1
    assert door1["restart_count"] == 1
    assert door1["uptime_hours"] == pytest.approx(18.0)
    assert door2["uptime_hours"] == pytest.approx(22.0)
    assert door2["connection_drops"] == 1
    assert door3["uptime_hours"] == pytest.approx(22.0)
    assert door3["restart_count"] == 1
    batteries = [first[("hall_motion", d)]["battery_level"] for d in day]
    assert batteries == sorted(batteries, reverse=True)
    assert batteries[-1] is not None
    assert batteries[-1] < 70
    assert first[("kitchen", day[0])]["battery_level"] is None  # mains device: missing, never 0
    assert first[("kitchen", day[0])]["response_time"] is None

    # A fresh service fed the same events backwards, in other batch sizes, ends with the same rows.
    other = settings_factory(tmp_path / "other", settings.models_dir, **SMALL_NIGHTLY)
    async with running(other) as (app, client):
        await post_events(client, list(reversed(events)), size=97)
        backwards = await telemetry(app)
    assert backwards.keys() == first.keys()
    for key, metrics in first.items():
        for name, value in metrics.items():
            got = backwards[key][name]
            assert (value is None and got is None) or math.isclose(value or 0.0, got or 0.0, abs_tol=1e-9), (
                key
            )


async def test_nightly_run_records_decision_mix_and_survives_restart(
    settings: DeviceIntelligenceSettings,
) -> None:
    async with running(settings, clock=FRIDAY_NIGHT) as (_app, client):
        await post_events(client, home_events())
        status = (await client.get("/api/predictions/train/status")).json()
        assert status["enabled"] is True
        assert status["schedule"] == "0 2 * * *"
        assert status["next_run_time"] is not None
        assert status["next_run_mode"] in {"full", "incremental"}
        response = await client.post("/api/predictions/train/schedule", params={"wait": "true"})
        assert response.status_code == 200, response.text
        run = response.json()["result"]
        assert run["decision"] in {"promoted", "kept"}
        assert run["reason"]
        assert run["mode"] == "incremental"  # a Friday night, with a production model to continue from
        status = (await client.get("/api/predictions/train/status")).json()
        health = (await client.get("/health")).json()["storage"]
    last = status["last_run"]
    assert status["running"] is False
    assert last["trigger"] == "nightly"
    assert last["decision"] == run["decision"]
    assert last["reason"] == run["reason"]
    assert last["metrics"]["challenger"]["pr_auc"] is not None
    assert last["metrics"]["champion"]["pr_auc"] is not None  # both models on the same held-out rows
    mix = last["data"]["mix"]
    assert mix["real_devices"] == 3
    assert mix["real_days"] == 4
    assert mix["real_rows"] == 12
    assert mix["synthetic_devices"] == 197
    assert mix["synthetic_rows"] > 0
    assert sum(mix["real_rows_by_split"].values()) <= mix["real_rows"]

    async with running(settings, clock=FRIDAY_NIGHT) as (_app, client):  # a restart on the same folders
        again = (await client.get("/api/predictions/train/status")).json()
        assert (await client.get("/health")).json()["storage"]["telemetry_readings"] == health[
            "telemetry_readings"
        ]
    assert again["last_run"]["id"] == last["id"]
    assert again["last_run"]["decision"] == last["decision"]
    assert again["next_run_time"] == status["next_run_time"]
    assert again["last_scheduled_run"]["finished_at"] == status["last_scheduled_run"]["finished_at"]
    state = json.loads((settings.data_dir / "nightly_state.json").read_text())
    assert state["last_run"]["status"] == "ok"


async def test_a_first_nightly_model_that_fails_its_gates_is_not_promoted_and_weekly_run_is_full(
    tmp_path: Path, settings_factory: Callable[..., DeviceIntelligenceSettings]
) -> None:
    settings = settings_factory(tmp_path, tmp_path / "empty-models", **SMALL_NIGHTLY)
    async with running(settings, clock=SUNDAY_NIGHT) as (_app, client):
        await post_events(client, home_events())
        run = (await client.post("/api/predictions/train/schedule", params={"wait": "true"})).json()["result"]
        # 200 devices x 60 days are too few for the gates: the first model is registered, not promoted.
        assert run["decision"] == "kept"
        assert run["reason"].startswith("quality gates FAILED")
        assert run["mode"] == "full"
        assert run["challenger_version"]
        body = {"device_id": "garage_door", "metrics": {"battery_level": 80}}
        assert (await client.post("/api/predictions/predict", json=body)).status_code == 503


async def test_a_worse_challenger_is_not_promoted_and_the_reason_is_recorded(
    settings: DeviceIntelligenceSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_train = failure_model.train_booster

    def shuffled_labels(x: Any, y: Any, *args: Any, **kwargs: Any) -> Any:
        # A deliberately worse challenger: it learns from labels that say nothing.
        return real_train(x, np.random.default_rng(0).permutation(y), *args, **kwargs)

    monkeypatch.setattr(retraining.failure_model, "train_booster", shuffled_labels)
    async with running(settings, clock=SUNDAY_NIGHT) as (app, client):
        before = app.state.registry.production(failure_model.MODEL_NAME).version
        await post_events(client, home_events())
        run = (await client.post("/api/predictions/train/schedule", params={"wait": "true"})).json()["result"]
        status = (await client.get("/api/predictions/train/status")).json()
        after = app.state.registry.production(failure_model.MODEL_NAME).version
    assert run["decision"] == "kept"
    assert "worse than production" in run["reason"]
    assert status["last_run"]["decision"] == "kept"
    assert status["last_run"]["reason"] == run["reason"]
    assert (
        status["last_run"]["metrics"]["challenger"]["pr_auc"]
        < status["last_run"]["metrics"]["champion"]["pr_auc"]
    )
    assert after == before


async def test_a_crash_during_retraining_keeps_production_serving(
    settings: DeviceIntelligenceSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("power cut")

    monkeypatch.setattr(retraining, "train_and_evaluate", crash)
    async with running(settings, clock=FRIDAY_NIGHT) as (app, client):
        before = app.state.registry.versions(failure_model.MODEL_NAME)
        run = (await client.post("/api/predictions/train/schedule", params={"wait": "true"})).json()
        status = (await client.get("/api/predictions/train/status")).json()
        assert app.state.registry.versions(failure_model.MODEL_NAME) == before
        body = {"device_id": "d1", "metrics": {"battery_level": 80}}
        assert (await client.post("/api/predictions/predict", json=body)).status_code == 200
    assert run["status"] == "error"
    assert "power cut" in run["error"]
    assert status["last_run"]["status"] == "failed"
    assert status["last_run"]["decision"] == "failed"
    assert "power cut" in status["last_run"]["reason"]


async def test_runs_never_overlap_and_the_switch_turns_the_schedule_off(
    tmp_path: Path, models_dir: Path, settings_factory: Callable[..., DeviceIntelligenceSettings]
) -> None:
    settings = settings_factory(tmp_path, models_dir, training_enabled=False, api_key="k", **SMALL_NIGHTLY)
    async with running(settings) as (app, client):
        status = (await client.get("/api/predictions/train/status")).json()
        assert status["enabled"] is False
        assert status["next_run_time"] is None
        assert (await client.post("/api/predictions/train/schedule")).status_code == 401
        with app.state.locks.hold(TRAIN_LOCK):
            busy = await client.post("/api/predictions/train/schedule", headers={"X-HomeIQ-API-Key": "k"})
            assert busy.status_code == 409
        assert not (settings.data_dir / "nightly_state.json").exists()


async def test_an_imported_ha_folder_derives_telemetry(settings: DeviceIntelligenceSettings) -> None:
    config = settings.data_dir / "ha-config"  # imports are confined to the data folder (and path_roots)
    storage = config / ".storage"
    storage.mkdir(parents=True)
    registry = {
        "entities": [
            {"entity_id": "light.kitchen", "device_id": "dev-light"},
            {
                "entity_id": "sensor.kitchen_light_power_battery",
                "device_id": "dev-light",
                "device_class": "battery",
            },
        ]
    }
    (storage / "core.entity_registry").write_text(
        json.dumps({"version": 1, "minor_version": 1, "key": "core.entity_registry", "data": registry})
    )
    events = []
    for i in range(2 * 24):
        at = DAY0 + timedelta(hours=i)
        events.append(ha_event("light.kitchen", "unavailable" if i == 30 else ("on" if i % 2 else "off"), at))
        events.append(ha_event("sensor.kitchen_light_power_battery", str(90 - i), at, device_class="battery"))
    write_recorder_db(config / "home-assistant_v2.db", events, schema_version=48)
    async with running(settings) as (app, client):
        response = await client.post("/api/ha/import", json={"config_dir": str(config)})
        assert response.status_code == 200, response.text
        stored = await telemetry(app)
        again = await client.post("/api/ha/import", json={"config_dir": str(config)})
        assert again.json()["stored_new"] == 0
        assert await telemetry(app) == stored
    second_day = (DAY0 + timedelta(days=1)).date().isoformat()
    assert set(stored) == {("dev-light", DAY0.date().isoformat()), ("dev-light", second_day)}
    assert stored[("dev-light", second_day)]["battery_level"] == pytest.approx(90 - 47)
    assert stored[("dev-light", second_day)]["connection_drops"] == 1
