"""The real-ha-homes calibration installs as snapshots plus their (hidden) automations.

Reads `../shared/external-data/real-ha-homes/homes/<id>.json` (anonymized public HA configurations;
attribution in that folder's README) into the snapshot shape `POST /api/ha/snapshot` accepts: one
device record per enabled entity, its area resolved through the entity or its device. Only the
fitting script and the bench read these files; the service ships derived counts (`priors.json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homeiq_shared.ha_schema import is_entity_id


@dataclass(frozen=True)
class CalibrationHome:
    """One calibration install: its snapshot and the automations its owner wrote."""

    home_id: str
    snapshot: dict[str, Any]
    automations: list[dict[str, Any]]


def snapshot_of(home: dict[str, Any]) -> dict[str, Any]:
    """A snapshot body from an anonymized registry dump (enabled entities with valid ids only)."""
    area_name = {a.get("area_id"): a.get("name") for a in home.get("areas", []) if a.get("name")}
    device_area = {d.get("device_id"): d.get("area_id") for d in home.get("devices", [])}
    devices = []
    for e in home.get("entities", []):
        if e.get("disabled") or not is_entity_id(e.get("entity_id")):
            continue
        record: dict[str, Any] = {"entity_id": e["entity_id"]}
        area = area_name.get(e.get("area_id") or device_area.get(e.get("device_id")))
        device_class = e.get("device_class") or e.get("original_device_class")
        for key, value in (
            ("area", area),
            ("device_class", device_class),
            ("device_id", e.get("device_id")),
            ("entity_category", e.get("entity_category")),
        ):
            if isinstance(value, str) and value:
                record[key] = value
        devices.append(record)
    areas = [{"name": a["name"], "area_id": a.get("area_id")} for a in home.get("areas", []) if a.get("name")]
    return {"home_id": str(home.get("home_id", "home"))[:64], "areas": areas, "devices": devices}


def load_calibration_homes(folder: Path) -> list[CalibrationHome]:
    """Every install of `folder` (`homes/*.json`) with at least one entity, by file name."""
    out = []
    for path in sorted(folder.glob("*.json")):
        home = json.loads(path.read_text())
        snapshot = snapshot_of(home)
        if snapshot["devices"]:
            out.append(CalibrationHome(path.stem, snapshot, list(home.get("automations", []))))
    return out


def load_automation_only(folder: Path) -> list[list[dict[str, Any]]]:
    """The automations of the installs of `folder` that have no entity registry (their entity ids are
    known only as written in the automations): extra statistics of what real automations link."""
    out = []
    for path in sorted(folder.glob("*.json")):
        home = json.loads(path.read_text())
        if home.get("automations") and not snapshot_of(home)["devices"]:
            out.append(list(home["automations"]))
    return out
