"""Stored daily telemetry from stored HA events: each batch and what it derives in one transaction.

`TelemetryDeriver` is device-intelligence's `ha_store_rows`: it stores a batch of HA events and
re-derives the telemetry the batch touched in the same transaction, so a crash keeps both or
neither (never events without their telemetry).

A batch touches some (device, UTC hour) pairs. Each touched hour is re-derived from every stored
event of the device's entities in it, plus each entity's last event before it (its state when the
hour began), into additive hourly partials; the device's daily telemetry row is then the merge of
that day's stored partials. So the same batch twice, batches out of order or split differently
all end in the same rows, and a batch costs about its own hours, not the whole day again.
An entity unavailable when the window starts pulls the window back to the hour its outage began,
so an outage across midnight is counted in full; one still unavailable at the end of the window
counts as down to the end of that hour, and its return re-derives the hours in between.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from device_intelligence.ingest.ha_telemetry import (
    DAY_SECONDS,
    UNAVAILABLE,
    Partial,
    accumulate,
    daily_rows,
    device_of,
)
from device_intelligence.tables import HaHourlyPartial, TelemetryReading
from device_intelligence.telemetry import METRIC_NAMES
from homeiq_shared.ha_events import HaEventRow, store_events
from homeiq_shared.ha_snapshots import HomeSnapshotRow

logger = logging.getLogger(__name__)

HOUR_SECONDS = 3_600
DEFAULT_HOME = "default"
_CHUNK = 500
_MAX_LOOKBACK_STEPS = 8
_PRIOR_CHUNK = 200


def device_key(home_id: str, device: str) -> str:
    """Stored device id: the HA device as it is for the default home, prefixed with the home otherwise."""
    return device if home_id == DEFAULT_HOME else f"{home_id}:{device}"


@dataclass
class _Home:
    """What is known of one home's entities: the snapshot's entity->device map and every entity seen."""

    snapshot_stamp: datetime | None = None
    registry: dict[str, str] = field(default_factory=dict)
    entities: set[str] = field(default_factory=set)
    by_device: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    device: dict[str, str] = field(default_factory=dict)

    def add(self, home_id: str, entity_id: str) -> str:
        """Remember an entity and return its stored device id."""
        known = self.device.get(entity_id)
        if known is not None:
            return known
        key = device_key(home_id, device_of(entity_id, self.registry))
        self.entities.add(entity_id)
        self.device[entity_id] = key
        self.by_device[key].add(entity_id)
        return key

    def remap(self, home_id: str, registry: dict[str, str]) -> None:
        """Apply a new snapshot's entity->device map to every entity seen."""
        self.registry = registry
        entities = self.entities | set(registry)
        self.entities, self.device, self.by_device = set(), {}, defaultdict(set)
        for entity_id in entities:
            self.add(home_id, entity_id)


def _hour(ts: float) -> int:
    return int(ts // HOUR_SECONDS)


def _event_columns() -> tuple[Any, ...]:
    # Only the device class is needed from the attributes: extracting it in SQL avoids decoding JSON.
    device_class = HaEventRow.attributes["device_class"].as_string()
    return (HaEventRow.entity_id, HaEventRow.state, HaEventRow.time_fired, device_class)


def _row(entity_id: str, state: str | None, fired: float, device_class: str | None) -> dict[str, Any]:
    return {
        "event_type": "state_changed",
        "entity_id": entity_id,
        "state": state,
        "time_fired": fired,
        "attributes": {"device_class": device_class} if device_class else None,
    }


class TelemetryDeriver:
    """Stores a batch of HA events and upserts the device-days it touched, in one transaction."""

    def __init__(self) -> None:
        self._homes: dict[str, _Home] = {}
        # Batches are stored and derived one at a time: two batches of one day must not interleave
        # their read and upsert, and each commits before the next reads (no stale hours).
        self._lock = asyncio.Lock()
        self.last_seconds = 0.0

    async def __call__(self, session: AsyncSession, rows: list[dict[str, Any]]) -> int:
        """The `StoreRows` signature: store `rows`, derive their telemetry, commit; return rows new."""
        async with self._lock:
            try:
                stored = await store_events(session, rows, commit=False)
                await self._derive(session, rows)
                await session.commit()
            except BaseException:
                # The session's owner rolls back; what this batch taught of its entities goes with it.
                self._homes.clear()
                raise
        return stored

    async def _derive(self, session: AsyncSession, rows: Iterable[Mapping[str, Any]]) -> int:
        """Derive and upsert the device-days `rows` touched (uncommitted); return how many."""
        by_home: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for row in rows:
            if row.get("event_type") == "state_changed" and row.get("entity_id"):
                by_home[str(row.get("home_id") or DEFAULT_HOME)].append(row)
        if not by_home:
            return 0
        started = asyncio.get_running_loop().time()
        written = 0
        for home_id, home_rows in by_home.items():
            written += await self._derive_home(session, home_id, home_rows)
        self.last_seconds = asyncio.get_running_loop().time() - started
        logger.debug("derived %s device-days in %.3f s", written, self.last_seconds)
        return written

    async def _home(self, session: AsyncSession, home_id: str) -> _Home:
        home = self._homes.get(home_id)
        snapshot = await session.get(HomeSnapshotRow, home_id)
        stamp = snapshot.updated_at if snapshot is not None else None
        fresh = home is None
        if home is None:
            home = self._homes[home_id] = _Home()
            seen = await session.scalars(
                select(HaEventRow.entity_id)
                .distinct()
                .where(HaEventRow.home_id == home_id, HaEventRow.event_type == "state_changed")
            )
            home.entities = {e for e in seen if e}
        if fresh or stamp != home.snapshot_stamp:
            registry = {
                str(d["entity_id"]): str(d["device_id"])
                for d in (snapshot.devices if snapshot is not None else [])
                if d.get("entity_id") and d.get("device_id")
            }
            home.remap(home_id, registry)
            home.snapshot_stamp = stamp
        return home

    async def _derive_home(
        self, session: AsyncSession, home_id: str, rows: Sequence[Mapping[str, Any]]
    ) -> int:
        home = await self._home(session, home_id)
        windows: dict[str, list[int]] = {}
        for row in rows:
            device = home.add(home_id, str(row["entity_id"]))
            hour = _hour(float(row["time_fired"]))
            window = windows.setdefault(device, [hour, hour])
            window[0], window[1] = min(window[0], hour), max(window[1], hour)
        groups: dict[tuple[int, int], list[str]] = defaultdict(list)
        for device, (first, last) in windows.items():
            groups[(first, last)].append(device)
        groups = await self._outage_starts(session, home, home_id, groups)
        partials: list[tuple[tuple[str, int], Partial]] = []
        for (first, last), devices in groups.items():
            entities = sorted({e for d in devices for e in home.by_device[d]})
            events = await self._events(session, home_id, entities, first, last)
            mapping = {e: home.device[e] for e in entities}
            derived = await asyncio.to_thread(
                accumulate, events, mapping, float((last + 1) * HOUR_SECONDS), HOUR_SECONDS
            )
            wanted, lo, hi = set(devices), first * HOUR_SECONDS, last * HOUR_SECONDS
            # Every touched hour is written, an hour whose events all went (retention) as an empty one.
            found = {key: part for key, part in derived.items() if key[0] in wanted and lo <= key[1] <= hi}
            partials.extend(
                (key, found.get(key, Partial()))
                for d in devices
                for key in ((d, h * HOUR_SECONDS) for h in range(first, last + 1))
            )
        await upsert_partials(session, partials)
        days = {(device, start // DAY_SECONDS) for (device, start), _ in partials}
        daily = daily_rows(await load_partials(session, days))
        await upsert_daily(session, daily)
        return len(daily)

    async def _priors(
        self, session: AsyncSession, home_id: str, entities: Iterable[str], before: float
    ) -> list[dict[str, Any]]:
        """Each entity's last state_changed row before `before` (its state when the window opens)."""
        out: list[dict[str, Any]] = []
        ordered = sorted(entities)
        # One index seek per entity, sent as one UNION ALL statement (SQLite allows 500 terms). Plain SQL:
        # compiling hundreds of ORM subqueries cost more than running them. Only the state matters here.
        for lo in range(0, len(ordered), _PRIOR_CHUNK):
            chunk = ordered[lo : lo + _PRIOR_CHUNK]
            sql = " UNION ALL ".join(
                f"SELECT * FROM (SELECT entity_id, state, time_fired FROM ha_events WHERE entity_id = :e{i} "
                "AND time_fired < :before AND home_id = :home AND event_type = 'state_changed' "
                f"ORDER BY time_fired DESC LIMIT 1) AS p{i}"
                for i in range(len(chunk))
            )
            params: dict[str, Any] = {f"e{i}": e for i, e in enumerate(chunk)} | {
                "before": before,
                "home": home_id,
            }
            result = await session.execute(text(sql), params)
            out.extend(_row(entity_id, state, fired, None) for entity_id, state, fired in result.all())
        return out

    async def _outage_starts(
        self, session: AsyncSession, home: _Home, home_id: str, groups: dict[tuple[int, int], list[str]]
    ) -> dict[tuple[int, int], list[str]]:
        """Regroup devices whose window opens while one of their entities is unavailable (rare)."""
        out: dict[tuple[int, int], list[str]] = defaultdict(list)
        for (first, last), devices in groups.items():
            entities = {e for d in devices for e in home.by_device[d]}
            priors = await self._priors(session, home_id, entities, float(first * HOUR_SECONDS))
            down = {home.device[p["entity_id"]] for p in priors if p["state"] in UNAVAILABLE}
            for device in devices:
                start = first
                if device in down:
                    start = await self._outage_start(session, home_id, home.by_device[device], first)
                out[(start, last)].append(device)
        return out

    async def _outage_start(self, session: AsyncSession, home_id: str, entities: set[str], first: int) -> int:
        """Move a device's first day back while one of its entities was already unavailable on it."""
        for _ in range(_MAX_LOOKBACK_STEPS):
            priors = await self._priors(session, home_id, entities, float(first * HOUR_SECONDS))
            down = [_hour(p["time_fired"]) for p in priors if p["state"] in UNAVAILABLE]
            if not down or min(down) >= first:
                return first
            first = min(down)
        return first

    async def _events(
        self, session: AsyncSession, home_id: str, entities: Sequence[str], first: int, last: int
    ) -> list[dict[str, Any]]:
        start, end = float(first * HOUR_SECONDS), float((last + 1) * HOUR_SECONDS)
        out = await self._priors(session, home_id, entities, start)
        for lo in range(0, len(entities), _CHUNK):
            result = await session.execute(
                select(*_event_columns()).where(
                    HaEventRow.entity_id.in_(entities[lo : lo + _CHUNK]),
                    HaEventRow.time_fired >= start,
                    HaEventRow.time_fired < end,
                    HaEventRow.home_id == home_id,
                    HaEventRow.event_type == "state_changed",
                )
            )
            out.extend(_row(*r) for r in result.all())
        return out


_PARTIAL_FIELDS = [f.name for f in fields(Partial)]


def _upsert(session: AsyncSession, table: Any, keys: list[str], fields: Sequence[str]) -> Any:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={f: statement.excluded[f] for f in fields}
    )


async def upsert_partials(session: AsyncSession, partials: Sequence[tuple[tuple[str, int], Partial]]) -> None:
    """Store hourly partials, replacing what an earlier derivation of the same hours wrote."""
    statement = _upsert(session, HaHourlyPartial, ["device_id", "hour_start"], _PARTIAL_FIELDS)
    rows = [
        {"device_id": device, "hour_start": start, **{f: getattr(p, f) for f in _PARTIAL_FIELDS}}
        for (device, start), p in partials
    ]
    for lo in range(0, len(rows), 2_000):
        await session.execute(statement, rows[lo : lo + 2_000])


async def load_partials(
    session: AsyncSession, days: Iterable[tuple[str, int]]
) -> list[tuple[tuple[str, int], Partial]]:
    """Every stored hourly partial of the given (device, day number) pairs."""
    wanted = set(days)
    if not wanted:
        return []
    devices = sorted({device for device, _ in wanted})
    lo = min(day for _, day in wanted) * DAY_SECONDS
    hi = (max(day for _, day in wanted) + 1) * DAY_SECONDS
    columns = [HaHourlyPartial.device_id, HaHourlyPartial.hour_start] + [
        getattr(HaHourlyPartial, f) for f in _PARTIAL_FIELDS
    ]
    out: list[tuple[tuple[str, int], Partial]] = []
    for start in range(0, len(devices), _CHUNK):
        result = await session.execute(
            select(*columns).where(
                HaHourlyPartial.device_id.in_(devices[start : start + _CHUNK]),
                HaHourlyPartial.hour_start >= lo,
                HaHourlyPartial.hour_start < hi,
            )
        )
        for device_id, hour_start, *values in result.all():
            if (device_id, hour_start // DAY_SECONDS) in wanted:
                out.append(
                    ((device_id, hour_start), Partial(**dict(zip(_PARTIAL_FIELDS, values, strict=True))))
                )
    return out


def _reading(derived: Mapping[str, Any]) -> dict[str, Any]:
    day = date.fromisoformat(derived["date"])
    row: dict[str, Any] = {
        "device_id": derived["device_id"],
        "timestamp": datetime(day.year, day.month, day.day, tzinfo=UTC),
    }
    for name in METRIC_NAMES:
        value = derived["metrics"].get(name)
        row[name] = None if value is None or math.isnan(value) else float(value)
    return row


async def upsert_daily(session: AsyncSession, derived: Sequence[Mapping[str, Any]]) -> None:
    """Write derived device-days as readings at UTC midnight, replacing what an earlier derivation wrote."""
    if not derived:
        return
    statement = _upsert(session, TelemetryReading, ["device_id", "timestamp"], METRIC_NAMES)
    rows = [_reading(d) for d in derived]
    for lo in range(0, len(rows), 2_000):
        await session.execute(statement, rows[lo : lo + 2_000])
