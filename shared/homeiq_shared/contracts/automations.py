"""HTTP shape of `POST /api/automations/suggest`: an automation asked for in words, for one home."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TemplateScore(BaseModel):
    """One template of the library as retrieval ranked it for the request."""

    id: str = Field(
        description="`pattern:<name>`, `blueprint:<name>` or `example:<n>` (the home's own automation)"
    )
    score: float = Field(
        ge=0, description="BM25 score over the query's summed idf (about 1: every word matched)"
    )


class SuggestAnswer(BaseModel):
    """The automation for the request, every entity id from the home; or `grounded=false` and what is missing."""

    grounded: bool = Field(description="True when every slot was filled with an entity the home has")
    id: str | None = Field(
        None,
        description="The stored suggestion's id (`ask-<hex16>`, grounded answers only): "
        "POST /api/synergies/{id}/feedback records accept/dismiss",
    )
    suggestion_id: str | None = Field(
        None, description="The same as `id` (the name the HA integration reads)"
    )
    home_id: str
    request: str
    title: str | None = Field(None, description="The automation's alias")
    automation_yaml: str = Field(
        "",
        description="A one-item YAML list for automations.yaml (initial_state: false); empty when not grounded",
    )
    trigger_entities: list[str] = Field(default_factory=list, description="Empty for a time or sun trigger")
    action_entities: list[str] = Field(default_factory=list)
    explanation: str = Field(description="Which entities were chosen and why, or what the home lacks")
    missing: list[str] = Field(default_factory=list, description="What the home lacks for this request")
    understood: list[str] = Field(default_factory=list, description="Times, thresholds and durations read")
    template: str | None = Field(None, description="The library template the automation follows")
    template_source: str | None = Field(None, description="pattern, blueprint or example")
    blueprint: str | None = Field(None, description="HA's built-in blueprint used, if any")
    confidence: float = Field(
        0.0, ge=0, le=1, description="Share of the two slots the request named (not a calibrated probability)"
    )
    templates: list[TemplateScore] = Field(default_factory=list, description="The best templates retrieved")
