"""What a training run records in the registry: the version pair's metadata, lineage and promotion."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from device_intelligence.anomaly import model as anomaly_model
from device_intelligence.failure import model as failure_model
from device_intelligence.failure.model import FailureModel
from device_intelligence.failure.risk import BANDS_DEFINITION, risk_bands
from device_intelligence.failure.snapshot import MIN_HISTORY_DAYS
from device_intelligence.telemetry import TelemetryDataset
from device_intelligence.telemetry_features import FEATURE_NAMES, FEATURE_SCHEMA_VERSION
from homeiq_shared.artifacts import library_versions
from homeiq_shared.fingerprint import fingerprint_json
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.quality_gates import GateReport

if TYPE_CHECKING:
    from device_intelligence.retraining import Evaluation, RetrainOptions

logger = logging.getLogger(__name__)


def registry_entry(
    name: str, version: str, meta: Mapping[str, Any], with_metrics: bool = True
) -> dict[str, Any]:
    """What a manifest needs of one registered version: artifacts, lineage, gates (and metrics)."""
    training = meta.get("training_data") or {}
    entry = {
        "registry_name": name,
        "version": version,
        "created_at": meta.get("created_at"),
        "trigger": meta.get("trigger"),
        "model_type": meta.get("model_type"),
        "artifacts": meta.get("artifacts") or {},
        "gates": meta.get("gates"),
        "training_data_fingerprint": training.get("fingerprint"),
        "training_rows": training.get("rows"),
        "library_versions": meta.get("library_versions") or {},
        "feature_schema_version": meta.get("feature_schema_version"),
    }
    return (entry | {"metrics": meta.get("metrics") or {}}) if with_metrics else entry


def registered_entries(registry: ModelRegistry, versions: Mapping[str, str | None]) -> dict[str, Any]:
    """Registry entries (metrics left out: the answer carries them) of the named versions."""
    return {
        name: registry_entry(name, v, registry.metadata(name, v), with_metrics=False)
        for name, v in versions.items()
        if v is not None
    }


def training_data_info(dataset: TelemetryDataset, fingerprint: str, ev: Evaluation) -> dict[str, Any]:
    """What a version records of its data: source, fingerprint, rows per part, and the real/synthetic mix."""
    info = {
        "source": dataset.info.get("source", "unknown"),
        "fingerprint": fingerprint,
        "fingerprint_inputs": fingerprint_json(
            {k: v for k, v in dataset.info.items() if isinstance(v, str | int | float)}
        ),
        "rows": ev.rows,
        "start_date": dataset.start_date.isoformat(),
        "days": int(dataset.row_day.max()) + 1 if dataset.n_rows else 0,
        **{k: v for k, v in dataset.info.items() if k in {"seed", "n_devices", "failure_fraction", "mix"}},
    }
    if isinstance(info.get("mix"), dict):
        real = dataset.row_device < int(info["mix"].get("real_devices", 0))
        parts = (("train", ev.split.train), ("validation", ev.split.val), ("test", ev.split.test))
        info["mix"] = info["mix"] | {
            "real_rows_by_split": {part: int((mask & real).sum()) for part, mask in parts}
        }
    return info


def model_risk_bands(model: FailureModel) -> dict[str, Any]:
    """The risk bands (0-1 lower bounds) of each basis at its alert threshold, with how they are set."""
    out: dict[str, Any] = {"definition": BANDS_DEFINITION, "history": risk_bands(model.threshold)}
    if model.snapshot is not None:
        out["snapshot"] = risk_bands(model.snapshot.threshold)
        out["snapshot_threshold"] = model.snapshot.threshold
        out["min_history_days"] = MIN_HISTORY_DAYS
    return out


@dataclass(frozen=True, kw_only=True)
class RegistrationOutcome:
    """What the comparison with production decided, to be recorded with the new versions."""

    promote: bool
    reason: str
    prod_version: str | None
    prod_metrics: dict[str, Any] | None
    gates: GateReport
    mode: str


def common_metadata(
    trigger: str, horizon_days: int, split_method: str, data_info: Mapping[str, Any], out: RegistrationOutcome
) -> dict[str, Any]:
    """What every version of a training run records: trigger, features, split, data, libraries, decision."""
    return {
        "trigger": trigger,
        "feature_names": list(FEATURE_NAMES),
        "feature_schema_version": FEATURE_SCHEMA_VERSION,
        "horizon_days": horizon_days,
        "split_method": split_method,
        "training_data": dict(data_info),
        "library_versions": library_versions(),
        "decision": {"promoted": out.promote, "reason": out.reason, "production_before": out.prod_version},
        "training_date": datetime.now(UTC).isoformat(),
    }


def failure_metadata(
    common: Mapping[str, Any],
    model: FailureModel,
    metrics: Mapping[str, Any],
    baseline: Mapping[str, Any],
    hyperparameters: Mapping[str, Any],
    out: RegistrationOutcome,
) -> dict[str, Any]:
    """A failure model version's metadata: `common` (trigger, features, split, data, decision) plus its own."""
    perf = {k: metrics[k] for k in ("accuracy", "precision", "recall", "f1_score", "pr_auc")}
    return {
        **common,
        "model_type": "lightgbm",
        "training_mode": out.mode,
        "hyperparameters": dict(hyperparameters) | {"trees": model.booster.num_trees()},
        "threshold": model.threshold,
        "risk_bands": model_risk_bands(model),
        "calibration": model.calibrator.to_json(),
        "pr_auc": metrics["pr_auc"],
        "metrics": metrics,
        "model_performance": perf,
        "rule_baseline": baseline,
        "baseline": baseline,
        "production_on_same_test": out.prod_metrics,
        "gates": out.gates.to_dict(),
    }


def register_pair(
    registry: ModelRegistry,
    options: RetrainOptions,
    ev: Evaluation,
    data_info: dict[str, Any],
    out: RegistrationOutcome,
) -> tuple[str, str]:
    """Register the failure and anomaly versions with their metadata; promote the pair when decided; prune.

    The anomaly version names its failure version (`paired_failure_version`); a promotion records the
    pair in failure_prediction's aliases.json, the one write that switches what serves.
    """
    common = common_metadata(options.trigger, options.horizon_days, ev.split.method, data_info, out)
    fmeta = failure_metadata(
        common, ev.model, ev.metrics, ev.baseline, failure_model.params_dict(options.params), out
    )
    fv = registry.register(failure_model.MODEL_NAME, ev.model.to_artifacts(), fmeta)
    ameta = {
        **common,
        "model_type": "isolation_forest",
        "paired_failure_version": fv.version,
        "metrics": ev.anomaly_metrics,
        "hyperparameters": {"n_estimators": 100, "max_samples": 256},
        "thresholds": {
            "device_health": ev.anomaly.device.threshold,
            "sensor_stream": ev.anomaly.stream.threshold,
        },
    }
    av = registry.register(anomaly_model.MODEL_NAME, ev.anomaly.to_artifacts(), ameta)
    if out.promote:
        # One alias write switches the pair: a crash serves the old pair or this one, never a mix.
        registry.promote(
            failure_model.MODEL_NAME, fv.version, out.reason,
            actor=f"automatic ({options.trigger})", paired={anomaly_model.MODEL_NAME: av.version},
        )  # fmt: skip
    for name in (failure_model.MODEL_NAME, anomaly_model.MODEL_NAME):
        try:
            registry.prune(name)
        except OSError as exc:  # housekeeping: the pair is registered (and serving if promoted) already
            logger.warning("pruning %s failed: %s", name, exc)
    return fv.version, av.version
