"""Recorder database: our writer matches HA's real DDL, and the reader rebuilds HA events with HA's quirks.

The layouts of other schema versions (v30 to v53, newer, older) are in `test_ha_recorder_versions`;
read-only opening in `test_ha_recorder_access`; every real database in `test_ha_recorder_real_homes`.
"""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from homeiq_shared.ha_events import normalise_batch
from homeiq_shared.ha_recorder import (
    RecorderError,
    UnsupportedSchemaError,
    open_readonly,
    ulid_from_bytes,
)
from homeiq_shared.ha_recorder_writer import recorder_ddl, write_recorder_db

from .conftest import external_data

REAL_SCHEMA = external_data("ha-recorder-schema")


def _shape(conn: sqlite3.Connection) -> dict[str, Any]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {
        "columns": {t: [c[1] for c in conn.execute(f"PRAGMA table_info('{t}')")] for t in tables},
        "indices": sorted(
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")
        ),
    }


@pytest.mark.parametrize("version", [42, 48])
def test_writer_ddl_matches_real_home_assistant_schema(version: int) -> None:
    if REAL_SCHEMA is None:
        pytest.skip("../shared/external-data is not beside the checkout")
    real_file = REAL_SCHEMA / f"ha_recorder_schema_v{version}.sql"
    real = sqlite3.connect(":memory:")
    real.executescript(real_file.read_text())
    ours = sqlite3.connect(":memory:")
    ours.executescript(recorder_ddl(version))
    assert _shape(ours) == _shape(real)


def _events(n: int, start: datetime) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        t = (start + timedelta(minutes=5 * i)).isoformat()
        light_state = "on" if i % 2 else "off"
        # every third light row is an attribute-only update: last_changed stays behind last_updated
        changed = (start + timedelta(minutes=5 * (i - 1))).isoformat() if i % 3 == 0 and i else t
        out.append(
            {
                "event_type": "state_changed",
                "data": {
                    "entity_id": "light.kitchen",
                    "new_state": {
                        "entity_id": "light.kitchen",
                        "state": light_state,
                        "attributes": {"friendly_name": "Kitchen", "brightness": 100 + i % 2},
                        "last_changed": changed,
                        "last_updated": t,
                        "context": {"id": f"ctx{i}", "parent_id": None, "user_id": None},
                    },
                },
            }
        )
        out.append(
            {
                "entity_id": "sensor.kitchen_temperature",
                "new_state": {
                    "entity_id": "sensor.kitchen_temperature",
                    "state": f"{20 + i / 10:.1f}",
                    "attributes": {"unit_of_measurement": "°C", "device_class": "temperature"},
                    "last_changed": t,
                    "last_updated": t,
                    "context": {"id": f"ctx-t{i}", "parent_id": None, "user_id": None},
                },
            }
        )
    return out


@pytest.fixture
def recorder_db(tmp_path: Path) -> Path:
    path = tmp_path / "home-assistant_v2.db"
    write_recorder_db(path, _events(30, datetime(2025, 3, 1, tzinfo=UTC)), schema_version=48)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO event_types (event_type_id, event_type) VALUES (1, 'automation_triggered')")
    conn.execute('INSERT INTO event_data (data_id, hash, shared_data) VALUES (1, 7, \'{"name": "Night"}\')')
    conn.execute(
        "INSERT INTO events (event_id, time_fired_ts, data_id, event_type_id, origin_idx) VALUES (1, ?, 1, 1, 0)",
        (datetime(2025, 3, 1, 22, tzinfo=UTC).timestamp(),),
    )
    conn.commit()
    conn.close()
    return path


def test_writer_follows_ha_quirks(recorder_db: Path) -> None:
    conn = sqlite3.connect(recorder_db)
    nulls, total = conn.execute("SELECT SUM(last_changed_ts IS NULL), COUNT(*) FROM states").fetchone()
    assert total == 60
    # last_changed_ts is NULL exactly where it equals last_updated_ts (all but the attribute-only updates)
    assert nulls == 60 - 9
    assert conn.execute("SELECT COUNT(*) FROM states WHERE entity_id IS NOT NULL").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM state_attributes").fetchone()[0] == 3
    blob = conn.execute("SELECT context_id_bin FROM states LIMIT 1").fetchone()[0]
    assert isinstance(blob, bytes)
    assert len(blob) == 16


def test_reader_rebuilds_state_changed_events(recorder_db: Path) -> None:
    before = hashlib.sha256(recorder_db.read_bytes()).hexdigest()
    with open_readonly(recorder_db) as reader:
        summary = reader.summarize()
        assert summary.schema_version == 48
        assert summary.warnings == []
        assert (summary.entities, summary.states, summary.events) == (2, 60, 1)
        assert summary.first == datetime(2025, 3, 1, tzinfo=UTC)
        events = [e for chunk in reader.iter_state_changed(chunk_size=7) for e in chunk]
        others = [e for chunk in reader.iter_events() for e in chunk]
    assert len(events) == 60
    lights = [e["data"] for e in events if e["data"]["entity_id"] == "light.kitchen"]
    assert lights[0]["old_state"] is None
    for prev, cur in itertools.pairwise(lights):
        assert cur["old_state"] == prev["new_state"]
    attribute_only = lights[3]["new_state"]
    assert attribute_only["last_changed"] < attribute_only["last_updated"]
    assert lights[1]["new_state"]["last_changed"] == lights[1]["new_state"]["last_updated"]
    assert lights[1]["new_state"]["last_reported"] == lights[1]["new_state"]["last_updated"]
    assert lights[1]["new_state"]["attributes"] == {"friendly_name": "Kitchen", "brightness": 101}
    assert len(lights[1]["new_state"]["context"]["id"]) == 26
    assert others[0]["event_type"] == "automation_triggered"
    assert others[0]["data"] == {"name": "Night"}
    assert hashlib.sha256(recorder_db.read_bytes()).hexdigest() == before


def test_reader_copes_with_a_database_being_written(recorder_db: Path) -> None:
    writer = sqlite3.connect(recorder_db)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO states_meta (metadata_id, entity_id) VALUES (99, 'switch.new')")
    with open_readonly(recorder_db) as reader:
        assert reader.open_mode == "backup"
        assert reader.summarize().entities == 2
    writer.commit()
    writer.close()


def test_corrupt_or_foreign_files_are_refused(tmp_path: Path) -> None:
    junk = tmp_path / "home-assistant_v2.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(RecorderError, match="not an SQLite database"):
        open_readonly(junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(RecorderError, match="no schema_changes table"):
        open_readonly(other)
    with pytest.raises(RecorderError, match="no recorder database"):
        open_readonly(tmp_path / "absent.db")


def test_a_git_lfs_pointer_or_an_empty_file_is_named_as_such(tmp_path: Path) -> None:
    pointer = tmp_path / "home-assistant_v2.db"
    pointer.write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 2146304\n"
    )
    with pytest.raises(RecorderError, match="Git LFS pointer"):
        open_readonly(pointer)
    pointer.write_bytes(b"")
    with pytest.raises(RecorderError, match="empty"):
        open_readonly(pointer)
    assert isinstance(UnsupportedSchemaError("x"), RecorderError)


def test_ulid_rendering() -> None:
    assert ulid_from_bytes(bytes(16)) == "0" * 26
    assert ulid_from_bytes(b"\xff" * 16) == "7" + "Z" * 25
    assert ulid_from_bytes(None) is None


def test_a_database_written_by_home_assistant_2025_4_is_read(tmp_path: Path) -> None:
    """The DDL and rows HA 2025.4 wrote itself (fixtures/README.md): layout, ULID contexts, non-ASCII attributes."""
    path = tmp_path / "home-assistant_v2.db"
    with sqlite3.connect(path) as conn:
        conn.executescript((Path(__file__).parent / "fixtures" / "recorder_ha2025_4.sql").read_text())
    with open_readonly(path) as reader:
        summary = reader.summarize()
        states = [e for chunk in reader.iter_state_changed() for e in chunk]
        others = [e for chunk in reader.iter_events() for e in chunk]
    assert (summary.schema_version, summary.states, summary.entities, summary.warnings) == (50, 13, 4, [])
    assert summary.event_types == {"automation_triggered": 1, "call_service": 1}
    fan = next(
        e["data"]["new_state"] for e in states if e["data"]["entity_id"] == "input_boolean.kitchen_fan"
    )
    assert fan["attributes"] == {"friendly_name": "Küche Lüfter"}
    assert all(len(e["context"]["id"]) == 26 for e in states)
    hall = [e["data"] for e in states if e["data"]["entity_id"] == "input_boolean.hall_light"]
    assert [h["new_state"]["state"] for h in hall] == ["off", "on", "off", "on"]
    assert hall[2]["old_state"] == hall[1]["new_state"]
    assert {e["data"].get("entity_id") for e in others if e["event_type"] == "automation_triggered"} == {
        "automation.toggle_hall_light"
    }
    rows, problems = normalise_batch(states + others, "ha2025")
    assert (len(rows), problems) == (15, [])
