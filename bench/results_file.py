"""What a benchmark does last: record its figures under bench/results/ and print its table rows."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# `../shared/external-data` beside the checkout (a worktree may sit deeper, so the nearest one up)
EXTERNAL = next(
    (p / "shared" / "external-data" for p in ROOT.parents if (p / "shared" / "external-data").is_dir()),
    ROOT.parent / "shared" / "external-data",
)


def machine() -> dict[str, Any]:
    """The machine a figure was measured on."""
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0]}


def write_results(path: Path, doc: dict[str, Any]) -> None:
    """Write `doc` as JSON at `path` and print each row of its `table` (figure, value, target)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))
    for row in doc["table"]:
        print(f"{row['figure']}: {row['value']} (target {row['target'] or '-'})")
    print(f"wrote {path}")
