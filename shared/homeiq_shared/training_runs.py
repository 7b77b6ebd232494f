"""The one recorded training run: lock -> start record -> train off the loop -> reload if promoted -> prune -> finish record.

`POST /train`, the nightly job and the CLI of both services call `run_recorded_training`; what differs
is only what they pass:

- `/train` passes the model's lock (a second caller gets 409), a `RunTable` on the request's session,
  a `reload` that swaps the served model, and (ai-automation) a registry `prune`.
- The nightly jobs hold the lock themselves across their data preparation (purging old events, assembling
  the training set), so a `/train` arriving meanwhile already gets 409; they pass `lock=None`.
- The CLIs pass `lock=None, runs=None, reload=None`: a CLI process has no database (its record is the
  registry's version metadata and its printed report), serves nothing, and shares no in-process lock
  with a service (the registry's atomic promotion is what makes it safe beside one). Nothing is faked:
  the same function runs, minus the steps that have nothing to act on.

A failure while training is recorded (`failed`, with the error) and re-raised; a failure after training
(reloading, pruning, summarising) records the registry's decision with the error, and is re-raised too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from homeiq_shared.run_table import RunTable, RunTrigger, error_text

logger = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")


@dataclass(frozen=True, kw_only=True)
class RunOutcome:
    """What a finished training decided: the registered version, whether it serves now, and why."""

    status: Literal["promoted", "registered", "kept"]
    promoted: bool
    version: str | None
    reason: str

    def __post_init__(self) -> None:
        if self.promoted != (self.status == "promoted"):
            raise ValueError(f"status {self.status!r} contradicts promoted={self.promoted}")

    @property
    def decision(self) -> Literal["promoted", "kept"]:
        """`promoted` or `kept` (production unchanged)."""
        return "promoted" if self.status == "promoted" else "kept"


@dataclass(frozen=True, kw_only=True)
class RecordedRun(Generic[ResultT]):
    """A finished run: its record id (None without a store), the training result, outcome and housekeeping."""

    run_id: int | None
    result: ResultT
    outcome: RunOutcome
    pruned: list[str] = field(default_factory=list)
    summary: dict[str, Any] | None = None

    def answer(self) -> dict[str, Any]:
        """The run as the nightly job reports it: id, decision, reason, then the recorded summary."""
        return {
            "run_id": self.run_id,
            "status": self.outcome.status,
            "decision": self.outcome.decision,
            "reason": self.outcome.reason,
            "version": self.outcome.version,
            "promoted": self.outcome.promoted,
            **(self.summary or {}),
        }


Summarize = Callable[[ResultT, list[str]], Awaitable[Mapping[str, Any] | None]]


async def run_recorded_training(
    *,
    lock: AbstractContextManager[object] | None,
    runs: RunTable | None,
    trigger: RunTrigger,
    task: str,
    train: Callable[[], ResultT],
    outcome: Callable[[ResultT], RunOutcome],
    options: Mapping[str, Any] | None = None,
    reload: Callable[[], object] | None = None,
    prune: Callable[[], list[str]] | None = None,
    summarize: Summarize[ResultT] | None = None,
) -> RecordedRun[ResultT]:
    """Train once under `lock`, recorded in `runs`: `train`, `reload` and `prune` run in a worker thread.

    `outcome` reads the decision off the result; `reload` runs only when it promoted; `summarize`
    (given the result and the pruned versions) is what the run record keeps for `/train/status`.
    Raises whatever `lock` raises (`ConflictError`) before anything is recorded.
    """
    with lock if lock is not None else nullcontext():
        run_id = await runs.start(trigger=trigger, task=task, options=options) if runs else None
        try:
            result = await asyncio.to_thread(train)
            decided = outcome(result)
        except Exception as exc:
            # Registration is atomic and nothing was promoted: production keeps serving.
            if runs is not None and run_id is not None:
                await runs.finish(run_id, status="failed", reason=error_text(exc), error=error_text(exc))
            raise
        try:
            if decided.promoted and reload is not None:
                # Reload through the registry so what serves is exactly the checked artifact.
                await asyncio.to_thread(reload)
            pruned = await asyncio.to_thread(prune) if prune is not None else []
            summary = await summarize(result, pruned) if summarize is not None else None
        except Exception as exc:
            logger.exception("training run %s of %s: the step after training failed", run_id, task)
            if runs is not None and run_id is not None:
                await runs.finish(
                    run_id, status=decided.status, reason=decided.reason, version=decided.version,
                    promoted=decided.promoted, error=f"after training: {error_text(exc)}",
                )  # fmt: skip
            raise
        if runs is not None and run_id is not None:
            await runs.finish(
                run_id, status=decided.status, reason=decided.reason, version=decided.version,
                promoted=decided.promoted, summary=summary,
            )  # fmt: skip
    return RecordedRun(run_id=run_id, result=result, outcome=decided, pruned=pruned, summary=_dict(summary))


def _dict(summary: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if summary is None else dict(summary)
