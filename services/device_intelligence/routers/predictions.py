"""`/api/predictions`: predict (single and batch), train (one run at a time) and model status."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import numpy as np
from fastapi import APIRouter, Body

from device_intelligence import repository
from device_intelligence.app_state import load_models_into
from device_intelligence.dependencies import (
    ApiKeyDep,
    HolderDep,
    LocksDep,
    RegistryDep,
    ServingDep,
    SessionDep,
    SettingsDep,
)
from device_intelligence.failure_model import MODEL_NAME
from device_intelligence.retraining import RetrainOptions, retrain
from device_intelligence.schemas import (
    BatchPredictRequest,
    BatchPredictResponse,
    PredictRequest,
    PredictResponse,
    TrainRequest,
    TrainResponse,
)
from device_intelligence.serving import DeviceInput, ServingModels, predict_devices
from device_intelligence.settings import DeviceIntelligenceSettings
from device_intelligence.telemetry_features import HISTORY_DAYS
from device_intelligence.telemetry_simulator import METRIC_NAMES, TelemetryDataset
from homeiq_shared.errors import InvalidInputError, NotFoundError
from homeiq_shared.model_lock import ModelLocks

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/predictions", tags=["predictions"])
TRAIN_LOCK = MODEL_NAME
_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros((0, len(METRIC_NAMES))))


async def _inputs(session: Any, devices: list[PredictRequest], now: datetime) -> list[DeviceInput]:
    hist = await repository.history(session, [d.device_id for d in devices], HISTORY_DAYS, now)
    today = repository.day_number(now)
    out = []
    for d in devices:
        snap = np.array(
            [np.nan if (v := getattr(d.metrics, m)) is None else v for m in METRIC_NAMES], dtype=float
        )
        days, values = hist.get(d.device_id, _EMPTY)
        out.append(DeviceInput(d.device_id, snap, days, values, today))
    return out


@router.post("/predict", response_model=PredictResponse)
async def predict(body: PredictRequest, models: ServingDep, session: SessionDep) -> dict[str, Any]:
    """Failure probability (percent) within the model's horizon, anomaly score and specific advice."""
    now = datetime.now(UTC)
    inputs = await _inputs(session, [body], now)
    # One row takes well under a millisecond: cheaper inline than a thread hop.
    return predict_devices(models, inputs, now)[0]


@router.post("/predict/batch", response_model=BatchPredictResponse)
async def predict_batch(body: BatchPredictRequest, models: ServingDep, session: SessionDep) -> dict[str, Any]:
    """Many devices at once (at most 10,000), answered in request order."""
    now = datetime.now(UTC)
    inputs = await _inputs(session, body.devices, now)
    predictions = await asyncio.to_thread(predict_devices, models, inputs, now)
    return {"predictions": predictions, "count": len(predictions), "model_version": models.version}


async def _training_data(
    session: Any, body: TrainRequest, settings: DeviceIntelligenceSettings
) -> tuple[TelemetryDataset | None, str]:
    if body.source == "synthetic":
        return None, "synthetic"
    dataset, stats = await repository.load_dataset(session)
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
                trigger="api",
                mode=body.mode,
            )
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from exc
        dataset, source = await _training_data(session, body, settings)
        run = await repository.start_run(session, "api", body.model_dump() | {"resolved_source": source})
        try:
            result = await asyncio.to_thread(retrain, registry, options, dataset)
        except ValueError as exc:
            await repository.finish_run(session, run, status="failed", error=str(exc))
            raise InvalidInputError(f"training failed: {exc}") from exc
        except Exception as exc:
            await repository.finish_run(session, run, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        summary = {"metrics": _headline(result.metrics), "rule_baseline": _headline(result.baseline)}
        await repository.finish_run(
            session, run, status=result.status, version=result.version, promoted=result.promoted,
            decision=result.decision, summary=summary | {"gates": result.gates.get("verdict")},
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
    }


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics.get(k) for k in ("pr_auc", "precision", "recall", "f1_score", "accuracy")}


@router.get("/train/status")
async def train_status(session: SessionDep, locks: LocksDep) -> dict[str, Any]:
    """Whether a run is in progress and how the last one ended (the original's field names)."""
    last = await repository.latest_run(session)
    return {
        "running": _running(locks),
        "mode": "full",
        "last_training_time": last.started_at if last else None,
        "last_training_status": last.status if last else None,
        "last_training_error": last.error if last else None,
        "last_run": None
        if last is None
        else {
            "id": last.id,
            "trigger": last.trigger,
            "started_at": last.started_at,
            "finished_at": last.finished_at,
            "status": last.status,
            "version": last.version,
            "promoted": last.promoted,
            "decision": last.decision,
            "summary": last.summary,
        },
    }


def _running(locks: ModelLocks) -> bool:
    return locks.is_held(TRAIN_LOCK)


def _require(holder_models: ServingModels | None) -> ServingModels:
    if holder_models is None:
        raise NotFoundError("no production model: nothing has been trained and promoted yet")
    return holder_models


@router.get("/models/status")
async def models_status(holder: HolderDep) -> dict[str, Any]:
    """Loaded models, their performance beside the rule baseline, features and metadata."""
    m = holder.models
    if m is None:
        return {"is_trained": False, "reason": holder.load_error}
    meta = m.metadata
    return {
        "is_trained": True,
        "model_version": m.version,
        "anomaly_model_version": m.anomaly_version,
        "model_performance": meta.get("model_performance"),
        "rule_baseline": _headline(meta.get("rule_baseline", {})),
        "gates": meta.get("gates", {}).get("verdict"),
        "feature_columns": meta.get("feature_names"),
        "horizon_days": meta.get("horizon_days"),
        "anomaly_thresholds": m.anomaly_metadata.get("thresholds"),
        "model_metadata": meta,
        "last_updated": meta.get("created_at"),
    }


@router.get("/models/version")
async def models_version(holder: HolderDep) -> dict[str, Any]:
    """The production version (404 when nothing is trained), as the original's fields."""
    m = _require(holder.models)
    meta = m.metadata
    libs = meta.get("library_versions", {})
    return {
        "version": m.version,
        "anomaly_version": m.anomaly_version,
        "training_date": meta.get("created_at"),
        "model_performance": meta.get("model_performance"),
        "training_data_stats": meta.get("training_data"),
        "model_type": meta.get("model_type"),
        "scikit_learn_version": libs.get("scikit-learn"),
        "lightgbm_version": libs.get("lightgbm"),
        "timestamp": datetime.now(UTC),
    }
