"""`.storage` registries are read into the home file's areas and entity records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from homeiq_shared.ha_registries import RegistryError, read_registries


def _store(folder: Path, key: str, data: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"version": 1, "minor_version": 8, "key": key, "data": data}
    (folder / key).write_text(json.dumps(doc))


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    storage = tmp_path / ".storage"
    _store(
        storage,
        "core.floor_registry",
        {"floors": [{"floor_id": "ground", "name": "Ground Floor", "level": 0}]},
    )
    _store(
        storage,
        "core.area_registry",
        {
            "areas": [
                {"id": "kitchen", "name": "Kitchen", "floor_id": "ground"},
                {"id": "garden", "name": "Garden", "floor_id": None},
            ]
        },
    )
    _store(
        storage,
        "core.device_registry",
        {
            "devices": [
                {"id": "d1", "area_id": "kitchen", "name": "Motion", "identifiers": [["zha", "00:11"]]},
                {"id": "d2", "area_id": "garden", "name": "Camera", "connections": [["mac", "aa:bb"]]},
            ],
            "deleted_devices": [],
        },
    )
    _store(
        storage,
        "core.entity_registry",
        {
            "entities": [
                {
                    "entity_id": "binary_sensor.kitchen_motion",
                    "device_id": "d1",
                    "original_device_class": "motion",
                },
                {
                    "entity_id": "sensor.kitchen_motion_battery",
                    "device_id": "d1",
                    "device_class": "battery",
                    "unit_of_measurement": "%",
                },
                {"entity_id": "camera.garden", "device_id": "d2", "original_name": "Garden cam"},
                {"entity_id": "light.old", "device_id": None, "disabled_by": "user"},
            ]
        },
    )
    return tmp_path


def test_registries_become_areas_and_entity_records(config_dir: Path) -> None:
    snap = read_registries(config_dir)
    assert snap.counts == {"floors": 1, "areas": 2, "devices": 2, "entities": 3}
    areas = {a["name"]: a for a in snap.areas}
    assert areas["Kitchen"]["floor"] == "Ground Floor"
    assert areas["Garden"]["type"] == "outdoor"
    devices = {d["entity_id"]: d for d in snap.devices}
    assert "light.old" not in devices
    motion = devices["binary_sensor.kitchen_motion"]
    assert (motion["area"], motion["category"], motion["protocol"], motion["power_source"]) == (
        "Kitchen",
        "security",
        "zigbee",
        "battery",
    )
    assert devices["camera.garden"]["power_source"] == "mains"
    assert devices["camera.garden"]["friendly_name"] == "Garden cam"


def test_missing_registries_give_an_empty_snapshot(tmp_path: Path) -> None:
    snap = read_registries(tmp_path)
    assert (snap.areas, snap.devices) == ([], [])


def test_malformed_registry_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".storage").mkdir()
    (tmp_path / ".storage" / "core.area_registry").write_text("{not json")
    with pytest.raises(RegistryError, match="not readable JSON"):
        read_registries(tmp_path)
    (tmp_path / ".storage" / "core.area_registry").write_text(json.dumps({"key": "other", "data": {}}))
    with pytest.raises(RegistryError, match="not a Home Assistant storage file"):
        read_registries(tmp_path)
