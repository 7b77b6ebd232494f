"""FastAPI dependencies of device-intelligence, as `Annotated` aliases the routers use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from device_intelligence.app_state import ModelHolder
from device_intelligence.serving import ServingModels
from device_intelligence.settings import DeviceIntelligenceSettings, get_settings
from homeiq_shared.app_state import (
    ApiKeyDep,
    EngineDep,
    LocksDep,
    ModelsLoadingDep,
    NightlyDep,
    SessionDep,
    models_ready,
)
from homeiq_shared.errors import NoModelError
from homeiq_shared.model_registry import ModelRegistry

__all__ = [
    "ApiKeyDep",
    "EngineDep",
    "HolderDep",
    "LocksDep",
    "ModelsLoadingDep",
    "NightlyDep",
    "RegistryDep",
    "ServedHolderDep",
    "ServingDep",
    "SessionDep",
    "SettingsDep",
]

SettingsDep = Annotated[DeviceIntelligenceSettings, Depends(get_settings)]


def _registry(request: Request) -> ModelRegistry:
    registry: ModelRegistry = request.app.state.registry
    return registry


def _served_holder(request: Request) -> ModelHolder:
    holder: ModelHolder = request.app.state.models
    return holder


async def _holder(request: Request) -> ModelHolder:
    await models_ready(request.app)
    return _served_holder(request)


def _serving(holder: Annotated[ModelHolder, Depends(_holder)]) -> ServingModels:
    if holder.models is None:
        reason = f" ({holder.load_error})" if holder.load_error else ""
        raise NoModelError(
            f"no production model is loaded{reason}: train one with POST /api/predictions/train "
            "or scripts/train_models.py"
        )
    return holder.models


RegistryDep = Annotated[ModelRegistry, Depends(_registry)]
HolderDep = Annotated[ModelHolder, Depends(_holder)]
"""The served models, once the start-up load is over (awaited)."""
ServedHolderDep = Annotated[ModelHolder, Depends(_served_holder)]
"""The served models right now, without waiting (none while the start-up load runs)."""
ServingDep = Annotated[ServingModels, Depends(_serving)]
