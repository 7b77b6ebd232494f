"""The ask package below the API: times, thresholds and durations parsed; slots filled from the home."""

from __future__ import annotations

from typing import Any

import pytest

from ai_automation.ask.compose import suggest
from ai_automation.ask.intent import _room_kind, read
from ai_automation.ask.quantities import parse
from ai_automation.synergies.model import SynergyModel

MODEL = SynergyModel.load()


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        ("turn on the hall light when there is motion after 22:00", {"after": "22:00:00"}),
        (
            "heating on when the temperature is below 18 degrees",
            {"below": 18.0, "unit_concept": "@temperature"},
        ),
        ("turn off the fan when humidity drops below 60% for 5 minutes", {"below": 60.0, "for_seconds": 300}),
        ("lights off at 10:30 pm", {"at": "22:30:00"}),
        ("between 22:00 and 06:00 dim the hall", {"after": "22:00:00", "before": "06:00:00"}),
        ("Licht an bei Bewegung nach 22 Uhr für 2 Minuten", {"after": "22:00:00", "for_seconds": 120}),
        ("allume la lumière à 7h30", {"at": "07:30:00"}),
        ("washing machine done when power is under 5 W for 10 min", {"below": 5.0, "for_seconds": 600}),
        ("close the blinds at sunset", {"sun_event": "sunset", "sun_is_trigger": True}),
        (
            "turn on the porch light when the door opens after sunset",
            {"sun_event": "sunset", "sun_is_trigger": False},
        ),
        ("fan on when above 26,5 °C", {"above": 26.5, "unit_concept": "@temperature"}),
    ],
)
def test_times_thresholds_and_durations(request_text: str, expected: dict[str, Any]) -> None:
    q = parse(request_text)
    for key, value in expected.items():
        assert getattr(q, key) == value, (key, q)


def test_a_duration_is_no_time_and_a_bare_number_is_no_time() -> None:
    assert parse("turn off the fan after 5 minutes").after is None
    assert parse("turn off the fan after 5 minutes").for_seconds == 300
    assert parse("living room 2 lights").at is None
    assert parse("set the thermostat to 21").at is None


def test_the_clause_after_when_names_the_trigger_in_several_languages() -> None:
    for text in (
        "turn on the hall light when there is motion",
        "schalte das Licht im Flur ein, wenn Bewegung erkannt wird",
        "enciende la luz del pasillo cuando haya movimiento",
        "When there is motion, turn on the hall light",
    ):
        intent = read(text)
        assert intent.trigger_concepts == {"@presence"}, text
        assert intent.action_concepts == {"@light"}, text
    assert read("turn off the bedroom light when there is no motion").trigger_off
    assert read("turn off the bedroom light when there is no motion").verb == "off"
    assert read("close the blinds at sunset").verb == "close"


HOME: dict[str, Any] = {
    "home_id": "t",
    "areas": [{"name": "Hallway"}, {"name": "Kitchen"}, {"name": "Living room"}],
    "devices": [
        {"entity_id": "binary_sensor.motion_1", "device_class": "motion", "area": "Hallway"},
        {"entity_id": "binary_sensor.motion_2", "device_class": "motion", "area": "Kitchen"},
        {"entity_id": "light.ceiling_1", "area": "Hallway"},
        {"entity_id": "light.ceiling_2", "area": "Kitchen"},
        {"entity_id": "sensor.living_temperature", "device_class": "temperature", "area": "Living room"},
        {"entity_id": "climate.living", "area": "Living room"},
        {"entity_id": "binary_sensor.front_door", "device_class": "door", "area": "Hallway"},
        {"entity_id": "lock.front_door", "area": "Hallway"},
    ],
}


def test_slots_follow_the_room_the_request_names_through_the_areas() -> None:
    # the ids say nothing about the room: only the areas (and the ranker's same-area pair score) do
    answer = suggest("turn on the kitchen light when there is motion", HOME, MODEL)
    assert (answer.trigger_entities, answer.action_entities) == (
        ["binary_sensor.motion_2"],
        ["light.ceiling_2"],
    )
    answer = suggest("turn on the hallway light when there is motion", HOME, MODEL)
    assert (answer.trigger_entities, answer.action_entities) == (
        ["binary_sensor.motion_1"],
        ["light.ceiling_1"],
    )


def test_a_threshold_becomes_a_numeric_trigger_and_a_closed_door_a_lock() -> None:
    answer = suggest("turn on the heating when the temperature is below 18 degrees", HOME, MODEL)
    assert answer.grounded
    assert answer.automation is not None
    assert answer.automation["triggers"] == [
        {"trigger": "numeric_state", "entity_id": "sensor.living_temperature", "below": 18.0}
    ]
    assert answer.automation["actions"][0] == {
        "action": "climate.turn_on",
        "target": {"entity_id": "climate.living"},
    }
    locked = suggest("lock the front door when it has been closed for 5 minutes", HOME, MODEL)
    assert locked.automation is not None
    assert locked.automation["triggers"] == [
        {"trigger": "state", "entity_id": "binary_sensor.front_door", "to": "off", "for": {"seconds": 300}}
    ]
    assert locked.automation["actions"][0]["action"] == "lock.lock"


def test_no_answer_names_an_entity_the_home_lacks() -> None:
    known = {d["entity_id"] for d in HOME["devices"]}
    for text in (
        "turn on the garden sprinkler when it is dry",
        "open the garage when I arrive",
        "notify me when the front door opens",
        "x1 x2 x3",
        "a" * 500,
        "",
    ):
        answer = suggest(text, HOME, MODEL)
        assert set(answer.trigger_entities) | set(answer.action_entities) <= known, text
        assert answer.explanation
        if not answer.grounded:
            assert answer.automation is None
            assert answer.id is None


def test_the_homes_own_similar_automation_points_at_its_entities() -> None:
    home = {**HOME, "devices": [*HOME["devices"], {"entity_id": "light.ceiling_3", "area": "Kitchen"}]}
    own = [
        {
            "alias": "Kitchen motion evening lamp",
            "triggers": [{"trigger": "state", "entity_id": "binary_sensor.motion_2"}],
            "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.ceiling_3"}}],
        }
    ]
    answer = suggest("kitchen evening lamp on with motion", home, MODEL, own)
    assert answer.action_entities == ["light.ceiling_3"]
    assert answer.templates[0][0] == "example:0"


def test_a_home_without_anything_to_start_an_automation_is_told_so() -> None:
    home = {"home_id": "s", "devices": [{"entity_id": "scene.evening"}, {"entity_id": "script.goodnight"}]}
    answer = suggest("turn on the evening scene when someone comes in", home, MODEL)
    assert not answer.grounded
    assert answer.trigger_entities == []
    timed = suggest("turn on the evening scene at 19:00", home, MODEL)
    assert timed.grounded
    assert timed.action_entities == ["scene.evening"]


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("koket", "kitchen"),
        ("hallen", "hallway"),
        ("sovrummet", "bedroom"),
        ("garaget", "garage"),
        ("oven", "other"),
    ],
)
def test_a_room_in_the_scandinavian_definite_form_is_read(word: str, kind: str) -> None:
    assert _room_kind(word) == kind
