"""Open a Home Assistant recorder database without writing anything into the HA config folder.

SQLite itself may write beside a database it opens: a read-only (`mode=ro`) connection to a
WAL-mode file creates `-wal` and `-shm` files and leaves them behind. So the file is opened one of
three ways, chosen by what lies beside it:

- nothing (HA is stopped; it deletes its `-wal` when it closes cleanly): `mode=ro&immutable=1`,
  which takes no locks and creates no file: the folder stays byte-identical;
- `-wal` and `-shm` (HA is running): a consistent snapshot through SQLite's online backup API, from
  a `mode=ro` connection that reads HA's WAL through HA's own shared-memory index, into a temporary
  file outside the folder. The reader never writes the database and never checkpoints;
- `-wal` without `-shm`, or a `-journal` (HA stopped mid-write): the files are copied to a
  temporary folder and SQLite recovers them there, so the user's files are only read.

The checks before opening name what the file is when it is not a database (empty, a Git LFS
pointer that was never fetched, another format).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

logger = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
GIT_LFS_POINTER = b"version https://git-lfs.github.com/spec/"
OpenMode = Literal["immutable", "backup", "copy"]


class RecorderError(Exception):
    """The recorder database cannot be read (missing, locked, corrupt or of an unknown schema)."""


@dataclass
class ReadOnlyDatabase:
    """An open connection to the recorder data, and the temporary snapshot it may read from."""

    conn: sqlite3.Connection
    mode: OpenMode
    snapshot_dir: Path | None = None

    def close(self) -> None:
        """Close the connection and delete the temporary snapshot, if any."""
        self.conn.close()
        if self.snapshot_dir is not None:
            shutil.rmtree(self.snapshot_dir, ignore_errors=True)
            self.snapshot_dir = None


def check_database_file(path: Path) -> None:
    """Raise `RecorderError` saying what `path` is when it is not an SQLite database."""
    if not path.is_file():
        raise RecorderError(f"no recorder database at {path}")
    try:
        with path.open("rb") as handle:
            head = handle.read(100)
    except OSError as exc:
        raise RecorderError(f"{path} cannot be read: {exc}") from exc
    if not head:
        raise RecorderError(f"{path} is empty (0 bytes): not a recorder database")
    if head.startswith(GIT_LFS_POINTER):
        raise RecorderError(
            f"{path} is a Git LFS pointer file, not the database itself: fetch the real file "
            "(`git lfs pull` in the repository) and import again"
        )
    if not head.startswith(SQLITE_HEADER):
        raise RecorderError(f"{path} is not an SQLite database (no SQLite header)")


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _connect(target: str, *, uri: bool = True) -> sqlite3.Connection:
    return sqlite3.connect(target, uri=uri, timeout=10, check_same_thread=False)


def open_read_only(path: Path) -> ReadOnlyDatabase:
    """Open `path` so that nothing beside it is created or changed (see the module docstring)."""
    check_database_file(path)
    wal, shm, journal = (_sidecar(path, s) for s in ("-wal", "-shm", "-journal"))
    uri = path.resolve().as_uri()
    try:
        if not wal.exists() and not journal.exists():
            conn = _connect(f"{uri}?mode=ro&immutable=1")
            conn.execute("PRAGMA query_only=ON")
            return ReadOnlyDatabase(conn, "immutable")
        snapshot_dir = Path(tempfile.mkdtemp(prefix="homeiq-recorder-"))
        copy = snapshot_dir / path.name
        try:
            if wal.exists() and shm.exists():
                mode: OpenMode = "backup"
                source = _connect(f"{uri}?mode=ro")
                try:
                    target = _connect(str(copy), uri=False)
                    source.backup(target)
                    target.close()
                finally:
                    source.close()
            else:
                mode = "copy"
                for file in (path, wal, journal):
                    if file.exists():
                        shutil.copyfile(file, snapshot_dir / file.name)
            conn = _connect(str(copy), uri=False)
            conn.execute("PRAGMA query_only=ON")
        except BaseException:
            shutil.rmtree(snapshot_dir, ignore_errors=True)
            raise
        logger.info("reading %s through a %s snapshot in %s", path, mode, snapshot_dir)
        return ReadOnlyDatabase(conn, mode, snapshot_dir)
    except sqlite3.DatabaseError as exc:
        raise RecorderError(f"{path} is not a readable SQLite database: {exc}") from exc
    except OSError as exc:  # a sidecar HA's user may read and we may not, a full temporary folder
        raise RecorderError(f"{path} could not be snapshotted for reading: {exc}") from exc
