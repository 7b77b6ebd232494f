"""`/api/predictions/train*`: train now, the nightly schedule's status, and running the nightly job now."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

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
from device_intelligence.nightly_training import TRAIN_LOCK, mode_at, run_summary
from device_intelligence.retraining import RetrainOptions, retrain
from device_intelligence.settings import DeviceIntelligenceSettings
from device_intelligence.tables import TrainingRun
from device_intelligence.telemetry import TelemetryDataset
from device_intelligence.training_data import mixed_dataset
from homeiq_shared.contracts.devices import TrainRequest, TrainResponse
from homeiq_shared.errors import ConflictError, InvalidInputError
from homeiq_shared.service_app import start_nightly_run
from homeiq_shared.storage import as_utc

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


@router.post("/train", response_model=TrainResponse)
async def train(
    settings: SettingsDep,
    session: SessionDep,
    locks: LocksDep,
    registry: RegistryDep,
    holder: HolderDep,
    _: ApiKeyDep,
    body: TrainRequest | None = Body(None),  # noqa: B008
) -> dict[str, Any]:
    """Train and evaluate a challenger off the event loop; promote when it is not worse (409 while one runs)."""
    body = body or TrainRequest.model_validate({})
    with locks.hold(TRAIN_LOCK):
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
        dataset, source = await _training_data(session, body, options, settings)
        run = await repository.start_run(session, "api", body.model_dump() | {"resolved_source": source})
        try:
            result = await asyncio.to_thread(retrain, registry, options, dataset)
        except ValueError as exc:
            await repository.finish_run(session, run, status="failed", error=str(exc))
            raise InvalidInputError(f"training failed: {exc}") from exc
        except Exception as exc:
            await repository.finish_run(session, run, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        await repository.finish_run(
            session, run, status=result.status, version=result.version, promoted=result.promoted,
            decision=result.decision, summary=run_summary(result, source=source),
        )  # fmt: skip
        if result.promoted:
            await asyncio.to_thread(load_models_into, holder, registry)
    return {
        "status": result.status,
        "promoted": result.promoted,
        "decision": result.decision,
        "version": result.version,
        "anomaly_version": result.anomaly_version,
        "production_version": result.production_version,
        "source": source,
        "metrics": result.metrics,
        "rule_baseline": result.baseline,
        "production_metrics": result.production_metrics,
        "anomaly_metrics": result.anomaly_metrics,
        "gates": result.gates,
        "seconds": result.seconds,
        "registry": result.registry,
    }


def _decision(run: TrainingRun) -> str | None:
    if run.promoted:
        return "promoted"
    return "kept" if run.status in {"registered", "kept"} else None


def _run_view(run: TrainingRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    summary = run.summary or {}
    return {
        "id": run.id,
        "trigger": run.trigger,
        "started_at": as_utc(run.started_at),
        "finished_at": as_utc(run.finished_at),
        "status": run.status,
        "decision": _decision(run),
        "reason": run.decision or run.error,
        "version": run.version,
        "promoted": run.promoted,
        "mode": summary.get("mode"),
        "metrics": {
            "challenger": summary.get("metrics"),
            "champion": summary.get("production_metrics"),
            "rule_baseline": summary.get("rule_baseline"),
        },
        "data": summary.get("data"),
        "housekeeping": summary.get("housekeeping"),
        "options": run.options,
        "error": run.error,
    }


@router.get("/train/status")
async def train_status(
    session: SessionDep, locks: LocksDep, nightly: NightlyDep, settings: SettingsDep
) -> dict[str, Any]:
    """Schedule, next run and its mode, whether a run is in progress, and the last run with its decision."""
    last = await repository.latest_run(session)
    schedule = nightly.scheduler.status()
    next_run = schedule["next_run_time"]
    mode = mode_at(settings, datetime.fromisoformat(next_run) if next_run else datetime.now(UTC))
    return {
        "enabled": schedule["enabled"],
        "schedule": schedule["schedule"],
        "timezone": schedule["timezone"],
        "full_retrain_weekday": settings.full_retrain_weekday,
        "next_run_time": next_run,
        "next_run_mode": mode,
        "running": locks.is_held(TRAIN_LOCK) or nightly.running,
        "mode": mode,
        "last_training_time": as_utc(last.started_at) if last else None,
        "last_training_status": last.status if last else None,
        "last_training_error": last.error if last else None,
        "last_run": _run_view(last),
        "last_scheduled_run": schedule["last_run"],
    }


@router.post("/train/schedule", status_code=202)
async def run_nightly_now(
    locks: LocksDep, nightly: NightlyDep, _: ApiKeyDep, wait: bool = False
) -> JSONResponse:
    """Run the nightly job now: 202 at once (follow `/train/status`), or the run itself with `?wait=true`."""
    if locks.is_held(TRAIN_LOCK) or nightly.running:
        raise ConflictError("a training run is already in progress")
    return await start_nightly_run(nightly, wait, router.prefix + "/train/status")
