"""Every calibration home with registries (`real-ha-homes/homes/*.json`, already flattened with HA's field
names), written back at test time into HA's `.storage` format and imported: the counts, floors and the
area of every entity come out as the registries say. Homes alternate between an old and a new storage
version. Skipped, with the reason, when the reference data is not beside the checkout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from homeiq_shared.ha_api import SnapshotIn
from homeiq_shared.ha_config_dir import open_config_dir
from homeiq_shared.ha_schema import is_entity_id

from .conftest import external_data

HOMES_DIR = external_data("real-ha-homes", "homes")
HOMES = [
    p
    for p in (sorted(HOMES_DIR.glob("*.json")) if HOMES_DIR else [])
    if any(k in json.loads(p.read_text()) for k in ("areas", "devices", "entities"))
]
# (area, device, entity, floor) storage versions: HA 0.9x-2021 and HA 2025
OLD = {"area": (1, 1), "device": (1, 1), "entity": (1, 1), "floor": (1, 1)}
NEW = {"area": (1, 8), "device": (1, 9), "entity": (1, 16), "floor": (1, 2)}


def _store(storage: Path, kind: str, version: tuple[int, int], data: dict[str, Any]) -> None:
    key = f"core.{kind}_registry"
    doc = {"version": version[0], "minor_version": version[1], "key": key, "data": data}
    (storage / key).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def write_storage(home: dict[str, Any], config: Path, versions: dict[str, tuple[int, int]]) -> None:
    """The home's flattened registries as HA's `.storage` files (`disabled: true` becomes `disabled_by: user`)."""
    storage = config / ".storage"
    storage.mkdir(parents=True)
    by = {True: "user", False: None}
    if "floors" in home:
        floors = [{**f, "aliases": []} for f in home["floors"]]
        _store(storage, "floor", versions["floor"], {"floors": floors})
    if "areas" in home:
        areas = [
            {"id": a["area_id"], "name": a["name"], "floor_id": a.get("floor_id"), "icon": a.get("icon")}
            for a in home["areas"]
        ]
        _store(storage, "area", versions["area"], {"areas": areas})
    if "devices" in home:
        devices = [
            {
                **{k: v for k, v in d.items() if k not in ("device_id", "disabled")},
                "id": d["device_id"],
                "disabled_by": by[bool(d.get("disabled"))],
            }
            for d in home["devices"]
        ]
        _store(storage, "device", versions["device"], {"devices": devices, "deleted_devices": []})
    if "entities" in home:
        entities = [
            {
                **{k: v for k, v in e.items() if k not in ("domain", "disabled", "hidden")},
                "disabled_by": by[bool(e.get("disabled"))],
                "hidden_by": by[bool(e.get("hidden"))],
            }
            for e in home["entities"]
        ]
        _store(storage, "entity", versions["entity"], {"entities": entities, "deleted_entities": []})


def _expected_areas(home: dict[str, Any]) -> dict[str, str | None]:
    """Entity id -> area name, worked out from the flattened rows: the entity's area, else its device's."""
    names = {a["area_id"]: a["name"] or a["area_id"] for a in home.get("areas", [])}  # unnamed: its id
    device_area = {d["device_id"]: d.get("area_id") for d in home.get("devices", [])}
    return {
        e["entity_id"]: names.get(e.get("area_id") or device_area.get(e.get("device_id")) or "")
        for e in home.get("entities", [])
        if not e.get("disabled") and is_entity_id(e["entity_id"])
    }


@pytest.mark.skipif(not HOMES, reason="real-ha-homes/homes is not beside the checkout")
def test_every_real_home_registry_imports(tmp_path: Path) -> None:
    totals = {"homes": 0, "areas": 0, "devices": 0, "entities": 0, "floors": 0}
    for index, path in enumerate(HOMES):
        home = json.loads(path.read_text())
        config = tmp_path / path.stem
        write_storage(home, config, OLD if index % 2 else NEW)
        with open_config_dir(config) as folder:
            snap = folder.snapshot
        expected = _expected_areas(home)
        assert snap.found, path.name
        assert snap.counts == {
            "floors": len(home.get("floors", [])),
            "areas": len(home.get("areas", [])),
            "devices": len(home.get("devices", [])),
            "entities": len(expected),
        }, path.name
        assert {d["entity_id"]: d["area"] for d in snap.devices} == expected, path.name
        floor_of = {a["area_id"]: a.get("floor") for a in home.get("areas", [])}
        level = {f["floor_id"]: f.get("level") for f in home.get("floors", [])}
        for area in snap.areas:
            source = next(a for a in home["areas"] if a["area_id"] == area["area_id"])
            assert area["name"] == (source["name"] or source["area_id"])
            if source.get("floor_id") in level:
                assert area["floor"] == floor_of[area["area_id"]], path.name
                assert area["floor_level"] == level[source["floor_id"]], path.name
        # what `--ai-url` posts: the service's snapshot contract accepts it
        SnapshotIn.model_validate({"home_id": "h", "areas": snap.areas, "devices": snap.devices})
        totals["homes"] += 1
        for key in ("areas", "devices", "entities", "floors"):
            totals[key] += snap.counts[key]
    # the README's figures: 78 homes with registries, 2802 devices, 9 with floors
    assert totals["homes"] == len(HOMES) >= 78
    assert totals["devices"] >= 2802
    assert totals["floors"] > 0
