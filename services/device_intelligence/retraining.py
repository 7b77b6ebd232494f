"""The one retraining function POST /train, the CLI and the nightly job call: build, train, compare, promote."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from device_intelligence.anomaly import model as anomaly_model
from device_intelligence.anomaly.model import AnomalyModels
from device_intelligence.failure import model as failure_model
from device_intelligence.failure.model import BoosterParams, FailureModel
from device_intelligence.failure.snapshot import snapshot_features
from device_intelligence.telemetry import TelemetryDataset, failure_labels
from device_intelligence.telemetry_features import FEATURE_SCHEMA_VERSION, compute_features
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet
from device_intelligence.version_records import (
    RegistrationOutcome,
    register_pair,
    registered_entries,
    training_data_info,
)
from homeiq_shared.fingerprint import fingerprint_arrays
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.quality_gates import (
    FORECAST_MIN_MEDIAN_LEAD_DAYS,
    GateReport,
    at_least,
    beats_baseline,
    evaluate_gates,
    thresholds_for,
)
from homeiq_shared.training_runs import RunOutcome

if TYPE_CHECKING:
    from device_intelligence.evaluation import Split

# `evaluation` and `held_out_metrics` are imported inside the functions that train and compare: they
# import scikit-learn and LightGBM, seconds at every start-up of the services and CLIs that import this.

logger = logging.getLogger(__name__)

Trigger = Literal["api", "nightly", "cli"]
Progress = Callable[[str], None]
# A challenger may trail production by this much PR-AUC (noise on the same test rows) and still be "not worse".
NOT_WORSE_TOLERANCE = 0.01
INCREMENTAL_ROUNDS = 60


@dataclass(frozen=True)
class RetrainOptions:
    """Everything a training run depends on (the CLI flags and the /train body map onto these)."""

    synthetic_count: int = 1000
    days: int = 180
    seed: int = 42
    horizon_days: int = 7
    force: bool = False  # retrain even when production is current for this data (never forces promotion)
    promote: bool = True  # promote when the gates pass and it is not worse; False: register and evaluate only
    trigger: Trigger = "cli"
    mode: Literal["full", "incremental"] = "full"
    gate_overrides: Mapping[str, float] = field(default_factory=dict)
    params: BoosterParams = field(default_factory=BoosterParams)
    tolerance: float = NOT_WORSE_TOLERANCE

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_days <= 60:
            raise ValueError("horizon_days must be within 1..60")
        if self.horizon_days * 3 > self.days:
            raise ValueError("days must be at least 3 x horizon_days for a temporal split")


@dataclass
class Evaluation:
    """A trained challenger and everything measured about it on held-out data."""

    model: FailureModel
    anomaly: AnomalyModels
    split: Split
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    anomaly_metrics: dict[str, Any]
    test_features: NDArray[np.float64]
    test_labels: NDArray[np.int8]
    rows: dict[str, int]
    seconds: dict[str, float]


@dataclass(kw_only=True)
class RetrainResult:
    """What a run did: versions, metrics beside the baseline, gate report and the promotion decision."""

    status: Literal["promoted", "registered", "kept"]
    promoted: bool
    reason: str  # why production was or was not switched, in words
    version: str | None
    anomaly_version: str | None
    production_version: str | None
    metrics: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    production_metrics: dict[str, Any] | None = None
    anomaly_metrics: dict[str, Any] = field(default_factory=dict)
    gates: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    mode: str = "full"
    registry: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def dataset_fingerprint(dataset: TelemetryDataset, horizon_days: int) -> str:
    """Digest of the rows, the ground truth and the label horizon (what makes a model 'current')."""
    return fingerprint_arrays(
        dataset.row_device,
        dataset.row_day,
        dataset.values,
        dataset.failure_day,
        np.array([horizon_days, FEATURE_SCHEMA_VERSION], dtype=object),
    )


def train_and_evaluate(
    dataset: TelemetryDataset,
    options: RetrainOptions,
    rng: np.random.Generator,
    init_model: FailureModel | None = None,
    progress: Progress | None = None,
) -> Evaluation:
    """Features, device+time split, LightGBM challenger, threshold on validation, test metrics, anomaly models."""
    from device_intelligence.evaluation import device_time_split
    from device_intelligence.failure import held_out_metrics

    say = progress or (lambda _msg: None)
    h = options.horizon_days
    t0 = time.perf_counter()
    say("computing rolling-window features")
    x = compute_features(dataset.row_device, dataset.row_day, dataset.values)
    y = failure_labels(dataset, h)
    split_rng, anomaly_rng = rng.spawn(2)
    split = device_time_split(dataset, h, split_rng)
    if int(y[split.train].sum()) == 0:
        raise ValueError("no failure falls inside the training part: more devices, days or labels are needed")
    t1 = time.perf_counter()
    say(f"training LightGBM on {int(split.train.sum()):,} rows ({options.mode})")
    seed = int(rng.integers(2**31 - 1))
    if init_model is not None:
        booster = failure_model.train_booster(
            x[split.train], y[split.train], options.params, seed,
            init_model=init_model.booster, num_boost_round=INCREMENTAL_ROUNDS,
        )  # fmt: skip
    else:
        booster = failure_model.train_booster(
            x[split.train], y[split.train], options.params, seed, x[split.val], y[split.val]
        )
    raw_val = np.asarray(booster.predict(x[split.val]), dtype=np.float64)
    calibrator, threshold = failure_model.operating_point(raw_val, y[split.val])
    say("training the snapshot model (one reading's metrics)")
    xs = snapshot_features(x)
    snapshot = failure_model.train_snapshot(
        xs[split.train], y[split.train], xs[split.val], y[split.val], options.params, seed
    )
    t2 = time.perf_counter()
    model = FailureModel(booster, threshold, h, calibrator=calibrator, snapshot=snapshot)
    raw_test = model.raw(x[split.test], num_threads=0)
    p_test = calibrator.apply(raw_test)
    metrics = held_out_metrics.model_metrics(dataset, split, y[split.test], p_test, threshold, h, booster)
    metrics |= held_out_metrics.calibration_figures(y[split.test], raw_test, p_test, calibrator, threshold)
    metrics["snapshot"] = held_out_metrics.snapshot_metrics(
        dataset, split, y[split.test], snapshot, xs[split.test], h
    )
    baseline = held_out_metrics.baseline_metrics(dataset, split, y[split.test], h)
    t3 = time.perf_counter()
    say("fitting the IsolationForest detectors")
    device_det = anomaly_model.fit_device_detector(x[split.train], seed)
    stream_rng, eval_rng = anomaly_rng.spawn(2)
    stream_det = anomaly_model.fit_stream_detector(stream_rng, seed)
    in_episode = (dataset.episode_start[dataset.row_device] >= 0) & (
        dataset.row_day >= dataset.episode_start[dataset.row_device]
    )
    anomaly_metrics = {
        "device_health": anomaly_model.evaluate_device_detector(
            device_det, x[split.test], in_episode[split.test]
        ),
        "sensor_stream": anomaly_model.evaluate_stream_detector(stream_det, eval_rng),
        "score_direction": "higher = more anomalous (IsolationForest s(x) in 0..1, ~0.5 ordinary)",
    }
    t4 = time.perf_counter()
    rows = {
        "total": dataset.n_rows,
        "train": int(split.train.sum()),
        "validation": int(split.val.sum()),
        "test": int(split.test.sum()),
        "train_positives": int(y[split.train].sum()),
        "test_positives": int(y[split.test].sum()),
        "devices": dataset.n_devices,
        "failing_devices": int((dataset.failure_day >= 0).sum()),
    }
    seconds = {
        "features": round(t1 - t0, 3),
        "failure_model": round(t2 - t1, 3),
        "evaluation": round(t3 - t2, 3),
        "anomaly_models": round(t4 - t3, 3),
    }
    return Evaluation(
        model, AnomalyModels(device_det, stream_det), split, metrics, baseline, anomaly_metrics,
        x[split.test], y[split.test], rows, seconds,
    )  # fmt: skip


def gate_report(
    metrics: Mapping[str, Any], baseline: Mapping[str, Any], overrides: Mapping[str, float]
) -> GateReport:
    """The original DI thresholds on the forecast metrics, "PR-AUC beats the rule" (the history model and,
    from one reading, the snapshot model) and a median lead time.

    The metrics come from `evaluation.forecast_metrics`: precision and accuracy per device-day, recall per
    failure that gives warning, f1_score their harmonic mean (see `evaluation.FORECAST_DEFINITION`).
    """
    extra = [
        beats_baseline(metrics.get("pr_auc"), baseline.get("pr_auc"), "pr_auc"),
        at_least("median_lead_days", metrics.get("median_lead_days"), FORECAST_MIN_MEDIAN_LEAD_DAYS),
    ]
    snapshot = metrics.get("snapshot")
    if snapshot is not None:  # a model stored before the snapshot model has none to gate
        extra.append(beats_baseline(snapshot.get("pr_auc"), baseline.get("pr_auc"), "snapshot_pr_auc"))
    return evaluate_gates(metrics, thresholds_for("device_intelligence", overrides), extra)


def _production_model(registry: ModelRegistry) -> tuple[str | None, FailureModel | None]:
    prod = registry.production(failure_model.MODEL_NAME)
    if prod is None:
        return None, None
    try:
        files = {
            n: registry.read_artifact(failure_model.MODEL_NAME, prod.version, n) for n in prod.artifact_names
        }
        return prod.version, FailureModel.from_artifacts(files)
    except (ValueError, KeyError) as exc:
        logger.warning("production %s cannot be evaluated with this code: %s", prod.version, exc)
        return prod.version, None


def _decide(
    options: RetrainOptions, gates: GateReport, metrics: Mapping[str, Any], prod_version: str | None,
    prod_metrics: Mapping[str, Any] | None, prod_gates: GateReport | None,
) -> tuple[bool, str]:  # fmt: skip
    worse = ""
    if prod_metrics is not None:
        challenger, current = metrics.get("pr_auc") or 0.0, prod_metrics.get("pr_auc") or 0.0
        if challenger < current - options.tolerance:
            worse = (
                f"worse than production {prod_version} on the same test rows beyond the tolerance "
                f"(PR-AUC {challenger:.4f} < {current:.4f} - {options.tolerance:g})"
            )
    # A model whose gates fail is never promoted automatically, the first one included; an explicit
    # promote with force (registry CLI or the promote endpoint) still can.
    if not gates.passed:
        also = f"; also {worse}" if worse else ""
        return False, f"quality gates FAILED ({gates.to_dict()['message']}); not promoted{also}"
    if not options.promote:
        return False, "gates PASSED; registered and evaluated only (promotion not requested)"
    if prod_version is None:
        return True, "first model, gates PASSED"
    if prod_metrics is None:
        return True, f"production {prod_version} is incompatible with this code's features; gates PASSED"
    if worse:
        return False, worse
    verdict = "PASSED" if prod_gates is not None and prod_gates.passed else "FAILED"
    return True, (
        f"gates PASSED and not worse than production {prod_version} on the same test rows "
        f"(PR-AUC {metrics.get('pr_auc')} vs {prod_metrics.get('pr_auc')}; production's gates there {verdict})"
    )


def _kept(registry: ModelRegistry, prod_version: str, meta: Mapping[str, Any]) -> RetrainResult:
    """The answer when production was trained on exactly this data: nothing is trained or changed."""
    prod_anomaly = registry.production(anomaly_model.MODEL_NAME)
    return RetrainResult(
        status="kept", promoted=False, reason="production model is current for this data",
        version=None, anomaly_version=None, production_version=prod_version,
        metrics=dict(meta.get("metrics", {})), baseline=dict(meta.get("rule_baseline", {})),
        gates=dict(meta.get("gates", {})),
        registry=registered_entries(registry, {
            failure_model.MODEL_NAME: prod_version,
            anomaly_model.MODEL_NAME: prod_anomaly.version if prod_anomaly else None,
        }),
    )  # fmt: skip


def retrain(
    registry: ModelRegistry,
    options: RetrainOptions,
    dataset: TelemetryDataset | None = None,
    progress: Progress | None = None,
) -> RetrainResult:
    """Build data, train and evaluate a challenger against production on the same rows, register, promote."""
    from device_intelligence.evaluation import forecast_metrics

    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    rng = np.random.default_rng(options.seed)
    sim_rng, train_rng = rng.spawn(2)
    if dataset is None:
        say(f"simulating {options.synthetic_count} devices x {options.days} days")
        sim = SimulationOptions(n_devices=options.synthetic_count, days=options.days)
        dataset = simulate_fleet(sim, sim_rng)
        dataset.info.update(seed=options.seed)
    fingerprint = dataset_fingerprint(dataset, options.horizon_days)
    prod_version, prod_model = _production_model(registry)
    if not options.force and prod_version is not None and prod_model is not None:
        meta = registry.metadata(failure_model.MODEL_NAME, prod_version)
        if meta.get("training_data", {}).get("fingerprint") == fingerprint:
            say(f"production {prod_version} is current for this data; nothing to do (use --force to retrain)")
            return _kept(registry, prod_version, meta)
    init = prod_model if options.mode == "incremental" else None
    ev = train_and_evaluate(dataset, options, train_rng, init_model=init, progress=progress)
    gates = gate_report(ev.metrics, ev.baseline, options.gate_overrides)
    prod_metrics, prod_gates = None, None
    if prod_model is not None:
        p = prod_model.predict(ev.test_features, num_threads=0)
        prod_metrics = forecast_metrics(
            dataset, ev.split.test, ev.test_labels, p, p >= prod_model.threshold, options.horizon_days
        )
        prod_gates = gate_report(prod_metrics, ev.baseline, options.gate_overrides)
    promote, reason = _decide(options, gates, ev.metrics, prod_version, prod_metrics, prod_gates)
    say(f"decision: {'promote' if promote else 'keep production'} - {reason}")
    data_info = training_data_info(dataset, fingerprint, ev)
    mode = "incremental" if init is not None else "full"
    outcome = RegistrationOutcome(
        promote=promote, reason=reason, prod_version=prod_version, prod_metrics=prod_metrics,
        gates=gates, mode=mode,
    )  # fmt: skip
    fv, av = register_pair(registry, options, ev, data_info, outcome)
    seconds = ev.seconds | {"total": round(time.perf_counter() - started, 3)}
    logger.info("retrain %s: %s %s (%s)", options.trigger, fv, "promoted" if promote else "kept", reason)
    return RetrainResult(
        status="promoted" if promote else "registered",
        promoted=promote,
        reason=reason,
        version=fv,
        anomaly_version=av,
        production_version=fv if promote else prod_version,
        metrics=ev.metrics,
        baseline=ev.baseline,
        production_metrics=prod_metrics,
        anomaly_metrics=ev.anomaly_metrics,
        gates=gates.to_dict(),
        data=data_info,
        seconds=seconds,
        mode=mode,
        registry=registered_entries(registry, {failure_model.MODEL_NAME: fv, anomaly_model.MODEL_NAME: av}),
    )


def run_outcome(result: RetrainResult) -> RunOutcome:
    """What a recorded run keeps of a result: status, version, promoted, and why (`result.reason`)."""
    return RunOutcome(
        status=result.status, promoted=result.promoted, version=result.version, reason=result.reason
    )
