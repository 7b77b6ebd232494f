"""Suggestions back in HA: the count, a notification with the YAML, `homeiq.suggest` and `homeiq.feedback`."""

from __future__ import annotations

from typing import Any

import pytest
import voluptuous as vol
from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import EntityCategory
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.homeiq.const import API_KEY_HEADER, DOMAIN
from custom_components.homeiq.notifications import notification_id

from .conftest import AI, KEY, mock_services, risks, set_up

HALL_YAML = """- id: syn-0123456789abcdef
  alias: Hallway motion turns on the hall light
  description: 'Suggested by HomeIQ: motion -> light in the same area'
  initial_state: false
  triggers:
  - trigger: state
    entity_id: binary_sensor.hall_motion
    to: 'on'
  actions:
  - action: light.turn_on
    target:
      entity_id: light.hall
"""


def suggestion(sid: str, feedback: str | None = None, yaml_text: str = HALL_YAML) -> dict[str, Any]:
    """One `SuggestionOut` of `POST /api/synergies/detect`."""
    return {
        "id": sid, "home_id": "default", "score": 0.8, "rank": 1, "pattern": "motion_light",
        "trigger_entities": ["binary_sensor.hall_motion"], "action_entities": ["light.hall"],
        "evidence": {"same_area": True}, "automation_yaml": yaml_text, "blueprint": None, "feedback": feedback,
    }  # fmt: skip


def detect_answer(*suggestions: dict[str, Any]) -> dict[str, Any]:
    """`DetectAnswer`."""
    return {"home_id": "default", "suggestions": list(suggestions), "excluded_automated": 0,
            "events_received": 0, "model": "cold_start_linear"}  # fmt: skip


def _notifications(hass: HomeAssistant) -> dict[str, Any]:
    return dict(persistent_notification._async_get_or_create_notifications(hass))


def _detect_bodies(aioclient_mock: AiohttpClientMocker) -> list[dict[str, Any]]:
    return [d for m, u, d, _ in aioclient_mock.mock_calls if str(u) == f"{AI}/api/synergies/detect"]


async def test_open_suggestions_are_counted_and_notified_with_their_yaml_and_existing_automations_sent(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry: MockConfigEntry
) -> None:
    mine = {"id": "porch", "alias": "Porch light with the door", "triggers": [{"trigger": "state", "entity_id": "binary_sensor.porch_door", "to": "on"}],
            "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.porch"}}]}  # fmt: skip
    assert await async_setup_component(hass, "automation", {"automation": [mine]})
    registry = er.async_get(hass)
    registry.async_get_or_create("switch", "zha", "hall_led", suggested_object_id="hall_led",
                                 entity_category=EntityCategory.CONFIG)  # fmt: skip
    registry.async_get_or_create("light", "zha", "hall", suggested_object_id="hall")
    answer = detect_answer(
        suggestion("syn-0123456789abcdef"), suggestion("syn-dismissed0000000", feedback="dismissed")
    )
    await set_up(hass, aioclient_mock, entry, risks(), detect=answer)

    body = _detect_bodies(aioclient_mock)[-1]
    assert body["existing_automations"][0]["alias"] == "Porch light with the door"
    assert body["snapshot"]["home_id"]
    sent = {d["entity_id"]: d for d in body["snapshot"]["devices"]}
    assert sent["switch.hall_led"]["entity_category"] == "config"  # a setting: ranked low by the service
    assert "entity_category" not in sent["light.hall"]
    count = hass.states.get("sensor.homeiq_ai_automation_automation_suggestions")
    assert count.state == "1"  # the dismissed one is not shown again
    listed = count.attributes["suggestions"]
    assert listed == [{"title": "Hallway motion turns on the hall light", "id": "syn-0123456789abcdef",
                       "yaml": HALL_YAML}]  # fmt: skip
    note = _notifications(hass)[notification_id(entry.entry_id)]
    assert note["title"] == "HomeIQ suggests 1 automation"
    assert "entity_id: binary_sensor.hall_motion" in note["message"]
    assert "suggestion_id: syn-0123456789abcdef" in note["message"]


async def test_feedback_goes_to_the_service_with_the_key_and_the_answered_suggestion_leaves_the_notification(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry: MockConfigEntry
) -> None:
    await set_up(
        hass, aioclient_mock, entry, risks(), detect=detect_answer(suggestion("syn-0123456789abcdef"))
    )
    assert notification_id(entry.entry_id) in _notifications(hass)

    mock_services(
        aioclient_mock, risks(), detect=detect_answer(suggestion("syn-0123456789abcdef", "accepted"))
    )
    aioclient_mock.post(
        f"{AI}/api/synergies/syn-0123456789abcdef/feedback",
        json={"id": "syn-0123456789abcdef", "feedback": "accepted", "at": "2026-12-07T08:00:00+00:00"},
    )
    await hass.services.async_call(
        DOMAIN, "feedback", {"suggestion_id": "syn-0123456789abcdef", "verdict": "accept"}, blocking=True
    )
    await hass.async_block_till_done()

    sent = [(d, h) for m, u, d, h in aioclient_mock.mock_calls if str(u).endswith("/feedback")]
    assert sent == [({"feedback": "accepted"}, {API_KEY_HEADER: KEY})]
    assert _detect_bodies(aioclient_mock), "the suggestions are read again after the feedback"
    assert notification_id(entry.entry_id) not in _notifications(hass)
    assert hass.states.get("sensor.homeiq_ai_automation_automation_suggestions").state == "1"


async def test_feedback_refuses_an_id_that_cannot_be_a_suggestion_before_any_request(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry: MockConfigEntry
) -> None:
    await set_up(hass, aioclient_mock, entry, risks(), detect=detect_answer())
    aioclient_mock.mock_calls.clear()
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN, "feedback", {"suggestion_id": "../../models", "verdict": "accept"}, blocking=True
        )
    assert not aioclient_mock.mock_calls


async def test_suggest_in_words_answers_with_the_yaml_and_a_notification(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry: MockConfigEntry
) -> None:
    await set_up(hass, aioclient_mock, entry, risks(), detect=detect_answer())
    aioclient_mock.post(
        f"{AI}/api/automations/suggest",
        json={
            "grounded": True,
            "id": "ask-00000000000000aa",
            "automation_yaml": HALL_YAML,
            "trigger_entities": ["binary_sensor.hall_motion"],
            "action_entities": ["light.hall"],
            "explanation": "motion in the Hallway turns on its light",
        },
    )
    answer = await hass.services.async_call(
        DOMAIN, "suggest", {"request": "hall light on with motion"}, blocking=True, return_response=True
    )
    assert answer is not None
    assert answer["automation_yaml"] == HALL_YAML
    assert answer["action_entities"] == ["light.hall"]
    assert answer["suggestion_id"] == "ask-00000000000000aa"
    request = next(
        d for m, u, d, _ in aioclient_mock.mock_calls if str(u).endswith("/api/automations/suggest")
    )
    assert request["request"] == "hall light on with motion"
    assert "devices" in request["snapshot"]
    assert answer["grounded"] is True
    assert answer["explanation"] == "motion in the Hallway turns on its light"
    assert "entity_id: light.hall" in _notifications(hass)[f"{DOMAIN}_suggest"]["message"]


async def test_a_request_the_home_cannot_ground_says_what_is_missing(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, entry: MockConfigEntry
) -> None:
    await set_up(hass, aioclient_mock, entry, risks(), detect=detect_answer())
    aioclient_mock.post(
        f"{AI}/api/automations/suggest",
        json={"grounded": False, "home_id": "default", "request": "open the garage when I arrive",
              "explanation": "this home has no garage door or cover", "missing": ["a garage door (cover)"]},
    )  # fmt: skip
    answer = await hass.services.async_call(
        DOMAIN, "suggest", {"request": "open the garage when I arrive"}, blocking=True, return_response=True
    )
    assert answer == {
        "grounded": False,
        "explanation": "this home has no garage door or cover",
        "missing": ["a garage door (cover)"],
    }
    note = _notifications(hass)[f"{DOMAIN}_suggest"]
    assert note["title"] == "HomeIQ could not build this automation"
    assert "no garage door" in note["message"]
    sent = [h for m, u, d, h in aioclient_mock.mock_calls if str(u).endswith("/api/automations/suggest")]
    assert sent == [{API_KEY_HEADER: KEY}]  # the answer is stored for feedback: the key goes with it
