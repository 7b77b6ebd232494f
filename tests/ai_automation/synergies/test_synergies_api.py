"""`/api/synergies`: detect from a snapshot or a stored home, list, feedback; 4xx for malformed input."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

SNAPSHOT: dict[str, Any] = {
    "home_id": "h1",
    "areas": [{"name": "Hallway"}],
    "devices": [
        {"entity_id": "binary_sensor.hall_motion", "device_class": "motion", "area": "Hallway"},
        {"entity_id": "light.hall", "area": "Hallway"},
        {"entity_id": "switch.kettle"},
    ],
}
EVENT = {
    "event_type": "state_changed",
    "time_fired": "2026-12-01T07:00:00+00:00",
    "data": {"entity_id": "light.hall", "new_state": {"entity_id": "light.hall", "state": "on"}},
}


async def test_detect_from_a_snapshot_stores_and_lists_and_takes_feedback(
    ai_client: httpx.AsyncClient,
) -> None:
    r = await ai_client.post(
        "/api/synergies/detect", json={"snapshot": SNAPSHOT, "events": [EVENT], "limit": 3}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    top = body["suggestions"][0]
    assert (top["trigger_entities"], top["action_entities"]) == (
        ["binary_sensor.hall_motion"],
        ["light.hall"],
    )
    assert yaml.safe_load(top["automation_yaml"])[0]["id"] == top["id"]
    assert body["events_received"] == 1
    listed = (await ai_client.get("/api/synergies", params={"home_id": "h1"})).json()["suggestions"]
    assert [s["id"] for s in listed] == [s["id"] for s in body["suggestions"]]
    fb = await ai_client.post(f"/api/synergies/{top['id']}/feedback", json={"feedback": "dismissed"})
    assert fb.status_code == 200, fb.text
    assert fb.json()["feedback"] == "dismissed"
    # a new detect run keeps the feedback
    again = await ai_client.post("/api/synergies/detect", json={"snapshot": SNAPSHOT, "limit": 3})
    assert again.json()["suggestions"][0]["feedback"] == "dismissed"


async def test_detect_for_a_stored_home_and_an_unknown_one(ai_client: httpx.AsyncClient) -> None:
    assert (await ai_client.post("/api/ha/snapshot", json=SNAPSHOT)).status_code == 200
    r = await ai_client.post("/api/synergies/detect", json={"home_id": "h1"})
    assert r.status_code == 200, r.text
    assert r.json()["suggestions"]
    missing = await ai_client.post("/api/synergies/detect", json={"home_id": "nope"})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_a_home_without_devices_and_a_fully_automated_home_get_no_suggestions(
    ai_client: httpx.AsyncClient,
) -> None:
    empty = await ai_client.post("/api/synergies/detect", json={"snapshot": {"home_id": "e", "devices": []}})
    assert empty.status_code == 200
    assert empty.json()["suggestions"] == []
    home = {"home_id": "a", "devices": SNAPSHOT["devices"][:2]}
    existing = [
        {
            "triggers": [{"trigger": "state", "entity_id": "binary_sensor.hall_motion"}],
            "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
        }
    ]
    r = await ai_client.post(
        "/api/synergies/detect", json={"snapshot": home, "existing_automations": existing}
    )
    assert r.status_code == 200
    assert r.json()["suggestions"] == []


async def test_malformed_input_is_refused_and_nothing_stored_is_lost(ai_client: httpx.AsyncClient) -> None:
    ok = await ai_client.post("/api/synergies/detect", json={"snapshot": SNAPSHOT})
    before = (await ai_client.get("/api/synergies")).json()["suggestions"]
    bad_event = {**EVENT, "time_fired": "yesterday"}
    for body in (
        {"snapshot": SNAPSHOT, "events": [EVENT, bad_event]},
        {"snapshot": SNAPSHOT, "home_id": "h1"},
        {},
        {"snapshot": SNAPSHOT, "limit": 0},
        {"snapshot": {"devices": [{"entity_id": "not an id"}]}},
    ):
        r = await ai_client.post("/api/synergies/detect", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert ok.status_code == 200
    assert (await ai_client.get("/api/synergies")).json()["suggestions"] == before
    unknown = await ai_client.post(
        "/api/synergies/syn-0000000000000000/feedback", json={"feedback": "accepted"}
    )
    assert unknown.status_code == 404
    wrong = await ai_client.post(f"/api/synergies/{before[0]['id']}/feedback", json={"feedback": "maybe"})
    assert wrong.status_code == 422


async def test_a_stored_homes_entity_category_reaches_the_ranking(ai_client: httpx.AsyncClient) -> None:
    """HA's `entity_category`, as the integration, the import and the live link send it, is stored with the
    snapshot and read by detect: the hall motion sensor's chime setting stops competing with the hall light."""
    chime = {"entity_id": "switch.hall_motion_chime", "area": "Hallway"}
    plain = {**SNAPSHOT, "home_id": "chime", "devices": [*SNAPSHOT["devices"], chime]}
    declared = {
        **plain,
        "home_id": "chime2",
        "devices": [*SNAPSHOT["devices"], {**chime, "entity_category": "config"}],
    }

    async def score_of_chime(home: dict[str, Any]) -> float:
        assert (await ai_client.post("/api/ha/snapshot", json=home)).status_code == 200
        r = await ai_client.post("/api/synergies/detect", json={"home_id": home["home_id"], "limit": 20})
        assert r.status_code == 200, r.text
        return next(
            s["score"] for s in r.json()["suggestions"] if s["action_entities"] == [chime["entity_id"]]
        )

    assert await score_of_chime(declared) < await score_of_chime(plain)
    too_long = {**declared, "devices": [{**chime, "entity_category": "c" * 33}]}
    assert (await ai_client.post("/api/ha/snapshot", json=too_long)).status_code == 422
