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

_CONDITIONS: dict[Condition, dict[str, Any]] = {
    Condition.SUN_DOWN: {"condition": "sun", "after": "sunset", "before": "sunrise"},
    Condition.EVENING: {"condition": "time", "after": "17:00:00", "before": "23:30:00"},
    Condition.SOMEONE_HOME: {"condition": "state", "entity_id": "zone.home", "state": "0", "match": "any"},
}


def suggestion_id(home_id: str, trigger: Entity, action: Entity, pattern: Pattern) -> str:
    """A stable id: the same home, pair and pattern give the same id in every run."""
    key = f"{home_id}|{trigger.entity_id}|{action.entity_id}|{pattern.name}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"syn-{digest[:16]}"


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
    if spec.for_seconds:
        out["for"] = {"seconds": spec.for_seconds}
    return out


def summary(pattern: Pattern, trigger: Entity, action: Entity) -> str:
    """The one-line summary of what the automation does."""
    return pattern.summary.format(trigger=trigger.entity_id, action=action.entity_id)


def automation(
    pattern: Pattern, trigger: Entity, action: Entity, evidence_text: str, automation_id: str
) -> dict[str, Any]:
    """The automation object (what `automation_yaml` serialises)."""
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
                "input": {
                    "motion_entity": trigger.entity_id,
                    "light_target": {"entity_id": action.entity_id},
                },
            },
        }
    action_obj: dict[str, Any] = {
        "action": pattern.service_for(action),
        "target": {"entity_id": action.entity_id},
    }
    if pattern.data:
        action_obj["data"] = dict(pattern.data)
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


def to_yaml(automation_obj: dict[str, Any]) -> str:
    """YAML an owner can paste into `automations.yaml` (a one-item list, keys in HA's order)."""
    return yaml.safe_dump([automation_obj], sort_keys=False, allow_unicode=True, default_flow_style=False)
