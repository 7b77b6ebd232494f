"""Diagnostics download: the entry (API key redacted), what both coordinators hold, the forwarding figures."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

if TYPE_CHECKING:
    from . import HomeIQConfigEntry

TO_REDACT = {CONF_API_KEY}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: HomeIQConfigEntry) -> dict[str, Any]:
    """Everything needed to understand what HA shows, never the key."""
    runtime = entry.runtime_data
    device, ai = runtime.device_coordinator, runtime.ai_coordinator
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "device_intelligence": {
            "last_update_success": device.last_update_success,
            "data": asdict(device.data) if device.data is not None else None,
        },
        "ai_automation": {
            "last_update_success": ai.last_update_success,
            "data": asdict(ai.data) if ai.data is not None else None,
        },
        "forwarding": {name: q.stats() for name, q in runtime.forwarder.queues.items()},
        "watched_sensors": len(runtime.readings),
        "sensors_refused_over_limit": runtime.readings.refused,
    }
