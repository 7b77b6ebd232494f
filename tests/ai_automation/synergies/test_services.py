"""The one table of HA services: what each verb does to each action domain (checked against HA core in
tests/ha_integration/ha_core/test_automation_yaml.py)."""

from __future__ import annotations

import yaml

from ai_automation.synergies.detect import detect
from ai_automation.synergies.home import entities_of
from ai_automation.synergies.model import SynergyModel
from ai_automation.synergies.render import service_for_state
from ai_automation.synergies.roles import ACTION_DOMAINS
from ai_automation.synergies.services import action_call


def test_every_action_domain_has_a_service_for_on_and_none_is_a_made_up_turn_on() -> None:
    for domain in ACTION_DOMAINS:
        call = action_call(domain, "on", value_from="sensor.power", message="m")
        assert call is not None, domain
    assert action_call("cover", "on") == {"action": "cover.open_cover"}
    assert action_call("lock", "off") == {"action": "lock.unlock"}
    assert action_call("valve", "off") == {"action": "valve.close_valve"}
    assert action_call("timer", "on") == {"action": "timer.start"}
    assert action_call("button", "off") == {"action": "button.press"}  # one thing to do, whatever the verb
    assert action_call("sensor", "on") is None  # a sensor is driven by nothing


def test_value_taking_domains_take_the_triggers_state_and_notify_gets_a_message() -> None:
    assert action_call("number", "on") is None  # no value to set without a trigger
    assert action_call("input_number", "on", value_from="sensor.outside_temperature") == {
        "action": "input_number.set_value",
        "data": {"value": '{{ states("sensor.outside_temperature") }}'},
    }
    assert action_call("notify", "off", message="the washer is done") == {
        "action": "notify.send_message",
        "data": {"message": "the washer is done"},
    }


def test_habits_put_back_the_same_states_as_before() -> None:
    (cover, lock, scene) = entities_of(
        {"devices": [{"entity_id": "cover.blind"}, {"entity_id": "lock.front"}, {"entity_id": "scene.movie"}]}
    )
    assert service_for_state(cover, "closed") == ("cover.close_cover", {})
    assert service_for_state(lock, "unlocked") == ("lock.unlock", {})
    assert service_for_state(scene, "on") is None  # a habit's state of another domain names no service


def test_a_number_follows_a_number_and_never_a_motion_sensor() -> None:
    home = {
        "home_id": "n",
        "areas": [{"name": "Hall"}],
        "devices": [
            {"entity_id": "binary_sensor.hall_motion", "device_class": "motion", "area": "Hall"},
            {"entity_id": "sensor.hall_temperature", "device_class": "temperature", "area": "Hall"},
            {"entity_id": "number.hall_heater_target", "area": "Hall"},
        ],
    }
    found = detect(home, SynergyModel.load(), limit=20)
    to_number = [s for s in found if s.action_entities == ["number.hall_heater_target"]]
    assert [s.trigger_entities for s in to_number] == [["sensor.hall_temperature"]]
    (action,) = yaml.safe_load(to_number[0].automation_yaml)[0]["actions"]
    assert action["action"] == "number.set_value"
    assert action["data"] == {"value": '{{ states("sensor.hall_temperature") }}'}
