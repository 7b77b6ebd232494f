"""Explicit promotion and rollback of registry versions (APIs and models.py), and one version's details.

The policy: a version whose recorded quality gates failed is promoted only with `force`, and every
switch records who made it (`actor`) and why (`reason`) in the alias history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
    switched right after with the same actor (a model trained together with this one); their switches
    are listed under `paired`. NotFoundError (404) for an unknown version.
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
    entry = registry.promote(model_name, version, why, actor=actor, forced=forced)
    switched = _record(registry, model_name, version, "promote", entry)
    for name, other in paired:
        other_why = f"paired with {model_name} {version}: {why}"
        other_entry = registry.promote(name, other, other_why, actor=actor, forced=forced)
        switched["paired"].append(_record(registry, name, other, "promote", other_entry))
    return switched


def rollback_explicitly(
    registry: ModelRegistry, model_name: str, *, reason: str | None = None, actor: str = "unknown"
) -> dict[str, Any]:
    """Serve the previous production version again (NotFoundError, 404, when there is none)."""
    target = registry.rollback(model_name, reason or "explicit rollback", actor=actor)
    return _record(
        registry, model_name, target.version, "rollback", registry.aliases(model_name)["history"][-1]
    )


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
    return {
        "model": model_name,
        "version": version,
        "created_at": found.created_at,
        "trigger": found.metadata.get("trigger"),
        "is_production": aliases.get("production") == version,
        "is_previous": aliases.get("previous") == version,
        "gates_verdict": gates_verdict(found.metadata),
        "switches": [dict(h) for h in aliases.get("history", []) if h.get("version") == version],
        "metadata": _summarised(found.metadata),
    }
