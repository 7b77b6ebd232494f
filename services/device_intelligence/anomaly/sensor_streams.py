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
STREAM_SCHEMA_VERSION = "di-stream-1"
SHORT, LONG = 12, 48
STREAM_KINDS = ("temperature", "humidity", "power", "battery")
FAULT_KINDS = ("stuck", "spike", "drift", "flat")


def _windows(x: FloatArray, size: int) -> FloatArray:
    """Centred sliding windows, edges padded by reflection; shape (n, size)."""
    half = size // 2
    padded = (
        np.pad(x, (half, size - 1 - half), mode="reflect")
        if x.size > size
        else np.pad(x, (half, size - 1 - half), mode="edge")
    )
    out: FloatArray = np.lib.stride_tricks.sliding_window_view(padded, size)
    return out


def _trailing_mean(x: FloatArray, size: int) -> FloatArray:
    c = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(1, x.size + 1)
    lo = np.maximum(idx - size, 0)
    out: FloatArray = (c[idx] - c[lo]) / (idx - lo)
    return out


def _run_lengths(x: FloatArray) -> FloatArray:
    """Length of the run of identical consecutive values each reading belongs to."""
    change = np.r_[True, x[1:] != x[:-1]]
    run_id = np.cumsum(change) - 1
    lengths = np.bincount(run_id)
    out: FloatArray = lengths[run_id].astype(np.float64)
    return out


def stream_features(values: FloatArray) -> FloatArray:
    """Per-reading features (len(values) x STREAM_FEATURE_NAMES) of one sensor's stream in time order."""
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size < 3:
        raise ValueError("a stream needs at least 3 readings")
    if not np.isfinite(x).all():
        raise ValueError("stream values must be finite numbers")
    med = float(np.median(x))
    q75, q25 = np.percentile(x, [75, 25])
    tiny = 1e-9 + 1e-6 * abs(med)
    spread = max(float(q75 - q25), float(np.std(x)), tiny)
    steps = np.abs(np.diff(x))
    step = max(float(np.median(steps)), 0.1 * float(steps.mean()), tiny)
    level_z = (x - med) / spread
    spike_z = np.log1p(np.abs(x - np.median(_windows(x, 5), axis=1)) / step)
    local = np.std(_windows(x, SHORT), axis=1)
    eps = 1e-3 * spread
    noise_ratio = np.clip(np.log((local + eps) / (float(np.median(local)) + eps)), -6, 6)
    runs = _run_lengths(x)
    run_ratio = np.log((runs + 1) / (float(np.median(runs)) + 1))
    trailing = _trailing_mean(x, LONG)
    before = (
        np.r_[np.full(LONG, trailing[0]), trailing[:-LONG]] if x.size > LONG else np.full_like(x, trailing[0])
    )
    trend_z = (trailing - before) / spread
    out: FloatArray = np.column_stack(
        [_signed_log(level_z), spike_z, noise_ratio, run_ratio, _signed_log(trend_z)]
    ).astype(np.float64)
    return out


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
