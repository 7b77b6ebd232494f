"""Fleet scale on Dask (issue 15): generation 1 vs 2 workers, batched training at 10^6+ device-days, local vs Dask.

1. Generation: the same homes (seed 42) on a LocalCluster of 1 then 2 worker processes (1 thread each):
   events/s, Parquet MB/s and the local generator's JSON rate beside it; workers warmed up first
   (imports), cluster start-up not counted.
2. Training on one machine from Parquet (`train_device_days`, engine local: `lgb.Sequence` over the
   parts, fixed rounds, no early stopping so sizes compare): device-days/s and peak RSS of a fresh
   process per size, the peak of each phase (an RSS sampler every 10 ms, phases from the run's progress
   messages; LightGBM's dataset construction told apart by wrapping `lgb.Dataset.construct`), bytes of
   peak RSS per device-day, and where one 24 GB machine stops (the slope between the two largest sizes).
   The device-days come from device intelligence's telemetry simulator (the default training source;
   generated homes give ~400 device-days per home-month, too slow to reach 10^6 here), written as
   device-day parts by the fleet writer.
3. Local vs Dask on the same data: simulated 1000 devices x 180 days (the default training size),
   the same split and seed, the same rounds; test metrics of both beside the rule baseline.

Needs the [fleet] extra: under .venv it re-runs itself with .venv-fleet when there is one, else skips.
Writes bench/results/fleet.json (with a `table` for bench/run_all.py).
Run: PYTHONPATH=shared:services .venv-fleet/bin/python bench/bench_fleet.py [--sizes 1000000,3000000]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "fleet.json"
FLEET_PY = ROOT / ".venv-fleet" / "bin" / "python"
SIM_DAYS = 180
PART_DEVICES = 1000
TRAIN_ROUNDS = 100
COMPARE_ROUNDS = 300
MACHINE_GB = 24  # the machine a one-machine run must fit (its RAM, GB = 10^9 bytes)
# Progress messages of `train_device_days` (their first words) -> the phase they start.
PHASES = {
    "reading the row keys": "keys (Parquet footers + key columns)",
    "splitting": "split + labels",
    "training LightGBM": "LightGBM training",
    "evaluating": "scoring validation + test (per part)",
    "fingerprinting": "fingerprint + test rows' metrics",
    "test figures": "test figures (model + rule)",
    "registered": "registration",
}
CONSTRUCT = "LightGBM dataset (lgb.Sequence, in batches)"

if importlib.util.find_spec("distributed") is None:
    if FLEET_PY.is_file() and Path(sys.executable).resolve() != FLEET_PY.resolve():
        os.execv(str(FLEET_PY), [str(FLEET_PY), __file__, *sys.argv[1:]])
    print("bench_fleet: skipped (no [fleet] extra here: make fleet-venv)")
    sys.exit(0)

import numpy as np  # noqa: E402

from results_file import load_average, machine, write_results  # noqa: E402


def _cluster(workers: int) -> Any:
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
        silence_logs=40,
    )  # fmt: skip


def generation(homes: int, days: int, block: int) -> dict[str, Any]:
    """Events/s and MB/s of the same fleet on 1 and 2 workers, and of the local JSON generator."""
    from distributed import Client

    from ai_automation.fleet.generation import generate_fleet
    from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset

    options = GeneratorOptions(count=homes, days=days, seed=42)
    out: dict[str, Any] = {"homes": homes, "days": days, "block_homes": block, "seed": 42}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            with _cluster(workers) as cluster, Client(cluster) as client:
                client.run(importlib.import_module, "ai_automation.fleet.generation")
                started = time.perf_counter()
                summary = generate_fleet(client, options, Path(tmp) / f"w{workers}", block)
                seconds = time.perf_counter() - started
            totals, fleet = summary["totals"], summary["fleet"]
            out[f"workers_{workers}"] = {
                "seconds": round(seconds, 2),
                "events": totals["events"],
                "events_per_s": round(totals["events"] / seconds),
                "parquet_mb": round(fleet["parquet_bytes"] / 1e6, 2),
                "parquet_mb_per_s": round(fleet["parquet_bytes"] / 1e6 / seconds, 2),
                "json_equivalent_mb_per_s": round(totals["bytes"] / 1e6 / seconds, 2),
                "parquet_bytes_per_home_day": round(fleet["parquet_bytes"] / (homes * days)),
                "events_per_home_day": round(totals["events"] / (homes * days)),
            }
            print(f"generation, {workers} worker(s): {out[f'workers_{workers}']}", flush=True)
        started = time.perf_counter()
        local = generate_dataset(options, Path(tmp) / "local")
        seconds = time.perf_counter() - started
        out["local_json_generator_1_process"] = {
            "seconds": round(seconds, 2),
            "events_per_s": round(local["totals"]["events"] / seconds),
        }
    out["speedup_2_vs_1"] = round(out["workers_2"]["events_per_s"] / out["workers_1"]["events_per_s"], 2)
    return out


def write_simulated(rows: int, folder: Path, seed: int = 7) -> dict[str, Any]:
    """Simulated device-days (telemetry_simulator) as fleet device-day parts of <= PART_DEVICES devices."""
    import pyarrow.parquet as pq

    from device_intelligence.fleet.device_days import device_days_table
    from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet
    from homeiq_shared.fleet_layout import COMPRESSION, DEVICE_DAYS, part_path

    devices = -(-rows // SIM_DAYS)
    started = time.perf_counter()
    written = 0
    for shard, lo in enumerate(range(0, devices, PART_DEVICES)):
        n = min(PART_DEVICES, devices - lo)
        ds = simulate_fleet(
            SimulationOptions(n_devices=n, days=SIM_DAYS), np.random.default_rng([seed, shard])
        )
        ds.device_ids = np.array([f"sim{shard}:{d}" for d in ds.device_ids])
        path = part_path(folder, DEVICE_DAYS, "simulated", shard)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(device_days_table(ds, np.full(n, f"sim{shard}")), path, compression=COMPRESSION)
        written += ds.n_rows
    return {"device_days": written, "devices": devices, "seconds": round(time.perf_counter() - started, 1)}


class PhaseRss:
    """Peak resident memory per phase of this process: a thread reads /proc/self/statm every 10 ms."""

    def __init__(self) -> None:
        self.phase = "imports"
        self.peaks: dict[str, int] = {}
        self.page = os.sysconf("SC_PAGE_SIZE")
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def rss(self) -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self.page

    def _sample(self) -> None:
        while not self._done.wait(0.01):
            self.mark()

    def mark(self) -> None:
        """Record the RSS now against the current phase."""
        now, phase = self.rss(), self.phase
        self.peaks[phase] = max(self.peaks.get(phase, 0), now)

    def enter(self, phase: str) -> None:
        self.mark()
        self.phase = phase
        self.mark()

    def start(self) -> PhaseRss:
        self._thread.start()
        return self

    def stop(self) -> dict[str, int]:
        self._done.set()
        self._thread.join()
        self.mark()
        return {k: round(v / 1e6) for k, v in self.peaks.items()}

    def progress(self, message: str) -> None:
        """`train_device_days`'s progress callback: a message starts the phase it names."""
        for words, phase in PHASES.items():
            if message.startswith(words):
                self.enter(phase)

    def wrap_construct(self) -> None:
        """Tell LightGBM's dataset construction (inside `lgb.train`) apart from its training."""
        import lightgbm as lgb

        construct: Callable[..., Any] = lgb.Dataset.construct

        def timed(dataset: Any) -> Any:
            before = self.phase
            self.enter(CONSTRUCT)
            try:
                return construct(dataset)
            finally:
                self.enter(before)

        lgb.Dataset.construct = timed  # type: ignore[method-assign]


def _train_child(folder: Path, rounds: int) -> dict[str, Any]:
    """Train locally on the parts in `folder` (this process only); seconds, rows/s, peak RSS per phase."""
    from device_intelligence.fleet.training import FleetTrainOptions, train_device_days
    from device_intelligence.telemetry_simulator import SimulationOptions
    from homeiq_shared.fleet_layout import DEVICE_DAYS, table_parts

    load_start = load_average()
    phases = PhaseRss()
    phases.wrap_construct()
    at_start = phases.rss()
    phases.start()
    parts = table_parts(folder, DEVICE_DAYS)
    with tempfile.TemporaryDirectory() as models:
        started = time.perf_counter()
        result = train_device_days(
            None, parts, SimulationOptions().start_date, Path(models),
            FleetTrainOptions(engine="local", rounds=rounds), {"source": "simulated telemetry"},
            progress=phases.progress,
        )  # fmt: skip
        seconds = time.perf_counter() - started
    by_phase = phases.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    total = result["rows"]["total"]
    return {
        "device_days": total,
        "train_rows": result["rows"]["train"],
        "rounds": rounds,
        "seconds": result["seconds"] | {"total": round(seconds, 1)},
        "device_days_per_s": round(total / seconds),
        "train_rows_per_s_in_training": round(result["rows"]["train"] / result["seconds"]["training"]),
        "peak_rss_mb": round(peak / 1e6),
        "rss_after_imports_mb": round(at_start / 1e6),
        "peak_rss_mb_by_phase": by_phase,
        "peak_rss_bytes_per_device_day": round(peak / total, 1),
        "test_pr_auc": result["metrics"]["pr_auc"],
        "rule_test_pr_auc": result["baseline"]["pr_auc"],
        "load_average": {"start": load_start, "end": load_average()},
    }


def projection(trained: dict[str, Any]) -> dict[str, Any] | None:
    """Where one MACHINE_GB machine stops: the peak's slope between the two largest sizes, extended."""
    points = sorted((t["device_days"], t["peak_rss_mb"] * 1e6) for t in trained.values())
    if len(points) < 2:
        return None
    (n0, r0), (n1, r1) = points[-2], points[-1]
    slope = (r1 - r0) / (n1 - n0)
    limit = n1 + (MACHINE_GB * 1e9 - r1) / slope
    return {
        "between_device_days": [n0, n1],
        "peak_rss_bytes_per_extra_device_day": round(slope, 1),
        "machine_gb": MACHINE_GB,
        "device_days_at_machine_gb": float(f"{limit:.2g}"),
        "peak_rss_gb_at_1e8_device_days": round((r1 + (1e8 - n1) * slope) / 1e9, 1),
        "method": "linear in device-days through the two largest measured sizes (the rest is fixed: "
        "imports, LightGBM's 200k-row bin sample, one part's features)",
    }


def training(sizes: list[int]) -> dict[str, Any]:
    """One fresh process per size (peak RSS is per process): simulate + write parts, then train."""
    out: dict[str, Any] = {}
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            made = _run_child(["--write-sim", str(rows), tmp])
            trained = _run_child(["--train", tmp, str(TRAIN_ROUNDS)])
            parquet_mb = sum(p.stat().st_size for p in Path(tmp).rglob("*.parquet")) / 1e6
        out[str(rows)] = trained | {"written": made, "parquet_mb": round(parquet_mb, 1)}
        print(f"training, {rows:,} device-days: {out[str(rows)]}", flush=True)
    return out


def compare(devices: int = 1000) -> dict[str, Any]:
    """Local (lgb.Sequence) vs lightgbm.dask on the same simulated device-days, split, seed and rounds."""
    from distributed import Client

    from device_intelligence.fleet.training import FleetTrainOptions, train_device_days
    from device_intelligence.telemetry_simulator import SimulationOptions
    from homeiq_shared.fleet_layout import DEVICE_DAYS, table_parts

    keys = ("pr_auc", "precision", "recall", "f1_score", "accuracy")
    out: dict[str, Any] = {"devices": devices, "days": SIM_DAYS, "rounds": COMPARE_ROUNDS}
    with tempfile.TemporaryDirectory() as tmp, _cluster(2) as cluster, Client(cluster) as client:
        out["written"] = write_simulated(devices * SIM_DAYS, Path(tmp))
        parts = table_parts(Path(tmp), DEVICE_DAYS)
        start = SimulationOptions().start_date
        for engine in ("local", "dask"):
            started = time.perf_counter()
            r = train_device_days(
                client, parts, start, Path(tmp) / "models", FleetTrainOptions(engine=engine, rounds=COMPARE_ROUNDS),
                {"source": "simulated telemetry"},
            )  # fmt: skip
            out[engine] = {k: r["metrics"][k] for k in keys} | {
                "seconds": round(time.perf_counter() - started, 1), "trees": r["trees"],
            }  # fmt: skip
            out["rule_baseline"] = {k: r["baseline"][k] for k in keys}
            out["split_method"] = r["split_method"]
            out["test_rows"] = r["rows"]["test"]
            print(f"compare {engine}: {out[engine]}", flush=True)
    out["difference_dask_minus_local"] = {
        k: None
        if out["dask"][k] is None or out["local"][k] is None
        else round(out["dask"][k] - out["local"][k], 4)
        for k in keys
    }
    return out


def _run_child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True, env=os.environ.copy()
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Parse, run the three parts (or one child step), record."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,3000000", help="device-days to train on, comma-separated")
    parser.add_argument("--homes", type=int, default=16)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--write-sim", nargs=2, metavar=("ROWS", "DIR"))
    parser.add_argument("--train", nargs=2, metavar=("DIR", "ROUNDS"))
    parser.add_argument("--skip", default="", help="parts to skip: generation,training,compare")
    args = parser.parse_args()
    if args.write_sim:
        print(json.dumps(write_simulated(int(args.write_sim[0]), Path(args.write_sim[1]))))
        return
    if args.train:
        print(json.dumps(_train_child(Path(args.train[0]), int(args.train[1]))))
        return
    skip = set(args.skip.split(","))
    previous = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    doc: dict[str, Any] = {
        "benchmark": "fleet",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
    }
    load_start = load_average()
    doc["generation"] = (
        previous.get("generation") if "generation" in skip else generation(args.homes, args.days, 4)
    )
    sizes = [int(s) for s in args.sizes.split(",") if s]
    doc["training"] = previous.get("training", {}) if "training" in skip else {}
    if "training" not in skip:
        doc["training"] = previous.get("training", {}) | training(sizes)
    doc["one_machine_limit"] = projection(doc["training"])
    if "training_before" in previous:  # the figures of the code before the row-keys-only run, kept to compare
        doc["training_before"] = previous["training_before"]
    doc["local_vs_dask"] = previous.get("local_vs_dask") if "compare" in skip else compare()
    doc["machine"] = machine(load_start)
    doc["table"] = _table(doc)
    write_results(RESULTS, doc)


def _table(doc: dict[str, Any]) -> list[dict[str, Any]]:
    gen, rows = doc.get("generation") or {}, []
    for w in (1, 2):
        g = gen.get(f"workers_{w}")
        if g:
            rows.append({"figure": f"fleet generation, {w} worker(s)", "target": None,
                         "value": f"{g['events_per_s']:,} events/s, {g['parquet_mb_per_s']} MB/s Parquet"})  # fmt: skip
    for size, t in sorted((doc.get("training") or {}).items(), key=lambda kv: int(kv[0])):
        per_day = t.get("peak_rss_bytes_per_device_day")
        rows.append({"figure": f"fleet training (local, lgb.Sequence), {int(size):,} device-days", "target": None,
                     "value": f"{t['device_days_per_s']:,} device-days/s, peak RSS {t['peak_rss_mb']:,} MB"
                     + (f" ({per_day:,} bytes/device-day)" if per_day else "")})  # fmt: skip
    limit = doc.get("one_machine_limit")
    if limit:
        rows.append({"figure": f"fleet training, device-days where one {limit['machine_gb']} GB machine stops",
                     "target": 1e8, "value": f"{limit['device_days_at_machine_gb']:.2g} "
                     f"({limit['peak_rss_bytes_per_extra_device_day']} bytes per extra device-day)"})  # fmt: skip
    cmp_ = doc.get("local_vs_dask")
    if cmp_:
        d = cmp_["difference_dask_minus_local"]
        rows.append({"figure": "fleet test PR-AUC, Dask minus local (same data, split, rounds)", "target": None,
                     "value": f"{d['pr_auc']} ({cmp_['dask']['pr_auc']} vs {cmp_['local']['pr_auc']})"})  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
