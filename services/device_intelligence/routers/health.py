"""`GET /health`: real checks of the database, the folders and the loaded production models."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

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
from homeiq_shared.contracts.health import Health, ServedModels
from homeiq_shared.ha_events import count_events
from homeiq_shared.health_checks import HEALTH_RESPONSES, database_bytes, health_response

router = APIRouter(tags=["health"])


async def _storage(settings: DeviceIntelligenceSettings, session: Any) -> dict[str, Any]:
    try:
        return {
            "ok": True,
            "database_bytes": database_bytes(settings.resolved_database_url()),
            "ha_events": await count_events(session),
            "telemetry_readings": await repository.count_readings(session),
            "confirmed_failures": await repository.count_failures(session),
            "event_retention_days": settings.event_retention_days,
            "telemetry_retention_days": settings.telemetry_retention_days,
        }
    except Exception as exc:  # the database check reports the failure; the figure just goes missing
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


@router.get("/health", response_model=Health, responses=HEALTH_RESPONSES)
async def health(
    request: Request,
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
    served = ServedModels(
        loading=loading,
        loaded={
            failure_model.MODEL_NAME: models.version if models else None,
            anomaly_model.MODEL_NAME: models.anomaly_version if models else None,
        },
        error=holder.load_error,
    )
    return await health_response(
        request=request,
        service="device-intelligence",
        version=__version__,
        engine=engine,
        data_dir=settings.data_dir,
        models_dir=settings.models_dir,
        served=served,
        storage=lambda: _storage(settings, session),
    )
