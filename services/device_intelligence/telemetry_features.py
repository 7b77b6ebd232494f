"""Rolling-window failure features: pure functions in one declared, ordered table (training = serving).

Rows must be sorted by (device, day). Windows count the device's last W daily rows including the
current one; a value that was not reported stays NaN and is left out of every statistic, so a
missing battery reading never looks like an empty battery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from device_intelligence.telemetry_simulator import METRIC_NAMES

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

FEATURE_SCHEMA_VERSION = "di-features-1"
HISTORY_DAYS = 28  # the longest window: how much stored history serving needs per device

_TREND_METRICS = (
    "response_time",
    "error_rate",
    "battery_level",
    "signal_strength",
    "usage_frequency",
    "temperature",
    "humidity",
    "data_transfer_rate",
)
_SLOW_TREND_METRICS = ("response_time", "error_rate", "battery_level", "signal_strength")
_COUNT_METRICS = ("restart_count", "connection_drops")


@dataclass(frozen=True)
class Window:
    """Nan-aware sums over the last `size` rows of each device, for every metric at once."""

    size: int
    count: FloatArray
    mean: FloatArray
    var: FloatArray
    slope: FloatArray
    total: FloatArray
    peak: FloatArray


@dataclass(frozen=True)
class Context:
    """What every feature function may read: current values and the precomputed windows."""

    values: FloatArray
    windows: dict[int, Window]


def _col(name: str) -> int:
    return METRIC_NAMES.index(name)


def _current(metric: str) -> Callable[[Context], FloatArray]:
    return lambda ctx: ctx.values[:, _col(metric)]


def _mean(metric: str, w: int) -> Callable[[Context], FloatArray]:
    return lambda ctx: ctx.windows[w].mean[:, _col(metric)]


def _std(metric: str, w: int) -> Callable[[Context], FloatArray]:
    return lambda ctx: np.sqrt(ctx.windows[w].var[:, _col(metric)])


def _slope(metric: str, w: int) -> Callable[[Context], FloatArray]:
    return lambda ctx: ctx.windows[w].slope[:, _col(metric)]


def _deviation(metric: str, w: int) -> Callable[[Context], FloatArray]:
    return lambda ctx: ctx.values[:, _col(metric)] - ctx.windows[w].mean[:, _col(metric)]


def _total(metric: str, w: int) -> Callable[[Context], FloatArray]:
    return lambda ctx: ctx.windows[w].total[:, _col(metric)]


def _peak(metric: str, w: int) -> Callable[[Context], FloatArray]:
    return lambda ctx: ctx.windows[w].peak[:, _col(metric)]


def _history(ctx: Context) -> FloatArray:
    out: FloatArray = ctx.windows[HISTORY_DAYS].count.max(axis=1)
    return out


def _feature_table() -> tuple[tuple[str, Callable[[Context], FloatArray]], ...]:
    table: list[tuple[str, Callable[[Context], FloatArray]]] = [(m, _current(m)) for m in METRIC_NAMES]
    for m in _TREND_METRICS:
        table += [
            (f"{m}_mean_7d", _mean(m, 7)),
            (f"{m}_std_7d", _std(m, 7)),
            (f"{m}_slope_7d", _slope(m, 7)),
            (f"{m}_dev_28d", _deviation(m, HISTORY_DAYS)),
        ]
    table += [(f"{m}_slope_28d", _slope(m, HISTORY_DAYS)) for m in _SLOW_TREND_METRICS]
    for m in _COUNT_METRICS:
        table += [(f"{m}_sum_7d", _total(m, 7)), (f"{m}_sum_28d", _total(m, HISTORY_DAYS))]
    table += [("error_rate_max_7d", _peak("error_rate", 7)), ("history_days", _history)]
    return tuple(table)


FEATURE_TABLE = _feature_table()
FEATURE_NAMES: tuple[str, ...] = tuple(name for name, _ in FEATURE_TABLE)


def segment_starts(row_device: IntArray) -> IntArray:
    """For each row, the index of its device's first row (rows sorted by device)."""
    n = row_device.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.ones(n, dtype=bool)
    change[1:] = row_device[1:] != row_device[:-1]
    starts = np.where(change, np.arange(n), 0)
    return np.maximum.accumulate(starts).astype(np.int64)


def _window(x: FloatArray, t: FloatArray, seg: IntArray, size: int, with_peak: bool) -> Window:
    n = x.shape[0]
    valid = ~np.isnan(x)
    # Centre each device's values and days so cumulative sums stay small (no cancellation).
    offset = np.nan_to_num(np.where(valid, x, np.nan)[seg])
    xc = np.where(valid, x - offset, 0.0)
    tc = np.where(valid, (t - t[seg])[:, None], 0.0)

    def run(a: FloatArray) -> FloatArray:
        c = np.vstack([np.zeros((1, a.shape[1])), np.cumsum(a, axis=0)])
        idx = np.arange(n)
        lo = np.maximum(idx - size + 1, seg)
        out: FloatArray = c[idx + 1] - c[lo]
        return out

    cnt = run(valid.astype(np.float64))
    sx, sxx, st, stt, stx = run(xc), run(xc * xc), run(tc), run(tc * tc), run(tc * xc)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_c = sx / cnt
        var = np.where(cnt >= 2, np.maximum(sxx / cnt - mean_c**2, 0.0), np.nan)
        denom = cnt * stt - st * st
        slope = np.where((cnt >= 3) & (denom > 0), (cnt * stx - st * sx) / denom, np.nan)
    mean = np.where(cnt >= 1, mean_c + offset, np.nan)
    total = np.where(cnt >= 1, sx + cnt * offset, np.nan)
    peak = np.full_like(x, -np.inf)
    for k in range(size if with_peak else 0):
        src = np.arange(n) - k
        ok = src >= seg
        shifted = np.where(ok[:, None], x[np.maximum(src, 0)], np.nan)
        peak = np.fmax(peak, shifted)
    peak = np.where(np.isfinite(peak), peak, np.nan)
    return Window(size, cnt, mean, var, slope, total, peak)


def compute_features(row_device: IntArray, row_day: IntArray, values: FloatArray) -> FloatArray:
    """Feature matrix (rows x FEATURE_NAMES) for rows sorted by (device, day)."""
    if values.ndim != 2 or values.shape[1] != len(METRIC_NAMES):
        raise ValueError(f"values must have {len(METRIC_NAMES)} columns in METRIC_NAMES order")
    if row_device.shape[0] > 1:
        order_ok = (np.diff(row_device) > 0) | ((np.diff(row_device) == 0) & (np.diff(row_day) > 0))
        if not bool(order_ok.all()):
            raise ValueError("rows must be sorted by (device, day) without duplicates")
    seg = segment_starts(row_device)
    t = row_day.astype(np.float64)
    windows = {w: _window(values, t, seg, w, with_peak=w == 7) for w in (7, HISTORY_DAYS)}
    ctx = Context(values=values, windows=windows)
    return np.column_stack([fn(ctx) for _, fn in FEATURE_TABLE]).astype(np.float64)


def latest_features(row_day: IntArray, values: FloatArray) -> FloatArray:
    """Features of the last row of one device's history (the serving path), shape (1, n_features)."""
    device = np.zeros(row_day.shape[0], dtype=np.int64)
    return compute_features(device, row_day, values)[-1:]
