"""What an HA automation links: the entities (and devices) its triggers watch and its actions drive.

One reading for both uses: excluding what a home already automates, and labelling the real homes'
automations for fitting and evaluation. A key is an entity id or `device:<device_id>`; a suggestion
and an automation link the same things when they share a trigger key and an action key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ai_automation.synergies.home import Entity

_TRIGGER_KEYS = ("triggers", "trigger")
_ACTION_KEYS = ("actions", "action")
_MAX_DEPTH = 40
# HA's built-in blueprints: the inputs a blueprint automation watches and the ones it drives.
BLUEPRINT_ROLES: dict[str, tuple[str, str]] = {
    "homeassistant/motion_light.yaml": ("motion_entity", "light_target"),
    "homeassistant/notify_leaving_zone.yaml": ("person_entity", "notify_device"),
}


def strings_under(obj: Any, key: str, depth: int = 0) -> list[str]:
    """Every string under `key` (a string or a list of strings) anywhere inside `obj`."""
    if depth > _MAX_DEPTH:
        return []
    out: list[str] = []
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if k == key and isinstance(v, str):
                out.append(v)
            elif k == key and isinstance(v, list):
                out += [x for x in v if isinstance(x, str)]
            else:
                out += strings_under(v, key, depth + 1)
    elif isinstance(obj, list):
        for item in obj:
            out += strings_under(item, key, depth + 1)
    return out


def _part(automation: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = automation.get(name)
        if value:
            return value
    return []


def _blueprint_parts(automation: Mapping[str, Any]) -> tuple[Any, Any] | None:
    """A built-in blueprint automation's inputs as a trigger part and an action part (None: not one)."""
    use = automation.get("use_blueprint")
    if not isinstance(use, Mapping) or not isinstance(use.get("input"), Mapping):
        return None
    roles = BLUEPRINT_ROLES.get(str(use.get("path")))
    if roles is None:
        return None

    def part(value: Any) -> Any:  # an id is an entity's or a device's: the known one counts
        return {"entity_id": value, "device_id": value} if isinstance(value, str | list) else value

    return part(use["input"].get(roles[0])), part(use["input"].get(roles[1]))


def entity_keys(entity: Entity) -> frozenset[str]:
    """The keys that name an entity: its id and, when it has one, its device."""
    return frozenset(
        {entity.entity_id, f"device:{entity.device_id}"} if entity.device_id else {entity.entity_id}
    )


@dataclass(frozen=True)
class Link:
    """The trigger keys and action keys of one automation (only those the home knows)."""

    triggers: frozenset[str]
    actions: frozenset[str]
    trigger_entities: frozenset[str] = frozenset()
    action_entities: frozenset[str] = frozenset()

    def covers(self, trigger: Entity, action: Entity) -> bool:
        """Whether this automation already links `trigger` to `action` (a shared trigger and action key)."""
        return bool(entity_keys(trigger) & self.triggers) and bool(entity_keys(action) & self.actions)

    def names(self, trigger: Entity, action: Entity) -> bool:
        """Whether this automation names exactly these two entities (a device reference alone counts for
        every entity of a device none of whose entities is named): the label the ranker is fitted on."""
        return trigger.entity_id in self.trigger_entities and action.entity_id in self.action_entities


def _keys(
    part: Any, entities: Mapping[str, Entity], devices: Mapping[str, list[str]]
) -> tuple[frozenset[str], frozenset[str]]:
    named = {i for i in strings_under(part, "entity_id") if i in entities}
    named_devices = {entities[i].device_id for i in named if entities[i].device_id}
    explicit = set(named)
    for device in strings_under(part, "device_id"):
        if device in devices and device not in named_devices:
            explicit |= set(devices[device])
    keys = set(named) | {f"device:{d}" for d in strings_under(part, "device_id") if d in devices}
    keys |= {f"device:{entities[i].device_id}" for i in named if entities[i].device_id}
    return frozenset(keys), frozenset(explicit)


def links_of(automations: Iterable[Any], entities: Mapping[str, Entity]) -> list[Link]:
    """The links of HA automation objects (`triggers`/`actions`, the older `trigger`/`action`, or
    `use_blueprint` of HA's built-in motion-light and zone blueprints); an
    automation that names no known trigger or no known action entity links nothing and is skipped."""
    devices: dict[str, list[str]] = {}
    for e in entities.values():
        if e.device_id:
            devices.setdefault(e.device_id, []).append(e.entity_id)
    out: list[Link] = []
    for automation in automations:
        if not isinstance(automation, Mapping):
            continue
        parts = _blueprint_parts(automation) or (
            _part(automation, _TRIGGER_KEYS),
            _part(automation, _ACTION_KEYS),
        )
        triggers, trigger_entities = _keys(parts[0], entities, devices)
        actions, action_entities = _keys(parts[1], entities, devices)
        if triggers and actions and triggers != actions:
            out.append(Link(triggers, actions, trigger_entities, action_entities))
    return out


def is_covered(links: Sequence[Link], trigger: Entity, action: Entity) -> bool:
    """Whether any of `links` already links `trigger` to `action`."""
    return any(link.covers(trigger, action) for link in links)
