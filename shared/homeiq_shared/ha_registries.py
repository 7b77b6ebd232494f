"""Read Home Assistant's `.storage` registries (areas, floors, devices, entities) into the home shape.

The result has the home file's `areas[]` and `devices[]` (one record per entity, as the generator
writes them), so a real install can be classified and compared with synthetic homes. Files are
only read; a missing registry yields an empty list, a malformed one a `RegistryError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeiq_shared.ha_semantics import device_category, is_outdoor_area

_PROTOCOLS = {
    "zha": "zigbee",
    "zigbee2mqtt": "zigbee",
    "deconz": "zigbee",
    "zwave_js": "zwave",
    "matter": "matter",
}


class RegistryError(Exception):
    """A registry file exists but is not HA's JSON storage format."""


@dataclass
class RegistrySnapshot:
    """Areas and entity records read from a config folder, plus what was found."""

    areas: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    counts: dict[str, int]


def _load(storage: Path, key: str) -> dict[str, Any] | None:
    path = storage / key
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegistryError(f"{path} is not readable JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("key") != key or not isinstance(doc.get("data"), dict):
        raise RegistryError(f"{path} is not a Home Assistant storage file for {key}")
    data: dict[str, Any] = doc["data"]
    return data


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


def read_registries(config_dir: Path) -> RegistrySnapshot:
    """Read `.storage/core.{floor,area,device,entity}_registry` under `config_dir`."""
    storage = config_dir / ".storage"
    floors = {f["floor_id"]: f for f in (_load(storage, "core.floor_registry") or {}).get("floors", [])}
    raw_areas = (_load(storage, "core.area_registry") or {}).get("areas", [])
    raw_devices = (_load(storage, "core.device_registry") or {}).get("devices", [])
    raw_entities = (_load(storage, "core.entity_registry") or {}).get("entities", [])

    areas_by_id: dict[str, dict[str, Any]] = {}
    for area in raw_areas:
        floor = floors.get(area.get("floor_id") or "")
        areas_by_id[area["id"]] = {
            "area_id": area["id"],
            "name": area.get("name") or area["id"],
            "type": area_kind(area.get("name") or area["id"]),
            "floor": floor.get("name") if floor else area.get("floor_id"),
            "description": f"{area.get('name')} (imported from Home Assistant)",
        }
    devices_by_id = {d["id"]: d for d in raw_devices if isinstance(d, dict) and "id" in d}
    battery_devices = {
        e.get("device_id")
        for e in raw_entities
        if (e.get("device_class") or e.get("original_device_class")) == "battery"
    }
    records = []
    for entity in raw_entities:
        if entity.get("disabled_by"):
            continue
        entity_id = str(entity.get("entity_id", ""))
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
                "unit_of_measurement": entity.get("unit_of_measurement"),
                "area": area["name"] if area else None,
                "category": category_for(domain, device_class),
                "power_source": "battery" if entity.get("device_id") in battery_devices else "mains",
                "protocol": _protocol(device) if device else "other",
                "attributes": {"friendly_name": name or entity_id, "device_class": device_class},
            }
        )
    counts = {
        "floors": len(floors),
        "areas": len(areas_by_id),
        "devices": len(devices_by_id),
        "entities": len(records),
    }
    return RegistrySnapshot(areas=list(areas_by_id.values()), devices=records, counts=counts)
