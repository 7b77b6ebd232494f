"""FastAPI dependencies on what both services' lifespans put in `app.state`, as `Annotated` aliases.

Both lifespans fill `app.state` the same way (see `homeiq_shared.service_app`): `settings` (a
`ServiceSettings`, for `api_key`), `engine`, `sessionmaker`, `locks`, `nightly` and `model_loading`.
Each service's `dependencies.py` re-exports these aliases next to its own; `homeiq_shared.ha_api`
uses them too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from homeiq_shared.model_lock import ModelLocks
from homeiq_shared.nightly import NightlyHandle
from homeiq_shared.security import API_KEY_HEADER, verify_api_key
from homeiq_shared.settings import ServiceSettings


def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


def _locks(request: Request) -> ModelLocks:
    locks: ModelLocks = request.app.state.locks
    return locks


def _nightly(request: Request) -> NightlyHandle:
    nightly: NightlyHandle = request.app.state.nightly
    return nightly


async def models_ready(app: FastAPI) -> None:
    """Wait until the start-up load of the production models is over (at once when it is)."""
    loading: asyncio.Task[None] | None = getattr(app.state, "model_loading", None)
    if loading is not None and not loading.done():
        await asyncio.shield(loading)  # a cancelled request must not cancel the load


def _models_loading(request: Request) -> bool:
    loading: asyncio.Task[None] | None = request.app.state.model_loading
    return loading is not None and not loading.done()


# The key's two forms as OpenAPI security schemes: the docs' Authorize button and `security` on each
# protected route. `auto_error=False`: `verify_api_key` decides, and only when a key is configured.
_KEY_HEADER = APIKeyHeader(
    name=API_KEY_HEADER,
    scheme_name="ApiKey",
    description="The service's API key (needed only when one is configured)",
    auto_error=False,
)
_BEARER = HTTPBearer(scheme_name="Bearer", description="The same API key as a Bearer token", auto_error=False)


def require_api_key(
    request: Request,
    _header: Annotated[str | None, Security(_KEY_HEADER)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
) -> None:
    """The dependency behind `ApiKeyDep` (the request guard also checks its routes before the body is read)."""
    settings: ServiceSettings = request.app.state.settings
    verify_api_key(request, settings.api_key.get_secret_value() if settings.api_key else None)


EngineDep = Annotated[AsyncEngine, Depends(_engine)]
SessionDep = Annotated[AsyncSession, Depends(_session)]
LocksDep = Annotated[ModelLocks, Depends(_locks)]
NightlyDep = Annotated[NightlyHandle, Depends(_nightly)]
ApiKeyDep = Annotated[None, Depends(require_api_key)]
ModelsLoadingDep = Annotated[bool, Depends(_models_loading)]
"""True while the start-up load of the production models is still running."""
