"""The HA action that does something to an entity: one table for synergy suggestions, habits and asks.

A verb (`on`, `off`, `open`, `close`, `lock`, `unlock`, `play`, `pause`) of an action domain maps to the
service HA core registers for that domain: `cover.open_cover`, not a `cover.turn_on` that does not exist.
A domain with nothing to do without more than HomeIQ knows (an alarm panel needs its code) is absent: no
automation is written for it. `tests/ha_integration/ha_core/test_automation_yaml.py` checks on HA core
that every service of these tables is registered once its domain is set up, and runs the value-taking
actions on real helpers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ai_automation.synergies.home import Entity

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
# Set to their trigger's state: a number only from an entity whose state is a number.
_NUMBER_TAKING = frozenset({"number", "input_number"})
_VALUE_TAKING = _NUMBER_TAKING | {"input_text"}
_NUMBER_DOMAINS = frozenset({"number", "input_number", "counter"})
_NOT_NUMBERS = frozenset({"date", "enum", "timestamp"})  # HA's non-numeric sensor device classes


def gives_a_number(entity: Entity) -> bool:
    """Whether an entity's state is a number: a number, a counter, a sensor of a numeric device class."""
    if entity.domain in _NUMBER_DOMAINS:
        return True
    return (
        entity.domain == "sensor"
        and entity.device_class is not None
        and entity.device_class not in _NOT_NUMBERS
    )


def action_call(domain: str, verb: str, source: Entity | None = None) -> dict[str, Any] | None:
    """The action object (`action`, with `data` when it needs some; no target) doing `verb` to an entity of
    `domain`, or None when HA has no service that can. A number or text takes the state of `source` (a
    number only from an entity that `gives_a_number`); `notify` says what `source` is now."""
    service = SINGLE_ACTION.get(domain) or SERVICES.get((domain, verb))
    if service is None:
        return None
    if domain in _VALUE_TAKING:
        if source is None or (domain in _NUMBER_TAKING and not gives_a_number(source)):
            return None
        return {"action": service, "data": {"value": f'{{{{ states("{source.entity_id}") }}}}'}}
    if domain == "notify":
        what = f'{source.entity_id} is now {{{{ states("{source.entity_id}") }}}}' if source else "HomeIQ"
        return {"action": service, "data": {"message": what}}
    return {"action": service}


def aimed_at(
    call: Mapping[str, Any], entity_id: str, data: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """An action object (`action_call`'s, or any `{"action": ...}`) aimed at `entity_id`, in HA's key order
    (`action`, `target`, `data`); `data` adds to the call's own."""
    merged = {**call.get("data", {}), **(data or {})}
    return {
        "action": call["action"],
        "target": {"entity_id": entity_id},
        **({"data": merged} if merged else {}),
    }


# The states a habit puts back, per domain, and the verb that sets each again.
HABIT_VERBS: dict[str, dict[str, str]] = {
    **{domain: {"on": "on", "off": "off"} for domain in ("light", "switch", "fan", "input_boolean", "siren")},
    "cover": {"open": "open", "closed": "close"},
    "lock": {"locked": "lock", "unlocked": "unlock"},
    "media_player": {"on": "on", "off": "off", "playing": "play", "paused": "pause"},
    "vacuum": {"cleaning": "on", "docked": "off"},
}
