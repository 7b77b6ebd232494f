"""What HA names mean for the home-type features: area kinds, device categories, human-driven entities.

Area kinds and device categories come from `homeiq_shared.ha_semantics` (multilingual area words,
one category rule), so the registry reader and the features agree.
"""

from __future__ import annotations

from homeiq_shared.ha_semantics import AREA_KIND_ORDER, CATEGORIES, OUTDOOR_KINDS, area_kind, device_category

__all__ = [
    "AREA_KIND_NAMES",
    "CATEGORIES",
    "CONTROL_DOMAINS",
    "OUTDOOR_KINDS",
    "area_kind",
    "entity_domain",
    "infer_category",
    "is_human_driven",
]

CONTROL_DOMAINS = frozenset({"automation", "script", "scene"})
"""Entities that are configuration, not hardware."""

AREA_KIND_NAMES = AREA_KIND_ORDER
"""Area kinds recognised from area names, in feature order (`other` comes after them)."""

_HUMAN_BINARY_CLASSES = frozenset({"motion", "occupancy", "presence", "door", "opening", "garage_door"})
_HUMAN_DOMAINS = frozenset({"light", "switch", "media_player", "lock", "cover", "fan", "person"})


def entity_domain(entity_id: str) -> str:
    """The HA domain of an entity id (the part before the dot)."""
    return entity_id.partition(".")[0]


def infer_category(domain: str, device_class: str | None) -> str:
    """The original's device category, from the domain and device class (never a generator's own)."""
    return device_category(domain, device_class)


def is_human_driven(domain: str, device_class: str | None) -> bool:
    """Whether an entity's changes mostly follow people (motion, doors, lights, media) rather than clocks."""
    if domain == "binary_sensor":
        return device_class in _HUMAN_BINARY_CLASSES
    return domain in _HUMAN_DOMAINS
