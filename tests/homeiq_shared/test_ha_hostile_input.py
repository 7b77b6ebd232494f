"""Hostile HA input at the edge: impossible times, entity ids HA refuses, control characters, huge
attributes; and a database that already holds an event with an impossible time heals."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from homeiq_shared.ha_api import MAX_EVENTS_PER_BATCH
from homeiq_shared.ha_events import HaEventRow, normalise_event, purge_older_than, store_events
from homeiq_shared.ha_schema import MAX_ATTRIBUTES_BYTES, HAState
from homeiq_shared.storage import make_engine, make_sessionmaker

from .conftest import T0, ha_state_changed
from .test_ha_api import _client

Client = tuple[httpx.AsyncClient, Any]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    async for http, _ in _client(tmp_path):
        yield http, tmp_path


def _raw_batch(time_literal: str) -> str:
    """A one-event batch as raw JSON text whose `time_fired` is the literal given (NaN, 1e400...)."""
    text = json.dumps({"events": [ha_state_changed("light.kitchen", "on", T0)]})
    return text.replace(json.dumps(T0.isoformat()), time_literal, 1)


async def _stored(http: httpx.AsyncClient) -> int:
    summary = await http.get("/api/ha/summary")
    assert summary.status_code == 200, summary.text
    stored: int = summary.json()["stored_events"]
    return stored


@pytest.mark.parametrize(
    "literal",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e400",
        "-1e400",
        "1e12",  # milliseconds-scale seconds: year 33658
        "-5",
        '"2100-01-01T00:00:00+00:00"',
        '"1969-12-31T23:59:59+00:00"',
        '"9999-12-31T23:59:59+00:00"',
        '"2025-06-01T08:00:00"',  # no zone
    ],
)
async def test_an_impossible_event_time_is_a_422_naming_the_field(client: Client, literal: str) -> None:
    http, _ = client
    response = await http.post(
        "/api/ha/events", content=_raw_batch(literal), headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "events[0]: time_fired" in response.json()["detail"]
    assert await _stored(http) == 0


async def test_an_impossible_time_inside_a_state_is_refused(client: Client) -> None:
    http, _ = client
    event = ha_state_changed("light.kitchen", "on", T0)
    event["data"]["new_state"]["last_changed"] = "2150-01-01T00:00:00+00:00"
    response = await http.post("/api/ha/events", json={"events": [event]})
    assert response.status_code == 422
    assert "new_state.last_changed" in response.json()["detail"]


async def test_times_at_the_bounds_are_kept(client: Client) -> None:
    http, _ = client
    events = [
        ha_state_changed("light.kitchen", "on", T0),
        {**ha_state_changed("light.kitchen", "off", T0), "time_fired": 0},
        {**ha_state_changed("light.kitchen", "off", T0), "time_fired": "2099-12-31T23:59:59+00:00"},
    ]
    response = await http.post("/api/ha/events", json={"events": events})
    assert response.status_code == 200, response.text
    summary = (await http.get("/api/ha/summary")).json()
    assert (summary["first"], summary["last"]) == ("1970-01-01T00:00:00+00:00", "2099-12-31T23:59:59+00:00")


@pytest.mark.parametrize(
    "entity_id",
    [
        "light.kitchen\n",
        "light.kitchen\r\n",
        "light.kit\x00chen",
        "light._kitchen",
        "light.kitchen_",
        "_light.kitchen",
        "light.kit__chen",
        "Light.kitchen",
        "light.kitchen.extra",
        "light." + "a" * 250,
    ],
)
async def test_entity_ids_home_assistant_refuses_are_refused(client: Client, entity_id: str) -> None:
    http, _ = client
    event = ha_state_changed("light.kitchen", "on", T0)
    event["data"]["entity_id"] = event["data"]["new_state"]["entity_id"] = entity_id
    response = await http.post("/api/ha/events", json={"events": [event]})
    assert response.status_code == 422, entity_id
    assert "not a valid HA entity id" in response.json()["detail"]
    snapshot = await http.post("/api/ha/snapshot", json={"devices": [{"entity_id": entity_id}]})
    assert snapshot.status_code == 422, entity_id
    assert "devices.0.entity_id" in snapshot.json()["detail"]
    with pytest.raises(ValueError, match="entity"):
        HAState.model_validate(
            {
                "entity_id": entity_id,
                "state": "on",
                "attributes": {},
                "last_changed": T0,
                "last_updated": T0,
                "context": {"id": "c"},
            }
        )
    assert await _stored(http) == 0


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e["data"]["new_state"].update(state="on\n"), "new_state.state holds control characters"),
        (lambda e: e["data"]["new_state"].update(state="o\x1bn"), "new_state.state holds control"),
        (lambda e: e["data"].update(old_state={"state": "off\x00"}), "old_state.state holds control"),
        (lambda e: e["data"]["new_state"]["attributes"].update({"a\nb": 1}), "key 'a\\nb' holds control"),
        (
            lambda e: e["data"]["new_state"]["attributes"].update(nested={"k\x07": 1}),
            "key 'k\\x07' holds control",
        ),
        (lambda e: e["data"]["new_state"]["attributes"].update(a="x\x00y"), "string with control"),
        (lambda e: e.update(event_type="state_changed\n"), "event_type"),
    ],
)
async def test_control_characters_are_refused(client: Client, mutate: Any, reason: str) -> None:
    http, _ = client
    event = ha_state_changed("light.kitchen", "on", T0)
    mutate(event)
    response = await http.post("/api/ha/events", json={"events": [event]})
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert await _stored(http) == 0


async def test_text_attributes_may_hold_newlines_and_tabs(client: Client) -> None:
    http, _ = client
    event = ha_state_changed("sensor.note", "ok", T0, {"message": "line 1\nline 2\ttab", "quote": 'a "b"'})
    response = await http.post("/api/ha/events", json={"events": [event]})
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 1


async def test_attributes_over_16_kib_are_refused_with_the_limit(client: Client) -> None:
    http, _ = client
    filler = "x" * (MAX_ATTRIBUTES_BYTES - len('{"blob":""}'))
    fits = ha_state_changed("sensor.blob", "1", T0, {"blob": filler})
    too_big = ha_state_changed("sensor.blob", "2", T0, {"blob": filler + "x"})
    assert (await http.post("/api/ha/events", json={"events": [fits]})).status_code == 200
    response = await http.post("/api/ha/events", json={"events": [too_big]})
    assert response.status_code == 422
    assert f"at most {MAX_ATTRIBUTES_BYTES}" in response.json()["detail"]
    assert "16385 bytes" in response.json()["detail"]
    nan = ha_state_changed("sensor.blob", "3", T0, {"value": float("nan")})
    refused = await http.post(
        "/api/ha/events",
        content=json.dumps({"events": [nan]}),  # json.dumps writes NaN, as a careless client would
        headers={"content-type": "application/json"},
    )
    assert refused.status_code == 422
    assert "NaN or Infinity" in refused.json()["detail"]
    assert await _stored(http) == 1


async def test_too_many_events_in_one_request_says_the_limit(client: Client) -> None:
    http, _ = client
    response = await http.post("/api/ha/events", json={"events": [{}] * (MAX_EVENTS_PER_BATCH + 1)})
    assert response.status_code == 422
    assert str(MAX_EVENTS_PER_BATCH) in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == "events"


async def test_a_stored_impossible_time_is_skipped_by_the_summary_and_purged(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """A database written before the edge refused these times: the summary answers, the purge heals it."""
    http, folder = client
    good = ha_state_changed("light.kitchen", "on", T0)
    assert (await http.post("/api/ha/events", json={"events": [good]})).status_code == 200
    engine = make_engine(f"sqlite+aiosqlite:///{folder / 'svc.db'}")  # the service's database file
    app_sessionmaker = make_sessionmaker(engine)
    async with app_sessionmaker() as session:
        rows = []
        for i, bad in enumerate((float("inf"), float("-inf"), 1e12, -1.0)):
            row = normalise_event(ha_state_changed("light.kitchen", str(i), T0), "default")
            assert isinstance(row, dict)
            rows.append({**row, "event_key": f"bad-{i}", "time_fired": bad})
        assert await store_events(session, rows) == 4
    with caplog.at_level(logging.WARNING, logger="homeiq_shared.ha_events"):
        summary = await http.get("/api/ha/summary")
    assert summary.status_code == 200, summary.text
    assert summary.json()["stored_events"] == 5
    assert summary.json()["first"] == summary.json()["last"] == T0.isoformat()
    assert "4 stored HA events have an unusable time" in caplog.text
    async with app_sessionmaker() as session:
        with caplog.at_level(logging.WARNING, logger="homeiq_shared.ha_events"):
            assert await purge_older_than(session, 10_000, now=T0) == 4
        left = (await session.scalars(select(HaEventRow.time_fired))).all()
    await engine.dispose()
    assert left == [T0.timestamp()]
    assert "purged 4 stored HA events with a non-finite or out-of-range time" in caplog.text
