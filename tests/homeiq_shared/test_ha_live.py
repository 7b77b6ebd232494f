"""Live HA pull: REST history becomes stored events once, with the token; an unreachable HA is only logged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from homeiq_shared.ha_events import count_events, store_events
from homeiq_shared.ha_live import LivePullConfig, LivePuller, history_to_events
from homeiq_shared.settings import ServiceSettings
from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker

NOW = datetime(2026, 11, 2, tzinfo=UTC)
TOKEN = "long-lived-token"


def _state(entity_id: str, state: str, at: datetime) -> dict[str, Any]:
    t = at.isoformat()
    return {"entity_id": entity_id, "state": state, "attributes": {}, "last_changed": t, "last_updated": t}


def fake_home_assistant(calls: list[str]) -> FastAPI:
    """A stand-in for HA's REST API: the two endpoints, the bearer check and the filter HA requires."""
    app = FastAPI()
    history = {
        "light.hall": [
            _state("light.hall", s, NOW - timedelta(hours=h)) for h, s in ((5, "on"), (4, "off"), (1, "on"))
        ],
        "sensor.hall_battery": [_state("sensor.hall_battery", "77", NOW - timedelta(hours=3))],
    }

    def check(request: Request) -> None:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            raise HTTPException(401)

    @app.get("/api/states")
    async def states(request: Request) -> list[dict[str, Any]]:
        check(request)
        return [rows[-1] for rows in history.values()]

    @app.get("/api/history/period/{start}")
    async def period(
        start: str, request: Request, filter_entity_id: str, end_time: str
    ) -> list[list[dict[str, Any]]]:
        check(request)
        calls.append(filter_entity_id)
        lo, hi = datetime.fromisoformat(start), datetime.fromisoformat(end_time)
        wanted = filter_entity_id.split(",")
        out = [
            [s for s in history[e] if lo <= datetime.fromisoformat(s["last_updated"]) <= hi] for e in wanted
        ]
        return [rows for rows in out if rows]

    return app


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    await create_tables(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_pull_stores_history_once_and_remembers_where_it_ended(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    calls: list[str] = []
    hooked: list[int] = []

    async def store_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
        hooked.append(len(rows))
        return await store_events(session, rows)

    transport = httpx.ASGITransport(app=fake_home_assistant(calls))
    config = LivePullConfig(url="http://ha", token=TOKEN)
    puller = LivePuller(config, sessions, tmp_path / "live.json", store_rows, transport=transport)
    first = await puller.pull_once(now=NOW)
    assert first["status"] == "ok"
    assert (first["entities"], first["events"], first["stored"]) == (2, 4, 4)
    assert calls == ["light.hall,sensor.hall_battery"]
    assert hooked == [4]
    # a restarted puller reads where the last pull ended: the next window holds nothing new
    again = LivePuller(config, sessions, tmp_path / "live.json", transport=transport)
    second = await again.pull_once(now=NOW + timedelta(minutes=15))
    assert second["since"] == NOW.isoformat()
    assert second["stored"] == 0
    async with sessions() as session:
        assert await count_events(session) == 4
    await puller.stop()
    await again.stop()


async def test_wrong_token_or_unreachable_ha_is_recorded_not_raised(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    bad = LivePuller(
        LivePullConfig(url="http://ha", token="wrong"),
        sessions,
        tmp_path / "live.json",
        transport=httpx.ASGITransport(app=fake_home_assistant([])),
    )
    result = await bad.pull_once(now=NOW)
    assert result["status"] == "error"
    assert "401" in result["error"]
    down = LivePuller(LivePullConfig(url="http://127.0.0.1:9", token=TOKEN), sessions, tmp_path / "down.json")
    assert (await down.pull_once(now=NOW))["status"] == "error"
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
