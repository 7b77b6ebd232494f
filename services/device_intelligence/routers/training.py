"""`/api/predictions/train*`: train now, the nightly schedule's status, and running the nightly job now."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Response

from device_intelligence import repository
from device_intelligence.app_state import load_models_into
from device_intelligence.dependencies import (
    ApiKeyDep,
    HolderDep,
    LocksDep,
    NightlyDep,
    RegistryDep,
    SessionDep,
    SettingsDep,
)
from device_intelligence.failure.model import MODEL_NAME
from device_intelligence.nightly_training import TRAIN_LOCK, mode_at, run_summary
from device_intelligence.retraining import RetrainOptions, RetrainResult, retrain, run_outcome
from device_intelligence.settings import DeviceIntelligenceSettings
from device_intelligence.telemetry import TelemetryDataset
from device_intelligence.training_data import mixed_dataset
from homeiq_shared.contracts.devices import TrainRequest, TrainResponse
from homeiq_shared.contracts.problems import problem_responses
from homeiq_shared.contracts.training import NightlyStarted, ScheduledRun, TrainStatus
from homeiq_shared.errors import ConflictError, InvalidInputError
from homeiq_shared.resource_budget import Estimate, check_fits
from homeiq_shared.run_table import run_view
from homeiq_shared.service_app import start_nightly_run
from homeiq_shared.storage import as_utc
from homeiq_shared.training_runs import run_recorded_training

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/predictions", tags=["training"])

__all__ = ["TRAIN_LOCK", "router"]


async def _training_data(
    session: Any, body: TrainRequest, options: RetrainOptions, settings: DeviceIntelligenceSettings
) -> tuple[TelemetryDataset | None, str]:
    if body.source == "synthetic":
        return None, "synthetic"
    dataset, stats = await repository.load_dataset(session)
    if body.source == "mixed":
        mixed = await asyncio.to_thread(
            mixed_dataset, dataset, stats, options.synthetic_count, options.days, options.seed
        )
        return mixed, str(mixed.info["source"])
    usable = (
        dataset is not None
        and stats["devices"] >= settings.min_stored_devices
        and stats.get("failures_with_history", 0) >= 1
        and int(dataset.row_day.max()) + 1 >= 3 * body.horizon_days
    )
    if usable:
        return dataset, "stored"
    if body.source == "stored":
        raise InvalidInputError(
            f"not enough stored data to train: {stats} (need >= {settings.min_stored_devices} devices, "
            f"a confirmed failure with telemetry before it, and >= {3 * body.horizon_days} days)",
            stored=stats,
        )
    return None, "synthetic"


# Peak memory of a training run on synthetic telemetry, measured on this code (2026-12, 300x90, 1,000x180,
# 2,000x360 device-days: 313 MiB, 1.2 GiB, 3.9 GiB): ~300 MiB plus ~5 KB per device-day, rounded up.
_BASE_MEMORY_BYTES = 350 * 1024**2
_MEMORY_BYTES_PER_DEVICE_DAY = 6_000


def training_estimate(body: TrainRequest) -> Estimate:
    """Peak memory of training on `synthetic_count` devices x `days` of synthetic telemetry (stored
    data adds what is stored, already bounded by what ingestion accepted)."""
    days = body.days_back or body.days
    device_days = body.synthetic_count * days if body.source != "stored" else 0
    memory = _BASE_MEMORY_BYTES + device_days * _MEMORY_BYTES_PER_DEVICE_DAY
    return Estimate(f"training on {body.synthetic_count:,} devices x {days} days", memory_bytes=memory)


@router.post("/train", response_model=TrainResponse, responses=problem_responses(507))
async def train(
    settings: SettingsDep,
    session: SessionDep,
    locks: LocksDep,
    registry: RegistryDep,
    holder: HolderDep,
    _: ApiKeyDep,
    body: TrainRequest | None = Body(None),  # noqa: B008
) -> TrainResponse:
    """Train and evaluate a challenger off the event loop; promote when it is not worse (409 while one runs)."""
    body = body or TrainRequest.model_validate({})
    try:
        options = RetrainOptions(
            synthetic_count=body.synthetic_count,
            days=body.days_back or body.days,
            seed=body.seed,
            horizon_days=body.horizon_days,
            force=body.force,
            promote=body.promote,
            trigger="api",
            mode=body.mode,
            tolerance=settings.promotion_tolerance,
            gate_overrides={str(k): v for k, v in (body.gate_thresholds or {}).items()},
        )
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    if locks.is_held(TRAIN_LOCK):  # answer 409 before reading every stored reading
        raise ConflictError(f"a training run for {TRAIN_LOCK!r} is already in progress")
    check_fits(training_estimate(body), settings.models_dir, settings)
    dataset, source = await _training_data(session, body, options, settings)

    async def summarize(result: RetrainResult, _pruned: list[str]) -> dict[str, Any]:
        return run_summary(result, source=source)

    try:
        run = await run_recorded_training(
            lock=locks.hold(TRAIN_LOCK),
            runs=repository.runs(session),
            trigger="api",
            task=MODEL_NAME,
            options=body.model_dump(mode="json") | {"resolved_source": source},
            train=lambda: retrain(registry, options, dataset),
            outcome=run_outcome,
            reload=lambda: load_models_into(holder, registry),
            prune=None,  # register_pair prunes both registry names as it registers them
            summarize=summarize,
        )
    except ValueError as exc:
        raise InvalidInputError(f"training failed: {exc}") from exc
    result = run.result
    return TrainResponse(
        run_id=run.run_id,
        status=result.status,
        promoted=result.promoted,
        decision=run.outcome.decision,
        reason=run.outcome.reason,
        version=result.version,
        model_name=MODEL_NAME,
        anomaly_version=result.anomaly_version,
        production_version=result.production_version,
        source=source,
        metrics=result.metrics,
        rule_baseline=result.baseline,
        production_metrics=result.production_metrics,
        anomaly_metrics=result.anomaly_metrics,
        gates=result.gates,
        split_method=result.metrics.get("split_method"),
        seconds=result.seconds,
        registry=result.registry,
    )


@router.get("/train/status", response_model=TrainStatus)
async def train_status(
    session: SessionDep, locks: LocksDep, nightly: NightlyDep, settings: SettingsDep
) -> TrainStatus:
    """Schedule, next run and its mode, whether a run is in progress, and the last run with its decision."""
    last = await repository.latest_run(session)
    schedule = nightly.scheduler.status()
    next_run = schedule["next_run_time"]
    mode = mode_at(settings, datetime.fromisoformat(next_run) if next_run else datetime.now(UTC))
    return TrainStatus(
        enabled=schedule["enabled"],
        schedule=schedule["schedule"],
        timezone=schedule["timezone"],
        full_retrain_weekday=settings.full_retrain_weekday,
        next_run_time=next_run,
        next_run_mode=mode,
        running=locks.is_held(TRAIN_LOCK) or nightly.running,
        promotion_tolerance=settings.promotion_tolerance,
        mode=mode,
        last_training_time=as_utc(last.started_at) if last else None,
        last_training_status=last.status if last else None,
        last_training_error=last.error if last else None,
        last_run=run_view(last),
        last_scheduled_run=schedule["last_run"],
    )


@router.post(
    "/train/schedule",
    status_code=202,
    response_model=NightlyStarted | ScheduledRun,
    responses={200: {"model": ScheduledRun, "description": "With `?wait=true`: the finished run"}},
)
async def run_nightly_now(
    response: Response, locks: LocksDep, nightly: NightlyDep, _: ApiKeyDep, wait: bool = False
) -> NightlyStarted | ScheduledRun:
    """Run the nightly job now: 202 at once (follow `/train/status`), or 200 with the run itself with `?wait=true`."""
    if locks.is_held(TRAIN_LOCK) or nightly.running:
        raise ConflictError("a training run is already in progress")
    return await start_nightly_run(
        nightly, wait=wait, status_url=router.prefix + "/train/status", response=response
    )
