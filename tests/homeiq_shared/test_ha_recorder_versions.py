"""Recorder layouts across schema versions: v30-v40 (legacy columns, HA's migrations in between), v41-v53,
a newer one (imported with a warning when its columns are there), older ones (refused, version named first).

Databases are written by `ha_recorder_writer` for the version asked, following HA's own DDL history.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from homeiq_shared.ha_events import normalise_batch
from homeiq_shared.ha_recorder import (
    NEWEST_KNOWN_SCHEMA,
    OLDEST_SUPPORTED_SCHEMA,
    RecorderError,
    UnsupportedSchemaError,
    open_readonly,
)
from homeiq_shared.ha_recorder_writer import recorder_ddl, write_recorder_db

from .conftest import external_data

T0 = datetime(2023, 1, 5, 6, 0, tzinfo=UTC)
VERSIONS = [30, 31, 32, 35, 36, 37, 38, 40, 41, 42, 43, 48, 50, 53]


def _changes() -> list[dict[str, Any]]:
    out = []
    for i in range(12):
        t = T0 + timedelta(minutes=7 * i)
        changed = T0 + timedelta(minutes=7 * (i - 1)) if i % 4 == 3 else t  # attribute-only updates
        for entity_id, state, attrs in (
            ("light.kitchen_x1", "on" if i % 2 else "off", {"friendly_name": "Küche"}),
            ("sensor.hall_temperature", f"{19 + i / 4:.2f}", {"unit_of_measurement": "°C", "i": i % 3}),
        ):
            out.append(
                {
                    "entity_id": entity_id,
                    "new_state": {
                        "entity_id": entity_id,
                        "state": state,
                        "attributes": attrs,
                        "last_changed": changed.isoformat(),
                        "last_updated": t.isoformat(),
                        "context": {"id": f"01GP{i:022d}", "parent_id": None, "user_id": None},
                    },
                }
            )
    return out


def _write(path: Path, version: int) -> Path:
    if version > 48:  # v49+ only add statistics columns (and migration_changes rows) to the v48 layout
        write_recorder_db(path, _changes(), schema_version=48)
        with sqlite3.connect(path) as conn:
            conn.execute(
                "INSERT INTO schema_changes (schema_version, changed) VALUES (?, '2026-01-01')", (version,)
            )
    else:
        write_recorder_db(path, _changes(), schema_version=version)
    return path


def _read(path: Path) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    with open_readonly(path) as reader:
        summary = reader.summarize()
        states = [e for chunk in reader.iter_state_changed(chunk_size=5) for e in chunk]
        others = [e for chunk in reader.iter_events() for e in chunk]
    return summary, states, others


def _essence(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What must not depend on the layout: entity, state, attributes, times, the old state's value."""
    out = []
    for e in events:
        new, old = e["data"]["new_state"], e["data"]["old_state"]
        out.append(
            (
                e["data"]["entity_id"],
                new["state"],
                json.dumps(new["attributes"], sort_keys=True),
                new["last_changed"],
                new["last_updated"],
                old["state"] if old else None,
            )
        )
    return out


@pytest.mark.parametrize("version", VERSIONS)
def test_every_supported_layout_reads_the_same_history(version: int, tmp_path: Path) -> None:
    summary, states, _ = _read(_write(tmp_path / "home-assistant_v2.db", version))
    _, reference, _ = _read(_write(tmp_path / "reference.db", 48))
    assert summary.schema_version == version
    assert (summary.states, summary.entities) == (24, 2)
    assert summary.first == T0
    assert summary.last == T0 + timedelta(minutes=77)
    assert summary.warnings == []
    assert _essence(states) == _essence(reference)
    # context ids come back as HA shows them: the text id before v36, the 16-byte ULID rendered after
    ctx = states[0]["data"]["new_state"]["context"]["id"]
    assert ctx == ("01GP" + "0" * 22 if version < 36 else ctx)
    assert len(ctx) == 26
    rows, problems = normalise_batch(states, "h")
    assert (len(rows), problems) == (24, [])


def test_writer_v30_tables_are_real_v29_tables_plus_nothing(tmp_path: Path) -> None:
    """HA's v30 migration touched no table the importer reads: our v30 DDL equals a real v29 database's."""
    recorder = external_data("real-ha-homes", "recorder")
    real = next(iter(sorted(recorder.glob("*__v29.db"))), None) if recorder else None
    if real is None:
        pytest.skip("no real v29 recorder database beside the checkout")
    ours = sqlite3.connect(":memory:")
    ours.executescript(recorder_ddl(30))
    theirs = sqlite3.connect(f"{real.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    for table in ("states", "events", "state_attributes", "event_data", "schema_changes"):
        cols = [(r[1], r[2]) for r in ours.execute(f"PRAGMA table_info('{table}')")]
        assert cols == [(r[1], r[2]) for r in theirs.execute(f"PRAGMA table_info('{table}')")], table
    theirs.close()


def test_half_migrated_states_meta_and_legacy_attribute_text_are_both_read(tmp_path: Path) -> None:
    """v38-v40: HA moves entity ids to states_meta in the background; unmigrated rows keep the text column."""
    path = _write(tmp_path / "home-assistant_v2.db", 38)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO states (state_id, entity_id, state, attributes, last_updated_ts, metadata_id) "
            "VALUES (100, 'switch.old_pump', 'on', '{\"friendly_name\": \"Pump\"}', ?, NULL)",
            ((T0 - timedelta(days=1)).timestamp(),),
        )
    summary, states, _ = _read(path)
    assert (summary.states, summary.entities) == (25, 3)
    assert summary.first == T0 - timedelta(days=1)
    pump = [e["data"]["new_state"] for e in states if e["data"]["entity_id"] == "switch.old_pump"]
    assert pump == [
        {
            "entity_id": "switch.old_pump",
            "state": "on",
            "attributes": {"friendly_name": "Pump"},
            "last_changed": (T0 - timedelta(days=1)).isoformat(),
            "last_updated": (T0 - timedelta(days=1)).isoformat(),
            "context": {"id": None, "parent_id": None, "user_id": None},
        }
    ]


@pytest.mark.parametrize("version", [30, 36, 37, 48])
def test_other_events_from_legacy_or_normalised_tables(version: int, tmp_path: Path) -> None:
    path = _write(tmp_path / "home-assistant_v2.db", version)
    fired = T0 + timedelta(hours=1)
    with sqlite3.connect(path) as conn:
        cols = {r[1] for r in conn.execute("PRAGMA table_info('events')")}
        conn.execute('INSERT INTO event_data (data_id, hash, shared_data) VALUES (1, 1, \'{"id": "x1"}\')')
        values: dict[str, Any] = {"event_id": 1, "data_id": 1, "origin_idx": 1}
        if "event_type_id" in cols:
            conn.execute(
                "INSERT INTO event_types (event_type_id, event_type) VALUES (1, 'automation_triggered')"
            )
            values["event_type_id"] = 1
        else:
            values["event_type"] = "automation_triggered"
        if "time_fired_ts" in cols:
            values["time_fired_ts"] = fired.timestamp()
        else:
            values["time_fired"] = fired.replace(tzinfo=None).isoformat(sep=" ")
        if "context_id_bin" in cols:
            values["context_user_id_bin"] = bytes.fromhex("ab" * 16)
        else:
            values["context_user_id"] = "ab" * 16
        conn.execute(
            f"INSERT INTO events ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
        )
        legacy = {"event_id": 2, "event_type": "state_changed", "event_data": "{}"}
        if "time_fired" in cols and "time_fired_ts" not in cols:  # a state change in events: HA before v25
            conn.execute(
                "INSERT INTO events (event_id, event_type, event_data, time_fired) VALUES (?, ?, ?, ?)",
                (*legacy.values(), fired.isoformat()),
            )
    summary, _, others = _read(path)
    assert summary.event_types == {"automation_triggered": 1}
    assert others == [
        {
            "event_type": "automation_triggered",
            "data": {"id": "x1"},
            "time_fired": fired.isoformat(),
            "origin": "REMOTE",
            "context": {"id": None, "parent_id": None, "user_id": "ab" * 16},
        }
    ]


def test_a_newer_schema_with_the_needed_columns_imports_with_a_warning(tmp_path: Path) -> None:
    newer = NEWEST_KNOWN_SCHEMA + 7
    path = _write(tmp_path / "home-assistant_v2.db", 48)
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE states ADD COLUMN some_future_column BLOB")
        conn.execute(
            "INSERT INTO schema_changes (schema_version, changed) VALUES (?, '2027-01-01')", (newer,)
        )
    summary, states, _ = _read(path)
    assert summary.schema_version == newer
    assert len(states) == 24
    assert len(summary.warnings) == 1
    assert f"v{newer}" in summary.warnings[0]
    assert "newer" in summary.warnings[0]


def test_a_newer_schema_without_the_needed_columns_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "home-assistant_v2.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE schema_changes (change_id INTEGER PRIMARY KEY, schema_version INTEGER, changed TEXT);"
            "INSERT INTO schema_changes (schema_version, changed) VALUES (61, '2028-01-01');"
            "CREATE TABLE states (state_id INTEGER PRIMARY KEY, state TEXT, entity_ref INTEGER, at_ms INTEGER);"
        )
    with pytest.raises(RecorderError, match=r"schema v61 .*states.entity_id or states_meta.entity_id") as err:
        open_readonly(path)
    assert "last_updated" in str(err.value)


@pytest.mark.parametrize("version", [4, 16, 29])
def test_an_old_schema_is_refused_by_version_before_any_table_check(version: int, tmp_path: Path) -> None:
    path = tmp_path / "home-assistant_v2.db"
    with sqlite3.connect(
        path
    ) as conn:  # an early layout: no states_meta, no state_attributes, no _ts columns
        conn.executescript(
            "CREATE TABLE schema_changes (change_id INTEGER PRIMARY KEY, schema_version INTEGER, changed TEXT);"
            "CREATE TABLE states (state_id INTEGER PRIMARY KEY, entity_id TEXT, state TEXT, last_updated TEXT);"
        )
        conn.execute(
            "INSERT INTO schema_changes (schema_version, changed) VALUES (?, '2019-01-01')", (version,)
        )
    with pytest.raises(UnsupportedSchemaError) as err:
        open_readonly(path)
    assert f"schema v{version} is older than the supported v{OLDEST_SUPPORTED_SCHEMA}" in str(err.value)
    assert "missing" not in str(err.value)


def test_the_writer_refuses_versions_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="v29"):
        recorder_ddl(29)
