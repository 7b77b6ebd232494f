"""The chosen slots as an HA automation: current keys (`triggers:`/`conditions:`/`actions:`) or HA's
motion-light blueprint, with the times, thresholds and durations the request gave. Like synergy
suggestions, never enabled automatically (`initial_state: false`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ai_automation.ask.intent import Intent
from ai_automation.ask.library import Template
from ai_automation.ask.slots import Choice
from ai_automation.synergies.home import Entity
from ai_automation.synergies.patterns import Pattern, match
from ai_automation.synergies.render import NOT_STATES
from ai_automation.synergies.services import action_call, aimed_at

_NUMERIC = frozenset({"sensor", "number", "input_number"})
_ON_STATE = {"media_player": "playing", "lock": "unlocked", "cover": "open", "climate": "heat"}


@dataclass(frozen=True)
class Rendered:
    """The automation object and what it was built from."""

    automation: dict[str, Any]
    template_id: str
    blueprint: str | None
    trigger_text: str


def _action(intent: Intent, action: Entity, request: str, trigger: Entity | None) -> dict[str, Any] | None:
    """What the request asks done to `action` (`services.action_call`: a number or text takes the trigger's
    state; a notification says the request), or None when HA has no service that can."""
    if action.domain == "notify":
        return aimed_at({"action": "notify.send_message"}, action.entity_id, {"message": request[:200]})
    if intent.verb == "dim" and action.domain == "light":
        return aimed_at({"action": "light.turn_on"}, action.entity_id, {"brightness_pct": 30})
    verb = "on" if intent.verb in ("dim", "notify") else intent.verb
    call = action_call(action.domain, verb, trigger) or action_call(
        action.domain, "off" if verb in ("off", "close") else "on", trigger
    )
    return None if call is None else aimed_at(call, action.entity_id)


def _entity_trigger(intent: Intent, trigger: Entity, pattern: Pattern) -> dict[str, Any]:
    q = intent.quantities
    if trigger.domain in _NUMERIC and (q.above is not None or q.below is not None):
        out: dict[str, Any] = {"trigger": "numeric_state", "entity_id": trigger.entity_id}
        if q.above is not None:
            out["above"] = q.above
        if q.below is not None:
            out["below"] = q.below
    elif trigger.domain in _NUMERIC and pattern.trigger.platform == "numeric_state":
        out = {"trigger": "numeric_state", "entity_id": trigger.entity_id}
        for key, value in (("above", pattern.trigger.above), ("below", pattern.trigger.below)):
            if value is not None:
                out[key] = value
    elif trigger.domain in _NUMERIC:
        out = {"trigger": "state", "entity_id": trigger.entity_id, "not_to": list(NOT_STATES)}
    else:
        on = _ON_STATE.get(trigger.domain, "on")
        off = {"playing": "idle", "unlocked": "locked", "open": "closed", "heat": "off"}.get(on, "off")
        out = {"trigger": "state", "entity_id": trigger.entity_id, "to": off if intent.trigger_off else on}
    seconds = q.for_seconds or (pattern.trigger.for_seconds if pattern.curated else None)
    if seconds:
        out["for"] = {"seconds": seconds}
    return out


def _conditions(intent: Intent, sun_trigger: bool) -> list[dict[str, Any]]:
    q = intent.quantities
    out: list[dict[str, Any]] = []
    after = q.after or (q.at if not sun_trigger and q.at else None)
    if after or q.before:
        cond: dict[str, Any] = {"condition": "time"}
        if after:
            cond["after"] = after
        if q.before:
            cond["before"] = q.before
        out.append(cond)
    if q.sun_event and not sun_trigger:
        night = q.sun_event == "sunset"
        out.append({"condition": "sun", "after": "sunset", "before": "sunrise"} if night
                   else {"condition": "sun", "after": "sunrise", "before": "sunset"})  # fmt: skip
    return out


def render(
    intent: Intent,
    choice: Choice,
    template: Template | None,
    automation_id: str,
    request: str,
    sun_trigger: bool,
) -> Rendered | None:
    """The automation object (what `automation_yaml` serialises) for the chosen slots, or None when HA has
    no service doing what the request asks to the chosen entity."""
    action = choice.actions[0].entity
    q = intent.quantities
    alias = " ".join(request.split())[:120] or "HomeIQ suggestion"
    head = {"id": automation_id, "alias": alias,
            "description": "Suggested by HomeIQ from your request; check it before enabling.", "initial_state": False}  # fmt: skip
    if choice.trigger is None:
        if q.at and not q.sun_is_trigger:
            trig = {"trigger": "time", "at": q.at}
            text = f"at {q.at}"
        else:
            trig = {"trigger": "sun", "event": q.sun_event or "sunset"}
            text = f"at {q.sun_event or 'sunset'}"
        act = _action(intent, action, request, None)
        if act is None:
            return None
        auto = {**head, "mode": "single", "triggers": [trig], "conditions": _conditions(intent, True),
                "actions": [act]}  # fmt: skip
        return Rendered(auto, template.id if template else "time_or_sun", None, text)
    trigger = choice.trigger.entity
    pattern = template.pattern if template and template.pattern else match(trigger, action)
    template_id = template.id if template else f"pattern:{pattern.name}"
    conditions = _conditions(intent, sun_trigger=False)
    blueprint_fits = (
        template is not None and template.id == "blueprint:motion_light" and action.domain == "light"
        and intent.verb == "on" and not intent.trigger_off and not conditions
    )  # fmt: skip
    if blueprint_fits:
        inputs: dict[str, Any] = {
            "motion_entity": trigger.entity_id,
            "light_target": {"entity_id": action.entity_id},
        }
        if q.for_seconds:
            inputs["no_motion_wait"] = q.for_seconds
        auto = {**head, "use_blueprint": {"path": "homeassistant/motion_light.yaml", "input": inputs}}
        return Rendered(auto, template_id, "homeassistant/motion_light.yaml", trigger.entity_id)
    act = _action(intent, action, request, trigger)
    if act is None:
        return None
    auto = {**head, "mode": "single", "triggers": [_entity_trigger(intent, trigger, pattern)],
            "conditions": conditions, "actions": [act]}  # fmt: skip
    return Rendered(auto, template_id, None, trigger.entity_id)
