"""`GET /api/devices/risk`: every device with stored telemetry, scored as of its latest day (what HA polls)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from homeiq_shared.contracts.home_views import DeviceRisks


def _history(device: str, drop: float, now: datetime, last_day: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "device_id": device,
            "timestamp": (now - timedelta(days=d)).replace(hour=0, minute=0, second=0, microsecond=0).isoformat(),
            "metrics": {"signal_strength": -60.0 - drop * (14 - d), "connection_drops": drop * (14 - d) / 3,
                        "battery_level": max(2.0, 80.0 - drop * 5 * (14 - d)), "error_rate": 0.01 + drop * (14 - d) / 100},
        }
        for d in range(last_day, last_day + 14)
    ]  # fmt: skip


async def test_known_devices_are_listed_riskiest_first_with_their_latest_day(
    di_client: httpx.AsyncClient,
) -> None:
    now = datetime.now(UTC)
    readings = (
        _history("dev_ok", 0.0, now) + _history("dev_bad", 1.5, now) + _history("dev_old", 0.0, now, 20)
    )
    assert (await di_client.post("/api/telemetry", json={"readings": readings})).status_code == 200

    response = await di_client.get("/api/devices/risk")
    assert response.status_code == 200, response.text
    risks = DeviceRisks.model_validate(response.json())
    assert [d.device_id for d in risks.devices] == ["dev_bad", "dev_ok"]  # dev_old: nothing in 7 days
    assert risks.count == 2
    bad, ok = risks.devices
    assert bad.failure_probability > ok.failure_probability
    assert bad.history_days_used > 1
    assert not bad.used_snapshot_only
    yesterday = (now - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert bad.last_reading == yesterday
    assert risks.horizon_days == bad.horizon_days == 7
    assert risks.model_version == bad.model_version

    wide = DeviceRisks.model_validate((await di_client.get("/api/devices/risk?window_days=60")).json())
    assert {d.device_id for d in wide.devices} == {"dev_ok", "dev_bad", "dev_old"}
    assert (await di_client.get("/api/devices/risk?limit=1")).json()["count"] == 1


async def test_no_telemetry_is_an_empty_list_and_bad_parameters_a_422(di_client: httpx.AsyncClient) -> None:
    empty = await di_client.get("/api/devices/risk")
    assert empty.status_code == 200
    assert empty.json()["devices"] == []
    bad = await di_client.get("/api/devices/risk?window_days=0")
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


async def test_without_a_model_it_is_503_no_model(empty_client: httpx.AsyncClient) -> None:
    response = await empty_client.get("/api/devices/risk")
    assert response.status_code == 503
    assert "no production model" in response.json()["detail"]
