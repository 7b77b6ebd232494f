"""`GET /health`: real checks of the database and the data and models folders, what is stored, the models served."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

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
from homeiq_shared.contracts.health import Check, Health, ServedModels, health_status
from homeiq_shared.ha_events import count_events
from homeiq_shared.ha_snapshots import HomeSnapshotRow
from homeiq_shared.storage import check_database, check_folder

router = APIRouter(tags=["health"])


def _database_bytes(settings: AiAutomationSettings) -> int | None:
    """Size of the SQLite file with its write-ahead log (None for a server database)."""
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


async def _storage(settings: AiAutomationSettings, session: Any) -> dict[str, Any]:
    async def rows(table: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)

    try:
        return {
            "ok": True,
            "database_bytes": _database_bytes(settings),
            "ha_events": await count_events(session),
            "home_snapshots": await rows(HomeSnapshotRow),
            "datasets": await rows(DatasetRecord),
            "training_runs": await rows(TrainingRunRecord),
            "event_retention_days": settings.event_retention_days,
        }
    except Exception as exc:  # the database check reports the failure; the figures just go missing
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


@router.get(
    "/health", response_model=Health, responses={503: {"model": Health, "description": "A check failed"}}
)
async def health(
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
    checks = {
        "database": Check(**await check_database(engine)),
        "data_dir": Check(**check_folder(settings.data_dir)),
        "models_dir": Check(**check_folder(settings.models_dir)),
    }
    served = dict(models)
    loaded = {model_name(t): (served[t].version if t in served else None) for t in TASKS}
    served_models = ServedModels(loading=loading, loaded=loaded)
    body = Health(
        service="ai-automation",
        version=__version__,
        status=health_status(checks, served_models),
        checks=checks,
        models=served_models,
        storage=await _storage(settings, session) if checks["database"].ok else None,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if body.status == "unhealthy" else 200)
