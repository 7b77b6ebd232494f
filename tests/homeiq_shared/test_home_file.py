"""The home-file and HA event schemas accept what HA and the generator write, and reject what they don't."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from homeiq_shared.ha_schema import HAEvent, HAState, StateChangedEvent
from homeiq_shared.home_file import CarbonPoint, HomeFile, PricePoint

T0, T1 = "2025-10-01T07:00:00.000000+00:00", "2025-10-01T07:05:00.500000+00:00"
CTX0 = {"id": "01K6F8Q8W0AAAAAAAAAAAAAAAA", "parent_id": None, "user_id": None}
CTX1 = {"id": "01K6F8ZZZZBBBBBBBBBBBBBBBB", "parent_id": None, "user_id": None}


def _state(state: str, ts: str, ctx: dict[str, Any], changed: str | None = None) -> dict[str, Any]:
    attrs = {"device_class": "motion", "friendly_name": "Hall Motion"}
    return {"entity_id": "binary_sensor.hall_motion", "state": state, "attributes": attrs,
            "last_changed": changed or ts, "last_updated": ts, "context": ctx}  # fmt: skip


def _change(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": "state_changed", "entity_id": new["entity_id"], "timestamp": new["last_updated"],
            "state": new["state"], "attributes": new["attributes"], "old_state": old, "new_state": new,
            "context": new["context"], "origin": "LOCAL", "time_fired": new["last_updated"]}  # fmt: skip


def _home() -> dict[str, Any]:
    on = _state("on", T0, CTX0)
    off = _state("off", T1, CTX1)
    device = {"entity_id": "binary_sensor.hall_motion", "device_id": "home_001_dev_000", "friendly_name": "Hall Motion",
              "name": "Hall Motion", "device_type": "binary_sensor", "device_class": "motion",
              "unit_of_measurement": None, "area": "Hall", "category": "security", "power_source": "battery",
              "protocol": "zigbee", "attributes": {"friendly_name": "Hall Motion", "device_class": "motion"}}  # fmt: skip
    automation = {**device, "entity_id": "automation.hall_lights", "device_id": None, "device_type": "automation",
                  "device_class": None, "category": "automation", "power_source": "virtual", "protocol": "virtual"}  # fmt: skip
    trigger = {"event_type": "automation_triggered", "entity_id": "automation.hall_lights", "timestamp": T0,
               "attributes": {"trigger_entity_id": "binary_sensor.hall_motion", "trigger_state": "on"},
               "context": CTX0, "origin": "LOCAL", "time_fired": T0}  # fmt: skip
    return {
        "home_id": "home_001", "home_type": "apartment", "size_category": "small", "home_index": 1,
        "metadata": {"home": {"name": "Home 1", "type": "apartment", "size_category": "small", "description": "x"}},
        "generated_at": "2025-10-31T00:00:00+00:00", "timezone": "Europe/Berlin",
        "location": {"country": "DE", "climate_zone": "temperate", "grid_region": "germany", "tariff": "dynamic",
                     "currency": "EUR", "latitude": 52.5, "longitude": 13.4},
        "seed": 42, "generator_version": "2.0.0",
        "floors": [{"floor_id": "ground_floor", "name": "Ground Floor", "level": 0}],
        "areas": [{"area_id": "hall", "name": "Hall", "type": "indoor", "floor": "ground_floor", "description": "d"}],
        "devices": [device, automation],
        "labels": {"home_type": "apartment", "failure_episodes": [
            {"entity_id": "binary_sensor.hall_motion", "device_id": "home_001_dev_000", "kind": "connectivity_loss",
             "start": T0, "failure_time": T1, "end": None}]},
        "events": [_change(None, on), trigger, _change(on, off)],
        "external_data": {"weather": [], "carbon_intensity": [], "pricing": [], "calendar": []},
    }  # fmt: skip


def test_a_well_formed_home_validates() -> None:
    home = HomeFile.model_validate(_home())
    assert len(home.events) == 3
    assert home.events[1].event_type == "automation_triggered"


def test_a_registry_without_floors_validates() -> None:
    home = _home()  # its registry declares no floor: no floor list, no area on one (generator 2.6)
    home["floors"] = []
    for area in home["areas"]:
        area["floor"] = None
    assert all(a.floor is None for a in HomeFile.model_validate(home).areas)


@pytest.mark.parametrize(
    "breakage",
    [
        "duplicate_entity",
        "unknown_entity",
        "flat_state_differs",
        "naive_timestamp",
        "non_utc_timestamp",
        "no_change",
        "wrong_domain",
        "unknown_floor",
        "label_disagrees",
        "state_on_other_event",
    ],
)
def test_broken_homes_are_rejected(breakage: str) -> None:
    home = _home()
    events = home["events"]
    if breakage == "duplicate_entity":
        home["devices"].append(copy.deepcopy(home["devices"][0]))
    elif breakage == "unknown_entity":
        events[1]["entity_id"] = "automation.not_there"
    elif breakage == "flat_state_differs":
        events[2]["state"] = "on"
    elif breakage == "naive_timestamp":
        events[1]["timestamp"] = events[1]["time_fired"] = "2025-10-01T07:00:00"
    elif breakage == "non_utc_timestamp":
        events[1]["timestamp"] = events[1]["time_fired"] = "2025-10-01T09:00:00+02:00"
    elif breakage == "no_change":
        events[2] = _change(events[0]["new_state"], _state("on", T1, CTX1, changed=T0))
    elif breakage == "wrong_domain":
        home["devices"][0]["device_type"] = "sensor"
    elif breakage == "unknown_floor":
        home["areas"][0]["floor"] = "attic"
    elif breakage == "label_disagrees":
        home["labels"]["home_type"] = "condo"
    elif breakage == "state_on_other_event":
        events[1]["state"] = "on"
    with pytest.raises(ValidationError):
        HomeFile.model_validate(home)


def test_ha_native_shapes() -> None:
    state = HAState.model_validate({**_state("on", T0, CTX0), "last_reported": T0})
    assert state.last_reported is not None
    with pytest.raises(ValidationError):
        HAState.model_validate(_state("x" * 256, T0, CTX0))
    with pytest.raises(ValidationError):
        HAState.model_validate(_state("on", T0, CTX0, changed=T1))  # changed after updated
    event = HAEvent.model_validate({"event_type": "state_changed", "data": {"entity_id": "light.a"},
                                    "origin": "LOCAL", "time_fired": T0, "context": CTX0})  # fmt: skip
    assert event.origin == "LOCAL"
    removed = _change(_state("on", T0, CTX0), _state("off", T1, CTX1))
    removed["new_state"] = None
    StateChangedEvent.model_validate(removed)


def test_forecasts_have_a_full_day() -> None:
    CarbonPoint.model_validate({"timestamp": T0, "intensity": 120.0, "renewable_percentage": 40.0})
    CarbonPoint.model_validate({"timestamp": T0, "intensity": 120.0, "renewable_percentage": 40.0,
                                "forecast": [100.0] * 96})  # fmt: skip
    with pytest.raises(ValidationError):
        CarbonPoint.model_validate(
            {"timestamp": T0, "intensity": 1.0, "renewable_percentage": 1.0, "forecast": [1.0]}
        )
    price = {"timestamp": T0, "price_per_kwh": -0.012, "pricing_tier": "off-peak", "region": "germany",
             "tariff": "dynamic"}  # fmt: skip
    assert PricePoint.model_validate(price).price_per_kwh < 0
    with pytest.raises(ValidationError):
        PricePoint.model_validate({**price, "pricing_tier": "cheap"})


def test_home_file_type_literal_matches_the_shared_type_list() -> None:
    from typing import get_args

    from homeiq_shared.home_file import HomeType
    from homeiq_shared.home_types import HOME_TYPE_WEIGHTS, HOME_TYPES, binary_label

    assert get_args(HomeType) == HOME_TYPES
    assert sum(HOME_TYPE_WEIGHTS.values()) == 100
    assert [binary_label(t) for t in ("condo", "studio", "cottage")] == [
        "apartment",
        "apartment",
        "standard_home",
    ]


def test_other_event_schema_lists_the_shared_event_types() -> None:
    from typing import get_args

    from homeiq_shared.event_types import EVENT_TYPES, OTHER_EVENT_TYPES
    from homeiq_shared.ha_schema import OtherEvent

    assert get_args(OtherEvent.model_fields["event_type"].annotation) == OTHER_EVENT_TYPES
    assert EVENT_TYPES[0] == "state_changed"
