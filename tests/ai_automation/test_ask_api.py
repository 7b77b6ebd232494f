"""`POST /api/automations/suggest` over HTTP: grounded, ungroundable, empty home, other languages, limits,
and accept/dismiss of an ask through the synergy feedback route."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings

HOME: dict[str, Any] = {
    "home_id": "h1",
    "areas": [{"name": "Hallway"}, {"name": "Kitchen"}],
    "devices": [
        {"entity_id": "binary_sensor.hall_motion", "device_class": "motion", "area": "Hallway"},
        {"entity_id": "light.hall", "area": "Hallway"},
        {"entity_id": "binary_sensor.kitchen_motion", "device_class": "motion", "area": "Kitchen"},
        {"entity_id": "light.kitchen", "area": "Kitchen"},
        {"entity_id": "switch.kettle", "area": "Kitchen"},
    ],
}
KNOWN = {d["entity_id"] for d in HOME["devices"]}


async def _ask(client: httpx.AsyncClient, request: str, home: dict[str, Any] = HOME) -> dict[str, Any]:
    r = await client.post("/api/automations/suggest", json={"request": request, "snapshot": home})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert set(body["trigger_entities"]) | set(body["action_entities"]) <= {
        d["entity_id"] for d in home["devices"]
    }
    return body


async def test_a_grounded_request_gets_the_hall_automation_with_its_time_condition(
    ai_client: httpx.AsyncClient,
) -> None:
    body = await _ask(ai_client, "Turn on the hall light when there is motion after 22:00")
    assert body["grounded"] is True
    assert (body["trigger_entities"], body["action_entities"]) == (
        ["binary_sensor.hall_motion"],
        ["light.hall"],
    )
    auto = yaml.safe_load(body["automation_yaml"])[0]
    assert auto["id"] == body["id"] == body["suggestion_id"]
    assert body["id"].startswith("ask-")
    assert auto["initial_state"] is False
    assert auto["triggers"] == [{"trigger": "state", "entity_id": "binary_sensor.hall_motion", "to": "on"}]
    assert auto["conditions"] == [{"condition": "time", "after": "22:00:00"}]
    assert auto["actions"] == [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}]
    assert "binary_sensor.hall_motion" in body["explanation"]
    assert body["templates"][0]["id"] in ("blueprint:motion_light", "pattern:motion_light")


async def test_a_request_the_home_cannot_ground_says_what_is_missing(ai_client: httpx.AsyncClient) -> None:
    body = await _ask(ai_client, "close the blinds when the temperature is above 26 degrees")
    assert body["grounded"] is False
    assert body["automation_yaml"] == ""
    assert body["id"] is None
    assert body["trigger_entities"] == body["action_entities"] == []
    assert any("blind" in m for m in body["missing"])
    assert "no blind" in body["explanation"]


async def test_an_empty_home_gets_a_clear_answer(ai_client: httpx.AsyncClient) -> None:
    body = await _ask(ai_client, "turn on the light when there is motion", {"home_id": "e", "devices": []})
    assert body["grounded"] is False
    assert body["missing"] == ["entities"]
    assert "no entities" in body["explanation"]


async def test_requests_in_other_languages(ai_client: httpx.AsyncClient) -> None:
    german = await _ask(ai_client, "Schalte das Licht in der Küche ein, wenn Bewegung erkannt wird")
    assert german["grounded"] is True
    assert (german["trigger_entities"], german["action_entities"]) == (
        ["binary_sensor.kitchen_motion"],
        ["light.kitchen"],
    )
    swedish = await _ask(ai_client, "tänd ljuset i köket när det är rörelse")
    assert swedish["action_entities"] == ["light.kitchen"]
    japanese = await _ask(ai_client, "動きがあったら電気をつけて")
    assert japanese["grounded"] is False
    assert japanese["explanation"]


async def test_feedback_on_an_ask_is_recorded_and_kept(ai_client: httpx.AsyncClient) -> None:
    body = await _ask(ai_client, "turn on the kettle at 7:30")
    assert body["grounded"] is True
    assert body["trigger_entities"] == []  # a time trigger
    assert yaml.safe_load(body["automation_yaml"])[0]["triggers"] == [{"trigger": "time", "at": "07:30:00"}]
    fb = await ai_client.post(f"/api/synergies/{body['id']}/feedback", json={"feedback": "accepted"})
    assert fb.status_code == 200, fb.text
    assert fb.json()["feedback"] == "accepted"
    again = await _ask(ai_client, "turn on the kettle at 7:30")
    assert again["id"] == body["id"]  # same request, same id: the feedback stays with it
    unknown = await ai_client.post(
        "/api/synergies/ask-0123456789abcdef/feedback", json={"feedback": "accepted"}
    )
    assert unknown.status_code == 404
    # asks are not synergy suggestions: the synergy list does not show them
    listed = (await ai_client.get("/api/synergies", params={"home_id": "h1"})).json()["suggestions"]
    assert body["id"] not in [s["id"] for s in listed]


async def test_a_stored_home_limits_and_malformed_bodies(ai_client: httpx.AsyncClient) -> None:
    assert (await ai_client.post("/api/ha/snapshot", json=HOME)).status_code == 200
    stored = await ai_client.post(
        "/api/automations/suggest", json={"request": "kitchen light on", "home_id": "h1"}
    )
    assert stored.status_code == 200, stored.text
    assert stored.json()["action_entities"] == ["light.kitchen"]
    for body, status in (
        ({"request": "x" * 501, "snapshot": HOME}, 422),  # too long
        ({"request": "light on"}, 422),  # no home
        ({"request": "light on", "home_id": "h1", "snapshot": HOME}, 422),  # two homes
        ({"request": "   ", "snapshot": HOME}, 422),
        ({"request": "light on", "home_id": "nope"}, 404),
    ):
        r = await ai_client.post("/api/automations/suggest", json=body)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_the_route_takes_the_api_key_when_one_is_set(tmp_path: Path) -> None:
    settings = AiAutomationSettings(
        data_dir=tmp_path / "data", models_dir=tmp_path / "models", api_key="k" * 32, _env_file=None
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://ai") as client,
    ):
        body = {"request": "kitchen light on", "snapshot": HOME}
        assert (await client.post("/api/automations/suggest", json=body)).status_code == 401
        r = await client.post("/api/automations/suggest", json=body, headers={"X-HomeIQ-API-Key": "k" * 32})
        assert r.status_code == 200, r.text
