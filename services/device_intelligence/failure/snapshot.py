"""The snapshot failure model: what one reading of the 11 metrics can tell, for devices without enough history.

A single reading shows a device's state now (an empty battery, a high error rate, a weak signal) but not
its trend: a slow battery drain, a device drifting from its own baseline or an accelerating error rate
are visible only to the history model. So the snapshot model serves a device until it has
`MIN_HISTORY_DAYS` daily rows; from then on the history model does. The switch was read from the
validation devices of five seeds (`bench/bench_failure_trust.py`, PR-AUC by rows of history, pooled):
with 1-2 and 3-6 rows the snapshot model wins (0.31 and 0.29 vs 0.00 and 0.08), with 7-13 they tie
(history 0.186, snapshot 0.176) and from 14 the history model wins (0.27 and 0.39 vs 0.19 and 0.26). On
the test devices the 7-13 bucket favoured the snapshot model (0.28 vs 0.18): that bucket is a toss-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from device_intelligence.failure.calibration import Calibrator
from device_intelligence.telemetry import METRIC_NAMES
from device_intelligence.telemetry_features import FEATURE_NAMES, SHORT_DAYS

if TYPE_CHECKING:
    import lightgbm as lgb

FloatArray = NDArray[np.float64]
SNAPSHOT_FEATURES: tuple[str, ...] = METRIC_NAMES
SNAPSHOT_BOOSTER_FILE = "snapshot_model.txt"
MIN_HISTORY_DAYS = SHORT_DAYS
"""Daily rows (the request's reading included) from which the history model serves a device."""

# The direction in which a metric degrades (+1: higher is worse, -1: lower is worse), imposed on the
# snapshot booster so a reading further past a limit is never scored as safer, even beyond the values
# it was trained on; metrics whose faults go either way (drifting temperature) stay free (0).
MONOTONE: dict[str, int] = {
    "response_time": 1,
    "error_rate": 1,
    "battery_level": -1,
    "signal_strength": -1,
    "restart_count": 1,
    "connection_drops": 1,
}
assert FEATURE_NAMES[: len(METRIC_NAMES)] == METRIC_NAMES  # the snapshot features lead the feature table


def monotone_constraints() -> list[int]:
    """LightGBM's `monotone_constraints` in SNAPSHOT_FEATURES order."""
    return [MONOTONE.get(name, 0) for name in SNAPSHOT_FEATURES]


def snapshot_features(features: FloatArray) -> FloatArray:
    """The snapshot columns (the current reading of each metric) of a full feature matrix."""
    return features[:, : len(SNAPSHOT_FEATURES)]


@dataclass
class SnapshotModel:
    """A booster on one reading's 11 metrics, its calibrator and its alert threshold (calibrated scale)."""

    booster: lgb.Booster
    threshold: float
    calibrator: Calibrator

    def raw(self, values: FloatArray) -> FloatArray:
        """The booster's uncalibrated score per reading (METRIC_NAMES columns, NaN = not sent)."""
        return np.asarray(self.booster.predict(values, num_threads=1), dtype=np.float64)

    def predict(self, values: FloatArray) -> FloatArray:
        """Calibrated failure probability per reading."""
        return self.calibrator.apply(self.raw(values))

    def contributions(self, values: FloatArray) -> FloatArray:
        """Per-metric SHAP contributions (log-odds); the last column is the bias."""
        return np.asarray(self.booster.predict(values, pred_contrib=True, num_threads=1), dtype=np.float64)

    def config(self) -> dict[str, Any]:
        """What serving.json records of it."""
        return {
            "booster_file": SNAPSHOT_BOOSTER_FILE,
            "feature_names": list(SNAPSHOT_FEATURES),
            "threshold": self.threshold,
            "calibration": self.calibrator.to_json(),
            "monotone_constraints": dict(MONOTONE),
            "min_history_days": MIN_HISTORY_DAYS,
        }
