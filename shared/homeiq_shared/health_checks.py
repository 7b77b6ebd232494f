"""`GET /health` for both services: the same checks, the same status rule, the same answer (`contracts.health`).

A service passes what only it knows: the models it serves and the storage figures it counts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from homeiq_shared.contracts.health import Check, Health, ServedModels, health_status
from homeiq_shared.request_guard import configured_key, display_path, security_status
from homeiq_shared.security import has_valid_key
from homeiq_shared.settings import ServiceSettings
from homeiq_shared.storage import check_database, check_folder

HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {503: {"model": Health, "description": "A check failed"}}


def database_bytes(database_url: str) -> int | None:
    """Size of an SQLite database file with its write-ahead log (None for a server database)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


async def health_response(
    *,
    request: Request,
    service: str,
    version: str,
    engine: AsyncEngine,
    data_dir: Path,
    models_dir: Path,
    served: ServedModels,
    storage: Callable[[], Awaitable[dict[str, Any]]],
) -> JSONResponse:
    """Run the checks and answer `Health`: 503 when a check fails, else 200 (`healthy` or `degraded`).

    Folder checks show their absolute `path` only to a caller with the API key; others see it
    relative to the data folder (or just its name).
    """
    settings: ServiceSettings = request.app.state.settings
    key = configured_key(settings)
    folders = {"data_dir": check_folder(data_dir), "models_dir": check_folder(models_dir)}
    if not has_valid_key(request, key):
        for figures in folders.values():
            shown = display_path(figures["path"], data_dir)
            if figures.get("error"):  # an OSError names the folder too
                figures["error"] = str(figures["error"]).replace(str(Path(figures["path"]).resolve()), shown)
                figures["error"] = figures["error"].replace(figures["path"], shown)
            figures["path"] = shown
    checks = {"database": Check(**await check_database(engine))}
    checks.update({name: Check(**figures) for name, figures in folders.items()})
    body = Health(
        service=service,
        version=version,
        status=health_status(checks, served),
        checks=checks,
        models=served,
        storage=await storage() if checks["database"].ok else None,
        security=security_status(settings),
        ha_link=link.status() if (link := getattr(request.app.state, "ha_live", None)) is not None else None,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if body.status == "unhealthy" else 200)
