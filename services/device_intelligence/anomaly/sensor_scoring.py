"""One sensor stream scored causally: the IsolationForest on trailing-window features plus the seasonal residual.

The combined score lives on the forest's scale so one stored threshold decides `is_anomaly`:
score = max(forest score, seasonal score), where the seasonal score reaches the forest's
threshold exactly when the robust z has stayed beyond its threshold (one sign) for the minimum run,
and stays below it otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from device_intelligence.anomaly.seasonal import SeasonalParams, seasonal_flags
from device_intelligence.anomaly.sensor_streams import (
    HOUR,
    flagged_spans,
    sampling_interval,
    span_kind,
    stream_features,
)

if TYPE_CHECKING:
    from device_intelligence.anomaly.model import Detector

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class StreamScores:
    """Per-reading results of one stream in time order."""

    score: FloatArray
    flags: NDArray[np.bool_]
    forest: FloatArray
    seasonal_z: FloatArray
    run_hours: FloatArray
    interval_seconds: float
    features: FloatArray


def combine(
    forest: FloatArray, z: FloatArray, run: FloatArray, threshold: float, params: SeasonalParams
) -> FloatArray:
    """max(forest score, seasonal score on the forest's scale): >= threshold iff either path alarms."""
    ratio = np.abs(z) / params.z_threshold
    sustained = (ratio >= 1.0) & (run >= params.min_run_hours)
    above = threshold + (1.0 - threshold) * (1.0 - 1.0 / np.maximum(ratio, 1.0))
    below = threshold * np.minimum(ratio, 0.999)
    out: FloatArray = np.maximum(forest, np.where(sustained, above, below))
    return out


def score_stream(
    detector: Detector, params: SeasonalParams, seconds: FloatArray, values: FloatArray
) -> StreamScores:
    """Score every reading of a time-ordered stream (UNIX seconds, finite values) from its past only."""
    # Values near the float limits overflow sums and differences; such features become unknown
    # (filled by the detector) and such z's 0, rather than warnings or a 500.
    with np.errstate(all="ignore"):
        features = stream_features(values, seconds)
        forest = detector.score(features)
        z, run = seasonal_flags(seconds, values, params)
        score = combine(forest, z, run, detector.threshold, params)
    flags = score >= detector.threshold
    return StreamScores(score, flags, forest, z, run, sampling_interval(seconds), features)


def hourly_seconds(n: int, start: float = 0.0) -> FloatArray:
    """UNIX times of `n` hourly readings (the synthetic streams' clock)."""
    return start + HOUR * np.arange(n, dtype=np.float64)


def parse_state(value: float | str) -> float | None:
    """A reading's numeric value, or None for HA's `unavailable` / `unknown` and any non-numeric state."""
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        number = float(value)
    return number if math.isfinite(number) else None


def skipped_label(value: float | str) -> str:
    """How a skipped state is counted: HA's own words as they are, anything else as `non_numeric`."""
    text = str(value).strip().lower()
    return text if text in ("unavailable", "unknown") else "non_numeric"


def spans(values: FloatArray, result: StreamScores, params: SeasonalParams) -> list[dict[str, Any]]:
    """Flagged runs (time-order indices) with their peak score and kind (stuck, spike, drift, unusual)."""
    out = []
    for s, e, peak in flagged_spans(result.flags, result.score):
        kind = span_kind(values, s, e, result.features)
        if kind == "unusual" and float(np.abs(result.seasonal_z[s : e + 1]).mean()) >= params.z_threshold:
            kind = "drift"  # a run the seasonal path found: the level left its daily and weekly pattern
        out.append({"start": s, "end": e, "peak_score": round(peak, 4), "kind": kind})
    return out
