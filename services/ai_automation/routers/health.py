"""`GET /health`: real checks of the database and the data and models folders, what is stored, the models served."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from ai_automation import __version__
from ai_automation.dependencies import (
    EngineDep,
    ModelsLoadingDep,
    ServedModelsDep,
    SessionDep,
    SettingsDep,
)
from ai_automation.home_type.metrics import TASKS
from ai_automation.home_type.model import model_name
from ai_automation.settings import AiAutomationSettings
from ai_automation.tables import DatasetRecord, TrainingRunRecord
from homeiq_shared.contracts.health import Health, ServedModels
from homeiq_shared.ha_events import count_events
from homeiq_shared.ha_snapshots import HomeSnapshotRow
from homeiq_shared.health_checks import HEALTH_RESPONSES, database_bytes, health_response

router = APIRouter(tags=["health"])


async def _storage(settings: AiAutomationSettings, session: Any) -> dict[str, Any]:
    async def rows(table: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)

    try:
        return {
            "ok": True,
            "database_bytes": database_bytes(settings.resolved_database_url()),
            "ha_events": await count_events(session),
            "home_snapshots": await rows(HomeSnapshotRow),
            "datasets": await rows(DatasetRecord),
            "training_runs": await rows(TrainingRunRecord),
            "event_retention_days": settings.event_retention_days,
        }
    except Exception as exc:  # the database check reports the failure; the figures just go missing
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


@router.get("/health", response_model=Health, responses=HEALTH_RESPONSES)
async def health(
    request: Request,
    settings: SettingsDep,
    engine: EngineDep,
    session: SessionDep,
    models: ServedModelsDep,
    loading: ModelsLoadingDep,
) -> JSONResponse:
    """`healthy` (200) when every check passes and both tasks' models are served, `degraded` (200) when a
    model is not (none yet, or still loading), `unhealthy` (503) when a check fails.

    `models.loading` is true while the production models still load after start-up (requests that
    need one wait for it); `models.loaded` maps each registry name to the version served (null: none).
    """
    served = dict(models)
    loaded = {model_name(t): (served[t].version if t in served else None) for t in TASKS}
    return await health_response(
        request=request,
        service="ai-automation",
        version=__version__,
        engine=engine,
        data_dir=settings.data_dir,
        models_dir=settings.models_dir,
        served=ServedModels(loading=loading, loaded=loaded),
        storage=lambda: _storage(settings, session),
    )
