"""`/api/predictions`: predict (single and batch) and model status (training is in `routers.training`)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import numpy as np
from fastapi import APIRouter

from device_intelligence import device_ids, repository
from device_intelligence.anomaly import model as anomaly_model
from device_intelligence.dependencies import HolderDep, ServingDep, SessionDep
from device_intelligence.failure import model as failure_model
from device_intelligence.nightly_training import headline
from device_intelligence.serving import DeviceInput, ServingModels, predict_devices
from device_intelligence.telemetry import METRIC_NAMES
from device_intelligence.telemetry_features import HISTORY_DAYS
from device_intelligence.version_records import registry_entry
from homeiq_shared.contracts.devices import (
    BatchPredictRequest,
    BatchPredictResponse,
    ModelName,
    ModelStatus,
    ModelVersionResponse,
    PredictRequest,
    PredictResponse,
)
from homeiq_shared.contracts.model_info import ModelInfoResponse
from homeiq_shared.contracts.problems import problem_responses
from homeiq_shared.errors import NoModelError
from homeiq_shared.version_control import model_info as served_model_info

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/predictions", tags=["predictions"])
_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros((0, len(METRIC_NAMES))))


async def _inputs(session: Any, devices: list[PredictRequest], now: datetime) -> list[DeviceInput]:
    """Each device's reading and the stored history of the device its id names (`device_ids`)."""
    options = await device_ids.candidates(session, [d.device_id for d in devices])
    every = sorted({c for cs in options.values() for c in cs})
    hist = await repository.history(session, every, HISTORY_DAYS, now)
    today = repository.day_number(now)
    out = []
    for d in devices:
        snap = np.array(
            [np.nan if (v := getattr(d.metrics, m)) is None else v for m in METRIC_NAMES], dtype=float
        )
        used = next((c for c in options[d.device_id] if c in hist), None)
        days, values = hist[used] if used is not None else _EMPTY
        out.append(DeviceInput(d.device_id, snap, days, values, today, history_device_id=used))
    return out


@router.post("/predict", response_model=PredictResponse, responses=problem_responses(422, 503))
async def predict(body: PredictRequest, models: ServingDep, session: SessionDep) -> dict[str, Any]:
    """Failure `probability` (0-1; `failure_probability` is the same in percent) within the model's horizon.

    `device_id` is an HA device id or any of its entity ids. Devices with fewer than 7 daily rows of
    stored history are scored by the snapshot model (`basis`), the others by the history model; the
    risk band follows that model's alert threshold. Also the anomaly score and specific advice.
    """
    now = datetime.now(UTC)
    inputs = await _inputs(session, [body], now)
    # One row takes well under a millisecond: cheaper inline than a thread hop.
    return predict_devices(models, inputs, now)[0]


@router.post("/predict/batch", response_model=BatchPredictResponse, responses=problem_responses(422, 503))
async def predict_batch(body: BatchPredictRequest, models: ServingDep, session: SessionDep) -> dict[str, Any]:
    """Many devices at once (at most 10,000), answered in request order."""
    now = datetime.now(UTC)
    inputs = await _inputs(session, body.devices, now)
    predictions = await asyncio.to_thread(predict_devices, models, inputs, now)
    return {"predictions": predictions, "count": len(predictions), "model_version": models.version}


def _require(holder_models: ServingModels | None, load_error: str | None) -> ServingModels:
    if holder_models is None:
        reason = f" ({load_error})" if load_error else ""
        raise NoModelError(
            f"no production model is loaded{reason}: train one with POST /api/predictions/train "
            "or scripts/train_models.py"
        )
    return holder_models


@router.get("/model-info", response_model=ModelInfoResponse)
async def model_info(holder: HolderDep, model: ModelName = "failure_prediction") -> ModelInfoResponse:
    """The served production model of `model`: version, features, metrics, split method and artifacts.

    `is_loaded` false (200) when none is served; predicting then answers 503.
    """
    m = holder.models
    if m is None:
        info = served_model_info(model, None, None)
    elif model == failure_model.MODEL_NAME:
        info = served_model_info(model, m.version, m.metadata)
    else:
        info = served_model_info(model, m.anomaly_version, m.anomaly_metadata)
    return ModelInfoResponse(task=model, model_info=info)


@router.get("/models/status", response_model=ModelStatus)
async def models_status(holder: HolderDep) -> ModelStatus:
    """Loaded models, their performance beside the rule baseline, features, and both models' registry entries.

    `is_trained` false (200) when no model is served; predicting then answers 503.
    """
    m = holder.models
    if m is None:
        return ModelStatus(is_trained=False, reason=holder.load_error)
    meta = m.metadata
    return ModelStatus(
        is_trained=True,
        model_version=m.version,
        anomaly_model_version=m.anomaly_version,
        model_performance=meta.get("model_performance"),
        rule_baseline=headline(meta.get("rule_baseline", {})),
        gates=meta.get("gates", {}).get("verdict"),
        feature_columns=meta.get("feature_names"),
        horizon_days=meta.get("horizon_days"),
        anomaly_thresholds=m.anomaly_metadata.get("thresholds"),
        model_metadata=meta,
        anomaly_model_metadata=m.anomaly_metadata,
        models={
            failure_model.MODEL_NAME: registry_entry(failure_model.MODEL_NAME, m.version, meta),
            anomaly_model.MODEL_NAME: registry_entry(
                anomaly_model.MODEL_NAME, m.anomaly_version, m.anomaly_metadata
            ),
        },
        last_updated=meta.get("created_at"),
    )


@router.get("/models/version", response_model=ModelVersionResponse, responses=problem_responses(503))
async def models_version(holder: HolderDep) -> ModelVersionResponse:
    """The production version, as the original's fields (503 problem detail when no model is served)."""
    m = _require(holder.models, holder.load_error)
    meta = m.metadata
    libs = meta.get("library_versions", {})
    return ModelVersionResponse(
        version=m.version,
        anomaly_version=m.anomaly_version,
        training_date=meta.get("created_at"),
        model_performance=meta.get("model_performance"),
        training_data_stats=meta.get("training_data"),
        model_type=meta.get("model_type"),
        scikit_learn_version=libs.get("scikit-learn"),
        lightgbm_version=libs.get("lightgbm"),
        timestamp=datetime.now(UTC),
    )
