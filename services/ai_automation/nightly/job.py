"""The nightly home-type job: purge old events, retrain on synthetic + real homes, keep the better model.

One run retrains every task of `nightly_tasks` (default `full`) in order, all against the same
training set, while holding the lock of every one of them, so `POST /api/home-type/train` gets 409
for the whole run. Each task calls `train_home_type`, the function behind `/train` and the CLI.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ai_automation import repository
from ai_automation.home_type.model import HomeTypeModel, load_model, model_name
from ai_automation.home_type.monitoring import unlabelled_report
from ai_automation.home_type.real_homes import RealHomes, load_real_homes
from ai_automation.home_type.training import TrainingOutcome, TrainingRequest, run_outcome, train_home_type
from ai_automation.nightly.synergy_ranker import SynergyContext, run_synergy_ranker
from ai_automation.nightly.training_set import SyntheticPart, assemble, prune_training_sets, synthetic_part
from ai_automation.settings import AiAutomationSettings
from ai_automation.synergies.served import ServedSynergyModel
from homeiq_shared.errors import ConflictError
from homeiq_shared.ha_events import purge_older_than
from homeiq_shared.model_lock import ModelLocks
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.nightly import Clock, utc_now
from homeiq_shared.training_runs import run_recorded_training

logger = logging.getLogger(__name__)

JOB_ID = "ai_automation_nightly"
TRAINING_SETS_KEPT = 3


@dataclass
class NightlyContext:
    """What the job shares with the app: settings, database, registry, locks and the served models."""

    settings: AiAutomationSettings
    sessionmaker: async_sessionmaker[AsyncSession]
    registry: ModelRegistry
    locks: ModelLocks
    models: dict[str, HomeTypeModel]
    clock: Clock = utc_now
    synergy_model: ServedSynergyModel = field(default_factory=ServedSynergyModel)

    def synergy(self) -> SynergyContext:
        """What the synergy re-ranker step needs."""
        return SynergyContext(
            self.sessionmaker,
            self.registry,
            self.locks,
            self.synergy_model,
            self.settings.synergy_calibration_dir,
        )


def _champion_figures(model: HomeTypeModel | None) -> dict[str, Any] | None:
    if model is None:
        return None
    metrics = model.metadata.get("metrics", {})
    return {
        "version": model.version,
        "cv_macro_f1": metrics.get("cross_validation", {}).get("macro_f1", {}).get("mean"),
        "holdout_macro_f1": metrics.get("macro_f1"),
        "gates": metrics.get("gates", {}).get("verdict"),
    }


def task_summary(
    outcome: TrainingOutcome,
    champion: HomeTypeModel | None,
    data: dict[str, Any],
    unlabelled: dict[str, Any],
    housekeeping: dict[str, Any],
) -> dict[str, Any]:
    """What a run records for `/train/status`: both models' figures, the data mix and the real-home figures."""
    results, comparison = outcome.results, outcome.comparison or {}
    return {
        "task": outcome.task,
        "challenger_version": outcome.version,
        "champion_version": champion.version if champion is not None else None,
        "gates": outcome.gates.get("verdict"),
        "metrics": {
            "challenger": {
                "version": outcome.version,
                "cv_macro_f1": results["cross_validation"]["macro_f1"]["mean"],
                "holdout_macro_f1": results["macro_f1"],
                "holdout_accuracy": results["accuracy"],
                "on_shared_held_out_homes": comparison.get("challenger"),
            },
            "champion": None
            if champion is None
            else {
                **(_champion_figures(champion) or {}),
                "on_shared_held_out_homes": comparison.get("champion"),
            },
            "comparison_basis": comparison.get("basis"),
            "shared_held_out_homes": comparison.get("held_out_homes"),
            "split_method": results["split_method"],
        },
        "data": data,
        "unlabelled_homes": unlabelled,
        "housekeeping": housekeeping,
    }


def _data_counts(
    outcome: TrainingOutcome, synthetic: SyntheticPart, real: RealHomes, real_keys: dict[str, str]
) -> dict[str, Any]:
    training = outcome.metadata.get("training_data", {})
    train_keys, test_keys = set(training.get("train_home_keys", [])), set(training.get("test_home_keys", []))
    return {
        "synthetic_dataset": synthetic.folder.name,
        "synthetic_source": synthetic.source,
        "synthetic_homes": synthetic.homes,
        "synthetic_days": synthetic.days,
        **real.counts(),
        "real_labelled_home_ids": sorted(real_keys),
        "real_labelled_in_training_split": sum(k in train_keys for k in real_keys.values()),
        "real_labelled_in_test_split": sum(k in test_keys for k in real_keys.values()),
        "homes": training.get("homes"),
        "training_homes": outcome.results.get("training_homes"),
        "test_homes": outcome.results.get("test_homes"),
        "skipped_in_training_set": training.get("skipped_homes"),
    }


async def run_nightly(ctx: NightlyContext, scheduled_by: str) -> dict[str, Any]:
    """One nightly run: the home-type tasks, then the synergy feedback re-ranker (which runs even when
    the home-type part is skipped or fails: it depends on nothing of it)."""
    try:
        answer = await _run_home_type(ctx, scheduled_by)
    except Exception:
        await _synergy_step(ctx, scheduled_by)
        raise
    answer["synergy_ranker"] = await _synergy_step(ctx, scheduled_by)
    return answer


async def _synergy_step(ctx: NightlyContext, scheduled_by: str) -> dict[str, Any]:
    """The re-ranker's step; its failure is reported (and recorded as a failed run), never raised."""
    try:
        return await run_synergy_ranker(ctx.synergy(), scheduled_by)
    except Exception as exc:
        logger.exception("nightly synergy re-ranker failed")
        return {"status": "failed", "decision": None, "reason": f"{type(exc).__name__}: {exc}"}


async def _run_home_type(ctx: NightlyContext, scheduled_by: str) -> dict[str, Any]:
    """The home-type tasks; a run that finds `/train` busy is skipped (recorded), never queued behind it."""
    tasks = ctx.settings.nightly_task_list
    with ExitStack() as stack:
        try:
            for task in tasks:
                stack.enter_context(ctx.locks.hold(model_name(task)))
        except ConflictError as exc:
            logger.warning("nightly run skipped: %s", exc)
            return {"status": "skipped", "decision": None, "reason": str(exc)}
        return await _run_locked(ctx, scheduled_by, tasks)


async def _record_failure(ctx: NightlyContext, tasks: list[str], exc: Exception) -> None:
    """Record a run that failed before any task trained (no data, no synthetic dataset, a full disk)."""
    async with ctx.sessionmaker() as session:
        for task in tasks:
            await repository.runs(session).record_failure(trigger="nightly", task=task, exc=exc)


async def _run_locked(ctx: NightlyContext, scheduled_by: str, tasks: list[str]) -> dict[str, Any]:
    settings, now, started = ctx.settings, ctx.clock(), time.perf_counter()
    sets_root = settings.data_dir / "training_sets"
    folder = sets_root / f"{now:%Y%m%dT%H%M%S}-{datetime.now(UTC):%H%M%S%f}"
    try:
        synthetic = await asyncio.to_thread(
            synthetic_part,
            settings.datasets_dir,
            settings.nightly_synthetic_homes,
            settings.nightly_days,
            settings.nightly_seed,
        )
        async with ctx.sessionmaker() as session:
            purged = await purge_older_than(session, settings.event_retention_days, now)
            real = await load_real_homes(session, synthetic.days, settings.timezone)
        real_keys = await asyncio.to_thread(assemble, folder, synthetic, real.labelled)
    except Exception as exc:
        await _record_failure(ctx, tasks, exc)
        raise
    runs = [
        await _run_task(ctx, task, scheduled_by, folder, synthetic, real, real_keys, purged) for task in tasks
    ]
    await asyncio.to_thread(prune_training_sets, sets_root, TRAINING_SETS_KEPT)
    first = runs[0]
    logger.info("nightly run (%s): %s - %s", scheduled_by, first["decision"], first["reason"])
    return {
        "status": "ok",
        "decision": first["decision"],
        "reason": first["reason"],
        "seconds": round(time.perf_counter() - started, 2),
        "runs": runs,
    }


async def _run_task(
    ctx: NightlyContext,
    task: str,
    scheduled_by: str,
    folder: Path,
    synthetic: SyntheticPart,
    real: RealHomes,
    real_keys: dict[str, str],
    purged: int,
) -> dict[str, Any]:
    settings, name = ctx.settings, model_name(task)
    champion = ctx.models.get(task)
    request = TrainingRequest(
        dataset=folder,
        models_dir=settings.models_dir,
        task=task,
        seed=settings.nightly_seed,
        trigger="nightly",
        cv_repeats=settings.home_type_cv_repeats,
        feature_cache=False,  # each night's folder is new; a cache entry would never be read again
        tolerance=settings.promotion_tolerance,
    )

    def reload() -> None:
        ctx.models[task] = load_model(ctx.registry, task)

    async def summarize(outcome: TrainingOutcome, pruned: list[str]) -> dict[str, Any]:
        production = ctx.models.get(task)
        unlabelled = await asyncio.to_thread(unlabelled_report, production, real.unlabelled)
        housekeeping = {
            "scheduled_by": scheduled_by,
            "purged_events": purged,
            "event_retention_days": settings.event_retention_days,
            "pruned_versions": pruned,
            "keep_model_versions": settings.keep_model_versions,
            "tolerance": settings.promotion_tolerance,
            "training_set": str(folder),
        }
        data = _data_counts(outcome, synthetic, real, real_keys)
        return task_summary(outcome, champion, data, unlabelled, housekeeping)

    async with ctx.sessionmaker() as session:
        # The job holds every task's lock since before it assembled the training set: lock=None here.
        run = await run_recorded_training(
            lock=None,
            runs=repository.runs(session),
            trigger="nightly",
            task=task,
            options={
                "scheduled_by": scheduled_by,
                "training_set": str(folder),
                "seed": settings.nightly_seed,
            },
            train=lambda: train_home_type(request),
            outcome=run_outcome,
            reload=reload,
            prune=lambda: ctx.registry.prune(name),
            summarize=summarize,
        )
    return run.answer()
