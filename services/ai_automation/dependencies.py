"""FastAPI dependencies of ai-automation, as `Annotated` aliases the routers use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ai_automation.home_type.model import HomeTypeModel
from ai_automation.settings import AiAutomationSettings, get_settings
from ai_automation.synergies.cache import SynergyCache
from ai_automation.synergies.served import ServedSynergyModel
from homeiq_shared.app_state import (
    ApiKeyDep,
    EngineDep,
    LocksDep,
    ModelsLoadingDep,
    NightlyDep,
    SessionDep,
    models_ready,
)
from homeiq_shared.model_registry import ModelRegistry

__all__ = [
    "ApiKeyDep",
    "EngineDep",
    "HomeTypeModelsDep",
    "LocksDep",
    "ModelsLoadingDep",
    "NightlyDep",
    "RegistryDep",
    "ServedModelsDep",
    "SessionDep",
    "SettingsDep",
    "SynergyCacheDep",
    "SynergyModelDep",
]

SettingsDep = Annotated[AiAutomationSettings, Depends(get_settings)]


def _registry(request: Request) -> ModelRegistry:
    registry: ModelRegistry = request.app.state.model_registry
    return registry


def _served_models(request: Request) -> dict[str, HomeTypeModel]:
    models: dict[str, HomeTypeModel] = request.app.state.home_type_models
    return models


async def _home_type_models(request: Request) -> dict[str, HomeTypeModel]:
    await models_ready(request.app)
    return _served_models(request)


RegistryDep = Annotated[ModelRegistry, Depends(_registry)]
HomeTypeModelsDep = Annotated[dict[str, HomeTypeModel], Depends(_home_type_models)]
"""The production model of each task, once the start-up load is over (awaited)."""
ServedModelsDep = Annotated[dict[str, HomeTypeModel], Depends(_served_models)]
"""The models served right now, without waiting (empty while the start-up load runs)."""


async def _synergy_model(request: Request) -> ServedSynergyModel:
    await models_ready(request.app)
    served: ServedSynergyModel = request.app.state.synergy_model
    return served


SynergyModelDep = Annotated[ServedSynergyModel, Depends(_synergy_model)]
"""The synergy ranker served now (the registry's production version, else the shipped model)."""


def _synergy_cache(request: Request) -> SynergyCache:
    cache: SynergyCache = request.app.state.synergy_cache
    return cache


SynergyCacheDep = Annotated[SynergyCache, Depends(_synergy_cache)]
"""What detect reuses between requests of this process (`synergies/cache.py`)."""
