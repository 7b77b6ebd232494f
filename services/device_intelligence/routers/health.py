"""`GET /health`: real checks of the database, the folders and the loaded production models."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from device_intelligence.dependencies import EngineDep, HolderDep, SettingsDep
from homeiq_shared.storage import check_database, check_folder

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(settings: SettingsDep, engine: EngineDep, holder: HolderDep) -> JSONResponse:
    """503 `unhealthy` when the database or a folder fails; 200 `degraded` when no model is loaded yet."""
    models = holder.models
    checks: dict[str, Any] = {
        "database": await check_database(engine),
        "data_dir": check_folder(settings.data_dir),
        "models_dir": check_folder(settings.models_dir),
        "models_loaded": {
            "ok": models is not None,
            "failure_model_version": models.version if models else None,
            "anomaly_model_version": models.anomaly_version if models else None,
            "error": holder.load_error,
        },
    }
    infra_ok = all(checks[k]["ok"] for k in ("database", "data_dir", "models_dir"))
    status = "unhealthy" if not infra_ok else ("healthy" if models is not None else "degraded")
    body = {"service": "device-intelligence", "status": status, "checks": checks}
    return JSONResponse(body, status_code=200 if infra_ok else 503)
