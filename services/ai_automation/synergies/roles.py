"""Which entities can start an automation (trigger role) and which can be driven by one (action role)."""

from __future__ import annotations

TRIGGER_DOMAINS = frozenset(
    {
        "binary_sensor", "sensor", "media_player", "input_select", "input_boolean", "input_number",
        "input_datetime", "input_button", "timer", "light", "switch", "lock", "cover", "climate",
        "alarm_control_panel", "button", "event", "fan", "vacuum", "person", "device_tracker", "remote",
        "select", "number", "sun", "calendar", "counter", "water_heater", "humidifier", "valve",
    }
)  # fmt: skip
ACTION_DOMAINS = frozenset(
    {
        "light", "switch", "media_player", "input_select", "input_text", "input_boolean", "input_number",
        "climate", "cover", "lock", "fan", "scene", "script", "automation", "timer", "alarm_control_panel",
        "vacuum", "number", "select", "camera", "water_heater", "humidifier", "valve", "siren", "button",
        "input_button", "counter", "remote", "notify",
    }
)  # fmt: skip

PATTERN_ONLY_ACTIONS: dict[str, frozenset[str]] = {"device_tracker": frozenset({"person"})}
"""Action domains that act in one pattern only, after triggers of these domains: a phone's tracker
(an entity of a device) is the device HA's built-in zone blueprint notifies when a person leaves home;
it has no service to drive otherwise."""
