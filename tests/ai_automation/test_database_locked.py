"""A write that finds SQLite locked by another writer past the busy timeout is a 503 with `Retry-After`."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings
from homeiq_shared.problem_details import PROBLEM_JSON
from homeiq_shared.storage import make_engine

SNAPSHOT = {"home_id": "locked-home", "areas": [{"name": "Kitchen"}], "devices": []}


@pytest.fixture
async def app_and_db(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Path]]:
    """The app on a SQLite file whose writes wait only 50 ms for a lock (the busy timeout)."""
    settings = AiAutomationSettings(
        data_dir=tmp_path / "data", models_dir=tmp_path / "models", sqlite_busy_timeout_ms=50, _env_file=None
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai") as client:
            yield client, tmp_path / "data" / settings.database_file_name()


async def test_the_engine_uses_wal_and_the_configured_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", busy_timeout_ms=50)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 50
    finally:
        await engine.dispose()


async def test_a_write_blocked_by_another_writer_is_a_503_with_retry_after(
    app_and_db: tuple[httpx.AsyncClient, Path],
) -> None:
    client, db = app_and_db
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # holds the one write lock until the rollback below
        response = await client.post("/api/ha/snapshot", json=SNAPSHOT)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == PROBLEM_JSON
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["type"].endswith("/database-locked")
        other.execute("ROLLBACK")
        # the lock released, the same write goes through
        assert (await client.post("/api/ha/snapshot", json=SNAPSHOT)).status_code == 200
    finally:
        other.close()
