"""`/api/predictions/models/...`: list registry versions, promote one, roll back (the served models reload)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter

from device_intelligence.app_state import load_models_into
from device_intelligence.dependencies import ApiKeyDep, HolderDep, LocksDep, RegistryDep
from device_intelligence.nightly_training import TRAIN_LOCK
from homeiq_shared.errors import NotFoundError

router = APIRouter(prefix="/api/predictions/models", tags=["models"])

ModelName = Literal["failure_prediction", "anomaly_detection"]


@router.get("/versions")
async def list_versions(registry: RegistryDep, model: ModelName = "failure_prediction") -> dict[str, Any]:
    """Every kept version of `model`, oldest first, with its headline metrics and which one is served."""
    production = registry.production(model)
    previous = registry.previous(model)
    return {
        "model": model,
        "production": production.version if production else None,
        "previous": previous.version if previous else None,
        "versions": [
            {
                "version": v.version,
                "created_at": v.metadata.get("created_at"),
                "trigger": v.metadata.get("trigger"),
                "pr_auc": v.metadata.get("pr_auc"),
                "gates": (v.metadata.get("gates") or {}).get("verdict")
                if isinstance(v.metadata.get("gates"), dict)
                else v.metadata.get("gates"),
            }
            for v in registry.versions(model)
        ],
    }


async def _switch(holder: HolderDep, registry: RegistryDep, model: str) -> dict[str, Any]:
    await asyncio.to_thread(load_models_into, holder, registry)
    served = registry.production(model)
    return {"model": model, "production": served.version if served else None, "load_error": holder.load_error}


@router.post("/{version}/promote")
async def promote(
    version: str,
    registry: RegistryDep,
    holder: HolderDep,
    locks: LocksDep,
    _: ApiKeyDep,
    model: ModelName = "failure_prediction",
) -> dict[str, Any]:
    """Make `version` the production `model` (recorded as a manual promotion); 409 while training runs."""
    with locks.hold(TRAIN_LOCK):
        registry.get(model, version)  # NotFoundError for an unknown version
        registry.promote(model, version, reason="manual promotion via the API")
        return await _switch(holder, registry, model)


@router.post("/rollback")
async def rollback(
    registry: RegistryDep,
    holder: HolderDep,
    locks: LocksDep,
    _: ApiKeyDep,
    model: ModelName = "failure_prediction",
) -> dict[str, Any]:
    """Serve the previous production version of `model` again; 404 when there is none."""
    with locks.hold(TRAIN_LOCK):
        if registry.previous(model) is None:
            raise NotFoundError(f"{model} has no previous production version to roll back to")
        registry.rollback(model, reason="rollback via the API")
        return await _switch(holder, registry, model)
