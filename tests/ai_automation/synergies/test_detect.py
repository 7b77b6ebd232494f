"""The cold-start detector on small hand-built homes: ranking, exclusion, rendering."""

from __future__ import annotations

from typing import Any

import yaml

from ai_automation.synergies.detect import detect
from ai_automation.synergies.home import entities_of
from ai_automation.synergies.model import SynergyModel

MODEL = SynergyModel.load()

HOME: dict[str, Any] = {
    "home_id": "t",
    "areas": [{"name": "Hallway", "area_id": "hall"}, {"name": "Wohnzimmer", "area_id": "wz"}],
    "devices": [
        {"entity_id": "binary_sensor.hall_motion", "device_class": "motion", "area": "Hallway"},
        {"entity_id": "light.hall_ceiling", "area": "Hallway"},
        {"entity_id": "light.living_room_lamp", "area_id": "wz"},
        {"entity_id": "sensor.outdoor_temperature", "device_class": "temperature"},
        {"entity_id": "switch.coffee_maker"},
    ],
}


def test_same_area_motion_light_ranks_first_as_the_motion_light_blueprint() -> None:
    suggestions = detect(HOME, MODEL, limit=5)
    top = suggestions[0]
    assert (top.trigger_entities, top.action_entities) == (
        ["binary_sensor.hall_motion"],
        ["light.hall_ceiling"],
    )
    doc = yaml.safe_load(top.automation_yaml)[0]
    assert doc["use_blueprint"]["path"] == "homeassistant/motion_light.yaml"
    assert doc["use_blueprint"]["input"]["motion_entity"] == "binary_sensor.hall_motion"
    assert doc["initial_state"] is False
    assert doc["id"] == top.id
    assert "same area" in doc["description"]


def test_every_suggestion_parses_names_known_entities_and_keeps_its_id() -> None:
    known = {d["entity_id"] for d in HOME["devices"]}
    first = detect(HOME, MODEL, limit=20)
    assert first
    assert [s.id for s in first] == [s.id for s in detect(HOME, MODEL, limit=20)]
    for s in first:
        assert set(s.trigger_entities + s.action_entities) <= known
        doc = yaml.safe_load(s.automation_yaml)[0]
        assert doc["initial_state"] is False
        if "use_blueprint" not in doc:
            assert set(doc) >= {"id", "alias", "description", "triggers", "conditions", "actions"}
            assert doc["triggers"][0]["entity_id"] == s.trigger_entities[0]
            assert doc["actions"][0]["target"]["entity_id"] == s.action_entities[0]


def test_pairs_an_existing_automation_links_are_not_suggested() -> None:
    existing = [
        {
            "alias": "hall light",
            "triggers": [{"trigger": "state", "entity_id": "binary_sensor.hall_motion", "to": "on"}],
            "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall_ceiling"}}],
        }
    ]
    pairs = {(s.trigger_entities[0], s.action_entities[0]) for s in detect(HOME, MODEL, existing, limit=50)}
    assert ("binary_sensor.hall_motion", "light.hall_ceiling") not in pairs
    assert pairs  # the rest of the home still gets suggestions


def test_a_home_whose_every_pair_is_automated_gets_nothing() -> None:
    home = {"devices": [{"entity_id": "binary_sensor.m", "device_class": "motion"}, {"entity_id": "light.l"}]}
    existing = [
        {
            "trigger": [{"platform": "state", "entity_id": "binary_sensor.m"}],
            "action": [{"service": "light.turn_on", "entity_id": "light.l"}],
        }
    ]
    assert detect(home, MODEL, limit=10)
    assert detect(home, MODEL, existing, limit=10) == []


def test_a_home_without_devices_or_valid_ids_gets_nothing() -> None:
    assert detect({"devices": []}, MODEL) == []
    assert detect({"devices": [{"entity_id": "not an id"}, {"entity_id": "light.only"}]}, MODEL) == []


def test_area_kinds_are_read_in_any_language() -> None:
    by_id = {e.entity_id: e for e in entities_of(HOME)}
    assert by_id["light.living_room_lamp"].place == "living"  # Wohnzimmer
    assert by_id["binary_sensor.hall_motion"].group == "presence"


PHONE_HOME: dict[str, Any] = {
    "home_id": "p",
    "devices": [
        {"entity_id": "person.anna"},
        {"entity_id": "device_tracker.anna_phone", "device_id": "phone-1"},
        {"entity_id": "device_tracker.router_seen"},  # no device: nothing to notify
        {"entity_id": "binary_sensor.door", "device_class": "door"},
        {"entity_id": "light.porch"},
    ],
}


def test_a_person_and_a_phone_get_the_zone_blueprint_and_a_tracker_is_no_other_action() -> None:
    found = detect(PHONE_HOME, MODEL, limit=20)
    zone = [s for s in found if s.pattern == "leaving_zone"]
    assert [(s.trigger_entities, s.action_entities) for s in zone] == [
        (["person.anna"], ["device_tracker.anna_phone"])
    ]
    doc = yaml.safe_load(zone[0].automation_yaml)[0]
    assert doc["use_blueprint"] == {
        "path": "homeassistant/notify_leaving_zone.yaml",
        "input": {"person_entity": "person.anna", "zone_entity": "zone.home", "notify_device": "phone-1"},
    }
    assert zone[0].blueprint == "homeassistant/notify_leaving_zone.yaml"
    # a tracker acts only in that pattern, only when it has a device
    for s in found:
        if s.action_entities[0].startswith("device_tracker."):
            assert s.trigger_entities == ["person.anna"]
            assert s.action_entities == ["device_tracker.anna_phone"]
    # an automation made from either built-in blueprint already covers its pair
    again = detect(PHONE_HOME, MODEL, [doc], limit=20)
    assert not [s for s in again if s.pattern == "leaving_zone"]
    motion = yaml.safe_load(detect(HOME, MODEL, limit=1)[0].automation_yaml)[0]
    assert motion["use_blueprint"]["path"] == "homeassistant/motion_light.yaml"
    pairs = [(s.trigger_entities, s.action_entities) for s in detect(HOME, MODEL, [motion], limit=20)]
    assert (["binary_sensor.hall_motion"], ["light.hall_ceiling"]) not in pairs


def test_the_scored_pairs_of_an_unchanged_snapshot_are_kept_per_model() -> None:
    """`cold_start` keeps a snapshot's scored pairs: the same snapshot and model reuse them (the same
    answer), a changed snapshot or another model (a promotion) scores again; the cache stays bounded."""
    from ai_automation.synergies.cache import Lru
    from ai_automation.synergies.detect import ColdStart, cold_start

    cache: Lru[str, ColdStart] = Lru(2)
    first = cold_start(HOME, MODEL, cache)
    assert (
        cold_start(dict(reversed(list(HOME.items()))), MODEL, cache) is first
    )  # same content, any key order
    assert detect(HOME, MODEL, limit=20, scored=first) == detect(HOME, MODEL, limit=20)
    moved = {**HOME, "devices": [*HOME["devices"], {"entity_id": "light.porch", "area": "Hallway"}]}
    assert cold_start(moved, MODEL, cache) is not first
    assert "light.porch" in {e.entity_id for e in cold_start(moved, MODEL, cache).entities}
    promoted = SynergyModel.load()
    again = cold_start(HOME, promoted, cache)
    assert again is not first
    assert again.model is promoted
    assert cold_start(HOME, promoted, cache) is again
    assert len(cache) == 2


def test_a_snapshot_the_cache_key_cannot_encode_is_scored_without_reuse() -> None:
    """JSON allows an integer beyond 64 bits in a device's extra fields; the cache key cannot hold it, so
    the pairs are scored afresh (the same answer) instead of failing the request."""
    from ai_automation.synergies.cache import Lru
    from ai_automation.synergies.detect import ColdStart, cold_start

    odd = {**HOME, "devices": [{**HOME["devices"][0], "serial": 2**70}, *HOME["devices"][1:]]}
    cache: Lru[str, ColdStart] = Lru(2)
    scored = cold_start(odd, MODEL, cache)
    assert len(cache) == 0
    assert detect(odd, MODEL, limit=5, scored=scored) == detect(HOME, MODEL, limit=5)


def test_a_setting_the_registry_files_under_config_is_no_action_ahead_of_the_device() -> None:
    # real owners drive such entities about 60x less often than others (1 of 1,871 config entities of the
    # calibration installs is an automation's action, against 198 of 6,093 uncategorised ones)
    crossfade = {"entity_id": "switch.bathroom_speaker_crossfade", "area": "Bathroom", "device_id": "sp"}
    home: dict[str, Any] = {
        "home_id": "c",
        "areas": [{"name": "Bathroom"}],
        "devices": [
            {"entity_id": "sensor.bathroom_humidity", "device_class": "humidity", "area": "Bathroom"},
            {"entity_id": "switch.bathroom_speaker", "area": "Bathroom", "device_id": "sp"},
            crossfade,
        ],
    }

    def score_of(snapshot: dict[str, Any], action: str) -> float:
        found = [s for s in detect(snapshot, MODEL, limit=20) if s.action_entities == [action]]
        return found[0].score if found else 0.0

    declared = {**home, "devices": [*home["devices"][:2], {**crossfade, "entity_category": "config"}]}
    assert score_of(home, crossfade["entity_id"]) == score_of(home, "switch.bathroom_speaker")
    assert score_of(declared, crossfade["entity_id"]) < score_of(declared, "switch.bathroom_speaker")
    assert [e.category for e in entities_of(declared)] == [None, None, "config"]
    unknown = {**home, "devices": [*home["devices"][:2], {**crossfade, "entity_category": "system"}]}
    assert entities_of(unknown)[2].category is None  # HA has only config and diagnostic today
