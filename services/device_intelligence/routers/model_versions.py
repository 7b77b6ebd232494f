"""`/api/predictions/models/...`: list and show versions, compare two, promote one, roll back (served models reload)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Literal

from fastapi import APIRouter, Body

from device_intelligence.app_state import load_models_into
from device_intelligence.dependencies import ApiKeyDep, HolderDep, LocksDep, RegistryDep
from device_intelligence.nightly_training import TRAIN_LOCK, headline
from device_intelligence.version_promotion import promote_version, rollback_version
from homeiq_shared.contracts.devices import ModelName
from homeiq_shared.contracts.problems import problem_responses
from homeiq_shared.contracts.versions import (
    CompareRequest,
    ComparisonResponse,
    PromoteRequest,
    RollbackRequest,
    VersionDetail,
    VersionList,
    VersionSwitchResponse,
)
from homeiq_shared.path_params import VersionParam
from homeiq_shared.version_control import version_detail, version_list

router = APIRouter(prefix="/api/predictions/models", tags=["models"])


def _headline(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """A version's headline metrics: the failure model's held-out test figures; the anomaly model's PR-AUC,
    precision and recall on device health and on sensor streams (all faults)."""
    metrics = metadata.get("metrics") or {}
    if "device_health" not in metrics:
        return headline(metrics) or {}
    blocks = {
        "device_health": metrics.get("device_health") or {},
        "sensor_stream": (metrics.get("sensor_stream") or {}).get("overall") or {},
    }
    return {
        f"{block}_{k}": figures.get(k)
        for block, figures in blocks.items()
        for k in ("pr_auc", "precision", "recall")
    }


async def _list(registry: RegistryDep, model: ModelName) -> VersionList:
    return await asyncio.to_thread(version_list, registry, model, _headline)


@router.get("", response_model=VersionList)
async def list_models(registry: RegistryDep, model: ModelName = "failure_prediction") -> VersionList:
    """Every kept version of `model`, oldest first, with its headline metrics and which one is served."""
    return await _list(registry, model)


@router.get("/versions", response_model=VersionList, summary="List versions (alias of GET /models)")
async def list_versions(registry: RegistryDep, model: ModelName = "failure_prediction") -> VersionList:
    """Alias of `GET /api/predictions/models` (the same answer)."""
    return await _list(registry, model)


class FailureCompareRequest(CompareRequest):
    """Body of `POST /api/predictions/models/compare` (failure models: anomaly versions follow their pair)."""

    model: Literal["failure_prediction"] = "failure_prediction"


async def _served(holder: HolderDep, registry: RegistryDep, switched: dict[str, Any]) -> dict[str, Any]:
    """Reload the served models after a switch; the answer names what production is now."""
    await asyncio.to_thread(load_models_into, holder, registry)
    served = registry.production(switched["model"])
    return switched | {"production": served.version if served else None, "load_error": holder.load_error}


@router.post("/compare", response_model=ComparisonResponse, responses=problem_responses(404, 409))
async def compare(body: FailureCompareRequest, registry: RegistryDep) -> dict[str, Any]:
    """Score failure versions `a` and `b` on `b`'s held-out test rows, rebuilt from its recorded seeded data
    (409 when `b` was trained on stored telemetry, which cannot be rebuilt)."""
    # Scoring needs LightGBM and scikit-learn: imported when a comparison is asked for, not at start-up.
    from device_intelligence.version_comparison import compare_failure_versions

    return await asyncio.to_thread(compare_failure_versions, registry, body.a, body.b)


@router.post(
    "/{version}/promote", response_model=VersionSwitchResponse, responses=problem_responses(401, 404, 409)
)
async def promote(
    version: VersionParam,
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


@router.post("/rollback", response_model=VersionSwitchResponse, responses=problem_responses(401, 404, 409))
async def rollback(
    registry: RegistryDep,
    holder: HolderDep,
    locks: LocksDep,
    _: ApiKeyDep,
    model: ModelName = "failure_prediction",
    body: RollbackRequest | None = Body(None),  # noqa: B008
) -> dict[str, Any]:
    """Serve `version` (default: the previous production version) of `model` again, recording who and why;
    404 when there is no such version."""
    body = body or RollbackRequest()
    with locks.hold(TRAIN_LOCK):
        switched = await asyncio.to_thread(
            rollback_version, registry, model, version=body.version, reason=body.reason, actor=body.actor
        )
        return await _served(holder, registry, switched)


async def _detail(registry: RegistryDep, model: ModelName, version: str) -> dict[str, Any]:
    return await asyncio.to_thread(version_detail, registry, model, version)


@router.get(
    "/versions/{version}",
    response_model=VersionDetail,
    responses=problem_responses(404),
    summary="Show a version (alias of GET /models/{version})",
)
async def version_info(
    version: VersionParam, registry: RegistryDep, model: ModelName = "failure_prediction"
) -> dict[str, Any]:
    """Alias of `GET /api/predictions/models/{version}` (the same answer)."""
    return await _detail(registry, model, version)


@router.get("/{version}", response_model=VersionDetail, responses=problem_responses(404))
async def show_version(
    version: VersionParam, registry: RegistryDep, model: ModelName = "failure_prediction"
) -> dict[str, Any]:
    """One registered version: metadata, gates, artifacts with sha256, and the switches that named it.

    Registered after every static path (`/models/status`, `/models/version`, `/models/versions`).
    """
    return await _detail(registry, model, version)
