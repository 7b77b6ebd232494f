"""Run every benchmark in bench/ (each writes its own bench/results/*.json) and print the README table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> int:
    """Run bench_*.py one after the other (skipped with `--table`), then print the recorded figures."""
    failed = []
    if "--table" not in sys.argv:
        for script in sorted(BENCH.glob("bench_*.py")):
            print(f"== {script.name}", flush=True)
            if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
                failed.append(script.name)
        print()
    print("| benchmark | figure | value | target |")
    print("|---|---|---|---|")
    for result in sorted((BENCH / "results").glob("*.json")):
        data = json.loads(result.read_text())
        for row in data.get("table", []):
            print(f"| {result.stem} | {row['figure']} | {row['value']} | {row.get('target', '')} |")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
