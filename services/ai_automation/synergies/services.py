"""The HA action that does something to an entity: one table for synergy suggestions, habits and asks.

A verb (`on`, `off`, `open`, `close`, `lock`, `unlock`, `play`, `pause`) of an action domain maps to the
service HA core registers for that domain: `cover.open_cover`, not a `cover.turn_on` that does not exist.
Every service named here is checked against HA core in `tests/ha_integration/ha_core/test_automation_yaml.py`.
"""

from __future__ import annotations

from typing import Any

# Domains whose entities turn on and off (`automation.turn_on` enables an automation, as HA's UI does).
_ON_OFF = (
    "light", "switch", "fan", "input_boolean", "siren", "humidifier", "water_heater", "media_player", "climate",
    "remote", "camera", "automation", "script",
)  # fmt: skip
SERVICES: dict[tuple[str, str], str] = {
    **{(domain, "on"): f"{domain}.turn_on" for domain in _ON_OFF},
    **{(domain, "off"): f"{domain}.turn_off" for domain in _ON_OFF},
    ("cover", "on"): "cover.open_cover", ("cover", "open"): "cover.open_cover",
    ("cover", "off"): "cover.close_cover", ("cover", "close"): "cover.close_cover",
    ("lock", "on"): "lock.lock", ("lock", "lock"): "lock.lock", ("lock", "close"): "lock.lock",
    ("lock", "off"): "lock.unlock", ("lock", "unlock"): "lock.unlock", ("lock", "open"): "lock.unlock",
    ("valve", "on"): "valve.open_valve", ("valve", "open"): "valve.open_valve",
    ("valve", "off"): "valve.close_valve", ("valve", "close"): "valve.close_valve",
    ("vacuum", "on"): "vacuum.start", ("vacuum", "off"): "vacuum.return_to_base", ("vacuum", "pause"): "vacuum.pause",
    ("media_player", "play"): "media_player.media_play", ("media_player", "pause"): "media_player.media_pause",
    ("timer", "on"): "timer.start", ("timer", "off"): "timer.cancel",
    ("counter", "on"): "counter.increment", ("counter", "off"): "counter.reset",
    ("alarm_control_panel", "on"): "alarm_control_panel.alarm_arm_away",
    ("alarm_control_panel", "off"): "alarm_control_panel.alarm_disarm",
    ("select", "on"): "select.select_next", ("input_select", "on"): "input_select.select_next",
}  # fmt: skip
# Domains with one thing to do, whatever the verb: press it, activate it, set it, send to it.
SINGLE_ACTION: dict[str, str] = {
    "button": "button.press",
    "input_button": "input_button.press",
    "scene": "scene.turn_on",
    "notify": "notify.send_message",
    "number": "number.set_value",
    "input_number": "input_number.set_value",
    "input_text": "input_text.set_value",
}
VALUE_TAKING = frozenset({"number", "input_number", "input_text"})
"""Action domains that are set to a value: a suggestion sets them to its trigger's state."""


def action_call(
    domain: str, verb: str, value_from: str | None = None, message: str = ""
) -> dict[str, Any] | None:
    """The action object (`action` and `data`, no target) doing `verb` to an entity of `domain`, or None
    when HA has no service for it. A value-taking domain needs `value_from`, the entity whose state it
    takes; `notify` sends `message`."""
    service = SINGLE_ACTION.get(domain) or SERVICES.get((domain, verb))
    if service is None:
        return None
    if domain in VALUE_TAKING:
        if value_from is None:
            return None
        return {"action": service, "data": {"value": f'{{{{ states("{value_from}") }}}}'}}
    if domain == "notify":
        return {"action": service, "data": {"message": message or "HomeIQ automation"}}
    return {"action": service}


# The state an owner set by hand -> the verb that sets it again (habits).
STATE_VERBS: dict[str, str] = {
    "on": "on", "off": "off", "open": "open", "closed": "close", "locked": "lock", "unlocked": "unlock",
    "playing": "play", "paused": "pause", "cleaning": "on", "docked": "off",
}  # fmt: skip
