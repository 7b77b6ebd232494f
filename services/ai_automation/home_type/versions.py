"""Home-type model versions: explicit promotion and rollback (after a load check), and comparing two versions."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ai_automation.home_type.dataset import build_feature_table
from ai_automation.home_type.model import HomeTypeModel, load_model, model_name
from ai_automation.home_type.training import FEATURE_CACHE_DIR, compare_on_held_out
from homeiq_shared.errors import NotFoundError
from homeiq_shared.fingerprint import fingerprint_json
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.version_control import gates_verdict, promote_explicitly, rollback_explicitly


def promote_home_type(
    registry: ModelRegistry, task: str, version: str, *, force: bool, reason: str | None, actor: str
) -> tuple[HomeTypeModel, dict[str, Any]]:
    """Check that `version` loads, then promote it (gates checked, who and why recorded); the model to serve."""
    model = load_model(registry, task, version)
    return model, promote_explicitly(
        registry, model_name(task), version, force=force, reason=reason, actor=actor
    )


def rollback_home_type(
    registry: ModelRegistry, task: str, *, version: str | None = None, reason: str | None, actor: str
) -> tuple[HomeTypeModel, dict[str, Any]]:
    """Check that `version` (default: the previous production version) loads, then serve it again, recording
    who and why (404 when there is no previous version or `version` is not kept)."""
    name = model_name(task)
    target = version or registry.aliases(name).get("previous")
    if target is None:
        raise NotFoundError(f"{name} has no previous production version to roll back to")
    model = load_model(registry, task, target)
    return model, rollback_explicitly(registry, name, version=target, reason=reason, actor=actor)


def _recorded(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The headline figures a version recorded on its own held-out homes, and its cross-validated macro-F1."""
    metrics = metadata.get("metrics") or {}
    cv = (metrics.get("cross_validation") or {}).get("macro_f1") or {}
    return {
        "macro_f1": metrics.get("macro_f1"),
        "accuracy": metrics.get("accuracy"),
        "cv_macro_f1": cv.get("mean") if isinstance(cv, Mapping) else None,
        "test_homes": metrics.get("test_homes"),
    }


def compare_home_type(registry: ModelRegistry, task: str, a: str, b: str) -> dict[str, Any]:
    """Versions `a` and `b` on `b`'s held-out homes that `a` never trained on, rebuilt from `b`'s dataset.

    When that dataset folder is gone, the answer says so and carries the recorded figures only.
    """
    models = {a: load_model(registry, task, a), b: load_model(registry, task, b)}
    training = models[b].metadata.get("training_data") or {}
    dataset = Path(str(training.get("dataset", "")))
    held_out = set(training.get("test_home_keys") or [])
    common: dict[str, Any] | None = None
    scores: dict[str, Any] = {}
    notes: list[str] = []
    if not training.get("dataset") or not dataset.is_dir():
        notes.append(f"{b}'s dataset {str(dataset)!r} no longer exists: recorded figures only")
    elif not held_out:
        notes.append(f"{b} does not record its held-out homes: recorded figures only")
    else:
        table = build_feature_table(dataset, cache_dir=registry.root / FEATURE_CACHE_DIR)
        rows = np.array(
            [r for r in table.original_rows() if table.home_keys[int(table.source[r])] in held_out],
            dtype=np.int64,
        )
        if fingerprint_json(sorted(table.home_keys)) != training.get("home_keys_fingerprint"):
            notes.append(
                f"{b}'s dataset changed since it trained: {rows.size} of its {len(held_out)} held-out homes "
                "are still there"
            )
        compared = compare_on_held_out(models[a], models[b], table, rows) if rows.size else None
        if compared is None:
            notes.append(
                f"no common set: none of {b}'s held-out homes is unseen by {a}, or their classes differ"
            )
        else:
            scores = {b: compared["challenger"], a: compared["champion"]}
            common = {
                "basis": f"{b}'s held-out homes that {a} never trained on either",
                "dataset": str(dataset),
                "homes": compared["held_out_homes"],
                "held_out_homes_of_b": len(held_out),
            }

    def side(version: str) -> dict[str, Any]:
        meta = models[version].metadata
        return {
            "version": version,
            "created_at": meta.get("created_at"),
            "gates_verdict": gates_verdict(meta),
            "recorded": _recorded(meta),
            "on_common_set": scores.get(version),
        }

    return {
        "model": model_name(task),
        "a": side(a),
        "b": side(b),
        "common_set": common,
        "note": "; ".join(notes) or None,
    }
