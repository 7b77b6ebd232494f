"""Sensor anomalies on real series, episode level, and `/api/anomalies/sensor` latency (issue 13).

Trains the served model pair (seed 42, 1000 devices x 180 days, as `scripts/train_models.py`), then:
- method choice on the NAB ambient-temperature series only: a grid of the seasonal path's z threshold
  and minimum run, most windows hit first, then the lowest false-alarm rate; the service's defaults
  (`SeasonalParams`) must equal that choice;
- the chosen method on NAB machine temperature (the check it was not tuned on) and on the UCI
  occupancy series (no labelled failures: every alarm counts as a false alarm);
- each beside a rolling 3-sigma rule (previous 7 days) and chance at the method's alarm rate;
- p50/p99 of `/api/anomalies/sensor` for a 30-day hourly stream over HTTP loopback.
Writes bench/results/sensor_anomaly.json (with a `table` for bench/run_all.py).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench_device_intelligence import start_service
from device_intelligence.anomaly.episodes import (
    compare,
    episode_figures,
    read_nab,
    read_occupancy,
)
from device_intelligence.anomaly.seasonal import SeasonalParams
from device_intelligence.anomaly.sensor_scoring import score_stream
from device_intelligence.anomaly.sensor_streams import normal_stream
from device_intelligence.retraining import RetrainOptions, retrain
from device_intelligence.serving import load_production
from homeiq_shared.model_registry import ModelRegistry
from results_file import EXTERNAL, load_average, machine, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "sensor_anomaly.json"
AMBIENT, MACHINE = "ambient_temperature_system_failure.csv", "machine_temperature_system_failure.csv"
# The issue asks for a minimum run: runs from 1 h (0 = single readings is not a run).
GRID_Z, GRID_RUN_HOURS = (3.0, 4.0, 5.0), (1.0, 2.0, 4.0, 8.0)


def choose_on_ambient(models: Any) -> tuple[SeasonalParams, list[dict[str, Any]]]:
    """Grid on the ambient series only: most windows hit, then the lowest false-alarm rate."""
    seconds, values, windows = read_nab(EXTERNAL / "nab-realKnownCause", AMBIENT)
    rows = []
    for z in GRID_Z:
        for run in GRID_RUN_HOURS:
            params = replace(SeasonalParams(), z_threshold=z, min_run_hours=run)
            flags = score_stream(models.anomaly.stream, params, seconds, values).flags
            fig = episode_figures(seconds, flags, windows)
            rows.append(
                {
                    "z_threshold": z,
                    "min_run_hours": run,
                    "windows_hit": fig["windows_hit"],
                    "far": fig["false_alarm_rate"],
                }
            )
    best = max(rows, key=lambda r: (r["windows_hit"], -r["far"]))
    return replace(
        SeasonalParams(), z_threshold=best["z_threshold"], min_run_hours=best["min_run_hours"]
    ), rows


def evaluate_series(models: Any, params: SeasonalParams) -> dict[str, Any]:
    """Episode figures of the served method on both NAB series and the UCI occupancy columns."""
    out: dict[str, Any] = {}
    for name, role in ((AMBIENT, "method chosen on this series"), (MACHINE, "not tuned on (held-out check)")):
        seconds, values, windows = read_nab(EXTERNAL / "nab-realKnownCause", name)
        started = time.perf_counter()
        result = score_stream(models.anomaly.stream, params, seconds, values)
        elapsed = time.perf_counter() - started
        out[name.split("_")[0]] = {
            "role": role,
            "readings": int(values.size),
            "score_seconds": round(elapsed, 3),
        }
        out[name.split("_")[0]] |= compare(seconds, values, result.flags, windows)
    occupancy = EXTERNAL / "uci-occupancy-river" / "occupancy.csv"
    for column, label in (("V1", "temperature"), ("V2", "humidity"), ("V4", "co2")):
        seconds, values = read_occupancy(occupancy, column)
        result = score_stream(models.anomaly.stream, params, seconds, values)
        figures = compare(seconds, values, result.flags, [])
        out[f"occupancy_{label}"] = {
            "role": "no labelled failures (6 days, 16-min readings): every alarm is counted as false",
            "readings": int(values.size),
            "method_alarm_rate": figures["method"]["false_alarm_rate"],
            "rolling_3_sigma_alarm_rate": figures["rolling_3_sigma"]["false_alarm_rate"],
        }
    return out


def bench_http(models_dir: Path, data_dir: Path) -> dict[str, Any]:
    """p50/p99 of /api/anomalies/sensor for a 30-day hourly temperature stream over HTTP loopback."""
    server, base = start_service(models_dir, data_dir)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    values = normal_stream("temperature", 30 * 24, np.random.default_rng(0))
    body = {
        "entity_id": "sensor.bench_temperature",
        "unit": "°C",
        "readings": [
            {"timestamp": (t0 + timedelta(hours=i)).isoformat(), "value": float(v)}
            for i, v in enumerate(values)
        ],
    }
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(300):  # up when the models answer
                try:
                    if client.post("/api/anomalies/sensor", json=body).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            for _ in range(20):
                client.post("/api/anomalies/sensor", json=body).raise_for_status()
            latencies = []
            for _ in range(300):
                started = time.perf_counter()
                client.post("/api/anomalies/sensor", json=body).raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=10)
    q = statistics.quantiles(latencies, n=100)
    return {
        "sensor_30d_hourly_p50_ms": round(statistics.median(latencies), 2),
        "sensor_30d_hourly_p99_ms": round(q[98], 2),
        "requests": len(latencies),
        "readings_per_request": len(values),
    }


def _hits(row: dict[str, Any]) -> str:
    return f"{row['windows_hit']}/{row['windows']}"


def main() -> int:
    """Train, choose on ambient, evaluate, time the endpoint, write the results file."""
    load_start = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        registry = ModelRegistry(root / "models")
        result = retrain(registry, RetrainOptions(seed=42, force=True))
        if not result.promoted:
            assert result.version is not None
            assert result.anomaly_version is not None
            registry.promote("failure_prediction", result.version, "bench: explicit promotion")
            registry.promote("anomaly_detection", result.anomaly_version, "bench: explicit promotion")
        models = load_production(registry)
        assert models is not None
        chosen, grid = choose_on_ambient(models)
        served = models.anomaly.seasonal
        if (chosen.z_threshold, chosen.min_run_hours) != (served.z_threshold, served.min_run_hours):
            print(f"WARNING: the ambient grid chooses {chosen}, the service serves {served}", flush=True)
        series = evaluate_series(models, served)
        print(json.dumps(series, indent=2), flush=True)
        (root / "data").mkdir()
        http = bench_http(root / "models", root / "data")
        print(json.dumps(http, indent=2), flush=True)
    amb, mach = series["ambient"], series["machine"]
    table = []
    for key, label in (
        ("ambient", "NAB ambient temperature (chosen on it)"),
        ("machine", "NAB machine temperature (not tuned on)"),
    ):
        s = series[key]
        m, r, c = s["method"], s["rolling_3_sigma"], s["chance_same_alarm_rate"]
        delays = ", ".join(str(w["delay_hours_from_label"]) for w in m["per_window"])
        table.append(
            {
                "figure": f"{label}: windows hit, false-alarm rate, first-alarm delay after the label (h)",
                "value": f"{_hits(m)}, FAR {m['false_alarm_rate']}, delays {delays}",
                "target": f"rule {_hits(r)} FAR {r['false_alarm_rate']}; chance {c['windows_hit_expected']} FAR {c['false_alarm_rate']}",
            }
        )
    occ = series["occupancy_temperature"]
    table += [
        {
            "figure": "UCI occupancy temperature, alarm rate (no labelled failures)",
            "value": occ["method_alarm_rate"],
            "target": f"rule {occ['rolling_3_sigma_alarm_rate']}",
        },
        {
            "figure": "/api/anomalies/sensor p50, 30-day hourly stream (ms, HTTP loopback)",
            "value": http["sensor_30d_hourly_p50_ms"],
            "target": "< 50",
        },
        {"figure": "/api/anomalies/sensor p99 (ms)", "value": http["sensor_30d_hourly_p99_ms"], "target": ""},
    ]
    results = {
        "benchmark": "sensor_anomaly",
        "machine": machine(load_start),
        "selection": {
            "rule": "grid on NAB ambient only: most windows hit, then lowest false-alarm rate",
            "grid": grid,
            "chosen": {"z_threshold": chosen.z_threshold, "min_run_hours": chosen.min_run_hours},
            "served": served.to_dict(),
            "forest_threshold": round(models.anomaly.stream.threshold, 4),
        },
        "series": series,
        "http": http,
        "goals": {
            "ambient_2_of_2_below_rule": amb["method"]["windows_hit"] == 2
            and amb["method"]["false_alarm_rate"] < amb["rolling_3_sigma"]["false_alarm_rate"],
            "machine_3_of_4_below_rule": mach["method"]["windows_hit"] >= 3
            and mach["method"]["false_alarm_rate"] < mach["rolling_3_sigma"]["false_alarm_rate"],
            "p50_below_50_ms": http["sensor_30d_hourly_p50_ms"] < 50,
        },
        "table": table,
    }
    write_results(RESULTS, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
