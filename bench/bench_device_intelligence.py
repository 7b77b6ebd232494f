"""Device-intelligence benchmark: training time, /predict latency over loopback HTTP, batch, incremental vs full.

Writes bench/results/device_intelligence.json (with a `table` for bench/run_all.py).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from device_intelligence.evaluation import best_f1_threshold, device_time_split, score_metrics
from device_intelligence.failure.model import BoosterParams, train_booster
from device_intelligence.retraining import INCREMENTAL_ROUNDS, RetrainOptions, retrain
from device_intelligence.telemetry import failure_labels
from device_intelligence.telemetry_features import compute_features
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet
from homeiq_shared.model_registry import ModelRegistry
from results_file import load_average, machine, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "device_intelligence.json"
SEED = 42


def bench_training(models_dir: Path) -> dict[str, Any]:
    """Full retrain (simulate + features + LightGBM + evaluation + IsolationForests + register) on 1000 x 180."""
    started = time.perf_counter()
    result = retrain(ModelRegistry(models_dir), RetrainOptions(seed=SEED, force=True))
    wall = time.perf_counter() - started
    return {
        "wall_seconds": round(wall, 2),
        "steps_seconds": result.seconds,
        "metrics": {
            k: result.metrics[k] for k in ("pr_auc", "precision", "recall", "f1_score", "accuracy", "brier")
        },
        "rule_baseline": {
            k: result.baseline[k] for k in ("pr_auc", "precision", "recall", "f1_score", "accuracy")
        },
        "gates": result.gates["verdict"],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_service(models_dir: Path, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m device_intelligence` on a free loopback port with these folders; (process, base URL)."""
    port = _free_port()
    env = os.environ | {
        "DEVICE_INTELLIGENCE_MODELS_DIR": str(models_dir),
        "DEVICE_INTELLIGENCE_DATA_DIR": str(data_dir),
        "DEVICE_INTELLIGENCE_LOG_LEVEL": "WARNING",
    }
    cmd = [sys.executable, "-m", "device_intelligence", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(cmd, env=env, cwd=data_dir), f"http://127.0.0.1:{port}"


def bench_http(models_dir: Path, data_dir: Path) -> dict[str, Any]:
    """Single /predict latency (p50/p99) and a 10,000-device batch over real HTTP on loopback."""
    server, base = start_service(models_dir, data_dir)
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(200):
                try:
                    if client.get("/health").json()["checks"]["models_loaded"]["ok"]:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            rng = np.random.default_rng(0)

            def body(i: int) -> dict[str, Any]:
                return {
                    "device_id": f"bench_{i}",
                    "metrics": {
                        "response_time": float(rng.uniform(50, 400)),
                        "error_rate": float(rng.uniform(0, 0.05)),
                        "battery_level": float(rng.uniform(10, 100)),
                        "signal_strength": float(rng.uniform(-90, -40)),
                        "connection_drops": int(rng.integers(0, 4)),
                    },
                }

            for i in range(50):  # warm-up
                client.post("/api/predictions/predict", json=body(i)).raise_for_status()
            latencies = []
            for i in range(1000):
                payload = body(i)
                t = time.perf_counter()
                client.post("/api/predictions/predict", json=payload).raise_for_status()
                latencies.append((time.perf_counter() - t) * 1000)
            batch = {"devices": [body(i) for i in range(10_000)]}
            batch_times = []
            for _ in range(3):
                t = time.perf_counter()
                response = client.post("/api/predictions/predict/batch", json=batch)
                response.raise_for_status()
                batch_times.append(time.perf_counter() - t)
            assert response.json()["count"] == 10_000
    finally:
        server.terminate()
        server.wait(timeout=10)
    q = statistics.quantiles(latencies, n=100)
    return {
        "predict_p50_ms": round(statistics.median(latencies), 3),
        "predict_p99_ms": round(q[98], 3),
        "predict_requests": len(latencies),
        "batch_10000_seconds_median": round(statistics.median(batch_times), 3),
        "batch_10000_seconds_all": [round(t, 3) for t in batch_times],
    }


def bench_incremental() -> dict[str, Any]:
    """Continue an older booster on new rows (init_model) vs a full retrain on old + new; same test rows."""
    rng = np.random.default_rng(SEED)
    ds = simulate_fleet(SimulationOptions(), rng)
    x = compute_features(ds.row_device, ds.row_day, ds.values)
    y = failure_labels(ds, 7)
    split = device_time_split(ds, 7, rng)
    train_days = ds.row_day[split.train]
    old_cut = int(np.quantile(train_days, 0.6))
    old = split.train & (ds.row_day < old_cut)
    new = split.train & (ds.row_day >= old_cut)
    params = BoosterParams()
    base = train_booster(x[old], y[old], params, 1, x[split.val], y[split.val])
    out: dict[str, Any] = {
        "setup": (
            f"old = train rows before day {old_cut} ({int(old.sum())} rows), new = train rows after "
            f"({int(new.sum())} rows); incremental = old booster + {INCREMENTAL_ROUNDS} rounds on new rows only; "
            "full = retrain on old + new with early stopping; both scored on the same test rows "
            "(unseen devices, later days), threshold chosen on validation"
        )
    }
    runs = {}
    for name in ("full", "incremental"):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            if name == "full":
                booster = train_booster(x[split.train], y[split.train], params, 1, x[split.val], y[split.val])
            else:
                booster = train_booster(
                    x[new], y[new], params, 1, init_model=base, num_boost_round=INCREMENTAL_ROUNDS
                )
            times.append(time.perf_counter() - t)
        thr = best_f1_threshold(y[split.val], np.asarray(booster.predict(x[split.val])))
        p = np.asarray(booster.predict(x[split.test]))
        m = score_metrics(y[split.test], p, p >= thr)
        runs[name] = {
            "seconds_median": round(statistics.median(times), 3),
            "trees": booster.num_trees(),
            **{k: m[k] for k in ("pr_auc", "precision", "recall", "f1_score")},
        }
    p_old = np.asarray(base.predict(x[split.test]))
    thr_old = best_f1_threshold(y[split.val], np.asarray(base.predict(x[split.val])))
    m_old = score_metrics(y[split.test], p_old, p_old >= thr_old)
    runs["old_model_not_updated"] = {k: m_old[k] for k in ("pr_auc", "precision", "recall", "f1_score")}
    out.update(runs)
    out["speedup_full_over_incremental"] = round(
        runs["full"]["seconds_median"] / max(runs["incremental"]["seconds_median"], 1e-9), 2
    )
    out["pr_auc_incremental_minus_full"] = round(runs["incremental"]["pr_auc"] - runs["full"]["pr_auc"], 4)
    return out


def main() -> int:
    """Run every part and write the results file."""
    load_start = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("training 1000 devices x 180 days ...", flush=True)
        training = bench_training(root / "models")
        print(json.dumps(training, indent=2), flush=True)
        print("HTTP latency on loopback ...", flush=True)
        (root / "data").mkdir()
        http = bench_http(root / "models", root / "data")
        print(json.dumps(http, indent=2), flush=True)
    print("incremental vs full ...", flush=True)
    incremental = bench_incremental()
    print(json.dumps(incremental, indent=2), flush=True)
    table = [
        {
            "figure": "full training 1000 devices x 180 days (s)",
            "value": training["wall_seconds"],
            "target": "< 15",
        },
        {
            "figure": "/api/predictions/predict p50 (ms, HTTP loopback)",
            "value": http["predict_p50_ms"],
            "target": "< 5",
        },
        {"figure": "/api/predictions/predict p99 (ms)", "value": http["predict_p99_ms"], "target": ""},
        {
            "figure": "batch of 10,000 devices (s)",
            "value": http["batch_10000_seconds_median"],
            "target": "< 1",
        },
        {
            "figure": "incremental update (s)",
            "value": incremental["incremental"]["seconds_median"],
            "target": "",
        },
        {"figure": "full LightGBM retrain (s)", "value": incremental["full"]["seconds_median"], "target": ""},
        {
            "figure": "PR-AUC incremental - full",
            "value": incremental["pr_auc_incremental_minus_full"],
            "target": "",
        },
    ]
    results = {
        "benchmark": "device_intelligence",
        "machine": machine(load_start),
        "training": training,
        "http": http,
        "incremental_vs_full": incremental,
        "table": table,
    }
    write_results(RESULTS, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
