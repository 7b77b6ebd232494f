"""`GET /health`: real checks of the database, the folders and the loaded production models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.engine import make_url

from device_intelligence import __version__, repository
from device_intelligence.anomaly import model as anomaly_model
from device_intelligence.dependencies import (
    EngineDep,
    ModelsLoadingDep,
    ServedHolderDep,
    SessionDep,
    SettingsDep,
)
from device_intelligence.failure import model as failure_model
from device_intelligence.settings import DeviceIntelligenceSettings
from homeiq_shared.contracts.health import Check, Health, ServedModels, health_status
from homeiq_shared.ha_events import count_events
from homeiq_shared.storage import check_database, check_folder

router = APIRouter(tags=["health"])


def _database_bytes(settings: DeviceIntelligenceSettings) -> int | None:
    """Size of the SQLite file with its write-ahead log (None for a server database)."""
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


async def _storage(settings: DeviceIntelligenceSettings, session: Any) -> dict[str, Any]:
    try:
        return {
            "ok": True,
            "database_bytes": _database_bytes(settings),
            "ha_events": await count_events(session),
            "telemetry_readings": await repository.count_readings(session),
            "confirmed_failures": await repository.count_failures(session),
            "event_retention_days": settings.event_retention_days,
            "telemetry_retention_days": settings.telemetry_retention_days,
        }
    except Exception as exc:  # the database check reports the failure; the figure just goes missing
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


@router.get(
    "/health", response_model=Health, responses={503: {"model": Health, "description": "A check failed"}}
)
async def health(
    settings: SettingsDep,
    engine: EngineDep,
    holder: ServedHolderDep,
    loading: ModelsLoadingDep,
    session: SessionDep,
) -> JSONResponse:
    """`healthy` (200) when every check passes and both models are served, `degraded` (200) when they are
    not (none yet, still loading, or the load failed: `models.error`), `unhealthy` (503) when a check fails.

    `models.loaded` maps each registry name to the version served (null: none).
    """
    models = holder.models
    checks = {
        "database": Check(**await check_database(engine)),
        "data_dir": Check(**check_folder(settings.data_dir)),
        "models_dir": Check(**check_folder(settings.models_dir)),
    }
    served = ServedModels(
        loading=loading,
        loaded={
            failure_model.MODEL_NAME: models.version if models else None,
            anomaly_model.MODEL_NAME: models.anomaly_version if models else None,
        },
        error=holder.load_error,
    )
    body = Health(
        service="device-intelligence",
        version=__version__,
        status=health_status(checks, served),
        checks=checks,
        models=served,
        storage=await _storage(settings, session) if checks["database"].ok else None,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if body.status == "unhealthy" else 200)
