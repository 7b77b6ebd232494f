"""Seasonal-residual path: a reading against the same hour on earlier days and weeks, robust z, minimum run.

Causal: the baseline of a reading uses only hourly means of earlier hours (the same hour on the
previous days and on the same weekday of the previous weeks), and its scale only residuals of
earlier hours. A level shift or a slow drift that leaves the sensor's own daily and weekly pattern
shows as a run of large residuals of one sign; a run must last `min_run_hours` before it alarms.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
HOUR = 3600.0
DAY_HOURS, WEEK_HOURS = 24, 168
MAD_TO_SIGMA = 1.4826
MAX_GRID_HOURS = 3 * 366 * 24


@dataclass(frozen=True)
class SeasonalParams:
    """Hyperparameters of the seasonal-residual path (chosen on the NAB ambient series, see the README)."""

    z_threshold: float = 3.0
    min_run_hours: float = 4.0
    days: int = 7
    weeks: int = 4
    min_weeks: int = 2
    scale_days: int = 14
    hold_hours: int = 6

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (stored in the model's serving configuration)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeasonalParams:
        """Parameters read back from a serving configuration."""
        return cls(
            z_threshold=float(data["z_threshold"]),
            min_run_hours=float(data["min_run_hours"]),
            days=int(data["days"]),
            weeks=int(data["weeks"]),
            min_weeks=int(data["min_weeks"]),
            scale_days=int(data["scale_days"]),
            hold_hours=int(data["hold_hours"]),
        )


def hourly_grid(
    seconds: FloatArray, values: FloatArray, hold_hours: int
) -> tuple[NDArray[np.int64], FloatArray]:
    """Hour bin of each reading and the mean value per hour; an empty hour holds the last value up to `hold_hours`.

    HA writes a state only when it changes, so an hour without a reading usually kept the previous
    value; a longer silence is a gap (NaN), not a flat line the baseline would learn.
    """
    hour = np.floor(seconds / HOUR).astype(np.int64)
    k = hour - hour.min()
    n = int(k.max()) + 1
    total = np.bincount(k, values, n)
    count = np.bincount(k, None, n)
    grid = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    seen = np.where(count > 0, np.arange(n), -(10**9))
    last = np.maximum.accumulate(seen)
    hold = (count == 0) & (np.arange(n) - last <= hold_hours)
    grid[hold] = grid[last[hold]]
    return k, grid


def _lagged(x: FloatArray, lags: list[int]) -> FloatArray:
    """Column j holds x[k - lags[j]] (NaN before the start)."""
    out = np.full((x.size, len(lags)), np.nan)
    for j, lag in enumerate(lags):
        if lag < x.size:
            out[lag:, j] = x[: x.size - lag]
    return out


def _trailing_nanmedian(x: FloatArray, size: int, every: int) -> FloatArray:
    """Median of the `size` values before the start of each block of `every` positions, NaNs ignored.

    Recomputed once per block (a day of hours) rather than per position: the scale moves slowly, and
    a median per hour over two weeks cost most of a request's time.
    """
    padded = np.concatenate([np.full(size, np.nan), x[:-1]])
    windows = np.lib.stride_tricks.sliding_window_view(padded, size)[::every]
    out: FloatArray = np.repeat(np.nanmedian(windows, axis=1), every)[: x.size]
    return out


def seasonal_z(seconds: FloatArray, values: FloatArray, params: SeasonalParams) -> FloatArray:
    """Robust z of each reading against its hour-of-day and hour-of-week baselines (0 where no baseline yet).

    The smaller of the two residuals counts (and 0 when they disagree in sign): a reading is unusual
    only if it is unusual both for this hour of recent days and for this hour of this weekday, so a
    weekend's normal dip is not a failure.
    """
    # The grid spans first to last reading: bound it (a stream with readings years apart would
    # otherwise allocate an hour per year-hour); older readings get no seasonal baseline (z = 0).
    recent = seconds >= seconds.max() - MAX_GRID_HOURS * HOUR
    z_all = np.zeros(values.size)
    seconds, values = seconds[recent], values[recent]
    k, grid = hourly_grid(seconds, values, params.hold_hours)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no baseline yet
        daily = np.nanmedian(_lagged(grid, [DAY_HOURS * j for j in range(1, params.days + 1)]), axis=1)
        weeks = _lagged(grid, [WEEK_HOURS * j for j in range(1, params.weeks + 1)])
        enough = (~np.isnan(weeks)).sum(axis=1) >= params.min_weeks
        weekly = np.where(enough, np.nanmedian(weeks, axis=1), np.nan)
        size = DAY_HOURS * params.scale_days
        scale_d = MAD_TO_SIGMA * _trailing_nanmedian(np.abs(grid - daily), size, DAY_HOURS)
        scale_w = MAD_TO_SIGMA * _trailing_nanmedian(np.abs(grid - weekly), size, DAY_HOURS)
    floor = 1e-6 * max(float(np.median(np.abs(values))), 1.0)
    zd = (values - daily[k]) / np.maximum(scale_d[k], floor)
    zw = (values - weekly[k]) / np.maximum(scale_w[k], floor)
    smaller = np.where(np.abs(zw) < np.abs(zd), zw, zd)
    agree = np.sign(zw) == np.sign(zd)
    z = np.where(np.isnan(zw), zd, np.where(agree, smaller, 0.0))
    z_all[recent] = np.where(np.isfinite(z), z, 0.0)
    return z_all


def run_hours(seconds: FloatArray, z: FloatArray, threshold: float) -> FloatArray:
    """Hours since the current run of |z| >= threshold (of one sign) began, per reading; -1 outside a run."""
    over = np.abs(z) >= threshold
    sign = np.sign(z)
    starts = over & ~np.r_[False, over[:-1] & over[1:] & (sign[1:] == sign[:-1])]
    run_id = np.cumsum(starts)
    start_time = seconds[np.flatnonzero(starts)]
    since = np.full(z.size, -1.0)
    if start_time.size:
        since[over] = (seconds[over] - start_time[run_id[over] - 1]) / HOUR
    return since


def seasonal_flags(
    seconds: FloatArray, values: FloatArray, params: SeasonalParams
) -> tuple[FloatArray, FloatArray]:
    """(robust z, hours the current run has lasted or -1) of each reading, in time order."""
    z = seasonal_z(seconds, values, params)
    return z, run_hours(seconds, z, params.z_threshold)
