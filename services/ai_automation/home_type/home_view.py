"""Parse one home (home-file or minimal shape) into the arrays and counts the home-type features read."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import methodcaller
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from ai_automation.home_type.registry_view import HomeInputError as HomeInputError
from ai_automation.home_type.registry_view import RegistryView, registry_view
from ai_automation.home_type.semantics import OUTDOOR_KINDS, area_kind, infer_category, is_human_driven

_UTC_SUFFIXES = ("+00:00", "Z")
_EPOCH = np.datetime64("1970-01-01T00:00:00", "s")


@dataclass(frozen=True, slots=True)
class HomeView:
    """One home reduced to what the features need; events are device events only, in local time."""

    home_id: str
    timezone: str
    area_device_counts: NDArray[np.int64]
    """Counted entities per declared area (0 for a declared empty area)."""
    placed_area_kinds: Counter[str]
    """Kinds of the areas holding at least one counted entity (the declared empty ones left out)."""
    placed_area_outdoor: int
    area_kinds: Counter[str]
    """Kinds of every declared area, empty or not."""
    area_outdoor: int
    """How many declared areas are outdoor ones."""
    floors: int
    """Floors the registry declares (HA's floor registry; 0 when it declares none)."""
    total_devices: int
    domain_counts: Counter[str]
    class_counts: Counter[str]
    category_counts: Counter[str]
    indoor_devices: int
    outdoor_devices: int
    has_events: bool
    all_event_count: int
    event_type_counts: Counter[str]
    ev_entity: NDArray[np.int64]
    ev_seconds: NDArray[np.int64]
    ev_hour: NDArray[np.int64]
    ev_day: NDArray[np.int64]
    ev_weekday: NDArray[np.int64]
    ev_human: NDArray[np.bool_]
    ev_motion: NDArray[np.bool_]
    span_days: int
    hour_hist: NDArray[np.float64]
    occupancy: NDArray[np.bool_]
    habit_recurrence: NDArray[np.float64]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise HomeInputError(f"unknown timezone {name!r}") from exc


def _timezone_name(home: Mapping[str, Any]) -> str:
    name = _text(home.get("timezone"))
    meta = home.get("metadata")
    if name is None and isinstance(meta, Mapping) and isinstance(meta.get("home"), Mapping):
        name = _text(meta["home"].get("timezone"))
    return name or "UTC"


_DIGIT_COLUMNS = [c for c in range(19) if c not in (4, 7, 10, 13, 16)]
_ISO_SEPARATORS = ((4, ord("-")), (7, ord("-")), (10, ord("T")), (13, ord(":")), (16, ord(":")))


def _fixed_width_utc_seconds(stamps: Sequence[str]) -> NDArray[np.int64] | None:
    """Seconds of same-width UTC stamps (`YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`) from their digits, or None.

    Generated homes and HA write every stamp in one format; reading the digits as a byte matrix is
    about ten times faster than numpy's string-to-datetime parse. Anything else takes the general path.
    """
    width = len(stamps[0])
    joined = "".join(stamps)
    if width < 20 or len(joined) != width * len(stamps) or not joined.isascii():
        return None
    chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(len(stamps), width)
    tail = chars[:, -6:]
    if not (tail == np.frombuffer(b"+00:00", dtype=np.uint8)).all():
        return None
    if any((chars[:, col] != sep).any() for col, sep in _ISO_SEPARATORS):
        return None
    # uint8 arithmetic wraps anything below '0' to a large value, so one comparison checks every digit
    if ((chars[:, _DIGIT_COLUMNS] - ord("0")) > 9).any():
        return None
    digits = chars[:, :19].astype(np.int64) - ord("0")
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month = digits[:, 5] * 10 + digits[:, 6]
    day = digits[:, 8] * 10 + digits[:, 9]
    # days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil)
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146_097 + doe - 719_468
    clock = (digits[:, 11] * 10 + digits[:, 12]) * 3600 + (digits[:, 14] * 10 + digits[:, 15]) * 60
    result: NDArray[np.int64] = days * 86_400 + clock + digits[:, 17] * 10 + digits[:, 18]
    return result


_FIRST_SECOND, _END_SECOND = 0, 4_102_444_800  # event times must lie in 1970-01-01 .. 2100-01-01 UTC
MAX_SPAN_DAYS = 1096
"""The event features read a home's latest three years of device events (older ones are left out)."""


def _check_range(seconds: NDArray[np.float64] | NDArray[np.int64]) -> None:
    """Refuse event times outside 1970-2100 (milliseconds sent as seconds are named as such)."""
    for extreme in (float(seconds.min()), float(seconds.max())):
        if not _FIRST_SECOND <= extreme < _END_SECOND:
            hint = "; milliseconds? send seconds" if extreme >= _END_SECOND * 100 else ""
            raise HomeInputError(f"event time {extreme:.0f} (UNIX seconds) is outside 1970-2100{hint}")


def _numeric_seconds(stamps: Sequence[Any]) -> NDArray[np.int64]:
    """UNIX seconds given as numbers (HA's websocket history and logbook send epoch floats)."""
    try:
        values = np.asarray(stamps, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise HomeInputError("event timestamps mix UNIX seconds with other values") from exc
    if values.ndim != 1 or not np.isfinite(values).all():
        raise HomeInputError("an event timestamp in UNIX seconds is not a finite number")
    _check_range(values)  # before the cast, which would wrap huge values
    return np.floor(values).astype(np.int64)


def parse_seconds(stamps: Sequence[Any]) -> NDArray[np.int64]:
    """UNIX seconds of event times: ISO-8601 strings (UTC ones take a vectorised path, others go
    through datetime) or numbers of UNIX seconds, as HA's websocket history gives them. Times
    outside 1970-2100 are refused."""
    if stamps and isinstance(stamps[0], int | float) and not isinstance(stamps[0], bool):
        return _numeric_seconds(stamps)
    seconds = _iso_seconds(stamps)
    if seconds.size:
        _check_range(seconds)
    return seconds


def _iso_seconds(stamps: Sequence[Any]) -> NDArray[np.int64]:
    try:
        fast = _fixed_width_utc_seconds(stamps) if stamps and isinstance(stamps[0], str) else None
    except TypeError:
        fast = None
    if fast is not None:
        return fast
    try:
        seconds = (np.array([s[:19] for s in stamps], dtype="datetime64[s]") - _EPOCH).astype(np.int64)
        joined = "\n".join(stamps) + "\n"
    except (ValueError, TypeError) as exc:
        raise HomeInputError(f"an event timestamp is not an ISO-8601 string: {exc}") from exc
    # Counting UTC suffixes in one joined string is far cheaper than testing each stamp in Python.
    if joined.count("+00:00\n") + joined.count("Z\n") == len(stamps):
        return seconds
    for i, stamp in enumerate(stamps):
        if stamp.endswith(_UTC_SUFFIXES):
            continue
        try:
            parsed = dt.datetime.fromisoformat(stamp)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            seconds[i] = math.floor(parsed.timestamp())
        except (ValueError, OverflowError) as exc:
            raise HomeInputError(f"event timestamp {stamp!r} is not a usable ISO-8601 time") from exc
    return seconds


def _utc_offset(zone: dt.tzinfo, second: int) -> int:
    """Seconds `zone` is ahead of UTC at UNIX time `second`."""
    offset = dt.datetime.fromtimestamp(second, dt.UTC).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _offset_changes(zone: dt.tzinfo, first: int, last: int) -> tuple[list[int], list[int]]:
    """UNIX times from which `zone`'s UTC offset holds, and the offsets, over `first..last`.

    Samples a day apart (no zone changes its offset twice in a day) and bisects to the second each
    day whose two ends differ: a 30-day window costs ~35 look-ups where one per event or per hour
    would cost thousands, and half-hour transitions (Lord Howe) come out exact.
    """
    samples = [*range(first, last, 86_400), last]
    offsets = [_utc_offset(zone, t) for t in samples]
    starts, values = [first], [offsets[0]]
    for i in range(1, len(samples)):
        if offsets[i] == offsets[i - 1]:
            continue
        lo, hi = samples[i - 1], samples[i]  # offset(lo) is the old one, offset(hi) the new one
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if _utc_offset(zone, mid) == offsets[i - 1] else (lo, mid)
        starts.append(hi)
        values.append(offsets[i])
    return starts, values


def local_seconds(seconds: NDArray[np.int64], zone_name: str) -> NDArray[np.int64]:
    """Shift UTC seconds to local wall-clock seconds of `zone_name` (DST-aware)."""
    if seconds.size == 0 or zone_name == "UTC":
        return seconds
    starts, offsets = _offset_changes(_zone(zone_name), int(seconds.min()), int(seconds.max()))
    if len(starts) == 1:
        return seconds + offsets[0]
    segment = np.searchsorted(np.asarray(starts), seconds, side="right") - 1
    result: NDArray[np.int64] = seconds + np.asarray(offsets, dtype=np.int64)[segment]
    return result


def _summaries(
    entity: NDArray[np.int64], hour: NDArray[np.int64], day: NDArray[np.int64], human: NDArray[np.bool_]
) -> tuple[int, NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """Span in local days, hour histogram, day x hour human-activity grid, recurrence of human habits."""
    if entity.size == 0:
        return 0, np.zeros(24), np.zeros((0, 24), dtype=bool), np.zeros(0)
    first = int(day.min())
    span = int(day.max()) - first + 1
    rel_day = day - first
    hist = np.bincount(hour, minlength=24).astype(np.float64)
    grid = np.zeros((span, 24), dtype=bool)
    grid[rel_day[human], hour[human]] = True
    recurrence = np.zeros(0)
    if human.any():
        # Dense entity x hour x day grid: which (entity, hour) pairs recur on many days. Entity
        # indices are 0..n-1, so a bincount finds the entities present without sorting.
        ents = entity[human]
        seen = np.zeros((int(ents.max()) + 1, 24, span), dtype=bool)
        seen[ents, hour[human], rel_day[human]] = True
        present = np.bincount(ents) > 0
        recurrence = (seen[present].sum(axis=2) / span).ravel()
    return span, hist, grid, recurrence


def is_missing(stamp: Any) -> bool:
    """An event time that is absent (None or ""); UNIX second 0 is a time."""
    return stamp is None or (isinstance(stamp, str) and not stamp)


FieldOf = Callable[[Any], Any]


def columns_of(
    events: Sequence[Any], entity_id: FieldOf, timestamp: FieldOf, time_fired: FieldOf, event_type: FieldOf
) -> EventColumns:
    """Columns of event objects read through the given field getters (dict keys or struct attributes);
    `time_fired` stands in for a missing `timestamp`. map() keeps the per-event work in C."""
    stamps = list(map(timestamp, events))
    if not all(stamps):  # a missing or empty timestamp (not a UNIX 0): fall back to time_fired
        stamps = [time_fired(e) if is_missing(s) else s for s, e in zip(stamps, events, strict=True)]
    return EventColumns(list(map(entity_id, events)), stamps, list(map(event_type, events)))


@dataclass(frozen=True, slots=True)
class EventColumns:
    """A home's events as three parallel lists; `event_type` is None when every event is a state change."""

    entity_id: list[Any]
    timestamp: list[Any]
    event_type: list[Any] | None

    def __len__(self) -> int:
        return len(self.entity_id)

    def to_json(self) -> dict[str, list[Any]]:
        """The columnar minimal form `{"entity_id": [...], "timestamp": [...], "event_type": [...]}`."""
        out = {"entity_id": self.entity_id, "timestamp": self.timestamp}
        return out if self.event_type is None else {**out, "event_type": self.event_type}


def event_columns(events: Any) -> EventColumns:
    """Columns of a list of event objects (home-file or HA shape; `time_fired` stands in for a missing
    `timestamp`) or of the columnar minimal form `{"entity_id": [...], "timestamp": [...], "event_type": [...]}`.
    """
    if isinstance(events, EventColumns):
        return events
    if isinstance(events, Mapping):
        ids, stamps, types = events.get("entity_id"), events.get("timestamp"), events.get("event_type")
        if not isinstance(ids, list) or not isinstance(stamps, list) or len(ids) != len(stamps):
            raise HomeInputError("columnar events need entity_id and timestamp lists of the same length")
        if types is not None and (not isinstance(types, list) or len(types) != len(ids)):
            raise HomeInputError("columnar events: event_type must be a list as long as entity_id")
        return EventColumns(ids, stamps, types)
    if not isinstance(events, list):
        raise HomeInputError("events must be a list of events or the columnar form")
    # JSON gives dicts; the Mapping ABC check costs ms per 20k events, the dict check microseconds
    if not all(map(isinstance, events, repeat(dict))):
        if not all(isinstance(e, Mapping) for e in events):
            raise HomeInputError("each event must be an object")
        events = [dict(e) for e in events]
    return columns_of(
        events,
        methodcaller("get", "entity_id"),
        methodcaller("get", "timestamp"),
        methodcaller("get", "time_fired"),
        methodcaller("get", "event_type", "state_changed"),
    )


def parse_home(home: Mapping[str, Any]) -> HomeView:
    """Validate and reduce one home; raises `HomeInputError` for no devices or a malformed entity_id.

    Composition is read only from the home's registry view (`registry_view`): the same for a
    generated home, a predict request and a real registry.
    """
    view = registry_view(home)
    return _reduce(home, view)


def _reduce(home: Mapping[str, Any], view: RegistryView) -> HomeView:
    kinds = [area_kind(name) for name in view.areas]
    outdoor = [kind in OUTDOOR_KINDS for kind in kinds]
    domain_counts: Counter[str] = Counter()
    class_counts: Counter[str] = Counter()
    category_counts: Counter[str] = Counter()
    area_devices = np.zeros(len(view.areas), dtype=np.int64)
    indoor = outdoor_devices = 0
    entity_index: dict[str, int] = {}
    human: list[bool] = []
    motion: list[bool] = []
    for entity, counted in zip(view.entities, view.counted(), strict=True):
        domain, device_class = entity.domain, entity.device_class
        if counted:
            domain_counts[domain] += 1
            class_counts[device_class or "none"] += 1
            category_counts[infer_category(domain, device_class)] += 1
            if entity.area >= 0:
                area_devices[entity.area] += 1
                if outdoor[entity.area]:
                    outdoor_devices += 1
                else:
                    indoor += 1
        if not entity.physical and domain != "person":
            continue
        # events of hardware and of people (presence) feed the event features
        if entity.entity_id not in entity_index:
            entity_index[entity.entity_id] = len(entity_index)
            human.append(is_human_driven(domain, device_class))
            motion.append(domain == "binary_sensor" and device_class in ("motion", "occupancy", "presence"))

    zone_name = _timezone_name(home)
    events = event_columns(home.get("events") or [])
    if events.event_type is None:
        type_counts: Counter[str] = Counter({"state_changed": len(events)} if len(events) else {})
    else:
        type_counts = Counter(events.event_type)
    try:
        indices = np.fromiter(
            map(entity_index.get, events.entity_id, repeat(-1)), dtype=np.int64, count=len(events)
        )
    except TypeError as exc:
        raise HomeInputError("an event's entity_id is not a string") from exc
    device_event = indices >= 0
    entity_arr = indices[device_event]
    if not all(events.timestamp) and any(map(is_missing, events.timestamp)):
        raise HomeInputError("an event has neither timestamp nor time_fired")
    # every stamp is validated; the features read those of device events
    seconds = parse_seconds(events.timestamp)[device_event] if len(events) else np.zeros(0, dtype=np.int64)
    if seconds.size and int(seconds.max()) - int(seconds.min()) >= MAX_SPAN_DAYS * 86_400:
        recent = seconds > int(seconds.max()) - MAX_SPAN_DAYS * 86_400
        seconds, entity_arr = seconds[recent], entity_arr[recent]
    local = local_seconds(seconds, zone_name)
    day = local // 86_400
    human_arr = np.asarray(human, dtype=bool)
    motion_arr = np.asarray(motion, dtype=bool)
    ev_human = human_arr[entity_arr] if entity_arr.size else np.zeros(0, dtype=bool)
    hour = (local % 86_400) // 3600
    span, hist, grid, recurrence = _summaries(entity_arr, hour, day, ev_human)
    placed = (area_devices > 0).tolist()
    return HomeView(
        home_id=str(home.get("home_id") or ""),
        timezone=zone_name,
        area_device_counts=area_devices,
        placed_area_kinds=Counter(kind for kind, n in zip(kinds, placed, strict=True) if n),
        placed_area_outdoor=sum(out for out, n in zip(outdoor, placed, strict=True) if n),
        area_kinds=Counter(kinds),
        area_outdoor=sum(outdoor),
        floors=view.floors,
        total_devices=sum(domain_counts.values()),
        domain_counts=domain_counts,
        class_counts=class_counts,
        category_counts=category_counts,
        indoor_devices=indoor,
        outdoor_devices=outdoor_devices,
        has_events=bool(entity_arr.size),
        all_event_count=sum(type_counts.values()),
        event_type_counts=type_counts,
        ev_entity=entity_arr,
        ev_seconds=local,
        ev_hour=hour,
        ev_day=day,
        # 1970-01-01 was a Thursday: weekday 0 = Monday as in datetime.
        ev_weekday=(day + 3) % 7,
        ev_human=ev_human,
        ev_motion=motion_arr[entity_arr] if entity_arr.size else np.zeros(0, dtype=bool),
        span_days=span,
        hour_hist=hist,
        occupancy=grid,
        habit_recurrence=recurrence,
    )
