"""Stored HA events: idempotent, atomic per batch, retention, HA's own event shape accepted."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homeiq_shared.ha_events import (
    HaEventRow,
    count_events,
    event_span,
    normalise_batch,
    purge_older_than,
    store_events,
)
from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def state_changed(entity_id: str, state: str, when: datetime, old: str | None = None) -> dict[str, Any]:
    def obj(value: str) -> dict[str, Any]:
        return {
            "entity_id": entity_id,
            "state": value,
            "attributes": {"friendly_name": entity_id},
            "last_changed": when.isoformat(),
            "last_updated": when.isoformat(),
            "context": {"id": f"{entity_id}-{when.timestamp()}", "parent_id": None, "user_id": None},
        }

    return {
        "event_type": "state_changed",
        "time_fired": when.isoformat(),
        "origin": "LOCAL",
        "context": {"id": f"{entity_id}-{when.timestamp()}", "parent_id": None, "user_id": None},
        "data": {"entity_id": entity_id, "old_state": obj(old) if old else None, "new_state": obj(state)},
    }


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'events.db'}")
    await create_tables(engine)
    async with make_sessionmaker(engine)() as s:
        yield s
    await engine.dispose()


async def test_same_batch_twice_is_stored_once(session: AsyncSession) -> None:
    batch = [
        state_changed("light.kitchen", "on" if i % 2 else "off", T0 + timedelta(minutes=i)) for i in range(50)
    ]
    rows, problems = normalise_batch(batch, "home")
    assert problems == []
    assert await store_events(session, rows) == 50
    rows_again, _ = normalise_batch(batch, "home")
    assert await store_events(session, rows_again) == 0
    assert await count_events(session) == 50


async def test_out_of_order_and_unknown_entities_are_kept(session: AsyncSession) -> None:
    batch = [
        state_changed("sensor.new_thing", "3.5", T0 + timedelta(hours=2)),
        state_changed("sensor.new_thing", "3.4", T0 + timedelta(hours=1)),
    ]
    rows, _ = normalise_batch(batch, "home")
    await store_events(session, rows)
    span = await event_span(session)
    assert span["events"] == 2
    assert span["first"] == (T0 + timedelta(hours=1)).isoformat()


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e["data"].update(entity_id="Not An Entity"), "not a valid HA entity id"),
        (lambda e: e.update(time_fired="yesterday"), "time_fired"),
        (lambda e: e.update(time_fired="2026-11-01T10:00:00"), "timezone-aware"),
        (lambda e: e.pop("event_type"), "event_type"),
        (lambda e: e["data"].update(new_state="on"), "new_state"),
        (lambda e: e["data"]["new_state"].update(state="x" * 300), "longer than 255"),
    ],
)
def test_a_malformed_event_is_named_with_its_reason(mutate: Any, reason: str) -> None:
    good = state_changed("light.hall", "on", T0)
    bad = state_changed("light.hall", "off", T0 + timedelta(minutes=1))
    mutate(bad)
    rows, problems = normalise_batch([good, bad], "home")
    assert [p.index for p in problems] == [1]
    assert reason in problems[0].reason
    assert len(rows) == 1


async def test_retention_purges_only_old_events(session: AsyncSession) -> None:
    batch = [state_changed("switch.pump", "on", T0 - timedelta(days=d)) for d in (1, 50, 100, 200)]
    rows, _ = normalise_batch(batch, "home")
    await store_events(session, rows)
    assert await purge_older_than(session, days=90, now=T0) == 2
    assert await count_events(session) == 2


def test_home_file_shape_is_accepted() -> None:
    event = {
        "event_type": "state_changed",
        "entity_id": "lock.front_door",
        "state": "locked",
        "timestamp": T0.isoformat(),
        "new_state": {"entity_id": "lock.front_door", "state": "locked", "attributes": {}},
        "old_state": None,
    }
    rows, problems = normalise_batch([event], "home")
    assert problems == []
    assert rows[0]["entity_id"] == "lock.front_door"
    assert rows[0]["state"] == "locked"


@pytest.mark.parametrize(
    ("context", "origin"),
    [
        ({"id": "c1", "user_id": "9f3e", "parent_id": None}, "user"),  # the UI, the app, a voice assistant
        ({"id": "c2", "user_id": None, "parent_id": "c1"}, "automation"),  # caused by another event
        ({"id": "c3", "user_id": "9f3e", "parent_id": "c1"}, "automation"),  # a parent wins over a user
        ({"id": "c4", "user_id": None, "parent_id": None}, "system"),  # the device or an integration
        ({"user_id": "9f3e"}, None),  # no context id: not an HA context
        (None, None),
    ],
)
def test_who_caused_a_change_is_read_from_its_context(
    context: dict[str, Any] | None, origin: str | None
) -> None:
    event = state_changed("light.hall", "on", T0)
    event["context"] = context
    event["data"]["new_state"].pop("context")
    rows, problems = normalise_batch([event], "home")
    assert problems == []
    assert rows[0]["origin"] == origin


def test_the_state_objects_context_serves_when_the_event_has_none() -> None:
    event = state_changed("light.hall", "on", T0)
    del event["context"]
    event["data"]["new_state"]["context"] = {"id": "c9", "user_id": "9f3e", "parent_id": None}
    rows, _ = normalise_batch([event], "home")
    assert rows[0]["origin"] == "user"


async def test_an_events_table_of_the_previous_version_gains_origin_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # what the previous version's create_all wrote, verbatim
        conn.executescript(
            """
            CREATE TABLE ha_events (
                event_key VARCHAR(40) NOT NULL, home_id VARCHAR(64) NOT NULL, event_type VARCHAR(64) NOT NULL,
                entity_id VARCHAR(255), state VARCHAR(255), old_state VARCHAR(255), time_fired FLOAT NOT NULL,
                attributes JSON, PRIMARY KEY (event_key)
            );
            INSERT INTO ha_events VALUES ('k-old', 'home', 'state_changed', 'light.hall', 'on', 'off',
                                          1793491200.0, '{}');
            """
        )
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    assert await create_tables(engine) == [
        "ha_events.origin",
        *(f"ha_events index {name}" for name in sorted(i.name for i in HaEventRow.__table__.indexes)),
    ]
    assert await create_tables(engine) == []  # the next start-up has nothing to add
    async with engine.connect() as conn:  # the window's queries read the new index
        plan = await conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT max(time_fired) FROM ha_events WHERE home_id = 'home' "
            "AND event_type = 'state_changed' AND time_fired BETWEEN 0 AND 4102444800"
        )
        assert "ix_ha_events_home_window" in " ".join(str(row[-1]) for row in plan.all())
    async with make_sessionmaker(engine)() as session:
        event = state_changed("light.hall", "off", T0)
        event["context"]["user_id"] = "9f3e"
        rows, _ = normalise_batch([event], "home")
        assert await store_events(session, rows) == 1
        result = await session.execute(select(HaEventRow.event_key, HaEventRow.origin))
        stored = dict(result.all())
    await engine.dispose()
    assert stored == {"k-old": None, rows[0]["event_key"]: "user"}
