"""device-intelligence behind the same request guard: bulk routes get the bulk limit, control calls the small
one, the key is checked before the body, and `/health` reports how mutating calls are protected."""

from __future__ import annotations

from pathlib import Path

import httpx

from device_intelligence.app import create_app
from device_intelligence.settings import DeviceIntelligenceSettings

KEY = {"X-HomeIQ-API-Key": "k"}


async def test_telemetry_is_bulk_failures_are_control_and_health_reports_security(tmp_path: Path) -> None:
    settings = DeviceIntelligenceSettings.model_validate(
        {
            "data_dir": tmp_path / "data",
            "models_dir": tmp_path / "models",
            "api_key": "k",
            "max_body_bytes": 2048,
            "max_bulk_body_bytes": 16 * 1024,
        }
    )
    padded = b'{"readings": [' + b" " * 5000 + b"]}"  # above the control limit, below the bulk one
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://di") as client,
    ):
        unauthenticated = await client.post("/api/telemetry", content=b" " * (32 * 1024))
        telemetry = await client.post("/api/telemetry", content=padded, headers=KEY)
        failures = await client.post("/api/failures", content=padded, headers=KEY)
        too_big = await client.post("/api/telemetry", content=b" " * (32 * 1024), headers=KEY)
        health = (await client.get("/health")).json()
    assert unauthenticated.status_code == 401  # the key first, whatever the size
    assert telemetry.status_code == 422  # read and validated: under the bulk limit
    assert failures.status_code == 413
    assert "DEVICE_INTELLIGENCE_MAX_BODY_BYTES" in failures.json()["detail"]
    assert too_big.status_code == 413
    assert "DEVICE_INTELLIGENCE_MAX_BULK_BODY_BYTES" in too_big.json()["detail"]
    assert health["security"] == {
        "api_key": True,
        "bound_to": "loopback",
        "mutating_calls": "key required",
        "warning": None,
        "max_body_bytes": 2048,
        "max_bulk_body_bytes": 16 * 1024,
    }
    assert str(tmp_path) not in str(health["checks"])
