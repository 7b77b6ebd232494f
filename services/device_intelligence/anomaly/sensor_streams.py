"""A sensor's own value stream: self-normalised per-reading features, synthetic streams, injected faults.

Every feature is scaled by the stream's own typical behaviour (its median level, spread, step size,
local noise and run lengths), so one model serves temperature, humidity, power or battery streams
in any unit: a battery that changes in steps is normal, a temperature that stops moving is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

STREAM_FEATURE_NAMES: tuple[str, ...] = (
    "level_z",
    "spike_z",
    "local_noise_ratio",
    "run_length_ratio",
    "trend_z",
)
STREAM_SCHEMA_VERSION = "di-stream-2"
HOUR = 3600.0
SHORT_HOURS, LONG_HOURS, CONTEXT_HOURS = 12.0, 48.0, 7 * 24.0
"""Trailing windows as durations: converted to readings through the stream's sampling interval."""
STREAM_KINDS = ("temperature", "humidity", "power", "battery")
FAULT_KINDS = ("stuck", "spike", "drift", "flat")


def sampling_interval(seconds: FloatArray) -> float:
    """Median gap between consecutive readings (seconds); one hour when the stream gives no gap."""
    gaps = np.diff(seconds)
    gaps = gaps[gaps > 0]
    return float(np.median(gaps)) if gaps.size else HOUR


def window_readings(hours: float, interval: float) -> int:
    """Readings in a trailing window of `hours` at the stream's sampling interval (at least 3)."""
    return max(3, round(hours * HOUR / interval))


def _trailing_sum(x: FloatArray, size: int, include_current: bool) -> tuple[FloatArray, FloatArray]:
    """Sum and count of the `size` values ending at (or just before) each position."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    hi = np.arange(1, x.size + 1) - (0 if include_current else 1)
    lo = np.maximum(hi - size, 0)
    return c[hi] - c[lo], (hi - lo).astype(np.float64)


def _trailing_mean(x: FloatArray, size: int, include_current: bool = True) -> FloatArray:
    total, count = _trailing_sum(x, size, include_current)
    out: FloatArray = np.where(count > 0, total / np.maximum(count, 1.0), np.nan)
    return out


def _trailing_std(x: FloatArray, size: int, include_current: bool = True) -> FloatArray:
    # Centred on the series mean first: the cumulative sums of squares then do not lose precision.
    centred = x - float(x.mean())
    mean = _trailing_mean(centred, size, include_current)
    sq = _trailing_mean(centred * centred, size, include_current)
    out: FloatArray = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    return out


def _run_lengths_so_far(x: FloatArray) -> FloatArray:
    """How many identical consecutive values end at each reading (itself included): causal."""
    change = np.r_[True, x[1:] != x[:-1]]
    idx = np.arange(x.size)
    start = np.maximum.accumulate(np.where(change, idx, 0))
    out: FloatArray = (idx - start + 1).astype(np.float64)
    return out


def _fill_start(x: FloatArray, fallback: float) -> FloatArray:
    """The first readings have no trailing context: NaN becomes the first defined value (or `fallback`)."""
    finite = np.flatnonzero(np.isfinite(x))
    first = float(x[finite[0]]) if finite.size else fallback
    out: FloatArray = np.where(np.isfinite(x), x, first)
    return out


def stream_features(values: FloatArray, seconds: FloatArray | None = None) -> FloatArray:
    """Per-reading causal features (len(values) x STREAM_FEATURE_NAMES) of one sensor's stream in time order.

    A reading is compared with its own trailing context only (never with later readings or with the
    whole submitted stream): windows of SHORT_HOURS, LONG_HOURS and CONTEXT_HOURS, converted into
    readings through the sampling interval (`seconds` = UNIX times; hourly when not given).
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size < 3:
        raise ValueError("a stream needs at least 3 readings")
    if not np.isfinite(x).all():
        raise ValueError("stream values must be finite numbers")
    interval = HOUR if seconds is None else sampling_interval(np.asarray(seconds, dtype=np.float64))
    short, long = window_readings(SHORT_HOURS, interval), window_readings(LONG_HOURS, interval)
    context = window_readings(CONTEXT_HOURS, interval)
    tiny = 1e-9 + 1e-6 * abs(float(np.median(x)))
    # Level and spread of the context before the reading: its mean and std, the spread floored by
    # the typical step so a quiet sensor does not turn every small change into a big z.
    level = _fill_start(_trailing_mean(x, context, include_current=False), float(x[0]))
    steps = np.abs(np.diff(x, prepend=x[0]))
    step = _fill_start(_trailing_mean(steps, context, include_current=False), 0.0)
    step = np.maximum(step, tiny)
    spread = _fill_start(_trailing_std(x, context, include_current=False), 0.0)
    spread = np.maximum(spread, 2.0 * step)
    level_z = (x - level) / spread
    prev = np.stack([np.r_[np.full(k, x[0]), x[:-k]][: x.size] for k in (1, 2, 3, 4)], axis=1)
    spike_z = np.log1p(np.abs(x - np.median(prev, axis=1)) / step)
    local = _trailing_std(x, short)
    eps = 1e-3 * spread
    typical = _fill_start(_trailing_mean(local, context, include_current=False), float(local[0]))
    noise_ratio = np.clip(np.log((local + eps) / (typical + eps)), -6, 6)
    runs = _run_lengths_so_far(x)
    # Typical run length = 1 / share of readings that changed in the context: a long stuck period
    # lowers that share only slowly, so it stays unusual (a mean of run lengths would absorb it).
    changed = np.r_[1.0, (x[1:] != x[:-1]).astype(np.float64)]
    change_rate = _fill_start(_trailing_mean(changed, context, include_current=False), 1.0)
    typical_run = 1.0 / np.maximum(change_rate, 1.0 / context)
    run_ratio = np.log((runs + 1) / (typical_run + 1))
    recent = _trailing_mean(x, short)
    before = np.r_[np.full(long, recent[0]), recent[:-long]] if x.size > long else np.full_like(x, recent[0])
    trend_z = (recent - before) / spread
    out: FloatArray = np.column_stack(
        [_signed_log(level_z), spike_z, noise_ratio, run_ratio, _signed_log(trend_z)]
    ).astype(np.float64)
    # Values near the float limits overflow the sums: such a feature is unknown (the detector fills it).
    return np.where(np.isfinite(out), out, np.nan)


def _signed_log(z: FloatArray) -> FloatArray:
    # Compresses heavy tails (power streams) so one healthy kind does not set everyone's range.
    out: FloatArray = np.sign(z) * np.log1p(np.abs(z))
    return out


@dataclass(frozen=True)
class InjectedStream:
    """A synthetic stream with its fault labels (1 = injected anomalous reading)."""

    kind: str
    fault: str
    values: FloatArray
    labels: NDArray[np.int8]


def normal_stream(kind: str, n: int, rng: np.random.Generator) -> FloatArray:
    """A healthy stream of `kind` sampled hourly-ish: daily cycle, slow season, noise, quantisation."""
    t = np.arange(n, dtype=np.float64)
    period = rng.choice([24.0, 48.0, 96.0])
    phase = rng.uniform(0, 2 * np.pi)
    if kind == "temperature":
        x = rng.normal(21, 2) + rng.uniform(0.5, 3) * np.sin(2 * np.pi * t / period + phase)
        x = x + np.cumsum(rng.normal(0, 0.03, n)) + rng.normal(0, rng.uniform(0.05, 0.3), n)
        return np.asarray(np.round(x, 1), dtype=np.float64)
    if kind == "humidity":
        x = rng.normal(50, 8) + rng.uniform(2, 8) * np.sin(2 * np.pi * t / period + phase)
        x = np.clip(x + np.cumsum(rng.normal(0, 0.1, n)) + rng.normal(0, 1.0, n), 0, 100)
        return np.asarray(np.round(x), dtype=np.float64)
    if kind == "power":
        on = rng.random(n) < rng.uniform(0.1, 0.5)
        x = np.where(on, rng.uniform(50, 2000), rng.uniform(0, 5)) * rng.lognormal(0, 0.1, n)
        return np.asarray(np.round(x, 1), dtype=np.float64)
    drain = rng.uniform(0.001, 0.02)
    x = np.clip(rng.uniform(60, 100) - drain * t + rng.normal(0, 0.3, n), 0, 100)
    return np.asarray(np.round(x), dtype=np.float64)


def inject(values: FloatArray, fault: str, rng: np.random.Generator) -> tuple[FloatArray, NDArray[np.int8]]:
    """Inject one fault of kind `fault` into a copy of `values`; returns the stream and its labels."""
    x = values.copy()
    n = x.size
    labels = np.zeros(n, dtype=np.int8)
    spread = max(float(np.subtract(*np.percentile(x, [75, 25]))), float(np.std(x)), 1e-3)
    start = int(rng.integers(n // 3, n - n // 4))
    length = int(rng.integers(n // 10, n // 5))
    end = min(n, start + length)
    if fault == "stuck":
        x[start:end] = x[start]
        labels[start:end] = 1
    elif fault == "flat":
        x[start:end] = 0.0 if abs(float(np.median(x))) > 3 * spread else float(np.median(x)) - 6 * spread
        labels[start:end] = 1
    elif fault == "drift":
        x[start:end] += np.linspace(0, rng.choice([-1, 1]) * rng.uniform(3, 6) * spread, end - start)
        labels[start:end] = 1
    elif fault == "spike":
        idx = rng.choice(np.arange(n // 10, n), size=max(3, n // 200), replace=False)
        x[idx] += rng.choice([-1, 1], idx.size) * rng.uniform(4, 10, idx.size) * spread
        labels[idx] = 1
    else:
        raise ValueError(f"unknown fault {fault!r}")
    return x, labels


def training_streams(rng: np.random.Generator, per_kind: int = 12, length: int = 1500) -> list[FloatArray]:
    """Healthy streams of every kind, the sensor model's training data."""
    return [normal_stream(k, length, rng) for k in STREAM_KINDS for _ in range(per_kind)]


def faulty_streams(rng: np.random.Generator, per_pair: int = 3, length: int = 1500) -> list[InjectedStream]:
    """Streams of every kind with every injected fault, for evaluating the sensor model."""
    out = []
    for kind in STREAM_KINDS:
        for fault in FAULT_KINDS:
            for _ in range(per_pair):
                x, y = inject(normal_stream(kind, length, rng), fault, rng)
                out.append(InjectedStream(kind, fault, x, y))
    return out


def flagged_spans(
    flags: NDArray[np.bool_], scores: FloatArray, max_gap: int = 3
) -> list[tuple[int, int, float]]:
    """Runs of flagged readings (merging gaps up to `max_gap`): (first index, last index, peak score)."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > max_gap + 1)
    starts = np.r_[idx[0], idx[breaks + 1]]
    ends = np.r_[idx[breaks], idx[-1]]
    return [(int(s), int(e), float(scores[s : e + 1].max())) for s, e in zip(starts, ends, strict=True)]


def span_kind(values: FloatArray, start: int, end: int, features: FloatArray) -> str:
    """A readable guess of what a flagged span looks like: stuck, spike, drift or unusual."""
    seg = values[start : end + 1]
    if seg.size >= 3 and float(np.ptp(seg)) == 0.0:
        return "stuck"
    if end - start + 1 <= 3:
        return "spike"
    if float(np.abs(features[start : end + 1, STREAM_FEATURE_NAMES.index("level_z")]).mean()) > 2.0:
        return "drift"
    return "unusual"
