"""LightGBM failure model: "does this device fail within the next N days?" (train, continue, predict)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from device_intelligence.failure.calibration import Calibrator, fit_calibrator
from device_intelligence.failure.risk import risk_bands
from device_intelligence.failure.snapshot import (
    SNAPSHOT_BOOSTER_FILE,
    SNAPSHOT_FEATURES,
    SnapshotModel,
    monotone_constraints,
)
from device_intelligence.telemetry_features import FEATURE_NAMES, FEATURE_SCHEMA_VERSION

if TYPE_CHECKING:
    import lightgbm as lgb

# LightGBM is imported inside the functions that train or load a booster: it imports scikit-learn,
# seconds at every start-up of the service and CLIs that import this module for its names.

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
MODEL_NAME = "failure_prediction"
BOOSTER_FILE = "model.txt"
CONFIG_FILE = "serving.json"


@dataclass(frozen=True)
class BoosterParams:
    """LightGBM hyperparameters (stored with the model).

    The learning rate was chosen on validation PR-AUC over development seeds 46-53 (0.05 -> 0.02:
    0.470 -> 0.480); smaller leaves, feature subsampling and class weights did not help there.
    """

    num_boost_round: int = 1000
    early_stopping_rounds: int = 40
    learning_rate: float = 0.02
    num_leaves: int = 31
    min_data_in_leaf: int = 40
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 1.0
    num_threads: int = 1  # OpenMP threads spin badly when the CPU is shared; one thread is steadier

    def lgb_params(self, seed: int) -> dict[str, Any]:
        """The parameter dict LightGBM's `train` takes."""
        return {
            "objective": "binary",
            "metric": "binary_logloss",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": self.bagging_freq,
            "lambda_l2": self.lambda_l2,
            "num_threads": self.num_threads,
            "seed": seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }


@dataclass
class FailureModel:
    """The history booster with its calibrator and alert threshold (calibrated scale), and the snapshot model.

    A model stored before calibration loads with the identity calibrator and no snapshot model.
    """

    booster: lgb.Booster
    threshold: float
    horizon_days: int
    feature_names: tuple[str, ...] = FEATURE_NAMES
    schema_version: str = FEATURE_SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)
    calibrator: Calibrator = field(default_factory=Calibrator)
    snapshot: SnapshotModel | None = None

    def raw(self, features: FloatArray, num_threads: int = 1) -> FloatArray:
        """The booster's uncalibrated score per row."""
        out = self.booster.predict(features, num_threads=num_threads)
        return np.asarray(out, dtype=np.float64)

    def predict(self, features: FloatArray, num_threads: int = 1) -> FloatArray:
        """Calibrated failure probability per row (single-threaded by default: serving latency over throughput)."""
        return self.calibrator.apply(self.raw(features, num_threads))

    def contributions(self, features: FloatArray) -> FloatArray:
        """Per-feature SHAP contributions (log-odds) for each row; the last column is the bias."""
        out = self.booster.predict(features, pred_contrib=True, num_threads=1)
        return np.asarray(out, dtype=np.float64)

    def to_artifacts(self) -> dict[str, bytes]:
        """The registry files: the boosters in LightGBM's text format plus the serving config (JSON)."""
        config: dict[str, Any] = {
            "threshold": self.threshold,
            "horizon_days": self.horizon_days,
            "feature_names": list(self.feature_names),
            "schema_version": self.schema_version,
            "calibration": self.calibrator.to_json(),
            "risk_bands": risk_bands(self.threshold),
        }
        files = {BOOSTER_FILE: self.booster.model_to_string().encode()}
        if self.snapshot is not None:
            config["snapshot"] = self.snapshot.config() | {"risk_bands": risk_bands(self.snapshot.threshold)}
            files[SNAPSHOT_BOOSTER_FILE] = self.snapshot.booster.model_to_string().encode()
        return files | {CONFIG_FILE: json.dumps(config, indent=2).encode()}

    @classmethod
    def from_artifacts(cls, files: dict[str, bytes]) -> FailureModel:
        """Rebuild from registry files; refuses a feature schema this code does not compute."""
        config = json.loads(files[CONFIG_FILE])
        if (
            config["schema_version"] != FEATURE_SCHEMA_VERSION
            or tuple(config["feature_names"]) != FEATURE_NAMES
        ):
            raise ValueError(
                f"model features {config['schema_version']} do not match this code's {FEATURE_SCHEMA_VERSION}"
            )
        import lightgbm as lgb

        booster = lgb.Booster(model_str=files[BOOSTER_FILE].decode())
        snapshot = None
        snap = config.get("snapshot")
        if snap is not None:
            if tuple(snap["feature_names"]) != SNAPSHOT_FEATURES:
                raise ValueError("snapshot model features do not match this code's metric names")
            snapshot = SnapshotModel(
                lgb.Booster(model_str=files[SNAPSHOT_BOOSTER_FILE].decode()),
                float(snap["threshold"]),
                Calibrator.from_json(snap.get("calibration")),
            )
        return cls(
            booster,
            float(config["threshold"]),
            int(config["horizon_days"]),
            calibrator=Calibrator.from_json(config.get("calibration")),
            snapshot=snapshot,
        )


def train_booster(
    x_train: FloatArray,
    y_train: NDArray[Any],
    params: BoosterParams,
    seed: int,
    x_val: FloatArray | None = None,
    y_val: NDArray[Any] | None = None,
    init_model: lgb.Booster | None = None,
    num_boost_round: int | None = None,
    feature_names: Sequence[str] = FEATURE_NAMES,
    monotone: Sequence[int] | None = None,
) -> lgb.Booster:
    """Fit (or, with `init_model`, continue) a booster; early stopping on the validation part if given."""
    import lightgbm as lgb

    train_set = lgb.Dataset(x_train, label=y_train, feature_name=list(feature_names), free_raw_data=False)
    valid_set = None
    if x_val is not None and y_val is not None and int(y_val.sum()) > 0:
        valid_set = lgb.Dataset(x_val, label=y_val, reference=train_set)
    return fit_datasets(train_set, valid_set, params, seed, init_model, num_boost_round, monotone)


def fit_datasets(
    train_set: lgb.Dataset,
    valid_set: lgb.Dataset | None,
    params: BoosterParams,
    seed: int,
    init_model: lgb.Booster | None = None,
    num_boost_round: int | None = None,
    monotone: Sequence[int] | None = None,
) -> lgb.Booster:
    """Fit on LightGBM datasets built by the caller (from arrays, or in batches from Parquet parts);
    early stopping on `valid_set` when given, the booster cut to its best iteration."""
    import lightgbm as lgb

    lgb_params = params.lgb_params(seed)
    if monotone is not None:
        lgb_params["monotone_constraints"] = list(monotone)
    valid_sets: list[lgb.Dataset] = [] if valid_set is None else [valid_set]
    callbacks: list[Callable[..., Any]] = []
    if valid_sets:
        callbacks = [lgb.early_stopping(params.early_stopping_rounds, verbose=False)]
    booster = lgb.train(
        lgb_params,
        train_set,
        num_boost_round=num_boost_round or params.num_boost_round,
        valid_sets=valid_sets,
        callbacks=callbacks,
        init_model=init_model,
        keep_training_booster=init_model is not None,
    )
    if valid_sets and booster.best_iteration > 0:
        booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=booster.best_iteration))
    logger.info("booster trained: %s trees on %s rows", booster.num_trees(), train_set.num_data())
    return booster


def operating_point(raw_val: FloatArray, y_val: NDArray[Any]) -> tuple[Calibrator, float]:
    """The calibrator fitted on the validation devices' scores and the alert threshold on its scale.

    The threshold maximises device-day F1 on the calibrated validation probabilities. Maximising the
    gated F1 (device-day precision x failure recall) there instead was worse on development seeds
    100-109 (mean gated F1 0.708 vs 0.755: too few validation failures to place it), so it is not used.
    """
    from device_intelligence.evaluation import best_f1_threshold

    calibrator = fit_calibrator(raw_val, y_val)
    return calibrator, best_f1_threshold(y_val, calibrator.apply(raw_val))


def train_snapshot(
    x_train: FloatArray, y_train: NDArray[Any], x_val: FloatArray, y_val: NDArray[Any], params: BoosterParams,
    seed: int,
) -> SnapshotModel:  # fmt: skip
    """The snapshot model on the same rows as the history model (snapshot columns only), monotone, calibrated."""
    booster = train_booster(
        x_train, y_train, params, seed, x_val, y_val,
        feature_names=SNAPSHOT_FEATURES, monotone=monotone_constraints(),
    )  # fmt: skip
    raw_val = np.asarray(booster.predict(x_val), dtype=np.float64)
    calibrator, threshold = operating_point(raw_val, y_val)
    return SnapshotModel(booster, threshold, calibrator)


def params_dict(params: BoosterParams) -> dict[str, Any]:
    """Hyperparameters as a plain dict for metadata."""
    return asdict(params)


# Human wording for the strongest drivers of a prediction, keyed by the metric a feature is built on.
_ADVICE = {
    "battery_level": "Battery is draining towards empty: replace or recharge it soon",
    "error_rate": "Error rate is rising: check the device's connectivity and firmware",
    "response_time": "Responses are slowing down: check load, network path or replace the device",
    "signal_strength": "Signal is weakening: move the device or add a router/repeater nearer to it",
    "connection_drops": "The device keeps dropping off the network: check interference and mesh routing",
    "restart_count": "The device restarts repeatedly: check its power supply and firmware",
    "uptime_hours": "Uptime pattern is unusual (restarts or resets): check power stability",
    "temperature": "Temperature readings look wrong (drift or stuck): check or recalibrate the sensor",
    "humidity": "Humidity readings look wrong (drift or stuck): check or recalibrate the sensor",
    "data_transfer_rate": "Throughput is falling: check bandwidth, storage or the device's load",
    "usage_frequency": "Usage dropped sharply: check the device still responds to commands",
}


def drivers(
    contributions: FloatArray, feature_names: Sequence[str], top: int = 3
) -> list[list[tuple[str, float]]]:
    """Per row, the features that push the failure probability up the most (name, log-odds contribution).

    `contributions` are a booster's SHAP values (`pred_contrib`, the bias column last).
    """
    out = []
    for row in contributions[:, :-1]:
        idx = np.argsort(-row)[:top]
        out.append([(feature_names[i], float(row[i])) for i in idx if row[i] > 0.05])
    return out


def driver_advice(row_drivers: list[tuple[str, float]]) -> list[str]:
    """Advice specific to what drives a prediction (SHAP contributions), one line per metric, strongest first."""
    recs: list[str] = []
    seen: set[str] = set()
    for name, _ in row_drivers:
        metric = next((m for m in _ADVICE if name == m or name.startswith(m + "_")), None)
        if metric and metric not in seen:
            seen.add(metric)
            recs.append(f"{_ADVICE[metric]} (driver: {name})")
    return recs
