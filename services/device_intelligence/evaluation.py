"""Honest evaluation of failure scores: device-and-time split, PR-AUC, calibration, lead time, rule baseline."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

from device_intelligence.telemetry import M, TelemetryDataset

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SPLIT_METHOD = (
    "group+temporal: devices split {train}/{val}/{test} (no device in two parts); train rows are the "
    "train devices' days before the cutoff minus a {horizon}-day embargo; validation (threshold, early "
    "stopping) and test rows are days from the cutoff on, of unseen devices"
)


@dataclass(frozen=True)
class Split:
    """Row masks of the train, validation and test parts and how they were made."""

    train: BoolArray
    val: BoolArray
    test: BoolArray
    cutoff_day: int
    method: str
    train_devices: NDArray[np.int64]
    val_devices: NDArray[np.int64]
    test_devices: NDArray[np.int64]


def device_time_split(
    dataset: TelemetryDataset,
    horizon_days: int,
    rng: np.random.Generator,
    val_fraction: float = 0.2,
    test_fraction: float = 0.3,
    cutoff_fraction: float = 0.55,
) -> Split:
    """Split by device (group) and by time: earlier days of training devices vs later days of others."""
    n = dataset.n_devices
    order = rng.permutation(n)
    n_test = max(1, round(n * test_fraction))
    n_val = max(1, round(n * val_fraction))
    test_dev, val_dev, train_dev = order[:n_test], order[n_test : n_test + n_val], order[n_test + n_val :]
    first, last = int(dataset.row_day.min()), int(dataset.row_day.max())
    cutoff = first + round((last - first + 1) * cutoff_fraction)
    dev, day = dataset.row_device, dataset.row_day
    # Embargo: a train row's label looks horizon_days ahead, so it must not see past the cutoff.
    train = np.isin(dev, train_dev) & (day < cutoff - horizon_days)
    val = np.isin(dev, val_dev) & (day >= cutoff)
    test = np.isin(dev, test_dev) & (day >= cutoff)
    method = (
        SPLIT_METHOD.format(train=n - n_test - n_val, val=n_val, test=n_test, horizon=horizon_days)
        + f" (cutoff day {cutoff})"
    )
    return Split(train, val, test, cutoff, method, np.sort(train_dev), np.sort(val_dev), np.sort(test_dev))


def rule_flags(values: FloatArray) -> BoolArray:
    """The original rule: error_rate > 0.1 or battery_level < 20 or response_time > 2000 (NaN = not met)."""
    with np.errstate(invalid="ignore"):
        return (
            (values[:, M["error_rate"]] > 0.1)
            | (values[:, M["battery_level"]] < 20)
            | (values[:, M["response_time"]] > 2000)
        )


def rule_score(values: FloatArray) -> FloatArray:
    """The original rule fallback's points (0-100) as a ranking score for the baseline's PR-AUC."""
    v = values
    with np.errstate(invalid="ignore"):
        pts = (
            30.0 * (v[:, M["error_rate"]] > 0.1)
            + 25.0 * (v[:, M["battery_level"]] < 20)
            + 20.0 * (v[:, M["response_time"]] > 2000)
            + 15.0 * (v[:, M["signal_strength"]] < -80)
            + 10.0 * (v[:, M["connection_drops"]] > 10)
        )
    out: FloatArray = pts / 100.0
    return out


def best_f1_threshold(y: NDArray[Any], p: FloatArray) -> float:
    """The score threshold that maximises F1 on (validation) labels; 0.5 when there is no positive."""
    if int(y.sum()) == 0:
        return 0.5
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    k = np.arange(1, ys.shape[0] + 1)
    f1 = 2 * tp / (k + ys.sum())
    last_of_tie = np.r_[ps[1:] != ps[:-1], True]
    f1 = np.where(last_of_tie, f1, -1.0)
    best = int(np.argmax(f1))
    return float(ps[best])


def calibration_table(y: NDArray[Any], p: FloatArray, bins: int = 10) -> list[dict[str, Any]]:
    """Mean predicted vs observed positive rate per probability bin (empty bins left out)."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        sel = which == b
        if sel.any():
            table.append(
                {
                    "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                    "rows": int(sel.sum()),
                    "mean_predicted": round(float(p[sel].mean()), 4),
                    "observed_rate": round(float(y[sel].mean()), 4),
                }
            )
    return table


PR_CURVE_POINTS = 100


def pr_curve(y: NDArray[Any], p: FloatArray, max_points: int = PR_CURVE_POINTS) -> dict[str, Any] | None:
    """Precision-recall curve thinned to at most `max_points` points spread evenly over recall.

    Each kept point is a real threshold of the curve: for every recall level on an even grid, the highest
    threshold that still reaches it (a curve this short already is kept whole). None when the rows lack a
    positive or a negative.
    """
    y = np.asarray(y).astype(bool)
    if not 0 < int(y.sum()) < y.shape[0]:
        return None
    precision, recall, thresholds = precision_recall_curve(y, p)
    # Drop sklearn's closing (recall 0, precision 1) point: it has no threshold of its own.
    precision, recall = precision[:-1], recall[:-1]
    if recall.shape[0] <= max_points:  # a short curve (a rule's few score levels) is kept whole
        keep = np.arange(recall.shape[0])
    else:
        # Recall falls as the threshold rises: keep the last index still at or above each grid level.
        grid = np.linspace(0.0, 1.0, max_points)
        idx = recall.shape[0] - 1 - np.searchsorted(recall[::-1], grid, side="left")
        keep = np.unique(idx[idx >= 0])
    return {
        "precision": [round(float(v), 4) for v in precision[keep]],
        "recall": [round(float(v), 4) for v in recall[keep]],
        "thresholds": [float(v) for v in thresholds[keep]],  # unrounded: each reproduces its point
        "points": int(keep.shape[0]),
        "full_points": int(thresholds.shape[0]),
    }


def score_metrics(y: NDArray[Any], p: FloatArray, flags: BoolArray) -> dict[str, Any]:
    """PR-AUC / ROC-AUC of the scores and precision, recall, F1, accuracy of the flags."""
    y = y.astype(bool)
    tp = int((flags & y).sum())
    fp = int((flags & ~y).sum())
    fn = int((~flags & y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    has_both = 0 < int(y.sum()) < y.shape[0]
    return {
        "pr_auc": round(float(average_precision_score(y, p)), 4) if has_both else None,
        "roc_auc": round(float(roc_auc_score(y, p)), 4) if has_both else None,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1_score": round(f1, 4),
        "accuracy": round(float((flags == y).mean()), 4) if y.shape[0] else None,
        "rows": int(y.shape[0]),
        "positives": int(y.sum()),
        "positive_rate": round(float(y.mean()), 5) if y.shape[0] else None,
        "alerts": int(flags.sum()),
    }


def lead_times(
    dataset: TelemetryDataset, rows: BoolArray, flags: BoolArray, horizon_days: int
) -> dict[str, dict[str, Any]]:
    """Per failure kind: failures seen, share alerted in time, and days from the first alert to failure.

    The first alert is searched in the `4 x horizon` days before the failure (an alert earlier than that
    is counted as a false alarm, not as lead time); "detected" means an alert within the horizon.
    """
    lookback = 4 * horizon_days
    dev, day = dataset.row_device[rows], dataset.row_day[rows]
    fl = flags[rows]
    out: dict[str, dict[str, Any]] = {}
    per_kind: dict[str, list[float]] = {}
    detected: dict[str, int] = {}
    for d in np.unique(dev):
        fday, kind = int(dataset.failure_day[d]), str(dataset.failure_kind[d]) or "confirmed"
        if fday < 0 or fday <= int(day[dev == d].min()):
            continue
        sel = (dev == d) & (day >= fday - lookback) & (day < fday)
        if not sel.any():
            continue
        alert_days = day[sel & fl]
        per_kind.setdefault(kind, [])
        detected.setdefault(kind, 0)
        if alert_days.size:
            per_kind[kind].append(float(fday - alert_days.min()))
            detected[kind] += int((alert_days >= fday - horizon_days).any())
        else:
            per_kind[kind].append(float("nan"))
    for kind, leads in sorted(per_kind.items()):
        arr = np.array(leads)
        hit = arr[~np.isnan(arr)]
        out[kind] = {
            "failures": int(arr.size),
            "detected_within_horizon": detected[kind],
            "alerted_in_lookback": int(hit.size),
            "median_lead_days": float(np.median(hit)) if hit.size else None,
            "mean_lead_days": round(float(hit.mean()), 2) if hit.size else None,
        }
    return out


def _positive_days_ahead(dataset: TelemetryDataset, rows: BoolArray, horizon_days: int) -> NDArray[np.int64]:
    """Days from each selected row to its device's failure (0 where the row is not a positive)."""
    fday = dataset.failure_day[dataset.row_device[rows]]
    ahead = fday - dataset.row_day[rows]
    return np.where((fday >= 0) & (ahead >= 1) & (ahead <= horizon_days), ahead, 0).astype(np.int64)


def recall_breakdown(
    dataset: TelemetryDataset, rows: BoolArray, flags: BoolArray, horizon_days: int
) -> dict[str, Any]:
    """Device-day recall of `flags` (over all rows) on the `rows` part, by days-before-failure and by kind.

    Also the share of positive rows that no model can see by construction: rows of "sudden" failures
    (no degradation episode) and rows that precede the start of their device's degradation episode.
    `recall_ceiling` is the recall of an oracle that alerts on every in-episode positive row and nothing
    else; `recall_on_predictable` is this model's recall on those in-episode rows only.
    """
    ahead = _positive_days_ahead(dataset, rows, horizon_days)
    pos = ahead > 0
    fl = flags[rows]
    dev = dataset.row_device[rows]
    kind = dataset.failure_kind[dev]
    sudden = pos & (kind == "sudden")
    in_episode = pos & ~sudden & (dataset.row_day[rows] >= dataset.episode_start[dev])
    pre_episode = pos & ~sudden & ~in_episode
    n_pos = int(pos.sum())

    def rec(sel: BoolArray) -> float | None:
        n = int(sel.sum())
        return round(float(fl[sel].sum()) / n, 4) if n else None

    def share(sel: BoolArray) -> float | None:
        return round(float(sel.sum()) / n_pos, 4) if n_pos else None

    by_days = [
        {
            "days_before_failure": d,
            "positives": int((ahead == d).sum()),
            "alerted": int((fl & (ahead == d)).sum()),
            "recall": rec(ahead == d),
            "in_episode_share": round(float(in_episode[ahead == d].mean()), 4)
            if (ahead == d).any()
            else None,
        }
        for d in range(1, horizon_days + 1)
    ]
    by_kind = {
        str(k): {
            "positives": int((pos & (kind == k)).sum()),
            "alerted": int((fl & pos & (kind == k)).sum()),
            "recall": rec(pos & (kind == k)),
        }
        for k in sorted(set(kind[pos].tolist()))
    }
    return {
        "positives": n_pos,
        "recall": rec(pos),
        "by_days_before_failure": by_days,
        "by_failure_kind": by_kind,
        "predictable_ceiling": {
            "sudden_share": share(sudden),
            "pre_episode_share": share(pre_episode),
            "in_episode_share": share(in_episode),
            "recall_ceiling": share(in_episode),
            "recall_on_predictable": rec(in_episode),
            "definition": "positive rows of sudden failures or before the degradation episode began carry "
            "no signal by construction; the ceiling is the share of positive rows inside an episode",
        },
    }


def alert_episodes(days: NDArray[np.int64], flags: BoolArray, max_gap: int = 2) -> list[tuple[int, int]]:
    """(first day, last day) of each run of alerts of one device; alerts at most `max_gap` days apart join."""
    alert_days = days[flags]
    if alert_days.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(alert_days) > max_gap)
    firsts = np.r_[alert_days[0], alert_days[breaks + 1]]
    lasts = np.r_[alert_days[breaks], alert_days[-1]]
    return [(int(a), int(b)) for a, b in zip(firsts, lasts, strict=True)]


def gives_warning(dataset: TelemetryDataset) -> BoolArray:
    """Per device: does its failure give warning? False only where the ground truth records no episode.

    The simulator marks a sudden failure by an episode that starts on the failure day; real, recorded
    failures have no known episode (`episode_start` -1) and all count as giving warning.
    """
    known = dataset.episode_start >= 0
    return ~(known & (dataset.episode_start >= dataset.failure_day))


def failure_level(
    dataset: TelemetryDataset, rows: BoolArray, flags: BoolArray, horizon_days: int
) -> dict[str, Any]:
    """Event-level figures: did each failure get an alert in time, and was each alert run followed by one?

    - failure_recall: failures (with at least one scored row in the `horizon_days` before them) that got
      at least one alert in those days (so at least a day ahead: a failed device reports no more rows).
    - warning_recall: the same over failures that give warning (`gives_warning`); sudden ones left out.
    - alert_precision: alert episodes (runs of alert days, gaps of <= 2 days joined) whose last day lies
      within `horizon_days` before the device's failure.
    - median_lead_days: over detected failures that give warning, days from the first alert of the episode
      that caught the failure to the failure; `lead_days` lists that figure for every detected failure
      (ascending) and `lead_days_by_kind` splits it by failure kind.
    - by_kind: failures and detected failures per failure kind.
    """
    dev_all, day_all, fl_all = dataset.row_device[rows], dataset.row_day[rows], flags[rows]
    order = np.lexsort((day_all, dev_all))
    dev_all, day_all, fl_all = dev_all[order], day_all[order], fl_all[order]
    bounds = np.flatnonzero(np.r_[True, dev_all[1:] != dev_all[:-1], True])
    warns = gives_warning(dataset)
    failures = detected = warned = warned_detected = episodes = true_episodes = 0
    leads: list[float] = []
    warned_leads: list[float] = []
    by_kind: dict[str, list[float]] = {}
    kinds: dict[str, dict[str, int]] = {}
    for lo, hi in itertools.pairwise(bounds.tolist()):
        d = int(dev_all[lo])
        days, fl = day_all[lo:hi], fl_all[lo:hi]
        fday = int(dataset.failure_day[d])
        runs = alert_episodes(days, fl)
        episodes += len(runs)
        if fday < 0:
            continue
        true_runs = [(a, b) for a, b in runs if 1 <= fday - b <= horizon_days]
        true_episodes += len(true_runs)
        if not ((days >= fday - horizon_days) & (days < fday)).any():
            continue
        kind = str(dataset.failure_kind[d]) or "confirmed"
        tally = kinds.setdefault(kind, {"failures": 0, "detected": 0})
        failures += 1
        tally["failures"] += 1
        warned += int(warns[d])
        if true_runs:
            detected += 1
            tally["detected"] += 1
            lead = float(fday - true_runs[-1][0])
            leads.append(lead)
            by_kind.setdefault(kind, []).append(lead)
            if warns[d]:
                warned_detected += 1
                warned_leads.append(lead)
    return {
        "failures": failures,
        "detected": detected,
        "failure_recall": round(detected / failures, 4) if failures else None,
        "failures_with_warning": warned,
        "detected_with_warning": warned_detected,
        "warning_recall": round(warned_detected / warned, 4) if warned else None,
        "alerts": episodes,
        "true_alerts": true_episodes,
        "alert_precision": round(true_episodes / episodes, 4) if episodes else None,
        "median_lead_days": float(np.median(warned_leads)) if warned_leads else None,
        "lead_days": sorted(leads),
        "lead_days_by_kind": {k: sorted(v) for k, v in sorted(by_kind.items())},
        "by_kind": {
            k: v | {"recall": round(v["detected"] / v["failures"], 4)} for k, v in sorted(kinds.items())
        },
        "definition": f"a failure counts once, detected when an alert fired in the {horizon_days} days before "
        "it; an alert is a run of alert days (gaps <= 2 days joined), true when its last day is within "
        f"{horizon_days} days before the device's failure",
    }


FORECAST_DEFINITION = (
    "precision and accuracy are per held-out device-day (an alert is right when the device fails within the "
    "horizon); recall is per failure, over the failures that give warning (the simulator's ground truth says "
    "which; on real data, every recorded failure), detected when an alert fired at least 1 day and at most "
    "the horizon before it; f1_score is the harmonic mean of those two; median_lead_days is over the "
    "detected failures. Reported, not gated: row_recall (device-days), failure_recall_all (sudden failures "
    "included) and recall per failure kind."
)


def forecast_metrics(
    dataset: TelemetryDataset, rows: BoolArray, y: NDArray[Any], p: FloatArray, flags: BoolArray,
    horizon_days: int,
) -> dict[str, Any]:  # fmt: skip
    """The gated figures of a failure forecaster on the `rows` part (labels `y`, scores `p`, `flags` of those).

    `precision`/`accuracy` are device-day figures, `recall` is failure-level over failures that give
    warning, `f1_score` their harmonic mean; device-day recall and F1 stay as `row_recall`/`row_f1_score`.
    """
    m = score_metrics(y, p, flags)
    all_flags = np.zeros(dataset.n_rows, dtype=bool)
    all_flags[rows] = flags
    events = failure_level(dataset, rows, all_flags, horizon_days)
    precision, recall = m["precision"], events["warning_recall"]
    f1 = 2 * precision * recall / (precision + recall) if recall is not None and precision + recall else 0.0
    return m | {
        "row_recall": m["recall"],
        "row_f1_score": m["f1_score"],
        "recall": recall,
        "f1_score": round(f1, 4) if recall is not None else None,
        "failure_recall_all": events["failure_recall"],
        "failures_with_warning": events["failures_with_warning"],
        "detected_with_warning": events["detected_with_warning"],
        "median_lead_days": events["median_lead_days"],
        "recall_by_kind": events["by_kind"],
        "metric_definitions": FORECAST_DEFINITION,
        "failure_level": {k: v for k, v in events.items() if not k.startswith("lead_days")},
        "lead_days": events["lead_days"],
        "lead_days_by_kind": events["lead_days_by_kind"],
    }
