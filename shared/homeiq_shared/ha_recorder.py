"""Read a Home Assistant recorder database (`home-assistant_v2.db`) read-only, in chunks, as HA events.

Schema v30 (HA 2022.10) to v53 (the newest seen) are read, and a newer one imports with a warning
when the tables and columns the reader needs exist. Older ones are refused naming their version.
The version is read first; then the layout is taken from the database's actual columns
(`PRAGMA table_info`), not from a list per version, because HA migrates in steps and may leave
rows half-migrated (entity ids move to `states_meta` in the background after v38):

- entity: `states_meta.entity_id` through `states.metadata_id` (v38+), else the legacy `states.entity_id`;
- time: `last_updated_ts`/`last_changed_ts` floats (v31+), else the legacy naive-UTC datetime text;
  `last_changed` NULL means "equal to last_updated"; `last_reported_ts` from v43;
- attributes: `state_attributes.shared_attrs` through `attributes_id`, else the legacy `states.attributes`;
- events: `event_types`/`event_data` (v37+ / v29+), else the legacy `events.event_type`/`event_data`;
- context: 16-byte ULID blobs (v36+) or text ids, or NULL (anonymized copies set them all NULL).

How the file is opened without touching the config folder is in `ha_recorder_access`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeiq_shared.ha_recorder_access import ReadOnlyDatabase, RecorderError, open_read_only
from homeiq_shared.ha_recorder_layout import (
    NEWEST_KNOWN_SCHEMA,
    OLDEST_SUPPORTED_SCHEMA,
    RecorderLayout,
    UnsupportedSchemaError,
    read_layout,
)

__all__ = [
    "NEWEST_KNOWN_SCHEMA",
    "OLDEST_SUPPORTED_SCHEMA",
    "RecorderError",
    "RecorderLayout",
    "RecorderReader",
    "RecorderSummary",
    "UnsupportedSchemaError",
    "open_readonly",
    "ulid_from_bytes",
]

logger = logging.getLogger(__name__)

MAX_CHUNK_SIZE = 100_000
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


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
    warnings: list[str] = field(default_factory=list)


def ulid_from_bytes(raw: bytes | None) -> str | None:
    """Render a 16-byte context id as the 26-character ULID string HA shows."""
    if not raw:
        return None
    if len(raw) != 16:
        return raw.hex()
    value = int.from_bytes(raw, "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def _context_id(raw: object) -> str | None:
    """A context id from a binary (ULID) or text column; None when absent or empty."""
    if isinstance(raw, bytes):
        return ulid_from_bytes(raw)
    if isinstance(raw, str) and raw.strip():
        return raw.strip()[:36]
    return None


def _user_id(raw: object) -> str | None:
    if isinstance(raw, bytes):
        return raw.hex() if raw else None
    return raw if isinstance(raw, str) and raw else None


def _seconds(ts: object, text: object) -> float | None:
    """UNIX seconds from a float column, else from a legacy datetime text (naive means UTC)."""
    if isinstance(ts, int | float):
        return float(ts)
    if isinstance(text, str) and text:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    return None


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _json_or_empty(text: str | bytes | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        logger.warning("skipping undecodable JSON in recorder row")
        return {}
    return value if isinstance(value, dict) else {}


def _context(ctx_id: object, user: object, parent: object) -> dict[str, Any]:
    return {"id": _context_id(ctx_id), "parent_id": _context_id(parent), "user_id": _user_id(user)}


class RecorderReader:
    """An open recorder database: its layout, summary and rows as HA events (use as a context manager)."""

    def __init__(self, path: Path, database: ReadOnlyDatabase, layout: RecorderLayout) -> None:
        self.path = path
        self.layout = layout
        self._db = database
        self.conn = database.conn
        self.warnings: list[str] = []
        if layout.version > NEWEST_KNOWN_SCHEMA:
            warning = (
                f"recorder schema v{layout.version} is newer than the newest known "
                f"v{NEWEST_KNOWN_SCHEMA}; imported because the tables and columns the importer reads exist"
            )
            logger.warning("%s: %s", path, warning)
            self.warnings.append(warning)

    @property
    def open_mode(self) -> str:
        """How the file was opened: `immutable`, `backup` or `copy` (see `ha_recorder_access`)."""
        return self._db.mode

    def close(self) -> None:
        """Close the database and drop any temporary snapshot."""
        self._db.close()

    def __enter__(self) -> RecorderReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _state_time_bounds(self) -> tuple[float | None, float | None]:
        """Earliest and latest `last_updated` over the float column and its legacy text twin."""
        found: list[float] = []
        for col, is_ts in (("last_updated_ts", True), ("last_updated", False)):
            if self.layout.has("states", col):
                for value in self.conn.execute(f"SELECT MIN({col}), MAX({col}) FROM states").fetchone():
                    sec = _seconds(value, None) if is_ts else _seconds(None, value)
                    if sec is not None:
                        found.append(sec)
        return (min(found), max(found)) if found else (None, None)

    # -- reading -----------------------------------------------------------------------------------

    def event_type_counts(self) -> dict[str, int]:
        """Events per type (state changes excluded: they are read from `states`)."""
        if not self.layout.has("events", "event_id"):
            return {}
        rows = self.conn.execute(
            f"SELECT {self.layout.event_type_expr()} AS et, COUNT(*) {self.layout.events_from()} GROUP BY et"
        ).fetchall()
        return {str(k or "unknown"): int(v) for k, v in rows if k != "state_changed"}

    def summarize(self) -> RecorderSummary:
        """Counts and time span of the database (one pass of aggregate queries)."""
        states = int(self.conn.execute("SELECT COUNT(*) FROM states").fetchone()[0])
        entities = int(
            self.conn.execute(
                f"SELECT COUNT(DISTINCT {self.layout.entity_expr()}) {self.layout.states_from()}"
            ).fetchone()[0]
        )
        first, last = self._state_time_bounds()
        by_type = self.event_type_counts()
        return RecorderSummary(
            schema_version=self.layout.version,
            entities=entities,
            states=states,
            events=sum(by_type.values()),
            first=datetime.fromtimestamp(first, UTC) if first is not None else None,
            last=datetime.fromtimestamp(last, UTC) if last is not None else None,
            event_types=by_type,
            warnings=list(self.warnings),
        )

    def _attributes(self, ids: set[int], cache: dict[int, dict[str, Any]]) -> None:
        if not ids or not self.layout.has("state_attributes", "attributes_id", "shared_attrs"):
            return
        marks = ",".join("?" * len(ids))
        for attr_id, shared in self.conn.execute(
            f"SELECT attributes_id, shared_attrs FROM state_attributes WHERE attributes_id IN ({marks})",
            tuple(ids),
        ):
            cache[attr_id] = _json_or_empty(shared)

    def _pages(self, select: list[str], source: str, key: str, chunk_size: int) -> Iterator[list[Any]]:
        """Rows of `SELECT select source` in `key` order (the first column), `chunk_size` at a time."""
        query = f"SELECT {', '.join(select)} {source} WHERE {key} > ? ORDER BY {key} LIMIT ?"
        last = 0
        size = max(1, min(chunk_size, MAX_CHUNK_SIZE))
        while rows := self.conn.execute(query, (last, size)).fetchall():
            yield rows
            last = rows[-1][0]

    def iter_state_changed(self, chunk_size: int = 50_000) -> Iterator[list[dict[str, Any]]]:
        """Yield lists of HA `state_changed` events rebuilt from `states`, oldest first, `chunk_size` rows at a time.

        `old_state` is the previous row of the same entity (HA links it through `old_state_id`; rows whose
        predecessor was purged get `old_state: null`, as HA sends for a first appearance).
        """
        lay = self.layout
        select = [
            "s.state_id",
            lay.entity_expr(),
            "s.state",
            *lay.cols("s", "states", "last_updated_ts", "last_updated", "last_changed_ts", "last_changed"),
            *lay.cols("s", "states", "last_reported_ts", "attributes_id", "attributes"),
            *lay.context_exprs("s", "states"),
            *lay.cols("s", "states", "old_state_id"),
        ]
        attr_cache: dict[int, dict[str, Any]] = {}
        previous: dict[str, dict[str, Any]] = {}
        for rows in self._pages(select, lay.states_from(), "s.state_id", chunk_size):
            self._attributes({r[8] for r in rows if r[8] is not None and r[8] not in attr_cache}, attr_cache)
            chunk = []
            for (
                _, entity_id, state, upd_ts, upd_text, chg_ts, chg_text, rep_ts,
                attr_id, legacy_attrs, ctx_id, ctx_user, ctx_parent, old_id,
            ) in rows:  # fmt: skip
                updated = _seconds(upd_ts, upd_text)
                changed = _seconds(chg_ts, chg_text)
                changed = updated if changed is None else changed
                attrs = attr_cache.get(attr_id) if attr_id is not None else None
                new_state: dict[str, Any] = {
                    "entity_id": entity_id,
                    "state": state if state is not None else "unknown",
                    "attributes": attrs if attrs is not None else _json_or_empty(legacy_attrs),
                    "last_changed": _iso(changed),
                    "last_updated": _iso(updated),
                    "context": _context(ctx_id, ctx_user, ctx_parent),
                }
                if rep_ts is not None:
                    new_state["last_reported"] = _iso(float(rep_ts))
                old_state = previous.get(entity_id) if old_id is not None else None
                previous[entity_id] = new_state
                chunk.append(
                    {
                        "event_type": "state_changed",
                        "time_fired": new_state["last_updated"],
                        "origin": "LOCAL",
                        "context": new_state["context"],
                        "data": {"entity_id": entity_id, "old_state": old_state, "new_state": new_state},
                    }
                )
            if len(attr_cache) > 200_000:
                attr_cache.clear()
            yield chunk

    def iter_events(self, chunk_size: int = 50_000) -> Iterator[list[dict[str, Any]]]:
        """Yield lists of the other HA events (`state_changed` comes from `states`), oldest first."""
        lay = self.layout
        if not lay.has("events", "event_id"):
            return
        select = [
            "e.event_id",
            lay.event_type_expr(),
            lay.event_data_expr(),
            *lay.cols("e", "events", "time_fired_ts", "time_fired", "origin_idx", "origin"),
            *lay.context_exprs("e", "events"),
        ]
        for rows in self._pages(select, lay.events_from(), "e.event_id", chunk_size):
            chunk = []
            for _, event_type, data, fired_ts, fired_text, origin_idx, origin, c_id, c_user, c_parent in rows:  # fmt: skip
                if event_type == "state_changed":
                    continue
                remote = origin_idx == 1 or origin == "REMOTE"
                chunk.append(
                    {
                        "event_type": event_type or "unknown",
                        "data": _json_or_empty(data),
                        "time_fired": _iso(_seconds(fired_ts, fired_text)),
                        "origin": "REMOTE" if remote else "LOCAL",
                        "context": _context(c_id, c_user, c_parent),
                    }
                )
            yield chunk


def open_readonly(path: Path) -> RecorderReader:
    """Open the recorder database at `path` read-only, check its version and layout; `RecorderError` if unusable."""
    database = open_read_only(path)
    try:
        layout = read_layout(database.conn, path)
    except BaseException:
        database.close()
        raise
    return RecorderReader(path, database, layout)
