"""What a benchmark does last: record its figures under bench/results/ and print its table rows."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# `../shared` (with its external-data) beside the checkout (a worktree may sit deeper: the nearest one up)
SHARED = next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "external-data").is_dir()), ROOT.parent / "shared"
)
EXTERNAL = SHARED / "external-data"


def load_average() -> list[float]:
    """The machine's 1/5/15-minute load averages now (other processes share it)."""
    return [round(v, 2) for v in os.getloadavg()]


def machine(load_at_start: list[float] | None = None) -> dict[str, Any]:
    """The machine a figure was measured on; with `load_at_start`, the load at the start and at the end."""
    found: dict[str, Any] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    if load_at_start is not None:
        found |= {
            "load_average_at_start": load_at_start,
            "load_average_at_end": load_average(),
            "note": "other processes share this machine; compare figures with the load averages",
        }
    return found


def write_results(path: Path, doc: dict[str, Any]) -> None:
    """Write `doc` as JSON at `path` and print each row of its `table` (figure, value, target)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))
    for row in doc["table"]:
        print(f"{row['figure']}: {row['value']} (target {row['target'] or '-'})")
    print(f"wrote {path}")
