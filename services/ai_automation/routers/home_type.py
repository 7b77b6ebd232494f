"""`/api/home-type`: train (off the event loop, one run per task), predict, model info, versions and promotion."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from ai_automation import repository
from ai_automation.dependencies import (
    ApiKeyDep,
    HomeTypeModelsDep,
    LocksDep,
    NightlyDep,
    RegistryDep,
    SessionDep,
    SettingsDep,
)
from ai_automation.home_type.decoding import decode_predict_body
from ai_automation.home_type.home_view import HomeInputError
from ai_automation.home_type.metrics import TASKS
from ai_automation.home_type.model import HomeTypeModel, ModelNotTrainedError, load_model, model_name
from ai_automation.home_type.schemas import (
    HomeTypeCompareRequest,
    ModelsResponse,
    ModelVersionInfo,
    PredictBatchResponse,
    PredictRequest,
    Task,
    TrainRequest,
    TrainResponse,
)
from ai_automation.home_type.training import TrainingOutcome, TrainingRequest, train_home_type
from ai_automation.home_type.versions import compare_home_type, promote_home_type, rollback_home_type
from homeiq_shared.errors import ConflictError, InvalidInputError, NotFoundError
from homeiq_shared.version_contracts import (
    ComparisonResponse,
    PromoteRequest,
    RollbackRequest,
    VersionDetail,
    VersionSwitchResponse,
)
from homeiq_shared.version_control import version_detail as model_version_detail

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
            "model": PredictBatchResponse,
        }
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


async def _dataset_folder(body: TrainRequest, settings: SettingsDep, session: SessionDep) -> Path:
    if body.dataset_path is not None:
        return Path(body.dataset_path)
    assert body.dataset_id is not None
    record = await repository.get_dataset(session, body.dataset_id)
    if record is not None:
        return Path(record.path)
    folder = settings.datasets_dir / body.dataset_id
    if folder.is_dir():
        return folder
    raise NotFoundError(f"no dataset {body.dataset_id!r}")


def _run_summary(outcome: TrainingOutcome, folder: Path) -> dict[str, Any]:
    """What an API run records for `/train/status`."""
    comparison = outcome.comparison or {}
    return {
        "challenger_version": outcome.version,
        "gates": outcome.gates.get("verdict"),
        "metrics": {
            "challenger": {
                "cv_macro_f1": outcome.results["cross_validation"]["macro_f1"]["mean"],
                "holdout_macro_f1": outcome.results["macro_f1"],
                "on_shared_held_out_homes": comparison.get("challenger"),
            },
            "champion": {
                "version": comparison.get("champion_version"),
                "on_shared_held_out_homes": comparison.get("champion"),
            },
            "comparison_basis": comparison.get("basis"),
        },
        "data": {"dataset": str(folder)},
    }


@router.post("/train", response_model=TrainResponse)
async def train(
    body: TrainRequest,
    models: HomeTypeModelsDep,
    settings: SettingsDep,
    session: SessionDep,
    locks: LocksDep,
    registry: RegistryDep,
    nightly: NightlyDep,
    _: ApiKeyDep,
) -> TrainResponse:
    """Train, evaluate (split by home, baselines, gates), register, and promote when not worse."""
    if nightly.running and body.task in settings.nightly_task_list:
        raise ConflictError(f"the nightly run is retraining {model_name(body.task)!r}; try again later")
    folder = await _dataset_folder(body, settings, session)
    job = TrainingRequest(
        dataset=folder,
        models_dir=settings.models_dir,
        task=body.task,
        test_size=body.test_size,
        seed=body.seed,
        augment=body.augment,
        promote=body.promote,
        trigger="api",
        cv_repeats=settings.home_type_cv_repeats,
        tolerance=settings.promotion_tolerance,
    )
    with locks.hold(model_name(body.task)):
        run = await repository.start_run(session, "api", body.task)
        try:
            outcome = await asyncio.to_thread(train_home_type, job)
        except Exception as exc:
            await repository.finish_run(session, run, status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        await repository.finish_run(
            session, run, status="promoted" if outcome.promoted else "kept", version=outcome.version,
            promoted=outcome.promoted, reason=outcome.promotion_reason,
            summary=_run_summary(outcome, folder),
        )  # fmt: skip
        if outcome.promoted:
            # Reload through the registry so what serves is exactly the checked artifact.
            models[body.task] = await asyncio.to_thread(load_model, registry, body.task)
        await asyncio.to_thread(registry.prune, outcome.model_name)
    metrics = {
        k: v for k, v in outcome.results.items() if k not in ("feature_names", "classification_report")
    }
    return TrainResponse(
        task=body.task,
        model_name=outcome.model_name,
        version=outcome.version,
        promoted=outcome.promoted,
        promotion_reason=outcome.promotion_reason,
        gates=outcome.gates,
        metrics=metrics,
        baselines=outcome.results["baselines"],
        split_method=outcome.results["split_method"],
    )


@router.get("/model-info")
async def model_info(models: HomeTypeModelsDep, task: Task = "full") -> dict[str, Any]:
    """The production model of a task: version, classes, features, metrics and split method."""
    model = models.get(task)
    if model is None:
        return {"status": "success", "task": task, "model_info": {"is_loaded": False, "model_version": None}}
    meta = model.metadata
    return {
        "status": "success",
        "task": task,
        "model_info": {
            "is_loaded": True,
            "model_name": model_name(task),
            "model_version": model.version,
            "training_date": meta.get("created_at"),
            "trigger": meta.get("trigger"),
            "class_names": model.classes,
            "feature_names": meta.get("feature_names"),
            "feature_schema_version": meta.get("feature_schema_version"),
            "split_method": meta.get("split_method"),
            "hyperparameters": meta.get("hyperparameters"),
            "training_data": {
                k: v
                for k, v in meta.get("training_data", {}).items()
                if not k.endswith("home_keys") and k != "feature_reference"
            },
            "artifacts": meta.get("artifacts"),
            "metrics": meta.get("metrics"),
            "library_versions": meta.get("library_versions"),
        },
    }


@router.get("/models", response_model=ModelsResponse)
async def list_models(registry: RegistryDep, task: Task = "full") -> ModelsResponse:
    """Every registered version of a task's model and which one is production."""
    name = model_name(task)
    aliases = await asyncio.to_thread(registry.aliases, name)
    versions = await asyncio.to_thread(registry.versions, name)
    infos = []
    for v in versions:
        metrics = v.metadata.get("metrics", {})
        infos.append(
            ModelVersionInfo(
                version=v.version,
                created_at=v.created_at,
                trigger=v.metadata.get("trigger"),
                is_production=v.version == aliases.get("production"),
                macro_f1_cv=metrics.get("cross_validation", {}).get("macro_f1", {}).get("mean"),
                gates_verdict=metrics.get("gates", {}).get("verdict"),
                split_method=v.metadata.get("split_method"),
            )
        )
    return ModelsResponse(
        task=task,
        model_name=name,
        production=aliases.get("production"),
        previous=aliases.get("previous"),
        versions=infos,
    )


@router.post("/models/compare", response_model=ComparisonResponse)
async def compare(body: HomeTypeCompareRequest, registry: RegistryDep) -> dict[str, Any]:
    """Score versions `a` and `b` on `b`'s held-out homes (rebuilt from its dataset when it still exists)."""
    return await asyncio.to_thread(compare_home_type, registry, body.task, body.a, body.b)


@router.post("/models/rollback", response_model=VersionSwitchResponse)
async def rollback(
    models: HomeTypeModelsDep,
    registry: RegistryDep,
    locks: LocksDep,
    _: ApiKeyDep,
    task: Task = "full",
    body: RollbackRequest | None = Body(None),  # noqa: B008
) -> dict[str, Any]:
    """Serve the previous production version of a task again (after checking it loads); 404 when none."""
    body = body or RollbackRequest()
    with locks.hold(model_name(task)):
        model, switched = await asyncio.to_thread(
            rollback_home_type, registry, task, reason=body.reason, actor=body.actor
        )
        models[task] = model
    return switched | {"production": model.version}


@router.get("/models/{version}", response_model=VersionDetail)
async def version_detail(version: str, registry: RegistryDep, task: Task = "full") -> dict[str, Any]:
    """One registered version: metadata, gates, and the promotions and rollbacks that named it."""
    return await asyncio.to_thread(model_version_detail, registry, model_name(task), version)


@router.post("/models/{version}/promote", response_model=VersionSwitchResponse)
async def promote(
    version: str,
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
