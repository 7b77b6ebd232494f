"""The generator's calibration on real homes: derived table, realised rates, declared empty areas,
correlated area kinds, reproducibility."""

from __future__ import annotations

import json
import math
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ai_automation.home_type.registry_view import declared_floors
from ai_automation.synthesis.calibration import (
    TABLE_PATH,
    CalibrationTable,
    calibration_table,
    derive_table,
    parse_table,
    realism_statistics,
)
from ai_automation.synthesis.calibration_sources import (
    CalDevice,
    CalHome,
    allenporter_home,
    registry_device_kind,
)
from ai_automation.synthesis.home_builder import home_rng
from ai_automation.synthesis.layout import HomeLayout, build_layout
from homeiq_shared.home_types import HOME_TYPES

ROOT = Path(__file__).resolve().parents[3]
N = 300


def _script() -> dict[str, Any]:
    return runpy.run_path(str(ROOT / "scripts" / "calibrate_generator.py"))


def _layouts(home_type: str, n: int = N, seed: int = 5) -> list[HomeLayout]:
    return [build_layout(i, home_type, home_rng(seed, i)) for i in range(1, n + 1)]


def _classes(layout: HomeLayout, table: CalibrationTable) -> list[str]:
    """Area classes of the equipped areas (the calibrated kinds; declared empty areas come after)."""
    classes = dict(table.room_classes)
    return [classes[k] for k in layout.area_kinds[: len(layout.area_kinds) - layout.empty_areas]]


def _within(observed: float, expected: float, n: int, z: float = 4.5) -> bool:
    """Binomial tolerance: |observed - expected| within z standard errors (plus one home)."""
    return abs(observed - expected) <= z * math.sqrt(expected * (1 - expected) / n) + 1 / n


@pytest.fixture(scope="module")
def table() -> CalibrationTable:
    return calibration_table()


@pytest.fixture(scope="module")
def calibrated(table: CalibrationTable) -> dict[str, list[HomeLayout]]:
    return {home_type: _layouts(home_type) for home_type in table.types}


def test_each_area_kind_is_included_at_its_real_rate(
    table: CalibrationTable, calibrated: dict[str, list[HomeLayout]]
) -> None:
    assert {"single_family_house", "apartment"} <= set(table.types)
    for home_type, layouts in calibrated.items():
        cal = table.types[home_type]
        for area_class, at_least in cal.areas.items():
            if area_class == "living":  # always one (the household's activity is anchored there)
                continue
            counts = [_classes(layout, table).count(area_class) for layout in layouts]
            for j, expected in enumerate(at_least[:3], start=1):
                observed = sum(c >= j for c in counts) / len(counts)
                assert _within(observed, expected, len(counts)), (
                    home_type,
                    area_class,
                    j,
                    observed,
                    expected,
                )


def test_apartments_have_outdoor_areas_and_bathrooms_at_the_calibrated_rate(
    table: CalibrationTable, calibrated: dict[str, list[HomeLayout]]
) -> None:
    cal = table.types["apartment"]
    balcony = sum("balcony" in _classes(lay, table) for lay in calibrated["apartment"]) / N
    bathroom = sum("bathroom" in _classes(lay, table) for lay in calibrated["apartment"]) / N
    assert cal.areas["balcony"][0] >= 0.75  # the real figure (old generator: 14 % outdoor areas)
    assert cal.areas["balcony"][0] > 2 * cal.areas.get("outdoor", (0.0,))[0]  # balconies, not gardens
    assert _within(balcony, cal.areas["balcony"][0], N)
    assert _within(bathroom, cal.areas.get("bathroom", (0.0,))[0], N)
    assert bathroom < 0.6  # not a bathroom in every home any more
    balconies = sum("balcony" in lay.area_kinds for lay in calibrated["apartment"]) / N
    assert _within(balconies, cal.areas["balcony"][0], N)  # the generator's balcony room fills that kind
    houses = calibrated["single_family_house"]
    house_balconies = sum("balcony" in _classes(lay, table) for lay in houses) / len(houses)
    assert house_balconies < balcony / 3  # a house's outdoor area is a garden, a yard, a porch


def test_bedrooms_follow_the_real_count(
    table: CalibrationTable, calibrated: dict[str, list[HomeLayout]]
) -> None:
    for home_type, layouts in calibrated.items():
        expected = sum(table.types[home_type].areas.get("bedroom", ()))  # E[n] = sum of P(n >= j)
        observed = sum(_classes(lay, table).count("bedroom") for lay in layouts) / len(layouts)
        assert abs(observed - expected) <= 0.15 + 0.1 * expected, (home_type, observed, expected)


@pytest.fixture(scope="module")
def with_empty_areas() -> CalibrationTable:
    """The committed table with its measured empty areas applied (the shipped one leaves them off)."""
    doc = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return parse_table({**doc, "empty_areas_applied": True})


def test_the_shipped_table_measures_empty_areas_and_correlation_but_applies_neither(
    table: CalibrationTable,
) -> None:
    doc = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    assert doc["empty_areas"]["homes"] >= 10
    assert doc["empty_areas"]["at_least"][0] > 0.5  # most real registries declare an empty area
    assert doc["empty_areas_applied"] is False
    assert "not applied" in doc["empty_areas_note"]
    assert table.empty_at_least == ()
    assert table.area_correlation == 0.0
    for layout in _layouts("single_family_house", 20, seed=9):
        assert layout.empty_areas == 0


@pytest.mark.parametrize("home_type", HOME_TYPES)
def test_only_the_declared_empty_areas_hold_no_device(
    home_type: str, with_empty_areas: CalibrationTable
) -> None:
    for i in range(1, 41):
        layout = build_layout(i, home_type, home_rng(9, i), with_empty_areas)
        holding = {entity.area for entity in layout.entities if entity.device >= 0}
        assert holding == set(range(len(layout.areas) - layout.empty_areas)), layout.home_id


def test_declared_empty_areas_follow_the_real_installs(with_empty_areas: CalibrationTable) -> None:
    table = with_empty_areas
    layouts = [
        build_layout(i, home_type, home_rng(5, i), table)
        for home_type in table.types
        for i in range(1, N + 1)
    ]
    with_empty = sum(lay.empty_areas > 0 for lay in layouts) / len(layouts)
    assert _within(with_empty, table.empty_at_least[0], len(layouts))
    expected = sum(table.empty_at_least)  # E[n] = sum of P(n >= j)
    observed = sum(lay.empty_areas for lay in layouts) / len(layouts)
    assert abs(observed - expected) <= 0.15 + 0.1 * expected


def test_correlated_area_kinds_widen_the_area_count_and_keep_the_rates(table: CalibrationTable) -> None:
    import numpy as np

    from ai_automation.synthesis.calibrated_layout import choose_rooms

    cal = table.types["single_family_house"]
    fitted = json.loads(TABLE_PATH.read_text(encoding="utf-8"))["area_correlation_fitted"]
    assert 0.0 < fitted < 1.0

    def rooms(correlation: float) -> list[list[str]]:
        rng = np.random.default_rng(3)
        return [choose_rooms(cal, table.room_classes, rng, correlation) for _ in range(N)]

    independent, correlated = rooms(0.0), rooms(fitted)
    assert np.std([len(r) for r in correlated]) > 1.3 * np.std([len(r) for r in independent])
    classes = dict(table.room_classes)
    for area_class in ("bedroom", "garage", "outdoor"):
        rate = sum(any(classes[k] == area_class for k in r) for r in correlated) / N
        assert _within(rate, cal.areas[area_class][0], N), (area_class, rate)


def test_device_kinds_present_at_no_more_than_their_real_rate(
    table: CalibrationTable, calibrated: dict[str, list[HomeLayout]]
) -> None:
    from ai_automation.synthesis.device_catalog import DEVICE_KINDS

    houses = calibrated["single_family_house"]
    rates = table.types["single_family_house"].device_kinds
    allowed = {k.key: set(k.areas) for k in DEVICE_KINDS}
    for kind in ("camera", "garage_door", "sprinkler", "smart_lock"):
        rate = rates[kind][0]
        observed = sum(kind in lay.device_kinds for lay in houses) / len(houses)
        assert observed <= rate + 4.5 * math.sqrt(rate * (1 - rate) / N) + 1 / N
        # a present kind is placed once when the home has a room for it (a garage for a garage door):
        # among the homes with such a room it appears at its real rate
        able = [lay for lay in houses if allowed[kind] & set(lay.area_kinds)]
        placed = sum(kind in lay.device_kinds for lay in able) / len(able)
        sigma = math.sqrt(rate * (1 - rate) / len(able))
        assert abs(placed - rate) <= 4.5 * sigma + 1 / len(able), (kind, placed, rate, len(able))


def test_same_seed_same_layout_and_types_without_data_keep_their_priors(table: CalibrationTable) -> None:
    first = [(lay.areas, lay.records) for lay in _layouts("apartment", 10, seed=3)]
    again = [(lay.areas, lay.records) for lay in _layouts("apartment", 10, seed=3)]
    other = [(lay.areas, lay.records) for lay in _layouts("apartment", 10, seed=4)]
    assert first == again
    assert first != other
    doc = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    assert {"condo", "multi_story"} <= set(doc["priors_kept"])
    assert not {"condo", "multi_story"} & set(table.types)
    # the condo prior keeps its core bathroom
    assert all("bathroom" in lay.area_kinds for lay in _layouts("condo", 20))


def _home(home_type: str, areas: tuple[str, ...], kinds: list[str | None]) -> CalHome:
    devices = tuple(CalDevice(i % len(areas), k, 1) for i, k in enumerate(kinds))
    return CalHome("test", home_type, areas, devices, lights_known=True)


def test_derive_table_gives_at_least_probabilities_and_keeps_priors_without_support() -> None:
    homes = [
        _home("apartment", ("living", "bedroom", "outdoor"), ["light_onoff", "light_dimmable", "camera"]),
        _home("apartment", ("living", "bedroom", "bedroom"), ["light_onoff", "light_onoff", "light_onoff"]),
        _home("apartment", ("living", "kitchen"), ["light_dimmable", None]),
        _home("apartment", ("living",), ["light_onoff"]),
        _home("studio", ("living",), ["light_onoff"]),
    ]
    doc = derive_table(homes, "v2", {"living_room": "living"}, "test.area_kind")
    assert set(doc["types"]) == {"apartment"}
    assert "studio" in doc["priors_kept"]
    stats = doc["types"]["apartment"]
    assert stats["area_kinds_at_least"]["bedroom"] == [0.5, 0.25]
    assert stats["area_kinds_at_least"]["outdoor"] == [0.25]
    assert stats["device_kinds"]["camera"] == {"rate": 0.25, "mean_count": 1.0}
    assert stats["device_kinds"]["light_onoff"] == {"rate": 0.75, "mean_count": 1.667}
    assert doc["sources"]
    assert stats["sources"] == {"test": 4}
    assert stats["homes"] == 4
    parsed = parse_table(doc)
    assert parsed.types["apartment"].areas["bedroom"] == (0.5, 0.25)
    with pytest.raises(ValueError, match="version"):
        parse_table({**doc, "version": 0})


def test_registry_devices_and_allenporter_files_map_to_generator_kinds() -> None:
    assert registry_device_kind([("camera", None, "x"), ("binary_sensor", "motion", "x")], False) == "camera"
    assert registry_device_kind([("cover", "garage", "x")], False) == "garage_door"
    assert registry_device_kind([("switch", None, "rachio")], True) == "sprinkler"
    assert registry_device_kind([("sensor", "temperature", "x")], True) == "outdoor_sensor"
    assert registry_device_kind([("sensor", "signal_strength", "x")], False) is None
    doc = {
        "areas": ["Living Room", "Attic"],
        "devices": {"Living Room": [{"device_type": "light-dimmable"}, {"device_type": "weather-service"}]},
    }
    home = allenporter_home(doc, {"light-dimmable": 1}, lambda name: name.lower(), "apartment", "test")
    assert home.areas == ("living room",)  # the attic holds no device: not kept
    assert [(d.area, d.kind) for d in home.devices or ()] == [(0, "light_dimmable")]


def test_realism_statistics_of_generated_homes(
    table: CalibrationTable, calibrated: dict[str, list[HomeLayout]]
) -> None:
    classes = dict(table.room_classes)
    homes = [
        CalHome("generated", lay.home_type, tuple(classes[k] for k in lay.area_kinds),
                tuple(CalDevice(None, k, 1) for k in lay.device_kinds), lights_known=True)
        for layouts in calibrated.values() for lay in layouts
    ]  # fmt: skip
    stats = realism_statistics(homes)
    assert stats["homes"] == len(homes)
    assert 0.0 < stats["bathroom_share"] < 1.0
    assert stats["outdoor_share_apartment_like"] is not None
    assert stats["outdoor_share_apartment_like"] > 0.7
    assert 0.0 < stats["plain_light_share"] < 1.0


def _external() -> Path:
    found: Callable[[], Path | None] = _script()["find_external_data"]
    path = found()
    if path is None:
        pytest.skip("../shared/external-data is not beside the checkout (or a folder of worktrees)")
    return path


@pytest.mark.parametrize("split", ["v2", "v3"])
def test_the_script_reproduces_the_committed_tables(split: str) -> None:
    external = _external()
    table: dict[str, Any] = _script()["build_table"](external, split)
    committed = json.loads(TABLE_PATH.with_name(f"calibration_{split}.json").read_text(encoding="utf-8"))
    assert table == committed
    assert table["split"] == split
    assert table["types"]


def test_devices_carry_the_real_entity_mix(
    table: CalibrationTable, calibrated: dict[str, list[HomeLayout]]
) -> None:
    from collections import Counter

    from ai_automation.synthesis.calibration_sources import entity_class_key
    from ai_automation.synthesis.device_catalog import DEVICE_KINDS

    assert table.entity_mix, "the committed table derives an entity mix from the real installs"
    catalog = {
        k.key: Counter(entity_class_key(s.domain, s.device_class) for s in k.entities) for k in DEVICE_KINDS
    }
    per_device: dict[str, list[Counter[str]]] = {}
    for layouts in calibrated.values():
        for lay in layouts:
            counts: dict[int, Counter[str]] = {}
            for e in lay.entities:
                if e.device >= 0:
                    counts.setdefault(e.device, Counter())[entity_class_key(e.domain, e.device_class)] += 1
            for device, c in counts.items():
                per_device.setdefault(lay.device_kinds[device], []).append(c)
    checked = 0
    for kind in ("smart_plug", "motion_sensor", "temperature_sensor", "thermostat"):
        devices = per_device[kind]
        for key, mean in table.entity_mix[kind].items():
            expected = max(mean, catalog[kind][key])  # the catalog's own entities are always there
            observed = sum(c[key] for c in devices) / len(devices)
            assert abs(observed - expected) <= 4.5 * math.sqrt(max(mean, 0.05) / len(devices)), (kind, key)
            checked += 1
    assert checked >= 20


def test_houses_declare_floor_level_areas_at_the_real_rate_and_flats_none(
    table: CalibrationTable, calibrated: dict[str, list[HomeLayout]]
) -> None:
    from homeiq_shared.ha_semantics import area_kind

    rate = table.types["single_family_house"].areas["floor"][0]
    assert rate > 0.1  # "Upstairs", "Downstairs", "House" in the real installs
    houses = calibrated["single_family_house"]
    named = [[area_kind(a["name"]) for a in lay.areas] for lay in houses]
    assert _within(sum("floor" in kinds for kinds in named) / len(houses), rate, len(houses))
    assert "floor" not in table.types["apartment"].areas
    assert not any(area_kind(a["name"]) == "floor" for lay in calibrated["apartment"] for a in lay.areas)


def _other_hardware(layout: HomeLayout) -> dict[str, list[int]]:
    """The other-hardware units of a layout: device id -> its entities' indices."""
    units: dict[str, list[int]] = {}
    for i, (e, record) in enumerate(zip(layout.entities, layout.records, strict=True)):
        if e.device < 0 and "_hw_" in str(record.get("device_id")):
            units.setdefault(str(record["device_id"]), []).append(i)
    return units


def test_other_hardware_follows_the_real_installs_and_leaves_the_devices_alone(
    table: CalibrationTable, calibrated: dict[str, list[HomeLayout]]
) -> None:
    import numpy as np

    from ai_automation.synthesis.layout import STATIC

    stats = table.other_hardware
    assert stats is not None, "the committed table applies the other hardware"
    layouts = [lay for group in calibrated.values() for lay in group]
    per_area, sizes = [], []
    for lay in layouts:
        units = _other_hardware(lay)
        equipped = len({e.area for e in lay.entities if e.device >= 0})
        per_area.append(len(units) / equipped)
        for members in units.values():
            sizes.append(len(members))
            assert all(lay.entities[i].behaviour == STATIC for i in members)  # no events
            assert len({lay.entities[i].area for i in members}) == 1
            assert all(lay.entities[i].area >= 0 for i in members)
    deciles = np.array(stats.per_area_deciles)
    expected = float(np.trapezoid(deciles, np.linspace(0.0, 1.0, deciles.size)))  # E[rate]
    assert abs(float(np.mean(per_area)) - expected) <= 0.15 * expected + 0.05, (np.mean(per_area), expected)
    assert 0.2 < sum(p == 0 for p in per_area) / len(per_area) < 0.6  # about a quarter place none
    geometric = float(np.exp(np.mean(np.log(sizes))))
    assert abs(geometric - stats.entities_geometric_mean) <= 0.25 * stats.entities_geometric_mean
    # the side stream leaves the simulated devices, and so the events, as they were without it
    without = parse_table(
        {**json.loads(TABLE_PATH.read_text(encoding="utf-8")), "other_hardware_applied": False}
    )
    for i in range(1, 30):
        a, b = (
            build_layout(i, "single_family_house", home_rng(5, i)),
            build_layout(i, "single_family_house", home_rng(5, i), without),
        )
        own = [r for r, e in zip(a.records, a.entities, strict=True) if e.device >= 0]
        assert own == b.records
        assert a.device_kinds == b.device_kinds
        assert a.areas == b.areas


def test_real_registries_give_entity_mix_with_config_entities_and_other_hardware() -> None:
    from ai_automation.synthesis.calibration_sources import real_ha_home

    doc = {
        "label": "single_family_house",
        "areas": [{"area_id": "a1", "name": "Living Room"}, {"area_id": "a2", "name": "Upstairs"}],
        "devices": [
            {"device_id": "d1", "area_id": "a1"},
            {"device_id": "d2", "area_id": "a2"},  # a phone: no generator kind
            {"device_id": "d3", "area_id": "a2", "entry_type": "service"},
        ],
        "entities": [
            {"entity_id": "light.lamp", "domain": "light", "device_id": "d1"},
            {"entity_id": "switch.lamp_led", "domain": "switch", "device_id": "d1", "entity_category": "config"},
            {"entity_id": "sensor.phone_battery", "domain": "sensor", "device_class": "battery", "device_id": "d2"},
            {"entity_id": "sensor.phone_steps", "domain": "sensor", "device_id": "d2"},
            {"entity_id": "sensor.forecast", "domain": "sensor", "device_id": "d3"},
            {"entity_id": "scene.evening", "domain": "scene", "area_id": "a1"},
            {"entity_id": "binary_sensor.template_door", "domain": "binary_sensor", "device_class": "door",
             "area_id": "a1"},
        ],
    }  # fmt: skip
    home = real_ha_home(
        doc, lambda name: {"Living Room": "living", "Upstairs": "floor"}[name], declared_floors
    )
    assert home is not None
    assert home.devices is not None
    light = next(d for d in home.devices if d.kind == "light")
    assert sorted(light.entity_classes) == ["light", "switch"]  # the config switch counts, as in the view
    other = sorted((u.area_kind, sorted(u.entity_classes)) for u in home.other_hardware or ())
    assert other == [
        ("floor", ["sensor"]),  # the service device
        ("floor", ["sensor", "sensor.battery"]),  # the phone
        ("living", ["binary_sensor.door"]),  # entities of no device; the scene is not hardware
    ]
    assert home.equipped_areas == 2


def test_device_placement_is_measured_on_real_registries_only() -> None:
    from ai_automation.synthesis.calibration import device_placement_statistics

    def registry(placed: int, unplaced: int) -> CalHome:
        devices = tuple(CalDevice(0, "light", 1) for _ in range(placed)) + tuple(
            CalDevice(None, "light", 1) for _ in range(unplaced)
        )
        return CalHome("real-ha-homes", "single_family_house", ("living",), devices, False, empty_areas=())

    homes = [registry(1, 3), registry(3, 1), registry(2, 2), registry(4, 0)]
    described = CalHome("allenporter/devices-v2", "apartment", ("living",), (CalDevice(0, "tv", 1),), True)
    stats = device_placement_statistics([*homes, described])  # a device file says nothing of placement
    assert stats["homes"] == 4
    assert stats["mean"] == pytest.approx(0.625)  # 0.25, 0.75, 0.5, 1.0
    sd = stats["sd"]
    assert sd == pytest.approx(math.sqrt(sum((x - 0.625) ** 2 for x in (0.25, 0.75, 0.5, 1.0)) / 3), abs=1e-3)
    a, b = stats["beta"]  # same mean and variance
    assert a / (a + b) == pytest.approx(0.625, abs=1e-3)
    assert a * b / ((a + b) ** 2 * (a + b + 1)) == pytest.approx(sd**2, rel=0.01)
    assert device_placement_statistics(homes[:2]) == {"homes": 2}  # too few to fit
    # every install placing the same share: no spread to fit, so no Beta, and the generator places all
    same = device_placement_statistics([registry(2, 2)] * 3)
    assert (same["mean"], same["sd"], same["beta"]) == (0.5, 0.0, None)
    doc = {**json.loads(TABLE_PATH.read_text(encoding="utf-8")), "device_placement": same}
    assert parse_table(doc).device_placement is None


def test_a_share_of_devices_is_left_in_no_area_and_the_simulation_is_unchanged(
    table: CalibrationTable,
) -> None:
    assert table.device_placement is not None, "the committed table applies the device placement"
    a, b = table.device_placement
    everywhere = parse_table(
        {**json.loads(TABLE_PATH.read_text(encoding="utf-8")), "device_placement_applied": False}
    )
    assert everywhere.device_placement is None
    shares = []  # of the simulated devices (the other hardware keeps its areas: its rate is of placed units)
    for i in range(1, 121):
        shown = build_layout(i, "single_family_house", home_rng(5, i))
        full = build_layout(i, "single_family_house", home_rng(5, i), everywhere)
        # the simulated home is the same: entities, their rooms, devices, areas
        assert shown.entities == full.entities
        assert (shown.device_kinds, shown.areas) == (full.device_kinds, full.areas)
        by_device: dict[str, set[bool]] = {}
        for kept, record in zip(shown.records, full.records, strict=True):
            assert {k: v for k, v in kept.items() if k != "area"} == {
                k: v for k, v in record.items() if k != "area"
            }
            assert kept["area"] in (record["area"], None)
            if record.get("device_id") in shown.device_ids:
                by_device.setdefault(record["device_id"], set()).add(kept["area"] is not None)
            elif record.get("device_id"):
                assert kept["area"] == record["area"]
        assert all(len(placed) == 1 for placed in by_device.values())  # a device is placed whole or not
        shares.append(sum(placed == {True} for placed in by_device.values()) / len(by_device))
    mean = sum(shares) / len(shares)
    assert abs(mean - a / (a + b)) < 0.08, (mean, a / (a + b))
    # the real spread: some homes place little, some all
    assert min(shares) < 0.3
    assert max(shares) > 0.95


def test_floor_registry_rate_is_measured_on_real_registries_only() -> None:
    from ai_automation.synthesis.calibration import floor_registry_statistics
    from ai_automation.synthesis.calibration_sources import real_ha_home

    def install(floors: list[dict[str, Any]], area_floors: list[str | None]) -> CalHome | None:
        areas = [{"area_id": f"a{i}", "name": "Kitchen", "floor_id": f} for i, f in enumerate(area_floors)]
        doc = {"label": "single_family_house", "areas": areas, "floors": floors}
        return real_ha_home(doc, lambda name: "kitchen", declared_floors)  # counted as the features count

    two = [{"floor_id": "f1", "name": "Upstairs"}, {"floor_id": "f0", "name": "Downstairs"}]
    homes = [
        install(two, ["f0", "f1"]),
        install([], [None]),
        install([], [None]),
        install([*two, {"floor_id": "f2", "name": "Attic"}], ["f0", "f1", "f2"]),
        install([], ["g", "u"]),  # the areas name their floors without a floor list
    ]
    assert [h.floors for h in homes if h is not None] == [2, 0, 0, 3, 2]
    described = CalHome("allenporter/devices-v2", "apartment", ("living",), (CalDevice(0, "tv", 1),), True)
    assert described.floors is None  # a description file has no floor registry
    stats = floor_registry_statistics([*(h for h in homes if h is not None), described])
    assert stats == {"homes": 5, "declaring": 3, "rate": 0.6, "floors_when_declared": {"2": 2, "3": 1}}
    assert floor_registry_statistics([h for h in homes[:2] if h is not None]) == {"homes": 2}  # too few
    doc = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    assert parse_table(doc).floor_registry == doc["floor_registry"]["rate"]
    assert parse_table({**doc, "floor_registry_applied": False}).floor_registry is None


def test_a_share_of_registries_declare_their_floors_and_the_simulation_is_unchanged(
    table: CalibrationTable,
) -> None:
    assert table.floor_registry is not None, "the committed table applies the floor registry rate"
    always = parse_table(
        {**json.loads(TABLE_PATH.read_text(encoding="utf-8")), "floor_registry_applied": False}
    )
    declared = storeys = 0
    homes = 160
    for i in range(1, homes + 1):
        home_type = ("multi_story", "single_family_house", "apartment", "townhouse")[i % 4]
        shown = build_layout(i, home_type, home_rng(5, i))
        full = build_layout(i, home_type, home_rng(5, i), always)
        storeys += len({a["floor"] for a in full.areas}) >= 2  # areas on two floors or more
        # the simulated home is the same; only the registry's floors differ
        assert (shown.entities, shown.records, shown.device_kinds) == (
            full.entities,
            full.records,
            full.device_kinds,
        )
        assert [{**a, "floor": None} for a in shown.areas] == [{**a, "floor": None} for a in full.areas]
        assert full.floors
        assert all(a["floor"] for a in full.areas)
        if shown.floors:
            declared += 1
            assert (shown.floors, shown.areas) == (
                full.floors,
                full.areas,
            )  # every floor, each area on its own
            # a home whose areas are on one floor never declares (no real install declares one floor)
            assert declared_floors({"areas": shown.areas, "floors": shown.floors}) >= 2
        else:
            assert all(a["floor"] is None for a in shown.areas)
    assert storeys > 60
    assert abs(declared / storeys - table.floor_registry) < 0.12, (declared / storeys, table.floor_registry)


def test_lightless_rate_is_measured_on_real_registries_only() -> None:
    from ai_automation.synthesis.calibration import lightless_statistics

    def registry(*kinds: str | None) -> CalHome:
        devices = tuple(CalDevice(0, k, 1) for k in kinds)
        return CalHome("real-ha-homes", "single_family_house", ("living",), devices, False, empty_areas=())

    homes = [
        registry("light", "tv"),
        registry("tv", None),
        registry("light_dimmable"),
        registry("door_sensor"),
    ]
    described = CalHome("allenporter/devices-v2", "apartment", ("living",), (CalDevice(0, "tv", 1),), True)
    assert lightless_statistics([*homes, described]) == {"homes": 4, "without_light": 2, "rate": 0.5}
    assert lightless_statistics(homes[:2]) == {"homes": 2}  # too few
    doc = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    assert parse_table(doc).lightless == doc["lightless"]["rate"]
    assert parse_table({**doc, "lightless_applied": False}).lightless is None


def test_a_share_of_registries_hold_no_light_and_the_others_are_unchanged(table: CalibrationTable) -> None:
    assert table.lightless is not None, "the committed table applies the lightless rate"
    always = parse_table({**json.loads(TABLE_PATH.read_text(encoding="utf-8")), "lightless_applied": False})
    homes, dark = 160, 0
    for i in range(1, homes + 1):
        home_type = ("single_family_house", "apartment", "condo", "cottage")[i % 4]  # calibrated and not
        shown = build_layout(i, home_type, home_rng(5, i))
        lit = build_layout(i, home_type, home_rng(5, i), always)
        assert any(e.domain == "light" for e in lit.entities)
        if any(e.domain == "light" for e in shown.entities):
            # a home with lights keeps every draw: the decision is on a stream of its own
            assert (shown.entities, shown.records, shown.areas) == (lit.entities, lit.records, lit.areas)
            continue
        dark += 1
        # no light anywhere: no light device, no lamp of another device, no light of the other hardware
        assert not any(k in ("light_onoff", "light_dimmable", "light_rgbw") for k in shown.device_kinds)
        assert not any(r["entity_id"].startswith("light.") for r in shown.records)
        assert shown.areas == lit.areas
        assert len(shown.device_kinds) > 0
    assert abs(dark / homes - table.lightless) < 0.08, (dark / homes, table.lightless)
