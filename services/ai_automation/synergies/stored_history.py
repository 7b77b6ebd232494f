"""A stored home's history as the miner reads it: one grouped query, no Python object per event.

A month of a 200-device home is ~250,000 stored state changes; reading them as rows (a tuple, five
values and a dict each) costs seconds. The database groups them instead by (entity, state, made by
the owner), keeps only the domains a habit can involve and real changes (state set, not the old one),
and returns each group's times as one text (17 significant digits: every float comes back exactly).
`history_of(recent_state_changes(...))` gives the same `History` (tested); this is its fast path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ai_automation.synergies.history import _MINED_DOMAINS, IGNORED_STATES, History
from homeiq_shared.ha_events import HaEventRow, window_of


def _empty(rows: int) -> History:
    nothing = np.zeros(0, dtype=np.int64)
    return History([], [], nothing, nothing, np.zeros(0), np.zeros(0, dtype=bool), rows)


async def stored_history(session: AsyncSession, home_id: str, window_days: int, limit: int) -> History:
    """A home's `state_changed` history of its last `window_days` days (up to its newest one), at most the
    newest `limit` rows; `len()` is the number of stored rows in that window, as
    `recent_state_changes` returns them."""
    e = HaEventRow
    window = await window_of(session, home_id, window_days, state_changes_only=True)
    if window is None:
        return _empty(0)
    rows = int(await session.scalar(select(func.count()).select_from(e).where(*window)) or 0)
    if rows > limit:  # the newest `limit` rows only: from the time of the limit-th newest on
        cutoff = await session.scalar(
            select(e.time_fired).where(*window).order_by(e.time_fired.desc()).offset(limit - 1).limit(1)
        )
        window.append(e.time_fired >= cutoff)
        rows = limit
    return _history_of_groups(await _groups(session, window), rows)


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
