"""The nightly synergy step: retrain the feedback re-ranker when owners answered suggestions, register it,
promote it only when its gate holds (`synergies/feedback.py`), and serve it at once.

Runs after the home-type tasks under the `synergy_ranker` lock, as a recorded training run (task
`synergy_ranker`). Too little feedback is a skip (said in the answer, nothing registered); a challenger
that fails its gate is registered and kept out of production, like every other model.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ai_automation import repository
from ai_automation.synergies.calibration import CalibrationHome, load_calibration_homes
from ai_automation.synergies.served import MODEL_NAME, ServedSynergyModel, register
from ai_automation.tables import SynergySuggestionRecord
from homeiq_shared.errors import ConflictError
from homeiq_shared.model_lock import ModelLocks
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.training_runs import RunOutcome, run_recorded_training

if (
    TYPE_CHECKING
):  # numpy, scipy and scikit-learn are imported when the step runs: the app starts without them
    from ai_automation.synergies.feedback import Answer, FeedbackSet, RerankerResult

logger = logging.getLogger(__name__)

MAX_ANSWERS = 50_000
"""The newest answers a run learns from."""


@dataclass
class SynergyContext:
    """What the step needs from the app."""

    sessionmaker: async_sessionmaker[AsyncSession]
    registry: ModelRegistry
    locks: ModelLocks
    served: ServedSynergyModel
    calibration_dir: Path | None = None


def answer_of(record: SynergySuggestionRecord) -> Answer:
    """A stored, answered suggestion as the re-ranker reads it."""
    from ai_automation.synergies.feedback import Answer

    features = record.payload.get("features")
    assert record.feedback is not None
    assert record.feedback_at is not None
    return Answer(
        suggestion_id=record.suggestion_id,
        home_id=record.home_id,
        features=features if isinstance(features, dict) else None,
        accepted=record.feedback == "accepted",
        at=record.feedback_at,
    )


def _feedback_set(answers: list[Answer]) -> FeedbackSet:
    from ai_automation.synergies.feedback import FeedbackSet  # imports scipy: off the event loop

    return FeedbackSet.of(answers)


def _calibration(ctx: SynergyContext) -> list[CalibrationHome]:
    return [] if ctx.calibration_dir is None else load_calibration_homes(ctx.calibration_dir)


def _train_and_register(
    ctx: SynergyContext, data: FeedbackSet, scheduled_by: str
) -> tuple[RerankerResult, RunOutcome]:
    from ai_automation.synergies.feedback import train_reranker
    from ai_automation.synergies.model import shipped

    base, champion = shipped()[0], ctx.served.get()
    result = train_reranker(data, base, champion, _calibration(ctx))
    version = register(
        ctx.registry,
        result.model,
        {
            "trigger": "nightly",
            "scheduled_by": scheduled_by,
            "champion_version": ctx.served.version,
            "split_method": result.metrics["split_method"],
            "metrics": result.metrics,
            "gates": result.gates,
            "training_data": result.training_data,
        },
    )
    if not result.passed:
        failed = "; ".join(c["check"] for c in result.gates["checks"] if not c["passed"])
        return result, RunOutcome(
            status="registered", promoted=False, version=version.version, reason=f"gate failed: {failed}"
        )
    ctx.registry.promote(
        MODEL_NAME, version.version, "nightly: feedback re-ranker passed its gate", actor="nightly"
    )
    return result, RunOutcome(status="promoted", promoted=True, version=version.version, reason="gate passed")


async def run_synergy_ranker(ctx: SynergyContext, scheduled_by: str) -> dict[str, Any]:
    """One nightly step; its answer goes into the nightly run's summary under `synergy_ranker`."""
    try:
        with ctx.locks.hold(MODEL_NAME):
            async with ctx.sessionmaker() as session:
                records = await repository.answered_suggestions(session, MAX_ANSWERS)
                answers = [answer_of(r) for r in records]
                data = await asyncio.to_thread(_feedback_set, answers)
                short = data.shortfall()
                if short is not None:
                    logger.info("nightly synergy re-ranker skipped: %s", short)
                    return {"status": "skipped", "decision": None, "reason": short}
                run = await run_recorded_training(
                    lock=None,
                    runs=repository.runs(session),
                    trigger="nightly",
                    task=MODEL_NAME,
                    options={"scheduled_by": scheduled_by, "answers": len(answers)},
                    train=lambda: _train_and_register(ctx, data, scheduled_by),
                    outcome=lambda done: done[1],
                    reload=lambda: ctx.served.load(ctx.registry),
                    prune=lambda: ctx.registry.prune(MODEL_NAME),
                    summarize=_summary,
                )
    except ConflictError as exc:
        return {"status": "skipped", "decision": None, "reason": str(exc)}
    return run.answer()


async def _summary(done: tuple[RerankerResult, RunOutcome], pruned: list[str]) -> dict[str, Any]:
    result = done[0]
    return {
        "task": MODEL_NAME,
        "gates": result.gates["verdict"],
        "metrics": result.metrics,
        "data": result.training_data,
        "housekeeping": {"pruned_versions": pruned},
    }
