"""Config flow: created after both /health answers and the key check; cannot_connect; invalid_auth; reauth."""

from __future__ import annotations

from unittest.mock import patch

import aiohttp
from homeassistant import config_entries
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.homeiq.const import API_KEY_HEADER, DOMAIN

from .conftest import AI, DI, ENTRY_DATA, KEY, health, mock_services, risks

SETUP = "custom_components.homeiq.async_setup_entry"


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return str(result["flow_id"])


async def test_entry_created_once_both_services_answer_and_take_the_key(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_services(aioclient_mock, risks())
    flow_id = await _start(hass)
    with patch(SETUP, return_value=True) as setup:
        result = await hass.config_entries.flow.async_configure(flow_id, {**ENTRY_DATA, "ai_url": f"{AI}/"})
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == ENTRY_DATA  # the trailing slash normalised away
    assert len(setup.mock_calls) == 1
    calls = {(str(method), str(url)): headers for method, url, _, headers in aioclient_mock.mock_calls}
    assert ("GET", f"{AI}/health") in calls
    assert ("GET", f"{DI}/health") in calls
    assert calls[("POST", f"{DI}/api/ha/events")][API_KEY_HEADER] == KEY

    # the same pair again is refused
    again = await _start(hass)
    result = await hass.config_entries.flow.async_configure(again, ENTRY_DATA)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_unreachable_service_is_cannot_connect_and_the_user_can_retry(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(f"{AI}/health", json=health("ai-automation"))
    aioclient_mock.post(
        f"{AI}/api/ha/events", json={"received": 0, "stored": 0, "duplicates": 0, "home_id": "default"}
    )
    aioclient_mock.get(f"{DI}/health", exc=aiohttp.ClientConnectionError("refused"))
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, ENTRY_DATA)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert not hass.config_entries.async_entries(DOMAIN)

    mock_services(aioclient_mock, risks())
    with patch(SETUP, return_value=True):
        result = await hass.config_entries.flow.async_configure(flow_id, ENTRY_DATA)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_swapped_urls_are_named(hass: HomeAssistant, aioclient_mock: AiohttpClientMocker) -> None:
    aioclient_mock.get(f"{AI}/health", json=health("device-intelligence"))
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, ENTRY_DATA)
    assert result["errors"] == {"base": "wrong_service"}


async def test_refused_key_is_invalid_auth(hass: HomeAssistant, aioclient_mock: AiohttpClientMocker) -> None:
    aioclient_mock.get(f"{AI}/health", json=health("ai-automation"))
    aioclient_mock.post(f"{AI}/api/ha/events", status=401, json={"type": "unauthorized", "detail": "bad key"})
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, ENTRY_DATA)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}


async def test_reauth_checks_the_new_key_and_updates_the_entry(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=ENTRY_DATA, unique_id=f"{AI}|{DI}")
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"

    aioclient_mock.get(f"{AI}/health", json=health("ai-automation"))
    aioclient_mock.post(f"{AI}/api/ha/events", status=401, json={"type": "unauthorized", "detail": "bad key"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_API_KEY: "still-wrong"})
    assert result["errors"] == {"base": "invalid_auth"}

    mock_services(aioclient_mock, risks())
    with patch(SETUP, return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_API_KEY: "new-key"})
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_API_KEY] == "new-key"
    sent = [
        headers
        for method, url, _, headers in aioclient_mock.mock_calls
        if str(url).endswith("/api/ha/events")
    ]
    assert sent
    assert all(h[API_KEY_HEADER] == "new-key" for h in sent)
