"""Data in: `state_changed` events forwarded in batches to both services, and the registries as a snapshot.

Each service has its own bounded queue: HA's event loop only appends to it (a callback, no I/O); a
timer sends batches. A batch that fails to reach a service stays at the head of its queue and is retried
with exponential backoff, so batches survive a service restart; when a queue is full the oldest events go
(counted). A refused batch (4xx: malformed) is dropped and counted, never retried forever; a refused key
pauses the queue and asks the user for the new one (reauth).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import floor_registry as fr
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .api import BadRequest, CannotConnect, HomeIQClient, HomeIQError, InvalidAuth
from .const import (
    BACKOFF_FIRST_S,
    BACKOFF_MAX_S,
    BATCH_MAX_EVENTS,
    BUFFER_MAX_EVENTS,
    DOMAIN,
    FLUSH_INTERVAL,
    FORWARDED_ATTRIBUTES,
    SNAPSHOT_DEBOUNCE_S,
)
from .sensor_readings import SensorReadings

_LOGGER = logging.getLogger(__name__)
MAX_SNAPSHOT_ENTITIES = 20_000


def _state(state: State | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "entity_id": state.entity_id,
        "state": state.state,
        "attributes": {k: state.attributes[k] for k in FORWARDED_ATTRIBUTES if k in state.attributes},
        "last_changed": state.last_changed.isoformat(),
        "last_updated": state.last_updated.isoformat(),
    }


def serialize_event(event: Event[EventStateChangedData]) -> dict[str, Any]:
    """A `state_changed` event in HA's event-stream shape, with only the attributes the services read.

    The context says who caused the change (a user, an automation, the device), which the services need
    to tell the owner's habits from what automations already do.
    """
    context = event.context
    return {
        "event_type": EVENT_STATE_CHANGED,
        "time_fired": datetime.fromtimestamp(event.time_fired_timestamp, UTC).isoformat(),
        "context": {"id": context.id, "user_id": context.user_id, "parent_id": context.parent_id},
        "data": {
            "entity_id": event.data["entity_id"],
            "old_state": _state(event.data["old_state"]),
            "new_state": _state(event.data["new_state"]),
        },
    }


def build_snapshot(hass: HomeAssistant) -> dict[str, Any]:
    """The area, device and entity registries as `/api/ha/snapshot` takes them (entity -> HA device id)."""
    areas = ar.async_get(hass)
    devices = dr.async_get(hass)
    floors = fr.async_get(hass)
    area_rows: list[dict[str, Any]] = []
    for area in areas.async_list_areas():
        row: dict[str, Any] = {"name": area.name, "area_id": area.id}
        floor = floors.async_get_floor(area.floor_id) if area.floor_id else None
        if floor is not None:
            row["floor"], row["floor_level"] = floor.name, floor.level
        area_rows.append(row)
    entity_rows: list[dict[str, Any]] = []
    for entry in er.async_get(hass).entities.values():
        if (
            entry.disabled_by is not None
            or entry.platform == DOMAIN
            or len(entity_rows) >= MAX_SNAPSHOT_ENTITIES
        ):
            continue
        device = devices.async_get(entry.device_id) if entry.device_id else None
        area_id = entry.area_id or (device.area_id if device is not None else None)
        entity_area = areas.async_get_area(area_id) if area_id else None
        state = hass.states.get(entry.entity_id)
        row = {"entity_id": entry.entity_id, "device_id": entry.device_id, "area": entity_area.name if entity_area else None,
               "device_class": entry.device_class or entry.original_device_class,
               "entity_category": entry.entity_category.value if entry.entity_category else None,
               "friendly_name": state.name if state is not None else entry.name or entry.original_name}  # fmt: skip
        entity_rows.append({k: v for k, v in row.items() if v is not None})
    return {
        "home_id": "default",
        "areas": area_rows,
        "devices": entity_rows,
        "timezone": hass.config.time_zone,
    }


@dataclass
class ServiceQueue:
    """One service's pending events and how sending them goes."""

    client: HomeIQClient
    pending: deque[dict[str, Any]] = field(default_factory=deque)
    sending: bool = False
    snapshot_due: bool = True
    paused: bool = False
    backoff_s: float = 0.0
    next_attempt: datetime | None = None
    sent_events: int = 0
    sent_batches: int = 0
    dropped_full: int = 0
    dropped_refused: int = 0
    failures: int = 0
    last_error: str | None = None

    def stats(self) -> dict[str, Any]:
        """Figures for diagnostics (no key, no event content)."""
        return {
            "url": self.client.base_url,
            "pending": len(self.pending),
            "sent_events": self.sent_events,
            "sent_batches": self.sent_batches,
            "dropped_buffer_full": self.dropped_full,
            "dropped_refused": self.dropped_refused,
            "failures": self.failures,
            "backoff_s": self.backoff_s,
            "paused_for_reauth": self.paused,
            "snapshot_due": self.snapshot_due,
            "last_error": self.last_error,
        }


class EventForwarder:
    """Listens to HA, queues per service, sends batches on a timer (and when a batch is full)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        clients: dict[str, HomeIQClient],
        readings: SensorReadings,
        on_snapshot: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.queues = {name: ServiceQueue(client) for name, client in clients.items()}
        self.readings = readings
        self._on_snapshot = on_snapshot
        self._unsubs: list[CALLBACK_TYPE] = []
        self._snapshot: dict[str, Any] | None = None
        self._debouncer = Debouncer(
            hass, _LOGGER, cooldown=SNAPSHOT_DEBOUNCE_S, immediate=False, function=self._registries_changed
        )

    @callback
    def async_start(self) -> None:
        """Listen to state changes and registry updates; send the snapshot and batches from a timer."""
        bus = self.hass.bus
        self._unsubs.append(bus.async_listen(EVENT_STATE_CHANGED, self._on_state_changed))
        for event_type in (
            er.EVENT_ENTITY_REGISTRY_UPDATED,
            dr.EVENT_DEVICE_REGISTRY_UPDATED,
            ar.EVENT_AREA_REGISTRY_UPDATED,
        ):
            self._unsubs.append(bus.async_listen(event_type, self._on_registry_updated))
        self._unsubs.append(async_track_time_interval(self.hass, self._tick, FLUSH_INTERVAL))
        self.snapshot()
        self._schedule_flush()

    async def async_stop(self) -> None:
        """Stop listening; try once to send what is queued (a stop must not wait on a dead service)."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        self._debouncer.async_shutdown()
        await self.flush(force=True)

    def snapshot(self) -> dict[str, Any]:
        """Rebuild the registries' snapshot and mark it due for both services."""
        self._snapshot = build_snapshot(self.hass)
        for queue in self.queues.values():
            queue.snapshot_due = True
        if self._on_snapshot is not None:
            self._on_snapshot(self._snapshot)
        return self._snapshot

    @callback
    def _on_registry_updated(self, event: Event[Any]) -> None:
        self.hass.async_create_task(self._debouncer.async_call(), eager_start=True)

    async def _registries_changed(self) -> None:
        self.snapshot()
        await self.flush()

    @callback
    def _on_state_changed(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        entry = er.async_get(self.hass).async_get(entity_id)
        if entry is not None and entry.platform == DOMAIN:
            return  # our own entities: forwarding them would feed the services their own answers
        row = serialize_event(event)
        full = False
        for queue in self.queues.values():
            if len(queue.pending) >= BUFFER_MAX_EVENTS:
                queue.pending.popleft()
                queue.dropped_full += 1
            queue.pending.append(row)
            full = full or len(queue.pending) >= BATCH_MAX_EVENTS
        new = event.data["new_state"]
        if (
            new is not None
            and entity_id.startswith("sensor.")
            and new.attributes.get("state_class") == "measurement"
        ):
            self.readings.add(
                entity_id, new.last_updated, new.state, new.attributes.get("unit_of_measurement")
            )
        if full:
            self._schedule_flush()

    @callback
    def _tick(self, now: datetime) -> None:
        self._schedule_flush(now)

    @callback
    def _schedule_flush(self, now: datetime | None = None) -> None:
        self.entry.async_create_background_task(self.hass, self.flush(now), "homeiq flush", eager_start=True)

    async def flush(self, now: datetime | None = None, *, force: bool = False) -> None:
        """Send each due queue's snapshot and batches (one sender per queue at a time).

        `now` is the timer's time (HA's clock, so tests move it); a queue in backoff waits until then.
        """
        now = now or dt_util.utcnow()
        for name, queue in self.queues.items():
            if queue.sending or queue.paused:
                continue
            if not force and queue.next_attempt is not None and now < queue.next_attempt:
                continue
            queue.sending = True
            try:
                await self._drain(name, queue, now)
            finally:
                queue.sending = False

    async def _drain(self, name: str, queue: ServiceQueue, now: datetime) -> None:
        try:
            if queue.snapshot_due and self._snapshot is not None:
                await queue.client.post("/api/ha/snapshot", self._snapshot)
                queue.snapshot_due = False
            while queue.pending:
                batch = [queue.pending[i] for i in range(min(BATCH_MAX_EVENTS, len(queue.pending)))]
                try:
                    await queue.client.post("/api/ha/events", {"home_id": "default", "events": batch})
                except BadRequest as exc:
                    queue.dropped_refused += len(batch)
                    _LOGGER.warning("%s refused a batch of %s events, dropped: %s", name, len(batch), exc)
                else:
                    queue.sent_events += len(batch)
                    queue.sent_batches += 1
                # The queue may have dropped some of the batch's oldest events while it was in flight.
                for item in batch:
                    if queue.pending and queue.pending[0] is item:
                        queue.pending.popleft()
        except InvalidAuth as exc:
            queue.paused = True
            queue.last_error = str(exc)
            _LOGGER.warning("%s refused the API key: events are kept until it is updated", name)
            self.entry.async_start_reauth(self.hass)
        except (CannotConnect, HomeIQError) as exc:
            queue.failures += 1
            queue.last_error = str(exc)
            queue.backoff_s = min(BACKOFF_MAX_S, max(BACKOFF_FIRST_S, 2 * queue.backoff_s))
            queue.next_attempt = now + timedelta(seconds=queue.backoff_s)
            _LOGGER.debug(
                "%s unreachable (%s pending), next try in %.0f s: %s",
                name,
                len(queue.pending),
                queue.backoff_s,
                exc,
            )
        else:
            queue.backoff_s = 0.0
            queue.next_attempt = None
            queue.last_error = None
