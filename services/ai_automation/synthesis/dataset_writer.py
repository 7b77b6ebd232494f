"""Dataset folders: check the target, write into a temporary sibling, publish with an atomic rename."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson


class OutputPathError(ValueError):
    """The output folder cannot be used (a file, not writable, or not empty without overwrite)."""


def check_output(output_dir: Path, overwrite: bool) -> Path:
    """Validate the target folder before any work; return its resolved path."""
    target = output_dir.expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise OutputPathError(f"output path {output_dir} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise OutputPathError(f"output folder {output_dir} is not empty (use --overwrite to replace it)")
    parent = target.parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write to {probe}")
    if target.exists() and not os.access(target, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write to {output_dir}")
    return target


@contextmanager
def staging_folder(target: Path) -> Iterator[Path]:
    """A temporary folder beside `target`; removed if anything fails before it is published."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    except OSError as exc:
        raise OutputPathError(f"cannot create a folder beside {target}: {exc.strerror}") from exc
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def publish(staging: Path, target: Path) -> None:
    """Move the finished staging folder to `target`, replacing an existing one only at the last moment."""
    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, trash / "dataset")
        os.replace(staging, target)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(staging, target)


def write_json(path: Path, payload: dict[str, Any]) -> bytes:
    """Write a small JSON document (sorted keys, indented) and return its bytes."""
    data = orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    path.write_bytes(data)
    return data
