"""Benchmark: the default pipeline end to end (both services started locally, 200 homes x 14 days,
1,000 devices x 180 days), with per-step timings written to bench/results/pipeline.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from gateway.pipeline import PipelineOptions, run_pipeline, summary_rows
from gateway.settings import GatewaySettings

RESULTS = Path(__file__).resolve().parent / "results" / "pipeline.json"
TARGET_S = 30.0


def main() -> int:
    """Run the default pipeline once (or `--quick`) and record its wall time and step timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="40 homes x 3 days, 200 devices x 60 days")
    args = parser.parse_args()
    sizes = {"homes": 40, "days": 3, "devices": 200, "device_days": 60} if args.quick else {}
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        settings = GatewaySettings(
            _env_file=None, output_dir=Path(tmp) / "reports", runs_dir=Path(tmp) / "runs", **sizes
        )
        options = PipelineOptions(settings=settings, start_local=True, command="bench/bench_pipeline.py")
        t0 = time.perf_counter()
        run = asyncio.run(run_pipeline(options))
        wall = time.perf_counter() - t0
    ready_after = [s.ready_after_s for s in run.services.values() if s.ready_after_s is not None]
    steps = summary_rows(run)
    table = [
        {"figure": "pipeline wall time (default run, start-up included)", "value": f"{wall:.1f} s", "target": f"< {TARGET_S:.0f} s"},
        {"figure": "services healthy after (slowest)", "value": f"{max(ready_after, default=0):.1f} s", "target": ""},
        *({"figure": f"step: {row['step']}", "value": f"{row['seconds']:.1f} s ({row['status']})", "target": ""} for row in steps),
        {"figure": "verdict", "value": run.verdict, "target": "READY"},
    ]  # fmt: skip
    result = {
        "benchmark": "pipeline",
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "options": run.options,
        "quick": args.quick,
        "wall_time_s": round(wall, 2),
        "target_s": TARGET_S,
        "within_target": wall < TARGET_S,
        "verdict": run.verdict,
        "steps": steps,
        "service_training_seconds": {k: m.metadata.get("train_seconds") for k, m in run.models.items()},
        "table": table,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for row in table:
        print(f"{row['figure']:<55} {row['value']:>22} {row['target']}")
    print(f"written to {RESULTS}")
    return 0 if run.step("report").status is not None else 1


if __name__ == "__main__":
    sys.exit(main())
