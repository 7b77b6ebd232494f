"""A kill during ingest keeps a batch's events and their telemetry together: both stored or neither.

The child process stores a batch the way the service does (`TelemetryDeriver`, the service's
`ha_store_rows`) into a SQLite file and pauses at the chosen step (the `paused_children` fixture);
the test kills it there with SIGKILL, then reopens the database as a restarted service would.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import func, select

from device_intelligence.tables import HaHourlyPartial, TelemetryReading
from homeiq_shared.ha_events import HaEventRow
from homeiq_shared.storage import make_engine, make_sessionmaker

from ...conftest import PausedChildren

CHILD = """
import asyncio, sys
from datetime import UTC, datetime, timedelta

import device_intelligence.ingest.ha_events as ingest
from device_intelligence import tables  # noqa: F401  (registers the service's tables)
from homeiq_shared.ha_events import normalise_batch
from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker

url, stop = sys.argv[1], sys.argv[2]
t0 = datetime(2026, 11, 2, tzinfo=UTC)
events = []
for device in range(20):
    for i in range(48):  # two days, one change an hour
        when = (t0 + timedelta(hours=i, minutes=device)).isoformat()
        state = {"entity_id": f"sensor.plug_{device}_battery", "state": str(90 - i % 7),
                 "attributes": {"device_class": "battery"}, "last_changed": when, "last_updated": when,
                 "context": {"id": f"c{device}-{i}", "parent_id": None, "user_id": None}}
        events.append({"event_type": "state_changed", "time_fired": when,
                       "data": {"entity_id": state["entity_id"], "old_state": None, "new_state": state}})
rows, problems = normalise_batch(events, "default")
assert not problems, problems

real_store, real_daily = ingest.store_events, ingest.upsert_daily

async def store_then_pause(session, batch, *, commit=True):
    added = await real_store(session, batch, commit=commit)
    if stop == "after-events":
        pause()
    return added

async def daily_then_pause(session, derived):
    await real_daily(session, derived)
    if stop == "before-commit":
        pause()

ingest.store_events, ingest.upsert_daily = store_then_pause, daily_then_pause

async def main():
    engine = make_engine(url)
    await create_tables(engine)
    async with make_sessionmaker(engine)() as session:
        stored = await ingest.TelemetryDeriver()(session, rows)
    await engine.dispose()
    sys.stdout.write(f"stored {stored}\\n")

if stop == "at-start":
    pause()
asyncio.run(main())
"""

EVENTS = 20 * 48


async def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            out = {}
            for name, table in (
                ("events", HaEventRow),
                ("partials", HaHourlyPartial),
                ("telemetry", TelemetryReading),
            ):
                out[name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
            return out
    finally:
        await engine.dispose()


def _counts_now(url: str) -> dict[str, int]:
    return asyncio.run(_counts(url))


def test_a_kill_mid_batch_keeps_no_events_without_telemetry_and_a_rerun_completes(
    tmp_path: Path, paused_children: PausedChildren
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'di.db'}"
    first = paused_children.start(CHILD, url, "at-start")
    paused_children.release(first)  # a first complete batch: tables exist, two days derived
    done = _counts_now(url)
    assert done["events"] == EVENTS
    assert done["telemetry"] == 20 * 2  # 20 devices x 2 days
    assert done["partials"] == 20 * 48

    # Kill the next writer after its events were inserted, then after everything but the commit.
    for stop in ("after-events", "before-commit"):
        (tmp_path / "di.db").unlink()
        for leftover in tmp_path.glob("di.db-*"):
            leftover.unlink()
        paused_children.kill(paused_children.start(CHILD, url, stop))
        # The service restarts: nothing of the batch is there, neither events nor their telemetry.
        assert _counts_now(url) == {"events": 0, "partials": 0, "telemetry": 0}, stop
        # The client resends the batch (it never got its answer): all of it is stored and derived.
        rerun = paused_children.start(CHILD, url, "at-start")
        assert paused_children.release(rerun) == f"stored {EVENTS}\n".encode()
        assert _counts_now(url) == done, stop


def test_the_service_stores_through_the_deriver(tmp_path: Path) -> None:
    """The app wires `TelemetryDeriver` as its `ha_store_rows` (what the fault test above exercises)."""
    from fastapi.testclient import TestClient

    from device_intelligence.app import create_app
    from device_intelligence.ingest.ha_events import TelemetryDeriver
    from device_intelligence.settings import DeviceIntelligenceSettings

    settings = DeviceIntelligenceSettings(
        data_dir=tmp_path, models_dir=tmp_path / "models", training_enabled=False, _env_file=None
    )
    with TestClient(create_app(settings)) as client:
        assert isinstance(client.app.state.ha_store_rows, TelemetryDeriver)  # type: ignore[attr-defined]
        when = "2026-11-02T08:00:00+00:00"
        event = {
            "event_type": "state_changed",
            "time_fired": when,
            "data": {
                "entity_id": "sensor.plug_battery",
                "old_state": None,
                "new_state": {
                    "entity_id": "sensor.plug_battery",
                    "state": "80",
                    "attributes": {"device_class": "battery"},
                    "last_changed": when,
                    "last_updated": when,
                },
            },
        }
        answer = client.post("/api/ha/events", json={"events": [event]})
        assert answer.status_code == 200, answer.text
        assert json.loads(answer.text)["stored"] == 1
    # committed together: the event and the device-day it derived
    assert _counts_now(settings.resolved_database_url()) == {"events": 1, "partials": 1, "telemetry": 1}
