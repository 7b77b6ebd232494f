"""The nightly training set: a synthetic dataset plus the real homes with a confirmed type, in one folder."""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ai_automation.home_type.dataset import home_key, home_paths
from ai_automation.home_type.real_homes import RealHome
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset

logger = logging.getLogger(__name__)

REAL_PREFIX = "home_real_"


@dataclass(frozen=True)
class SyntheticPart:
    """The synthetic homes a run uses and where they came from."""

    folder: Path
    homes: int
    days: int
    source: str


def _summary(folder: Path) -> dict[str, Any] | None:
    try:
        summary = json.loads((folder / "summary.json").read_text())
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) else None


def latest_dataset(datasets_dir: Path) -> Path | None:
    """The most recently generated dataset folder (by its summary.json), or None."""
    if not datasets_dir.is_dir():
        return None
    folders = [
        p
        for p in datasets_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "summary.json").is_file()
    ]
    if not folders:
        return None
    return max(folders, key=lambda p: ((p / "summary.json").stat().st_mtime_ns, p.name))


def synthetic_part(datasets_dir: Path, count: int, days: int, seed: int) -> SyntheticPart:
    """The latest generated dataset, or a small one generated now with the nightly settings (then reused)."""
    folder = latest_dataset(datasets_dir)
    source = "latest generated dataset"
    if folder is None:
        folder = datasets_dir / f"nightly-{count}x{days}-seed{seed}"
        options = GeneratorOptions(
            count=count, days=days, seed=seed, weather=False, carbon=False, pricing=False, calendar=False
        )
        generate_dataset(options, folder)
        source = "generated for the nightly run (no dataset existed)"
    summary = _summary(folder) or {}
    arguments = summary.get("arguments") or {}
    return SyntheticPart(folder, len(home_paths(folder)), int(arguments.get("days") or days), source)


def _link(target: Path, link: Path) -> None:
    try:
        os.symlink(target.resolve(), link)
    except OSError:  # a file system without symlinks: copy instead
        shutil.copy2(target, link)


def assemble(folder: Path, synthetic: SyntheticPart, labelled: list[RealHome]) -> dict[str, str]:
    """Write the run's folder (synthetic files linked, real homes written); return real home id -> home key."""
    folder.mkdir(parents=True, exist_ok=False)
    for path in home_paths(synthetic.folder):
        _link(path, folder / path.name)
    keys: dict[str, str] = {}
    for real in labelled:
        (folder / f"{REAL_PREFIX}{real.home_id}.json").write_bytes(orjson.dumps(real.home))
        keys[real.home_id] = home_key(real.home)
    return keys


def prune_training_sets(root: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` run folders (the registry keeps each model's data fingerprint)."""
    if not root.is_dir():
        return []
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name)
    removed = [p.name for p in folders[: max(len(folders) - keep, 0)]]
    for name in removed:
        shutil.rmtree(root / name, ignore_errors=True)
    return removed
