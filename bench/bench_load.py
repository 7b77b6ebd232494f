"""Load benchmark: device-intelligence /api/predictions/predict from 16 concurrent clients while a /train runs.

Starts device-intelligence on 127.0.0.1 (free port, temp data/models folders, an API key set), trains a small
model first so /predict answers, then sends `--requests` predictions (default 10,000) from `--clients`
concurrent httpx.AsyncClient workers while a second `POST /api/predictions/train` runs in parallel (started
right after the load starts). Records count, failed requests (non-2xx or transport errors; expected 0),
p50/p95/p99 latency, throughput, the server's VmRSS before and after, and whether the train finished OK.
Bounded: stops after `--max-seconds` (default 600) and says so.

Writes bench/results/load.json (with a `table` for bench/run_all.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from results_file import machine, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "load.json"
API_KEY = "bench-load-key"
HEADERS = {"X-HomeIQ-API-Key": API_KEY}
PREDICT = "/api/predictions/predict"
TRAIN = "/api/predictions/train"
# Small enough to train in seconds on 2 cores; the parallel one is forced (same data) so it really trains.
TRAIN_BODY: dict[str, Any] = {"source": "synthetic", "synthetic_count": 300, "days": 90, "seed": 7}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    """VmRSS of process `pid` in MB (from /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for pid {pid}")


def predict_body(rng: random.Random, i: int) -> dict[str, Any]:
    """One device's current metrics (PredictRequest)."""
    return {
        "device_id": f"load_{i % 500}",
        "metrics": {
            "response_time": rng.uniform(50, 400),
            "error_rate": rng.uniform(0, 0.05),
            "battery_level": rng.uniform(10, 100),
            "signal_strength": rng.uniform(-90, -40),
            "connection_drops": rng.randint(0, 3),
        },
    }


def wait_healthy(base: str, server: subprocess.Popen[bytes], limit_s: float = 120) -> None:
    """Poll /health until it answers 200 (or the server dies / the limit passes)."""
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=5) as client:
        while time.perf_counter() - started < limit_s and server.poll() is None:
            try:
                if client.get("/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise RuntimeError("device-intelligence never answered /health with 200")


def initial_model(base: str) -> dict[str, Any]:
    """Train a small model over HTTP and make sure it is in production (forced promotion if gates failed)."""
    with httpx.Client(base_url=base, timeout=300, headers=HEADERS) as client:
        started = time.perf_counter()
        response = client.post(TRAIN, json=TRAIN_BODY)
        response.raise_for_status()
        answer = response.json()
        forced = False
        if not answer["promoted"]:
            version = answer["version"]
            client.post(
                f"/api/predictions/models/{version}/promote",
                json={"force": True, "reason": "bench_load: model to serve", "actor": "bench"},
            ).raise_for_status()
            forced = True
        probe = client.post(PREDICT, json=predict_body(random.Random(0), 0))
        probe.raise_for_status()
        return {
            "seconds": round(time.perf_counter() - started, 2),
            "version": answer["version"],
            "promoted": answer["promoted"],
            "forced_promotion": forced,
        }


async def run_load(base: str, requests: int, clients: int, max_seconds: float) -> dict[str, Any]:
    """`requests` predictions from `clients` workers, one /train in parallel; stops at `max_seconds`."""
    latencies: list[float] = []
    failures: list[str] = []
    next_index = 0
    deadline = time.perf_counter() + max_seconds
    timed_out = False

    async def worker(seed: int) -> None:
        nonlocal next_index, timed_out
        rng = random.Random(seed)
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=base, headers=HEADERS, timeout=60, limits=limits) as client:
            while next_index < requests:
                if time.perf_counter() > deadline:
                    timed_out = True
                    return
                i = next_index
                next_index += 1
                t = time.perf_counter()
                try:
                    response = await client.post(PREDICT, json=predict_body(rng, i))
                except httpx.HTTPError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                if 200 <= response.status_code < 300:
                    latencies.append((time.perf_counter() - t) * 1000)
                else:
                    failures.append(f"HTTP {response.status_code}: {response.text[:200]}")

    async def train() -> dict[str, Any]:
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=base, headers=HEADERS, timeout=max_seconds) as client:
            try:
                response = await client.post(TRAIN, json=TRAIN_BODY | {"force": True, "seed": 8})
            except httpx.HTTPError as exc:
                return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        seconds = round(time.perf_counter() - started, 2)
        if response.status_code != 200:
            return {"ok": False, "http_status": response.status_code, "seconds": seconds}
        body = response.json()
        return {
            "ok": body["status"] in ("promoted", "registered", "kept"),
            "status": body["status"],
            "version": body["version"],
            "promoted": body["promoted"],
            "seconds": seconds,
        }

    started = time.perf_counter()
    workers = [asyncio.create_task(worker(seed)) for seed in range(clients)]
    await asyncio.sleep(0)  # the load is under way before the train is sent
    train_task = asyncio.create_task(train())
    await asyncio.gather(*workers)
    load_wall = time.perf_counter() - started
    try:
        train_result = await asyncio.wait_for(train_task, timeout=max(1.0, deadline - time.perf_counter()))
    except TimeoutError:
        timed_out = True
        train_result = {"ok": False, "error": "still running at --max-seconds"}
    return {
        "latencies_ms": latencies,
        "failures": failures,
        "load_wall_s": load_wall,
        "train": train_result,
        "timed_out": timed_out,
    }


def summarize(run: dict[str, Any], requests: int, clients: int) -> dict[str, Any]:
    """Count, failures, p50/p95/p99, throughput of a load run."""
    lat = sorted(run["latencies_ms"])
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [lat[0] if lat else 0.0] * 99
    done = len(lat) + len(run["failures"])
    return {
        "requested": requests,
        "clients": clients,
        "sent": done,
        "ok": len(lat),
        "failed": len(run["failures"]),
        "failure_samples": run["failures"][:10],
        "p50_ms": round(statistics.median(lat), 2) if lat else None,
        "p95_ms": round(q[94], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(lat[-1], 2) if lat else None,
        "wall_s": round(run["load_wall_s"], 2),
        "throughput_rps": round(done / run["load_wall_s"], 1) if run["load_wall_s"] else None,
    }


def main() -> int:
    """Start the service, train, run the load with a /train in parallel, write the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=10_000, help="predictions to send (default 10,000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--max-seconds", type=float, default=600, help="total time cap (default 600)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file")
    args = parser.parse_args()

    bench_started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        data_dir, models_dir = work / "data", work / "models"
        data_dir.mkdir()
        models_dir.mkdir()
        env = os.environ | {
            "DEVICE_INTELLIGENCE_DATA_DIR": str(data_dir),
            "DEVICE_INTELLIGENCE_MODELS_DIR": str(models_dir),
            "DEVICE_INTELLIGENCE_LOG_LEVEL": "WARNING",
            "DEVICE_INTELLIGENCE_API_KEY": API_KEY,
        }
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "device_intelligence", "--host", "127.0.0.1", "--port", str(port)]
        server = subprocess.Popen(
            cmd, env=env, cwd=data_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            wait_healthy(base, server)
            setup = initial_model(base)
            rss_before = rss_mb(server.pid)
            remaining = args.max_seconds - (time.perf_counter() - bench_started)
            run = asyncio.run(run_load(base, args.requests, args.clients, max(1.0, remaining)))
            rss_after = rss_mb(server.pid)
        finally:
            server.terminate()
            _, err = server.communicate(timeout=30)
        if server.returncode not in (0, -15):
            print(err.decode()[-2000:], file=sys.stderr)

    load = summarize(run, args.requests, args.clients)
    train = run["train"]
    stopped = " (STOPPED at --max-seconds)" if run["timed_out"] else ""
    value = (
        f"{load['sent']:,} req, {load['failed']} failed, p50 {load['p50_ms']} / p95 {load['p95_ms']} / "
        f"p99 {load['p99_ms']} ms, {load['throughput_rps']} req/s; RSS {rss_before} -> {rss_after} MB; "
        f"train {'ok' if train['ok'] else 'FAILED'} ({train.get('seconds', '-')} s){stopped}"
    )
    table = [
        {
            "figure": f"/api/predictions/predict at {args.clients} clients while POST /train runs (HTTP loopback)",
            "value": value,
            "target": "0 failed",
        }
    ]
    doc = {
        "benchmark": "load",
        "machine": machine() | {"loadavg": list(os.getloadavg())},
        "service": "device_intelligence",
        "train_body": TRAIN_BODY,
        "initial_model": setup,
        "load": load,
        "rss_mb": {"before": rss_before, "after": rss_after},
        "parallel_train": train,
        "timed_out": run["timed_out"],
        "max_seconds": args.max_seconds,
        "table": table,
    }
    write_results(args.output, doc)
    print(f"\n{'figure':<10} value")
    for key in ("sent", "failed", "p50_ms", "p95_ms", "p99_ms", "throughput_rps"):
        print(f"{key:<16} {load[key]}")
    print(f"{'rss_mb':<16} {rss_before} -> {rss_after}")
    print(f"{'train':<16} {train}")
    if run["timed_out"]:
        print(f"stopped at --max-seconds={args.max_seconds}")
    return 0 if load["failed"] == 0 and train["ok"] and not run["timed_out"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
