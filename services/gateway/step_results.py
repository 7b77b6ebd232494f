"""What a pipeline run records: steps with PASSED/FAILED/SKIPPED, checks, models and the verdict."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from homeiq_shared.contracts.metrics import (
    AnomalyMetrics,
    FailureMetrics,
    GateSummary,
    HomeTypeBaseline,
    HomeTypeMetrics,
    RuleBaseline,
)
from homeiq_shared.contracts.versions import ArtifactInfo


class Status(StrEnum):
    """Outcome of a step; a skipped step is never counted as passed."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


READY = "READY"
NOT_READY = "NOT READY"


class ExitCode(IntEnum):
    """What a run's exit status means (`make run` passes it on)."""

    READY = 0
    NOT_READY = 1  # a quality gate or check failed
    BAD_ARGUMENTS = 2  # bad flags or settings (a wrong API key included)
    INFRASTRUCTURE = 3  # a service did not start, was unreachable or answered 5xx
    INTERRUPTED = 130  # Ctrl-C or SIGTERM


class Failure(StrEnum):
    """Why a step failed: decides the run's exit status."""

    QUALITY = "quality"
    ARGUMENTS = "arguments"
    INFRASTRUCTURE = "infrastructure"


@dataclass
class Check:
    """One gate or sanity check with the value and the bound it was held to."""

    name: str
    passed: bool
    detail: str
    value: float | None = None
    threshold: float | None = None
    waived: bool = False


@dataclass
class StepResult:
    """One timed pipeline step."""

    key: str
    title: str
    status: Status | None = None
    reason: str = ""
    duration_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    failure: Failure | None = None
    on_note: Callable[[StepResult, str], None] | None = field(default=None, repr=False, compare=False)
    _t0: float = 0.0

    def note(self, text: str) -> None:
        """Record a sub-step (shown live, and kept for the report)."""
        self.notes.append(text)
        if self.on_note is not None:
            self.on_note(self, text)

    def begin(self) -> None:
        """Start the clock."""
        self._t0 = time.perf_counter()

    def finish(self, status: Status, reason: str = "", failure: Failure | None = None) -> None:
        """Stop the clock and record the outcome (the first outcome wins); a FAILED step says why."""
        if self.status is not None:
            return
        if self._t0:
            self.duration_s = time.perf_counter() - self._t0
        self.status = status
        self.reason = reason
        if status is Status.FAILED:
            self.failure = failure or Failure.INFRASTRUCTURE

    def skip(self, reason: str) -> None:
        """Mark the step as not run, with why."""
        self.finish(Status.SKIPPED, reason)


@dataclass
class ModelRecord:
    """A model the run trained: what the service answered, and what the gateway checked.

    The typed blocks (`home_type`, `forecast`, `rule`, `anomaly`) are the contract objects the training
    answer was parsed into; `metrics` and `baselines` are their JSON form for tables and the manifest.
    """

    key: str
    title: str
    service: str
    registry_name: str | None = None
    version: str | None = None
    promoted: bool | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    baselines: dict[str, Any] = field(default_factory=dict)
    gates: GateSummary | None = None
    home_type: HomeTypeMetrics | None = None
    home_type_baselines: dict[str, HomeTypeBaseline] = field(default_factory=dict)
    forecast: FailureMetrics | None = None
    rule: RuleBaseline | None = None
    anomaly: AnomalyMetrics | None = None
    checks: list[Check] = field(default_factory=list)
    artifacts: list[ArtifactInfo] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    train_response: dict[str, Any] = field(default_factory=dict)

    @property
    def gates_passed(self) -> bool:
        """True when every check passed (or was waived) and there was at least one."""
        return bool(self.checks) and all(c.passed or c.waived for c in self.checks)


@dataclass
class OptionalModel:
    """One of the seed's optional models: what replaced it here and its verdict (never blocks READY)."""

    name: str
    replaced_by: str
    verdict: str
    figure: str
    live: str


@dataclass
class ServiceRecord:
    """Which service instance the run talked to."""

    name: str
    url: str
    started_locally: bool
    version: str | None = None
    ready_after_s: float | None = None
    log_path: str | None = None
    models_dir: str | None = None  # where a service this run started keeps its models (shown, never read)


@dataclass
class RunResult:
    """Everything a run learned; the report and the manifest are written from this alone."""

    run_id: str
    started_at: datetime
    command: str
    options: dict[str, Any]
    steps: list[StepResult]
    models: dict[str, ModelRecord] = field(default_factory=dict)
    services: dict[str, ServiceRecord] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    allow_low_quality: bool = False
    wall_time_s: float = 0.0
    interrupted: bool = False
    report_paths: dict[str, str] = field(default_factory=dict)
    optional: list[OptionalModel] = field(default_factory=list)

    def step(self, key: str) -> StepResult:
        """The step with this key."""
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)

    @property
    def waived_checks(self) -> list[str]:
        """Gate checks that failed but were waived by `--allow-low-quality`."""
        return [f"{m.title}: {c.name}" for m in self.models.values() for c in m.checks if c.waived]

    @property
    def ready(self) -> bool:
        """READY only when every step ran and PASSED."""
        return not self.interrupted and all(s.status is Status.PASSED for s in self.steps)

    @property
    def verdict(self) -> str:
        """`READY` or `NOT READY`."""
        return READY if self.ready else NOT_READY

    @property
    def exit_code(self) -> ExitCode:
        """READY 0; bad arguments 2 and infrastructure 3 before a failed gate 1; interrupted 130."""
        if self.ready:
            return ExitCode.READY
        if self.interrupted:
            return ExitCode.INTERRUPTED
        failures = {s.failure for s in self.steps if s.status is Status.FAILED}
        if Failure.ARGUMENTS in failures:
            return ExitCode.BAD_ARGUMENTS
        if Failure.INFRASTRUCTURE in failures:
            return ExitCode.INFRASTRUCTURE
        return ExitCode.NOT_READY

    def blocking(self) -> list[str]:
        """One line per step that keeps the run from READY."""
        lines = []
        for step in self.steps:
            if step.status is not Status.PASSED:
                status = step.status.value if step.status else "NOT RUN"
                lines.append(f"{step.title}: {status}" + (f" ({step.reason})" if step.reason else ""))
        if self.interrupted:
            lines.insert(0, "the run was interrupted")
        return lines
