"""`/api/predictions/models/...`: list and show versions, compare two, promote one, roll back (served models reload)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Body

from device_intelligence.app_state import load_models_into
from device_intelligence.dependencies import ApiKeyDep, HolderDep, LocksDep, RegistryDep
from device_intelligence.nightly_training import TRAIN_LOCK
from device_intelligence.version_promotion import promote_version
from homeiq_shared.contracts.versions import (
    CompareRequest,
    ComparisonResponse,
    PromoteRequest,
    RollbackRequest,
    VersionDetail,
    VersionSwitchResponse,
)
from homeiq_shared.version_control import rollback_explicitly, version_detail

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


class FailureCompareRequest(CompareRequest):
    """Body of `POST /api/predictions/models/compare` (failure models: anomaly versions follow their pair)."""

    model: Literal["failure_prediction"] = "failure_prediction"


async def _served(holder: HolderDep, registry: RegistryDep, switched: dict[str, Any]) -> dict[str, Any]:
    """Reload the served models after a switch; the answer names what production is now."""
    await asyncio.to_thread(load_models_into, holder, registry)
    served = registry.production(switched["model"])
    return switched | {"production": served.version if served else None, "load_error": holder.load_error}


@router.get("/versions/{version}", response_model=VersionDetail)
async def version_info(
    version: str, registry: RegistryDep, model: ModelName = "failure_prediction"
) -> dict[str, Any]:
    """One registered version: metadata, gates, and the promotions and rollbacks that named it."""
    return await asyncio.to_thread(version_detail, registry, model, version)


@router.post("/compare", response_model=ComparisonResponse)
async def compare(body: FailureCompareRequest, registry: RegistryDep) -> dict[str, Any]:
    """Score failure versions `a` and `b` on `b`'s held-out test rows, rebuilt from its recorded seeded data
    (409 when `b` was trained on stored telemetry, which cannot be rebuilt)."""
    # Scoring needs LightGBM and scikit-learn: imported when a comparison is asked for, not at start-up.
    from device_intelligence.version_comparison import compare_failure_versions

    return await asyncio.to_thread(compare_failure_versions, registry, body.a, body.b)


@router.post("/{version}/promote", response_model=VersionSwitchResponse)
async def promote(
    version: str,
    registry: RegistryDep,
    holder: HolderDep,
    locks: LocksDep,
    _: ApiKeyDep,
    model: ModelName = "failure_prediction",
    body: PromoteRequest | None = Body(None),  # noqa: B008
) -> dict[str, Any]:
    """Make `version` the production `model`; a failure version brings the anomaly version trained with it.

    409 when its quality gates failed, unless `force` is true (recorded as forced, with actor and reason);
    409 while training runs.
    """
    body = body or PromoteRequest()
    with locks.hold(TRAIN_LOCK):
        switched = await asyncio.to_thread(
            promote_version, registry, model, version, force=body.force, reason=body.reason, actor=body.actor
        )
        return await _served(holder, registry, switched)


@router.post("/rollback", response_model=VersionSwitchResponse)
async def rollback(
    registry: RegistryDep,
    holder: HolderDep,
    locks: LocksDep,
    _: ApiKeyDep,
    model: ModelName = "failure_prediction",
    body: RollbackRequest | None = Body(None),  # noqa: B008
) -> dict[str, Any]:
    """Serve the previous production version of `model` again; 404 when there is none."""
    body = body or RollbackRequest()
    with locks.hold(TRAIN_LOCK):
        switched = await asyncio.to_thread(
            rollback_explicitly, registry, model, reason=body.reason, actor=body.actor
        )
        return await _served(holder, registry, switched)
