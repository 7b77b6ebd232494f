"""Accumulated Home Assistant events: validation, idempotent batched storage, retention and counts.

Both services keep the HA events they are sent (`POST /api/ha/events`) or import from a recorder
database in the table below. An event's key is a hash of what identifies it (type, entity, time,
new state, context id), so the same event sent twice is stored once. A batch is validated as a
whole before anything is written: one malformed event rejects the batch with the reasons and
stores nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Float, Index, String, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from homeiq_shared.storage import Base

ENTITY_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
MAX_STATE_LENGTH = 255
_INSERT_CHUNK = 900


class HaEventRow(Base):
    """One HA event as stored: `state_changed` rows carry the entity's new and old state."""

    __tablename__ = "ha_events"
    __table_args__ = (Index("ix_ha_events_entity_time", "entity_id", "time_fired"),)

    event_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    home_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    state: Mapped[str | None] = mapped_column(String(MAX_STATE_LENGTH), nullable=True)
    old_state: Mapped[str | None] = mapped_column(String(MAX_STATE_LENGTH), nullable=True)
    time_fired: Mapped[float] = mapped_column(Float, index=True)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


@dataclass(frozen=True)
class EventProblem:
    """Why one event of a batch cannot be stored."""

    index: int
    reason: str


def _parse_time(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.timestamp()


def _state_text(state_obj: Any) -> str | None:
    if not isinstance(state_obj, dict):
        return None
    value = state_obj.get("state")
    return None if value is None else str(value)


def normalise_event(event: Any, home_id: str) -> dict[str, Any] | str:
    """One raw event (HA wire shape or home-file shape) as a row dict, or the reason it is malformed."""
    if not isinstance(event, dict):
        return "event is not an object"
    event_type = event.get("event_type")
    if not isinstance(event_type, str) or not event_type or len(event_type) > 64:
        return "event_type missing or invalid"
    raw_data = event.get("data")
    data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else event
    new_state = data.get("new_state")
    old_state = data.get("old_state")
    new_dict: dict[str, Any] = new_state if isinstance(new_state, dict) else {}
    entity_id = data.get("entity_id") or new_dict.get("entity_id")
    when = event.get("time_fired") or event.get("timestamp") or new_dict.get("last_updated")
    fired = _parse_time(when)
    if fired is None:
        return "time_fired missing or not a timezone-aware ISO-8601 time"
    if event_type == "state_changed":
        if not isinstance(entity_id, str) or not ENTITY_ID.match(entity_id):
            return f"entity_id {entity_id!r} is not a valid HA entity id (domain.object_id)"
        if new_state is not None and not isinstance(new_state, dict):
            return "new_state must be a state object or null"
        if old_state is not None and not isinstance(old_state, dict):
            return "old_state must be a state object or null"
    elif entity_id is not None and (not isinstance(entity_id, str) or len(entity_id) > 255):
        return "entity_id must be a string"
    state = _state_text(new_state) if event_type == "state_changed" else None
    old = _state_text(old_state) if event_type == "state_changed" else None
    if (state and len(state) > MAX_STATE_LENGTH) or (old and len(old) > MAX_STATE_LENGTH):
        return f"state longer than {MAX_STATE_LENGTH} characters"
    attributes = new_dict.get("attributes") if new_dict else event.get("attributes")
    raw_context = event.get("context")
    context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
    key_source = f"{event_type}|{entity_id}|{fired:.6f}|{state}|{context.get('id')}"
    return {
        "event_key": hashlib.sha1(key_source.encode(), usedforsecurity=False).hexdigest(),
        "home_id": home_id,
        "event_type": event_type,
        "entity_id": entity_id,
        "state": state,
        "old_state": old,
        "time_fired": fired,
        "attributes": attributes if isinstance(attributes, dict) else None,
    }


def normalise_batch(events: Sequence[Any], home_id: str) -> tuple[list[dict[str, Any]], list[EventProblem]]:
    """All rows of a batch, or the problems that make it unusable (then nothing should be stored)."""
    rows: list[dict[str, Any]] = []
    problems: list[EventProblem] = []
    for index, event in enumerate(events):
        result = normalise_event(event, home_id)
        if isinstance(result, str):
            problems.append(EventProblem(index, result))
        else:
            rows.append(result)
    return rows, problems


async def store_events(session: AsyncSession, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows in one transaction, ignoring ones already stored; return how many were new."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    unique = list({row["event_key"]: row for row in rows}.values())
    if not unique:
        return 0
    statement = insert(HaEventRow).on_conflict_do_nothing(index_elements=["event_key"])
    added = 0
    for start in range(0, len(unique), _INSERT_CHUNK):
        chunk = unique[start : start + _INSERT_CHUNK]
        # the driver's rowcount is unreliable for executemany with ON CONFLICT, so look the keys up
        # (an index probe per row, independent of the table's size)
        existing = await session.scalar(
            select(func.count())
            .select_from(HaEventRow)
            .where(HaEventRow.event_key.in_([row["event_key"] for row in chunk]))
        )
        # executemany form: the driver batches the parameters, far faster than one huge VALUES list
        await session.execute(statement, chunk)
        added += len(chunk) - int(existing or 0)
    await session.commit()
    return added


async def count_events(session: AsyncSession, home_id: str | None = None) -> int:
    """Number of stored events (of one home when `home_id` is given)."""
    query = select(func.count()).select_from(HaEventRow)
    if home_id is not None:
        query = query.where(HaEventRow.home_id == home_id)
    return int((await session.execute(query)).scalar_one())


async def purge_older_than(session: AsyncSession, days: int, now: datetime | None = None) -> int:
    """Delete events older than the retention window; return how many went."""
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=days)).timestamp()
    result = await session.execute(delete(HaEventRow).where(HaEventRow.time_fired < cutoff))
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def event_span(session: AsyncSession) -> dict[str, Any]:
    """Count, first and last event time, and distinct entities of what is stored."""
    count, first, last, entities = (
        await session.execute(
            select(
                func.count(),
                func.min(HaEventRow.time_fired),
                func.max(HaEventRow.time_fired),
                func.count(func.distinct(HaEventRow.entity_id)),
            )
        )
    ).one()
    return {
        "events": int(count),
        "entities": int(entities),
        "first": datetime.fromtimestamp(first, UTC).isoformat() if first is not None else None,
        "last": datetime.fromtimestamp(last, UTC).isoformat() if last is not None else None,
    }
