"""Explicit promotion of a device-intelligence version; a failure model brings the anomaly model trained with it."""

from __future__ import annotations

from typing import Any

from device_intelligence.anomaly import model as anomaly_model
from device_intelligence.failure import model as failure_model
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.version_control import promote_explicitly, rollback_explicitly


def paired_anomaly_version(registry: ModelRegistry, failure_version: str) -> str | None:
    """The kept anomaly version registered with `failure_version` (metadata `paired_failure_version`)."""
    for v in reversed(registry.versions(anomaly_model.MODEL_NAME)):
        if v.metadata.get("paired_failure_version") == failure_version:
            return v.version
    return None


def promote_version(
    registry: ModelRegistry, model: str, version: str, *, force: bool, reason: str | None, actor: str
) -> dict[str, Any]:
    """Promote `version` of `model` (gates checked, who and why recorded); for `failure_prediction` also
    its paired anomaly version when it is still kept (otherwise the anomaly production stays)."""
    registry.get(model, version)  # an unknown version is a 404 before anything else is looked up
    paired: list[tuple[str, str]] = []
    if model == failure_model.MODEL_NAME:
        other = paired_anomaly_version(registry, version)
        if other is not None:
            paired.append((anomaly_model.MODEL_NAME, other))
    return promote_explicitly(
        registry, model, version, force=force, reason=reason, actor=actor, paired=paired
    )


def rollback_version(
    registry: ModelRegistry, model: str, *, version: str | None, reason: str | None, actor: str
) -> dict[str, Any]:
    """Serve `version` (default: the previous one) of `model` again; a failure version takes its anomaly
    pair along (the one recorded with it, else the kept anomaly version trained with it)."""
    paired: list[tuple[str, str]] = []
    target = version or registry.aliases(model).get("previous")
    if model == failure_model.MODEL_NAME and target is not None:
        other = paired_anomaly_version(registry, target)  # used when no pair was recorded with the target
        if other is not None:
            paired.append((anomaly_model.MODEL_NAME, other))
    return rollback_explicitly(registry, model, version=version, reason=reason, actor=actor, paired=paired)
