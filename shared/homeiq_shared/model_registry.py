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
_WRITER_LOCK_SUFFIX = ".lock"
METADATA_FILE = "metadata.json"
ALIASES_FILE = "aliases.json"
HISTORY_ARCHIVE_FILE = "aliases_history.jsonl"
"""Alias switches older than the last `history_limit` move here, one JSON object a line (append only)."""
DEFAULT_HISTORY_LIMIT = 200


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


def _try_lock(handle: Any) -> bool:
    """Take an exclusive lock on an open file without waiting; False while another process holds it.

    Always False without flock (Windows): nothing that another process may be writing is touched.
    """
    if sys.platform == "win32":
        return False
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _is_linked(path: Path, handle: Any) -> bool:
    """Whether `path` still names the open file `handle` (not unlinked or replaced meanwhile)."""
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _hold_linked_lock(path: Path) -> Any:
    """Open `path` and hold an exclusive lock on it, waiting while a cleaner holds it; return the handle.

    A cleaner that got the lock first may have removed the file: then it is made again, so what the
    writer holds is always the file `path` names (a cleaner sees it held and leaves its folder alone).
    """
    while True:
        handle = open(path, "a+b")  # noqa: SIM115 - the caller closes it when its writing is done
        if sys.platform != "win32":
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        if _is_linked(path, handle):
            return handle
        handle.close()


def _pair(value: Any) -> dict[str, str]:
    """A `paired` record as {model: version} (anything else: empty)."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None}


class ModelRegistry:
    """Versions under `<root>/<model>/<version>/`, aliases (production, previous) in aliases.json.

    A model set (a leader and the companions trained with it, e.g. failure_prediction with its
    anomaly_detection version) is switched with one atomic write of the leader's aliases.json, which
    names the companions' versions under `paired` (and `previous_paired`); each companion's own
    aliases.json is then rewritten to match (`led_by` names the leader) so it lists the same, and is
    repaired at open if a crash came in between. `paired_production` answers what serves together.

    Opening a registry removes what crashed writers left (temp folders whose writer is gone, trash of
    a pruning, temp alias files); the alias history keeps the last `history_limit` switches, older
    ones are appended to `aliases_history.jsonl` next to it (nothing is lost).
    """

    def __init__(
        self,
        root: Path | str,
        keep_last: int = 10,
        *,
        history_limit: int = DEFAULT_HISTORY_LIMIT,
        recover: bool = True,
    ) -> None:
        if keep_last < 1:
            raise ValueError("keep_last must be >= 1")
        if history_limit < 1:
            raise ValueError("history_limit must be >= 1")
        self.root = Path(root)
        self.keep_last = keep_last
        self.history_limit = history_limit
        self._thread_lock = threading.RLock()
        if recover:
            self.recover()

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
    def _locked(self, model_name: str, *, wait: bool = True) -> Iterator[bool]:
        """Serialise numbering, promotion and pruning of one model across threads and processes.

        With `wait` false the block runs at once and is given False when another process holds the lock.
        """
        model_dir = self._model_dir(model_name)
        model_dir.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(model_dir / ".lock", "a+b") as handle:
            if not wait:
                yield _try_lock(handle)
                return
            if sys.platform != "win32":  # the lock is released when the handle closes
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield True

    @contextmanager
    def _locked_set(self, leader: str, companions: list[str], *, wait: bool = True) -> Iterator[bool]:
        """The leader's lock, then its companions' in name order (always this order: no deadlock)."""
        with self._locked(leader, wait=wait) as held:
            names = sorted(set(companions) - {leader})
            if not held or not names:
                yield held
                return
            with self._locked_set(names[0], names[1:], wait=wait) as rest:
                yield rest

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
        # The writer holds a lock on `<tmp>.lock` (taken before the folder exists) until the folder is
        # renamed or removed: a temp folder whose lock nobody holds belongs to a writer that died.
        writer_lock = tmp_dir.with_name(tmp_dir.name + _WRITER_LOCK_SUFFIX)
        lock_handle = _hold_linked_lock(writer_lock)
        try:
            tmp_dir.mkdir()
            version = self._write_version(model_name, model_dir, tmp_dir, artifacts, metadata)
        finally:
            writer_lock.unlink(missing_ok=True)
            lock_handle.close()
        return self.get(model_name, version)

    def _write_version(
        self,
        model_name: str,
        model_dir: Path,
        tmp_dir: Path,
        artifacts: Mapping[str, bytes],
        metadata: Mapping[str, Any],
    ) -> str:
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
        return version

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

    def _clean_leftovers(self, model_dir: Path) -> list[str]:
        """Delete temp folders whose writer is gone; return the names removed.

        A temp folder with a `.lock` file is removed when nobody holds that lock (its writer died);
        one without (written before writers held locks) only when older than an hour.
        """
        removed: list[str] = []
        cutoff = time.time() - _STALE_TMP_SECONDS
        for child in sorted(model_dir.iterdir()):
            name = child.name
            if not name.startswith(_TMP_PREFIX):
                continue
            try:
                if name.endswith(_WRITER_LOCK_SUFFIX):
                    # opened without creating it: a lock file its writer just removed stays removed
                    with open(os.open(child, os.O_RDWR), "r+b") as handle:
                        if not _try_lock(handle) or not _is_linked(child, handle):
                            continue  # a registration in progress (or finished meanwhile)
                        folder = child.with_name(name.removesuffix(_WRITER_LOCK_SUFFIX))
                        if folder.is_dir():
                            shutil.rmtree(folder, ignore_errors=True)
                            removed.append(folder.name)
                        child.unlink(missing_ok=True)
                elif child.is_dir():
                    if child.with_name(name + _WRITER_LOCK_SUFFIX).exists():
                        continue  # decided through its lock file
                    if child.stat().st_mtime < cutoff:
                        shutil.rmtree(child, ignore_errors=True)
                        removed.append(name)
            except FileNotFoundError:
                continue
        for name in removed:
            logger.info("removed leftover %s", model_dir / name)
        return removed

    def _clean_locked_leftovers(self, model_dir: Path) -> list[str]:
        """Under the model's lock: trash of an interrupted prune and temp alias/counter files."""
        removed: list[str] = []
        for child in sorted(model_dir.iterdir()):
            name = child.name
            if name.startswith(_TRASH_PREFIX) and child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            elif (name.startswith(".aliases.") and name.endswith(".tmp")) or name.startswith(".counter."):
                child.unlink(missing_ok=True)
            else:
                continue
            removed.append(name)
        return removed

    def recover(self) -> dict[str, list[str]]:
        """What a crash left behind, cleaned (per model, the names removed); companion aliases repaired.

        Runs at open. Safe beside other processes using the registry: a temp folder is removed only
        when its writer's lock is free, trash and temp alias files only under the model's lock.
        """
        cleaned: dict[str, list[str]] = {}
        if not self.root.is_dir():
            return cleaned
        for model_dir in sorted(self.root.iterdir()):
            if not model_dir.is_dir() or not _MODEL_NAME_RE.match(model_dir.name):
                continue
            removed = self._clean_leftovers(model_dir)
            with self._locked(model_dir.name, wait=False) as held:
                if held:  # otherwise another process is at work here: the next open cleans up
                    removed += self._clean_locked_leftovers(model_dir)
            if removed:
                cleaned[model_dir.name] = removed
        for model_dir in sorted(self.root.iterdir()):
            if (
                model_dir.is_dir()
                and (model_dir / ALIASES_FILE).is_file()
                and _MODEL_NAME_RE.match(model_dir.name)
            ):
                self._repair_companions(model_dir.name)
        return cleaned

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

    def paired_production(self, model_name: str, companion: str) -> ModelVersion | None:
        """The `companion` version that serves with `model_name`'s production version.

        The one the leader's aliases.json pairs with its production; a registry written before model
        sets (no `paired` record) serves the companion's own production alias.
        """
        aliases = self.aliases(model_name)
        if "paired" not in aliases or companion not in _pair(aliases.get("paired")):
            return self.production(companion)
        version = _pair(aliases["paired"])[companion]
        try:
            return self.get(companion, version)
        except NotFoundError as exc:
            raise ArtifactIntegrityError(
                f"{model_name}: production is paired with {companion} {version!r}, which is missing"
            ) from exc

    def _write_aliases(self, model_dir: Path, aliases: Mapping[str, Any]) -> None:
        history = list(aliases.get("history", []))
        if len(history) > self.history_limit:
            # Older switches go to the append-only archive first: a crash before the alias write can
            # at worst leave them there twice, never lose them.
            older, history = history[: -self.history_limit], history[-self.history_limit :]
            lines = b"".join(json.dumps(_finite(e), default=json_default).encode() + b"\n" for e in older)
            with open(model_dir / HISTORY_ARCHIVE_FILE, "ab") as handle:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
            aliases = {
                **aliases,
                "history": history,
                "history_archived": int(aliases.get("history_archived", 0)) + len(older),
            }
        tmp = model_dir / f".aliases.{secrets.token_hex(4)}.tmp"
        _write_durably(tmp, _to_json(aliases))
        os.replace(tmp, model_dir / ALIASES_FILE)
        _fsync_dir(model_dir)

    def archived_history(self, model_name: str) -> list[dict[str, Any]]:
        """The alias switches moved out of aliases.json (oldest first)."""
        path = self._model_dir(model_name) / HISTORY_ARCHIVE_FILE
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def _pair_of(self, aliases: Mapping[str, Any], version: str) -> dict[str, str] | None:
        """The companions recorded with `version` in this alias file (None: none recorded)."""
        if aliases.get("production") == version and "paired" in aliases:
            return _pair(aliases["paired"])
        if aliases.get("previous") == version and "previous_paired" in aliases:
            return _pair(aliases["previous_paired"])
        for entry in reversed(aliases.get("history", [])):
            if entry.get("version") == version and "paired" in entry:
                return _pair(entry["paired"])
        return None

    def _switch(
        self,
        model_name: str,
        version: str,
        reason: str,
        action: str,
        actor: str,
        forced: bool,
        paired: Mapping[str, str] | None = None,
    ) -> dict[str, Any] | None:
        model_dir = self._model_dir(model_name)
        self._version_dir(model_name, version)
        pair = _pair(paired)
        for name, other in pair.items():
            self._version_dir(name, other)  # every version of the set exists before anything switches
        aliases = self.aliases(model_name)
        current = aliases.get("production")
        leader = aliases.get("led_by")
        has_pair = "paired" in aliases or bool(pair)
        current_pair = _pair(aliases.get("paired"))
        if "paired" not in aliases and pair:
            # A registry from before model sets: the companions' own aliases name what served with it.
            current_pair = {n: v for n in pair if (v := self.aliases(n).get("production")) is not None}
        if current == version and (not pair or pair == current_pair):
            logger.info("%s %s is already production; nothing to do", model_name, version)
            return None
        entry: dict[str, Any] = {
            "version": version,
            "previous": current,
            "promoted_at": _now().isoformat(),
            "reason": reason,
            "action": action,
            "actor": actor,
            "forced": forced,
        }
        new_pair = pair or current_pair
        if has_pair:
            entry["paired"] = new_pair
        history = [*aliases.get("history", []), entry]
        previous = current if current != version else aliases.get("previous")
        updated: dict[str, Any] = {"production": version, "previous": previous}
        if has_pair:
            previous_pair = current_pair if current != version else _pair(aliases.get("previous_paired"))
            updated |= {"paired": new_pair, "previous_paired": previous_pair}
        if leader is not None:
            updated["led_by"] = leader
        if "history_archived" in aliases:
            updated["history_archived"] = aliases["history_archived"]
        updated["history"] = history
        if leader is not None and isinstance(leader, str) and leader != model_name:
            # A companion switched on its own: the leader's record of the set changes first (the commit).
            self._set_leader_pair(leader, model_name, version)
        self._write_aliases(model_dir, updated)  # the commit point of the set
        logger.info("%s: %s %s -> %s by %s (%s)", model_name, action, current, version, actor, reason)
        for name, other in new_pair.items():
            self._mirror(name, other, model_name, version, entry)
        return entry

    def _set_leader_pair(self, leader: str, companion: str, version: str) -> None:
        aliases = self.aliases(leader)
        pair = _pair(aliases.get("paired"))
        if "paired" not in aliases or pair.get(companion) == version:
            return
        self._write_aliases(self._model_dir(leader), {**aliases, "paired": pair | {companion: version}})

    def _mirror(
        self, name: str, version: str, leader: str, leader_version: str, entry: Mapping[str, Any]
    ) -> None:
        """Make companion `name`'s aliases.json name `version` as production, as its leader's record says."""
        aliases = self.aliases(name)
        if aliases.get("production") == version and aliases.get("led_by") == leader:
            return
        current = aliases.get("production")
        mirrored = {
            **{k: entry[k] for k in ("promoted_at", "action", "actor", "forced")},
            "version": version,
            "previous": current,
            "reason": f"paired with {leader} {leader_version}: {entry['reason']}",
        }
        changed = current != version
        updated: dict[str, Any] = {
            "production": version,
            "previous": current if changed else aliases.get("previous"),
            "led_by": leader,
        }
        if "history_archived" in aliases:
            updated["history_archived"] = aliases["history_archived"]
        updated["history"] = [*aliases.get("history", []), *([mirrored] if changed else [])]
        self._write_aliases(self._model_dir(name), updated)

    def _repair_companions(self, model_name: str) -> None:
        """After a crash between a set's commit and its companions' rewrite: rewrite them now.

        Skipped while another process holds a lock of the set (the next open repairs it).
        """
        aliases = self.aliases(model_name)
        pair = _pair(aliases.get("paired"))
        if not pair or aliases.get("production") is None:
            return
        with self._locked_set(model_name, list(pair), wait=False) as held:
            if not held:
                return  # a switch is in progress in another process: it writes the companions itself
            aliases = self.aliases(model_name)
            pair = _pair(aliases.get("paired"))
            version = aliases.get("production")
            if version is None:
                return
            entry = next(
                (e for e in reversed(aliases.get("history", [])) if e.get("version") == version),
                {"promoted_at": _now().isoformat(), "action": "promote", "actor": "unknown",
                 "forced": False, "reason": "repaired"},
            )  # fmt: skip
            for name, other in pair.items():
                if self.aliases(name).get("production") != other:
                    logger.warning(
                        "repairing %s: production %s as paired with %s %s", name, other, model_name, version
                    )
                    self._mirror(name, other, model_name, version, entry)

    def _companions(self, model_name: str, paired: Mapping[str, str] | None) -> list[str]:
        aliases = self.aliases(model_name)
        names = (
            set(_pair(paired))
            | set(_pair(aliases.get("paired")))
            | set(_pair(aliases.get("previous_paired")))
        )
        return sorted(names)

    def promote(
        self,
        model_name: str,
        version: str,
        reason: str,
        *,
        actor: str = "unknown",
        forced: bool = False,
        paired: Mapping[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """Make `version` production in one atomic switch; the old production becomes `previous`.

        `paired` ({model: version}) promotes a model set: the companions trained with `version` are
        recorded in the same write, so a crash serves either the old set or the new one. `actor` says
        who switched (api, nightly, pipeline, cli, models.py...), `forced` that failed quality gates
        were overridden; both go into the history entry, which is returned (None: already production).
        """
        leader = self.aliases(model_name).get("led_by")
        first = leader if isinstance(leader, str) and leader != model_name else model_name
        with self._locked_set(first, [model_name, *self._companions(model_name, paired)]):
            return self._switch(model_name, version, reason, "promote", actor, forced, paired)

    def rollback(
        self,
        model_name: str,
        reason: str = "rollback",
        *,
        actor: str = "unknown",
        version: str | None = None,
        paired: Mapping[str, str] | None = None,
    ) -> ModelVersion:
        """Switch production back to `version` (default `previous`, which then becomes `previous` itself).

        A model set rolls back whole: the companions recorded with the target (else `paired`, for a
        target switched before sets were recorded) switch in the same write. NotFoundError when there is no previous version or `version` is not kept.
        """
        leader = self.aliases(model_name).get("led_by")
        first = leader if isinstance(leader, str) and leader != model_name else model_name
        with self._locked_set(first, [model_name, *self._companions(model_name, paired)]):
            aliases = self.aliases(model_name)
            target = version or aliases.get("previous")
            if target is None:
                raise NotFoundError(f"model {model_name!r} has no previous version to roll back to")
            recorded = self._pair_of(aliases, target)
            pair = recorded if recorded is not None else dict(paired or {})
            # a companion version pruned since: that companion keeps its production
            pair = {
                n: v for n, v in (pair or {}).items() if (self._model_dir(n) / v / METADATA_FILE).is_file()
            }
            self._switch(model_name, target, reason, "rollback", actor, False, pair)
            return self.get(model_name, target)

    # ---- housekeeping ---------------------------------------------------------------------
    def _paired_by_leaders(self, model_name: str) -> set[str]:
        """Versions of `model_name` another model's alias file pairs with its production or previous."""
        named: set[str] = set()
        if not self.root.is_dir():
            return named
        for other in self.root.iterdir():
            if other.name == model_name or not (other / ALIASES_FILE).is_file():
                continue
            try:
                aliases = json.loads((other / ALIASES_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for key in ("paired", "previous_paired"):
                version = _pair(aliases.get(key)).get(model_name)
                if version is not None:
                    named.add(version)
        return named

    def prune(self, model_name: str) -> list[str]:
        """Delete all but the last `keep_last` versions, never production or previous; return removed ids."""
        model_dir = self._model_dir(model_name)
        if not model_dir.is_dir():
            return []
        removed: list[str] = []
        with self._locked(model_name):
            aliases = self.aliases(model_name)
            protected = {aliases.get("production"), aliases.get("previous")} | self._paired_by_leaders(
                model_name
            )
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
