"""What HA names mean for the home-type features: area kinds, device categories, human-driven entities."""

from __future__ import annotations

import re
from collections.abc import Mapping

CONTROL_DOMAINS = frozenset({"automation", "script", "scene"})
"""Entities that are configuration, not hardware; counted apart from physical devices."""

INFRASTRUCTURE_DOMAINS = frozenset({"sun", "zone", "weather", "update", "person"})
"""Entities every install has whatever its devices (people are counted apart as `person_count`)."""

CATEGORIES = ("security", "climate", "lighting", "appliances", "monitoring")
"""The device categories of the original profile, in its ratio order."""

_SECURITY_CLASSES = frozenset(
    {
        "motion",
        "door",
        "window",
        "occupancy",
        "presence",
        "opening",
        "garage_door",
        "lock",
        "tamper",
        "vibration",
    }
)
_CLIMATE_CLASSES = frozenset({"temperature", "humidity", "pressure", "carbon_dioxide", "heat", "cold"})
_DOMAIN_CATEGORY: Mapping[str, str] = {
    "alarm_control_panel": "security",
    "lock": "security",
    "camera": "security",
    "siren": "security",
    "climate": "climate",
    "fan": "climate",
    "water_heater": "climate",
    "humidifier": "climate",
    "light": "lighting",
    "scene": "lighting",
    "switch": "appliances",
    "vacuum": "appliances",
    "media_player": "appliances",
    "cover": "appliances",
    "valve": "appliances",
    "lawn_mower": "appliances",
    "remote": "appliances",
}

# Order matters: the first kind whose pattern matches an area name wins.
AREA_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("garage", re.compile(r"garage|carport")),
    ("basement", re.compile(r"basement|cellar")),
    ("attic", re.compile(r"attic|loft space")),
    ("bathroom", re.compile(r"bath|toilet|\bwc\b|shower|restroom|powder")),
    ("bedroom", re.compile(r"bed|nursery|guest room|kids? room|sleep")),
    (
        "outdoor",
        re.compile(
            r"yard|garden|balcon|porch|patio|deck|terrace|pool|driveway|lawn|courtyard|roof|outdoor|"
            r"veranda|beach|dock|shed|barn|front door|entrance gate|gate"
        ),
    ),
    ("kitchen", re.compile(r"kitchen|pantry")),
    ("living", re.compile(r"living|family room|great room|lounge|\bden\b|main room|sitting")),
    ("dining", re.compile(r"dining")),
    ("office", re.compile(r"office|study|workshop|library")),
    ("hallway", re.compile(r"hall|corridor|entry|foyer|stair|landing|mudroom")),
    ("utility", re.compile(r"laundry|utility|storage|closet|mechanical|boiler")),
)
"""Area kinds recognised from area names (lower-cased)."""

AREA_KIND_NAMES = tuple(kind for kind, _ in AREA_KINDS)

OUTDOOR_KINDS = frozenset({"outdoor"})
_HUMAN_BINARY_CLASSES = frozenset({"motion", "occupancy", "presence", "door", "opening", "garage_door"})
_HUMAN_DOMAINS = frozenset({"light", "switch", "media_player", "lock", "cover", "fan", "person"})


def entity_domain(entity_id: str) -> str:
    """The HA domain of an entity id (the part before the dot)."""
    return entity_id.partition(".")[0]


def infer_category(domain: str, device_class: str | None) -> str:
    """The original's device category, from the domain and device class (also for registry exports)."""
    if domain == "binary_sensor":
        return "security" if device_class in _SECURITY_CLASSES else "monitoring"
    if domain == "sensor":
        return "climate" if device_class in _CLIMATE_CLASSES else "monitoring"
    return _DOMAIN_CATEGORY.get(domain, "monitoring")


def area_kind(name: str) -> str:
    """The kind of an area from its name (`other` when nothing matches)."""
    lowered = name.lower().replace("_", " ")
    for kind, pattern in AREA_KINDS:
        if pattern.search(lowered):
            return kind
    return "other"


def is_outdoor(name: str, declared: str | None) -> bool:
    """Whether an area is outdoor: its declared `type` when given, else guessed from its name."""
    if declared in ("indoor", "outdoor"):
        return declared == "outdoor"
    return area_kind(name) in OUTDOOR_KINDS


def is_human_driven(domain: str, device_class: str | None) -> bool:
    """Whether an entity's changes mostly follow people (motion, doors, lights, media) rather than clocks."""
    if domain == "binary_sensor":
        return device_class in _HUMAN_BINARY_CLASSES
    return domain in _HUMAN_DOMAINS


def area_key(name: str) -> str:
    """A normalised key so `Living Room`, `living_room` and `living room` name the same area."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
