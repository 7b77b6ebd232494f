"""Fixtures: HA core (`hass`, from pytest-homeassistant-custom-component), canned service answers, an HA device."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.homeiq.const import CONF_AI_URL, CONF_DEVICE_URL, DOMAIN

REPO = Path(__file__).resolve().parents[3]
AI = "http://ai.test:8018"
DI = "http://di.test:8019"
KEY = "s3cret-key-value"
ENTRY_DATA = {CONF_AI_URL: AI, CONF_DEVICE_URL: DI, CONF_API_KEY: KEY}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> Iterator[None]:
    """Let HA load custom_components/homeiq."""
    return


def health(service: str) -> dict[str, Any]:
    """A `/health` answer of `service`."""
    return {
        "service": service,
        "version": "0.1.0",
        "status": "healthy",
        "checks": {},
        "models": {"loading": False, "loaded": {}},
    }


def model_info(
    name: str, version: str = "v0003-20261201T020000Z", trained: datetime | None = None
) -> dict[str, Any]:
    """A `GET .../model-info` envelope."""
    when = (trained or datetime.now(UTC) - timedelta(days=2)).isoformat()
    return {"status": "success", "task": name, "model_info": {"is_loaded": True, "model_name": name, "model_version": version,
            "training_date": when, "gates_verdict": "PASSED"}}  # fmt: skip


def risk(device_id: str, probability: float, at_risk: bool) -> dict[str, Any]:
    """One entry of `GET /api/devices/risk`."""
    return {
        "device_id": device_id, "failure_probability": probability,
        "risk_level": "critical" if probability >= 80 else "minimal", "will_fail_within_horizon": at_risk,
        "horizon_days": 7, "anomaly_score": 0.61, "is_anomaly": at_risk, "confidence": 0.8,
        "recommendations": ["Replace the battery"] if at_risk else [],
        "drivers": [{"feature": "battery_level_slope_7d", "contribution": 0.42}, {"feature": "connection_drops_7d", "contribution": 0.11}] if at_risk else [],
        "history_days_used": 14, "used_snapshot_only": False, "predicted_at": datetime.now(UTC).isoformat(),
        "model_version": "v0003-20261201T020000Z", "last_reading": "2026-12-06T00:00:00+00:00",
    }  # fmt: skip


def risks(*entries: dict[str, Any]) -> dict[str, Any]:
    """`GET /api/devices/risk`."""
    return {
        "devices": list(entries),
        "count": len(entries),
        "model_version": "v0003-20261201T020000Z",
        "horizon_days": 7,
        "window_days": 7,
    }


HOME_TYPE = {
    "home_id": "default", "home_type": "apartment", "confidence": 0.74,
    "probabilities": {"apartment": 0.74, "condo": 0.2, "single_family_house": 0.06},
    "model_version": "v0002-20261130T030000Z", "confirmed_home_type": None, "devices_from": "snapshot", "events_used": 1200,
    "caveats": ["the only areas are HA's three onboarding ones (living room, kitchen, bedroom), none used: "
                "the area features describe names, not where anything is"],
}  # fmt: skip


def mock_services(
    aioclient_mock: AiohttpClientMocker,
    device_risks: dict[str, Any],
    *,
    events_status: int = 200,
    di_down: bool = False,
    di_trained: datetime | None = None,
    detect: dict[str, Any] | None = None,
    home_type: dict[str, Any] | None = None,
) -> None:
    """Both services answering: health, model info, risks, home type, events and snapshots accepted.

    `home_type`: the home-type answer (None: `HOME_TYPE`, whose caveat says the areas hold nothing).

    `detect`: the synergy answer (None: the route is missing, as on a service without suggestions).
    Whatever answered before, and the calls recorded so far, are cleared first.
    """
    aioclient_mock.clear_requests()
    if di_down:
        aioclient_mock.get(f"{DI}/api/predictions/model-info", exc=aiohttp.ClientConnectionError("down"))
    aioclient_mock.get(f"{AI}/health", json=health("ai-automation"))
    aioclient_mock.get(f"{DI}/health", json=health("device-intelligence"))
    aioclient_mock.get(
        f"{DI}/api/predictions/model-info", json=model_info("failure_prediction", trained=di_trained)
    )
    aioclient_mock.get(
        f"{AI}/api/home-type/model-info", json=model_info("home_type_full", "v0002-20261130T030000Z")
    )
    aioclient_mock.get(f"{DI}/api/devices/risk", json=device_risks)
    aioclient_mock.get(f"{AI}/api/ha/home-type", json=HOME_TYPE if home_type is None else home_type)
    if detect is None:  # an ai-automation without synergies
        aioclient_mock.post(
            f"{AI}/api/synergies/detect", status=404, json={"type": "not-found", "detail": "no route"}
        )
    else:
        aioclient_mock.post(f"{AI}/api/synergies/detect", json=detect)
    for url in (AI, DI):
        aioclient_mock.post(
            f"{url}/api/ha/events",
            status=events_status,
            json={"received": 0, "stored": 0, "duplicates": 0, "home_id": "default"},
        )
        aioclient_mock.post(
            f"{url}/api/ha/snapshot", json={"home_id": "default", "areas": 0, "devices": 0, "home_type": None}
        )


@pytest.fixture
def entry(hass: HomeAssistant) -> MockConfigEntry:
    """A HomeIQ config entry (not set up yet)."""
    config_entry = MockConfigEntry(domain=DOMAIN, data=ENTRY_DATA, unique_id=f"{AI}|{DI}", title="HomeIQ")
    config_entry.add_to_hass(hass)
    return config_entry


@pytest.fixture
def plug(hass: HomeAssistant) -> dr.DeviceEntry:
    """An HA device of another integration (a Zigbee plug) that device-intelligence knows."""
    other = MockConfigEntry(domain="zha", title="Zigbee")
    other.add_to_hass(hass)
    return dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id,
        identifiers={("zha", "00:11:22:33")},
        name="Hall plug",
        manufacturer="IKEA",
    )


async def set_up(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    entry: MockConfigEntry,
    device_risks: dict[str, Any],
    **answers: Any,
) -> None:
    """Both services answering (`mock_services`), then the entry set up and HA idle again."""
    mock_services(aioclient_mock, device_risks, **answers)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def services_python() -> str:
    """The services' Python (3.11, `.venv`): `make test-ha` passes it as HOMEIQ_SERVICE_PYTHON."""
    python = os.environ.get("HOMEIQ_SERVICE_PYTHON") or str(REPO / ".venv" / "bin" / "python")
    if not Path(python).exists():
        pytest.skip(f"no services' Python at {python}: run through `make test-ha` (it builds .venv)")
    return python
