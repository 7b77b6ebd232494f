"""The one table of HA services: what each verb does to each action domain (checked against HA core in
tests/ha_integration/ha_core/test_automation_yaml.py)."""

from __future__ import annotations

import yaml

from ai_automation.synergies.detect import detect
from ai_automation.synergies.home import Entity, entities_of
from ai_automation.synergies.model import SynergyModel
from ai_automation.synergies.render import service_for_state
from ai_automation.synergies.roles import ACTION_DOMAINS
from ai_automation.synergies.services import action_call


def _entity(entity_id: str, device_class: str | None = None) -> Entity:
    record = {"entity_id": entity_id, **({"device_class": device_class} if device_class else {})}
    return entities_of({"devices": [record]})[0]


POWER = _entity("sensor.washer_power", "power")


def test_every_action_domain_but_the_alarm_has_a_service_and_none_is_a_made_up_turn_on() -> None:
    served = {d for d in ACTION_DOMAINS if action_call(d, "on", POWER) is not None}
    assert ACTION_DOMAINS - served == {
        "alarm_control_panel"
    }  # arming needs its code, which HomeIQ does not keep
    assert action_call("cover", "on") == {"action": "cover.open_cover"}
    assert action_call("lock", "off") == {"action": "lock.unlock"}
    assert action_call("valve", "off") == {"action": "valve.close_valve"}
    assert action_call("timer", "on") == {"action": "timer.start"}
    assert action_call("button", "off") == {"action": "button.press"}  # one thing to do, whatever the verb
    assert action_call("sensor", "on") is None  # a sensor is driven by nothing


def test_a_number_takes_only_a_number_a_text_anything_and_notify_says_what_changed() -> None:
    assert action_call("number", "on") is None  # nothing to set it to
    assert action_call("input_number", "on", POWER) == {
        "action": "input_number.set_value",
        "data": {"value": '{{ states("sensor.washer_power") }}'},
    }
    for not_a_number in (
        _entity("sensor.sun_next_dawn", "timestamp"),
        _entity("sensor.washer_program", "enum"),
        _entity("sensor.x12_status"),  # no device class: its state may be anything
        _entity("binary_sensor.hall_motion", "motion"),
    ):
        assert action_call("number", "on", not_a_number) is None, not_a_number.entity_id
        assert action_call("input_text", "on", not_a_number) is not None  # a text takes any state
    assert action_call("number", "on", _entity("counter.visits")) is not None
    assert action_call("notify", "off", POWER) == {
        "action": "notify.send_message",
        "data": {"message": 'sensor.washer_power is now {{ states("sensor.washer_power") }}'},
    }


# What habits put back before the one table (commit f8bdce3): exactly the same pairs now.
HABITS_BEFORE = {
    "light": {"on": "light.turn_on", "off": "light.turn_off"},
    "switch": {"on": "switch.turn_on", "off": "switch.turn_off"},
    "fan": {"on": "fan.turn_on", "off": "fan.turn_off"},
    "input_boolean": {"on": "input_boolean.turn_on", "off": "input_boolean.turn_off"},
    "cover": {"open": "cover.open_cover", "closed": "cover.close_cover"},
    "lock": {"locked": "lock.lock", "unlocked": "lock.unlock"},
    "media_player": {"on": "media_player.turn_on", "off": "media_player.turn_off",
                     "playing": "media_player.media_play", "paused": "media_player.media_pause"},
    "vacuum": {"cleaning": "vacuum.start", "docked": "vacuum.return_to_base"},
    "siren": {"on": "siren.turn_on", "off": "siren.turn_off"},
}  # fmt: skip
STATES = ("on", "off", "open", "closed", "opening", "locked", "unlocked", "open", "jammed", "playing", "paused",
          "idle", "cleaning", "docked", "returning", "unavailable", "unknown", "42")  # fmt: skip


def test_habits_put_back_the_same_states_as_before() -> None:
    for domain in (ACTION_DOMAINS | set(HABITS_BEFORE)) - {"climate"}:  # climate: its HVAC modes, below
        action = _entity(f"{domain}.x")
        for state in STATES:
            expected = HABITS_BEFORE.get(domain, {}).get(state)
            assert service_for_state(action, state) == ((expected, {}) if expected else None), (domain, state)
    assert service_for_state(_entity("climate.x"), "heat") == ("climate.set_hvac_mode", {"hvac_mode": "heat"})
    assert service_for_state(_entity("climate.x"), "idle") is None


def test_a_number_follows_a_number_never_a_motion_sensor_or_a_timestamp() -> None:
    home = {
        "home_id": "n",
        "areas": [{"name": "Hall"}],
        "devices": [
            {"entity_id": "binary_sensor.hall_motion", "device_class": "motion", "area": "Hall"},
            {"entity_id": "sensor.hall_next_dawn", "device_class": "timestamp", "area": "Hall"},
            {"entity_id": "sensor.hall_temperature", "device_class": "temperature", "area": "Hall"},
            {"entity_id": "number.hall_heater_target", "area": "Hall"},
        ],
    }
    found = detect(home, SynergyModel.load(), limit=30)
    to_number = [s for s in found if s.action_entities == ["number.hall_heater_target"]]
    assert [s.trigger_entities for s in to_number] == [["sensor.hall_temperature"]]
    (action,) = yaml.safe_load(to_number[0].automation_yaml)[0]["actions"]
    assert action["action"] == "number.set_value"
    assert action["data"] == {"value": '{{ states("sensor.hall_temperature") }}'}
    (trigger,) = yaml.safe_load(to_number[0].automation_yaml)[0]["triggers"]
    assert trigger["not_to"] == ["unavailable", "unknown"]  # a dropped sensor sets nothing
