"""Any home as Home Assistant's registries show it: area names and entities, nothing a generator declares.

The one door into the home-type features. A generated home file, a `/predict` request, an imported
`.storage` snapshot (`read_registries`) and a registry export with `entities[]` and HA `devices[]`
(the calibration installs' shape) all become the same `RegistryView`: area names (no declared
indoor/outdoor), how many floors the registry declares (`declared_floors`: the floors the areas are on,
else the home's floor list; 0 when it declares none, as most real registries and many requests), and per
entity its domain, device class (canonicalised) and area. A generator's own `category` or area `type`
never reaches a feature; its floors do only as a registry declares them (the generator leaves them out of
the home file when the registry declares none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from homeiq_shared.ha_schema import is_entity_id
from homeiq_shared.ha_semantics import HARDWARE_DOMAINS, canonical_device_class

PHYSICAL_DOMAINS = HARDWARE_DOMAINS
"""Domains of hardware in the home (`homeiq_shared.ha_semantics.HARDWARE_DOMAINS`, which the
generator's calibration reads too)."""

DIAGNOSTIC_CLASSES = frozenset(
    {
        "signal_strength", "timestamp", "data_size", "data_rate", "frequency", "connectivity", "problem",
        "update", "battery_charging",
    }
)  # fmt: skip
"""Device classes that report on the hardware or the network rather than on the home (a real
registry marks them `entity_category: diagnostic`, which a predict request does not carry)."""


class HomeInputError(ValueError):
    """A home that cannot be featurised: no devices, a malformed entity_id, an unusable field."""


@dataclass(frozen=True, slots=True)
class ViewEntity:
    """One entity: its id, domain, canonical device class and area (index into the areas, -1 if none)."""

    entity_id: str
    domain: str
    device_class: str | None
    area: int

    @property
    def physical(self) -> bool:
        """Whether the entity is hardware (see `PHYSICAL_DOMAINS`)."""
        return self.domain in PHYSICAL_DOMAINS


@dataclass(frozen=True, slots=True)
class RegistryView:
    """Area names and entities of one home, in input order."""

    areas: tuple[str, ...]
    entities: tuple[ViewEntity, ...]
    floors: int = 0
    """Floors the home's registry declares (`declared_floors`; 0: none)."""

    @property
    def physical(self) -> tuple[ViewEntity, ...]:
        """The hardware entities."""
        return tuple(e for e in self.entities if e.physical)

    def counted(self) -> list[bool]:
        """Per entity, whether composition features count it: hardware that is not diagnostic and, when
        the home places any hardware in an area, placed in one. A real install also holds many
        integration entities in no area (weather, energy prices, the server's own sensors); what is
        in the rooms is what says what kind of home it is, in a real registry as in a generated one."""
        hardware = [e.physical and e.device_class not in DIAGNOSTIC_CLASSES for e in self.entities]
        placed = [h and e.area >= 0 for h, e in zip(hardware, self.entities, strict=True)]
        return placed if any(placed) else hardware


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def area_key(name: str) -> str:
    """A normalised key so `Living Room`, `living_room` and `living room` name the same area."""
    return "_".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def _area_names(raw: Any) -> tuple[list[str], dict[str, int]]:
    """Area names in order and a key -> index map over names and area ids."""
    if not isinstance(raw, list):
        raise HomeInputError("areas must be a list")
    names: list[str] = []
    index: dict[str, int] = {}
    ids: list[tuple[str, int]] = []
    for item in raw:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, Mapping):
            raise HomeInputError("each area must be an object with a name")
        name = _text(item.get("name")) or _text(item.get("area_id"))
        if name is None:
            raise HomeInputError("an area has no name")
        index.setdefault(area_key(name), len(names))
        if _text(item.get("area_id")):
            ids.append((area_key(str(item["area_id"])), len(names)))
        names.append(name)
    for key, i in ids:  # names first: an id never shadows another area's name
        index.setdefault(key, i)
    return names, index


MAX_FLOORS = 20
"""`declared_floors` counts at most this many: a limit on what a request can make a feature say."""
MAX_FLOOR_ENTRIES = 1_000
"""A longer `floors` list is refused (HA's floor registry of a real home holds a handful)."""


def _floor_key(value: Any) -> str | None:
    """An id or a name as a key: text (case and separators folded as for areas) or a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = _text(value)
    return area_key(text) or None if text else None


def _count_floors(pairs: Iterable[tuple[str | None, str | None]]) -> int:
    """How many floors (id key, name key) pairs name: pairs sharing an id or a name, directly or through
    other pairs, are one floor (union-find over the keys, so the order of the entries does not matter)."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def root(key: tuple[str, str]) -> tuple[str, str]:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for floor_id, name in pairs:
        keys = [(kind, key) for kind, key in (("id", floor_id), ("name", name)) if key]
        for key in keys:
            parent.setdefault(key, key)
        if len(keys) == 2:
            parent[root(keys[0])] = root(keys[1])
    return min(len({root(key) for key in parent}), MAX_FLOORS)


def _floor_entries(floors: Any) -> list[tuple[str | None, str | None]]:
    """The (id, name) keys of a `floors` list; a malformed list or entry raises `HomeInputError`."""
    if not isinstance(floors, list):
        raise HomeInputError("floors must be a list of floor registry entries (floor_id, name, level)")
    if len(floors) > MAX_FLOOR_ENTRIES:
        raise HomeInputError(f"floors lists {len(floors)} entries; at most {MAX_FLOOR_ENTRIES} are accepted")
    pairs: list[tuple[str | None, str | None]] = []
    for entry in floors:
        pair: tuple[str | None, str | None]
        if isinstance(entry, str):
            pair = (None, _floor_key(entry))
        elif isinstance(entry, Mapping):
            pair = (_floor_key(entry.get("floor_id")), _floor_key(entry.get("name")))
        else:
            pair = (None, None)
        if pair == (None, None):
            raise HomeInputError(
                "each floor must be a name or an object with a floor_id or a name (text or a whole number)"
            )
        pairs.append(pair)
    return pairs


def declared_floors(home: Mapping[str, Any]) -> int:
    """Floors the home's registry declares, counted the same way for every shape: the distinct floors
    its areas are on (`floor_id`, or the `floor` name an imported snapshot keeps), else the entries of
    its `floors` list (HA's floor registry, a home file's floors, or a predict body's: objects with
    `floor_id` / `name`, or names), else 0. So a floor holding no area counts only when no area names
    its floor, as HA's import and live snapshots keep only the floors their areas are on. A `floors`
    list is always checked (`HomeInputError` for a malformed one), whether or not it is counted."""
    floors = home.get("floors")
    listed = _floor_entries(floors) if floors is not None else []
    areas = home.get("areas")
    on_areas = (
        _count_floors(
            (_floor_key(a.get("floor_id")), _floor_key(a.get("floor")))
            for a in areas
            if isinstance(a, Mapping)
        )
        if isinstance(areas, list)
        else 0
    )
    return on_areas or _count_floors(listed)


def _device_class(record: Mapping[str, Any]) -> str | None:
    found = _text(record.get("device_class")) or _text(record.get("original_device_class"))
    attributes = record.get("attributes")
    if found is None and isinstance(attributes, Mapping):
        found = _text(attributes.get("device_class"))
    return found


def _checked_id(entity_id: Any) -> str:
    if not isinstance(entity_id, str) or not is_entity_id(entity_id):
        raise HomeInputError(f"malformed entity_id {entity_id!r}: expected 'domain.object_id' in [a-z0-9_]")
    return entity_id


def _entity(entity_id: str, device_class: str | None, area: int) -> ViewEntity:
    domain = entity_id.partition(".")[0]
    return ViewEntity(entity_id, domain, canonical_device_class(domain, device_class), area)


def _from_registry(home: Mapping[str, Any], index: Mapping[str, int]) -> list[ViewEntity]:
    """Entities of a registry export: `entities[]` with `area_id`, falling back to their device's area."""
    device_area: dict[str, str] = {}
    for device in home.get("devices") or []:
        if isinstance(device, Mapping) and _text(device.get("device_id") or device.get("id")):
            area_id = _text(device.get("area_id"))
            if area_id:
                device_area[str(device.get("device_id") or device.get("id"))] = area_id
    out = []
    for record in home["entities"]:
        if not isinstance(record, Mapping):
            raise HomeInputError("each entity must be an object with an entity_id")
        # disabled entities are not in the home; an id HA itself would refuse (a legacy `a__b`) is
        # skipped here as a registry export is read, while a predict request naming one is refused
        if record.get("disabled") or record.get("disabled_by") or not is_entity_id(record.get("entity_id")):
            continue
        area_id = _text(record.get("area_id")) or device_area.get(str(record.get("device_id")))
        area = index.get(area_key(area_id), -1) if area_id else -1
        out.append(_entity(_checked_id(record.get("entity_id")), _device_class(record), area))
    return out


def _from_devices(devices: Sequence[Any], index: Mapping[str, int]) -> list[ViewEntity]:
    """Entities of the home-file / predict shape: one record per entity with `area` (a name or an id)."""
    out = []
    for record in devices:
        if not isinstance(record, Mapping):
            raise HomeInputError("each device must be an object with an entity_id")
        entity_id = _checked_id(record.get("entity_id"))
        area_name = _text(record.get("area")) or _text(record.get("area_id"))
        area = index.get(area_key(area_name), -1) if area_name else -1
        out.append(_entity(entity_id, _device_class(record), area))
    return out


def registry_view(home: Mapping[str, Any]) -> RegistryView:
    """The registry view of a home of any shape; raises `HomeInputError` when it has no usable entity."""
    if not isinstance(home, Mapping):
        raise HomeInputError("a home must be a JSON object")
    names, index = _area_names(home.get("areas") or [])
    if isinstance(home.get("entities"), list) and home["entities"]:
        entities = _from_registry(home, index)
    else:
        devices = home.get("devices")
        if not isinstance(devices, list) or not devices:
            raise HomeInputError("the home has no devices; at least one device with an entity_id is needed")
        entities = _from_devices(devices, index)
    if not entities:
        raise HomeInputError("the home has no enabled entity")
    return RegistryView(tuple(names), tuple(entities), declared_floors(home))


def as_predict_home(view: RegistryView, home_id: str = "") -> dict[str, Any]:
    """The minimal `/predict` body of a view (areas by name; entity_id, area, device_class; the floors
    as anonymous entries when the registry declares some), no events."""
    devices = []
    for e in view.entities:
        record: dict[str, Any] = {"entity_id": e.entity_id, "device_type": e.domain}
        if e.area >= 0:
            record["area"] = view.areas[e.area]
        if e.device_class is not None:
            record["device_class"] = e.device_class
        devices.append(record)
    body: dict[str, Any] = {
        "home_id": home_id,
        "areas": [{"name": n} for n in view.areas],
        "devices": devices,
    }
    if view.floors:
        body["floors"] = [{"floor_id": f"floor_{i}"} for i in range(view.floors)]
    return body
