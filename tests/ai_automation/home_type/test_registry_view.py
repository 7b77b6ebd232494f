"""One featurization: a generated home, its predict request and its registry export give the same features."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ai_automation.home_type.features import (
    COMPOSITION,
    DECLARED_AREA_FEATURES,
    FEATURE_NAMES,
    extract_features,
    group_columns,
)
from ai_automation.home_type.home_view import HomeInputError
from ai_automation.home_type.registry_view import as_predict_home, registry_view
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset

COMP = group_columns([COMPOSITION])


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    import orjson

    folder = tmp_path_factory.mktemp("homes")
    options = GeneratorOptions(
        count=4, days=1, seed=5, weather=False, carbon=False, pricing=False, calendar=False, workers=1
    )
    generate_dataset(options, folder, overwrite=True)
    return [orjson.loads(p.read_bytes()) for p in sorted(Path(folder).glob("home_*.json"))]


def as_registry_export(home: dict[str, Any]) -> dict[str, Any]:
    """The same home as a real registry export carries it: areas with hashed ids, HA devices holding the
    area, entities pointing at their device (or straight at an area), the floor registry when the home
    declares one, no category or type."""
    area_ids = {a["name"]: f"a{i:03d}" for i, a in enumerate(home["areas"])}
    levels = {f["floor_id"]: f["level"] for f in home["floors"]}
    devices: dict[str, dict[str, Any]] = {}
    entities = []
    for i, d in enumerate(home["devices"]):
        area_id = area_ids.get(d.get("area") or "")
        record: dict[str, Any] = {"entity_id": d["entity_id"], "original_device_class": d.get("device_class")}
        if i % 2 and d.get("device_id"):  # half reach their area through their device, as HA does
            devices.setdefault(d["device_id"], {"device_id": d["device_id"], "area_id": area_id})
            record["device_id"] = d["device_id"]
        else:
            record["area_id"] = area_id
        entities.append(record)
    return {
        # HA's floor registry and each area's floor_id, when the home's registry declares floors
        "floors": [
            {"floor_id": f"f{f['level']}", "name": f["name"], "level": f["level"]} for f in home["floors"]
        ],
        "areas": [
            {"area_id": area_ids[a["name"]], "name": a["name"]}
            | ({"floor_id": f"f{levels[a['floor']]}"} if a.get("floor") else {})
            for a in home["areas"]
        ],
        "devices": list(devices.values()),
        "entities": [*entities, {"entity_id": "light.gone", "disabled": True}],
    }


def test_golden_generated_home_equals_its_predict_request_and_registry_export(
    generated: list[dict[str, Any]],
) -> None:
    for home in generated:
        as_file = extract_features({**home, "events": []}).values
        request = {
            "areas": [{"name": a["name"]} for a in home["areas"]],
            "devices": [
                {
                    k: d[k]
                    for k in ("entity_id", "device_type", "area", "device_class")
                    if d.get(k) is not None
                }
                for d in home["devices"]
            ],
            "floors": [{"floor_id": f["floor_id"]} for f in home["floors"]],
        }
        exported = as_registry_export(home)
        for other in (request, exported, as_predict_home(registry_view(exported))):
            np.testing.assert_array_equal(extract_features(other).values[COMP], as_file[COMP])


def test_generator_fields_never_reach_a_feature(generated: list[dict[str, Any]]) -> None:
    home = {**generated[0], "events": []}
    # the generator's own category and declared indoor/outdoor turned upside down (the floors the areas
    # are on are the registry's, and read: `declared_floors`)
    lying = {
        **home,
        "areas": [{**a, "type": "outdoor"} for a in home["areas"]],
        "devices": [{**d, "category": "security"} for d in home["devices"]],
    }
    np.testing.assert_array_equal(extract_features(lying).values, extract_features(home).values)


def _v(home: dict[str, Any]) -> dict[str, float]:
    return dict(zip(FEATURE_NAMES, extract_features(home).values.tolist(), strict=True))


def test_multilingual_areas_and_the_entrance_are_indoor_kinds() -> None:
    areas = ["Küche", "Cocina", "Chambre 1", "Sovrum", "Łazienka", "Salle de bain", "Soggiorno",
             "Jardín", "Front Door", "Entrance", "Flur", "Кухня", "Garaje", "x3"]  # fmt: skip
    # one light in each area: area kinds are read over the areas holding hardware
    v = _v(
        {"areas": areas, "devices": [{"entity_id": f"light.l{i}", "area": a} for i, a in enumerate(areas)]}
    )
    assert v["placed_areas_kitchen"] == 3
    assert v["placed_areas_bedroom"] == 2
    assert v["placed_areas_bathroom"] == 2
    assert v["placed_areas_living"] == 1
    assert v["placed_areas_outdoor"] == 1
    assert v["placed_areas_hallway"] == 3
    assert v["placed_areas_garage"] == 1
    assert v["placed_areas_other"] == 1
    assert v["outdoor_device_share"] == 1 / 14  # the front-door light is indoors, the garden one is not


def test_garage_door_cover_and_sensor_count_as_one_class_and_as_security() -> None:
    home = {
        "areas": ["Garage"],
        "devices": [
            {"entity_id": "cover.garage_door", "area": "Garage", "device_class": "garage"},
            {"entity_id": "binary_sensor.garage_door", "area": "Garage", "device_class": "garage_door"},
            {"entity_id": "light.garage", "area": "Garage"},
            {"entity_id": "cover.blinds", "area": "Garage", "device_class": "blind"},
        ],
    }
    v = _v(home)
    assert v["class_share_garage_door"] == 0.5
    assert v["security_ratio"] == 0.5  # both garage doors; the blind stays an appliance
    assert v["appliance_ratio"] == 0.25


def test_composition_counts_placed_hardware_not_integrations_or_diagnostics() -> None:
    home = {
        "areas": ["Kitchen"],
        "devices": [
            {"entity_id": "light.kitchen", "area": "Kitchen"},
            {"entity_id": "sensor.kitchen_rssi", "area": "Kitchen", "device_class": "signal_strength"},
            {"entity_id": "sensor.electricity_price"},  # an integration's entity, in no area
            {"entity_id": "person.alex"},
            {"entity_id": "number.kitchen_light_transition", "area": "Kitchen"},
        ],
    }
    v = _v(home)
    assert v["total_devices"] == 1
    assert v["lighting_ratio"] == 1.0
    # a home with no area at all still counts its hardware
    assert _v({"devices": home["devices"]})["total_devices"] == 2  # light and price; rssi is diagnostic


def test_registry_export_skips_disabled_and_invalid_ids_but_a_request_is_refused() -> None:
    export = {
        "areas": [{"area_id": "k", "name": "Kitchen"}],
        "entities": [
            {"entity_id": "light.kitchen", "area_id": "k"},
            {"entity_id": "sensor.legacy__id", "area_id": "k"},
            {"entity_id": "light.old", "area_id": "k", "disabled_by": "user"},
        ],
    }
    view = registry_view(export)
    assert [e.entity_id for e in view.entities] == ["light.kitchen"]
    assert view.areas == ("Kitchen",)
    assert _v(export)["placed_area_count"] == 1
    with pytest.raises(HomeInputError, match="malformed entity_id"):
        extract_features({"devices": [{"entity_id": "sensor.legacy__id"}]})


def test_a_generated_home_without_its_empty_areas_differs_only_in_the_declared_area_features(
    generated: list[dict[str, Any]],
) -> None:
    others = [i for i, name in enumerate(FEATURE_NAMES) if name not in DECLARED_AREA_FEATURES]
    for home in generated:
        view = registry_view(home)  # areas holding counted hardware (not an automation's, not unplaced)
        used = {
            view.areas[e.area]
            for e, n in zip(view.entities, view.counted(), strict=True)
            if n and e.area >= 0
        }
        kept = {**home, "events": [], "areas": [a for a in home["areas"] if a["name"] in used]}
        more = [{"name": "Spare Room"}, {"name": "Garden 9"}, {"name": "Upstairs"}]  # declared, left empty
        padded = {**home, "events": [], "areas": [*home["areas"], *more]}
        as_file = extract_features({**home, "events": []}).values
        for other in (kept, padded):
            np.testing.assert_array_equal(extract_features(other).values[others], as_file[others])
        assert as_file[FEATURE_NAMES.index("placed_area_count")] == len(kept["areas"])


def test_an_imported_home_keeps_its_floor_registry_to_the_features() -> None:
    from ai_automation.home_type.real_homes import build_home
    from homeiq_shared.ha_registries import snapshot_from_registries
    from homeiq_shared.ha_snapshots import HomeSnapshotRow

    floors = [{"floor_id": "up", "name": "Upstairs", "level": 1}, {"floor_id": "down", "name": "Downstairs"}]
    areas = [
        {"id": "kitchen", "name": "Kitchen", "floor_id": "down"},
        {"id": "bedroom", "name": "Bedroom", "floor_id": "up"},
        {"id": "hall", "name": "Hall", "floor_id": "down"},
    ]
    entities = [
        {"entity_id": "light.kitchen", "area_id": "kitchen"},
        {"entity_id": "light.bed", "area_id": "bedroom"},
    ]

    def stored(snapshot_floors: list[dict[str, Any]], snapshot_areas: list[dict[str, Any]]) -> dict[str, Any]:
        snapshot = snapshot_from_registries(snapshot_floors, snapshot_areas, [], entities)
        row = HomeSnapshotRow(home_id="h", areas=snapshot.areas, devices=snapshot.devices, timezone="UTC")
        built = build_home("h", row, [], "UTC")
        assert not isinstance(built, str)
        return built.home

    # the stored snapshot keeps each area's floor (no floor list): two floors declared
    assert _v(stored(floors, areas))["floor_count"] == 2
    # an install without a floor registry: its areas name no floor
    assert (
        _v(stored([], [{k: v for k, v in a.items() if k != "floor_id"} for a in areas]))["floor_count"] == 0
    )
