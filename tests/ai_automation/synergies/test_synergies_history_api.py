"""`/api/synergies/detect` with a history: the owner's manual habit comes first with its evidence, from
events sent inline or stored by `/api/ha/events`; an automation that already does it leaves it out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import yaml

SNAPSHOT: dict[str, Any] = {
    "home_id": "habits",
    "areas": [{"name": "Study"}, {"name": "Kitchen"}],
    "devices": [
        {"entity_id": "binary_sensor.study_motion", "device_class": "motion", "area": "Study"},
        {"entity_id": "light.desk_lamp", "area": "Study"},
        {"entity_id": "binary_sensor.kitchen_motion", "device_class": "motion", "area": "Kitchen"},
        {"entity_id": "light.kitchen", "area": "Kitchen"},
    ],
}
START = datetime(2026, 11, 1, tzinfo=UTC)


def _change(entity_id: str, state: str, when: datetime, *, user: bool) -> dict[str, Any]:
    context = {
        "id": f"c{when.timestamp():.0f}{entity_id}",
        "parent_id": None,
        "user_id": "0f3e" * 8 if user else None,
    }
    return {
        "event_type": "state_changed",
        "time_fired": when.isoformat(),
        "context": context,
        "data": {"entity_id": entity_id, "new_state": {"entity_id": entity_id, "state": state}},
    }


def _history(days: int) -> list[dict[str, Any]]:
    """The study's lamp switched on through the app within a minute of motion, every evening; the
    kitchen's motion and light go their own ways."""
    events = []
    for day in range(days):
        evening = START + timedelta(days=day, hours=19, minutes=(day * 7) % 50)
        for k in range(6):  # the study's motion all evening; the lamp after the first of it
            moment = evening + timedelta(minutes=20 * k)
            events += [_change("binary_sensor.study_motion", "on", moment, user=False),
                       _change("binary_sensor.study_motion", "off", moment + timedelta(minutes=2), user=False)]  # fmt: skip
        events.append(_change("light.desk_lamp", "on", evening + timedelta(seconds=35), user=True))
        events.append(_change("light.desk_lamp", "off", evening + timedelta(hours=3), user=True))
        for k in range(4):
            events.append(
                _change(
                    "binary_sensor.kitchen_motion", "on", evening + timedelta(hours=-5.5 + 3 * k), user=False
                )
            )
        events.append(
            _change("light.kitchen", "on", evening + timedelta(hours=-2, minutes=7 * day % 60), user=True)
        )
    return events


async def test_a_habit_in_the_events_sent_comes_first_with_its_evidence(ai_client: httpx.AsyncClient) -> None:
    r = await ai_client.post(
        "/api/synergies/detect", json={"snapshot": SNAPSHOT, "events": _history(21), "limit": 5}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["history_events"] == len(_history(21))
    top = body["suggestions"][0]
    assert top["pattern"] == "habit"
    assert (top["trigger_entities"], top["action_entities"]) == (
        ["binary_sensor.study_motion"],
        ["light.desk_lamp"],
    )
    assert top["evidence"]["source"] == "history"
    assert top["evidence"]["days"] == 21
    assert "on 21 of" in top["evidence"]["text"]
    automation = yaml.safe_load(top["automation_yaml"])[0]
    assert automation["triggers"] == [
        {"trigger": "state", "entity_id": "binary_sensor.study_motion", "to": "on"}
    ]
    assert automation["actions"] == [{"action": "light.turn_on", "target": {"entity_id": "light.desk_lamp"}}]
    assert automation["initial_state"] is False
    assert "from your history" in automation["description"]
    others = body["suggestions"][1:]
    assert all(s["pattern"] != "habit" for s in others)  # the kitchen's light and motion are not linked
    assert ("binary_sensor.study_motion", "light.desk_lamp") not in {
        (s["trigger_entities"][0], s["action_entities"][0]) for s in others
    }  # the pair is said once, by the habit


async def test_an_automation_that_already_does_it_leaves_the_habit_out(ai_client: httpx.AsyncClient) -> None:
    existing = {"alias": "Desk lamp with motion", "triggers": [{"trigger": "state", "entity_id": "binary_sensor.study_motion"}],
                "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.desk_lamp"}}]}  # fmt: skip
    r = await ai_client.post(
        "/api/synergies/detect",
        json={"snapshot": SNAPSHOT, "events": _history(21), "existing_automations": [existing]},
    )
    assert r.status_code == 200, r.text
    assert [s for s in r.json()["suggestions"] if s["pattern"] == "habit"] == []


async def test_a_stored_home_is_read_from_its_stored_events(ai_client: httpx.AsyncClient) -> None:
    assert (await ai_client.post("/api/ha/snapshot", json=SNAPSHOT)).status_code == 200
    stored = await ai_client.post("/api/ha/events", json={"home_id": "habits", "events": _history(14)})
    assert stored.status_code == 200, stored.text
    r = await ai_client.post("/api/synergies/detect", json={"home_id": "habits"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["history_events"] == len(_history(14))
    assert body["suggestions"][0]["pattern"] == "habit"
    assert body["suggestions"][0]["evidence"]["weak"] is False
    # two days are too few to call anything a habit: the cold start answers alone
    short = await ai_client.post("/api/synergies/detect", json={"snapshot": SNAPSHOT, "events": _history(2)})
    assert [s["pattern"] for s in short.json()["suggestions"]].count("habit") == 0
