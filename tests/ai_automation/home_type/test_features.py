"""Home-type features: the declared table, the original names with their bugs fixed, both input shapes."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from ai_automation.home_type.features import (
    COMPOSITION,
    DECLARED_AREA_FEATURES,
    EVENTS,
    FEATURE_NAMES,
    FEATURE_SCHEMA_VERSION,
    FEATURES,
    LEGACY_FEATURE_NAMES,
    extract_features,
    feature_names,
)
from ai_automation.home_type.home_view import HomeInputError
from ai_automation.home_type.registry_view import MAX_FLOORS

START = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)  # a Monday


def _event(entity_id: str, when: dt.datetime, event_type: str = "state_changed") -> dict[str, Any]:
    return {"event_type": event_type, "entity_id": entity_id, "timestamp": when.isoformat(), "state": "on"}


def _home(events: list[dict[str, Any]] | None = None, timezone: str = "UTC") -> dict[str, Any]:
    return {
        "home_id": "home_001",
        "home_type": "apartment",
        "timezone": timezone,
        "areas": [
            {"name": "Living Room", "type": "indoor", "floor": "ground_floor"},
            {"name": "Bedroom", "type": "indoor", "floor": "ground_floor"},
            {"name": "Balcony", "type": "outdoor", "floor": "ground_floor"},
        ],
        "devices": [
            {
                "entity_id": "light.living_room_ceiling",
                "area": "Living Room",
                "device_type": "light",
                "category": "lighting",
            },
            {
                "entity_id": "binary_sensor.bedroom_motion",
                "area": "Bedroom",
                "device_class": "motion",
                "category": "security",
            },
            {
                "entity_id": "sensor.balcony_temperature",
                "area": "Balcony",
                "device_class": "temperature",
                "category": "climate",
            },
            {"entity_id": "automation.evening_lights", "area": "Living Room", "category": "lighting"},
        ],
        "events": events or [],
    }


def _values(home: dict[str, Any]) -> dict[str, float]:
    return dict(zip(FEATURE_NAMES, extract_features(home).values.tolist(), strict=True))


def test_table_is_ordered_unique_and_grouped() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES) == len(FEATURES)
    assert {spec.group for spec in FEATURES} == {COMPOSITION, EVENTS}
    assert FEATURE_SCHEMA_VERSION
    # The original 22 in their order; the three plain peak hours became sin/cos pairs.
    assert LEGACY_FEATURE_NAMES[:13] == (
        "total_devices", "security_ratio", "climate_ratio", "lighting_ratio", "appliance_ratio",
        "monitoring_ratio", "device_count_light", "device_count_binary_sensor", "device_count_sensor",
        "device_count_switch", "device_count_climate", "total_events", "events_per_day",
    )  # fmt: skip
    assert "peak_hour_1" not in FEATURE_NAMES
    assert LEGACY_FEATURE_NAMES[-6:] == (
        "placed_area_count", "indoor_ratio", "devices_per_placed_area", "pattern_count", "avg_pattern_confidence",
        "diversity_ratio",
    )  # fmt: skip
    assert set(feature_names([COMPOSITION])) | set(feature_names([EVENTS])) == set(FEATURE_NAMES)


def test_minimal_shape_infers_domain_category_and_outdoor() -> None:
    minimal = {
        "areas": [{"name": "Kitchen"}, {"name": "Back Yard"}],
        "devices": [
            {"entity_id": "light.kitchen", "area": "Kitchen"},
            {"entity_id": "binary_sensor.yard_motion", "area": "Back Yard", "device_class": "motion"},
            {"entity_id": "sensor.kitchen_temp", "area": "kitchen", "device_class": "temperature"},
        ],
    }
    row = extract_features(minimal)
    assert row.groups_used == (COMPOSITION,)
    v = dict(zip(FEATURE_NAMES, row.values.tolist(), strict=True))
    assert v["total_devices"] == 3
    assert v["lighting_ratio"] == pytest.approx(1 / 3)
    assert v["security_ratio"] == pytest.approx(1 / 3)  # motion sensor -> security
    assert v["climate_ratio"] == pytest.approx(1 / 3)  # temperature sensor -> climate, not monitoring
    assert v["placed_areas_outdoor"] == 1
    assert v["placed_outdoor_area_share"] == 0.5
    assert v["indoor_ratio"] == pytest.approx(2 / 3)  # area matched case-insensitively
    assert all(math.isnan(v[name]) for name in feature_names([EVENTS]))


def test_device_counts_have_no_top5_cutoff_and_only_hardware_counts() -> None:
    home = _home()
    home["devices"] += [
        {"entity_id": f"{domain}.extra_{i}", "area": "Living Room"}
        for i, domain in enumerate(
            ["switch", "switch", "media_player", "media_player", "cover", "cover", "fan", "climate"]
        )
    ]
    v = _values(home)
    # climate is the least common domain here and would have been zeroed by the original's top-5 rule.
    assert v["device_count_climate"] == 1
    # hardware only: the automation is configuration, and no person/script/scene count is a feature
    assert v["total_devices"] == 11
    assert not {"automation_count", "person_count", "physical_device_count"} & set(FEATURE_NAMES)


def test_floor_count_reads_the_floors_the_areas_are_on_else_the_floor_list() -> None:
    home = _home()  # its three areas are on one floor, and it carries no floor list (a snapshot's shape)
    assert _values(home)["floor_count"] == 1
    split = {
        **home,
        "areas": [{**a, "floor": f} for a, f in zip(home["areas"], ["up", "down", "up"], strict=True)],
    }
    assert _values(split)["floor_count"] == 2
    # the areas decide when they name floors: a floor holding no area is not counted, as HA's snapshots drop it
    registry = [{"floor_id": "up"}, {"floor_id": "down"}, {"floor_id": "attic", "name": "Attic"}]
    assert _values({**split, "floors": registry})["floor_count"] == 2
    # an id or a name shared is one floor; an integer id is an id
    mixed = [
        {**a, "floor_id": i, "floor": n}
        for a, (i, n) in zip(home["areas"], [(0, "G"), (None, "G"), (1, None)], strict=True)
    ]
    assert _values({**home, "areas": mixed})["floor_count"] == 2
    # areas on no floor: the floor list counts (objects or names), deduplicated the same way
    bare = {**home, "areas": [{"name": a["name"]} for a in home["areas"]]}
    assert _values(bare)["floor_count"] == 0
    assert _values({**bare, "floors": registry})["floor_count"] == 3
    assert _values({**bare, "floors": ["Upstairs", "Downstairs", {"name": "Upstairs"}]})["floor_count"] == 2
    assert _values({**bare, "floors": []})["floor_count"] == 0
    assert _values({**bare, "floors": [f"F{i}" for i in range(1000)]})["floor_count"] == MAX_FLOORS  # a limit
    # whole numbers are ids (1, 1.0 and "1" are one floor); names fold case and separators as area names do
    assert (
        _values({**bare, "floors": [{"floor_id": 1}, {"floor_id": 1.0}, {"floor_id": "1"}]})["floor_count"]
        == 1
    )
    assert (
        _values({**bare, "floors": ["Upper Floor", "upper_floor", {"name": "UPPER FLOOR"}]})["floor_count"]
        == 1
    )
    # entries tied together by a later one are one floor, whatever their order
    chain = [{"floor_id": "a"}, "X", {"floor_id": "a", "name": "X"}]
    for order in (chain, chain[::-1], [chain[1], chain[2], chain[0]]):
        assert _values({**bare, "floors": order})["floor_count"] == 1
    # a malformed list is refused even when the areas' floors decide the count
    for bad in (
        2,
        "Upstairs",
        [3],
        [None],
        [{}],
        [{"level": 1}],
        [""],
        [{"floor_id": True}],
        [{"floor_id": 1.5}],
    ):
        for target in (bare, split):
            with pytest.raises(HomeInputError, match=r"floors must be a list|each floor must be"):
                extract_features({**target, "floors": bad})
    with pytest.raises(HomeInputError, match="at most 1000 are accepted"):
        extract_features({**bare, "floors": ["F"] * 1001})


def test_total_events_counts_device_entities_only() -> None:
    events = [
        _event("light.living_room_ceiling", START + dt.timedelta(hours=1)),
        _event("binary_sensor.bedroom_motion", START + dt.timedelta(hours=2)),
        _event("automation.evening_lights", START + dt.timedelta(hours=3), "automation_triggered"),
        _event("webhook.ifttt_1", START + dt.timedelta(hours=4), "webhook_triggered"),
        _event("api.weather_1", START + dt.timedelta(days=2), "api_call"),
    ]
    v = _values(_home(events))
    assert v["total_events"] == 2
    assert v["events_per_day"] == 2.0  # both on one day
    assert v["event_share_automation_triggered"] == pytest.approx(1 / 5)
    assert v["diversity_ratio"] == 1.0


def test_peak_hours_are_cyclic_and_in_the_home_timezone() -> None:
    # 23:30 UTC is 00:30 in Brussels in winter: hour 0, next to hour 23 on the circle.
    events = [
        _event("light.living_room_ceiling", START + dt.timedelta(days=d, hours=23, minutes=30))
        for d in range(3)
    ]
    utc = _values(_home(events))
    local = _values(_home(events, timezone="Europe/Brussels"))
    assert (local["peak_hour_1_sin"], local["peak_hour_1_cos"]) == pytest.approx((0.0, 1.0))
    assert utc["peak_hour_1_cos"] == pytest.approx(math.cos(2 * math.pi * 23 / 24))
    assert math.hypot(utc["peak_hour_1_sin"], utc["peak_hour_1_cos"]) == pytest.approx(1.0)
    assert local["hour_share_00_04"] == 1.0
    assert utc["hour_share_20_24"] == 1.0


def test_non_utc_offsets_are_converted() -> None:
    when = "2026-01-05T09:00:00+02:00"  # 07:00 UTC
    home = _home(
        [{"event_type": "state_changed", "entity_id": "light.living_room_ceiling", "timestamp": when}]
    )
    v = _values(home)
    assert v["hour_share_04_08"] == 1.0


def test_patterns_are_computed_not_constant() -> None:
    habitual = [
        _event("light.living_room_ceiling", START + dt.timedelta(days=d, hours=7, minutes=5))
        for d in range(7)
    ]
    rng = np.random.default_rng(3)
    scattered = [
        _event("light.living_room_ceiling", START + dt.timedelta(seconds=float(s)))
        for s in np.sort(rng.uniform(0, 7 * 86_400, 7))
    ]
    a, b = _values(_home(habitual)), _values(_home(scattered))
    assert a["pattern_count"] == 1
    assert a["avg_pattern_confidence"] == 1.0
    assert b["pattern_count"] < a["pattern_count"]
    assert a["weekend_share"] == pytest.approx(2 / 7)
    assert a["morning_start_hour"] == 7


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"devices": []}, "no devices"),
        ({"devices": [{"entity_id": "Light.Kitchen"}]}, "malformed entity_id"),
        ({"devices": [{"entity_id": "kitchen_light"}]}, "malformed entity_id"),
        ({"devices": [{"area": "Kitchen"}]}, "malformed entity_id"),
        ({"devices": [{"entity_id": "light.kitchen\n"}]}, "malformed entity_id"),
        ({"devices": [{"entity_id": "light.__kitchen"}]}, "malformed entity_id"),
        ({"events": [{"entity_id": "light.living_room_ceiling", "timestamp": "yesterday"}]}, "ISO-8601"),
        ({"timezone": "Mars/Olympus"}, "unknown timezone"),
    ],
)
def test_bad_homes_are_refused_with_a_reason(change: dict[str, Any], message: str) -> None:
    home = _home([_event("light.living_room_ceiling", START)]) | change
    with pytest.raises(HomeInputError, match=message):
        extract_features(home)


def test_fast_timestamp_path_agrees_with_datetime() -> None:
    import datetime as dt
    import random

    from ai_automation.home_type.home_view import parse_seconds

    rng = random.Random(7)
    base = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    moments = [base + dt.timedelta(seconds=rng.uniform(0, 130 * 365 * 86400)) for _ in range(2000)]
    utc = [m.isoformat(timespec="microseconds") for m in moments]
    expected = [int(m.timestamp() // 1) for m in moments]
    assert parse_seconds(utc).tolist() == expected
    # other offsets and widths take the general path and still give UTC seconds
    mixed = [*utc[:3], "2025-03-30T03:30:00+02:00", "2025-03-30T01:30:00Z"]
    assert parse_seconds(mixed).tolist() == [*expected[:3], 1743298200, 1743298200]


@pytest.mark.parametrize(
    "zone",
    ["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "Africa/Casablanca", "Asia/Kolkata"],
)
def test_local_time_agrees_with_datetime_across_dst(zone: str) -> None:
    """Half-hour (Lord Howe) and Ramadan (Casablanca) transitions included."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from ai_automation.home_type.home_view import local_seconds

    # every 7 minutes over 400 days from an unaligned start: each transition is hit within minutes
    seconds = np.arange(1_700_000_017, 1_700_000_017 + 400 * 86_400, 420, dtype=np.int64)
    tz = ZoneInfo(zone)
    expected = [
        t + int(dt.datetime.fromtimestamp(t, dt.UTC).astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]
        for t in seconds.tolist()
    ]
    assert local_seconds(seconds, zone).tolist() == expected
    assert local_seconds(seconds[:600], zone).tolist() == expected[:600], "a window inside one offset"


def test_area_features_count_the_areas_holding_hardware() -> None:
    v = _values(_home())
    assert v["placed_area_count"] == 3
    assert v["devices_per_placed_area"] == 1.0  # the automation is configuration, not hardware
    assert v["placed_areas_bedroom"] == 1
    assert v["placed_areas_balcony"] == 1
    assert v["placed_outdoor_area_share"] == pytest.approx(1 / 3)
    assert v["bedroom_share_of_placed_indoor_areas"] == 0.5
    assert v["empty_area_share"] == 0.0
    assert "devices_per_area" not in FEATURE_NAMES


def test_declared_empty_areas_move_only_the_declared_area_features() -> None:
    with_empty = _home()
    # declared but holding no hardware: a second bedroom, a garden, an office with only an automation
    with_empty["areas"] += [{"name": "Bedroom 2"}, {"name": "Garden"}, {"name": "Office"}]
    with_empty["devices"] += [{"entity_id": "automation.office_fan", "area": "Office"}]
    plain, padded = _values(_home()), _values(with_empty)
    assert (plain["empty_area_share"], padded["empty_area_share"]) == (0.0, 0.5)
    assert (plain["area_count"], padded["area_count"]) == (3, 6)
    assert (plain["areas_bedroom"], padded["areas_bedroom"]) == (1, 2)
    assert (plain["areas_office"], padded["areas_office"]) == (0, 1)
    assert (plain["areas_outdoor"], padded["areas_outdoor"]) == (0, 1)
    # the balcony and the garden are outdoor areas: 1 of 3, then 2 of 6
    assert (plain["outdoor_area_share"], padded["outdoor_area_share"]) == pytest.approx((1 / 3, 1 / 3))
    for name in DECLARED_AREA_FEATURES:
        del plain[name], padded[name]
    assert padded == pytest.approx(plain, nan_ok=True)


def test_devices_left_in_no_area_keep_the_declared_area_features() -> None:
    """A registry that gives only some devices an area (generator 2.5 draws it, real installs do it):
    the declared rooms stay, the rooms holding hardware shrink."""
    home = _home()
    home["devices"] = [
        {**d, "area": None} if d["entity_id"].startswith("binary_sensor.") else d for d in home["devices"]
    ]
    v = _values(home)
    assert (v["area_count"], v["areas_bedroom"]) == (3, 1)
    assert (v["placed_area_count"], v["placed_areas_bedroom"]) == (2, 0)


def test_a_home_without_placed_areas_has_zero_area_features() -> None:
    v = _values({"areas": [{"name": "Kitchen"}], "devices": [{"entity_id": "light.unplaced"}]})
    assert v["empty_area_share"] == 1.0
    placed = [name for name in FEATURE_NAMES if "placed" in name]
    assert len(placed) == 19
    assert all(v[name] == 0.0 for name in placed)
