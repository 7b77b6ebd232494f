"""`train_home_type`: the one training function the CLI, `POST /api/home-type/train` and the nightly job call."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ai_automation.home_type.dataset import DatasetError, FeatureTable, ProgressCallback, build_feature_table
from ai_automation.home_type.evaluation import Evaluation, evaluate
from ai_automation.home_type.features import FEATURE_NAMES, FEATURE_SCHEMA_VERSION
from ai_automation.home_type.metrics import macro_f1_from_confusion, task_label
from ai_automation.home_type.model import (
    HomeTypeModel,
    ModelIncompatibleError,
    ModelNotTrainedError,
    load_model,
    model_name,
)
from homeiq_shared.artifacts import ArtifactError, library_versions
from homeiq_shared.fingerprint import fingerprint_arrays, fingerprint_json
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.quality_gates import GateReport, beats_baseline, evaluate_gates, thresholds_for
from homeiq_shared.training_runs import RunOutcome

logger = logging.getLogger(__name__)

FEATURE_CACHE_DIR = ".cache/home_features"
"""Under the registry root; a dot name, so the registry never mistakes it for a model."""


@dataclass(frozen=True)
class TrainingRequest:
    """Inputs of one training run (every entry point builds one of these)."""

    dataset: Path
    models_dir: Path
    task: str = "full"
    test_size: float = 0.2
    seed: int = 42
    augment: int = 0
    promote: bool = True  # promote when the gates pass and it is not worse; False: register and evaluate only
    trigger: str = "cli"
    cv_repeats: int | None = None
    feature_cache: bool = True
    gate_thresholds: Mapping[str, float] | None = None
    tolerance: float = 0.0


@dataclass
class TrainingOutcome:
    """What a run produced: the registered version, its results, and the promotion decision."""

    task: str
    model_name: str
    version: str
    model: HomeTypeModel
    results: dict[str, Any]
    metadata: dict[str, Any]
    gates: dict[str, Any]
    promoted: bool
    reason: str
    artifact_path: Path
    comparison: dict[str, Any] | None = None


def run_outcome(outcome: TrainingOutcome) -> RunOutcome:
    """What a recorded run keeps of an outcome: a version is always registered; promoted or not, and why."""
    return RunOutcome(
        status="promoted" if outcome.promoted else "registered",
        promoted=outcome.promoted,
        version=outcome.version,
        reason=outcome.reason,
    )


def gate_report(task: str, results: Mapping[str, Any], thresholds: Mapping[str, float] | None) -> GateReport:
    """Binary task: the original thresholds on cross-validated metrics plus beating both baselines;
    full task: beating both baselines on cross-validated macro-F1."""
    cv = results["cross_validation"]
    model_f1 = cv["macro_f1"]["mean"]
    checks = [
        beats_baseline(model_f1, results["baselines"][b]["cv"]["macro_f1"]["mean"], f"macro_f1_{b}")
        for b in ("majority", "best_rule")
    ]
    if task == "binary":
        return evaluate_gates(cv["pooled_out_of_fold"], thresholds_for("home_type", thresholds), checks)
    return GateReport(checks=checks)


def _scores(model: HomeTypeModel, table: FeatureTable, rows: np.ndarray) -> dict[str, float] | None:
    """Macro-F1 and accuracy of a (possibly older) model on the given rows, or None when its classes differ."""
    names = [task_label(table.home_types[int(s)], model.task) for s in table.source[rows]]
    if not set(names) <= set(model.classes):
        return None
    codes = model.full.predict(table.X[rows]).astype(np.int64)
    k = len(model.classes)
    truth = np.searchsorted(model.classes, names)
    conf = np.bincount(truth * k + codes, minlength=k * k).reshape(k, k).astype(np.float64)
    return {
        "macro_f1": float(macro_f1_from_confusion(conf)),
        "accuracy": float(np.trace(conf) / max(conf.sum(), 1.0)),
    }


def feature_reference(table: FeatureTable, rows: np.ndarray) -> dict[str, Any]:
    """Mean and spread of every feature over the training homes (drift of new homes is measured against it)."""
    x = table.X[rows]
    finite = np.isfinite(x)
    counts = finite.sum(axis=0)
    filled = np.where(finite, x, 0.0)
    mean = filled.sum(axis=0) / np.maximum(counts, 1)
    var = (np.where(finite, x - mean, 0.0) ** 2).sum(axis=0) / np.maximum(counts - 1, 1)
    return {
        "homes": int(rows.size),
        "mean": [round(float(v), 6) if c else None for v, c in zip(mean, counts, strict=True)],
        "std": [round(float(v), 6) if c else None for v, c in zip(np.sqrt(var), counts, strict=True)],
    }


@dataclass(frozen=True)
class PromotionDecision:
    """Whether the candidate becomes production, why, and both models' figures on the shared held-out homes."""

    promoted: bool
    reason: str
    comparison: dict[str, Any] | None = None


def _compare(
    current: HomeTypeModel, candidate: HomeTypeModel, evaluation: Evaluation, table: FeatureTable
) -> dict[str, Any] | None:
    """Both models on the held-out homes the production model never trained on (None when there are none)."""
    return compare_on_held_out(current, candidate, table, evaluation.test_rows)


def compare_on_held_out(
    current: HomeTypeModel, candidate: HomeTypeModel, table: FeatureTable, test_rows: np.ndarray
) -> dict[str, Any] | None:
    """Both models' macro-F1 and accuracy on the `test_rows` whose homes `current` never trained on.

    None when no such row is left or a true class is unknown to either model.
    """
    seen = set(current.metadata.get("training_data", {}).get("train_home_keys", []))
    fresh = np.array(
        [r for r in test_rows if table.home_keys[int(table.source[r])] not in seen], dtype=np.int64
    )
    if not fresh.size:
        return None
    new, old = _scores(candidate, table, fresh), _scores(current, table, fresh)
    if new is None or old is None:
        return None
    return {
        "held_out_homes": int(fresh.size),
        "basis": "the same held-out homes, none of which either model trained on",
        "champion_version": current.version,
        "challenger": new,
        "champion": old,
    }


def _promotion(
    registry: ModelRegistry,
    request: TrainingRequest,
    evaluation: Evaluation,
    table: FeatureTable,
    candidate: HomeTypeModel,
    gates: GateReport,
) -> PromotionDecision:
    name = model_name(request.task)
    tol = request.tolerance
    try:
        current: HomeTypeModel | None = load_model(registry, request.task)
        unusable = ""
    except ModelNotTrainedError:
        current, unusable = None, "first model for this task"
    except (ArtifactError, ModelIncompatibleError, OSError) as exc:
        current, unusable = None, f"current production is unusable ({exc})"
    # Compared with production on the same held-out homes whatever the outcome: the run records both.
    comparison = _compare(current, candidate, evaluation, table) if current is not None else None
    # A model whose gates fail is never promoted automatically, the first one included; an explicit
    # promote with force (registry CLI or the promote endpoint) still can.
    if not gates.passed:
        why = f"quality gates FAILED ({gates.to_dict()['message']}); not promoted"
        return PromotionDecision(False, why, comparison)
    if not request.promote:
        why = "gates PASSED; registered and evaluated only (promotion not requested)"
        return PromotionDecision(False, why, comparison)
    if current is None:
        return PromotionDecision(True, f"{unusable}, gates PASSED")
    if comparison is not None:
        new_f1, old_f1 = comparison["challenger"]["macro_f1"], comparison["champion"]["macro_f1"]
        where = f"on the same {comparison['held_out_homes']} held-out homes neither model trained on"
        if new_f1 >= old_f1 - tol:
            why = f"macro-F1 {new_f1:.3f} >= production {current.version} {old_f1:.3f} - tolerance {tol:g} {where}"
            return PromotionDecision(True, why, comparison)
        why = f"macro-F1 {new_f1:.3f} < production {current.version} {old_f1:.3f} - tolerance {tol:g} {where}"
        logger.info("%s candidate not promoted: %s", name, why)
        return PromotionDecision(False, why, comparison)
    old = current.metadata.get("metrics", {}).get("cross_validation", {}).get("macro_f1", {}).get("mean")
    new = evaluation.results["cross_validation"]["macro_f1"]["mean"]
    cv = {"basis": "cross-validated macro-F1 (no shared held-out homes)", "champion_version": current.version,
          "challenger": {"macro_f1": new}, "champion": {"macro_f1": old}}  # fmt: skip
    if old is None or new >= old - tol:
        return PromotionDecision(True, f"no shared held-out homes; cross-validated macro-F1 {new:.3f} >= "
                                 f"production {old} - tolerance {tol:g}", cv)  # fmt: skip
    logger.info("%s candidate not promoted: CV macro-F1 %.3f < %.3f", name, new, old)
    return PromotionDecision(False, f"no shared held-out homes; cross-validated macro-F1 {new:.3f} < "
                             f"production {old:.3f} - tolerance {tol:g}", cv)  # fmt: skip


def train_home_type(request: TrainingRequest, progress: ProgressCallback | None = None) -> TrainingOutcome:
    """Load -> features -> evaluate -> register -> promotion decision; raises `DatasetError` for bad input."""
    name = model_name(request.task)
    if not 0.0 < request.test_size < 1.0:
        raise DatasetError(f"test_size must be strictly between 0 and 1, got {request.test_size}")
    rng = np.random.default_rng(request.seed)
    cache = request.models_dir / FEATURE_CACHE_DIR if request.feature_cache else None
    table = build_feature_table(request.dataset, request.augment, rng, progress, cache_dir=cache)
    evaluation = evaluate(table, request.task, request.test_size, request.seed, repeats=request.cv_repeats)
    gates = gate_report(request.task, evaluation.results, request.gate_thresholds)
    results = dict(evaluation.results)
    results["gates"] = {
        **gates.to_dict(),
        "evaluated_on": "cross-validated out-of-fold predictions over all homes (split by home)",
    }
    train_homes = sorted({table.home_keys[int(s)] for s in table.source[evaluation.train_rows]})
    test_homes = sorted({table.home_keys[int(s)] for s in table.source[evaluation.test_rows]})
    metadata: dict[str, Any] = {
        "trigger": request.trigger,
        "task": request.task,
        "classes": evaluation.classes,
        "feature_names": list(FEATURE_NAMES),
        "feature_schema_version": FEATURE_SCHEMA_VERSION,
        # What the fitted forest is really configured with (scikit-learn's get_params), not a hand-kept copy.
        "hyperparameters": {
            "estimator": type(evaluation.model).__name__,
            **evaluation.model.get_params(),
            "seed": request.seed,
            "augment": request.augment,
        },
        "training_data": {
            "dataset": str(request.dataset),
            "fingerprint": fingerprint_arrays(table.X, table.source, np.asarray(table.home_types)),
            "home_keys_fingerprint": fingerprint_json(sorted(table.home_keys)),
            "homes": table.n_homes,
            "rows": int(table.X.shape[0]),
            "training_rows": int(evaluation.train_rows.size),
            "test_rows": int(evaluation.test_rows.size),
            "skipped_homes": table.skipped,
            "train_home_keys": train_homes,
            "test_home_keys": test_homes,
            "feature_reference": feature_reference(
                table, evaluation.train_rows[~table.is_copy[evaluation.train_rows]]
            ),
        },
        "metrics": {k: v for k, v in results.items() if k not in ("feature_names", "classification_report")},
        "split_method": results["split_method"],
        "library_versions": library_versions(),
    }
    candidate = HomeTypeModel(
        request.task, evaluation.classes, evaluation.model, evaluation.composition_model
    )
    registry = ModelRegistry(request.models_dir)
    registered = registry.register(name, {"model.skops": candidate.artifact_bytes()}, metadata)
    candidate.version = registered.version
    candidate.metadata = registered.metadata
    decision = _promotion(registry, request, evaluation, table, candidate, gates)
    promoted, reason = decision.promoted, decision.reason
    if promoted:
        registry.promote(name, registered.version, reason, actor=f"automatic ({request.trigger})")
    logger.info("%s %s registered; promoted=%s (%s)", name, registered.version, promoted, reason)
    results["model_version"] = registered.version
    results["training_date"] = dt.datetime.now(dt.UTC).isoformat()
    results["promoted"] = promoted
    results["reason"] = reason
    results["champion_comparison"] = decision.comparison
    return TrainingOutcome(
        task=request.task,
        model_name=name,
        version=registered.version,
        model=candidate,
        results=results,
        metadata=registered.metadata,
        gates=results["gates"],
        promoted=promoted,
        reason=reason,
        artifact_path=registered.path / "model.skops",
        comparison=decision.comparison,
    )
