"""Benchmark the synthetic home generator: events/s in-process and from the CLI, memory and scaling.

(a) the seed's 10 homes x 30 days written to disk, in-process (best and median of several runs);
(b) the same through the CLI in a fresh interpreter, start-up included (acceptance: best of 3);
(c) 100 and 1,000 homes x 30 days with --workers 2: events/s, MB/s, peak RSS of the process tree.
Prints a table and writes bench/results/generator.json. Usage: python bench/bench_generator.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "scripts" / "generate_synthetic_homes.py"
RESULTS = ROOT / "bench" / "results" / "generator.json"


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += (
                int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) * 1024
            )
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def _run_cli(args: list[str], sample_rss: bool = False) -> tuple[float, int, dict[str, Any], float]:
    """Run the CLI; return wall seconds, peak tree RSS (bytes), the dataset summary and CPU seconds."""
    output = Path(args[args.index("--output") + 1])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(CLI), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    if sample_rss:
        stop = threading.Event()

        def sample() -> None:
            """Poll the CLI's process tree RSS every 50 ms."""
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _tree_rss(proc.pid))
                stop.wait(0.05)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    if sample_rss:
        stop.set()
        thread.join()
    if proc.returncode != 0:
        raise RuntimeError(f"CLI failed: {err.decode()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, peak, json.loads((output / "summary.json").read_text()), cpu


def _in_process(workers: int, repeats: int, scratch: Path) -> dict[str, Any]:
    from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset

    rates, walls, cpus = [], [], []
    events = 0
    for k in range(repeats):
        target = scratch / f"inproc_{workers}_{k}"
        cpu0, wall0 = time.process_time(), time.perf_counter()
        summary = generate_dataset(
            GeneratorOptions(count=10, days=30, calendar=False, workers=workers), target
        )
        wall = time.perf_counter() - wall0
        events = summary["totals"]["events"]
        rates.append(events / wall)
        walls.append(wall)
        cpus.append(time.process_time() - cpu0)
        shutil.rmtree(target)
    return {
        "workers": workers,
        "events": events,
        "runs_s": [round(w, 3) for w in walls],
        "best_events_per_s": round(max(rates)),
        "median_events_per_s": round(statistics.median(rates)),
        "main_process_cpu_s": round(min(cpus), 3),
    }


def _scale(count: int, scratch: Path) -> dict[str, Any]:
    target = scratch / f"scale_{count}"
    args = [
        "--count",
        str(count),
        "--days",
        "30",
        "--disable-calendar",
        "--workers",
        "2",
        "--output",
        str(target),
    ]
    wall, peak, summary, cpu = _run_cli(args, sample_rss=True)
    totals = summary["totals"]
    shutil.rmtree(target)
    return {
        "homes": count,
        "events": totals["events"],
        "bytes": totals["bytes"],
        "wall_s": round(wall, 2),
        "events_per_s": round(totals["events"] / wall),
        "mb_per_s": round(totals["bytes"] / 1e6 / wall, 1),
        "peak_rss_mb": round(peak / 1e6, 1),
        "cpu_s": round(cpu, 2),
        "events_per_cpu_s": round(totals["events"] / cpu),
    }


def _machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    import numpy

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": commit.stdout.strip() or None,
    }


def main() -> int:
    """Run the benchmark, print a table, write bench/results/generator.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1,000-home run")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "services"))
    machine = _machine()
    scratch = Path(tempfile.mkdtemp(prefix="bench_generator_"))
    try:
        _in_process(1, 1, scratch)  # warm-up: page cache and allocator, as in any later run
        inproc = {w: _in_process(w, 5, scratch) for w in (1, 2)}
        cli_runs = []
        for k in range(3):
            target = scratch / f"cli_{k}"
            wall, _, summary, cpu = _run_cli(["--count", "10", "--days", "30", "--disable-calendar", "--seed", "7",
                                         "--output", str(target)])  # fmt: skip
            cli_runs.append((wall, summary["totals"]["events"], cpu))
            shutil.rmtree(target)
        best_wall, cli_events, best_cpu = min(cli_runs)
        scale = [_scale(n, scratch) for n in ((100,) if args.quick else (100, 1000))]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    best_inproc = max(inproc.values(), key=lambda r: r["best_events_per_s"])
    cli = {
        "events": cli_events,
        "runs_s": [round(w, 3) for w, _, _ in cli_runs],
        "cpu_s": [round(c, 3) for _, _, c in cli_runs],
        "best_events_per_s": round(cli_events / best_wall),
    }
    table = [
        {"figure": "10x30 in-process, events/s (best of 5)", "value": f"{best_inproc['best_events_per_s']:,} (workers={best_inproc['workers']})", "target": ">= 300,000"},
        {"figure": "10x30 in-process, 1 worker, events/s best / median", "value": f"{inproc[1]['best_events_per_s']:,} / {inproc[1]['median_events_per_s']:,}", "target": ""},
        {"figure": "10x30 in-process, 2 workers, events/s best / median", "value": f"{inproc[2]['best_events_per_s']:,} / {inproc[2]['median_events_per_s']:,}", "target": ""},
        {"figure": "10x30 CLI incl. interpreter start, events/s (best of 3)", "value": f"{cli['best_events_per_s']:,} ({best_wall:.2f} s)", "target": ">= 150,000"},
        {"figure": "10x30 CLI: CPU seconds (user+sys, all processes)", "value": f"{best_cpu:.2f} s", "target": ""},
    ]  # fmt: skip
    for run in scale:
        table.append({"figure": f"{run['homes']}x30 --workers 2: events/s, MB/s", "value": f"{run['events_per_s']:,}, {run['mb_per_s']}", "target": ""})  # fmt: skip
        table.append({"figure": f"{run['homes']}x30 --workers 2: peak RSS (tree)", "value": f"{run['peak_rss_mb']} MB", "target": "< 1,500 MB"})  # fmt: skip
    if len(scale) == 2:
        ratio = scale[1]["events_per_s"] / scale[0]["events_per_s"]
        table.append(
            {
                "figure": "scaling 100 -> 1,000 homes (events/s ratio)",
                "value": f"{ratio:.2f}",
                "target": "~1.0 (linear)",
            }
        )
    result = {
        "benchmark": "generator",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "in_process_10x30": inproc,
        "cli_10x30_seed7": cli,
        "scaling": scale,
        "table": table,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    width = max(len(r["figure"]) for r in table)
    for row in table:
        print(f"{row['figure']:<{width}}  {row['value']:>28}  {row['target']}")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
