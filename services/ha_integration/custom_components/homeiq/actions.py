"""`homeiq.suggest` (an automation asked for in words) and `homeiq.feedback` (accept or dismiss one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util.json import JsonValueType

from .api import HomeIQError, NotOffered
from .const import DOMAIN
from .notifications import suggestion_markdown
from .payloads import Suggestion

if TYPE_CHECKING:
    from . import HomeIQConfigEntry

SUGGEST_SCHEMA = vol.Schema(
    {
        vol.Required("request"): vol.All(cv.string, vol.Length(min=3, max=500)),
        vol.Optional("config_entry_id"): cv.string,
    }
)
FEEDBACK_SCHEMA = vol.Schema(
    {
        # a suggestion id goes into the URL path: the characters ai-automation's ids use, nothing else
        vol.Required("suggestion_id"): vol.All(cv.string, vol.Match(r"^[A-Za-z0-9_.:-]{1,128}$")),
        vol.Required("verdict"): vol.In(["accept", "dismiss"]),
        vol.Optional("config_entry_id"): cv.string,
    }
)


def _entry(hass: HomeAssistant, call: ServiceCall) -> HomeIQConfigEntry:
    wanted = call.data.get("config_entry_id")
    entries = [
        e for e in hass.config_entries.async_entries(DOMAIN)
        if e.state is ConfigEntryState.LOADED and (wanted is None or e.entry_id == wanted)
    ]  # fmt: skip
    if not entries:
        raise ServiceValidationError("no loaded HomeIQ entry" + (f" with id {wanted}" if wanted else ""))
    return entries[0]


async def _suggest(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = _entry(hass, call)
    runtime = entry.runtime_data
    body: dict[str, Any] = {"request": call.data["request"], "snapshot": runtime.forwarder.snapshot()}
    try:
        answer = await runtime.ai.post("/api/automations/suggest", body)  # stored for feedback: keyed
    except NotOffered as exc:
        raise HomeAssistantError(
            "this ai-automation service does not offer suggestions in words yet"
        ) from exc
    except HomeIQError as exc:
        raise HomeAssistantError(f"ai-automation could not suggest: {exc}") from exc
    explanation = str(answer.get("explanation") or "")
    if answer.get("grounded") is False:  # the home lacks what the request needs: say what, invent nothing
        missing: list[JsonValueType] = [str(m) for m in answer.get("missing") or []]
        persistent_notification.async_create(
            hass,
            f"**Not built:** {explanation}",
            title="HomeIQ could not build this automation",
            notification_id=f"{DOMAIN}_suggest",
        )
        return {"grounded": False, "explanation": explanation, "missing": missing}
    suggestion = Suggestion.from_json(answer)
    persistent_notification.async_create(
        hass,
        f"{suggestion_markdown(suggestion)}\n\n{explanation}".strip(),
        title="HomeIQ suggestion",
        notification_id=f"{DOMAIN}_suggest",
    )
    triggers: list[JsonValueType] = [*suggestion.trigger_entities]
    actions: list[JsonValueType] = [*suggestion.action_entities]
    return {
        "grounded": True,
        "title": suggestion.title,
        "automation_yaml": suggestion.automation_yaml,
        "trigger_entities": triggers,
        "action_entities": actions,
        "suggestion_id": suggestion.suggestion_id,
        "explanation": explanation,
    }


async def _feedback(call: ServiceCall) -> None:
    runtime = _entry(call.hass, call).runtime_data
    # ai-automation's feedback route (issue 17): the suggestion's id in the path, the verdict in the body
    suggestion_id = call.data["suggestion_id"]
    body = {"feedback": "accepted" if call.data["verdict"] == "accept" else "dismissed"}
    try:
        await runtime.ai.post(f"/api/synergies/{suggestion_id}/feedback", body)
    except NotOffered as exc:
        raise HomeAssistantError(
            "this ai-automation service does not take feedback on suggestions yet"
        ) from exc
    except HomeIQError as exc:
        raise HomeAssistantError(f"ai-automation did not take the feedback: {exc}") from exc
    await runtime.ai_coordinator.async_request_refresh()


def async_register_actions(hass: HomeAssistant) -> None:
    """Register both actions (HA keeps them while the integration is loaded)."""
    hass.services.async_register(
        DOMAIN, "suggest", _suggest, SUGGEST_SCHEMA, supports_response=SupportsResponse.OPTIONAL
    )
    hass.services.async_register(DOMAIN, "feedback", _feedback, FEEDBACK_SCHEMA)
