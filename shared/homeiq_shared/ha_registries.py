"""Read Home Assistant's registries (areas, floors, devices, entities) into the home shape.

The result has the home file's `areas[]` and `devices[]` (one record per entity, as the generator
writes them), so a real install can be classified and compared with synthetic homes. Files are
only read; a missing registry yields an empty list, a malformed one a `RegistryError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeiq_shared.ha_schema import is_entity_id
from homeiq_shared.ha_semantics import device_category, is_outdoor_area

_PROTOCOLS = {
    "zha": "zigbee",
    "zigbee2mqtt": "zigbee",
    "deconz": "zigbee",
    "zwave_js": "zwave",
    "matter": "matter",
}


MAX_REGISTRY_BYTES = 64 * 1024 * 1024
"""Largest registry file read (a big install's entity registry is a few MB)."""
REGISTRY_KEYS = ("core.floor_registry", "core.area_registry", "core.device_registry", "core.entity_registry")


class RegistryError(Exception):
    """A registry file exists but is not HA's JSON storage format."""


@dataclass
class RegistrySnapshot:
    """Areas and entity records read from a config folder, plus what was found."""

    areas: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    counts: dict[str, int]
    found: bool = False
    """At least one registry was present (an install with areas but no entity registry still counts)."""


def _load(storage: Path, key: str) -> dict[str, Any] | None:
    """The `data` of one storage file; any storage `version`/`minor_version` is read the same way."""
    path = storage / key
    if not path.is_file():
        return None
    try:
        size = path.stat().st_size
        if size > MAX_REGISTRY_BYTES:
            raise RegistryError(f"{path} is {size} bytes; at most {MAX_REGISTRY_BYTES} are read")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegistryError(f"{path} is not readable JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("key") != key or not isinstance(doc.get("data"), dict):
        raise RegistryError(f"{path} is not a Home Assistant storage file for {key}")
    data: dict[str, Any] = doc["data"]
    return data


def _entries(data: dict[str, Any] | None, name: str) -> list[dict[str, Any]]:
    """The list `name` of a registry's data, keeping only objects (a hand-edited file may hold junk)."""
    items = (data or {}).get(name)
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def area_kind(name: str) -> str:
    """`outdoor` when the area name says so (in any language `ha_semantics` knows), else `indoor`."""
    return "outdoor" if is_outdoor_area(name) else "indoor"


def category_for(domain: str, device_class: str | None) -> str:
    """The home file's device category for an HA domain and device class (the one rule of `ha_semantics`)."""
    return device_category(domain, device_class)


def _protocol(device: dict[str, Any]) -> str:
    for pair in device.get("identifiers") or []:
        if isinstance(pair, list | tuple) and pair and str(pair[0]) in _PROTOCOLS:
            return _PROTOCOLS[str(pair[0])]
    for pair in device.get("connections") or []:
        if isinstance(pair, list | tuple) and pair and pair[0] == "zigbee":
            return "zigbee"
    return "wifi" if device.get("connections") else "other"


def _level(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def snapshot_from_registries(
    floors: list[dict[str, Any]],
    areas: list[dict[str, Any]],
    devices: list[dict[str, Any]],
    entities: list[dict[str, Any]],
) -> RegistrySnapshot:
    """Areas (with their floor's name and level) and one record per enabled entity, from HA's registry entries.

    The entries are HA's own, from `.storage` (areas keyed `id`) or the websocket
    `config/*_registry/list` commands (areas keyed `area_id`). An entity's own `area_id` overrides its
    device's, as in HA.
    """
    floors_by_id = {str(f["floor_id"]): f for f in floors if f.get("floor_id")}
    areas_by_id: dict[str, dict[str, Any]] = {}
    for entry in areas:
        area_id = entry.get("id") or entry.get("area_id")
        if not area_id:
            continue
        area_name = str(entry.get("name") or area_id)
        floor = floors_by_id.get(str(entry.get("floor_id") or ""))
        areas_by_id[str(area_id)] = {
            "area_id": str(area_id),
            "name": area_name,
            "type": area_kind(area_name),
            "floor": floor.get("name") if floor else entry.get("floor_id"),
            "floor_level": _level(floor.get("level")) if floor else None,
            "description": f"{area_name} (imported from Home Assistant)",
        }
    devices_by_id = {str(d["id"]): d for d in devices if d.get("id")}
    battery_devices = {
        e.get("device_id")
        for e in entities
        if (e.get("device_class") or e.get("original_device_class")) == "battery"
    }
    records = []
    for entity in entities:
        entity_id = str(entity.get("entity_id") or "")
        if entity.get("disabled_by") or not is_entity_id(entity_id):
            continue
        domain, _, _ = entity_id.partition(".")
        device = devices_by_id.get(entity.get("device_id") or "", {})
        area = areas_by_id.get(entity.get("area_id") or device.get("area_id") or "")
        device_class = entity.get("device_class") or entity.get("original_device_class")
        name = (
            entity.get("name")
            or entity.get("original_name")
            or device.get("name_by_user")
            or device.get("name")
        )
        records.append(
            {
                "entity_id": entity_id,
                "device_id": entity.get("device_id"),
                "friendly_name": name or entity_id,
                "name": name or entity_id,
                "device_type": domain,
                "device_class": device_class,
                "entity_category": entity.get("entity_category"),
                "unit_of_measurement": entity.get("unit_of_measurement"),
                "area": area["name"] if area else None,
                "category": category_for(domain, device_class),
                "power_source": "battery" if entity.get("device_id") in battery_devices else "mains",
                "protocol": _protocol(device) if device else "other",
                "attributes": {"friendly_name": name or entity_id, "device_class": device_class},
            }
        )
    counts = {
        "floors": len(floors_by_id),
        "areas": len(areas_by_id),
        "devices": len(devices_by_id),
        "entities": len(records),
    }
    return RegistrySnapshot(areas=list(areas_by_id.values()), devices=records, counts=counts)


def read_registries(config_dir: Path) -> RegistrySnapshot:
    """Read `.storage/core.{floor,area,device,entity}_registry` under `config_dir` (any storage version)."""
    storage = config_dir / ".storage"
    loaded = {key: _load(storage, key) for key in REGISTRY_KEYS}
    snapshot = snapshot_from_registries(
        _entries(loaded["core.floor_registry"], "floors"),
        _entries(loaded["core.area_registry"], "areas"),
        _entries(loaded["core.device_registry"], "devices"),
        _entries(loaded["core.entity_registry"], "entities"),
    )
    snapshot.found = any(data is not None for data in loaded.values())
    return snapshot
