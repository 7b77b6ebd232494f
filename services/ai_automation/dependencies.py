"""FastAPI dependencies of ai-automation, as `Annotated` aliases the routers use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ai_automation.home_type_classifier import HomeTypeModel
from ai_automation.nightly_training import NightlyHandle
from ai_automation.settings import AiAutomationSettings, get_settings
from homeiq_shared.model_lock import ModelLocks
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.security import verify_api_key

SettingsDep = Annotated[AiAutomationSettings, Depends(get_settings)]


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
    registry: ModelRegistry = request.app.state.model_registry
    return registry


def _home_type_models(request: Request) -> dict[str, HomeTypeModel]:
    models: dict[str, HomeTypeModel] = request.app.state.home_type_models
    return models


def _nightly(request: Request) -> NightlyHandle:
    nightly: NightlyHandle = request.app.state.nightly
    return nightly


def _require_api_key(request: Request, settings: SettingsDep) -> None:
    expected = settings.api_key.get_secret_value() if settings.api_key else None
    verify_api_key(request, expected)


EngineDep = Annotated[AsyncEngine, Depends(_engine)]
SessionDep = Annotated[AsyncSession, Depends(_session)]
LocksDep = Annotated[ModelLocks, Depends(_locks)]
ApiKeyDep = Annotated[None, Depends(_require_api_key)]
RegistryDep = Annotated[ModelRegistry, Depends(_registry)]
HomeTypeModelsDep = Annotated[dict[str, HomeTypeModel], Depends(_home_type_models)]
NightlyDep = Annotated[NightlyHandle, Depends(_nightly)]
