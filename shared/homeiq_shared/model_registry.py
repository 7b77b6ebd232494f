"""File-system model registry: immutable version folders, checksummed artifacts, atomic aliases."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import re
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.platform != "win32":
    import fcntl

from homeiq_shared.artifacts import ArtifactIntegrityError, sha256_bytes
from homeiq_shared.errors import InvalidInputError, NotFoundError
from homeiq_shared.fingerprint import json_default

logger = logging.getLogger(__name__)

_MODEL_NAME_RE = re.compile(r"^[a-z0-9_]{1,64}$")
_VERSION_RE = re.compile(r"^v(\d{4,})-(\d{8}T\d{6}Z)$")
_FILENAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")
_RESERVED_KEYS = frozenset({"model_name", "version", "created_at", "artifacts"})
_TRIGGERS = frozenset({"api", "nightly", "cli"})
_TMP_PREFIX = ".tmp-"
_TRASH_PREFIX = ".trash-"
_STALE_TMP_SECONDS = 3600.0
METADATA_FILE = "metadata.json"
ALIASES_FILE = "aliases.json"


@dataclass(frozen=True)
class ModelVersion:
    """One registered version: its folder and its metadata.json content."""

    model_name: str
    version: str
    path: Path
    metadata: dict[str, Any]

    @property
    def number(self) -> int:
        """The monotonic counter in the version id (v0007-... -> 7)."""
        return _version_number(self.version)

    @property
    def created_at(self) -> str:
        """UTC ISO-8601 time of registration."""
        return str(self.metadata["created_at"])

    @property
    def artifact_names(self) -> list[str]:
        """The artifact file names of this version."""
        return sorted(self.metadata.get("artifacts", {}))

    @property
    def gates_passed(self) -> bool | None:
        """Whether the quality gates recorded with this version passed (None: none recorded)."""
        return gates_passed(self.metadata)


def gates_passed(metadata: Mapping[str, Any]) -> bool | None:
    """True/False from the recorded quality gates (`gates`, or home type's `metrics.gates`); None if absent.

    A gate report passes when its `verdict` is "PASSED" (or, lacking a verdict, when `passed` is true).
    """
    metrics = metadata.get("metrics")
    for gates in (metadata.get("gates"), metrics.get("gates") if isinstance(metrics, Mapping) else None):
        if isinstance(gates, Mapping):
            if gates.get("verdict") is not None:
                return str(gates["verdict"]).upper() == "PASSED"
            if gates.get("passed") is not None:
                return bool(gates["passed"])
        elif isinstance(gates, str):  # a bare verdict
            return gates.upper() == "PASSED"
    return None


def _version_number(version: str) -> int:
    match = _VERSION_RE.match(version)
    if not match:
        raise InvalidInputError(f"invalid model version id {version!r}")
    return int(match.group(1))


def _finite(value: Any) -> Any:
    """Replace NaN/inf (not valid JSON) by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _to_json(obj: Any) -> bytes:
    # Round trip once so numpy values are plain Python before NaN is cleaned.
    plain = json.loads(json.dumps(obj, default=json_default))
    # insertion order: the registry's own fields first, then the caller's in the order it gave them
    return json.dumps(_finite(plain), indent=2, allow_nan=False).encode("utf-8")


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ModelRegistry:
    """Versions under `<root>/<model>/<version>/`, aliases (production, previous) in aliases.json."""

    def __init__(self, root: Path | str, keep_last: int = 10) -> None:
        if keep_last < 1:
            raise ValueError("keep_last must be >= 1")
        self.root = Path(root)
        self.keep_last = keep_last
        self._thread_lock = threading.RLock()

    # ---- paths and validation -------------------------------------------------------------
    def _model_dir(self, model_name: str) -> Path:
        if not isinstance(model_name, str) or not _MODEL_NAME_RE.match(model_name):
            raise InvalidInputError(f"invalid model name {model_name!r}: use [a-z0-9_]+")
        return self.root / model_name

    def _version_dir(self, model_name: str, version: str) -> Path:
        model_dir = self._model_dir(model_name)
        _version_number(version)
        path = model_dir / version
        if not (path / METADATA_FILE).is_file():
            raise NotFoundError(f"model {model_name!r} has no version {version!r}")
        return path

    @contextmanager
    def _locked(self, model_name: str) -> Iterator[None]:
        """Serialise numbering, promotion and pruning of one model across threads and processes."""
        model_dir = self._model_dir(model_name)
        model_dir.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(model_dir / ".lock", "a+b") as handle:
            if sys.platform != "win32":  # the lock is released when the handle closes
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield

    # ---- registering ----------------------------------------------------------------------
    def register(
        self, model_name: str, artifacts: Mapping[str, bytes], metadata: Mapping[str, Any]
    ) -> ModelVersion:
        """Write a new immutable version (artifacts + metadata.json) and return it; never overwrites."""
        model_dir = self._model_dir(model_name)
        if not artifacts:
            raise InvalidInputError("a model version needs at least one artifact")
        for filename, data in artifacts.items():
            if not isinstance(filename, str) or not _FILENAME_RE.match(filename) or filename == METADATA_FILE:
                raise InvalidInputError(f"invalid artifact file name {filename!r}")
            if not isinstance(data, bytes | bytearray | memoryview):
                raise InvalidInputError(f"artifact {filename!r} must be bytes, got {type(data).__name__}")
        reserved = sorted(_RESERVED_KEYS & set(metadata))
        if reserved:
            raise InvalidInputError(f"metadata keys {reserved} are set by the registry")
        trigger = metadata.get("trigger")
        if trigger is not None and trigger not in _TRIGGERS:
            raise InvalidInputError(f"trigger must be one of {sorted(_TRIGGERS)}, got {trigger!r}")
        try:
            _to_json(dict(metadata))
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"metadata is not JSON serialisable: {exc}") from exc

        model_dir.mkdir(parents=True, exist_ok=True)
        self._clean_leftovers(model_dir)
        tmp_dir = model_dir / f"{_TMP_PREFIX}{secrets.token_hex(8)}"
        tmp_dir.mkdir()
        try:
            records: dict[str, dict[str, Any]] = {}
            for filename, data in artifacts.items():
                payload = bytes(data)
                _write_durably(tmp_dir / filename, payload)
                records[filename] = {"sha256": sha256_bytes(payload), "size_bytes": len(payload)}
            with self._locked(model_name):
                created = _now()
                number = self._next_number(model_dir)
                while True:
                    version = f"v{number:04d}-{created.strftime('%Y%m%dT%H%M%SZ')}"
                    final_dir = model_dir / version
                    if not final_dir.exists():
                        break
                    number += 1
                document = {
                    **dict(metadata),
                    "model_name": model_name,
                    "version": version,
                    "created_at": created.isoformat(),
                    "artifacts": records,
                }
                _write_durably(tmp_dir / METADATA_FILE, _to_json(document))
                _fsync_dir(tmp_dir)
                # The rename is the commit point: before it nothing is visible, after it all is.
                os.replace(tmp_dir, final_dir)
                _fsync_dir(model_dir)
        except BaseException:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise
        logger.info("registered %s %s (%d artifacts)", model_name, version, len(records))
        return self.get(model_name, version)

    def _next_number(self, model_dir: Path) -> int:
        numbers = [0]
        for child in model_dir.iterdir():
            match = _VERSION_RE.match(child.name)
            if match:
                numbers.append(int(match.group(1)))
        # The counter survives pruning so a version id is never reused.
        counter_file = model_dir / ".counter"
        if counter_file.is_file():
            try:
                numbers.append(int(counter_file.read_text().strip() or 0))
            except ValueError:
                logger.warning("ignoring unreadable counter file %s", counter_file)
        number = max(numbers) + 1
        tmp = model_dir / f".counter.{secrets.token_hex(4)}"
        tmp.write_text(str(number))
        os.replace(tmp, counter_file)
        return number

    def _clean_leftovers(self, model_dir: Path) -> None:
        """Delete temp and trash folders left by a crash (only old ones: a fresh one may be in use)."""
        cutoff = time.time() - _STALE_TMP_SECONDS
        for child in model_dir.iterdir():
            if child.name.startswith((_TMP_PREFIX, _TRASH_PREFIX)) and child.is_dir():
                try:
                    if child.stat().st_mtime < cutoff:
                        shutil.rmtree(child, ignore_errors=True)
                        logger.info("removed leftover %s", child)
                except FileNotFoundError:
                    continue

    # ---- reading --------------------------------------------------------------------------
    def model_names(self) -> list[str]:
        """Names of the models that have at least one version, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            child.name
            for child in self.root.iterdir()
            if child.is_dir() and _MODEL_NAME_RE.match(child.name) and self.versions(child.name)
        )

    def metadata(self, model_name: str, version: str) -> dict[str, Any]:
        """The metadata.json of a version (NotFoundError if it does not exist)."""
        path = self._version_dir(model_name, version) / METADATA_FILE
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    def get(self, model_name: str, version: str) -> ModelVersion:
        """One version with its metadata (NotFoundError if it does not exist)."""
        path = self._version_dir(model_name, version)
        return ModelVersion(model_name, version, path, self.metadata(model_name, version))

    def versions(self, model_name: str) -> list[ModelVersion]:
        """Every complete version of a model, oldest first."""
        model_dir = self._model_dir(model_name)
        if not model_dir.is_dir():
            return []
        found: list[ModelVersion] = []
        for child in model_dir.iterdir():
            if not _VERSION_RE.match(child.name) or not (child / METADATA_FILE).is_file():
                continue
            try:
                found.append(self.get(model_name, child.name))
            except (ValueError, OSError) as exc:
                logger.warning("skipping unreadable version %s: %s", child, exc)
        return sorted(found, key=lambda item: item.number)

    def latest(self, model_name: str) -> ModelVersion | None:
        """The most recently registered version, or None."""
        found = self.versions(model_name)
        return found[-1] if found else None

    def read_artifact(self, model_name: str, version: str, filename: str) -> bytes:
        """An artifact's bytes, after checking them against the sha256 recorded at registration."""
        meta = self.metadata(model_name, version)
        record = meta.get("artifacts", {}).get(filename)
        if record is None:
            raise NotFoundError(f"{model_name} {version} has no artifact {filename!r}")
        path = self._version_dir(model_name, version) / filename
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ArtifactIntegrityError(f"{model_name} {version}: artifact {filename!r} is missing") from exc
        actual = sha256_bytes(data)
        if actual != record["sha256"] or len(data) != record["size_bytes"]:
            logger.error("sha256 mismatch for %s", path)
            raise ArtifactIntegrityError(
                f"{model_name} {version}: {filename!r} does not match its recorded sha256; refusing to load",
                expected_sha256=record["sha256"],
                actual_sha256=actual,
            )
        return data

    # ---- aliases --------------------------------------------------------------------------
    def aliases(self, model_name: str) -> dict[str, Any]:
        """The aliases.json content: production, previous, history."""
        path = self._model_dir(model_name) / ALIASES_FILE
        if not path.is_file():
            return {"production": None, "previous": None, "history": []}
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    def _alias(self, model_name: str, alias: str) -> ModelVersion | None:
        version = self.aliases(model_name).get(alias)
        if version is None:
            return None
        try:
            return self.get(model_name, version)
        except NotFoundError as exc:
            raise ArtifactIntegrityError(
                f"{model_name}: alias {alias!r} names {version!r}, which is missing"
            ) from exc

    def production(self, model_name: str) -> ModelVersion | None:
        """The production version, or None when nothing was promoted."""
        return self._alias(model_name, "production")

    def previous(self, model_name: str) -> ModelVersion | None:
        """The version that was production before the current one, or None."""
        return self._alias(model_name, "previous")

    def _write_aliases(self, model_dir: Path, aliases: Mapping[str, Any]) -> None:
        tmp = model_dir / f".aliases.{secrets.token_hex(4)}.tmp"
        _write_durably(tmp, _to_json(aliases))
        os.replace(tmp, model_dir / ALIASES_FILE)
        _fsync_dir(model_dir)

    def _switch(
        self, model_name: str, version: str, reason: str, action: str, actor: str, forced: bool
    ) -> dict[str, Any] | None:
        model_dir = self._model_dir(model_name)
        self._version_dir(model_name, version)
        aliases = self.aliases(model_name)
        current = aliases.get("production")
        if current == version:
            logger.info("%s %s is already production; nothing to do", model_name, version)
            return None
        entry = {
            "version": version,
            "previous": current,
            "promoted_at": _now().isoformat(),
            "reason": reason,
            "action": action,
            "actor": actor,
            "forced": forced,
        }
        history = [*aliases.get("history", []), entry]
        updated = {"production": version, "previous": current, "history": history}
        self._write_aliases(model_dir, updated)
        logger.info("%s: %s %s -> %s by %s (%s)", model_name, action, current, version, actor, reason)
        return entry

    def promote(
        self, model_name: str, version: str, reason: str, *, actor: str = "unknown", forced: bool = False
    ) -> dict[str, Any] | None:
        """Make `version` production in one atomic switch; the old production becomes `previous`.

        `actor` says who switched (api, nightly, pipeline, cli, models.py...), `forced` that failed quality
        gates were overridden; both go into the history entry, which is returned (None: already production).
        """
        with self._locked(model_name):
            return self._switch(model_name, version, reason, "promote", actor, forced)

    def rollback(
        self, model_name: str, reason: str = "rollback", *, actor: str = "unknown", version: str | None = None
    ) -> ModelVersion:
        """Switch production back to `version` (default `previous`, which then becomes `previous` itself).

        NotFoundError when there is no previous version or `version` is not kept.
        """
        with self._locked(model_name):
            target = version or self.aliases(model_name).get("previous")
            if target is None:
                raise NotFoundError(f"model {model_name!r} has no previous version to roll back to")
            self._switch(model_name, target, reason, "rollback", actor, False)
            return self.get(model_name, target)

    # ---- housekeeping ---------------------------------------------------------------------
    def prune(self, model_name: str) -> list[str]:
        """Delete all but the last `keep_last` versions, never production or previous; return removed ids."""
        model_dir = self._model_dir(model_name)
        if not model_dir.is_dir():
            return []
        removed: list[str] = []
        with self._locked(model_name):
            aliases = self.aliases(model_name)
            protected = {aliases.get("production"), aliases.get("previous")}
            existing = self.versions(model_name)
            keep = {item.version for item in existing[-self.keep_last :]} | protected
            for item in existing:
                if item.version in keep:
                    continue
                # Rename first so a half-deleted folder is never seen as a version.
                trash = model_dir / f"{_TRASH_PREFIX}{secrets.token_hex(8)}"
                os.replace(item.path, trash)
                shutil.rmtree(trash, ignore_errors=True)
                removed.append(item.version)
        if removed:
            logger.info("pruned %s: %s", model_name, removed)
        return removed
