"""Explicit promotion and rollback of registry versions (APIs and models.py), and one version's details.

The policy: a version whose recorded quality gates failed is promoted only with `force`, and every
switch records who made it (`actor`) and why (`reason`) in the alias history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from homeiq_shared.contracts.model_info import ModelInfo
from homeiq_shared.contracts.versions import VersionList, VersionSummary, artifact_list
from homeiq_shared.errors import ConflictError
from homeiq_shared.model_registry import ModelRegistry, gates_passed

LONG_LIST = 20
"""Lists longer than this are summarised in a version's details (home keys, PR curves)."""


def gates_verdict(metadata: Mapping[str, Any]) -> str | None:
    """ "PASSED" or "FAILED" from a version's recorded quality gates, None when none were recorded."""
    passed = gates_passed(metadata)
    return None if passed is None else ("PASSED" if passed else "FAILED")


def _record(
    registry: ModelRegistry, model_name: str, version: str, action: str, entry: Mapping[str, Any] | None
) -> dict[str, Any]:
    """One alias switch as the APIs answer it (`entry` None: the version already was production)."""
    if entry is None:
        entry = {"previous": registry.aliases(model_name).get("previous"), "reason": "already production"}
    return {
        "model": model_name,
        "version": version,
        "previous": entry["previous"],
        "action": action,
        "changed": "action" in entry,
        "forced": bool(entry.get("forced", False)),
        "actor": str(entry.get("actor", "unknown")),
        "reason": str(entry["reason"]),
        "gates_verdict": gates_verdict(registry.metadata(model_name, version)),
        "paired": [],
    }


def promote_explicitly(
    registry: ModelRegistry,
    model_name: str,
    version: str,
    *,
    force: bool = False,
    reason: str | None = None,
    actor: str = "unknown",
    paired: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Make `version` production; `ConflictError` (409) when its gates failed and `force` is false.

    `forced` is recorded true when `force` overrode failed gates. `paired` names (model, version) pairs
    trained together with this one: the set switches in one atomic write (same actor) and the companions'
    switches are listed under `paired`. NotFoundError (404) for an unknown version.
    """
    target = registry.get(model_name, version)
    for name, other in paired:
        registry.get(name, other)  # every version exists before anything switches
    passed = target.gates_passed
    if passed is False and not force and registry.aliases(model_name).get("production") != version:
        raise ConflictError(
            f"{model_name} {version} failed its quality gates, so it is not promoted; "
            "promote it with force (API force=true, models.py --force) to override, which is recorded",
            model=model_name,
            version=version,
            gates_verdict="FAILED",
        )
    forced = passed is False and force
    why = reason or (
        "explicit promotion, overriding failed quality gates" if forced else "explicit promotion"
    )
    # One write switches the whole set: a crash serves the old set or the new one, never a mix.
    entry = registry.promote(
        model_name, version, why, actor=actor, forced=forced, paired=dict(paired) or None
    )
    switched = _record(registry, model_name, version, "promote", entry)
    switched["paired"] = _paired_records(registry, model_name, version, "promote", entry, paired)
    return switched


def _paired_records(
    registry: ModelRegistry,
    model_name: str,
    version: str,
    action: str,
    entry: Mapping[str, Any] | None,
    paired: Sequence[tuple[str, str]],
) -> list[dict[str, Any]]:
    """The companions' switches of a set switch (`entry` None: the set already served)."""
    records = []
    for name, other in paired:
        history = registry.aliases(name).get("history", [])
        own = history[-1] if entry is not None and history and history[-1].get("version") == other else None
        if own is not None and entry is not None and own.get("promoted_at") != entry.get("promoted_at"):
            own = None  # that switch is older than this one: nothing changed now
        records.append(_record(registry, name, other, action, own))
    return records


def rollback_explicitly(
    registry: ModelRegistry,
    model_name: str,
    *,
    version: str | None = None,
    reason: str | None = None,
    actor: str = "unknown",
    paired: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Serve `version` (default: the previous production version) again, recording who and why.

    A model set rolls back whole: the companions recorded with the target (or `paired`, for a target
    switched before sets were recorded) switch in the same write and are listed under `paired`.
    NotFoundError (404) when there is no previous version or `version` is not kept; `changed` is false
    when the target already is production.
    """
    target = version or registry.aliases(model_name).get("previous")
    if target is not None and registry.aliases(model_name).get("production") == target:
        registry.get(model_name, target)
        return _record(registry, model_name, target, "rollback", None)
    found = registry.rollback(
        model_name, reason or "explicit rollback", actor=actor, version=version, paired=dict(paired) or None
    )
    entry = registry.aliases(model_name)["history"][-1]
    switched = _record(registry, model_name, found.version, "rollback", entry)
    companions = [(name, other) for name, other in dict(entry.get("paired") or {}).items()]
    switched["paired"] = _paired_records(registry, model_name, found.version, "rollback", entry, companions)
    return switched


def _summarised(value: Any) -> Any:
    """`value` with every list longer than `LONG_LIST` replaced by its length (readable details)."""
    if isinstance(value, Mapping):
        return {key: _summarised(item) for key, item in value.items()}
    if isinstance(value, list):
        if len(value) > LONG_LIST:
            return f"[{len(value)} items]"
        return [_summarised(item) for item in value]
    return value


def version_detail(registry: ModelRegistry, model_name: str, version: str) -> dict[str, Any]:
    """One version: its metadata (long lists summarised), gates, and the alias switches that named it."""
    found = registry.get(model_name, version)
    aliases = registry.aliases(model_name)
    training = found.metadata.get("training_data")
    fingerprint = training.get("fingerprint") if isinstance(training, Mapping) else None
    return {
        "model": model_name,
        "version": version,
        "created_at": found.created_at,
        "trigger": found.metadata.get("trigger"),
        "is_production": aliases.get("production") == version,
        "is_previous": aliases.get("previous") == version,
        "gates_verdict": gates_verdict(found.metadata),
        "artifacts": artifact_list(found.metadata),
        "training_data_fingerprint": fingerprint,
        "feature_schema_version": found.metadata.get("feature_schema_version"),
        "library_versions": found.metadata.get("library_versions"),
        "switches": [dict(h) for h in aliases.get("history", []) if h.get("version") == version],
        "metadata": _summarised(found.metadata),
    }


Headline = Callable[[Mapping[str, Any]], dict[str, Any]]
"""A model's headline metric(s) from its metadata (each service names its own)."""


def version_list(registry: ModelRegistry, model_name: str, headline: Headline) -> VersionList:
    """Every kept version of `model_name`, oldest first, with its headline metrics and aliases."""
    aliases = registry.aliases(model_name)
    production, previous = aliases.get("production"), aliases.get("previous")
    return VersionList(
        model=model_name,
        production=production,
        previous=previous,
        versions=[
            VersionSummary(
                version=v.version,
                created_at=v.created_at,
                trigger=v.metadata.get("trigger"),
                is_production=v.version == production,
                is_previous=v.version == previous,
                gates_verdict=gates_verdict(v.metadata),
                split_method=v.metadata.get("split_method"),
                headline=headline(v.metadata),
            )
            for v in registry.versions(model_name)
        ],
    )


def model_info(
    model_name: str,
    version: str | None,
    metadata: Mapping[str, Any] | None,
    *,
    class_names: list[str] | None = None,
) -> ModelInfo:
    """The `model_info` of `GET <prefix>/model-info` for a served version (`version` None: nothing served)."""
    if version is None or metadata is None:
        return ModelInfo(is_loaded=False, model_name=model_name)
    training = metadata.get("training_data") or {}
    return ModelInfo(
        is_loaded=True,
        model_name=model_name,
        model_version=version,
        training_date=metadata.get("created_at"),
        trigger=metadata.get("trigger"),
        class_names=class_names,
        feature_names=metadata.get("feature_names"),
        feature_schema_version=metadata.get("feature_schema_version"),
        split_method=metadata.get("split_method"),
        hyperparameters=metadata.get("hyperparameters"),
        training_data={
            k: v for k, v in training.items() if not k.endswith("home_keys") and k != "feature_reference"
        },
        metrics=metadata.get("metrics"),
        gates_verdict=gates_verdict(metadata),
        artifacts=artifact_list(dict(metadata)),
        library_versions=metadata.get("library_versions"),
    )
