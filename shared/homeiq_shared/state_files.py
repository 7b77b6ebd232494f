"""Small JSON state files (schedules, pull positions) read leniently and replaced atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def read_state(path: Path) -> dict[str, Any]:
    """The JSON object in `path`, or an empty dict when it is missing or unreadable (a fresh start)."""
    try:
        state = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return state if isinstance(state, dict) else {}


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Replace `path` with `state` atomically: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle, indent=2, default=str)
    os.replace(tmp, path)
