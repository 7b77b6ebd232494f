"""The nightly job: purge old data, retrain on real telemetry (+ synthetic), record champion vs challenger."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from device_intelligence import repository
from device_intelligence.app_state import ModelHolder, load_models_into
from device_intelligence.failure.model import MODEL_NAME
from device_intelligence.retraining import RetrainOptions, RetrainResult, retrain, run_outcome
from device_intelligence.settings import WEEKDAYS, DeviceIntelligenceSettings
from device_intelligence.training_data import mixed_dataset
from homeiq_shared.errors import ConflictError
from homeiq_shared.ha_events import purge_older_than
from homeiq_shared.model_lock import ModelLocks
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.nightly import Clock, utc_now
from homeiq_shared.training_runs import run_recorded_training

logger = logging.getLogger(__name__)

TRAIN_LOCK = MODEL_NAME  # the one lock POST /train and the nightly job share
JOB_ID = "device_intelligence_nightly"


@dataclass
class NightlyContext:
    """What the job needs from the app: the same registry, lock and model holder /train uses."""

    settings: DeviceIntelligenceSettings
    sessionmaker: async_sessionmaker[AsyncSession]
    registry: ModelRegistry
    locks: ModelLocks
    holder: ModelHolder
    clock: Clock = utc_now


def mode_at(settings: DeviceIntelligenceSettings, moment: datetime) -> str:
    """`full` on the weekly full-retrain night (local time), `incremental` on the others."""
    local = moment.astimezone(ZoneInfo(settings.timezone))
    return "full" if WEEKDAYS[local.weekday()] == settings.full_retrain_weekday else "incremental"


def nightly_options(settings: DeviceIntelligenceSettings, moment: datetime) -> RetrainOptions:
    """Options of the run at `moment`: the seed moves with the local date so nights differ but replay."""
    local_day = moment.astimezone(ZoneInfo(settings.timezone)).date().toordinal()
    return RetrainOptions(
        synthetic_count=settings.nightly_synthetic_devices,
        days=settings.nightly_days,
        seed=settings.nightly_seed + local_day,
        trigger="nightly",
        mode="full" if mode_at(settings, moment) == "full" else "incremental",
        tolerance=settings.promotion_tolerance,
    )


def headline(metrics: dict[str, Any] | None) -> dict[str, Any] | None:
    """The figures a status page shows of a model."""
    if metrics is None:
        return None
    return {k: metrics.get(k) for k in ("pr_auc", "precision", "recall", "f1_score", "accuracy")}


def run_summary(
    result: RetrainResult, *, source: str | None = None, housekeeping: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What a training run records for `/train/status`: both models' figures and the data behind them."""
    data = result.data
    return {
        "mode": result.mode,
        "challenger_version": result.version,
        "champion_version": result.production_version if not result.promoted else None,
        "metrics": {
            "challenger": headline(result.metrics),
            "champion": headline(result.production_metrics),
            "rule_baseline": headline(result.baseline),
        },
        "split_method": result.metrics.get("split_method"),
        "gates": result.gates.get("verdict"),
        "data": {
            "source": data.get("source"),
            "rows": data.get("rows"),
            "days": data.get("days"),
            "mix": data.get("mix"),
        },
        "seconds": result.seconds,
        **({"source": source} if source is not None else {}),
        **({"housekeeping": housekeeping} if housekeeping is not None else {}),
    }


async def run_nightly(ctx: NightlyContext, scheduled_by: str) -> dict[str, Any]:
    """One nightly run; a run that finds /train busy is skipped, never queued behind it."""
    try:
        with ctx.locks.hold(TRAIN_LOCK):
            return await _run_locked(ctx, scheduled_by)
    except ConflictError as exc:
        logger.warning("nightly run skipped: %s", exc)
        return {"status": "skipped", "decision": None, "reason": str(exc)}


async def _run_locked(ctx: NightlyContext, scheduled_by: str) -> dict[str, Any]:
    settings, now = ctx.settings, ctx.clock()
    options = nightly_options(settings, now)
    housekeeping: dict[str, Any] = {
        "keep_model_versions": settings.keep_model_versions,
        "tolerance": settings.promotion_tolerance,
        "event_retention_days": settings.event_retention_days,
    }

    async def summarize(result: RetrainResult, _pruned: list[str]) -> dict[str, Any]:
        return run_summary(result, housekeeping=housekeeping)

    async with ctx.sessionmaker() as session:
        housekeeping["purged_events"] = await purge_older_than(session, settings.event_retention_days, now)
        housekeeping["purged_readings"] = await repository.purge_readings(
            session, settings.telemetry_retention_days, now
        )
        real, stats = await repository.load_dataset(session)
        dataset = await asyncio.to_thread(
            mixed_dataset, real, stats, options.synthetic_count, options.days, options.seed
        )
        # run_nightly holds the lock since before the purge: lock=None here.
        run = await run_recorded_training(
            lock=None,
            runs=repository.runs(session),
            trigger="nightly",
            task=MODEL_NAME,
            options={
                "scheduled_by": scheduled_by,
                "mode": options.mode,
                "seed": options.seed,
                "now": now.isoformat(),
            },
            train=lambda: retrain(ctx.registry, options, dataset),
            outcome=run_outcome,
            reload=lambda: load_models_into(ctx.holder, ctx.registry),
            prune=None,  # register_pair prunes both registry names as it registers them
            summarize=summarize,
        )
    result = run.result
    logger.info("nightly run (%s, %s): %s - %s", scheduled_by, result.mode, result.status, result.reason)
    return run.answer()
