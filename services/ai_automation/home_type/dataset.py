"""Stream a folder of home files into a feature table, one home at a time (optionally augmented)."""

from __future__ import annotations

import gzip
import hashlib
import logging
import multiprocessing
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from ai_automation.home_type.decoding import decode_home
from ai_automation.home_type.features import FEATURE_SCHEMA_VERSION, features_of_view
from ai_automation.home_type.home_view import EventColumns, HomeInputError, event_columns, parse_home
from ai_automation.home_type.registry_view import PHYSICAL_DOMAINS
from ai_automation.home_type.semantics import entity_domain
from homeiq_shared.errors import InvalidInputError

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], None]
"""Called as `progress(done, total, home_file_name)` after each home."""


class DatasetError(InvalidInputError):
    """A dataset folder that cannot be trained on (missing, empty, unreadable homes, one class)."""


@dataclass
class FeatureTable:
    """Feature rows of a dataset; augmented copies point at their source home through `source`."""

    X: NDArray[np.float64]
    source: NDArray[np.int64]
    is_copy: NDArray[np.bool_]
    home_ids: list[str]
    home_keys: list[str]
    home_types: list[str]
    has_events: NDArray[np.bool_]
    skipped: list[str] = field(default_factory=list)

    @property
    def n_homes(self) -> int:
        """Number of distinct (original) homes."""
        return len(self.home_ids)

    def original_rows(self) -> NDArray[np.int64]:
        """Row index of each home's own (non-augmented) row, in home order."""
        rows = np.flatnonzero(~self.is_copy)
        return rows[np.argsort(self.source[rows], kind="stable")]


def home_paths(folder: Path) -> list[Path]:
    """The home files of a dataset folder, sorted by name (`summary.json` and other JSON excluded)."""
    if not folder.exists():
        raise DatasetError(f"dataset folder {folder} does not exist")
    if not folder.is_dir():
        raise DatasetError(f"dataset path {folder} is not a folder")
    paths = sorted(
        p for p in folder.iterdir() if p.name.startswith("home") and p.name.endswith((".json", ".json.gz"))
    )
    if not paths:
        raise DatasetError(f"dataset folder {folder} holds no home_*.json or home_*.json.gz files")
    return paths


def read_home(path: Path) -> dict[str, Any]:
    """Read one home file (`.json` or `.json.gz`), events reduced to the fields the features use."""
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    try:
        return decode_home(raw)
    except HomeInputError as exc:
        raise HomeInputError(f"{path.name}: {exc}") from exc


def home_type_of(home: Mapping[str, Any]) -> str | None:
    """The ground-truth home type: `labels.home_type`, else `home_type`, else `metadata.home.type`."""
    labels = home.get("labels")
    if isinstance(labels, Mapping) and isinstance(labels.get("home_type"), str):
        return str(labels["home_type"])
    if isinstance(home.get("home_type"), str):
        return str(home["home_type"])
    meta = home.get("metadata")
    if isinstance(meta, Mapping) and isinstance(meta.get("home"), Mapping):
        value = meta["home"].get("type")
        return str(value) if isinstance(value, str) else None
    return None


def _stamp_text(stamp: Any) -> str:
    """One spelling per time: JSON's 1704067200 and the decoder's 1704067200.0 give the same key."""
    return (
        repr(float(stamp)) if isinstance(stamp, int | float) and not isinstance(stamp, bool) else str(stamp)
    )


def home_key(home: Mapping[str, Any]) -> str:
    """A content key of a home (id, entity ids, event count and span) so copies across datasets match."""
    devices = home.get("devices") or []
    digest = hashlib.sha256(str(home.get("home_id", "")).encode())
    for device in devices:
        if isinstance(device, Mapping):
            digest.update(str(device.get("entity_id")).encode() + b"\0")
    try:
        events = event_columns(home.get("events") or [])
    except HomeInputError:
        events = EventColumns([], [], None)
    if len(events):
        first, last = (_stamp_text(events.timestamp[i]) for i in (0, -1))
        digest.update(f"{len(events)}|{first}|{last}".encode())
    return digest.hexdigest()[:24]


def augment_home(home: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """A plausible variant of a home: 10-25 % of its physical devices (and their events) removed."""
    devices = [d for d in home.get("devices") or [] if isinstance(d, Mapping)]
    physical = [
        i for i, d in enumerate(devices) if entity_domain(str(d.get("entity_id", ""))) in PHYSICAL_DOMAINS
    ]
    n_drop = round(len(physical) * float(rng.uniform(0.10, 0.25)))
    if n_drop >= len(physical):
        n_drop = max(len(physical) - 1, 0)
    drop = set(rng.choice(physical, size=n_drop, replace=False).tolist()) if n_drop else set()
    kept = [d for i, d in enumerate(devices) if i not in drop]
    gone = {str(devices[i].get("entity_id")) for i in drop}
    events = event_columns(home.get("events") or [])
    keep = [entity not in gone for entity in events.entity_id]
    types = events.event_type
    columns = EventColumns(
        list(compress(events.entity_id, keep)),
        list(compress(events.timestamp, keep)),
        None if types is None else list(compress(types, keep)),
    )
    return {**home, "devices": kept, "events": columns.to_json()}


@dataclass
class _HomeRows:
    """What one worker returns for one home file."""

    name: str
    error: str | None = None
    home_id: str = ""
    key: str = ""
    home_type: str = ""
    has_events: bool = False
    rows: list[NDArray[np.float64]] = field(default_factory=list)


def _featurize(job: tuple[Path, int, int]) -> _HomeRows:
    """Read and featurise one home file (plus `augment` variants); runs in a worker process."""
    path, augment, seed = job
    try:
        home = read_home(path)
        home_type = home_type_of(home)
        if home_type is None:
            raise HomeInputError("no home_type label")
        row = features_of_view(parse_home(home))
        rng = np.random.default_rng(seed)
        variants = [features_of_view(parse_home(augment_home(home, rng))).values for _ in range(augment)]
    except (HomeInputError, orjson.JSONDecodeError, OSError, EOFError) as exc:
        return _HomeRows(path.name, error=str(exc))
    except (ValueError, ArithmeticError) as exc:  # one odd file must not stop a training run
        logger.exception("unexpected error featurising %s", path.name)
        return _HomeRows(path.name, error=f"{type(exc).__name__}: {exc}")
    home_id = str(home.get("home_id") or path.name.split(".")[0])
    return _HomeRows(
        path.name, None, home_id, home_key(home), home_type, len(row.groups_used) > 1, [row.values, *variants]
    )


_CACHE_BUILD = threading.Lock()
"""Held while a cached table is looked up or built: two trainings of one dataset (the binary and full
tasks at once) featurise it once, the second reading the first's cache (each build uses every core)."""


def _cache_file(cache_dir: Path, paths: list[Path], augment: int, seed: int) -> Path:
    stats = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in paths]
    ident = orjson.dumps(
        [FEATURE_SCHEMA_VERSION, str(paths[0].parent.resolve()), augment, seed if augment else 0, stats]
    )
    return cache_dir / f"{hashlib.sha256(ident).hexdigest()[:32]}.npz"


def _save(table: FeatureTable, file: Path) -> None:
    """Write the cache atomically; two trainings of one dataset (both tasks at once) may both write it."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=file.parent, prefix=f".{file.stem}-", suffix=".npz")
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle, X=table.X, source=table.source, is_copy=table.is_copy, has_events=table.has_events,
                text=np.array(orjson.dumps([table.home_ids, table.home_keys, table.home_types, table.skipped]).decode()),
            )  # fmt: skip
        os.replace(tmp_name, file)
    except OSError as exc:
        # the cache only saves time: failing to write it must never fail a training run
        logger.warning("feature cache %s not written: %s", file, exc)


def _load(file: Path) -> FeatureTable | None:
    try:
        with np.load(file, allow_pickle=False) as data:
            ids, keys, types, skipped = orjson.loads(str(data["text"]))
            return FeatureTable(
                data["X"], data["source"], data["is_copy"], ids, keys, types, data["has_events"], skipped
            )
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("ignoring unreadable feature cache %s: %s", file, exc)
        return None


def build_feature_table(
    folder: Path,
    augment: int = 0,
    rng: np.random.Generator | None = None,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
    cache_dir: Path | None = None,
) -> FeatureTable:
    """Featurise every home of `folder` (plus `augment` variants each); unusable homes are skipped and listed.

    Big datasets are featurised by `workers` processes (default: one per CPU from 200 homes on); with
    `cache_dir`, the table is cached under a key of the feature schema and each file's name, size and
    mtime, so retraining on an unchanged dataset does not parse its JSON again.
    """
    if augment < 0:
        raise DatasetError("augment must be >= 0")
    rng = rng if rng is not None else np.random.default_rng(0)
    paths = home_paths(folder)
    seed = int(rng.integers(2**63))
    if cache_dir is None:
        return _build(folder, paths, augment, seed, progress, workers)
    cached = _cache_file(cache_dir, paths, augment, seed)
    with _CACHE_BUILD:
        table = _load(cached) if cached.exists() else None
        if table is not None:
            if progress is not None:
                progress(len(paths), len(paths), "feature cache")
            return table
        table = _build(folder, paths, augment, seed, progress, workers)
        _save(table, cached)
    return table


def _build(
    folder: Path,
    paths: list[Path],
    augment: int,
    seed: int,
    progress: ProgressCallback | None,
    workers: int | None,
) -> FeatureTable:
    """Featurise every home of `folder` (in worker processes when big), unusable homes skipped and listed."""
    seeds = np.random.default_rng(seed).integers(2**63, size=len(paths)).tolist()
    jobs = [(path, augment, int(s)) for path, s in zip(paths, seeds, strict=True)]
    n_workers = workers if workers is not None else (min(os.cpu_count() or 1, 4) if len(paths) >= 200 else 1)
    if n_workers > 1:
        # spawn, not fork: the caller may be a server with threads (uvicorn, BLAS, to_thread workers).
        pool = ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn"))
        results: Iterator[_HomeRows] = pool.map(_featurize, jobs, chunksize=16)
    else:
        pool = None
        results = map(_featurize, jobs)
    rows: list[NDArray[np.float64]] = []
    source: list[int] = []
    is_copy: list[bool] = []
    ids: list[str] = []
    keys: list[str] = []
    types: list[str] = []
    events: list[bool] = []
    skipped: list[str] = []
    try:
        for done, item in enumerate(results, start=1):
            if item.error is not None:
                logger.warning("skipping %s: %s", item.name, item.error)
                skipped.append(f"{item.name}: {item.error}")
            else:
                index = len(ids)
                ids.append(item.home_id)
                keys.append(item.key)
                types.append(item.home_type)
                events.append(item.has_events)
                for i, values in enumerate(item.rows):
                    rows.append(values)
                    source.append(index)
                    is_copy.append(i > 0)
            if progress is not None:
                progress(done, len(paths), item.name)
    finally:
        if pool is not None:
            pool.shutdown()
    if not ids:
        raise DatasetError(f"no usable home in {folder}: " + "; ".join(skipped[:3]))
    return FeatureTable(
        X=np.vstack(rows),
        source=np.asarray(source, dtype=np.int64),
        is_copy=np.asarray(is_copy, dtype=bool),
        home_ids=ids,
        home_keys=keys,
        home_types=types,
        has_events=np.asarray(events, dtype=bool),
        skipped=skipped,
    )
