"""Failure predictions a user can trust: snapshot vs history vs the rule, calibration before/after, over seeds.

1. Five evaluation seeds (never used to choose anything) of the default fleet (1000 devices x 180 days):
   the service's own `train_and_evaluate` (device+time split); PR-AUC of the history model, of the
   snapshot model (one reading) and of the original rule on the same held-out rows; Brier score and
   ECE of both models before and after calibration (fitted on the validation devices).
2. Which basis serves a device with little history: on each seed's validation (and test) devices,
   every device's history cut to start at several days after the cutoff, so each row has k daily
   rows; PR-AUC of the history model, the snapshot model and the rule by k, pooled over the seeds.
   The serving switch (`snapshot.MIN_HISTORY_DAYS`) is read from the validation figures.
3. Data nobody here wrote: AI4I 2020 (10,000 machine snapshots, 3.4 % failures), split 60/20/20 by
   row (each row is its own product); the same booster settings, calibrator and ECE, with a one-rule
   baseline (rank by tool wear). It checks the calibration method, not our telemetry model.

Writes bench/results/failure_trust.json (with a `table` for bench/run_all.py).
Run: PYTHONPATH=shared:services .venv/bin/python bench/bench_failure_trust.py
"""

from __future__ import annotations

import csv
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss

from device_intelligence.evaluation import rule_score
from device_intelligence.failure.calibration import expected_calibration_error, fit_calibrator
from device_intelligence.failure.model import BoosterParams, train_booster
from device_intelligence.retraining import RetrainOptions, train_and_evaluate
from device_intelligence.telemetry import failure_labels
from device_intelligence.telemetry_features import FEATURE_NAMES, compute_features
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet
from results_file import EXTERNAL, machine, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "failure_trust.json"
SEEDS = (1001, 1002, 1003, 1004, 1005)
HISTORY_BUCKETS = ((1, 3), (3, 7), (7, 14), (14, 21), (21, 29))


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "mean": round(statistics.fmean(values), 5),
        "min": round(min(values), 5),
        "max": round(max(values), 5),
    }


Pooled = dict[tuple[int, int], list[list[np.ndarray]]]


def _new_pool() -> Pooled:
    return {b: [[], [], [], []] for b in HISTORY_BUCKETS}


def seeds_part() -> tuple[dict[str, Any], dict[str, Pooled]]:
    """Figures per seed and their mean/min/max, and the history-length pools (validation and test devices)."""
    per_seed: list[dict[str, float]] = []
    pools = {"validation": _new_pool(), "test": _new_pool()}
    split_method = ""
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        sim_rng, train_rng = rng.spawn(2)
        dataset = simulate_fleet(SimulationOptions(n_devices=1000, days=180), sim_rng)
        ev = train_and_evaluate(dataset, RetrainOptions(seed=seed), train_rng)
        m, s, rule = ev.metrics, ev.metrics["snapshot"], ev.baseline
        per_seed.append(
            {
                "seed": seed,
                "pr_auc_history": m["pr_auc"],
                "pr_auc_snapshot": s["pr_auc"],
                "pr_auc_rule": rule["pr_auc"],
                "positive_rate": m["positive_rate"],
                "brier_history_before": m["brier_uncalibrated"],
                "brier_history_after": m["brier"],
                "ece_history_before": m["ece_uncalibrated"],
                "ece_history_after": m["ece"],
                "brier_snapshot_before": s["brier_uncalibrated"],
                "brier_snapshot_after": s["brier"],
                "ece_snapshot_before": s["ece_uncalibrated"],
                "ece_snapshot_after": s["ece"],
                "threshold_history": m["threshold"],
                "threshold_snapshot": s["threshold"],
            }
        )
        print(per_seed[-1])
        split_method = ev.split.method
        add_to_pool(pools["validation"], dataset, ev, ev.split.val)
        add_to_pool(pools["test"], dataset, ev, ev.split.test)
    keys = [k for k in per_seed[0] if k != "seed"]
    return {
        "split_method": split_method,
        "per_seed": per_seed,
        "summary": {k: _summary([float(r[k]) for r in per_seed]) for k in keys},
    }, pools


def add_to_pool(pool: Pooled, dataset: Any, ev: Any, devices: np.ndarray) -> None:
    """Score the part's devices with their history cut to start every 28 days from the cutoff, by rows kept."""
    split, model = ev.split, ev.model
    y = failure_labels(dataset, model.horizon_days)
    for start in range(split.cutoff_day, int(dataset.row_day.max()) + 1, 28):
        keep = devices & (dataset.row_day >= start)
        x = compute_features(dataset.row_device[keep], dataset.row_day[keep], dataset.values[keep])
        rows = x[:, FEATURE_NAMES.index("history_days")]
        scores = (
            model.predict(x),
            model.snapshot.predict(dataset.values[keep]),
            rule_score(dataset.values[keep]),
        )
        for (lo, hi), parts in pool.items():
            sel = (rows >= lo) & (rows < hi)
            parts[0].append(y[keep][sel])
            for i, score in enumerate(scores):
                parts[i + 1].append(score[sel])


def basis_part(pools: dict[str, Pooled]) -> dict[str, Any]:
    """PR-AUC by daily rows of history (pooled over the seeds): history model, snapshot model, rule."""
    out: dict[str, Any] = {
        "method": "each seed's validation (resp. test) devices, history cut to start every 28 days from the "
        "cutoff; rows pooled over the 5 seeds by how many daily rows of history they have. The switch "
        "(snapshot below MIN_HISTORY_DAYS rows) is read from the validation devices only",
    }
    for part, pool in pools.items():
        rows = []
        for (lo, hi), parts in pool.items():
            labels = np.concatenate(parts[0])
            ap = [round(float(average_precision_score(labels, np.concatenate(p))), 4) for p in parts[1:]]
            rows.append({"daily_rows": f"{lo}-{hi - 1}", "rows": int(labels.size), "positives": int(labels.sum()),
                         "history": ap[0], "snapshot": ap[1], "rule": ap[2]})  # fmt: skip
        out[part] = rows
    return out


def ai4i_part() -> dict[str, Any] | None:
    """The calibration method on AI4I 2020, split 60/20/20 by row (seeded), against a one-rule baseline."""
    path = EXTERNAL / "ai4i2020" / "ai4i2020.tsv"
    if not path.exists():
        return None
    with path.open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    cols = ["Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]", "Torque [Nm]",
            "Tool wear [min]"]  # fmt: skip
    names = (
        "air_temperature",
        "process_temperature",
        "rotational_speed",
        "torque",
        "tool_wear",
        "type_l",
        "type_h",
    )
    x = np.array(
        [[float(r[c]) for c in cols] + [r["Type"] == "L", r["Type"] == "H"] for r in rows], dtype=float
    )
    y = np.array([int(r["Machine failure"]) for r in rows])
    part = np.random.default_rng(2020).permutation(y.size)
    n_train, n_val = int(0.6 * y.size), int(0.2 * y.size)
    tr, va, te = part[:n_train], part[n_train : n_train + n_val], part[n_train + n_val :]
    booster = train_booster(x[tr], y[tr], BoosterParams(), 0, x[va], y[va], feature_names=names)
    raw_val, raw = booster.predict(x[va]), booster.predict(x[te])
    calibrator = fit_calibrator(np.asarray(raw_val, dtype=float), y[va])
    cal = calibrator.apply(raw)
    yt = y[te]
    return {
        "source": "AI4I 2020 predictive maintenance (UCI), ../shared/external-data/ai4i2020",
        "split": "rows shuffled with seed 2020: 60 % train, 20 % validation (early stopping, calibration), "
        "20 % test; each row is a separate product",
        "test_rows": int(te.size),
        "test_positive_rate": round(float(yt.mean()), 4),
        "pr_auc": round(float(average_precision_score(yt, cal)), 4),
        "pr_auc_uncalibrated": round(float(average_precision_score(yt, raw)), 4),
        "pr_auc_rule_tool_wear": round(float(average_precision_score(yt, x[te, 4])), 4),
        "brier_before": round(float(brier_score_loss(yt, raw)), 5),
        "brier_after": round(float(brier_score_loss(yt, cal)), 5),
        "ece_before": round(float(expected_calibration_error(yt, np.asarray(raw, dtype=float)) or 0.0), 5),
        "ece_after": round(float(expected_calibration_error(yt, cal) or 0.0), 5),
    }


def main() -> None:
    """Run the three parts and record them."""
    started = time.perf_counter()
    seeds, pools = seeds_part()
    basis = basis_part(pools)
    ai4i = ai4i_part()
    s = seeds["summary"]

    def cell(key: str) -> str:
        return f"{s[key]['mean']:.4f} ({s[key]['min']:.4f}-{s[key]['max']:.4f})"

    table = [
        {"figure": "PR-AUC history model (mean, min-max over 5 seeds)", "value": cell("pr_auc_history"), "target": None},
        {"figure": "PR-AUC snapshot model, one reading", "value": cell("pr_auc_snapshot"), "target": "> rule"},
        {"figure": "PR-AUC original rule, same rows", "value": cell("pr_auc_rule"), "target": None},
        {"figure": "ECE history before -> after calibration",
         "value": f"{cell('ece_history_before')} -> {cell('ece_history_after')}", "target": "lower"},
        {"figure": "Brier history before -> after calibration",
         "value": f"{cell('brier_history_before')} -> {cell('brier_history_after')}", "target": "lower"},
        {"figure": "ECE snapshot before -> after calibration",
         "value": f"{cell('ece_snapshot_before')} -> {cell('ece_snapshot_after')}", "target": "lower"},
    ]  # fmt: skip
    if ai4i is not None:
        table.append({"figure": "AI4I 2020 test (row split): ECE before -> after; PR-AUC vs tool-wear rule",
                      "value": f"{ai4i['ece_before']} -> {ai4i['ece_after']}; {ai4i['pr_auc']} vs "
                      f"{ai4i['pr_auc_rule_tool_wear']}", "target": None})  # fmt: skip
    doc = {
        "benchmark": "failure_trust",
        "machine": machine(),
        "seconds": round(time.perf_counter() - started, 1),
        "seeds": seeds,
        "basis": basis,
        "ai4i": ai4i,
        "table": table,
    }
    write_results(RESULTS, doc)


if __name__ == "__main__":
    main()
