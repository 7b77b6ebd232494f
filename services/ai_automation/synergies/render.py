"""A suggestion as a Home Assistant automation: current keys (`triggers:`/`conditions:`/`actions:`),
a stable `id`, the evidence in `description`, or `use_blueprint:` for HA's built-in motion-light
blueprint. Suggestions are never enabled automatically: `initial_state: false` until the owner
turns the automation on.
"""

from __future__ import annotations

import hashlib
from typing import Any

import yaml

from ai_automation.synergies.home import Entity
from ai_automation.synergies.patterns import Condition, Pattern
from ai_automation.synergies.services import HABIT_VERBS, SERVICES

_CONDITIONS: dict[Condition, dict[str, Any]] = {
    Condition.SUN_DOWN: {"condition": "sun", "after": "sunset", "before": "sunrise"},
}


def suggestion_id(home_id: str, trigger: Entity, action: Entity, pattern: Pattern) -> str:
    """A stable id: the same home, pair and pattern give the same id in every run."""
    key = f"{home_id}|{trigger.entity_id}|{action.entity_id}|{pattern.name}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"syn-{digest[:16]}"


NOT_STATES = ("unavailable", "unknown")
"""What a state trigger that names no state excludes: it then fires on the entity's real state changes only
(HA fires one naming neither `to` nor `not_to` on attribute changes too, and a dropped link is no change)."""


def _trigger(pattern: Pattern, trigger: Entity) -> dict[str, Any]:
    spec = pattern.trigger
    if spec.platform == "event":
        return {
            "trigger": "event",
            "event_type": spec.event_type,
            "event_data": {"entity_id": trigger.entity_id},
        }
    out: dict[str, Any] = {"trigger": spec.platform, "entity_id": trigger.entity_id}
    for key, value in (("to", spec.to), ("from", spec.from_), ("above", spec.above), ("below", spec.below)):
        if value is not None:
            out[key] = value
    if spec.platform == "state" and spec.to is None and spec.from_ is None:
        out["not_to"] = list(NOT_STATES)
    if spec.for_seconds:
        out["for"] = {"seconds": spec.for_seconds}
    return out


def summary(pattern: Pattern, trigger: Entity, action: Entity) -> str:
    """The one-line summary of what the automation does."""
    return pattern.summary.format(trigger=trigger.entity_id, action=action.entity_id)


def blueprint_input(path: str, trigger: Entity, action: Entity) -> dict[str, Any]:
    """The inputs of HA's built-in blueprint `path` for a pair (`automations.BLUEPRINT_ROLES` reads them back)."""
    if path == "homeassistant/notify_leaving_zone.yaml":
        return {
            "person_entity": trigger.entity_id,
            "zone_entity": "zone.home",
            "notify_device": action.device_id,
        }
    return {"motion_entity": trigger.entity_id, "light_target": {"entity_id": action.entity_id}}


def automation(
    pattern: Pattern, trigger: Entity, action: Entity, evidence_text: str, automation_id: str
) -> dict[str, Any] | None:
    """The automation object (what `automation_yaml` serialises), or None when HA has no service doing the
    pattern's verb to the action's domain."""
    alias = summary(pattern, trigger, action)
    description = f"Suggested by HomeIQ: {evidence_text}"
    if pattern.blueprint is not None:
        return {
            "id": automation_id,
            "alias": alias,
            "description": description,
            "initial_state": False,
            "use_blueprint": {
                "path": pattern.blueprint,
                "input": blueprint_input(pattern.blueprint, trigger, action),
            },
        }
    action_obj = pattern.action_for(trigger, action)
    if action_obj is None:
        return None
    return {
        "id": automation_id,
        "alias": alias,
        "description": description,
        "initial_state": False,
        "mode": "single",
        "triggers": [_trigger(pattern, trigger)],
        "conditions": [dict(_CONDITIONS[c]) for c in pattern.conditions],
        "actions": [action_obj],
    }


_CLIMATE_MODES = frozenset({"off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only"})


def service_for_state(action: Entity, state: str) -> tuple[str, dict[str, Any]] | None:
    """The HA action (and its data) that sets `action` to `state`, or None when there is none."""
    if action.domain == "climate" and state in _CLIMATE_MODES:
        return "climate.set_hvac_mode", {"hvac_mode": state}
    verb = HABIT_VERBS.get(action.domain, {}).get(state)
    return (SERVICES[(action.domain, verb)], {}) if verb else None


def habit_id(home_id: str, trigger: Entity, trigger_state: str, action: Entity, action_state: str) -> str:
    """A stable id of a habit's suggestion (the same home, pair and states give the same id)."""
    key = f"{home_id}|{trigger.entity_id}|{trigger_state}|{action.entity_id}|{action_state}|habit"
    return f"syn-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def habit_automation(
    trigger: Entity, trigger_state: str, action: Entity, service: tuple[str, dict[str, Any]], evidence_text: str,
    automation_id: str,
) -> dict[str, Any]:  # fmt: skip
    """The automation doing what the owner does by hand: when `trigger` becomes `trigger_state`, `service`."""
    name, data = service
    action_obj: dict[str, Any] = {"action": name, "target": {"entity_id": action.entity_id}}
    if data:
        action_obj["data"] = dict(data)
    return {
        "id": automation_id,
        "alias": f"{action.entity_id} follows {trigger.entity_id} ({trigger_state}), as you do by hand",
        "description": f"Suggested by HomeIQ from your history: {evidence_text}",
        "initial_state": False,
        "mode": "single",
        "triggers": [{"trigger": "state", "entity_id": trigger.entity_id, "to": trigger_state}],
        "conditions": [],
        "actions": [action_obj],
    }


# libyaml's safe dumper when PyYAML has it (the same text, several times faster), else the Python one
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_yaml(automation_obj: dict[str, Any]) -> str:
    """YAML an owner can paste into `automations.yaml` (a one-item list, keys in HA's order)."""
    return yaml.dump(
        [automation_obj], Dumper=_DUMPER, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
