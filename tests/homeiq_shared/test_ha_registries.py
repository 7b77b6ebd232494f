"""`.storage` registries are read into the home file's areas and entity records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from homeiq_shared import ha_registries
from homeiq_shared.ha_registries import RegistryError, read_registries, snapshot_from_registries


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
                    "entity_category": "diagnostic",
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
    # HA's entity_category is kept: the synergy ranker reads settings and device readings apart
    assert devices["sensor.kitchen_motion_battery"]["entity_category"] == "diagnostic"
    assert motion["entity_category"] is None


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


def _write(storage: Path, key: str, version: tuple[int, int], data: dict[str, Any]) -> None:
    storage.mkdir(parents=True, exist_ok=True)
    doc = {"version": version[0], "minor_version": version[1], "key": key, "data": data}
    (storage / key).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_old_and_new_storage_versions_give_the_same_snapshot(tmp_path: Path) -> None:
    """HA 0.9x wrote area 1.1 (id, name), device 1.1 and entity 1.1; HA 2025 writes 1.8/1.2/1.9/1.16 with more keys."""
    old, new = tmp_path / "old" / ".storage", tmp_path / "new" / ".storage"
    _write(old, "core.area_registry", (1, 1), {"areas": [{"id": "kuche", "name": "Küche"}]})
    _write(
        old, "core.device_registry", (1, 1), {"devices": [{"id": "d1", "area_id": "kuche", "name": "Lampe"}]}
    )
    _write(
        old,
        "core.entity_registry",
        (1, 1),
        {
            "entities": [
                {"entity_id": "light.kuche", "device_id": "d1", "platform": "hue", "disabled_by": None}
            ]
        },
    )
    extra = {"aliases": [], "labels": [], "icon": None, "created_at": "2025-01-01T00:00:00+00:00"}
    _write(new, "core.floor_registry", (1, 2), {"floors": []})
    _write(
        new,
        "core.area_registry",
        (1, 8),
        {"areas": [{"id": "kuche", "name": "Küche", "floor_id": None, "humidity_entity_id": None, **extra}]},
    )
    _write(
        new,
        "core.device_registry",
        (1, 9),
        {
            "devices": [
                {"id": "d1", "area_id": "kuche", "name": "Lampe", "config_entries_subentries": {}, **extra}
            ],
            "deleted_devices": [{"id": "gone", "area_id": None}],
        },
    )
    _write(
        new,
        "core.entity_registry",
        (1, 16),
        {
            "entities": [
                {"entity_id": "light.kuche", "device_id": "d1", "area_id": None, "hidden_by": None, **extra}
            ],
            "deleted_entities": [{"entity_id": "light.gone"}],
        },
    )
    first, second = read_registries(old.parent), read_registries(new.parent)
    assert first.areas == second.areas
    assert first.devices == second.devices
    assert (
        first.counts
        == {**second.counts, "floors": 0}
        == {"floors": 0, "areas": 1, "devices": 1, "entities": 1}
    )
    assert second.devices[0]["area"] == "Küche"


def test_areas_and_devices_without_an_entity_registry(tmp_path: Path) -> None:
    storage = tmp_path / ".storage"
    _write(
        storage,
        "core.area_registry",
        (1, 3),
        {"areas": [{"id": "a", "name": "Гостиная"}, {"id": "b", "name": "Sovrum"}]},
    )
    _write(storage, "core.device_registry", (1, 4), {"devices": [{"id": "d1", "area_id": "a"}]})
    snap = read_registries(tmp_path)
    assert snap.found
    assert snap.counts == {"floors": 0, "areas": 2, "devices": 1, "entities": 0}
    assert [a["name"] for a in snap.areas] == ["Гостиная", "Sovrum"]
    assert snap.devices == []


def test_floors_carry_name_and_level_and_entity_area_overrides_device_area(tmp_path: Path) -> None:
    storage = tmp_path / ".storage"
    _write(
        storage,
        "core.floor_registry",
        (1, 2),
        {
            "floors": [
                {"floor_id": "basement", "name": "Källare", "level": -1},
                {"floor_id": "first", "name": "Första våningen", "level": 1},
            ]
        },
    )
    _write(
        storage,
        "core.area_registry",
        (1, 8),
        {
            "areas": [
                {"id": "hall", "name": "Hall", "floor_id": "first"},
                {"id": "cellar", "name": "Cellar", "floor_id": "basement"},
                {"id": "attic", "name": "Attic", "floor_id": "unknown-floor"},
            ]
        },
    )
    _write(storage, "core.device_registry", (1, 9), {"devices": [{"id": "d1", "area_id": "hall"}]})
    _write(
        storage,
        "core.entity_registry",
        (1, 16),
        {
            "entities": [
                {"entity_id": "sensor.hall_temperature", "device_id": "d1", "area_id": None},
                {"entity_id": "sensor.cellar_temperature", "device_id": "d1", "area_id": "cellar"},
                {"entity_id": "not an entity id", "device_id": "d1"},
                "junk",
            ]
        },
    )
    snap = read_registries(tmp_path)
    areas = {a["area_id"]: a for a in snap.areas}
    assert (areas["hall"]["floor"], areas["hall"]["floor_level"]) == ("Första våningen", 1)
    assert (areas["cellar"]["floor"], areas["cellar"]["floor_level"]) == ("Källare", -1)
    assert (areas["attic"]["floor"], areas["attic"]["floor_level"]) == ("unknown-floor", None)
    assert {d["entity_id"]: d["area"] for d in snap.devices} == {
        "sensor.hall_temperature": "Hall",
        "sensor.cellar_temperature": "Cellar",
    }


def test_websocket_registry_entries_read_like_storage_ones() -> None:
    """`config/area_registry/list` keys an area `area_id` where `.storage` says `id`."""
    snap = snapshot_from_registries(
        [{"floor_id": "f0", "name": "Ground", "level": 0}],
        [{"area_id": "kitchen", "name": "Kitchen", "floor_id": "f0"}],
        [{"id": "d1", "area_id": "kitchen"}],
        [{"entity_id": "light.kitchen", "device_id": "d1"}],
    )
    assert snap.areas[0]["floor"] == "Ground"
    assert snap.areas[0]["floor_level"] == 0
    assert snap.devices[0]["area"] == "Kitchen"


def test_an_oversized_registry_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ha_registries, "MAX_REGISTRY_BYTES", 100)
    _write(
        tmp_path / ".storage", "core.area_registry", (1, 1), {"areas": [{"id": str(i)} for i in range(50)]}
    )
    with pytest.raises(RegistryError, match="at most 100"):
        read_registries(tmp_path)
