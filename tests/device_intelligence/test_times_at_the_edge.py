"""Telemetry and failure times: offsets are kept (stored and read back as UTC), impossible times are
a 422 naming the field, and raw NaN / Infinity / 1e400 literals are refused, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from device_intelligence.app import create_app
from device_intelligence.tables import ConfirmedFailure, TelemetryReading

from .conftest import make_settings


@pytest.fixture
async def app_client(tmp_path: Path) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """An app (no models needed) and a client talking to it; the test reads the database it writes."""
    app = create_app(make_settings(tmp_path, tmp_path / "empty-models"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://di") as client:
            yield app, client


def reading(at: str, battery: float = 80) -> dict[str, Any]:
    return {"device_id": "dev1", "timestamp": at, "metrics": {"battery_level": battery}}


async def test_an_offset_is_kept_so_distinct_times_stay_distinct(
    app_client: tuple[Any, httpx.AsyncClient],
) -> None:
    app, client = app_client
    first = await client.post("/api/telemetry", json=reading("2025-06-01T08:00:00+02:00", 70))
    assert first.json() == {"received": 1, "stored": 1, "duplicates": 0}
    # 08:00Z is two hours after 08:00+02:00: a new reading, not a duplicate
    second = await client.post("/api/telemetry", json=reading("2025-06-01T08:00:00Z", 71))
    assert second.json() == {"received": 1, "stored": 1, "duplicates": 0}
    # 06:00Z is the same instant as 08:00+02:00: a duplicate, not a second row
    third = await client.post("/api/telemetry", json=reading("2025-06-01T06:00:00+00:00", 72))
    assert third.json() == {"received": 1, "stored": 0, "duplicates": 1}
    async with app.state.sessionmaker() as session:
        stored = (await session.scalars(select(TelemetryReading).order_by(TelemetryReading.timestamp))).all()
    assert [(r.timestamp, r.battery_level) for r in stored] == [
        (datetime(2025, 6, 1, 6, tzinfo=UTC), 70),
        (datetime(2025, 6, 1, 8, tzinfo=UTC), 71),
    ]
    assert all(r.timestamp.tzinfo is UTC for r in stored)


async def test_a_failure_time_with_an_offset_is_answered_and_matched_in_utc(
    app_client: tuple[Any, httpx.AsyncClient],
) -> None:
    app, client = app_client
    body = {"device_id": "dev1", "failed_at": "2025-03-01T12:00:00+02:00"}
    first = await client.post("/api/failures", json=body)
    assert first.status_code == 201, first.text
    assert first.json()["failed_at"] == "2025-03-01T10:00:00Z"
    same = await client.post("/api/failures", json={**body, "failed_at": "2025-03-01T10:00:00Z"})
    assert (same.status_code, same.json()["id"]) == (200, first.json()["id"])
    other = await client.post("/api/failures", json={**body, "failed_at": "2025-03-01T12:00:00Z"})
    assert other.status_code == 201
    async with app.state.sessionmaker() as session:
        stored = (await session.scalars(select(ConfirmedFailure).order_by(ConfirmedFailure.failed_at))).all()
    assert [f.failed_at for f in stored] == [
        datetime(2025, 3, 1, 10, tzinfo=UTC),
        datetime(2025, 3, 1, 12, tzinfo=UTC),
    ]
    assert all(f.recorded_at.tzinfo is UTC for f in stored)


@pytest.mark.parametrize(
    "literal",
    ["NaN", "Infinity", "-Infinity", "1e400", "5e12", '"2100-01-01T00:00:00Z"', '"1969-12-31T23:59:59Z"'],
)
async def test_an_impossible_time_is_a_422_naming_the_field(
    app_client: tuple[Any, httpx.AsyncClient], literal: str
) -> None:
    _, client = app_client
    telemetry = '{"readings": [{"device_id": "d", "timestamp": TIME, "metrics": {}}]}'.replace(
        "TIME", literal
    )
    failure = '{"device_id": "d", "failed_at": TIME}'.replace("TIME", literal)
    for path, body, field in (
        ("/api/telemetry", telemetry, "readings.0.timestamp"),
        ("/api/failures", failure, "failed_at"),
    ):
        response = await client.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422, (path, literal, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.json()["detail"]
    health = await client.get("/health")
    assert health.json()["storage"]["telemetry_readings"] == 0
    assert health.json()["storage"]["confirmed_failures"] == 0
