"""HomeIQ: what the HomeIQ ML services learn about this home, back in Home Assistant.

Set up through the UI (config flow). Per entry: one coordinator per service, entities on the HA devices
they describe, repairs for devices predicted to fail, and the events and registries forwarded to both
services (so neither a config-folder import nor a token is needed).
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .actions import async_register_actions
from .api import HomeIQClient
from .const import AI_SERVICE, CONF_AI_URL, CONF_DEVICE_URL, DEVICE_SERVICE, DOMAIN
from .coordinator import AiCoordinator, DeviceCoordinator
from .forwarder import EventForwarder
from .issues import clear_issues, update_issues
from .notifications import SuggestionNotifier
from .sensor_readings import SensorReadings

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


@dataclass
class HomeIQRuntime:
    """What a loaded entry holds (`entry.runtime_data`)."""

    ai: HomeIQClient
    device: HomeIQClient
    ai_coordinator: AiCoordinator
    device_coordinator: DeviceCoordinator
    forwarder: EventForwarder
    readings: SensorReadings
    notifier: SuggestionNotifier


type HomeIQConfigEntry = ConfigEntry[HomeIQRuntime]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the `homeiq.suggest` and `homeiq.feedback` actions (once, for every entry)."""
    async_register_actions(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeIQConfigEntry) -> bool:
    """Start forwarding, poll both services, create the entities."""
    session = async_get_clientsession(hass)
    key = entry.data.get(CONF_API_KEY, "")
    ai = HomeIQClient(session, entry.data[CONF_AI_URL], key)
    device = HomeIQClient(session, entry.data[CONF_DEVICE_URL], key)
    readings = SensorReadings()
    ai_coordinator = AiCoordinator(hass, entry, ai)
    device_coordinator = DeviceCoordinator(hass, entry, device, readings)

    @callback
    def snapshot_taken(snapshot: dict[str, object]) -> None:
        ai_coordinator.snapshot = snapshot

    forwarder = EventForwarder(
        hass, entry, {AI_SERVICE: ai, DEVICE_SERVICE: device}, readings, snapshot_taken
    )
    notifier = SuggestionNotifier(hass, entry.entry_id)
    entry.runtime_data = HomeIQRuntime(
        ai, device, ai_coordinator, device_coordinator, forwarder, readings, notifier
    )
    forwarder.async_start()
    # The first snapshot and events go first, so the first poll already sees this home.
    await forwarder.flush(force=True)
    # A service that is down at start-up is a repair and unavailable entities, not a failed setup:
    # forwarding keeps the events for it and the next poll picks it up.
    await device_coordinator.async_refresh()
    await ai_coordinator.async_refresh()

    @callback
    def sync_issues() -> None:
        update_issues(hass, entry)

    @callback
    def sync_suggestions() -> None:
        if ai_coordinator.last_update_success and ai_coordinator.data is not None:
            notifier.update(ai_coordinator.data.suggestions)

    entry.async_on_unload(device_coordinator.async_add_listener(sync_issues))
    entry.async_on_unload(ai_coordinator.async_add_listener(sync_issues))
    entry.async_on_unload(ai_coordinator.async_add_listener(sync_suggestions))
    sync_issues()
    sync_suggestions()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: HomeIQConfigEntry) -> bool:
    """Unload the platforms, stop forwarding (one last send attempt), delete the entry's repairs."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.forwarder.async_stop()
        entry.runtime_data.notifier.clear()
        clear_issues(hass, entry.entry_id)
    return unloaded


__all__ = ["DOMAIN", "HomeIQConfigEntry", "HomeIQRuntime"]
