"""`/api/synergies`: automation suggestions from a home's devices (and, later, its habits), stored with
the owner's feedback. Detection runs off the event loop; nothing is ever enabled in Home Assistant."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import ConfigDict, Field

from ai_automation import repository
from ai_automation.dependencies import ApiKeyDep, SessionDep, SynergyCacheDep, SynergyModelDep
from ai_automation.tables import SynergySuggestionRecord
from homeiq_shared.contracts.problems import problem_responses
from homeiq_shared.contracts.synergies import (
    DetectAnswer,
    FeedbackIn,
    FeedbackStored,
    SuggestionList,
    SuggestionOut,
)
from homeiq_shared.errors import InvalidInputError, NotFoundError
from homeiq_shared.ha_api import (
    HALLWAY_SNAPSHOT,
    HOME_ID_PATTERN,
    MAX_EVENTS_PER_BATCH,
    OneHomeIn,
    named_home,
)
from homeiq_shared.ha_events import normalise_batch

if TYPE_CHECKING:  # the detector (numpy) is imported on first use: the app starts without ML libraries
    from ai_automation.synergies.cache import Lru
    from ai_automation.synergies.detect import ColdStart, Suggestion
    from ai_automation.synergies.history import History
    from ai_automation.synergies.model import SynergyModel

router = APIRouter(prefix="/api/synergies", tags=["synergies"])

MAX_LIMIT = 100
MAX_EXISTING = 5_000
# A stored home's habits are mined from its last 30 days of stored state changes (newest rows first).
HISTORY_DAYS = 30
MAX_HISTORY_ROWS = 500_000
SUGGESTION_ID_PATTERN = r"^(syn|ask)-[0-9a-f]{16}$"  # a synergy or an automation asked in words


class DetectIn(OneHomeIn):
    """`POST /api/synergies/detect`: a stored home (`home_id`) or a snapshot sent inline."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"snapshot": HALLWAY_SNAPSHOT, "limit": 10}]}
    )

    events: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=MAX_EVENTS_PER_BATCH,
        description="Optional, /api/ha/events shape: the history habits are mined from (a stored home "
        "without it: its own stored events of the last 30 days)",
    )
    existing_automations: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=MAX_EXISTING,
        description="HA automation objects: their pairs are excluded",
    )
    limit: int = Field(10, ge=1, le=MAX_LIMIT)


def _detect(
    model: SynergyModel,
    cache: Lru[str, ColdStart] | None,
    snapshot: dict[str, Any],
    existing: list[dict[str, Any]],
    limit: int,
    history: list[dict[str, Any]] | History,
) -> list[Suggestion]:
    """`detect`; with `cache` (a stored home), an unchanged snapshot's pairs are scored once per model."""
    from ai_automation.synergies.detect import cold_start, detect

    scored = cold_start(snapshot, model, cache) if cache is not None else None
    return detect(snapshot, model, existing, limit, history, scored=scored)


def _out(record: SynergySuggestionRecord) -> SuggestionOut:
    return SuggestionOut.model_validate(
        {**record.payload, "score": record.score, "rank": record.rank, "feedback": record.feedback}
    )


def _record(home_id: str, rank: int, s: Suggestion, now: datetime) -> SynergySuggestionRecord:
    payload = {
        "id": s.id,
        "home_id": home_id,
        "pattern": s.pattern,
        "trigger_entities": s.trigger_entities,
        "action_entities": s.action_entities,
        "evidence": s.evidence,
        "automation_yaml": s.automation_yaml,
        "blueprint": s.blueprint,
        "features": s.features,  # kept for the feedback re-ranker, not part of the answer
    }
    return SynergySuggestionRecord(
        suggestion_id=s.id, home_id=home_id, created_at=now, score=s.score, rank=rank, payload=payload
    )


@router.post("/detect", response_model=DetectAnswer, responses=problem_responses(401, 404, 422))
async def detect_synergies(
    body: DetectIn, session: SessionDep, served: SynergyModelDep, cache: SynergyCacheDep, _: ApiKeyDep
) -> DetectAnswer:
    """Rank automation suggestions for a home; excluded: pairs its existing automations already link."""
    home_id, snapshot = await named_home(session, body)
    rows: list[dict[str, Any]] | History
    rows, problems = normalise_batch(body.events, home_id)
    if problems:
        shown = "; ".join(f"events[{p.index}]: {p.reason}" for p in problems[:5])
        raise InvalidInputError(
            f"{len(problems)} of {len(body.events)} events are malformed: {shown}",
            problems=[{"index": p.index, "reason": p.reason} for p in problems[:100]],
        )
    if body.home_id is not None and not rows:  # a stored home: its own stored history
        from ai_automation.synergies.stored_history import stored_history  # numpy: on first use

        rows = await stored_history(session, home_id, HISTORY_DAYS, MAX_HISTORY_ROWS, cache.histories)
    model = await asyncio.to_thread(served.get)  # the first call loads the shipped model
    kept = cache.cold_starts if body.home_id is not None else None  # an inline snapshot is not kept
    found = await asyncio.to_thread(
        _detect, model, kept, snapshot, body.existing_automations, body.limit, rows
    )
    now = datetime.now(UTC)
    records = [_record(home_id, rank, s, now) for rank, s in enumerate(found, 1)]
    await repository.store_suggestions(session, records)
    stored = {r.suggestion_id: r for r in await repository.list_suggestions(session, home_id, MAX_LIMIT * 10)}
    return DetectAnswer(
        home_id=home_id,
        suggestions=[_out(stored.get(r.suggestion_id, r)) for r in records],
        excluded_automated=len(body.existing_automations),
        events_received=len(body.events),
        history_events=len(rows),
        model=f"cold_start_{model.ranker_name}"
        + ("+feedback" if model.adjustment is not None else "")
        + ("+history" if rows else ""),
        model_version=served.version,
    )


@router.get("", response_model=SuggestionList, responses=problem_responses(422))
async def list_synergies(
    session: SessionDep,
    home_id: Annotated[str | None, Query(pattern=HOME_ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> SuggestionList:
    """Stored suggestions (of one home when `home_id` is given), newest run first, then by rank."""
    return SuggestionList(
        suggestions=[_out(r) for r in await repository.list_suggestions(session, home_id, limit)]
    )


@router.post(
    "/{suggestion_id}/feedback", response_model=FeedbackStored, responses=problem_responses(401, 404, 422)
)
async def feedback(
    suggestion_id: Annotated[
        str,
        Path(
            pattern=SUGGESTION_ID_PATTERN,
            max_length=20,
            description="A suggestion's id",
            examples=["syn-0123456789abcdef"],
        ),
    ],
    body: FeedbackIn,
    session: SessionDep,
    _: ApiKeyDep,
) -> FeedbackStored:
    """Record whether the owner accepted or dismissed a suggestion, detected (`syn-`) or asked in words
    (`ask-`, from POST /api/automations/suggest); the re-ranker learns from it."""
    record = await repository.set_feedback(session, suggestion_id, body.feedback)
    if record is None or record.feedback_at is None:
        raise NotFoundError(f"no stored suggestion {suggestion_id!r}")
    return FeedbackStored(id=suggestion_id, feedback=body.feedback, at=record.feedback_at)
