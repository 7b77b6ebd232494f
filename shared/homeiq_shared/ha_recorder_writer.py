"""Write HA `state_changed` events into a recorder-format SQLite database (schema v30 to v48 shapes).

Used to turn a synthetic home into the `home-assistant_v2.db` a real install would have, for
import tests and benchmarks. From v41 the tables, columns and indices match what HA itself writes
(a contract test compares them with real v42/v48 DDL). Before v41 the `states`/`events` tables
follow HA's migration history from the v30 DDL (HA's `recorder/migration.py`): v31 adds the float
`*_ts` time columns, v36 the binary context columns, v37 `event_types`, v38 `states_meta`; the
statistics tables keep their v30 shape (the importer never reads them). Rows follow HA's quirks:
`last_changed` NULL when equal to `last_updated`, attributes de-duplicated into `state_attributes`,
context ids as 16-byte blobs (text before v36), legacy columns left empty once replaced,
`old_state_id` linking each entity's rows.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_DDL = """
CREATE TABLE event_data (data_id INTEGER NOT NULL, hash BIGINT, shared_data TEXT, PRIMARY KEY (data_id));
CREATE TABLE event_types (event_type_id INTEGER NOT NULL, event_type VARCHAR(64), PRIMARY KEY (event_type_id));
CREATE TABLE events (event_id INTEGER NOT NULL, event_type CHAR(0), event_data CHAR(0), origin CHAR(0),
  origin_idx SMALLINT, time_fired CHAR(0), time_fired_ts FLOAT, context_id CHAR(0), context_user_id CHAR(0),
  context_parent_id CHAR(0), data_id INTEGER, context_id_bin BLOB, context_user_id_bin BLOB,
  context_parent_id_bin BLOB, event_type_id INTEGER, PRIMARY KEY (event_id),
  FOREIGN KEY(data_id) REFERENCES event_data (data_id),
  FOREIGN KEY(event_type_id) REFERENCES event_types (event_type_id));
CREATE TABLE recorder_runs (run_id INTEGER NOT NULL, start DATETIME NOT NULL, "end" DATETIME,
  closed_incorrect BOOLEAN NOT NULL, created DATETIME NOT NULL, PRIMARY KEY (run_id));
CREATE TABLE schema_changes (change_id INTEGER NOT NULL, schema_version INTEGER, changed DATETIME NOT NULL,
  PRIMARY KEY (change_id));
CREATE TABLE state_attributes (attributes_id INTEGER NOT NULL, hash BIGINT, shared_attrs TEXT,
  PRIMARY KEY (attributes_id));
CREATE TABLE states (state_id INTEGER NOT NULL, entity_id CHAR(0), state VARCHAR(255), attributes CHAR(0),
  event_id SMALLINT, last_changed CHAR(0), last_changed_ts FLOAT, {last_reported} last_updated CHAR(0),
  last_updated_ts FLOAT, old_state_id INTEGER, attributes_id INTEGER, context_id CHAR(0),
  context_user_id CHAR(0), context_parent_id CHAR(0), origin_idx SMALLINT, context_id_bin BLOB,
  context_user_id_bin BLOB, context_parent_id_bin BLOB, metadata_id INTEGER, PRIMARY KEY (state_id),
  FOREIGN KEY(old_state_id) REFERENCES states (state_id),
  FOREIGN KEY(attributes_id) REFERENCES state_attributes (attributes_id),
  FOREIGN KEY(metadata_id) REFERENCES states_meta (metadata_id));
CREATE TABLE states_meta (metadata_id INTEGER NOT NULL, entity_id VARCHAR(255), PRIMARY KEY (metadata_id));
CREATE TABLE statistics_meta (id INTEGER NOT NULL, statistic_id VARCHAR(255), source VARCHAR(32),
  unit_of_measurement VARCHAR(255), has_mean BOOLEAN, has_sum BOOLEAN, name VARCHAR(255), PRIMARY KEY (id));
CREATE TABLE statistics (id INTEGER NOT NULL, created CHAR(0), created_ts FLOAT, metadata_id INTEGER,
  start CHAR(0), start_ts FLOAT, mean FLOAT, min FLOAT, max FLOAT, last_reset CHAR(0), last_reset_ts FLOAT,
  state FLOAT, sum FLOAT, PRIMARY KEY (id),
  FOREIGN KEY(metadata_id) REFERENCES statistics_meta (id) ON DELETE CASCADE);
CREATE TABLE statistics_runs (run_id INTEGER NOT NULL, start DATETIME NOT NULL, PRIMARY KEY (run_id));
CREATE TABLE statistics_short_term (id INTEGER NOT NULL, created CHAR(0), created_ts FLOAT, metadata_id INTEGER,
  start CHAR(0), start_ts FLOAT, mean FLOAT, min FLOAT, max FLOAT, last_reset CHAR(0), last_reset_ts FLOAT,
  state FLOAT, sum FLOAT, PRIMARY KEY (id),
  FOREIGN KEY(metadata_id) REFERENCES statistics_meta (id) ON DELETE CASCADE);
{migration_changes}
CREATE INDEX ix_event_data_hash ON event_data (hash);
CREATE UNIQUE INDEX ix_event_types_event_type ON event_types (event_type);
CREATE INDEX ix_events_context_id_bin ON events (context_id_bin);
CREATE INDEX ix_events_data_id ON events (data_id);
CREATE INDEX ix_events_event_type_id_time_fired_ts ON events (event_type_id, time_fired_ts);
CREATE INDEX ix_events_time_fired_ts ON events (time_fired_ts);
CREATE INDEX ix_recorder_runs_start_end ON recorder_runs (start, "end");
CREATE INDEX ix_state_attributes_hash ON state_attributes (hash);
CREATE INDEX ix_states_attributes_id ON states (attributes_id);
CREATE INDEX ix_states_context_id_bin ON states (context_id_bin);
CREATE INDEX ix_states_last_updated_ts ON states (last_updated_ts);
CREATE UNIQUE INDEX ix_states_meta_entity_id ON states_meta (entity_id);
CREATE INDEX ix_states_metadata_id_last_updated_ts ON states (metadata_id, last_updated_ts);
CREATE INDEX ix_states_old_state_id ON states (old_state_id);
CREATE UNIQUE INDEX ix_statistics_meta_statistic_id ON statistics_meta (statistic_id);
CREATE INDEX ix_statistics_runs_start ON statistics_runs (start);
CREATE INDEX ix_statistics_short_term_start_ts ON statistics_short_term (start_ts);
CREATE UNIQUE INDEX ix_statistics_short_term_statistic_id_start_ts ON statistics_short_term (metadata_id, start_ts);
CREATE INDEX ix_statistics_start_ts ON statistics (start_ts);
CREATE UNIQUE INDEX ix_statistics_statistic_id_start_ts ON statistics (metadata_id, start_ts);
"""

_MIGRATION_CHANGES = (
    "CREATE TABLE migration_changes (migration_id VARCHAR(255) NOT NULL, version SMALLINT NOT NULL, "
    "PRIMARY KEY (migration_id));"
)

# HA's v30 tables (identical to v29's: the v30 migration changed only a statistics column, removed again).
_LEGACY_DDL = """
CREATE TABLE event_data (data_id INTEGER NOT NULL, hash BIGINT, shared_data TEXT, PRIMARY KEY (data_id));
CREATE TABLE state_attributes (attributes_id INTEGER NOT NULL, hash BIGINT, shared_attrs TEXT,
  PRIMARY KEY (attributes_id));
CREATE TABLE statistics_meta (id INTEGER NOT NULL, statistic_id VARCHAR(255), source VARCHAR(32),
  unit_of_measurement VARCHAR(255), has_mean BOOLEAN, has_sum BOOLEAN, name VARCHAR(255), PRIMARY KEY (id));
CREATE TABLE recorder_runs (run_id INTEGER NOT NULL, start DATETIME, "end" DATETIME, closed_incorrect BOOLEAN,
  created DATETIME, PRIMARY KEY (run_id));
CREATE TABLE schema_changes (change_id INTEGER NOT NULL, schema_version INTEGER, changed DATETIME,
  PRIMARY KEY (change_id));
CREATE TABLE statistics_runs (run_id INTEGER NOT NULL, start DATETIME, PRIMARY KEY (run_id));
CREATE TABLE events (event_id INTEGER NOT NULL, event_type VARCHAR(64), event_data TEXT, origin VARCHAR(32),
  origin_idx SMALLINT, time_fired DATETIME, context_id VARCHAR(36), context_user_id VARCHAR(36),
  context_parent_id VARCHAR(36), data_id INTEGER, PRIMARY KEY (event_id),
  FOREIGN KEY(data_id) REFERENCES event_data (data_id));
CREATE TABLE statistics (id INTEGER NOT NULL, created DATETIME, start DATETIME, mean FLOAT, min FLOAT,
  max FLOAT, last_reset DATETIME, state FLOAT, sum FLOAT, metadata_id INTEGER, PRIMARY KEY (id),
  FOREIGN KEY(metadata_id) REFERENCES statistics_meta (id) ON DELETE CASCADE);
CREATE TABLE statistics_short_term (id INTEGER NOT NULL, created DATETIME, start DATETIME, mean FLOAT,
  min FLOAT, max FLOAT, last_reset DATETIME, state FLOAT, sum FLOAT, metadata_id INTEGER, PRIMARY KEY (id),
  FOREIGN KEY(metadata_id) REFERENCES statistics_meta (id) ON DELETE CASCADE);
CREATE TABLE states (state_id INTEGER NOT NULL, entity_id VARCHAR(255), state VARCHAR(255), attributes TEXT,
  event_id INTEGER, last_changed DATETIME, last_updated DATETIME, old_state_id INTEGER, attributes_id INTEGER,
  context_id VARCHAR(36), context_user_id VARCHAR(36), context_parent_id VARCHAR(36), origin_idx SMALLINT,
  PRIMARY KEY (state_id), FOREIGN KEY(event_id) REFERENCES events (event_id) ON DELETE CASCADE,
  FOREIGN KEY(old_state_id) REFERENCES states (state_id),
  FOREIGN KEY(attributes_id) REFERENCES state_attributes (attributes_id));
CREATE INDEX ix_event_data_hash ON event_data (hash);
CREATE INDEX ix_state_attributes_hash ON state_attributes (hash);
CREATE UNIQUE INDEX ix_statistics_meta_statistic_id ON statistics_meta (statistic_id);
CREATE INDEX ix_recorder_runs_start_end ON recorder_runs (start, "end");
CREATE INDEX ix_statistics_runs_start ON statistics_runs (start);
CREATE INDEX ix_events_context_id ON events (context_id);
CREATE INDEX ix_events_event_type_time_fired ON events (event_type, time_fired);
CREATE INDEX ix_events_data_id ON events (data_id);
CREATE INDEX ix_events_time_fired ON events (time_fired);
CREATE INDEX ix_states_entity_id_last_updated ON states (entity_id, last_updated);
CREATE INDEX ix_states_old_state_id ON states (old_state_id);
CREATE INDEX ix_states_attributes_id ON states (attributes_id);
CREATE INDEX ix_states_event_id ON states (event_id);
CREATE INDEX ix_states_last_updated ON states (last_updated);
CREATE INDEX ix_states_context_id ON states (context_id);
"""

# HA's migrations of the states/events layout between v30 and v41 (recorder/migration.py), in order.
_LEGACY_MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        31,
        """ALTER TABLE events ADD COLUMN time_fired_ts FLOAT;
ALTER TABLE states ADD COLUMN last_updated_ts FLOAT;
ALTER TABLE states ADD COLUMN last_changed_ts FLOAT;
CREATE INDEX ix_events_time_fired_ts ON events (time_fired_ts);
CREATE INDEX ix_events_event_type_time_fired_ts ON events (event_type, time_fired_ts);
CREATE INDEX ix_states_entity_id_last_updated_ts ON states (entity_id, last_updated_ts);
CREATE INDEX ix_states_last_updated_ts ON states (last_updated_ts);""",
    ),
    (
        32,
        """DROP INDEX ix_states_entity_id_last_updated;
DROP INDEX ix_events_event_type_time_fired;
DROP INDEX ix_states_last_updated;
DROP INDEX ix_events_time_fired;""",
    ),
    (
        36,
        """ALTER TABLE states ADD COLUMN context_id_bin BLOB;
ALTER TABLE states ADD COLUMN context_user_id_bin BLOB;
ALTER TABLE states ADD COLUMN context_parent_id_bin BLOB;
ALTER TABLE events ADD COLUMN context_id_bin BLOB;
ALTER TABLE events ADD COLUMN context_user_id_bin BLOB;
ALTER TABLE events ADD COLUMN context_parent_id_bin BLOB;
CREATE INDEX ix_events_context_id_bin ON events (context_id_bin);
CREATE INDEX ix_states_context_id_bin ON states (context_id_bin);""",
    ),
    (
        37,
        """CREATE TABLE event_types (event_type_id INTEGER NOT NULL, event_type VARCHAR(64),
  PRIMARY KEY (event_type_id));
CREATE UNIQUE INDEX ix_event_types_event_type ON event_types (event_type);
ALTER TABLE events ADD COLUMN event_type_id BIGINT;
CREATE INDEX ix_events_event_type_id ON events (event_type_id);
DROP INDEX ix_events_event_type_time_fired_ts;
CREATE INDEX ix_events_event_type_id_time_fired_ts ON events (event_type_id, time_fired_ts);""",
    ),
    (
        38,
        """CREATE TABLE states_meta (metadata_id INTEGER NOT NULL, entity_id VARCHAR(255),
  PRIMARY KEY (metadata_id));
CREATE UNIQUE INDEX ix_states_meta_entity_id ON states_meta (entity_id);
ALTER TABLE states ADD COLUMN metadata_id BIGINT;
CREATE INDEX ix_states_metadata_id ON states (metadata_id);
CREATE INDEX ix_states_metadata_id_last_updated_ts ON states (metadata_id, last_updated_ts);""",
    ),
)

OLDEST_WRITABLE_SCHEMA = 30
STATES_META_LAYOUT_SCHEMA = 41
"""From v41 the writer uses the DDL HA writes today (checked against real v42/v48 DDL)."""


def recorder_ddl(schema_version: int) -> str:
    """The DDL HA writes for `schema_version` (30 to 40: v30 plus HA's migrations; 41+: 42/48 shapes)."""
    if schema_version < OLDEST_WRITABLE_SCHEMA:
        raise ValueError(
            f"cannot write recorder schema v{schema_version} (oldest: v{OLDEST_WRITABLE_SCHEMA})"
        )
    if schema_version < STATES_META_LAYOUT_SCHEMA:
        steps = [ddl for version, ddl in _LEGACY_MIGRATIONS if version <= schema_version]
        return "\n".join([_LEGACY_DDL, *steps])
    return _DDL.format(
        last_reported="last_reported_ts FLOAT," if schema_version >= 43 else "",
        migration_changes=_MIGRATION_CHANGES if schema_version >= 48 else "",
    )


def _ts(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def _legacy_datetime(ts: float | None) -> str | None:
    """How SQLAlchemy stored HA's datetimes in SQLite before v31: naive UTC text."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _context_blob(context_id: str | None) -> bytes | None:
    # Real ids are ULIDs; a stable 16-byte digest keeps any other id format unique and blob-shaped.
    return hashlib.blake2b(context_id.encode(), digest_size=16).digest() if context_id else None


def _attr_hash(shared: str) -> int:
    return int.from_bytes(hashlib.blake2b(shared.encode(), digest_size=4).digest(), "big")


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info('{table}')")}


def write_recorder_db(path: Path, state_changes: Iterable[dict[str, Any]], schema_version: int = 48) -> int:
    """Create `path` and store the `new_state` of each HA `state_changed` event; return rows written.

    Events may be in HA's wire shape (`data.new_state`) or the home-file shape (`new_state` on top).
    Each row fills the columns this schema version has, as HA of that version wrote them.
    """
    conn = sqlite3.connect(path)
    try:
        conn.executescript(recorder_ddl(schema_version))
        conn.execute(
            "INSERT INTO schema_changes (schema_version, changed) VALUES (?, ?)",
            (schema_version, "2025-01-01 00:00:00"),
        )
        columns = _columns(conn, "states")
        meta: dict[str, int] = {}
        attrs: dict[str, int] = {}
        last_row: dict[str, int] = {}
        rows: list[dict[str, Any]] = []
        for event in state_changes:
            new = (event.get("data") or event).get("new_state")
            if not new:
                continue
            entity_id = new["entity_id"]
            meta.setdefault(entity_id, len(meta) + 1)
            shared = json.dumps(new.get("attributes") or {}, separators=(",", ":"), sort_keys=True)
            attrs.setdefault(shared, len(attrs) + 1)
            updated = _ts(new.get("last_updated"))
            changed = None if _ts(new.get("last_changed")) == updated else _ts(new.get("last_changed"))
            ctx = new.get("context") or {}
            row: dict[str, Any] = {
                "state_id": len(rows) + 1,
                "state": new.get("state"),
                "old_state_id": last_row.get(entity_id),
                "attributes_id": attrs[shared],
            }
            if "metadata_id" in columns:
                row["metadata_id"] = meta[entity_id]
            else:
                row["entity_id"] = entity_id
            if "last_updated_ts" in columns:
                row.update(last_updated_ts=updated, last_changed_ts=changed)
            else:
                row.update(last_updated=_legacy_datetime(updated), last_changed=_legacy_datetime(changed))
            if "last_reported_ts" in columns:
                row["last_reported_ts"] = updated
            if "context_id_bin" in columns:
                row.update(
                    context_id_bin=_context_blob(ctx.get("id")),
                    context_parent_id_bin=_context_blob(ctx.get("parent_id")),
                )
            else:
                row.update(context_id=ctx.get("id"), context_parent_id=ctx.get("parent_id"))
            rows.append(row)
            last_row[entity_id] = row["state_id"]
        if "metadata_id" in columns:
            conn.executemany(
                "INSERT INTO states_meta (metadata_id, entity_id) VALUES (?, ?)",
                [(v, k) for k, v in meta.items()],
            )
        conn.executemany(
            "INSERT INTO state_attributes (attributes_id, hash, shared_attrs) VALUES (?, ?, ?)",
            [(v, _attr_hash(k), k) for k, v in attrs.items()],
        )
        if rows:
            names = list(rows[0])
            conn.executemany(
                f"INSERT INTO states ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [tuple(r[n] for n in names) for r in rows],
            )
        conn.commit()
    finally:
        conn.close()
    return len(rows)
