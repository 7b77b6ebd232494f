"""Which recorder schema a database has: its version (read first) and the columns of the tables read.

HA migrates in steps and may leave rows half-migrated (entity ids move from `states.entity_id` to
`states_meta` in the background after v38, event types to `event_types` after v37), so the layout
is the database's actual columns (`PRAGMA table_info`), and the SQL built from it prefers the new
column and falls back to the legacy one row by row.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from homeiq_shared.ha_recorder_access import RecorderError

OLDEST_SUPPORTED_SCHEMA = 30
NEWEST_KNOWN_SCHEMA = 53
_TABLES = ("states", "states_meta", "state_attributes", "events", "event_types", "event_data")


class UnsupportedSchemaError(RecorderError):
    """The database's schema version is older than `OLDEST_SUPPORTED_SCHEMA` (or not recorded)."""


@dataclass(frozen=True)
class RecorderLayout:
    """The schema version and the columns of the tables the reader uses (empty set: no such table)."""

    version: int
    columns: dict[str, frozenset[str]]

    def has(self, table: str, *names: str) -> bool:
        """True when `table` exists and has every column in `names`."""
        cols = self.columns.get(table, frozenset())
        return bool(cols) and all(n in cols for n in names)

    def col(self, alias: str, table: str, name: str) -> str:
        """`alias.name` when the column exists, else `NULL` (so one query fits every layout)."""
        return f"{alias}.{name}" if self.has(table, name) else "NULL"

    def cols(self, alias: str, table: str, *names: str) -> list[str]:
        """`col` for each of `names`."""
        return [self.col(alias, table, n) for n in names]

    def context_exprs(self, alias: str, table: str) -> list[str]:
        """Context id, user id and parent id: the binary column (v36+) else the text one, per row."""
        return [
            self.first_of((alias, table, f"{c}_bin"), (alias, table, c))
            for c in ("context_id", "context_user_id", "context_parent_id")
        ]

    def first_of(self, *options: tuple[str, str, str]) -> str:
        """`COALESCE` of the `(alias, table, column)` options that exist (NULL when none)."""
        present = [f"{a}.{c}" for a, t, c in options if self.has(t, c)]
        if not present:
            return "NULL"
        return present[0] if len(present) == 1 else f"COALESCE({', '.join(present)})"

    @property
    def uses_states_meta(self) -> bool:
        """Entity ids (at least partly) live in `states_meta`."""
        return self.has("states", "metadata_id") and self.has("states_meta", "metadata_id", "entity_id")

    @property
    def uses_event_types(self) -> bool:
        """Event types (at least partly) live in `event_types`."""
        return self.has("events", "event_type_id") and self.has("event_types", "event_type_id", "event_type")

    def missing(self) -> list[str]:
        """What the reader needs and this database lacks (`table.column` names)."""
        needs = []
        if not self.has("states", "state_id", "state"):
            needs.append("states.state_id/state")
        if not (self.uses_states_meta or self.has("states", "entity_id")):
            needs.append("states.entity_id or states_meta.entity_id")
        if not (self.has("states", "last_updated_ts") or self.has("states", "last_updated")):
            needs.append("states.last_updated_ts or states.last_updated")
        if self.columns.get("events") and not self.has("events", "event_id"):
            needs.append("events.event_id")
        return needs

    def states_from(self) -> str:
        join = " LEFT JOIN states_meta m ON m.metadata_id = s.metadata_id" if self.uses_states_meta else ""
        return f"FROM states s{join}"

    def entity_expr(self) -> str:
        legacy = self.has("states", "entity_id")
        if self.uses_states_meta:
            return "COALESCE(m.entity_id, NULLIF(s.entity_id, ''))" if legacy else "m.entity_id"
        return "s.entity_id"

    def events_from(self) -> str:
        out = "FROM events e"
        if self.uses_event_types:
            out += " LEFT JOIN event_types t ON t.event_type_id = e.event_type_id"
        if self.has("events", "data_id") and self.has("event_data", "data_id", "shared_data"):
            out += " LEFT JOIN event_data d ON d.data_id = e.data_id"
        return out

    def event_type_expr(self) -> str:
        legacy = self.has("events", "event_type")
        if self.uses_event_types:
            return "COALESCE(t.event_type, NULLIF(e.event_type, ''))" if legacy else "t.event_type"
        return "e.event_type" if legacy else "NULL"

    def event_data_expr(self) -> str:
        joined = self.has("events", "data_id") and self.has("event_data", "shared_data")
        legacy = self.has("events", "event_data")
        if joined and legacy:
            return "COALESCE(d.shared_data, NULLIF(e.event_data, ''))"
        return "d.shared_data" if joined else ("e.event_data" if legacy else "NULL")


def read_layout(conn: sqlite3.Connection, path: Path) -> RecorderLayout:
    """The schema version (read first, so an old file is named as such) and the columns in use."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "schema_changes" not in tables:
            raise RecorderError(
                f"{path} is not a Home Assistant recorder database (no schema_changes table; "
                f"tables: {sorted(tables)[:10]})"
            )
        row = conn.execute(
            "SELECT schema_version FROM schema_changes ORDER BY change_id DESC LIMIT 1"
        ).fetchone()
        if row is None or row[0] is None:
            raise UnsupportedSchemaError(f"{path} records no schema version in schema_changes")
        version = int(row[0])
        if version < OLDEST_SUPPORTED_SCHEMA:
            raise UnsupportedSchemaError(
                f"recorder schema v{version} is older than the supported v{OLDEST_SUPPORTED_SCHEMA} "
                f"(v{OLDEST_SUPPORTED_SCHEMA}-v{NEWEST_KNOWN_SCHEMA} import): start a current Home "
                "Assistant on this folder once to migrate the database, then import it"
            )
        columns = {
            t: frozenset(r[1] for r in conn.execute(f"PRAGMA table_info('{t}')"))
            if t in tables
            else frozenset()
            for t in _TABLES
        }
    except sqlite3.DatabaseError as exc:
        raise RecorderError(f"{path} is not a readable SQLite database: {exc}") from exc
    layout = RecorderLayout(version=version, columns=columns)
    if missing := layout.missing():
        raise RecorderError(f"recorder schema v{version} at {path} lacks what the importer reads: {missing}")
    return layout
