"""Read a Home Assistant recorder database (`home-assistant_v2.db`) read-only, in chunks, as HA events.

Schema versions 42 to 48 are supported (HA 2024.1 to 2025.x): `states` joined to `states_meta`
(entity ids) and `state_attributes` (shared JSON attributes), and `events` joined to `event_types`
and `event_data`. Quirks handled: `last_changed_ts` is NULL when it equals `last_updated_ts`;
`last_reported_ts` exists only from v43; context ids are 16-byte ULID blobs; legacy text columns
are empty. The file is opened with `mode=ro` and read inside one transaction, so a database that
HA is writing to (WAL mode) is read as a consistent snapshot and never modified.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SUPPORTED_SCHEMA_VERSIONS = range(42, 49)
_REQUIRED_TABLES = ("states", "states_meta", "state_attributes", "events", "event_types", "event_data")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class RecorderError(Exception):
    """The recorder database cannot be read (missing, locked, corrupt or of an unknown schema)."""


class UnsupportedSchemaError(RecorderError):
    """The database's schema version is outside `SUPPORTED_SCHEMA_VERSIONS`."""


@dataclass
class RecorderSummary:
    """What a recorder database holds: schema, counts and time span."""

    schema_version: int
    entities: int
    states: int
    events: int
    first: datetime | None
    last: datetime | None
    event_types: dict[str, int] = field(default_factory=dict)


def ulid_from_bytes(raw: bytes | None) -> str | None:
    """Render a 16-byte context id as the 26-character ULID string HA shows."""
    if not raw:
        return None
    if len(raw) != 16:
        return raw.hex()
    value = int.from_bytes(raw, "big")
    chars = [_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5)]
    return "".join(chars)


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat()


def open_readonly(path: Path) -> sqlite3.Connection:
    """Open the database read-only; raise `RecorderError` with the reason when that fails."""
    if not path.is_file():
        raise RecorderError(f"no recorder database at {path}")
    try:
        conn = sqlite3.connect(
            f"file:{path.resolve()}?mode=ro", uri=True, timeout=10, check_same_thread=False
        )
        conn.execute("PRAGMA query_only=ON")
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise RecorderError(f"{path} is not a readable SQLite database: {exc}") from exc
    missing = [t for t in (*_REQUIRED_TABLES, "schema_changes") if t not in names]
    if missing:
        conn.close()
        raise RecorderError(f"{path} is not a Home Assistant recorder database (missing tables: {missing})")
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The latest schema version recorded in `schema_changes`, checked against the supported range."""
    row = conn.execute("SELECT schema_version FROM schema_changes ORDER BY change_id DESC LIMIT 1").fetchone()
    if row is None or row[0] is None:
        raise UnsupportedSchemaError("recorder database has no schema version in schema_changes")
    version = int(row[0])
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        lo, hi = SUPPORTED_SCHEMA_VERSIONS[0], SUPPORTED_SCHEMA_VERSIONS[-1]
        raise UnsupportedSchemaError(
            f"recorder schema version {version} is not supported (supported: {lo}-{hi})"
        )
    return version


def summarize(conn: sqlite3.Connection) -> RecorderSummary:
    """Counts and time span of the database (one pass of aggregate queries)."""
    version = schema_version(conn)
    states, first, last = conn.execute(
        "SELECT COUNT(*), MIN(last_updated_ts), MAX(last_updated_ts) FROM states"
    ).fetchone()
    entities = conn.execute("SELECT COUNT(*) FROM states_meta").fetchone()[0]
    by_type = dict(
        conn.execute(
            "SELECT t.event_type, COUNT(*) FROM events e JOIN event_types t ON t.event_type_id = e.event_type_id "
            "GROUP BY t.event_type"
        ).fetchall()
    )
    return RecorderSummary(
        schema_version=version,
        entities=int(entities),
        states=int(states),
        events=int(sum(by_type.values())),
        first=datetime.fromtimestamp(first, UTC) if first is not None else None,
        last=datetime.fromtimestamp(last, UTC) if last is not None else None,
        event_types={str(k): int(v) for k, v in by_type.items()},
    )


def _state_object(
    entity_id: str,
    state: str | None,
    attrs: dict[str, Any],
    changed: float,
    updated: float,
    ctx: dict[str, Any],
) -> dict[str, Any]:
    return {
        "entity_id": entity_id,
        "state": state if state is not None else "unknown",
        "attributes": attrs,
        "last_changed": _iso(changed),
        "last_updated": _iso(updated),
        "context": ctx,
    }


def iter_state_changed(conn: sqlite3.Connection, chunk_size: int = 50_000) -> Iterator[list[dict[str, Any]]]:
    """Yield lists of HA `state_changed` events rebuilt from `states`, oldest first, `chunk_size` rows at a time.

    `old_state` is the previous row of the same entity (HA links it through `old_state_id`; rows whose
    predecessor was purged get `old_state: null`, as HA sends for a first appearance).
    """
    attr_cache: dict[int, dict[str, Any]] = {}
    previous: dict[str, dict[str, Any]] = {}
    last_id = 0
    while True:
        rows = conn.execute(
            "SELECT s.state_id, m.entity_id, s.state, s.last_changed_ts, s.last_updated_ts, s.attributes_id, "
            "s.context_id_bin, s.context_user_id_bin, s.context_parent_id_bin, s.old_state_id "
            "FROM states s JOIN states_meta m ON m.metadata_id = s.metadata_id "
            "WHERE s.state_id > ? ORDER BY s.state_id LIMIT ?",
            (last_id, chunk_size),
        ).fetchall()
        if not rows:
            return
        missing = {r[5] for r in rows if r[5] is not None and r[5] not in attr_cache}
        if missing:
            marks = ",".join("?" * len(missing))
            for attr_id, shared in conn.execute(
                f"SELECT attributes_id, shared_attrs FROM state_attributes WHERE attributes_id IN ({marks})",
                tuple(missing),
            ):
                attr_cache[attr_id] = _json_or_empty(shared)
        chunk = []
        for (
            state_id,
            entity_id,
            state,
            changed_ts,
            updated_ts,
            attr_id,
            ctx_id,
            ctx_user,
            ctx_parent,
            old_id,
        ) in rows:
            updated = float(updated_ts) if updated_ts is not None else 0.0
            changed = float(changed_ts) if changed_ts is not None else updated
            ctx = {
                "id": ulid_from_bytes(ctx_id),
                "parent_id": ulid_from_bytes(ctx_parent),
                "user_id": ctx_user.hex() if ctx_user else None,
            }
            attrs = attr_cache.get(attr_id, {}) if attr_id is not None else {}
            new_state = _state_object(entity_id, state, attrs, changed, updated, ctx)
            old_state = previous.get(entity_id) if old_id is not None else None
            previous[entity_id] = new_state
            chunk.append(
                {
                    "event_type": "state_changed",
                    "time_fired": new_state["last_updated"],
                    "origin": "LOCAL",
                    "context": ctx,
                    "data": {"entity_id": entity_id, "old_state": old_state, "new_state": new_state},
                }
            )
            last_id = state_id
        if len(attr_cache) > 200_000:
            attr_cache.clear()
        yield chunk


def iter_events(conn: sqlite3.Connection, chunk_size: int = 50_000) -> Iterator[list[dict[str, Any]]]:
    """Yield lists of the other HA events (`events` + `event_types` + `event_data`), oldest first."""
    last_id = 0
    while True:
        rows = conn.execute(
            "SELECT e.event_id, t.event_type, d.shared_data, e.time_fired_ts, e.origin_idx, e.context_id_bin, "
            "e.context_user_id_bin, e.context_parent_id_bin FROM events e "
            "LEFT JOIN event_types t ON t.event_type_id = e.event_type_id "
            "LEFT JOIN event_data d ON d.data_id = e.data_id WHERE e.event_id > ? ORDER BY e.event_id LIMIT ?",
            (last_id, chunk_size),
        ).fetchall()
        if not rows:
            return
        chunk = []
        for event_id, event_type, shared, fired, origin_idx, ctx_id, ctx_user, ctx_parent in rows:
            chunk.append(
                {
                    "event_type": event_type or "unknown",
                    "data": _json_or_empty(shared),
                    "time_fired": _iso(fired),
                    "origin": "REMOTE" if origin_idx == 1 else "LOCAL",
                    "context": {
                        "id": ulid_from_bytes(ctx_id),
                        "parent_id": ulid_from_bytes(ctx_parent),
                        "user_id": ctx_user.hex() if ctx_user else None,
                    },
                }
            )
            last_id = event_id
        yield chunk


def _json_or_empty(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        logger.warning("skipping undecodable JSON in recorder row")
        return {}
    return value if isinstance(value, dict) else {}
