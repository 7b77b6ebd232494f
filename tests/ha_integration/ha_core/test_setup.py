"""Set up from a coordinator payload: entities on the right devices, repairs raised and cleared, unload."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.homeiq.const import DOMAIN

from .conftest import AI, DI, HOME_TYPE, KEY, mock_services, risk, risks, set_up


def _entity(hass: HomeAssistant, platform: str, unique_suffix: str) -> str:
    return next(
        e.entity_id
        for e in er.async_get(hass).entities.values()
        if e.platform == DOMAIN and e.unique_id.endswith(unique_suffix)
    )


async def test_entities_on_the_ha_device_with_state_and_attributes(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry: MockConfigEntry, plug: dr.DeviceEntry
) -> None:
    await set_up(
        hass, aioclient_mock, entry, risks(risk(plug.id, 91.5, True), risk("not-an-ha-device", 3.0, False))
    )
    assert entry.state is ConfigEntryState.LOADED

    probability = hass.states.get(_entity(hass, "sensor", f"{plug.id}_failure_probability"))
    assert probability is not None
    assert probability.entity_id == "sensor.hall_plug_failure_probability"
    assert float(probability.state) == 91.5
    assert probability.attributes["unit_of_measurement"] == "%"
    assert probability.attributes["risk_level"] == "critical"
    assert probability.attributes["horizon_days"] == 7
    assert "battery_level_slope_7d (+0.42)" in probability.attributes["drivers"]
    at_risk = hass.states.get("binary_sensor.hall_plug_at_risk_of_failure")
    assert at_risk is not None
    assert at_risk.state == STATE_ON
    assert at_risk.attributes["device_class"] == "problem"
    # both live on the plug's own device; nothing was made for a device HA does not have
    registry = er.async_get(hass)
    for entity_id in (probability.entity_id, at_risk.entity_id):
        assert registry.async_get(entity_id).device_id == plug.id
    assert not [e for e in registry.entities.values() if "not-an-ha-device" in e.unique_id]

    home = hass.states.get("sensor.homeiq_ai_automation_home_type")
    assert home.state == "apartment"
    assert home.attributes["confidence"] == 0.74
    assert "onboarding" in home.attributes["caveats"][0]  # the service's caveat reaches the owner
    version = registry.async_get("sensor.homeiq_device_intelligence_model_version")
    assert version.entity_category == "diagnostic"
    assert hass.states.get(version.entity_id).state == "v0003-20261201T020000Z"
    assert (
        hass.states.get("sensor.homeiq_ai_automation_automation_suggestions").state == "unknown"
    )  # not offered

    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"device_failure_{entry.entry_id}_{plug.id}")
    assert issue is not None
    assert issue.translation_key == "device_failure"
    assert issue.translation_placeholders["device"] == "Hall plug"
    assert issue.translation_placeholders["probability"] == "92"
    assert "battery_level_slope_7d" in issue.translation_placeholders["drivers"]

    # the next poll: the plug is fine again -> off, and the repair is gone
    mock_services(aioclient_mock, risks(risk(plug.id, 4.0, False)))
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=6))
    await hass.async_block_till_done()
    assert hass.states.get(at_risk.entity_id).state == STATE_OFF
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"device_failure_{entry.entry_id}_{plug.id}") is None

    # the home type's caveat is a repair too: the owner can fix it by placing devices in areas
    caveat = ir.async_get(hass).async_get_issue(DOMAIN, f"home_type_caveat_{entry.entry_id}")
    assert caveat is not None
    assert caveat.translation_key == "home_type_caveat"
    assert caveat.translation_placeholders["home_type"] == "apartment"
    assert "onboarding" in caveat.translation_placeholders["caveat"]
    for answer in (HOME_TYPE | {"caveats": []}, HOME_TYPE | {"devices_from": "events"}):
        # placed now: no caveat; no registry snapshot stored: its areas are unknown, not empty
        mock_services(aioclient_mock, risks(risk(plug.id, 4.0, False)), home_type=answer)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=40))  # ai-automation: 30 min
        await hass.async_block_till_done()
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"home_type_caveat_{entry.entry_id}") is None
        mock_services(aioclient_mock, risks(risk(plug.id, 4.0, False)))  # the caveat back, from a snapshot
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=80))
        await hass.async_block_till_done()
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"home_type_caveat_{entry.entry_id}") is not None

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get(at_risk.entity_id).state == STATE_UNAVAILABLE


async def test_unreachable_service_and_stale_model_are_repairs_cleared_when_over(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry: MockConfigEntry, plug: dr.DeviceEntry
) -> None:
    await set_up(hass, aioclient_mock, entry, risks(risk(plug.id, 10.0, False)))
    issues = ir.async_get(hass)
    unreachable = f"unreachable_{entry.entry_id}_device_intelligence"
    assert issues.async_get_issue(DOMAIN, unreachable) is None

    mock_services(aioclient_mock, risks(), di_down=True)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=6))
    await hass.async_block_till_done()
    assert issues.async_get_issue(DOMAIN, unreachable).translation_placeholders["url"] == DI
    assert hass.states.get("binary_sensor.hall_plug_at_risk_of_failure").state == STATE_UNAVAILABLE

    old = dt_util.utcnow() - timedelta(days=30)
    mock_services(aioclient_mock, risks(risk(plug.id, 10.0, False)), di_trained=old)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=12))
    await hass.async_block_till_done()
    assert issues.async_get_issue(DOMAIN, unreachable) is None
    stale = issues.async_get_issue(DOMAIN, f"stale_model_{entry.entry_id}_device_intelligence")
    assert stale is not None
    assert stale.translation_placeholders["trained"] == old.date().isoformat()
    assert hass.states.get("binary_sensor.hall_plug_at_risk_of_failure").state == STATE_OFF


async def test_diagnostics_redact_the_key(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    entry: MockConfigEntry,
) -> None:
    await set_up(hass, aioclient_mock, entry, risks())
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"
    assert KEY not in str(diagnostics)
    assert diagnostics["forwarding"]["device_intelligence"]["url"] == DI
    assert diagnostics["ai_automation"]["data"]["home_type"]["home_type"] == "apartment"
    assert AI in str(diagnostics)


async def test_a_watched_sensor_is_scored_from_its_forwarded_readings_and_its_anomaly_shown_on_its_device(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry: MockConfigEntry, plug: dr.DeviceEntry
) -> None:
    er.async_get(hass).async_get_or_create(
        "sensor", "zha", "plug_temp", suggested_object_id="hall_plug_temperature", device_id=plug.id
    )
    await set_up(hass, aioclient_mock, entry, risks(risk(plug.id, 10.0, False)))
    # a sensor with too few readings is not scored; twelve are enough
    attrs = {
        "state_class": "measurement",
        "unit_of_measurement": "°C",
        "friendly_name": "Hall plug temperature",
    }
    for value in ["21.0", "unavailable", *(f"{21 + i % 3 * 0.1:.1f}" for i in range(10)), "48.5", "49.0"]:
        hass.states.async_set("sensor.hall_plug_temperature", value, attrs, force_update=True)
    hass.states.async_set("sensor.not_measured", "3", {"unit_of_measurement": "W"})
    await hass.async_block_till_done()
    flagged = {"timestamp": "2026-12-07T08:00:00+00:00", "anomaly_score": 0.93, "is_anomaly": True}
    aioclient_mock.post(
        f"{DI}/api/anomalies/sensor",
        json={
            "entity_id": "sensor.hall_plug_temperature",
            "unit": "°C",
            "readings": [flagged],
            "spans": [
                {"start": "2026-12-07T07:55:00+00:00", "end": "2026-12-07T08:00:00+00:00", "kind": "spike"}
            ],
            "threshold": 0.7,
            "model_version": "v0003-20261201T020000Z",
        },
    )
    await entry.runtime_data.device_coordinator.async_refresh()
    await hass.async_block_till_done()

    sent = [d for m, u, d, _ in aioclient_mock.mock_calls if str(u).endswith("/api/anomalies/sensor")]
    assert [body["entity_id"] for body in sent] == ["sensor.hall_plug_temperature"]
    assert [r["value"] for r in sent[0]["readings"]][-2:] == [48.5, 49.0]
    assert len(sent[0]["readings"]) == 13  # the unavailable state is not a reading
    assert sent[0]["unit"] == "°C"
    anomaly = hass.states.get("binary_sensor.hall_plug_hall_plug_temperature_anomaly")
    assert anomaly is not None, [s.entity_id for s in hass.states.async_all("binary_sensor")]
    assert anomaly.state == STATE_ON
    assert anomaly.attributes["latest_score"] == 0.93
    assert anomaly.attributes["recent_spans"][0]["kind"] == "spike"
    assert er.async_get(hass).async_get(anomaly.entity_id).device_id == plug.id
