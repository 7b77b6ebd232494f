"""Reading a recorder database leaves the HA config folder byte-identical, whatever state HA left it in."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from homeiq_shared.ha_recorder import RecorderError, open_readonly
from homeiq_shared.ha_recorder_writer import write_recorder_db

from .conftest import ha_state_changed

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def _folder(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _db(folder: Path, n: int = 10) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "home-assistant_v2.db"
    events = [
        ha_state_changed("switch.pump", "on" if i % 2 else "off", T0 + timedelta(minutes=i)) for i in range(n)
    ]
    write_recorder_db(path, events, schema_version=48)
    return path


def _wal_writer(path: Path) -> sqlite3.Connection:
    """HA's connection: WAL mode, no automatic checkpoint, one committed row still only in the -wal."""
    ha = sqlite3.connect(path)
    ha.execute("PRAGMA journal_mode=WAL")
    ha.execute("PRAGMA wal_autocheckpoint=0")
    ha.execute(
        "INSERT INTO states (state_id, state, last_updated_ts, metadata_id) VALUES (50, 'on', ?, 1)",
        (T0.timestamp(),),
    )
    ha.commit()
    return ha


def _states(path: Path) -> int:
    with open_readonly(path) as reader:
        return sum(len(chunk) for chunk in reader.iter_state_changed())


def test_a_wal_mode_database_of_a_stopped_ha_is_read_immutable_without_sidecars(tmp_path: Path) -> None:
    path = _db(tmp_path / "cfg")
    with sqlite3.connect(path) as conn:  # HA keeps its database in WAL mode; a clean stop removes the -wal
        conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    before = _folder(path.parent)
    assert set(before) == {"home-assistant_v2.db"}
    with open_readonly(path) as reader:
        assert reader.open_mode == "immutable"
        assert reader.summarize().states == 10
    assert _folder(path.parent) == before
    # what a plain mode=ro connection would have done to the same folder
    plain = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    plain.execute("SELECT COUNT(*) FROM states").fetchone()
    plain.close()
    assert {"home-assistant_v2.db-wal", "home-assistant_v2.db-shm"} <= set(_folder(path.parent))


def test_a_running_ha_is_read_through_a_backup_snapshot_of_its_committed_data(tmp_path: Path) -> None:
    path = _db(tmp_path / "cfg")
    ha = _wal_writer(path)
    ha.execute("BEGIN IMMEDIATE")  # a write in progress: not visible to a reader
    ha.execute(
        "INSERT INTO states (state_id, state, last_updated_ts, metadata_id) VALUES (51, 'off', ?, 1)",
        (T0.timestamp(),),
    )
    before = _folder(path.parent)
    with open_readonly(path) as reader:
        assert reader.open_mode == "backup"
        snapshot_dir = reader._db.snapshot_dir
        assert snapshot_dir is not None
        assert path.parent not in snapshot_dir.parents
        assert reader.summarize().states == 11
    assert snapshot_dir is not None
    assert not snapshot_dir.exists()
    assert _folder(path.parent) == before
    ha.rollback()
    ha.close()


def test_a_crashed_ha_wal_is_recovered_in_a_temporary_copy(tmp_path: Path) -> None:
    live = _db(tmp_path / "live")
    ha = _wal_writer(live)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for name in ("home-assistant_v2.db", "home-assistant_v2.db-wal"):  # what a power cut leaves: no -shm
        shutil.copyfile(live.parent / name, crashed / name)
    ha.close()
    path = crashed / "home-assistant_v2.db"
    before = _folder(crashed)
    with open_readonly(path) as reader:
        assert reader.open_mode == "copy"
        assert reader.summarize().states == 11  # the committed row still only in the -wal is read
    assert _folder(crashed) == before


@pytest.mark.parametrize("mode", [0o444, 0o555])
def test_a_read_only_file_or_folder_is_read(tmp_path: Path, mode: int) -> None:
    path = _db(tmp_path / "cfg")
    target = path if mode == 0o444 else path.parent
    target.chmod(mode)
    try:
        assert _states(path) == 10
    finally:
        target.chmod(0o755)


def test_a_sidecar_that_cannot_be_copied_is_a_recorder_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    path = _db(tmp_path / "cfg")
    (path.parent / "home-assistant_v2.db-wal").mkdir()  # unreadable as a file, whoever runs the test
    with pytest.raises(RecorderError, match="could not be snapshotted"):
        open_readonly(path)
    assert list((tmp_path / "tmp").iterdir()) == []  # the half-made snapshot is gone
