"""`/api/ha/*` mounted on a bare app: batches, idempotence, atomic refusal, snapshots, imports, API key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from homeiq_shared.ha_api import router
from homeiq_shared.ha_events import store_events
from homeiq_shared.problem_details import install_problem_handlers
from homeiq_shared.settings import ServiceSettings
from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker

from .conftest import T0, ha_state_changed


async def _client(
    tmp_path: Path, api_key: str | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, list[Any]]]:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    await create_tables(engine)
    hooked: list[Any] = []

    async def store_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
        hooked.append(len(rows))
        return await store_events(session, rows)

    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.settings = ServiceSettings(api_key=api_key, data_dir=tmp_path, _env_file=None)
    app.state.ha_store_rows = store_rows
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        yield client, hooked
    await engine.dispose()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, list[Any]]]:
    async for pair in _client(tmp_path):
        yield pair


def _batch(n: int) -> list[dict[str, Any]]:
    return [
        ha_state_changed("light.kitchen", "on" if i % 2 else "off", T0 + timedelta(minutes=i))
        for i in range(n)
    ]


async def test_same_batch_twice_stores_once(client: tuple[httpx.AsyncClient, list[Any]]) -> None:
    http, hooked = client
    first = await http.post("/api/ha/events", json={"events": _batch(40)})
    second = await http.post("/api/ha/events", json={"events": _batch(40)})
    assert first.json()["stored"] == 40
    assert second.json() == {"received": 40, "stored": 0, "duplicates": 40, "home_id": "default"}
    assert hooked == [40, 40]
    summary = (await http.get("/api/ha/summary")).json()
    assert summary["stored_events"] == 40
    assert summary["entities"] == 1


async def test_malformed_event_refuses_the_whole_batch(client: tuple[httpx.AsyncClient, list[Any]]) -> None:
    http, _ = client
    batch = _batch(10)
    batch[7]["data"]["entity_id"] = "not an entity"
    response = await http.post("/api/ha/events", json={"events": batch})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "events[7]" in response.json()["detail"]
    assert response.json()["problems"][0]["index"] == 7
    assert (await http.get("/api/ha/summary")).json()["stored_events"] == 0


async def test_snapshot_with_confirmed_type(client: tuple[httpx.AsyncClient, list[Any]]) -> None:
    http, _ = client
    body = {
        "home_id": "flat-1",
        "areas": [{"name": "Living Room"}, {"name": "Balcony"}],
        "devices": [{"entity_id": "light.living_room", "area": "Living Room"}],
        "home_type": "apartment",
    }
    assert (await http.post("/api/ha/snapshot", json=body)).status_code == 200
    bad = await http.post("/api/ha/snapshot", json={**body, "home_type": "castle"})
    assert bad.status_code == 422
    assert "castle" in bad.json()["detail"]
    homes = (await http.get("/api/ha/summary")).json()["homes"]
    assert homes == [{"home_id": "flat-1", "devices": 1, "confirmed_home_type": "apartment"}]


async def test_import_of_a_config_folder(
    client: tuple[httpx.AsyncClient, list[Any]], ha_config_dir: Path
) -> None:
    http, hooked = client
    report = (
        await http.post("/api/ha/import", json={"config_dir": str(ha_config_dir), "home_id": "h"})
    ).json()
    assert report["schema_version"] == 48
    assert report["stored_new"] == report["states"] > 0
    assert sum(hooked) == report["states"]
    missing = await http.post("/api/ha/import", json={"config_dir": str(ha_config_dir / "nope")})
    assert missing.status_code == 422


async def test_api_key_guards_ingestion(tmp_path: Path) -> None:
    async for http, _ in _client(tmp_path, api_key="k3y"):
        refused = await http.post("/api/ha/events", json={"events": _batch(1)})
        accepted = await http.post(
            "/api/ha/events", json={"events": _batch(1)}, headers={"X-HomeIQ-API-Key": "k3y"}
        )
        assert refused.status_code == 401
        assert accepted.status_code == 200
