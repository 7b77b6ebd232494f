"""A home snapshot as typed entities: the kind of each entity and the kind of its area.

The snapshot shape is what `POST /api/ha/snapshot` accepts (and what `ha_home_snapshots` stores):
`areas: [{name, area_id?}]`, `devices: [{entity_id, area?, device_class?, device_id?, entity_category?, ...}]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from homeiq_shared.ha_schema import is_entity_id
from homeiq_shared.ha_semantics import area_kind, canonical_device_class, fold_words

# Domains whose device class changes what an entity means for an automation.
_CLASSED_DOMAINS = frozenset(
    {"binary_sensor", "sensor", "cover", "media_player", "switch", "event", "button"}
)
_PRESENCE = frozenset({"motion", "occupancy", "presence"})
_OPENING = frozenset({"door", "window", "opening", "garage_door"})
_CLASS_GROUP: Mapping[str, str] = {
    **dict.fromkeys(_PRESENCE, "presence"),
    **dict.fromkeys(_OPENING, "opening"),
}
# HA's entity registry marks an entity's settings (`config`: a speaker's crossfade, a plug's LED) and
# readings about the device itself (`diagnostic`: battery, signal) apart from what it is for.
ENTITY_CATEGORIES = frozenset({"config", "diagnostic"})
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
# Words that say what an entity is rather than which thing it belongs to: no evidence of a link.
GENERIC_TOKENS = frozenset(
    {
        "sensor", "binary", "light", "lights", "switch", "the", "of", "on", "off", "status", "state",
        "battery", "level", "signal", "strength", "power", "energy", "temperature", "humidity", "motion",
        "occupancy", "door", "window", "contact", "lamp", "plug", "outlet", "media", "player", "mode",
        "input", "select", "boolean", "number", "text", "timer", "automation", "script", "scene",
        "last", "update", "firmware", "rssi", "linkquality", "illuminance", "lux", "voltage", "current",
        "1", "2", "3", "4", "5", "group", "all", "main",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Entity:
    """One entity of a home, as the synergy detector reads it."""

    entity_id: str
    domain: str
    device_class: str | None
    area: str | None
    area_kind: str | None
    device_id: str | None
    tokens: frozenset[str]
    place: str | None = None
    place_words: frozenset[str] = frozenset()
    category: str | None = None
    """HA's `entity_category` (`config` or `diagnostic`) when the registry declares one."""

    @property
    def kind(self) -> str:
        """`domain` or `domain:class` (`binary_sensor:motion`, `sensor:temperature`, `light`)."""
        if self.device_class and self.domain in _CLASSED_DOMAINS:
            return f"{self.domain}:{self.device_class}"
        return self.domain

    @property
    def group(self) -> str:
        """The coarse kind the pattern library speaks of (`presence`, `opening` or the kind itself)."""
        group = _CLASS_GROUP.get(self.device_class or "") if self.domain == "binary_sensor" else None
        if group is not None:
            return group
        return self.kind


def entity_tokens(entity_id: str) -> frozenset[str]:
    """The specific words of an entity's object id (`sensor.x3_bedroom_temp` -> {x3, bedroom, temp})."""
    object_id = entity_id.partition(".")[2]
    return frozenset(t for t in _TOKEN_SPLIT.split(object_id.lower()) if t and t not in GENERIC_TOKENS)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def entities_of(snapshot: Mapping[str, Any]) -> list[Entity]:
    """The valid entities of a snapshot (one per entity id, first wins), areas resolved to names and kinds."""
    areas = snapshot.get("areas") or []
    area_name = {
        a.get("area_id"): a.get("name") for a in areas if isinstance(a, Mapping) and a.get("area_id")
    }
    seen: set[str] = set()
    out: list[Entity] = []
    kinds: dict[str, str] = {}  # area names repeat: read each once
    for raw in snapshot.get("devices") or []:
        if not isinstance(raw, Mapping):
            continue
        entity_id = raw.get("entity_id")
        if not isinstance(entity_id, str) or not is_entity_id(entity_id) or entity_id in seen:
            continue
        seen.add(entity_id)
        domain = entity_id.partition(".")[0]
        area = _text(raw.get("area")) or _text(area_name.get(raw.get("area_id")))
        tokens = entity_tokens(entity_id)
        kind_of_area = (kinds.get(area) or kinds.setdefault(area, area_kind(area))) if area else None
        # where the entity is: its area's kind, else what its own name says ("light.bedroom_lamp")
        place = kind_of_area
        if kind_of_area in (None, "other"):
            named = area_kind(" ".join(sorted(tokens))) if tokens else "other"
            place = named if named != "other" else None
        out.append(
            Entity(
                entity_id=entity_id,
                domain=domain,
                device_class=canonical_device_class(domain, _text(raw.get("device_class"))),
                area=area,
                area_kind=kind_of_area,
                device_id=_text(raw.get("device_id")),
                tokens=tokens,
                place=place,
                place_words=frozenset(fold_words(area)) - GENERIC_TOKENS if area else frozenset(),
                category=category if (category := raw.get("entity_category")) in ENTITY_CATEGORIES else None,
            )
        )
    return out


def by_id(entities: Iterable[Entity]) -> dict[str, Entity]:
    """Entities keyed by entity id."""
    return {e.entity_id: e for e in entities}
