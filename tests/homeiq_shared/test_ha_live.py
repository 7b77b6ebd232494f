"""Live HA pull against a real local server speaking HA's websocket and REST protocols: registries become the
home's snapshot, history becomes stored events once, with the token; an unreachable HA is only recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from homeiq_shared.ha_events import count_events, store_events
from homeiq_shared.ha_live import LivePullConfig, LivePuller, history_to_events
from homeiq_shared.ha_snapshots import list_snapshots
from homeiq_shared.ha_websocket import HaWebsocketError, fetch_registries, websocket_url
from homeiq_shared.settings import ServiceSettings
from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker

from .fake_home_assistant import TOKEN, FakeHomeAssistant, running

NOW = datetime(2026, 11, 2, tzinfo=UTC)


def _state(entity_id: str, state: str, at: datetime) -> dict[str, Any]:
    t = at.isoformat()
    return {"entity_id": entity_id, "state": state, "attributes": {}, "last_changed": t, "last_updated": t}


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    await create_tables(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


def _home() -> FakeHomeAssistant:
    history = {
        "light.hall": [
            _state("light.hall", s, NOW - timedelta(hours=h)) for h, s in ((5, "on"), (4, "off"), (1, "on"))
        ],
        "sensor.hall_battery": [_state("sensor.hall_battery", "77", NOW - timedelta(hours=3))],
    }
    registries: dict[str, list[dict[str, Any]]] = {
        "floors": [{"floor_id": "eg", "name": "Erdgeschoss", "level": 0, "aliases": [], "icon": None}],
        "areas": [
            {"area_id": "flur", "name": "Flur", "floor_id": "eg", "aliases": [], "labels": []},
            {"area_id": "garten", "name": "Garden", "floor_id": None, "aliases": [], "labels": []},
        ],
        "devices": [{"id": "d1", "area_id": "flur", "name": "Hall sensor", "identifiers": [["zha", "x"]]}],
        "entities": [
            {"entity_id": "light.hall", "device_id": None, "area_id": "flur", "disabled_by": None},
            {"entity_id": "sensor.hall_battery", "device_id": "d1", "area_id": None, "disabled_by": None},
            {"entity_id": "switch.unused", "device_id": None, "area_id": None, "disabled_by": "user"},
        ],
    }
    return FakeHomeAssistant(history=history, registries=registries)


def _puller(
    fake: FakeHomeAssistant, sessions: async_sessionmaker[AsyncSession], state: Path, **kw: Any
) -> LivePuller:
    token = kw.pop("token", TOKEN)
    return LivePuller(LivePullConfig(url=fake.url, token=token), sessions, state, **kw)


async def test_pull_stores_registries_and_history_once_and_remembers_where_it_ended(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    hooked: list[int] = []

    async def store_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
        hooked.append(len(rows))
        return await store_events(session, rows)

    async with running(_home()) as fake:
        puller = _puller(fake, sessions, tmp_path / "live.json", store_rows=store_rows)
        first = await puller.pull_once(now=NOW)
        assert first["status"] == "ok", first
        assert (first["entities"], first["events"], first["stored"]) == (2, 4, 4)
        assert first["registries"] == {"floors": 1, "areas": 2, "devices": 1, "entities": 2}
        assert [m["type"] for m in fake.received] == [
            "auth",
            "config/floor_registry/list",
            "config/area_registry/list",
            "config/device_registry/list",
            "config/entity_registry/list",
        ]
        assert fake.received[0]["access_token"] == TOKEN
        assert fake.rest_calls == [
            "/api/states",
            f"/api/history/period/{(NOW - timedelta(hours=24)).isoformat()}",
        ]
        assert hooked == [4]
        # a restarted puller reads where the last pull ended: the next window holds nothing new
        again = _puller(fake, sessions, tmp_path / "live.json")
        second = await again.pull_once(now=NOW + timedelta(minutes=15))
        assert second["since"] == NOW.isoformat()
        assert second["stored"] == 0
        await puller.stop()
        await again.stop()
    async with sessions() as session:
        assert await count_events(session) == 4
        (snapshot,) = await list_snapshots(session)
    assert snapshot.source == "live"
    assert {a["name"]: (a["floor"], a["floor_level"], a["type"]) for a in snapshot.areas} == {
        "Flur": ("Erdgeschoss", 0, "indoor"),
        "Garden": (None, None, "outdoor"),
    }
    assert {d["entity_id"]: (d["area"], d["protocol"]) for d in snapshot.devices} == {
        "light.hall": ("Flur", "other"),
        "sensor.hall_battery": ("Flur", "zigbee"),
    }
    status = again.status()
    assert status.ok
    assert (status.entities, status.areas, status.devices, status.registry_entities) == (2, 2, 1, 2)
    assert status.last_pull == NOW + timedelta(minutes=15)
    assert status.last_error is None


async def test_an_older_ha_without_floors_still_gives_its_areas() -> None:
    fake = _home()
    fake.floors_supported = False
    async with running(fake):
        registries = await fetch_registries(websocket_url(fake.url), TOKEN)
    assert registries["floors"] == []
    assert [a["area_id"] for a in registries["areas"]] == ["flur", "garten"]


async def test_wrong_token_or_unreachable_ha_is_recorded_not_raised(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with running(_home()) as fake:
        bad = _puller(fake, sessions, tmp_path / "live.json", token="wrong")
        result = await bad.pull_once(now=NOW)
        with pytest.raises(HaWebsocketError, match="refused the token"):
            await fetch_registries(websocket_url(fake.url), "wrong")
    assert result["status"] == "error"
    assert "refused the token" in result["error"]
    assert "401" in result["error"]
    status = bad.status()
    assert (status.ok, status.last_pull, status.last_error_at) == (False, None, NOW)
    down = LivePuller(LivePullConfig(url="http://127.0.0.1:9", token=TOKEN), sessions, tmp_path / "down.json")
    failed = await down.pull_once(now=NOW)
    assert failed["status"] == "error"
    assert (
        "registries: Home Assistant websocket ws://127.0.0.1:9/api/websocket unreachable" in failed["error"]
    )
    async with sessions() as session:
        assert await count_events(session) == 0
    await bad.stop()
    await down.stop()


def test_history_chains_old_and_new_states() -> None:
    history = [
        [_state("lock.door", "locked", NOW), _state("lock.door", "unlocked", NOW + timedelta(minutes=1))]
    ]
    first, second = history_to_events(history)
    assert first["data"]["old_state"] is None
    assert second["data"]["old_state"]["state"] == "locked"
    assert second["data"]["new_state"]["state"] == "unlocked"


def test_ha_url_and_token_are_read_without_the_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HA_URL", "http://homeassistant.local:8123")
    monkeypatch.setenv("HA_TOKEN", "abc")
    settings = ServiceSettings(_env_file=None)
    assert settings.ha_url == "http://homeassistant.local:8123"
    assert settings.ha_token is not None
    assert settings.ha_token.get_secret_value() == "abc"
    assert ServiceSettings(ha_url=None, _env_file=None).ha_pull_minutes == 15
