"""`/api/home-type`: predict, model info, versions and promotion (training: `routers/training.py`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from ai_automation.dependencies import (
    ApiKeyDep,
    HomeTypeModelsDep,
    LocksDep,
    RegistryDep,
    SettingsDep,
)
from ai_automation.home_type.decoding import decode_predict_body
from ai_automation.home_type.home_view import HomeInputError
from ai_automation.home_type.metrics import TASKS
from ai_automation.home_type.model import HomeTypeModel, ModelNotTrainedError, model_name
from ai_automation.home_type.versions import compare_home_type, promote_home_type, rollback_home_type
from homeiq_shared.contracts.home_type import (
    HomeTypeCompareRequest,
    HomeTypePrediction,
    PredictBatchResponse,
    PredictRequest,
    Task,
)
from homeiq_shared.contracts.model_info import ModelInfoResponse
from homeiq_shared.contracts.problems import problem_responses
from homeiq_shared.contracts.versions import (
    ComparisonResponse,
    PromoteRequest,
    RollbackRequest,
    VersionDetail,
    VersionList,
    VersionSwitchResponse,
)
from homeiq_shared.errors import InvalidInputError
from homeiq_shared.path_params import VersionParam
from homeiq_shared.request_guard import hide_paths, shows_paths
from homeiq_shared.version_control import model_info as served_model_info
from homeiq_shared.version_control import version_detail as model_version_detail
from homeiq_shared.version_control import version_list

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/home-type", tags=["home type"])

_PREDICT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": PredictRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            }
        },
    }
}


def _predict(body: bytes, models: dict[str, HomeTypeModel]) -> bytes:
    """Parse, validate, featurise and predict in a worker thread (big homes cost milliseconds of CPU)."""
    try:
        homes, single, task = decode_predict_body(body)
    except HomeInputError as exc:
        raise InvalidInputError(str(exc)) from exc
    if task not in TASKS:
        raise InvalidInputError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    model = models.get(task)
    if model is None:
        raise ModelNotTrainedError(
            f"no {task!r} home-type model is in production yet; POST /api/home-type/train first"
        )
    try:
        predictions = model.predict_homes(homes)
    except HomeInputError as exc:
        raise InvalidInputError(str(exc)) from exc
    if single:
        return orjson.dumps(predictions[0].to_dict())
    return orjson.dumps({"predictions": [p.to_dict() for p in predictions]})


@router.post(
    "/predict",
    openapi_extra=_PREDICT_BODY,
    responses={
        200: {
            "description": "One prediction for `home`, `{predictions: [...]}` for `homes`",
            "model": HomeTypePrediction | PredictBatchResponse,
        },
        **problem_responses(422, 503),
    },
)
async def predict(request: Request, models: HomeTypeModelsDep) -> Response:
    """Predict the type of one home (`home`) or many (`homes`, answered in input order)."""
    start = time.perf_counter()
    body = await request.body()
    read = time.perf_counter()
    payload = await asyncio.to_thread(_predict, body, dict(models))
    done = time.perf_counter()
    # Server-Timing tells a client how much of its latency was the service's own work
    timing = f"read;dur={(read - start) * 1000:.2f}, predict;dur={(done - read) * 1000:.2f}"
    return Response(payload, media_type="application/json", headers={"Server-Timing": timing})


@router.get("/model-info", response_model=ModelInfoResponse)
async def model_info(models: HomeTypeModelsDep, task: Task = "full") -> ModelInfoResponse:
    """The production model of a task: version, classes, features, metrics, split method and artifacts.

    `is_loaded` false (200) when none is served; predicting then answers 503.
    """
    model = models.get(task)
    if model is None:
        info = served_model_info(model_name(task), None, None)
    else:
        info = served_model_info(model_name(task), model.version, model.metadata, class_names=model.classes)
    return ModelInfoResponse(task=task, model_info=info)


def _headline(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """A home-type version's headline: cross-validated macro-F1 and its held-out macro-F1 and accuracy."""
    metrics = metadata.get("metrics") or {}
    cv = (metrics.get("cross_validation") or {}).get("macro_f1") or {}
    return {
        "macro_f1_cv": cv.get("mean") if isinstance(cv, Mapping) else None,
        "macro_f1": metrics.get("macro_f1"),
        "accuracy": metrics.get("accuracy"),
    }


@router.get("/models", response_model=VersionList)
async def list_models(registry: RegistryDep, task: Task = "full") -> VersionList:
    """Every registered version of a task's model, oldest first, with its headline metrics and aliases."""
    return await asyncio.to_thread(version_list, registry, model_name(task), _headline)


@router.post("/models/compare", response_model=ComparisonResponse, responses=problem_responses(404))
async def compare(
    body: HomeTypeCompareRequest, request: Request, registry: RegistryDep, settings: SettingsDep
) -> dict[str, Any]:
    """Score versions `a` and `b` on `b`'s held-out homes (rebuilt from its dataset when it still exists)."""
    compared = await asyncio.to_thread(compare_home_type, registry, body.task, body.a, body.b)
    return compared if shows_paths(request) else hide_paths(compared, settings.data_dir)


@router.post(
    "/models/rollback", response_model=VersionSwitchResponse, responses=problem_responses(401, 404, 409)
)
async def rollback(
    models: HomeTypeModelsDep,
    registry: RegistryDep,
    locks: LocksDep,
    _: ApiKeyDep,
    task: Task = "full",
    body: RollbackRequest | None = Body(None),  # noqa: B008
) -> dict[str, Any]:
    """Serve `version` (default: the previous production version) of a task again, after checking it
    loads, recording who and why; 404 when there is no such version."""
    body = body or RollbackRequest()
    with locks.hold(model_name(task)):
        model, switched = await asyncio.to_thread(
            rollback_home_type, registry, task, version=body.version, reason=body.reason, actor=body.actor
        )
        models[task] = model
    return switched | {"production": model.version}


@router.get("/models/{version}", response_model=VersionDetail, responses=problem_responses(404))
async def version_detail(
    version: VersionParam, request: Request, registry: RegistryDep, settings: SettingsDep, task: Task = "full"
) -> dict[str, Any]:
    """One registered version: metadata, gates, and the promotions and rollbacks that named it
    (its dataset folder absolute only for a caller with the API key)."""
    detail = await asyncio.to_thread(model_version_detail, registry, model_name(task), version)
    return detail if shows_paths(request) else hide_paths(detail, settings.data_dir)


@router.post(
    "/models/{version}/promote",
    response_model=VersionSwitchResponse,
    responses=problem_responses(401, 404, 409),
)
async def promote(
    version: VersionParam,
    models: HomeTypeModelsDep,
    registry: RegistryDep,
    locks: LocksDep,
    _: ApiKeyDep,
    task: Task = "full",
    body: PromoteRequest | None = Body(None),  # noqa: B008
) -> dict[str, Any]:
    """Make a registered version production (after checking it loads), keeping the old one for rollback.

    409 when its quality gates failed, unless `force` is true (recorded as forced, with actor and reason).
    """
    body = body or PromoteRequest()
    with locks.hold(model_name(task)):
        model, switched = await asyncio.to_thread(
            promote_home_type, registry, task, version,
            force=body.force, reason=body.reason, actor=body.actor,
        )  # fmt: skip
        models[task] = model
    return switched | {"production": version}
