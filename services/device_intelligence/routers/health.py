"""`GET /health`: real checks of the database, the folders and the loaded production models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.engine import make_url

from device_intelligence import __version__, repository
from device_intelligence.dependencies import (
    EngineDep,
    ModelsLoadingDep,
    ServedHolderDep,
    SessionDep,
    SettingsDep,
)
from device_intelligence.settings import DeviceIntelligenceSettings
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


@router.get("/health")
async def health(
    settings: SettingsDep,
    engine: EngineDep,
    holder: ServedHolderDep,
    loading: ModelsLoadingDep,
    session: SessionDep,
) -> JSONResponse:
    """503 `unhealthy` when the database or a folder fails; 200 `degraded` when no model is loaded yet.

    `models_loaded.loading` is true while the production models still load after start-up (requests
    that need them wait for it).
    """
    models = holder.models
    checks: dict[str, Any] = {
        "database": await check_database(engine),
        "data_dir": check_folder(settings.data_dir),
        "models_dir": check_folder(settings.models_dir),
        "models_loaded": {
            "ok": models is not None,
            "loading": loading,
            "failure_model_version": models.version if models else None,
            "anomaly_model_version": models.anomaly_version if models else None,
            "error": holder.load_error,
        },
    }
    infra_ok = all(checks[k]["ok"] for k in ("database", "data_dir", "models_dir"))
    status = "unhealthy" if not infra_ok else ("healthy" if models is not None else "degraded")
    body = {
        "service": "device-intelligence",
        "version": __version__,
        "status": status,
        "checks": checks,
        "storage": await _storage(settings, session) if checks["database"]["ok"] else None,
    }
    return JSONResponse(body, status_code=200 if infra_ok else 503)
