"""`/api/automations/suggest`: an automation asked for in words, grounded in the home's own entities.

A grounded answer is stored (so `POST /api/synergies/{id}/feedback` can record accept/dismiss for it),
so the route takes the API key like `/api/synergies/detect`. Matching runs off the event loop.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from pydantic import ConfigDict, Field, model_validator

from ai_automation import repository
from ai_automation.dependencies import ApiKeyDep, SessionDep
from ai_automation.tables import AskSuggestionRecord
from homeiq_shared.contracts.automations import SuggestAnswer, TemplateScore
from homeiq_shared.contracts.problems import problem_responses
from homeiq_shared.ha_api import HALLWAY_SNAPSHOT, OneHomeIn, named_home
from homeiq_shared.ha_schema import PlainText

if TYPE_CHECKING:  # the matcher (numpy via the synergy ranker) is imported on first use
    from ai_automation.ask.compose import Answer

router = APIRouter(prefix="/api/automations", tags=["automations"])

MAX_REQUEST_CHARS = 500  # a sentence or two (HA's homeiq.suggest action sends at most 500)
MAX_EXISTING = 5_000


class SuggestIn(OneHomeIn):
    """`POST /api/automations/suggest`: the request in words and a stored home (`home_id`) or a snapshot."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "request": "turn on the hall light when there is motion after 22:00",
                    "snapshot": HALLWAY_SNAPSHOT,
                }
            ]
        },
    )

    request: PlainText = Field(
        min_length=1, max_length=MAX_REQUEST_CHARS, description="What the automation should do"
    )
    existing_automations: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=MAX_EXISTING,
        description="The home's HA automation objects: similar ones are used as examples",
    )

    @model_validator(mode="after")
    def _some_request(self) -> SuggestIn:
        if not self.request.strip():
            raise ValueError("request is empty")
        return self


def _suggest(request: str, snapshot: dict[str, Any], existing: list[dict[str, Any]]) -> Answer:
    from ai_automation.ask.compose import suggest
    from ai_automation.synergies.model import shipped

    model, rates = shipped()
    return suggest(request, snapshot, model, existing, rates)


def _yaml(automation: dict[str, Any] | None) -> str:
    from ai_automation.synergies.render import to_yaml

    return to_yaml(automation) if automation else ""


@router.post("/suggest", response_model=SuggestAnswer, responses=problem_responses(401, 404, 413, 422))
async def suggest_automation(body: SuggestIn, session: SessionDep, _: ApiKeyDep) -> SuggestAnswer:
    """The automation a request asks for, with the home's own entities only (or what the home lacks)."""
    home_id, snapshot = await named_home(session, body)
    found = await asyncio.to_thread(_suggest, body.request, snapshot, body.existing_automations)
    answer = SuggestAnswer(
        grounded=found.grounded,
        id=found.id,
        suggestion_id=found.id,
        home_id=home_id,
        request=body.request,
        title=found.title,
        automation_yaml=_yaml(found.automation),
        trigger_entities=found.trigger_entities,
        action_entities=found.action_entities,
        explanation=found.explanation,
        missing=found.missing,
        understood=found.understood,
        template=found.template,
        template_source=found.template_source,
        blueprint=found.blueprint,
        confidence=found.confidence,
        templates=[TemplateScore(id=i, score=max(s, 0.0)) for i, s in found.templates],
    )
    if found.grounded and found.id is not None:
        record = AskSuggestionRecord(
            suggestion_id=found.id,
            home_id=home_id,
            created_at=datetime.now(UTC),
            request=body.request,
            payload=answer.model_dump(mode="json"),
        )
        await repository.store_ask(session, record)
    return answer
