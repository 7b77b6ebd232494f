"""Episode-level evaluation of a sensor's alarms against labelled failure windows, with its two baselines.

Figures per series: windows hit (at least one alarm inside), first-alarm delay (hours after the
window opens, and after the labelled point when there is one), false-alarm rate (share of readings
outside every window that alarm). Baselines: a rolling 3-sigma rule (mean and standard deviation of
the previous 7 days, as acceptance check C2 computes it) and chance (each reading alarms
independently at the method's own overall alarm rate; expected windows hit).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
HOUR = 3600.0


@dataclass(frozen=True)
class Window:
    """A labelled failure window (UNIX seconds, inclusive) and its labelled point if known."""

    start: float
    end: float
    point: float | None = None


def in_windows(seconds: FloatArray, windows: list[Window]) -> BoolArray:
    """True for readings inside any window."""
    inside = np.zeros(seconds.size, dtype=bool)
    for w in windows:
        inside |= (seconds >= w.start) & (seconds <= w.end)
    return inside


def rolling_three_sigma(seconds: FloatArray, values: FloatArray, days: float = 7.0) -> BoolArray:
    """|x - mean| > 3 std of the previous `days` of readings (count sized by the median gap, >= 24 readings)."""
    gaps = np.diff(seconds[: min(seconds.size, 501)])
    step = float(np.median(gaps)) if gaps.size else HOUR
    k = max(24, int(days * 86400 / step))
    c1 = np.concatenate([[0.0], np.cumsum(values)])
    c2 = np.concatenate([[0.0], np.cumsum(values * values)])
    idx = np.arange(values.size)
    lo = np.maximum(idx - k, 0)
    n = (idx - lo).astype(np.float64)
    safe = np.maximum(n, 1.0)
    mean = (c1[idx] - c1[lo]) / safe
    std = np.sqrt(np.maximum((c2[idx] - c2[lo]) / safe - mean * mean, 0.0))
    out: BoolArray = (n > 24) & (np.abs(values - mean) > 3 * np.where(std > 0, std, 1e-9))
    return out


def episode_figures(seconds: FloatArray, flags: BoolArray, windows: list[Window]) -> dict[str, Any]:
    """Windows hit, per-window first-alarm delays and the false-alarm rate outside the windows."""
    inside = in_windows(seconds, windows)
    outside = ~inside
    per_window = []
    for w in windows:
        hits = seconds[(seconds >= w.start) & (seconds <= w.end) & flags]
        first = float(hits[0]) if hits.size else None
        per_window.append(
            {
                "hit": first is not None,
                "delay_hours_from_start": None if first is None else round((first - w.start) / HOUR, 2),
                "delay_hours_from_label": None
                if first is None or w.point is None
                else round((first - w.point) / HOUR, 2),
            }
        )
    n_out = int(outside.sum())
    return {
        "windows_hit": sum(bool(p["hit"]) for p in per_window),
        "windows": len(windows),
        "false_alarm_rate": round(float(flags[outside].sum()) / n_out, 4) if n_out else None,
        "alarm_rate": round(float(flags.mean()), 4),
        "alarms_outside": int(flags[outside].sum()),
        "readings_outside": n_out,
        "per_window": per_window,
    }


def chance_figures(seconds: FloatArray, windows: list[Window], alarm_rate: float) -> dict[str, Any]:
    """Expected windows hit when each reading alarms independently with probability `alarm_rate`."""
    sizes = [int(((seconds >= w.start) & (seconds <= w.end)).sum()) for w in windows]
    expected = sum(1.0 - (1.0 - alarm_rate) ** n for n in sizes)
    return {
        "windows_hit_expected": round(expected, 2),
        "windows": len(windows),
        "false_alarm_rate": round(alarm_rate, 4),
    }


def compare(
    seconds: FloatArray, values: FloatArray, flags: BoolArray, windows: list[Window]
) -> dict[str, Any]:
    """The method's episode figures beside the rolling 3-sigma rule's and chance at the method's alarm rate."""
    method = episode_figures(seconds, flags, windows)
    rule = episode_figures(seconds, rolling_three_sigma(seconds, values), windows)
    return {
        "method": method,
        "rolling_3_sigma": rule,
        "chance_same_alarm_rate": chance_figures(seconds, windows, float(flags.mean())),
    }


def _utc_seconds(text: str) -> float:
    return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC).timestamp()


def read_nab(folder: Path, name: str) -> tuple[FloatArray, FloatArray, list[Window]]:
    """A NAB realKnownCause series (`timestamp,value`, UTC) in time order with its windows and labelled points."""
    with (folder / name).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    seconds = np.array([_utc_seconds(r["timestamp"]) for r in rows])
    values = np.array([float(r["value"]) for r in rows])
    order = np.argsort(seconds, kind="stable")
    key = f"realKnownCause/{name}"
    spans = json.loads((folder / "combined_windows_subset.json").read_text())[key]
    points = [_utc_seconds(p) for p in json.loads((folder / "combined_labels_subset.json").read_text())[key]]
    windows = []
    for start, end in spans:
        a, b = _utc_seconds(start), _utc_seconds(end)
        inside = [p for p in points if a <= p <= b]
        windows.append(Window(a, b, inside[0] if inside else None))
    return seconds[order], values[order], windows


def read_occupancy(path: Path, column: str) -> tuple[FloatArray, FloatArray]:
    """One column of the UCI occupancy series (`time,V1..V4`, 16-min readings) in time order."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    seconds = np.array([_utc_seconds(r["time"]) for r in rows])
    values = np.array([float(r[column]) for r in rows])
    order = np.argsort(seconds, kind="stable")
    return seconds[order], values[order]


def external_data_dir(checkout: Path) -> Path:
    """`../shared/external-data` beside the checkout, or beside the folder holding a git worktree."""
    for parent in (checkout.parent, checkout.parent.parent):
        if (parent / "shared" / "external-data").is_dir():
            return parent / "shared" / "external-data"
    return checkout.parent / "shared" / "external-data"
