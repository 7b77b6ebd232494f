"""`/api/predictions/predict` as a new user calls it: snapshot vs history basis, 0-1 probability, bands, ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from homeiq_shared.contracts.devices import PredictResponse

FAR_PAST = {"battery_level": 5, "error_rate": 0.3, "response_time": 3000, "signal_strength": -92}
HEALTHY = {"battery_level": 90, "error_rate": 0.0, "response_time": 80, "signal_strength": -55}
ALERTED = {"medium", "high", "critical"}


async def _predict(client: httpx.AsyncClient, device_id: str, metrics: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        "/api/predictions/predict", json={"device_id": device_id, "metrics": metrics}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    PredictResponse.model_validate(body)
    return body


async def _store_days(client: httpx.AsyncClient, device_id: str, days: int) -> None:
    now = datetime.now(UTC)
    readings = [
        {"device_id": device_id, "timestamp": (now - timedelta(days=d)).isoformat(), "metrics": HEALTHY}
        for d in range(1, days + 1)
    ]
    stored = await client.post("/api/telemetry", json={"readings": readings})
    assert stored.json()["stored"] == days


def _consistent(answer: dict[str, Any]) -> None:
    p, bands = answer["probability"], answer["risk_bands"]
    assert 0.0 <= p <= 1.0
    assert answer["failure_probability"] == round(100 * p, 2)  # the original's percent, same figure
    assert answer["will_fail_within_horizon"] == (p >= answer["alert_threshold"])
    assert answer["will_fail_within_horizon"] == (answer["risk_level"] in ALERTED)
    assert bands["medium"] == answer["alert_threshold"]
    if answer["risk_level"] != "minimal" or answer["is_anomaly"]:
        assert "Device operating normally" not in answer["recommendations"]


async def test_a_new_users_snapshot_of_a_device_past_every_rule_limit_is_not_minimal(
    di_client: httpx.AsyncClient,
) -> None:
    bad = await _predict(di_client, "sensor.snapshot_bad", FAR_PAST)
    good = await _predict(di_client, "sensor.snapshot_good", HEALTHY)
    for answer in (bad, good):
        _consistent(answer)
        assert answer["basis"] == "snapshot"
        assert answer["history_days_used"] == 1
        assert answer["used_snapshot_only"] is True
        assert answer["history_device_id"] is None
    assert bad["risk_level"] != "minimal"
    assert bad["probability"] > 10 * good["probability"]
    assert bad["will_fail_within_horizon"] is True
    assert good["risk_level"] == "minimal"


async def test_history_basis_from_seven_stored_days_under_the_device_or_an_entity_id(
    di_client: httpx.AsyncClient,
) -> None:
    await _store_days(di_client, "kitchen_motion", 3)
    few = await _predict(di_client, "kitchen_motion", HEALTHY)
    assert (few["basis"], few["history_days_available"], few["history_device_id"]) == (
        "snapshot",
        4,
        "kitchen_motion",
    )
    await _store_days(di_client, "hallway_sensor", 9)
    # Named by the device id, or by one of its entity ids (mapped as ingestion maps them: suffix dropped).
    for name in ("hallway_sensor", "sensor.hallway_sensor_battery"):
        answer = await _predict(di_client, name, FAR_PAST)
        _consistent(answer)
        assert answer["device_id"] == name
        assert answer["history_device_id"] == "hallway_sensor"
        assert answer["basis"] == "history"
        assert answer["history_days_used"] == 10
        assert answer["used_snapshot_only"] is False


async def test_an_entity_id_is_found_through_the_stored_registry_snapshot(
    di_client: httpx.AsyncClient,
) -> None:
    snapshot = {
        "home_id": "default",
        "devices": [{"entity_id": "binary_sensor.front_door", "device_id": "9f3c2a1b"}],
    }
    assert (await di_client.post("/api/ha/snapshot", json=snapshot)).status_code == 200
    await _store_days(di_client, "9f3c2a1b", 8)
    answer = await _predict(di_client, "binary_sensor.front_door", HEALTHY)
    assert (answer["history_device_id"], answer["basis"]) == ("9f3c2a1b", "history")


async def test_model_status_carries_the_bands_of_both_bases(di_client: httpx.AsyncClient) -> None:
    meta = (await di_client.get("/api/predictions/models/status")).json()["model_metadata"]
    bands = meta["risk_bands"]
    assert bands["history"]["medium"] == round(meta["threshold"], 6)
    assert bands["snapshot"]["medium"] == round(bands["snapshot_threshold"], 6)
    assert bands["min_history_days"] == 7
    assert meta["metrics"]["snapshot"]["pr_auc"] > meta["rule_baseline"]["pr_auc"]
