"""History evidence on a planted routine: manual changes after a trigger count, automated ones and
random co-occurrence do not."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from ai_automation.synergies.detect import detect
from ai_automation.synergies.history import routines
from ai_automation.synergies.model import SynergyModel

START = datetime(2026, 11, 1, tzinfo=UTC)
SNAPSHOT: dict[str, Any] = {
    "home_id": "hist",
    "areas": [{"name": "Hallway"}, {"name": "Office"}],
    "devices": [
        {"entity_id": "binary_sensor.hall_motion", "device_class": "motion", "area": "Hallway"},
        {"entity_id": "light.hall", "area": "Hallway"},
        {"entity_id": "light.office_lamp", "area": "Office"},
        {"entity_id": "switch.hall_fan", "area": "Hallway"},
        {"entity_id": "switch.coffee"},
    ],
}


def _event(
    entity_id: str, when: datetime, old: str, new: str, user: str | None, parent: str | None
) -> dict[str, Any]:
    context = {"id": f"c{when.timestamp()}{entity_id}", "user_id": user, "parent_id": parent}
    return {
        "event_type": "state_changed",
        "time_fired": when.isoformat(),
        "data": {
            "entity_id": entity_id,
            "old_state": {"entity_id": entity_id, "state": old},
            "new_state": {"entity_id": entity_id, "state": new},
        },
        "context": context,
    }


def _history(days: int) -> list[dict[str, Any]]:
    rng = random.Random(0)
    events = []
    for day in range(days):
        evening = START + timedelta(days=day, hours=19, minutes=rng.randint(0, 40))
        events.append(_event("binary_sensor.hall_motion", evening, "off", "on", None, None))
        events.append(
            _event("binary_sensor.hall_motion", evening + timedelta(minutes=5), "on", "off", None, None)
        )
        # the owner turns the hall light on by hand 20-60 s after the motion
        events.append(
            _event("light.hall", evening + timedelta(seconds=rng.randint(20, 60)), "off", "on", "u1", None)
        )
        events.append(_event("light.hall", evening + timedelta(hours=3), "on", "off", "u1", None))
        # an existing automation switches the fan after the motion: never evidence
        events.append(_event("switch.hall_fan", evening + timedelta(seconds=30), "off", "on", None, "auto1"))
        # the office lamp is used by hand at random times: co-occurs only by chance
        lamp = START + timedelta(days=day, seconds=rng.randint(0, 86_399))
        events.append(_event("light.office_lamp", lamp, "off", "on", "u1", None))
    return events


def test_a_planted_manual_routine_is_found_and_chance_and_automations_are_not() -> None:
    found = routines(
        _history(14), ["binary_sensor.hall_motion"], ["light.hall", "light.office_lamp", "switch.hall_fan"]
    )
    assert [(r.trigger, r.action) for r in found] == [("binary_sensor.hall_motion", "light.hall")]
    routine = found[0]
    assert routine.support == 14
    assert routine.confidence == 0.5  # 14 of its 28 manual changes (the 23:00 off does not follow the motion)
    assert routine.lift > 5  # the null keeps the time of day: evening vs evening
    assert routine.evidence()["short_history"] is False


def test_detect_puts_the_routine_first_with_its_evidence() -> None:
    suggestions = detect(SNAPSHOT, SynergyModel.load(), limit=5, events=_history(14))
    top = suggestions[0]
    assert (top.trigger_entities, top.action_entities) == (["binary_sensor.hall_motion"], ["light.hall"])
    assert top.evidence["source"] == "history"
    assert top.evidence["support"] == 14
    assert all(s.evidence["source"] == "cold_start" for s in suggestions[1:])


def test_a_short_history_is_flagged_and_two_days_are_below_the_support_floor() -> None:
    three = routines(_history(3), ["binary_sensor.hall_motion"], ["light.hall"])
    assert three
    assert three[0].evidence()["short_history"] is True
    assert routines(_history(2), ["binary_sensor.hall_motion"], ["light.hall"]) == []
