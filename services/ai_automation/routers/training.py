"""`/api/home-type/train/*`: the nightly schedule's status, and running the nightly job now."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ai_automation import repository
from ai_automation.dependencies import ApiKeyDep, LocksDep, NightlyDep, SessionDep, SettingsDep
from ai_automation.home_type.model import model_name
from ai_automation.home_type.schemas import Task
from ai_automation.tables import TrainingRunRecord
from homeiq_shared.errors import ConflictError
from homeiq_shared.service_app import start_nightly_run
from homeiq_shared.storage import as_utc

router = APIRouter(prefix="/api/home-type", tags=["home type training"])


def _decision(run: TrainingRunRecord) -> str | None:
    if run.status == "running":
        return None
    if run.promoted:
        return "promoted"
    return "kept" if run.status == "kept" else None


def run_view(run: TrainingRunRecord | None) -> dict[str, Any] | None:
    """A stored run as `/train/status` shows it."""
    if run is None:
        return None
    summary = run.summary or {}
    return {
        "id": run.id,
        "trigger": run.trigger,
        "task": run.task,
        "started_at": as_utc(run.started_at),
        "finished_at": as_utc(run.finished_at),
        "status": run.status,
        "decision": _decision(run),
        "reason": run.reason or run.error,
        "version": run.version,
        "promoted": run.promoted,
        "challenger_version": summary.get("challenger_version", run.version),
        "champion_version": summary.get("champion_version"),
        "gates": summary.get("gates"),
        "metrics": summary.get("metrics"),
        "data": summary.get("data"),
        "unlabelled_homes": summary.get("unlabelled_homes"),
        "housekeeping": summary.get("housekeeping"),
        "error": run.error,
    }


@router.get("/train/status")
async def train_status(
    session: SessionDep, locks: LocksDep, nightly: NightlyDep, settings: SettingsDep, task: Task = "full"
) -> dict[str, Any]:
    """Schedule, next run, whether a run is in progress, and the task's last run with its decision."""
    schedule = nightly.scheduler.status()
    last = await repository.latest_run(session, task)
    return {
        "enabled": schedule["enabled"],
        "schedule": schedule["schedule"],
        "timezone": schedule["timezone"],
        "next_run_time": schedule["next_run_time"],
        "nightly_tasks": settings.nightly_task_list,
        "task": task,
        "running": nightly.running or locks.is_held(model_name(task)),
        "promotion_tolerance": settings.promotion_tolerance,
        "last_run": run_view(last),
        "last_scheduled_run": schedule["last_run"],
    }


@router.post("/train/schedule", status_code=202)
async def run_nightly_now(
    locks: LocksDep, nightly: NightlyDep, settings: SettingsDep, _: ApiKeyDep, wait: bool = False
) -> JSONResponse:
    """Run the nightly job now: 202 at once (follow `/train/status`), or the run itself with `?wait=true`."""
    if nightly.running or any(locks.is_held(model_name(t)) for t in settings.nightly_task_list):
        raise ConflictError("a home-type training run is already in progress")
    return await start_nightly_run(nightly, wait, router.prefix + "/train/status")
