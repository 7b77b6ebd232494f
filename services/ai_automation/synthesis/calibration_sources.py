"""Real homes in the calibration's shape: area kinds and device kinds of allenporter's and real HA homes.

Two sources: allenporter's home-assistant-datasets device files (areas and `device_type`s with a free-text
home type) and the anonymized real installs' `.storage` registries (areas, devices, entities with domain
and device class). Both become `CalHome`s: the coarse kind of each area (what an `area_kind` function
makes of its name), and each physical device's kind in the generator's vocabulary (`None` when the
generator has no such device). The caller passes the name and type mappings, so this module stays
independent of the classifier.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from homeiq_shared.ha_semantics import HARDWARE_DOMAINS, OUTDOOR_KINDS
from homeiq_shared.home_types import HOME_TYPES

AreaKindOf = Callable[[str], str]
FloorsOf = Callable[[Mapping[str, Any]], int]
"""How many floors a registry declares (the classifier's `registry_view.declared_floors`, passed in by
scripts/calibrate_generator.py so the calibration counts floors as the features do)."""
TypeOf = Callable[[str], "tuple[str | None, bool]"]

LIGHT = "light"
"""A light whose dimmability the source does not say (real registries keep no colour modes)."""

ALLENPORTER_KINDS: Mapping[str, str] = {
    "light": "light_onoff",
    "light-dimmable": "light_dimmable",
    "light-rgbw": "light_rgbw",
    "motion-sensor": "motion_sensor",
    "door-sensor": "door_sensor",
    "window-sensor": "window_sensor",
    "temperature-sensor": "temperature_sensor",
    "hvac": "thermostat",
    "heat-pump": "thermostat",
    "heater": "thermostat",
    "smart-plug": "smart_plug",
    "smart-speaker": "speaker",
    "smart-tv": "tv",
    "smart-lock": "smart_lock",
    "lock-sensor": "smart_lock",
    "camera": "camera",
    "smart-blinds": "blinds",
    "garage-door": "garage_door",
    "vacuum": "vacuum",
    "exhaust-fan": "exhaust_fan",
    "fan-oscilating": "fan",
    "switch": "wall_switch",
    "alarm-system": "alarm_panel",
    "smart-sprinkler": "sprinkler",
}
"""allenporter `device_type` -> generator device kind; the others (generic sensor, weather service, water
valve, gate, washer...) have no generator kind and are left out."""

_SPRINKLER_PLATFORMS = frozenset(
    {"rachio", "opensprinkler", "hydrawise", "rainbird", "bhyve", "gardena_bluetooth"}
)
_MOTION = frozenset({"motion", "occupancy", "presence"})
_SMOKE = frozenset({"smoke", "gas", "carbon_monoxide"})
_DOOR = frozenset({"door", "opening", "garage_door"})


@dataclass(frozen=True)
class CalDevice:
    """One physical device: the index of its area (None when unassigned), its kind, its entity count
    and, where a real registry lists them, its entities as `domain.device_class` (`domain` alone
    when the entity has no class)."""

    area: int | None
    kind: str | None
    entities: int
    entity_classes: tuple[str, ...] = ()


def entity_class_key(domain: str, device_class: str | None) -> str:
    """`sensor.power`, `binary_sensor.motion`, or the bare domain for an entity without a class."""
    return f"{domain}.{device_class}" if device_class else domain


@dataclass(frozen=True)
class OtherUnit:
    """Hardware a real registry places in an area that is none of the generator's device kinds: a
    device of no modelled kind (phone, server, printer, router, UPS...), an integration's service
    device, or an area's entities without any device (templates, groups, integrations): the kind of
    its area and its entities as `domain.device_class`."""

    area_kind: str
    entity_classes: tuple[str, ...]


@dataclass(frozen=True)
class CalHome:
    """One real home as the calibration sees it: type, source, area kinds, devices (None: no registry)."""

    source: str
    home_type: str
    areas: tuple[str, ...]
    devices: tuple[CalDevice, ...] | None
    lights_known: bool
    empty_areas: tuple[str, ...] | None = None
    """Kinds of the declared areas holding no device, where the source is a real registry (None:
    the source cannot tell, as allenporter's device files list an area only with its devices)."""
    other_hardware: tuple[OtherUnit, ...] | None = None
    """What the home places in its equipped areas beyond the modelled devices (None: the source
    cannot tell; allenporter's files list modelled device types only)."""
    equipped_areas: int = 0
    """How many areas hold a modelled or unmodelled device (the `areas` kept)."""
    floors: int | None = None
    """Floors in the home's HA floor registry (None: the source has no registries, as allenporter's
    description files)."""


def registry_device_kind(entities: Iterable[tuple[str, str | None, str]], outdoor: bool) -> str | None:
    """The generator's kind of a registry device from its (domain, device class, platform) entities."""
    pairs = {(domain, device_class) for domain, device_class, _ in entities}
    domains = {domain for domain, _ in pairs}
    classes = {device_class for _, device_class in pairs if device_class}
    platforms = {platform for _, _, platform in entities}
    if "camera" in domains:
        return "camera"
    if "cover" in domains and classes & {"garage", "garage_door", "gate"}:
        return "garage_door"
    for domain, kind in (
        ("lock", "smart_lock"),
        ("alarm_control_panel", "alarm_panel"),
        ("vacuum", "vacuum"),
    ):
        if domain in domains:
            return kind
    if "valve" in domains or platforms & _SPRINKLER_PLATFORMS:
        return "sprinkler"
    for domain, kind in (("climate", "thermostat"), ("cover", "blinds"), ("fan", "fan"), ("light", LIGHT)):
        if domain in domains:
            return kind
    if "media_player" in domains:
        return "tv" if ("media_player", "tv") in pairs else "speaker"
    if "switch" in domains:
        return "smart_plug" if classes & {"outlet", "power", "energy"} else "wall_switch"
    sensed = {c for d, c in pairs if d == "binary_sensor"}
    for group, kind in ((_MOTION, "motion_sensor"), (_SMOKE, "smoke_detector"), ({"moisture"}, "leak_sensor"),
                        (_DOOR, "door_sensor"), ({"window"}, "window_sensor")):  # fmt: skip
        if sensed & group:
            return kind
    if classes & {"temperature", "humidity"}:
        return "outdoor_sensor" if outdoor else "temperature_sensor"
    if classes & {"power", "energy"}:
        return "energy_meter"
    return None


def _area_indices(
    names: Sequence[str], used: set[int] | None, area_kind: AreaKindOf
) -> tuple[tuple[str, ...], dict[int, int]]:
    """Kinds of the areas kept (those holding a device when `used` is given) and old -> new index."""
    keep = [i for i in range(len(names)) if used is None or i in used]
    return tuple(area_kind(names[i]) for i in keep), {old: new for new, old in enumerate(keep)}


def allenporter_home(
    doc: Mapping[str, Any],
    entity_counts: Mapping[str, int],
    area_kind: AreaKindOf,
    home_type: str,
    source: str,
) -> CalHome:
    """One allenporter device file as a `CalHome` (areas without devices are not kept)."""
    names = [str(a) for a in doc.get("areas") or []]
    raw: list[tuple[int, str]] = []
    for area, items in (doc.get("devices") or {}).items():
        if str(area) not in names:
            names.append(str(area))
        raw += [(names.index(str(area)), str(item.get("device_type"))) for item in items or []]
    kinds, index = _area_indices(names, {a for a, _ in raw}, area_kind)
    devices = tuple(
        CalDevice(index[a], ALLENPORTER_KINDS[t], entity_counts.get(t, 1))
        for a, t in raw
        if t in ALLENPORTER_KINDS
    )
    return CalHome(source, home_type, kinds, devices, lights_known=True)


def load_allenporter(
    folder: Path, entity_counts: Mapping[str, int], area_kind: AreaKindOf, type_of: TypeOf
) -> list[CalHome]:
    """The device files of one allenporter folder (`devices-v2` or `devices-v3`) whose type maps to ours."""
    homes = []
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        home_type = type_of(str(doc.get("type", "")))[0] if isinstance(doc, Mapping) else None
        if home_type is not None:
            homes.append(
                allenporter_home(doc, entity_counts, area_kind, home_type, f"allenporter/{folder.name}")
            )
    return homes


def registry_entity_counts(folder: Path) -> dict[str, int]:
    """device_type -> number of entities, from the synthetic-home registry YAML files."""
    counts = {}
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entities = doc.get("entities") or {}
        counts[str(doc.get("device_type", path.stem))] = sum(len(keys or {}) for keys in entities.values())
    return counts


def real_ha_home(doc: Mapping[str, Any], area_kind: AreaKindOf, floors_of: FloorsOf) -> CalHome | None:
    """One anonymized install with a home-type label as a `CalHome`, or None (no label, no areas)."""
    home_type = doc.get("label")
    areas = doc.get("areas") or []
    if home_type not in HOME_TYPES or not areas:
        return None
    names = [str(a.get("name") or "") for a in areas]
    position = {a["area_id"]: i for i, a in enumerate(areas)}
    floors = floors_of(doc)
    if "devices" not in doc or "entities" not in doc:
        return CalHome(
            "real-ha-homes", str(home_type), tuple(area_kind(n) for n in names), None, False, floors=floors
        )
    by_device: dict[str, list[tuple[str, str | None, str]]] = {}
    # every enabled entity of a device, its config and diagnostic ones included: a registry view (and a
    # predict request, which carries no entity_category) counts them, so the entity mix must too
    all_of_device: dict[str, list[str]] = {}
    entity_areas: dict[str, str | None] = {}
    loose: dict[str, list[str]] = {}
    for e in doc["entities"]:
        if e.get("disabled"):
            continue
        device_class = e.get("device_class") or e.get("original_device_class")
        if not e.get("device_id"):
            if e.get("area_id") in position and e["domain"] in HARDWARE_DOMAINS:
                loose.setdefault(e["area_id"], []).append(entity_class_key(str(e["domain"]), device_class))
            continue
        all_of_device.setdefault(e["device_id"], []).append(entity_class_key(str(e["domain"]), device_class))
        if e.get("entity_category"):
            continue
        by_device.setdefault(e["device_id"], []).append(
            (str(e["domain"]), device_class, str(e.get("platform")))
        )
        entity_areas.setdefault(e["device_id"], e.get("area_id"))
    raw: list[tuple[int | None, str | None, list[tuple[str, str | None, str]], tuple[str, ...]]] = []
    service: list[tuple[int, tuple[str, ...]]] = []
    for d in doc["devices"]:
        entities = by_device.get(d["device_id"])
        if d.get("disabled") or not entities:
            continue
        area = position.get(d.get("area_id") or entity_areas.get(d["device_id"]) or "")
        classes = tuple(all_of_device.get(d["device_id"], ()))
        if d.get("entry_type") == "service":
            if area is not None:
                service.append((area, classes))
            continue
        outdoor = area is not None and area_kind(names[area]) in OUTDOOR_KINDS
        raw.append((area, registry_device_kind(entities, outdoor), entities, classes))
    used = {a for a, _, _, _ in raw if a is not None}
    kinds, index = _area_indices(names, used, area_kind)
    # a registry placing no device at all says nothing about which declared areas stay empty
    empty = tuple(area_kind(names[i]) for i in range(len(names)) if i not in used) if used else None
    devices = tuple(
        CalDevice(None if a is None else index[a], k, len(ents), classes) for a, k, ents, classes in raw
    )

    def unit(area: int, classes: Iterable[str]) -> OtherUnit:
        # hardware entities only: a scene or an automation placed in a room is not in the room
        return OtherUnit(
            area_kind(names[area]), tuple(c for c in classes if c.partition(".")[0] in HARDWARE_DOMAINS)
        )

    other = tuple(
        u
        for u in (
            *(unit(a, classes) for a, k, _, classes in raw if k is None and a is not None),
            *(unit(a, classes) for a, classes in service),
            *(unit(position[a], c) for a, c in loose.items()),
        )
        if u.entity_classes
    )
    return CalHome(
        "real-ha-homes", str(home_type), kinds, devices, lights_known=False, empty_areas=empty,
        other_hardware=other if used else None, equipped_areas=len(used), floors=floors,
    )  # fmt: skip


def load_real_ha(folder: Path, area_kind: AreaKindOf, floors_of: FloorsOf) -> list[CalHome]:
    """Every labelled install of the real-ha-homes set (`homes/*.json`) that lists areas."""
    homes = []
    for path in sorted((folder / "homes").glob("*.json")):
        home = real_ha_home(json.loads(path.read_text(encoding="utf-8")), area_kind, floors_of)
        if home is not None:
            homes.append(home)
    return homes


def kind_counts(home: CalHome) -> Counter[str]:
    """How many devices of each kind a home holds (unknown kinds left out)."""
    return Counter(d.kind for d in home.devices or () if d.kind is not None)
