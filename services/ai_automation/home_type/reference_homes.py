"""Held-out reference homes not made by our generator: allenporter's home-assistant-datasets device files.

Each YAML lists areas and devices (`device_type` such as `light-dimmable` or `motion-sensor`) and a
free-text home `type`. Devices expand into HA entities through the synthetic-home registry (which
entities, domains and device classes a device type has), giving the minimal home shape the
classifier accepts. Types are mapped to ours only where the text is clear.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from homeiq_shared.home_types import binary_label

logger = logging.getLogger(__name__)

# Clear mappings of the free-text type (lower-cased) to our home types.
_CLEAR_TYPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^studio apartment$"), "studio"),
    (re.compile(r"^condo"), "condo"),
    (re.compile(r"apartment|penthouse"), "apartment"),
    (re.compile(r"townhouse|terraced house"), "townhouse"),
    (re.compile(r"^single-family house$"), "single_family_house"),
    (re.compile(r"^single-story house$"), "ranch_house"),
    (re.compile(r"cottage"), "cottage"),
)
# Close but not exact: lofts are usually apartments, cabins are small cottages.
_APPROXIMATE_TYPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^loft$"), "apartment"),
    (re.compile(r"cabin"), "cottage"),
)


FOUR_CLASSES = ("apartment", "cottage", "single_family_house", "townhouse")
"""The coarse classes every reference home maps to (their free-text types are too varied for eight)."""

_FOUR_CLASS_TYPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"apartment|penthouse|loft|condo|studio|flat"), "apartment"),
    (re.compile(r"townhouse|terraced|duplex|row house|canal house|semi-detached"), "townhouse"),
    (re.compile(r"cottage|cabin|chalet|bungalow|beach house|hut|lodge"), "cottage"),
)
_OUR_TO_FOUR = {
    "apartment": "apartment", "condo": "apartment", "studio": "apartment", "townhouse": "townhouse",
    "cottage": "cottage", "single_family_house": "single_family_house", "multi_story": "single_family_house",
    "ranch_house": "single_family_house",
}  # fmt: skip


def four_class(raw: str) -> str:
    """The coarse class of a free-text type: flats, attached houses, small/vacation houses, else a house
    (farmhouses, villas, mansions, estates, single-story and single-family houses)."""
    text = raw.strip().lower()
    for pattern, coarse in _FOUR_CLASS_TYPES:
        if pattern.search(text):
            return coarse
    return "single_family_house"


def coarse_of(home_type: str) -> str:
    """The coarse class of one of our eight home types."""
    return _OUR_TO_FOUR[home_type]


@dataclass(frozen=True)
class ReferenceHome:
    """One reference home: its raw type, our type where the mapping is clear (or approximate), the home."""

    source: str
    raw_type: str
    home_type: str | None
    approximate: bool
    binary_label: str
    home: dict[str, Any]

    @property
    def coarse(self) -> str:
        """The home's class among `FOUR_CLASSES`."""
        return four_class(self.raw_type)

    @property
    def version(self) -> str:
        """Which device set the home comes from (`devices-v2` or `devices-v3`)."""
        return self.source.split("/", 1)[0]


def map_type(raw: str) -> tuple[str | None, bool]:
    """Our home type for a free-text type, and whether the mapping is only approximate."""
    text = raw.strip().lower()
    for pattern, ours in _CLEAR_TYPES:
        if pattern.search(text):
            return ours, False
    for pattern, ours in _APPROXIMATE_TYPES:
        if pattern.search(text):
            return ours, True
    return None, False


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"


def load_device_registry(folder: Path) -> dict[str, list[tuple[str, str, str | None]]]:
    """device_type -> [(domain, entity key, device_class)] from the synthetic-home registry YAML files."""
    registry: dict[str, list[tuple[str, str, str | None]]] = {}
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entities = doc.get("entities") or {}
        expanded = []
        for domain, keys in entities.items():
            for key, spec in (keys or {}).items():
                raw_class = (spec or {}).get("device_class") if isinstance(spec, Mapping) else None
                # "binary_sensor.BinarySensorDeviceClass.MOTION" -> "motion"
                device_class = str(raw_class).rsplit(".", 1)[-1].lower() if raw_class else None
                expanded.append((str(domain), _slug(str(key)), device_class))
        registry[str(doc.get("device_type", path.stem))] = expanded
    return registry


def to_minimal_home(
    doc: Mapping[str, Any], registry: Mapping[str, list[tuple[str, str, str | None]]]
) -> dict[str, Any]:
    """The classifier's minimal shape (areas + devices with entity_id, area, device_class) of one YAML home."""
    areas = [str(a) for a in doc.get("areas") or []]
    devices_by_area = doc.get("devices") or {}
    devices: list[dict[str, Any]] = []
    used: set[str] = set()
    for area, items in devices_by_area.items():
        if str(area) not in areas:
            areas.append(str(area))
        for item in items or []:
            entities = registry.get(str(item.get("device_type")))
            if not entities:
                continue
            base = _slug(f"{area} {item.get('name', 'device')}")
            for domain, key, device_class in entities:
                entity_id = f"{domain}.{base}_{key}"
                while entity_id in used:
                    entity_id += "_2"
                used.add(entity_id)
                devices.append({"entity_id": entity_id, "area": str(area), "device_class": device_class})
    return {
        "home_id": _slug(str(doc.get("name", "home"))),
        "areas": [{"name": a} for a in areas],
        "devices": devices,
    }


def load_reference_homes(root: Path, registry_folder: Path | None = None) -> list[ReferenceHome]:
    """Every device file under `root/devices-v2` and `root/devices-v3` that has at least one known device."""
    registry = load_device_registry(registry_folder or root.parent / "synthetic-home-registry")
    homes: list[ReferenceHome] = []
    for path in sorted(root.glob("devices-v*/*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, Mapping):
            continue
        home = to_minimal_home(doc, registry)
        if not home["devices"]:
            logger.info("skipping %s: no device of a known type", path.name)
            continue
        raw = str(doc.get("type", ""))
        ours, approximate = map_type(raw)
        binary = binary_label(ours) if ours else "standard_home"
        homes.append(ReferenceHome(f"{path.parent.name}/{path.name}", raw, ours, approximate, binary, home))
    return homes
