"""The device telemetry schema: the 11 daily health metrics, a fleet's rows with ground truth, its labels.

Production code (ingest, storage, serving, training) and the simulator both build on these; nothing
here is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

# The original 11 metric names, in the order used everywhere (features, storage, API).
METRIC_NAMES: tuple[str, ...] = (
    "response_time",
    "error_rate",
    "battery_level",
    "signal_strength",
    "usage_frequency",
    "temperature",
    "humidity",
    "uptime_hours",
    "restart_count",
    "connection_drops",
    "data_transfer_rate",
)
M = {name: i for i, name in enumerate(METRIC_NAMES)}

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class TelemetryDataset:
    """Daily rows (device, day, 11 metrics; NaN = not reported) plus per-device ground truth."""

    device_ids: NDArray[np.str_]
    category: NDArray[np.str_]
    power: NDArray[np.str_]
    protocol: NDArray[np.str_]
    failure_day: IntArray  # -1 when the device does not fail inside the window
    failure_kind: NDArray[np.str_]  # "" when the device does not fail
    episode_start: IntArray  # first day of the degradation episode, -1 when unknown or none
    row_device: IntArray  # index into device_ids, rows sorted by (device, day)
    row_day: IntArray  # day number since start_date
    values: FloatArray  # shape (rows, len(METRIC_NAMES))
    start_date: date
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_devices(self) -> int:
        """Number of devices in the fleet."""
        return int(self.device_ids.shape[0])

    @property
    def n_rows(self) -> int:
        """Number of daily rows."""
        return int(self.row_day.shape[0])


def failure_labels(dataset: TelemetryDataset, horizon_days: int) -> NDArray[np.int8]:
    """1 where the row's device fails within the next `horizon_days` days (ground truth, not a rule)."""
    fday = dataset.failure_day[dataset.row_device]
    ahead = fday - dataset.row_day
    return ((fday >= 0) & (ahead >= 1) & (ahead <= horizon_days)).astype(np.int8)
