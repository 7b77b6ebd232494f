"""FastAPI dependencies of device-intelligence, as `Annotated` aliases the routers use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from device_intelligence.app_state import ModelHolder, NightlyHandle
from device_intelligence.serving import ServingModels
from device_intelligence.settings import DeviceIntelligenceSettings, get_settings
from homeiq_shared.errors import ServiceUnavailableError
from homeiq_shared.model_lock import ModelLocks
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.security import verify_api_key

SettingsDep = Annotated[DeviceIntelligenceSettings, Depends(get_settings)]


def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


def _locks(request: Request) -> ModelLocks:
    locks: ModelLocks = request.app.state.locks
    return locks


def _registry(request: Request) -> ModelRegistry:
    registry: ModelRegistry = request.app.state.registry
    return registry


def _holder(request: Request) -> ModelHolder:
    holder: ModelHolder = request.app.state.models
    return holder


def _nightly(request: Request) -> NightlyHandle:
    nightly: NightlyHandle = request.app.state.nightly
    return nightly


def _serving(holder: Annotated[ModelHolder, Depends(_holder)]) -> ServingModels:
    if holder.models is None:
        reason = f" ({holder.load_error})" if holder.load_error else ""
        raise ServiceUnavailableError(
            f"no production model is loaded{reason}: train one with POST /api/predictions/train "
            "or scripts/train_models.py"
        )
    return holder.models


def _require_api_key(request: Request, settings: SettingsDep) -> None:
    expected = settings.api_key.get_secret_value() if settings.api_key else None
    verify_api_key(request, expected)


EngineDep = Annotated[AsyncEngine, Depends(_engine)]
SessionDep = Annotated[AsyncSession, Depends(_session)]
LocksDep = Annotated[ModelLocks, Depends(_locks)]
RegistryDep = Annotated[ModelRegistry, Depends(_registry)]
HolderDep = Annotated[ModelHolder, Depends(_holder)]
NightlyDep = Annotated[NightlyHandle, Depends(_nightly)]
ServingDep = Annotated[ServingModels, Depends(_serving)]
ApiKeyDep = Annotated[None, Depends(_require_api_key)]
