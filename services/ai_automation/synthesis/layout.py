"""A home's structure: type, size, floors, areas, devices and the HA entities they expose.

Home types with real data draw their rooms, devices per area and device kinds from the calibration
table (`calibration.py`, derived from real installs and allenporter's homes by
scripts/calibrate_generator.py); the others keep the priors of `home_types.TYPE_PROFILES`. A
calibrated home also declares empty areas as real registries do (their number and kinds from the
real installs); every other area holds at least one device; placement follows the device catalog's
area rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ai_automation.synthesis.calibrated_layout import (
    choose_rooms,
    device_count,
    empty_rooms,
    kind_weights,
    size_index,
)
from ai_automation.synthesis.calibration import (
    LIGHT_KINDS,
    CalibrationTable,
    TypeCalibration,
    calibration_table,
)
from ai_automation.synthesis.device_catalog import DEVICE_KINDS, OUTDOOR, DeviceKind
from ai_automation.synthesis.home_types import (
    FLOOR_NAMES,
    HOME_TYPE_WEIGHTS,
    HOME_TYPES,
    ROOM_NAMES,
    SIZE_CATEGORIES,
    TYPE_PROFILES,
    TypeProfile,
)
from ai_automation.synthesis.locations import LOCATION_WEIGHTS, LOCATIONS, Location
from ai_automation.synthesis.registry_entities import (
    FLOOR_STREAM,
    LIGHTS_STREAM,
    OTHER_HARDWARE_STREAM,
    PLACEMENT_STREAM,
    STATIC,
    EntityInfo,
    add_entity,
    add_other_hardware,
    declare_floors,
    entity_record,
    extra_entities,
    leave_unplaced,
    side_rng,
    slugify,
    static_entity,
)

__all__ = ["STATIC", "EntityInfo", "HomeLayout", "add_virtual", "build_layout", "slugify", "type_mix"]

_SIZE_DEVICE_FACTOR = (0.72, 1.0, 1.3, 1.65)
_SIZE_AREA_SHIFT = (-1.2, 0.0, 1.5, 3.0)
_UPPER_ROOMS = ("master_bedroom", "bedroom", "kids_room", "guest_room", "master_bathroom")
_BASEMENT_ROOMS = ("laundry", "storage", "gym", "workshop")
_AREA_WEIGHT = {"living_room": 1.6, "main_room": 1.8, "kitchen": 1.4, "closet": 0.2, "storage": 0.3}
_STATIC_W = np.array([k.weight for k in DEVICE_KINDS])
_LIGHT = np.array([k.key in LIGHT_KINDS for k in DEVICE_KINDS])


def _lights_off(weights: np.ndarray) -> np.ndarray:
    """Device-kind weights without the light kinds (a registry holding no light)."""
    return np.where(_LIGHT, 0.0, weights)


@dataclass
class HomeLayout:
    """Everything structural about one home, before any event is simulated."""

    home_index: int
    home_id: str
    home_type: str
    size_category: str
    location: Location
    tariff: str
    occupants: int
    floors: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    area_kinds: list[str]
    empty_areas: int = 0
    """How many areas, the last ones, are declared without any device (as in real registries)."""
    device_ids: list[str] = field(default_factory=list)
    device_kinds: list[str] = field(default_factory=list)
    entities: list[EntityInfo] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    def by_behaviour(self, *behaviours: str) -> list[int]:
        """Indices of the entities with one of the given behaviours."""
        return [i for i, e in enumerate(self.entities) if e.behaviour in behaviours]


def type_mix(count: int, home_types: tuple[str, ...] | None, rng: np.random.Generator) -> list[str]:
    """Home types for `count` homes: the original quota split, shuffled so the index hides the type."""
    if home_types:
        chosen = [home_types[i % len(home_types)] for i in range(count)]
    else:
        chosen = []
        for name, weight in zip(HOME_TYPES, HOME_TYPE_WEIGHTS, strict=True):
            chosen += [name] * int(weight * count / 100)
        chosen += [HOME_TYPES[0]] * (count - len(chosen))
    order = rng.permutation(count)
    return [chosen[i] for i in order]


def _choose_floors(
    profile: TypeProfile, rng: np.random.Generator, rooms: list[str] | None = None
) -> list[str]:
    """Floors by the profile; with `rooms` (a calibrated home) basement and attic follow those rooms."""
    floors = ["ground_floor"]
    for name, prob in profile.floor_probs.items():
        if rooms is not None and name in ("basement", "attic"):
            if name in rooms:
                floors.append(name)
        elif rng.random() < prob and (name != "top_floor" or "upstairs" in floors):
            floors.append(name)
    if rooms is not None:
        floors += [f for f in ("basement", "attic") if f in rooms and f not in floors]
    return sorted(floors, key=lambda f: FLOOR_NAMES[f][1])


def _choose_rooms(profile: TypeProfile, size: int, floors: list[str], rng: np.random.Generator) -> list[str]:
    optional = list(profile.optional_rooms)
    rooms = list(profile.core_rooms)
    if "basement" in floors:
        rooms.append("basement")
    if "attic" in floors:
        optional.append(("attic", 0.8))
    target = round(rng.normal(profile.median_areas + _SIZE_AREA_SHIFT[size], 1.1))
    target = int(np.clip(target, len(rooms), len(rooms) + len(optional)))
    if target > len(rooms):
        probs = np.array([p for _, p in optional])
        picks = rng.choice(len(optional), size=target - len(rooms), replace=False, p=probs / probs.sum())
        rooms += [optional[i][0] for i in sorted(picks)]
    return rooms


def _rooms_and_floors(
    profile: TypeProfile,
    cal: TypeCalibration | None,
    table: CalibrationTable,
    rng: np.random.Generator,
) -> tuple[int, list[str], list[str], int]:
    """Size index, floors, rooms and how many of the rooms (the first ones) hold devices: from the
    calibration table when the type has one (then declared empty rooms follow), else the priors."""
    if cal is None:
        size = int(rng.choice(4, p=np.array(profile.size_probs)))
        floors = _choose_floors(profile, rng)
        rooms = _choose_rooms(profile, size, floors, rng)
        return size, floors, rooms, len(rooms)
    rooms = choose_rooms(cal, table.room_classes, rng, table.area_correlation)
    empty = empty_rooms(cal, table.room_classes, table.empty_at_least, table.empty_kinds, rng)
    floors = _choose_floors(profile, rng, rooms + empty)
    return size_index(cal, len(rooms)), floors, rooms + empty, len(rooms)


def _room_floor(kind: str, floors: list[str], rng: np.random.Generator) -> str:
    if kind in OUTDOOR or kind in ("garage", "entrance", "driveway", "shed"):
        return "ground_floor"
    if kind in ("basement", "attic"):
        return kind
    uppers = [f for f in ("upstairs", "top_floor") if f in floors]
    if uppers and (kind in _UPPER_ROOMS or (kind in ("bathroom", "office") and rng.random() < 0.6)):
        return uppers[int(rng.integers(len(uppers)))]
    if "basement" in floors and kind in _BASEMENT_ROOMS:
        return "basement"
    return "ground_floor"


def _build_areas(kinds: list[str], floors: list[str], rng: np.random.Generator) -> list[dict[str, Any]]:
    areas: list[dict[str, Any]] = []
    used: set[str] = set()
    for kind in kinds:
        options = ROOM_NAMES[kind]
        base = options[0] if rng.random() < 0.75 else options[int(rng.integers(len(options)))]
        name, n = base, 2
        while name in used:
            name, n = f"{base} {n}", n + 1
        used.add(name)
        areas.append(
            {
                "area_id": slugify(name),
                "name": name,
                "type": "outdoor" if kind in OUTDOOR else "indoor",
                "floor": _room_floor(kind, floors, rng),
                "description": f"{ROOM_NAMES[kind][0]} ({kind.replace('_', ' ')})",
            }
        )
    return areas


def _place_devices(
    kinds: list[str],
    n_devices: int,
    floors: int,
    kind_w: np.ndarray,
    each_kind: bool,
    rng: np.random.Generator,
    *,
    lit: bool,
) -> list[tuple[DeviceKind, int]]:
    """Draw (device kind, area index) pairs with area rules, caps and diminishing returns.

    A light comes first in the living area (none at all when not `lit`: the registry holds no light);
    with `each_kind` every kind of positive weight is then placed once; then every area still empty
    gets one device, so no area is left without any.
    """
    n_k, n_a = len(DEVICE_KINDS), len(kinds)
    allowed = np.array([[a in k.areas for a in kinds] for k in DEVICE_KINDS], dtype=bool)
    area_w = np.array([_AREA_WEIGHT.get(a, 0.5 if a in OUTDOOR else 1.0) for a in kinds])
    cap_home = np.array([k.max_per_home for k in DEVICE_KINDS])
    cap_home[[i for i, k in enumerate(DEVICE_KINDS) if k.key in ("thermostat", "vacuum")]] = floors
    cap_area = np.array([k.max_per_area for k in DEVICE_KINDS])[:, None]
    count = np.zeros((n_k, n_a), dtype=np.int64)
    placed: list[tuple[DeviceKind, int]] = []

    def put(k: int, a: int) -> None:
        count[k, a] += 1
        placed.append((DEVICE_KINDS[k], a))

    def draw(weight: np.ndarray) -> int:
        return int(rng.choice(weight.size, p=weight / weight.sum()))

    static = _STATIC_W
    if lit:
        main = next(i for i, a in enumerate(kinds) if a in ("living_room", "main_room"))
        put(1 if kind_w[1] > 0 else 0, main)
    else:  # a home whose registry holds no light gets none, ever
        kind_w, static = _lights_off(kind_w), _lights_off(_STATIC_W)
    for k in np.flatnonzero(kind_w > 0).tolist() if each_kind else []:
        weight = area_w * allowed[k] * np.where(count.sum(axis=0) == 0, 4.0, 1.0)
        if not count[k].any() and weight.sum() > 0:
            put(k, draw(weight))
    for a in range(n_a):
        if not count[:, a].any():
            weight = kind_w * allowed[:, a]
            put(draw(weight if weight.sum() > 0 else static * allowed[:, a]), a)
    for _ in range(n_devices - len(placed)):
        weight = kind_w[:, None] * area_w[None, :] * allowed * 0.5**count * 0.88 ** count.sum(axis=0)
        weight[(count >= cap_area) | (count.sum(axis=1) >= cap_home)[:, None]] = 0.0
        total = weight.sum()
        if total <= 0:
            break
        put(*divmod(draw(weight.ravel()), n_a))
    return placed


def build_layout(
    home_index: int, home_type: str, rng: np.random.Generator, table: CalibrationTable | None = None
) -> HomeLayout:
    """Draw one home's size, location, floors, areas, devices and entities from its own generator
    (calibrated by `table`, by default the committed one)."""
    profile = TYPE_PROFILES[home_type]
    table = table or calibration_table()
    cal = table.types.get(home_type)
    location = LOCATIONS[int(rng.choice(len(LOCATIONS), p=np.array(LOCATION_WEIGHTS)))]
    tariff = location.tariffs[int(rng.choice(len(location.tariffs), p=np.array(location.tariff_weights)))]
    size, floors, kinds, equipped = _rooms_and_floors(profile, cal, table, rng)
    low, high = profile.occupants
    occupants = int(np.clip(rng.integers(low, high + 1) - (size == 0) + (size == 3), 1, 6))
    layout = HomeLayout(
        home_index=home_index,
        home_id=f"home_{home_index:03d}",
        home_type=home_type,
        size_category=SIZE_CATEGORIES[size],
        location=location,
        tariff=tariff,
        occupants=occupants,
        floors=[{"floor_id": f, "name": FLOOR_NAMES[f][0], "level": FLOOR_NAMES[f][1]} for f in floors],
        areas=_build_areas(kinds, floors, rng),
        area_kinds=kinds,
        empty_areas=len(kinds) - equipped,
    )
    # whether the registry holds any light, on a side stream: homes with lights keep every draw
    lit = table.lightless is None or side_rng(rng, LIGHTS_STREAM).random() >= table.lightless
    if cal is None:
        median = profile.median_devices * _SIZE_DEVICE_FACTOR[size]
        n_devices = max(len(kinds), int(np.clip(round(median * rng.lognormal(0.0, 0.2)), 4, 45)))
        placement = _place_devices(kinds, n_devices, len(floors), _STATIC_W, False, rng, lit=lit)
    else:
        # devices go to the equipped rooms only; the declared empty ones stay as a real registry has them
        n_devices = device_count(cal, equipped, rng)
        weights = kind_weights(cal, rng)
        placement = _place_devices(kinds[:equipped], n_devices, len(floors), weights, True, rng, lit=lit)
    used: set[str] = set()
    names: set[str] = set()
    for kind, area in placement:
        area_name = layout.areas[area]["name"]
        label = kind.labels[int(rng.integers(len(kind.labels)))]
        if kinds[area] in OUTDOOR and kind.category == "lighting":
            label = "Outdoor Light" if kind.key != "wall_switch" else "Outdoor Switch"
        name, n = f"{area_name} {label}", 2
        while name in names:
            name, n = f"{area_name} {label} {n}", n + 1
        names.add(name)
        device = len(layout.device_ids)
        device_id = f"{layout.home_id}_dev_{device:03d}"
        layout.device_ids.append(device_id)
        layout.device_kinds.append(kind.key)
        protocol = kind.protocols[int(rng.integers(len(kind.protocols)))]
        slug = slugify(name)
        for spec in kind.entities:
            if not lit and spec.domain == "light":  # a garage door opener's lamp, in a home without lights
                continue
            suffix = spec.suffix.replace("_", " ").title()
            info = EntityInfo(
                entity_id=f"{spec.domain}.{slug}" + (f"_{spec.suffix}" if spec.suffix else ""),
                domain=spec.domain,
                behaviour=spec.behaviour,
                friendly_name=f"{name} {suffix}" if suffix else name,
                device_class=spec.device_class,
                unit=spec.unit,
                area=area,
                device=device,
            )
            record = entity_record(info, area_name, kind.category, kind.power_source, protocol)
            record["device_id"] = device_id
            add_entity(layout, used, info, record)
        for domain, device_class in extra_entities(kind, table.entity_mix, rng):
            if not lit and domain == "light":
                continue
            info = static_entity(domain, device_class, slug, name, area, device)
            record = entity_record(info, area_name, kind.category, kind.power_source, protocol)
            record["device_id"] = device_id
            add_entity(layout, used, info, record)
    if table.other_hardware is not None:
        add_other_hardware(
            layout,
            table.other_hardware,
            dict(table.room_classes),
            used,
            names,
            side_rng(rng, OTHER_HARDWARE_STREAM),
            lit=lit,
        )
    if table.device_placement is not None:
        leave_unplaced(layout, table.device_placement, side_rng(rng, PLACEMENT_STREAM))
    if table.floor_registry is not None:
        declare_floors(layout, table.floor_registry, side_rng(rng, FLOOR_STREAM))
    return layout


def add_virtual(
    layout: HomeLayout,
    entity_id: str,
    behaviour: str,
    name: str,
    area: int = -1,
    role: str = "",
    targets: tuple[int, ...] = (),
) -> int:
    """Add a non-device entity (sun, person, automation, script, scene) and return its index."""
    domain = entity_id.split(".", 1)[0]
    info = EntityInfo(entity_id, domain, behaviour, name, None, None, area, -1, role, targets)
    category = {"person": "presence", "sun": "monitoring"}.get(behaviour, "automation")
    area_name = layout.areas[area]["name"] if area >= 0 else None
    used = {e.entity_id for e in layout.entities}
    return add_entity(layout, used, info, entity_record(info, area_name, category, "virtual", "virtual"))
