"""Real homes from what Home Assistant sent: each home's snapshot plus its stored events, as a home dict."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from homeiq_shared.ha_events import HaEventRow, home_window
from homeiq_shared.ha_schema import is_entity_id
from homeiq_shared.ha_snapshots import HomeSnapshotRow, list_snapshots

logger = logging.getLogger(__name__)

EventRow = tuple[str, str | None, float, dict[str, Any] | None]
"""(event_type, entity_id, time_fired epoch seconds, attributes) of one stored event."""


@dataclass
class RealHome:
    """One real home in the home-file shape the features read, with what it was built from."""

    home_id: str
    home: dict[str, Any]
    confirmed_type: str | None
    devices_from: str
    events: int


@dataclass
class RealHomes:
    """Every usable real home, and the homes that could not be used with the reason."""

    homes: list[RealHome] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    window_days: int = 0

    @property
    def labelled(self) -> list[RealHome]:
        """Homes whose type the user confirmed (they join the training set)."""
        return [h for h in self.homes if h.confirmed_type]

    @property
    def unlabelled(self) -> list[RealHome]:
        """Homes of unknown type (they feed the confidence and drift figures)."""
        return [h for h in self.homes if not h.confirmed_type]

    def counts(self) -> dict[str, Any]:
        """The figures a run records about its real homes."""
        return {
            "real_homes": len(self.homes),
            "real_labelled_homes": len(self.labelled),
            "real_unlabelled_homes": len(self.unlabelled),
            "real_events_used": sum(h.events for h in self.homes),
            "real_event_window_days": self.window_days,
            "real_homes_events_only": sum(h.devices_from == "events" for h in self.homes),
            "real_skipped": self.skipped,
        }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def devices_from_events(rows: Sequence[EventRow]) -> list[dict[str, Any]]:
    """Devices of a home known only by its events: one per entity id seen in `state_changed` events."""
    devices: dict[str, dict[str, Any]] = {}
    for event_type, entity_id, _fired, attributes in rows:
        if event_type != "state_changed" or not entity_id or not is_entity_id(entity_id):
            continue
        device = devices.setdefault(entity_id, {"entity_id": entity_id})
        if "device_class" not in device and isinstance(attributes, dict):
            device_class = attributes.get("device_class")
            if isinstance(device_class, str) and device_class:
                device["device_class"] = device_class
    return list(devices.values())


def build_home(
    home_id: str, snapshot: HomeSnapshotRow | None, rows: Sequence[EventRow], default_timezone: str
) -> RealHome | str:
    """The home dict of one real home, or the reason it cannot be used."""
    devices = list(snapshot.devices) if snapshot is not None else []
    devices_from = "snapshot"
    if not devices:
        devices = devices_from_events(rows)
        devices_from = "events"
    if not devices:
        where = "its snapshot lists no devices and " if snapshot is not None else ""
        return f"{where}no state_changed event names an entity, so the home has no devices"
    home: dict[str, Any] = {
        "home_id": home_id,
        "timezone": (snapshot.timezone if snapshot is not None else None) or default_timezone,
        "areas": list(snapshot.areas) if snapshot is not None else [],
        "devices": devices,
        "events": [
            {"event_type": event_type, "entity_id": entity_id, "timestamp": _iso(fired)}
            for event_type, entity_id, fired, _ in rows
        ],
        "metadata": {"source": "home_assistant", "devices_from": devices_from},
    }
    confirmed = snapshot.confirmed_home_type if snapshot is not None else None
    if confirmed:
        home["home_type"] = confirmed
        home["labels"] = {"home_type": confirmed, "source": "confirmed by the user"}
    return RealHome(home_id, home, confirmed, devices_from, len(rows))


async def _home_rows(session: AsyncSession, home_id: str, window_days: int) -> list[EventRow]:
    """The home's events of its last `window_days` days (relative to its newest event), oldest first."""
    columns = (HaEventRow.event_type, HaEventRow.entity_id, HaEventRow.time_fired, HaEventRow.attributes)
    return [(t, e, float(f), a) for t, e, f, a in await home_window(session, home_id, window_days, columns)]


async def load_real_homes(session: AsyncSession, window_days: int, default_timezone: str) -> RealHomes:
    """Every home with a snapshot or stored events; events limited to a window like the synthetic homes'."""
    snapshots = {s.home_id: s for s in await list_snapshots(session)}
    with_events = set((await session.scalars(select(HaEventRow.home_id).distinct())).all())
    found = RealHomes(window_days=window_days)
    for home_id in sorted(set(snapshots) | with_events):
        rows = await _home_rows(session, home_id, window_days) if home_id in with_events else []
        built = build_home(home_id, snapshots.get(home_id), rows, default_timezone)
        if isinstance(built, str):
            logger.info("real home %s skipped: %s", home_id, built)
            found.skipped.append({"home_id": home_id, "reason": built})
        else:
            found.homes.append(built)
    return found


async def load_real_home(
    session: AsyncSession, home_id: str, window_days: int, default_timezone: str
) -> RealHome | str:
    """One home from its snapshot and its last `window_days` days of events, or why it cannot be used."""
    snapshot = await session.get(HomeSnapshotRow, home_id)
    rows = await _home_rows(session, home_id, window_days)
    if snapshot is None and not rows:
        return f"nothing is stored for home {home_id!r}: send its snapshot or events first"
    return build_home(home_id, snapshot, rows, default_timezone)
