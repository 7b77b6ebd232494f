"""`GET /health`: real checks of the database and the data and models folders."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ai_automation import __version__
from ai_automation.dependencies import EngineDep, SettingsDep
from homeiq_shared.storage import check_database, check_folder

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(settings: SettingsDep, engine: EngineDep) -> JSONResponse:
    """Report `healthy` (200) only when every check passes, else `unhealthy` (503)."""
    checks: dict[str, Any] = {
        "database": await check_database(engine),
        "data_dir": check_folder(settings.data_dir),
        "models_dir": check_folder(settings.models_dir),
    }
    ok = all(c["ok"] for c in checks.values())
    body = {
        "service": "ai-automation",
        "version": __version__,
        "status": "healthy" if ok else "unhealthy",
        "checks": checks,
    }
    return JSONResponse(body, status_code=200 if ok else 503)
