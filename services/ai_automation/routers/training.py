"""`/api/home-type/train*`: train a model now, the nightly schedule's status, and running the nightly job now."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response

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
from ai_automation.home_type.dataset import DatasetError, home_paths
from ai_automation.home_type.model import load_model, model_name
from ai_automation.home_type.training import TrainingOutcome, TrainingRequest, run_outcome, train_home_type
from homeiq_shared.contracts.home_type import Task, TrainRequest, TrainResponse
from homeiq_shared.contracts.problems import problem_responses
from homeiq_shared.contracts.training import NightlyStarted, ScheduledRun, TrainStatus
from homeiq_shared.errors import ConflictError, InvalidInputError, NotFoundError
from homeiq_shared.request_guard import display_path, env_name, hide_paths, shows_paths
from homeiq_shared.run_table import run_view
from homeiq_shared.security import confine_path
from homeiq_shared.service_app import start_nightly_run
from homeiq_shared.training_runs import run_recorded_training

router = APIRouter(prefix="/api/home-type", tags=["home type training"])


@router.get("/train/status", response_model=TrainStatus)
async def train_status(
    request: Request,
    session: SessionDep,
    locks: LocksDep,
    nightly: NightlyDep,
    settings: SettingsDep,
    task: Task = "full",
) -> TrainStatus:
    """Schedule, next run, whether a run is in progress, and the task's last run with its decision
    (its dataset folder absolute only for a caller with the API key)."""
    schedule = nightly.scheduler.status()
    last = await repository.latest_run(session, task)
    status = TrainStatus(
        enabled=schedule["enabled"],
        schedule=schedule["schedule"],
        timezone=schedule["timezone"],
        next_run_time=schedule["next_run_time"],
        nightly_tasks=settings.nightly_task_list,
        task=task,
        running=nightly.running or locks.is_held(model_name(task)),
        promotion_tolerance=settings.promotion_tolerance,
        last_run=run_view(last),
        last_scheduled_run=schedule["last_run"],
    )
    if shows_paths(request):
        return status
    return TrainStatus.model_validate(hide_paths(status.model_dump(), settings.data_dir))


@router.post(
    "/train/schedule",
    status_code=202,
    response_model=NightlyStarted | ScheduledRun,
    responses={200: {"model": ScheduledRun, "description": "With `?wait=true`: the finished run"}},
)
async def run_nightly_now(
    response: Response,
    locks: LocksDep,
    nightly: NightlyDep,
    settings: SettingsDep,
    _: ApiKeyDep,
    wait: bool = False,
) -> NightlyStarted | ScheduledRun:
    """Run the nightly job now: 202 at once (follow `/train/status`), or 200 with the run itself with `?wait=true`."""
    if nightly.running or any(locks.is_held(model_name(t)) for t in settings.nightly_task_list):
        raise ConflictError("a home-type training run is already in progress")
    return await start_nightly_run(
        nightly, wait=wait, status_url=router.prefix + "/train/status", response=response
    )


async def _dataset_folder(body: TrainRequest, settings: SettingsDep, session: SessionDep) -> Path:
    """The dataset folder to train on, checked before any run is recorded (a bad path leaves no failed run).

    `dataset_path` must lie inside the data folder or one of `path_roots` (403 otherwise, the same
    answer whether or not it exists); then it must hold home files (422).
    """
    if body.dataset_path is not None:
        roots = env_name(settings, "path_roots")
        folder = confine_path(
            body.dataset_path, "dataset_path", settings.data_dir, settings.path_roots, roots
        )
    else:
        assert body.dataset_id is not None
        record = await repository.get_dataset(session, body.dataset_id)
        folder = Path(record.path) if record is not None else settings.datasets_dir / body.dataset_id
        if record is None and not folder.is_dir():
            raise NotFoundError(f"no dataset {body.dataset_id!r}")
    try:
        await asyncio.to_thread(home_paths, folder)
    except DatasetError as exc:
        raise InvalidInputError(str(exc)) from exc
    return folder


def _run_summary(outcome: TrainingOutcome, folder: Path, data_dir: Path) -> dict[str, Any]:
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
        "data": {"dataset": display_path(folder, data_dir)},  # shown to callers without the key
    }


@router.post("/train", response_model=TrainResponse, responses=problem_responses(403, 404, 409))
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

    def reload() -> None:
        models[body.task] = load_model(registry, body.task)

    async def summarize(outcome: TrainingOutcome, _pruned: list[str]) -> dict[str, Any]:
        return _run_summary(outcome, folder, settings.data_dir)

    run = await run_recorded_training(
        lock=locks.hold(model_name(body.task)),
        runs=repository.runs(session),
        trigger="api",
        task=body.task,
        options=body.model_dump(mode="json"),
        train=lambda: train_home_type(job),
        outcome=run_outcome,
        reload=reload,
        prune=lambda: registry.prune(model_name(body.task)),
        summarize=summarize,
    )
    outcome = run.result
    metrics = {
        k: v for k, v in outcome.results.items() if k not in ("feature_names", "classification_report")
    }
    return TrainResponse(
        run_id=run.run_id,
        status=run.outcome.status,
        decision=run.outcome.decision,
        reason=run.outcome.reason,
        task=body.task,
        model_name=outcome.model_name,
        version=outcome.version,
        promoted=outcome.promoted,
        gates=outcome.gates,
        metrics=metrics,
        baselines=outcome.results["baselines"],
        split_method=outcome.results["split_method"],
    )
