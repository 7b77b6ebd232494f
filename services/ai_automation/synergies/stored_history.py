"""A stored home's history as the miner reads it: one grouped query, no Python object per event.

A month of a 200-device home is ~250,000 stored state changes; reading them as rows (a tuple, five
values and a dict each) costs seconds. The database groups them instead by (entity, state, made by
the owner), keeps only the domains a habit can involve and real changes (state set, not the old one),
and returns each group's times as one text (17 significant digits: every float comes back exactly).
`history_of(recent_state_changes(...))` gives the same `History` (tested); this is its fast path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ai_automation.synergies.cache import Lru
from ai_automation.synergies.history import _MINED_DOMAINS, IGNORED_STATES, History
from homeiq_shared.ha_events import HaEventRow, Window, window_of


def _empty(rows: int) -> History:
    nothing = np.zeros(0, dtype=np.int64)
    return History([], [], nothing, nothing, np.zeros(0), np.zeros(0, dtype=bool), rows)


@dataclass(frozen=True)
class StoredWindow:
    """A stored home's history as last read (up to and with its newest time), and what a later read
    checks before it moves on from it: the number of stored state changes before the newest time and
    the sum of their times in whole ms. Rows at the newest time itself are read again each time (HA
    stores several changes of one instant, and a batch may end between them)."""

    history: History
    start: float
    newest: float
    rows: int  # in [start, newest)
    time_ms_sum: int  # of those rows


async def stored_history(
    session: AsyncSession,
    home_id: str,
    window_days: int,
    limit: int,
    cache: Lru[str, StoredWindow] | None = None,
) -> History:
    """A home's `state_changed` history of its last `window_days` days (up to its newest one), at most the
    newest `limit` rows; `len()` is the number of stored rows in that window, as
    `recent_state_changes` returns them.

    With `cache`, the home's last read is reused when the rows it read are still stored as they were
    (the same count and time sum over its span, read from the window index): only the rows stored from
    its newest time on are read and grouped, and what left the window is dropped. Otherwise (rows
    deleted, or stored late inside the span already read) the whole window is read again.
    """
    window = await window_of(session, home_id, window_days, state_changes_only=True)
    last = cache.get(home_id) if cache is not None else None
    if window is None:
        if cache is not None:
            cache.drop(home_id)
        return _empty(0)
    if cache is not None and last is not None and last.start <= window.start and last.newest <= window.newest:
        moved = await _read_on(session, window, last)
        if moved is not None and len(moved.history) <= limit:
            cache.put(home_id, moved)
            return moved.history
    rows, time_ms = await _sums(session, window.where)
    if rows > limit:  # the newest `limit` rows only: from the time of the limit-th newest on
        if cache is not None:
            cache.drop(home_id)
        t = HaEventRow.time_fired
        cutoff = await session.scalar(
            select(t).where(*window.where).order_by(t.desc()).offset(limit - 1).limit(1)
        )
        where = window.between(float(cutoff or window.start), window.newest)
        return _history_of_groups(await _groups(session, where), limit)
    history = _history_of_groups(await _groups(session, window.where), rows)
    if cache is not None:
        at_newest = await _sums(session, window.between(window.newest, window.newest))
        cache.put(home_id, StoredWindow(history, window.start, window.newest, rows - at_newest[0],
                                        time_ms - at_newest[1]))  # fmt: skip
    return history


TIME_MODULUS = 1_000_000_007
"""Each time in whole ms is summed modulo this prime: integer arithmetic, exact and the same in any row
order, that cannot overflow SQLite's 64-bit sum below ~9 x 10^9 rows (times themselves are ~1.8 x 10^12 ms)."""


async def _sums(session: AsyncSession, where: list[Any]) -> tuple[int, int]:
    """How many rows `where` selects, and the sum of their times in whole ms, each taken modulo
    `TIME_MODULUS` (the sums of disjoint spans add up)."""
    as_ms = cast(HaEventRow.time_fired * 1000, BigInteger) % TIME_MODULUS
    rows, time_ms = (
        await session.execute(select(func.count(), func.coalesce(func.sum(as_ms), 0)).where(*where))
    ).one()
    return int(rows), int(time_ms)


def _from_until(window: Window, low: float, high: float) -> list[Any]:
    """The home's rows with a time in [low, high)."""
    return [*window.home, HaEventRow.time_fired >= low, HaEventRow.time_fired < high]


async def _read_on(session: AsyncSession, window: Window, last: StoredWindow) -> StoredWindow | None:
    """`last` moved on to `window`; None when a row it read before its newest time was deleted or one was
    stored late there."""
    if await _sums(session, _from_until(window, last.start, last.newest)) != (last.rows, last.time_ms_sum):
        return None
    since = max(last.newest, window.start)  # what is read again: from here to the window's newest time
    gone = await _sums(session, _from_until(window, last.start, min(window.start, last.newest)))
    new = await _sums(session, _from_until(window, since, window.newest))
    at_newest = await _sums(session, window.between(window.newest, window.newest))
    rows = last.rows - gone[0] + new[0]
    later = _history_of_groups(await _groups(session, window.between(since, window.newest)), 0)
    history = last.history.since(window.start).before(since).followed_by(later, rows + at_newest[0])
    if history.sparse():
        history = history.compacted()
    # Each figure comes from its own statement: a purge or late row landing between them can make this
    # one answer's row count off by those rows; the sums kept then fail the next check (read whole).
    return StoredWindow(history, window.start, window.newest, rows, last.time_ms_sum - gone[1] + new[1])


async def _groups(session: AsyncSession, window: list[Any]) -> list[Any]:
    """(entity, state, by the owner, rows, times) of the window's changes that can be a habit's."""
    e = HaEventRow
    postgres = session.get_bind().dialect.name == "postgresql"
    domain = (
        func.split_part(e.entity_id, ".", 1)
        if postgres
        else func.substr(e.entity_id, 1, func.instr(e.entity_id, ".") - 1)
    )
    # PostgreSQL prints a float8 as the shortest text that reads back exactly; SQLite needs 17 digits
    as_text: Any = cast(e.time_fired, Text) if postgres else func.printf("%!.17g", e.time_fired)
    joined = func.string_agg(as_text, ",") if postgres else func.group_concat(as_text, ",")
    by_user = func.coalesce(e.origin == "user", False)
    query = (
        select(e.entity_id, e.state, by_user, func.count(), joined)
        .where(*window, domain.in_(sorted(_MINED_DOMAINS)), e.state.is_not(None))
        .where(e.state.is_distinct_from(e.old_state))
        .group_by(e.entity_id, e.state, by_user)
    )
    return list((await session.execute(query)).all())


def _history_of_groups(groups: list[Any], rows: int) -> History:
    """The columns of the grouped rows, each change in time order (as the rows would have been read)."""
    entity_of: dict[str, int] = {}
    state_of: dict[str, int] = {}
    entity, state, user, sizes, texts = [], [], [], [], []
    for entity_id, value, by_user, count, times in groups:
        # the same decisions as `history_of` (the SQL domain test is only a pre-filter)
        if (
            not entity_id
            or entity_id.partition(".")[0] not in _MINED_DOMAINS
            or value.lower() in IGNORED_STATES
        ):
            continue
        entity.append(entity_of.setdefault(entity_id, len(entity_of)))
        state.append(state_of.setdefault(value, len(state_of)))
        user.append(bool(by_user))
        sizes.append(int(count))
        texts.append(times)
    if not texts:
        return _empty(rows)
    time = np.array(",".join(texts).split(","), dtype=np.float64)
    counts = np.array(sizes)
    order = np.argsort(time, kind="stable")
    return History(
        list(entity_of),
        list(state_of),
        np.repeat(np.array(entity, dtype=np.int64), counts)[order],
        np.repeat(np.array(state, dtype=np.int64), counts)[order],
        time[order],
        np.repeat(np.array(user, dtype=bool), counts)[order],
        rows,
    )
