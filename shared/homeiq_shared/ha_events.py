"""Accumulated Home Assistant events: validation, idempotent batched storage, retention and counts.

Both services keep the HA events they are sent (`POST /api/ha/events`) or import from a recorder
database in the table below. An event's key is a hash of what identifies it (type, entity, time,
new state, context id), so the same event sent twice is stored once. A batch is validated as a
whole before anything is written: one malformed event rejects the batch with the reasons and
stores nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import JSON, ColumnElement, Float, Index, String, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from homeiq_shared.ha_schema import (
    END_SECOND,
    FIRST_SECOND,
    MAX_ATTRIBUTES_BYTES,
    MAX_ENTITY_ID_LENGTH,
    epoch_problem,
    has_control,
    is_entity_id,
)
from homeiq_shared.storage import ADDITIVE_UPGRADE, Base

logger = logging.getLogger(__name__)

MAX_STATE_LENGTH = 255
_INSERT_CHUNK = 900


class HaEventRow(Base):
    """One HA event as stored: `state_changed` rows carry the entity's new and old state."""

    __tablename__ = "ha_events"
    __table_args__ = (
        Index("ix_ha_events_entity_time", "entity_id", "time_fired"),
        # a home's window (`window_of`): its newest time and its rows' count and times from the index alone
        Index("ix_ha_events_home_window", "home_id", "event_type", "time_fired"),
        {"info": {ADDITIVE_UPGRADE: True}},  # `origin` and the window index came later: added in place
    )

    event_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    home_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    state: Mapped[str | None] = mapped_column(String(MAX_STATE_LENGTH), nullable=True)
    old_state: Mapped[str | None] = mapped_column(String(MAX_STATE_LENGTH), nullable=True)
    time_fired: Mapped[float] = mapped_column(Float, index=True)
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Who caused the change, from HA's context (`context_origin`): "user", "automation", "system";
    # NULL when the event came without a context (older rows, sources that do not keep it).
    origin: Mapped[str | None] = mapped_column(String(16), nullable=True)


@dataclass(frozen=True)
class EventProblem:
    """Why one event of a batch cannot be stored."""

    index: int
    reason: str


_TIME_FIELDS = ("time_fired", "timestamp")
_STATE_TIMES = ("last_changed", "last_updated", "last_reported")


def _parse_time(value: Any) -> float | str:
    """UNIX seconds of an event time (ISO-8601 with a zone, or UNIX seconds), or why it is unusable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "is not an ISO-8601 time"
        if moment.tzinfo is None:
            return "has no time zone (send timezone-aware UTC ISO-8601, e.g. 2025-01-01T08:00:00+00:00)"
        try:
            seconds = moment.timestamp()
        except (OverflowError, OSError, ValueError):
            return "is outside 1970-2100"
    else:
        return "must be a timezone-aware ISO-8601 time"
    problem = epoch_problem(seconds)
    return f"is {problem}" if problem is not None else seconds


def _event_time(event: dict[str, Any], new_state: dict[str, Any]) -> tuple[str, float | str]:
    """The field that dates the event and its UNIX seconds (or why they are unusable)."""
    for name in _TIME_FIELDS:
        if event.get(name) not in (None, ""):
            return name, _parse_time(event[name])
    if new_state.get("last_updated") not in (None, ""):
        return "new_state.last_updated", _parse_time(new_state["last_updated"])
    return "time_fired", "is missing"


def _attributes_problem(attributes: Any, where: str) -> str | None:
    """Why a state's attributes cannot be stored: too big, NaN, control characters (keys: any; text: all
    but tab, newline and CR). Only an object is stored; anything else is dropped as before."""
    if not isinstance(attributes, dict):
        return None
    try:
        encoded = json.dumps(attributes, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return f"{where} hold NaN or Infinity (not JSON numbers)"
    except TypeError:
        return f"{where} are not JSON"
    except RecursionError:
        return f"{where} are nested too deeply"
    try:
        size = len(encoded.encode())
    except UnicodeEncodeError:
        return f"{where} hold invalid Unicode (a lone surrogate)"
    if size > MAX_ATTRIBUTES_BYTES:
        return (
            f"{where} are {size} bytes as JSON; at most {MAX_ATTRIBUTES_BYTES} (16 KiB, HA's recorder limit)"
        )
    if "\\" not in encoded and "\x7f" not in encoded:
        return None  # json escapes every other control character with a backslash: none here
    pending: list[Any] = [attributes]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if has_control(key):
                    return f"{where} key {key!r} holds control characters"
                pending.append(value)
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and has_control(item, text=True):
            return f"{where} hold a string with control characters"
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _state_problem(state_obj: dict[str, Any], where: str) -> str | None:
    """Why a state object cannot be stored: its state text or one of its times."""
    value = state_obj.get("state")
    if value is not None:
        text = str(value)
        if len(text) > MAX_STATE_LENGTH:
            return f"{where}.state is longer than {MAX_STATE_LENGTH} characters"
        if has_control(text) or not _encodable(text):
            return f"{where}.state holds control characters or invalid Unicode"
    for name in _STATE_TIMES:
        if state_obj.get(name) is not None:
            parsed = _parse_time(state_obj[name])
            if isinstance(parsed, str):
                return f"{where}.{name} {parsed}"
    return None


def _state_text(state_obj: Any) -> str | None:
    if not isinstance(state_obj, dict):
        return None
    value = state_obj.get("state")
    return None if value is None else str(value)


def normalise_event(event: Any, home_id: str) -> dict[str, Any] | str:
    """One raw event (HA wire shape or home-file shape) as a row dict, or the reason it is malformed.

    Refused: a time that is not a finite, timezone-aware 1970-2100 time (NaN, Infinity, 1e400), an
    entity id HA would refuse, control characters in types, states and attribute keys, attributes
    over `MAX_ATTRIBUTES_BYTES` as JSON.
    """
    if not isinstance(event, dict):
        return "event is not an object"
    event_type = event.get("event_type")
    if (
        not isinstance(event_type, str)
        or not event_type
        or len(event_type) > 64
        or has_control(event_type)
        or not _encodable(event_type)
    ):
        return "event_type missing or invalid (1-64 characters, no control characters)"
    raw_data = event.get("data")
    data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else event
    new_state = data.get("new_state")
    old_state = data.get("old_state")
    new_dict: dict[str, Any] = new_state if isinstance(new_state, dict) else {}
    entity_id = data.get("entity_id") or new_dict.get("entity_id")
    field, fired = _event_time(event, new_dict)
    if isinstance(fired, str):
        return f"{field} {fired}"
    if event_type == "state_changed":
        if not is_entity_id(entity_id):
            return f"entity_id {entity_id!r} is not a valid HA entity id (domain.object_id)"
        if new_state is not None and not isinstance(new_state, dict):
            return "new_state must be a state object or null"
        if old_state is not None and not isinstance(old_state, dict):
            return "old_state must be a state object or null"
        for where, obj in (("new_state", new_state), ("old_state", old_state)):
            problem = _state_problem(obj, where) if obj is not None else None
            if problem is not None:
                return problem
    elif entity_id is not None and (
        not isinstance(entity_id, str)
        or len(entity_id) > MAX_ENTITY_ID_LENGTH
        or has_control(entity_id)
        or not _encodable(entity_id)
    ):
        return "entity_id must be a string of at most 255 characters without control characters"
    state = _state_text(new_state) if event_type == "state_changed" else None
    old = _state_text(old_state) if event_type == "state_changed" else None
    attributes = new_dict.get("attributes") if new_dict else event.get("attributes")
    problem = _attributes_problem(attributes, "new_state.attributes" if new_dict else "attributes")
    if problem is not None:
        return problem
    raw_context = event.get("context")
    if not isinstance(raw_context, dict) and new_dict is not None:
        raw_context = new_dict.get("context")  # the state object carries the same context
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
        "origin": context_origin(context),
    }


def context_origin(context: dict[str, Any]) -> str | None:
    """Who caused an event, by HA's context rules.

    A context with a parent was created by something that reacted to another event (an automation or a
    script it started): "automation". Without a parent, a user id means a person acted through HA (the UI,
    the app, a voice assistant): "user". Neither: the device or an integration changed by itself ("system"),
    which includes a wall switch pressed by hand (HA cannot tell those apart). No context id at all: unknown.
    """
    if not isinstance(context.get("id"), str):
        return None
    if isinstance(context.get("parent_id"), str) and context["parent_id"]:
        return "automation"
    if isinstance(context.get("user_id"), str) and context["user_id"]:
        return "user"
    return "system"


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


StoreRows = Callable[[AsyncSession, list[dict[str, Any]]], Awaitable[int]]
"""How a service stores a validated batch of event rows (`store_events`, or a service's own that also
derives from them in the same transaction); returns how many rows were new."""


async def store_events(session: AsyncSession, rows: Iterable[dict[str, Any]], *, commit: bool = True) -> int:
    """Insert rows in one transaction, ignoring ones already stored; return how many were new.

    `commit=False` leaves the transaction open for a caller that stores what it derives from the
    rows in the same transaction (device-intelligence's telemetry), so a crash keeps both or neither.
    """
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
    if commit:
        await session.commit()
    return added


async def count_events(session: AsyncSession, home_id: str | None = None) -> int:
    """Number of stored events (of one home when `home_id` is given)."""
    query = select(func.count()).select_from(HaEventRow)
    if home_id is not None:
        query = query.where(HaEventRow.home_id == home_id)
    return int((await session.execute(query)).scalar_one())


def _bad_time() -> ColumnElement[bool]:
    """Rows whose time no longer passes the edge: NULL, NaN (PostgreSQL sorts it above every number),
    +-Infinity or outside 1970-2100, stored before the edge refused them."""
    column = HaEventRow.time_fired
    return or_(column.is_(None), column < FIRST_SECOND, column >= END_SECOND)


async def purge_older_than(session: AsyncSession, days: int, now: datetime | None = None) -> int:
    """Delete events older than the retention window, and any with an unusable time; return how many went."""
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=days)).timestamp()
    bad = await session.execute(delete(HaEventRow).where(_bad_time()))
    purged_bad = int(getattr(bad, "rowcount", 0) or 0)
    if purged_bad:
        logger.warning("purged %d stored HA events with a non-finite or out-of-range time", purged_bad)
    result = await session.execute(delete(HaEventRow).where(HaEventRow.time_fired < cutoff))
    await session.commit()
    return purged_bad + int(getattr(result, "rowcount", 0) or 0)


async def event_span(session: AsyncSession) -> dict[str, Any]:
    """Count, first and last event time, and distinct entities of what is stored.

    A row with an unusable time (stored before the edge refused them) is left out of first/last and
    logged; the next retention purge removes it.
    """
    count, entities, bad = (
        await session.execute(
            select(
                func.count(),
                func.count(func.distinct(HaEventRow.entity_id)),
                func.count().filter(_bad_time()),
            )
        )
    ).one()
    first, last = (
        await session.execute(
            select(func.min(HaEventRow.time_fired), func.max(HaEventRow.time_fired)).where(~_bad_time())
        )
    ).one()
    if bad:
        logger.warning("%d stored HA events have an unusable time; the retention purge removes them", bad)
    return {
        "events": int(count),
        "entities": int(entities),
        "first": datetime.fromtimestamp(first, UTC).isoformat() if first is not None else None,
        "last": datetime.fromtimestamp(last, UTC).isoformat() if last is not None else None,
    }


class Window(NamedTuple):
    """A home's events of its last N days: the conditions that select the home's events, and the bounds."""

    home: list[Any]  # the home (and the event type): no condition on the time
    start: float  # the oldest time in the window
    newest: float  # the home's newest usable event time

    def between(self, low: float, high: float) -> list[Any]:
        """The home's events with a time in [low, high] (one range, as an index reads it)."""
        return [*self.home, HaEventRow.time_fired.between(low, high)]

    @property
    def where(self) -> list[Any]:
        """The conditions that select the window's events."""
        return self.between(self.start, self.newest)


async def window_of(
    session: AsyncSession, home_id: str, window_days: int, *, state_changes_only: bool = False
) -> Window | None:
    """A home's window of its last `window_days` days (up to its newest usable event; times outside
    1970-2100 or NaN never count), or None when it has no such event."""
    home = [HaEventRow.home_id == home_id]
    if state_changes_only:
        home.append(HaEventRow.event_type == "state_changed")
    usable = HaEventRow.time_fired.between(FIRST_SECOND, END_SECOND - 1)
    newest = await session.scalar(select(func.max(HaEventRow.time_fired)).where(*home, usable))
    if newest is None:
        return None
    return Window(home, max(float(newest - window_days * 86_400), FIRST_SECOND), float(newest))


async def home_window(
    session: AsyncSession,
    home_id: str,
    window_days: int,
    columns: Sequence[Any],
    *,
    state_changes_only: bool = False,
    limit: int | None = None,
) -> list[Any]:
    """Rows of `columns` of a home's events of its last `window_days` days (up to its newest event), oldest first.

    With `limit`, the newest rows only. Rows with an unusable time (NaN, Infinity, outside 1970-2100;
    stored before the edge refused them) are skipped; the nightly purge removes them.
    """
    window = await window_of(session, home_id, window_days, state_changes_only=state_changes_only)
    if window is None:
        return []
    query = select(*columns).where(*window.where)
    if limit is None:
        return list((await session.execute(query.order_by(HaEventRow.time_fired))).all())
    newest_first = query.order_by(HaEventRow.time_fired.desc()).limit(limit)
    return list(reversed((await session.execute(newest_first)).all()))


async def recent_state_changes(
    session: AsyncSession, home_id: str, window_days: int, limit: int
) -> list[dict[str, Any]]:
    """A home's `state_changed` rows of its last `window_days` days, oldest first; at most the newest `limit`."""
    columns = (
        HaEventRow.entity_id,
        HaEventRow.state,
        HaEventRow.old_state,
        HaEventRow.time_fired,
        HaEventRow.origin,
    )
    rows = await home_window(session, home_id, window_days, columns, state_changes_only=True, limit=limit)
    return [
        {
            "event_type": "state_changed",
            "entity_id": e,
            "state": s,
            "old_state": o,
            "time_fired": float(t),
            "origin": g,
        }
        for e, s, o, t, g in rows
    ]
