"""Both services on a real PostgreSQL: health, HA events and snapshots, telemetry and failures in UTC,
synthetic datasets and the training-run tables, through the same HTTP paths as on SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from ai_automation.tables import DatasetRecord, TrainingRunRecord
from device_intelligence.tables import ConfirmedFailure, TelemetryReading, TrainingRun
from homeiq_shared.ha_events import HaEventRow
from homeiq_shared.run_table import RunTable, TrainingRunColumns, run_view

Service = tuple[FastAPI, httpx.AsyncClient]
T0 = datetime(2026, 11, 1, 7, tzinfo=UTC)


def state_changed(entity_id: str, state: str, when: datetime) -> dict[str, Any]:
    """A `state_changed` event as HA's event stream sends it."""
    new_state = {
        "entity_id": entity_id,
        "state": state,
        "attributes": {"friendly_name": entity_id},
        "last_changed": when.isoformat(),
        "last_updated": when.isoformat(),
    }
    return {
        "event_type": "state_changed",
        "time_fired": when.isoformat(),
        "data": {"entity_id": entity_id, "old_state": None, "new_state": new_state},
    }


async def test_health_reports_the_postgres_database_ok(ai_pg: Service, di_pg: Service) -> None:
    for app, client in (ai_pg, di_pg):
        assert app.state.engine.dialect.name == "postgresql"
        response = await client.get("/health")
        assert response.status_code == 200, response.text
        checks = response.json()
        assert checks["checks"]["database"]["ok"] is True, checks
        assert checks["storage"]["ok"] is True, checks


async def test_ha_events_are_stored_summarised_and_a_nan_time_stores_nothing(ai_pg: Service) -> None:
    app, client = ai_pg
    events = [
        state_changed("light.kitchen", "on", T0),
        state_changed("light.hall", "off", T0.replace(hour=8)),
    ]
    first = await client.post("/api/ha/events", json={"home_id": "pg_home", "events": events})
    assert first.status_code == 200, first.text
    assert (first.json()["stored"], first.json()["duplicates"]) == (2, 0)
    again = await client.post("/api/ha/events", json={"home_id": "pg_home", "events": events})
    assert (again.json()["stored"], again.json()["duplicates"]) == (0, 2)
    nan = json.dumps({"events": [state_changed("light.porch", "on", T0)]}).replace(
        json.dumps(T0.isoformat()), "NaN", 1
    )
    refused = await client.post("/api/ha/events", content=nan, headers={"content-type": "application/json"})
    assert refused.status_code == 422, refused.text
    assert "events[0]: time_fired" in refused.json()["detail"]
    summary = await client.get("/api/ha/summary")
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert (body["stored_events"], body["entities"]) == (2, 2)
    assert body["first"].startswith("2026-11-01T07:00:00")
    assert body["last"].startswith("2026-11-01T08:00:00")
    async with app.state.sessionmaker() as session:
        rows = (await session.scalars(select(HaEventRow))).all()
    assert sorted(r.entity_id for r in rows) == ["light.hall", "light.kitchen"]


async def test_a_snapshot_is_stored_and_replaced(ai_pg: Service) -> None:
    _, client = ai_pg
    snapshot = {
        "home_id": "pg_home",
        "areas": [{"name": "Kitchen"}, {"name": "Garden"}],
        "devices": [{"entity_id": "light.kitchen", "area": "Kitchen"}],
        "timezone": "Europe/Berlin",
    }
    stored = await client.post("/api/ha/snapshot", json=snapshot)
    assert stored.status_code == 200, stored.text
    assert stored.json() == {"home_id": "pg_home", "areas": 2, "devices": 1, "home_type": None}
    devices = [{"entity_id": "light.kitchen"}, {"entity_id": "sensor.garden_temperature"}]
    replaced = await client.post(
        "/api/ha/snapshot", json={**snapshot, "devices": devices, "home_type": "single_family_house"}
    )
    assert replaced.status_code == 200, replaced.text
    homes = (await client.get("/api/ha/summary")).json()["homes"]
    assert homes == [{"home_id": "pg_home", "devices": 2, "confirmed_home_type": "single_family_house"}]


def reading(at: str, battery: float) -> dict[str, Any]:
    return {"device_id": "dev1", "timestamp": at, "metrics": {"battery_level": battery}}


async def test_telemetry_times_are_kept_in_utc_and_duplicates_found(di_pg: Service) -> None:
    app, client = di_pg
    first = await client.post("/api/telemetry", json=reading("2025-06-01T08:00:00+02:00", 70))
    assert first.json() == {"received": 1, "stored": 1, "duplicates": 0}, first.text
    # 08:00Z is two hours after 08:00+02:00: a new reading
    second = await client.post("/api/telemetry", json=reading("2025-06-01T08:00:00Z", 71))
    assert second.json() == {"received": 1, "stored": 1, "duplicates": 0}, second.text
    # 06:00Z is the instant of 08:00+02:00: a duplicate
    third = await client.post("/api/telemetry", json=reading("2025-06-01T06:00:00Z", 72))
    assert third.json() == {"received": 1, "stored": 0, "duplicates": 1}, third.text
    async with app.state.sessionmaker() as session:
        stored = (await session.scalars(select(TelemetryReading).order_by(TelemetryReading.timestamp))).all()
    assert [(r.timestamp, r.battery_level) for r in stored] == [
        (datetime(2025, 6, 1, 6, tzinfo=UTC), 70),
        (datetime(2025, 6, 1, 8, tzinfo=UTC), 71),
    ]
    assert all(r.timestamp.tzinfo is UTC for r in stored)
    assert (await client.get("/health")).json()["storage"]["telemetry_readings"] == 2


async def test_a_failure_is_recorded_once_in_utc(di_pg: Service) -> None:
    app, client = di_pg
    body = {"device_id": "dev1", "failed_at": "2025-03-01T12:00:00+02:00", "notes": "battery swollen"}
    first = await client.post("/api/failures", json=body)
    assert first.status_code == 201, first.text
    assert first.json()["failed_at"] == "2025-03-01T10:00:00Z"
    same = await client.post("/api/failures", json={**body, "failed_at": "2025-03-01T10:00:00Z"})
    assert (same.status_code, same.json()["id"]) == (200, first.json()["id"])
    async with app.state.sessionmaker() as session:
        stored = (await session.scalars(select(ConfirmedFailure))).all()
    assert [(f.failed_at, f.notes) for f in stored] == [
        (datetime(2025, 3, 1, 10, tzinfo=UTC), "battery swollen")
    ]
    assert stored[0].recorded_at.tzinfo is UTC


async def test_a_small_synthetic_dataset_is_made_and_listed(ai_pg: Service) -> None:
    app, client = ai_pg
    created = await client.post(
        "/api/synthetic-homes", json={"count": 2, "days": 1, "seed": 3, "disable_calendar": True}
    )
    assert created.status_code == 201, created.text
    dataset_id = created.json()["dataset_id"]
    assert created.json()["homes"] == 2
    listed = await client.get("/api/synthetic-homes")
    assert listed.status_code == 200, listed.text
    assert [d["dataset_id"] for d in listed.json()] == [dataset_id]
    described = await client.get(f"/api/synthetic-homes/{dataset_id}")
    assert described.status_code == 200, described.text
    async with app.state.sessionmaker() as session:
        records = (await session.scalars(select(DatasetRecord))).all()
    assert [r.dataset_id for r in records] == [dataset_id]


async def test_training_runs_start_and_finish_on_postgres(ai_pg: Service, di_pg: Service) -> None:
    tables: list[tuple[FastAPI, type[TrainingRunColumns], str]] = [
        (ai_pg[0], TrainingRunRecord, "full"),
        (di_pg[0], TrainingRun, "failure_prediction"),
    ]
    for app, table, task in tables:
        async with app.state.sessionmaker() as session:
            runs = RunTable(session, table)
            run_id = await runs.start(trigger="api", task=task, options={"seed": 4, "days": 1})
            assert (await runs.latest(task)) is not None
            await runs.finish(
                run_id,
                status="registered",
                reason="gates PASSED; registered only",
                version="v0001",
                summary={"metrics": {"f1": 0.5}, "champion_version": None},
            )
            failed_id = await runs.record_failure(trigger="nightly", task=task, exc=RuntimeError("power cut"))
        async with app.state.sessionmaker() as session:
            view = run_view(await session.get(table, run_id))
            failed = run_view(await RunTable(session, table).latest(task))
        assert view is not None
        assert failed is not None
        assert (view.status, view.decision, view.version, view.options) == (
            "registered",
            "kept",
            "v0001",
            {"seed": 4, "days": 1},
        )
        assert view.metrics == {"f1": 0.5}
        assert view.finished_at is not None
        assert view.started_at.tzinfo is not None
        assert view.finished_at >= view.started_at
        assert (failed.id, failed.status, failed.error) == (failed_id, "failed", "RuntimeError: power cut")


async def test_ha_battery_events_become_daily_telemetry_the_same_when_sent_twice(di_pg: Service) -> None:
    app, client = di_pg
    events = []
    for hour, level in ((1, "81"), (20, "79")):
        event = state_changed("sensor.hall_motion_battery", level, T0.replace(hour=hour))
        event["data"]["new_state"]["attributes"]["device_class"] = "battery"
        events.append(event)
    for _ in range(2):  # the second batch is all duplicates: the derived rows are upserted to the same values
        response = await client.post("/api/ha/events", json={"events": events})
        assert response.status_code == 200, response.text
        async with app.state.sessionmaker() as session:
            stored = (await session.scalars(select(TelemetryReading))).all()
        assert [(r.timestamp.date(), r.battery_level) for r in stored] == [(T0.date(), 79)]


async def test_a_stored_homes_history_reads_the_same_on_postgres(
    ai_pg: Service, tmp_path_factory: Any, monkeypatch: Any
) -> None:
    """The grouped history query has its own PostgreSQL form (`split_part` / `string_agg`): it must give
    the changes the stored rows give, and detect must mine the same habits from them."""
    import orjson

    from ai_automation.synergies import stored_history as stored
    from ai_automation.synergies.history import history_of, mine_habits
    from ai_automation.synergies.stored_history import stored_history
    from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset
    from homeiq_shared.ha_events import recent_state_changes

    folder = tmp_path_factory.mktemp("pg-history") / "ds"
    options = GeneratorOptions(
        count=12, days=21, seed=11, weather=False, carbon=False, pricing=False, calendar=False
    )
    generate_dataset(options, folder)
    homes = [orjson.loads(p.read_bytes()) for p in sorted(folder.glob("home_*.json"))]
    home = max(
        homes, key=lambda h: sum(r["occurrences"] for r in h["labels"]["routines"] if r["by"] == "user")
    )
    app, client = ai_pg
    events = home["events"]
    for start in range(0, len(events), 20_000):
        r = await client.post(
            "/api/ha/events", json={"home_id": "pg-home", "events": events[start : start + 20_000]}
        )
        assert r.status_code == 200, r.text
    async with app.state.sessionmaker() as session:
        rows = await recent_state_changes(session, "pg-home", 30, 500_000)
        grouped = await stored_history(session, "pg-home", 30, 500_000)
        newest = await stored_history(session, "pg-home", 30, 1_000)
    expected = history_of(rows)
    assert len(grouped) == len(rows) > 0
    assert len(newest) == 1_000

    def changes(h: Any) -> list[tuple[str, str, float, bool]]:
        ids, states = h.entity_ids, h.states
        return sorted(
            zip(
                [ids[i] for i in h.entity],
                [states[i] for i in h.state],
                h.time.tolist(),
                h.by_user.tolist(),
                strict=True,
            )
        )

    assert changes(grouped) == changes(expected)
    habits = mine_habits(grouped)
    assert habits
    assert habits == mine_habits(expected)
    snapshot = {"home_id": "pg-home", "areas": home["areas"], "devices": home["devices"]}
    assert (await client.post("/api/ha/snapshot", json=snapshot)).status_code == 200
    detected = await client.post("/api/synergies/detect", json={"home_id": "pg-home"})
    assert detected.status_code == 200, detected.text
    answer = detected.json()
    assert answer["history_events"] == len(grouped)
    habit_pairs = {(h.trigger_entity, h.action_entity) for h in habits}
    suggested = {
        (s["trigger_entities"][0], s["action_entities"][0])
        for s in answer["suggestions"]
        if s["pattern"] == "habit"
    }
    assert suggested
    assert suggested <= habit_pairs
    # the detect above read the home whole into the app's cache; a month's last events stored after it
    # are read on their own (PostgreSQL's integer time sums and ranges), giving the whole window's history
    late = sorted(events, key=lambda e: e["time_fired"])[-200:]
    moved = [
        {**e, "time_fired": _later(e["time_fired"]), "context": {"id": f"later-{i}"}}
        for i, e in enumerate(late)
    ]
    r = await client.post("/api/ha/events", json={"home_id": "pg-home", "events": moved})
    assert r.status_code == 200, r.text
    cache = app.state.synergy_cache.histories
    async with app.state.sessionmaker() as session:
        grouped: list[int] = []
        groups = stored._groups

        async def counting(session: Any, where: list[Any]) -> list[Any]:
            out = await groups(session, where)
            grouped.append(sum(int(g[3]) for g in out))
            return out

        with monkeypatch.context() as patch:  # the cached read groups only the rows stored since
            patch.setattr(stored, "_groups", counting)
            cached = await stored_history(session, "pg-home", 30, 500_000, cache)
        assert 0 < sum(grouped) <= len(moved) + 10
        whole = await stored_history(session, "pg-home", 30, 500_000)
    assert len(cached) == len(whole) > len(grouped)
    assert changes(cached) == changes(whole)
    assert mine_habits(cached) == mine_habits(whole)


def _later(time_fired: Any) -> str:
    """An event time a day later (ISO text, as HA sends it): after every stored one."""
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(str(time_fired)) + timedelta(days=1)).isoformat()
