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

from device_intelligence.telemetry import METRIC_NAMES

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

FEATURE_SCHEMA_VERSION = "di-features-2"
HISTORY_DAYS = 28  # the longest window: how much stored history serving needs per device
SHORT_DAYS = 7  # the recent window compared with the device's own lagged baseline (the rows before it)

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
# Multiplicative metrics are compared on a log scale (a device whose responses double is as suspicious
# at 60 ms as at 600 ms); the floor keeps zeros finite.
_LOG_METRICS = {"response_time": 1.0, "error_rate": 1e-3, "data_transfer_rate": 1e-2}
# The smallest spread a z-score divides by, in the compared scale (a flat baseline must not explode it).
_SPREAD_FLOOR = {
    "response_time": 0.05,
    "error_rate": 0.05,
    "battery_level": 0.5,
    "signal_strength": 0.5,
    "usage_frequency": 0.02,
    "temperature": 0.1,
    "humidity": 0.5,
    "data_transfer_rate": 0.05,
    "restart_count": 0.2,
    "connection_drops": 0.2,
}
_SLOPE_CHANGE_METRICS = ("response_time", "error_rate", "battery_level", "signal_strength")
MAX_DAYS_TO_EMPTY = 365.0


@dataclass(frozen=True)
class Sums:
    """Nan-aware running sums over a span of each device's rows (values and days centred per device)."""

    count: FloatArray
    sx: FloatArray
    sxx: FloatArray
    st: FloatArray
    stt: FloatArray
    stx: FloatArray

    def __sub__(self, other: Sums) -> Sums:
        """The sums over the rows in `self`'s span but not in `other`'s (a lagged span)."""
        return Sums(
            self.count - other.count,
            self.sx - other.sx,
            self.sxx - other.sxx,
            self.st - other.st,
            self.stt - other.stt,
            self.stx - other.stx,
        )


@dataclass(frozen=True)
class Stats:
    """Mean, variance and least-squares slope (per day) over a span, NaN where too few values."""

    count: FloatArray
    mean: FloatArray
    var: FloatArray
    slope: FloatArray
    total: FloatArray


def _stats(s: Sums, offset: FloatArray) -> Stats:
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_c = s.sx / s.count
        var = np.where(s.count >= 2, np.maximum(s.sxx / s.count - mean_c**2, 0.0), np.nan)
        denom = s.count * s.stt - s.st * s.st
        slope = np.where((s.count >= 3) & (denom > 1e-9), (s.count * s.stx - s.st * s.sx) / denom, np.nan)
    mean = np.where(s.count >= 1, mean_c + offset, np.nan)
    total = np.where(s.count >= 1, s.sx + s.count * offset, np.nan)
    return Stats(s.count, mean, var, slope, total)


@dataclass(frozen=True)
class Window:
    """Nan-aware statistics over the last `size` rows of each device, for every metric at once."""

    size: int
    count: FloatArray
    mean: FloatArray
    var: FloatArray
    slope: FloatArray
    total: FloatArray
    peak: FloatArray
    sums: Sums
    offset: FloatArray


@dataclass(frozen=True)
class Context:
    """What every feature function may read: current values, their transforms and the windows.

    `tvalues` holds the metrics on the scale their changes are compared on (log for the
    multiplicative ones, see `_LOG_METRICS`); `twindows` are windows over `tvalues`, and `baseline`
    the device's own lagged baseline: the rows of the long window before the short one.
    """

    values: FloatArray
    windows: dict[int, Window]
    tvalues: FloatArray
    twindows: dict[int, Window]
    baseline: Stats
    gap_days: FloatArray


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


def _shift(metric: str) -> Callable[[Context], FloatArray]:
    """Recent mean minus the device's own lagged baseline (compared scale)."""
    return lambda ctx: ctx.twindows[SHORT_DAYS].mean[:, _col(metric)] - ctx.baseline.mean[:, _col(metric)]


def _shift_z(metric: str) -> Callable[[Context], FloatArray]:
    """The shift in units of the baseline's own spread (floored)."""

    def fn(ctx: Context) -> FloatArray:
        j = _col(metric)
        shift = ctx.twindows[SHORT_DAYS].mean[:, j] - ctx.baseline.mean[:, j]
        spread = np.sqrt(np.fmax(ctx.baseline.var[:, j], _SPREAD_FLOOR[metric] ** 2))
        out: FloatArray = shift / spread
        return out

    return fn


def _slope_change(metric: str) -> Callable[[Context], FloatArray]:
    """Recent slope minus the baseline's slope (compared scale): an accelerating trend."""
    return lambda ctx: ctx.twindows[SHORT_DAYS].slope[:, _col(metric)] - ctx.baseline.slope[:, _col(metric)]


def _days_to_empty(ctx: Context) -> FloatArray:
    """Days until the battery reaches 0 at the recent rate (capped at a year; NaN without a battery)."""
    j = _col("battery_level")
    level, slope = ctx.values[:, j], ctx.windows[SHORT_DAYS].slope[:, j]
    with np.errstate(invalid="ignore", divide="ignore"):
        days = np.where(slope < -1e-3, level / -slope, MAX_DAYS_TO_EMPTY)
    out: FloatArray = np.where(np.isnan(level), np.nan, np.clip(days, 0.0, MAX_DAYS_TO_EMPTY))
    return out


def _gap(ctx: Context) -> FloatArray:
    return ctx.gap_days


def _feature_table() -> tuple[tuple[str, Callable[[Context], FloatArray]], ...]:
    table: list[tuple[str, Callable[[Context], FloatArray]]] = [(m, _current(m)) for m in METRIC_NAMES]
    for m in _TREND_METRICS:
        table += [
            (f"{m}_mean_7d", _mean(m, SHORT_DAYS)),
            (f"{m}_std_7d", _std(m, SHORT_DAYS)),
            (f"{m}_slope_7d", _slope(m, SHORT_DAYS)),
            (f"{m}_dev_28d", _deviation(m, HISTORY_DAYS)),
        ]
    table += [(f"{m}_slope_28d", _slope(m, HISTORY_DAYS)) for m in _SLOW_TREND_METRICS]
    for m in _COUNT_METRICS:
        table += [(f"{m}_sum_7d", _total(m, SHORT_DAYS)), (f"{m}_sum_28d", _total(m, HISTORY_DAYS))]
    table += [("error_rate_max_7d", _peak("error_rate", SHORT_DAYS)), ("history_days", _history)]
    # Per-device baselines: the last week against the same device's preceding three weeks.
    for m in _TREND_METRICS + _COUNT_METRICS:
        table += [(f"{m}_shift_7d", _shift(m)), (f"{m}_shift_z_7d", _shift_z(m))]
    table += [(f"{m}_slope_change_7d", _slope_change(m)) for m in _SLOPE_CHANGE_METRICS]
    table += [("battery_days_to_empty", _days_to_empty), ("days_since_previous_report", _gap)]
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


def _transform(values: FloatArray) -> FloatArray:
    """Metrics on the scale their changes are compared on: log for the multiplicative ones."""
    out = values.copy()
    for name, floor in _LOG_METRICS.items():
        j = _col(name)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j] = np.log(np.maximum(values[:, j], 0.0) + floor)
    return out


@dataclass(frozen=True)
class _Cumulative:
    """Running sums of each device's centred values from the first row on; every window size reads them."""

    offset: FloatArray
    sums: tuple[FloatArray, ...]  # count, x, xx, t, tt, tx, each with a leading row of zeros


def _cumulative(x: FloatArray, t: FloatArray, seg: IntArray) -> _Cumulative:
    valid = ~np.isnan(x)
    # Centre each device's values and days so cumulative sums stay small (no cancellation).
    offset = np.nan_to_num(np.where(valid, x, np.nan)[seg])
    xc = np.where(valid, x - offset, 0.0)
    tc = np.where(valid, (t - t[seg])[:, None], 0.0)

    def cum(a: FloatArray) -> FloatArray:
        c = np.empty((a.shape[0] + 1, a.shape[1]))
        c[0] = 0.0
        np.cumsum(a, axis=0, out=c[1:])
        return c

    parts = (valid.astype(np.float64), xc, xc * xc, tc, tc * tc, tc * xc)
    return _Cumulative(offset, tuple(cum(a) for a in parts))


def _window(x: FloatArray, cum: _Cumulative, seg: IntArray, size: int, with_peak: bool) -> Window:
    n = x.shape[0]
    idx = np.arange(n)
    lo = np.maximum(idx - size + 1, seg)
    sums = Sums(*(c[1:] - c[lo] for c in cum.sums))
    offset = cum.offset
    st = _stats(sums, offset)
    peak = np.full_like(x, -np.inf)
    for k in range(size if with_peak else 0):
        src = idx - k
        ok = src >= seg
        shifted = np.where(ok[:, None], x[np.maximum(src, 0)], np.nan)
        peak = np.fmax(peak, shifted)
    peak = np.where(np.isfinite(peak), peak, np.nan)
    return Window(size, st.count, st.mean, st.var, st.slope, st.total, peak, sums, offset)


def compute_features(row_device: IntArray, row_day: IntArray, values: FloatArray) -> FloatArray:
    """Feature matrix (rows x FEATURE_NAMES) for rows sorted by (device, day).

    Every statistic of a row uses that device's rows up to and including it, never a later one.
    """
    if values.ndim != 2 or values.shape[1] != len(METRIC_NAMES):
        raise ValueError(f"values must have {len(METRIC_NAMES)} columns in METRIC_NAMES order")
    if row_device.shape[0] > 1:
        order_ok = (np.diff(row_device) > 0) | ((np.diff(row_device) == 0) & (np.diff(row_day) > 0))
        if not bool(order_ok.all()):
            raise ValueError("rows must be sorted by (device, day) without duplicates")
    seg = segment_starts(row_device)
    t = row_day.astype(np.float64)
    cum = _cumulative(values, t, seg)
    windows = {w: _window(values, cum, seg, w, with_peak=w == SHORT_DAYS) for w in (SHORT_DAYS, HISTORY_DAYS)}
    tvalues = _transform(values)
    cum = _cumulative(tvalues, t, seg)
    twindows = {w: _window(tvalues, cum, seg, w, with_peak=False) for w in (SHORT_DAYS, HISTORY_DAYS)}
    del cum  # the running sums (six arrays per metric table) are not needed past here
    long_w, short_w = twindows[HISTORY_DAYS], twindows[SHORT_DAYS]
    baseline = _stats(long_w.sums - short_w.sums, long_w.offset)
    first = np.arange(row_day.shape[0]) == seg
    gap = np.where(first, np.nan, t - np.r_[t[:1], t[:-1]])
    ctx = Context(values, windows, tvalues, twindows, baseline, gap)
    return np.column_stack([fn(ctx) for _, fn in FEATURE_TABLE]).astype(np.float64)


def latest_features(row_day: IntArray, values: FloatArray) -> FloatArray:
    """Features of the last row of one device's history (the serving path), shape (1, n_features)."""
    device = np.zeros(row_day.shape[0], dtype=np.int64)
    return compute_features(device, row_day, values)[-1:]
