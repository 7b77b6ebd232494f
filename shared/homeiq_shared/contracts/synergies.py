"""HTTP shapes of `/api/synergies`: suggested automations, their listing and the owner's feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Feedback = Literal["accepted", "dismissed"]


class SuggestionOut(BaseModel):
    """One suggested automation with its evidence and the YAML to paste (never enabled automatically)."""

    id: str = Field(description="Stable id: the same home, pair and pattern give the same id")
    home_id: str
    score: float = Field(ge=0, le=1, description="The ranker's score (higher first)")
    rank: int = Field(ge=1)
    pattern: str = Field(
        description="The library pattern the automation follows ('follow' when generic, 'habit' when it "
        "repeats what the owner does by hand, with the history's figures in `evidence`)"
    )
    trigger_entities: list[str]
    action_entities: list[str]
    evidence: dict[str, Any]
    automation_yaml: str = Field(
        description="A one-item YAML list for automations.yaml (initial_state: false)"
    )
    blueprint: str | None = Field(None, description="HA's built-in blueprint used, if any")
    feedback: Feedback | None = None


class DetectAnswer(BaseModel):
    """`POST /api/synergies/detect`: the ranked suggestions (stored, keeping earlier feedback)."""

    home_id: str
    suggestions: list[SuggestionOut]
    excluded_automated: int = Field(ge=0, description="Existing automations read to exclude their pairs")
    events_received: int = Field(ge=0)
    history_events: int = Field(
        0, ge=0, description="State changes the habits were mined from (sent, or the stored home's own)"
    )
    model: str = Field(description="Which ranker produced the list")
    model_version: str | None = Field(
        None,
        description="The registry version of `synergy_ranker` that ranked (None: the shipped cold-start model)",
    )


class SuggestionList(BaseModel):
    """`GET /api/synergies`: stored suggestions, best first per home."""

    suggestions: list[SuggestionOut]


class FeedbackIn(BaseModel):
    """`POST /api/synergies/{id}/feedback`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"feedback": "accepted"}]})

    feedback: Feedback


class FeedbackStored(BaseModel):
    """The feedback as stored."""

    id: str
    feedback: Feedback
    at: datetime
