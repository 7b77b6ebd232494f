"""Training answers both services give under one vocabulary: `/train`'s common fields, `/train/status`, `/train/schedule`.

One word per concept in both services:
- `status`: what the run did: `promoted` (a new version serves), `registered` (a new version was
  registered, production kept), `kept` (nothing trained: production is current for this data), and in
  the run table also `running` and `failed`.
- `decision`: what happened to production: `promoted`, `kept` or (run table) `failed`.
- `reason`: why, in words (formerly ai-automation's `promotion_reason`, and device-intelligence's
  `decision` carried these words).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Decision = Literal["promoted", "kept", "failed"]
TrainOutcomeStatus = Literal["promoted", "registered", "kept"]
RunStatus = Literal["running", "promoted", "registered", "kept", "failed"]


class TrainAnswer(BaseModel):
    """The fields every `POST /train` answer carries, spelt the same in both services."""

    run_id: int | None = Field(None, description="The run's id in the training-run table (`/train/status`)")
    status: TrainOutcomeStatus
    decision: Literal["promoted", "kept"] = Field(description="What happened to production")
    reason: str = Field(description="Why, in words: the promotion rule that decided")
    promoted: bool
    version: str | None = Field(description="The version this run registered (null when nothing trained)")
    split_method: str | None = Field(None, description="How the reported metrics' test rows were split off")


class TrainingRunView(BaseModel):
    """One row of a service's training-run table as `/train/status` shows it (same shape in both services)."""

    id: int
    trigger: str = Field(description="api, nightly or cli")
    task: str | None = Field(description="What was trained: the home-type task, or the registry name")
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus | str
    decision: Decision | None = Field(description="promoted, kept or failed; null while running")
    reason: str | None
    version: str | None
    promoted: bool
    challenger_version: str | None = None
    champion_version: str | None = None
    gates: str | None = Field(None, description="The challenger's gate verdict, PASSED or FAILED")
    metrics: dict[str, Any] | None = Field(
        None, description="challenger and champion figures on the same held-out data, and how they compare"
    )
    data: dict[str, Any] | None = Field(None, description="What the run trained on")
    housekeeping: dict[str, Any] | None = Field(None, description="Purged data, pruned versions, settings")
    options: dict[str, Any] | None = Field(None, description="What the run was asked for")
    error: str | None
    mode: str | None = Field(None, description="device-intelligence: full or incremental")
    unlabelled_homes: dict[str, Any] | None = Field(
        None, description="ai-automation: the served model on real homes without a confirmed type"
    )


class NightlyRunResult(BaseModel):
    """What one nightly job returned: its decision and reason (the first task's), and each task's run."""

    model_config = ConfigDict(extra="allow")

    status: str = Field(description="ok, or skipped when a training run held the lock")
    decision: Decision | None = None
    reason: str | None = None
    run_id: int | None = None
    seconds: float | dict[str, float] | None = Field(None, description="wall time, or per step")
    runs: list[dict[str, Any]] | None = Field(None, description="ai-automation: one entry per nightly task")
    synergy_ranker: dict[str, Any] | None = Field(
        None,
        description="ai-automation: the synergy feedback re-ranker's step (skipped with the reason, or its "
        "run: promoted or kept, with its gate and figures)",
    )


class ScheduledRun(BaseModel):
    """A nightly run as the scheduler records it (`last_scheduled_run`, and the `?wait=true` answer)."""

    trigger: str | None = Field(None, description="nightly (the schedule) or manual (`/train/schedule`)")
    started_at: datetime | None = None
    finished_at: datetime | None = None
    status: str | None = Field(None, description="ok, error, or skipped when a run was already in progress")
    error: str | None = None
    reason: str | None = None
    result: NightlyRunResult | None = None


class NightlyStarted(BaseModel):
    """The 202 answer of `POST /train/schedule`: the run started; follow it at `status_url`."""

    status: Literal["started"] = "started"
    started_at: datetime
    status_url: str


class TrainStatus(BaseModel):
    """`GET /train/status`: the schedule, whether a run is in progress, and the last run with its decision."""

    enabled: bool
    schedule: str = Field(description="crontab line")
    timezone: str
    next_run_time: datetime | None
    running: bool
    promotion_tolerance: float = Field(
        description="How far a challenger may trail production and be 'not worse'"
    )
    last_run: TrainingRunView | None
    last_scheduled_run: ScheduledRun | None
    # ai-automation
    task: str | None = Field(None, description="ai-automation: the task whose last run is shown")
    nightly_tasks: list[str] | None = Field(
        None, description="ai-automation: the tasks a nightly run retrains"
    )
    # device-intelligence
    full_retrain_weekday: str | None = Field(None, description="device-intelligence: the weekly full retrain")
    next_run_mode: str | None = Field(None, description="device-intelligence: full or incremental")
    mode: str | None = Field(None, description="deprecated: same as next_run_mode")
    last_training_time: datetime | None = Field(None, description="the original's field: last_run.started_at")
    last_training_status: str | None = Field(None, description="the original's field: last_run.status")
    last_training_error: str | None = Field(None, description="the original's field: last_run.error")
