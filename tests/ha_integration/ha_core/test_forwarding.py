"""Data in: state changes reach both services in batches; a service that fails gets them again later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.homeiq.const import API_KEY_HEADER, BATCH_MAX_EVENTS

from .conftest import AI, DI, KEY, mock_services, risks, set_up


def _batches(aioclient_mock: AiohttpClientMocker, base: str) -> list[list[dict[str, Any]]]:
    return [
        data["events"]
        for method, url, data, _ in aioclient_mock.mock_calls
        if method.lower() == "post" and str(url) == f"{base}/api/ha/events" and data["events"]
    ]


async def _advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))  # HA's clock moves; the timers due by then fire
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_events_go_in_batches_with_the_key_and_only_the_attributes_the_services_read(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up(hass, aioclient_mock, entry, risks())
    aioclient_mock.mock_calls.clear()

    for i in range(BATCH_MAX_EVENTS + 20):
        hass.states.async_set("sensor.hall_temperature", str(20 + i % 7), {"device_class": "temperature", "state_class": "measurement", "huge": "x" * 20_000})  # fmt: skip
    await hass.async_block_till_done()  # a full batch is sent at once, without waiting for the timer
    await _advance(hass, freezer, 11)

    for base in (AI, DI):
        batches = _batches(aioclient_mock, base)
        assert [len(b) for b in batches] == [BATCH_MAX_EVENTS, 20]
        first = batches[0][0]
        assert first["event_type"] == "state_changed"
        assert first["data"]["new_state"]["attributes"] == {
            "device_class": "temperature",
            "state_class": "measurement",
        }
        assert first["time_fired"].endswith("+00:00")
    keys = {
        h[API_KEY_HEADER] for m, u, _, h in aioclient_mock.mock_calls if str(u).endswith("/api/ha/events")
    }
    assert keys == {KEY}
    # who caused a change travels with it: here a user through HA (the UI, the app)
    hass.states.async_set("light.hall", "on", context=Context(user_id="0123abcd"))
    await _advance(hass, freezer, 11)
    by_user = _batches(aioclient_mock, AI)[-1][-1]
    assert by_user["data"]["entity_id"] == "light.hall"
    assert by_user["context"]["user_id"] == "0123abcd"
    assert by_user["context"]["parent_id"] is None
    assert first["context"]["user_id"] is None
    # the integration's own entities are never sent back
    sent = {e["data"]["entity_id"] for b in _batches(aioclient_mock, AI) for e in b}
    assert sent == {"sensor.hall_temperature", "light.hall"}


async def test_a_failed_batch_is_retried_with_backoff_and_nothing_is_lost(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up(hass, aioclient_mock, entry, risks())

    mock_services(aioclient_mock, risks(), events_status=503)  # a service restarting
    for state in ("on", "off", "on"):
        hass.states.async_set("light.kitchen", state)
    await _advance(hass, freezer, 11)
    failed = _batches(aioclient_mock, DI)
    assert [len(b) for b in failed] == [3]
    queue = entry.runtime_data.forwarder.queues["device_intelligence"]
    assert len(queue.pending) == 3
    assert queue.backoff_s == 5.0

    hass.states.async_set("light.kitchen", "off")
    await _advance(hass, freezer, 11)  # 503 again: the backoff doubles
    assert queue.backoff_s == 10.0
    assert len(queue.pending) == 4

    mock_services(aioclient_mock, risks())  # back
    await _advance(hass, freezer, 25)
    delivered = _batches(aioclient_mock, DI)
    assert [[e["data"]["new_state"]["state"] for e in b] for b in delivered] == [["on", "off", "on", "off"]]
    assert len(queue.pending) == 0
    assert queue.backoff_s == 0.0
    assert queue.failures == 2


async def test_a_refused_key_pauses_forwarding_and_asks_for_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await set_up(hass, aioclient_mock, entry, risks())
    mock_services(aioclient_mock, risks(), events_status=401)
    hass.states.async_set("light.kitchen", "on")
    await _advance(hass, freezer, 11)
    flows = hass.config_entries.flow.async_progress_by_handler("homeiq")
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    assert entry.runtime_data.forwarder.queues["ai_automation"].paused
    assert len(entry.runtime_data.forwarder.queues["ai_automation"].pending) == 1  # kept for the new key
