"""Daily device-health telemetry derived from a real home's Home Assistant events.

Device intelligence learns from the same home HA runs: each device's day becomes one row of the
original metric names, from what HA records about it:
- `connection_drops`: transitions into `unavailable`; `restart_count`: returns from it;
- `uptime_hours`: hours of the day not spent `unavailable`; `error_rate`: that share of the day;
- `battery_level`: the last reading of the device's battery sensor; `signal_strength`: the mean
  `rssi` sensor reading in dBm (`linkquality` 0-255 is mapped onto -100..-30 dBm);
- `usage_frequency`: state changes per hour of observed time, capped at 1 (a quiet day is 0);
- `temperature` / `humidity`: the mean of the device's own temperature / humidity sensors.
Metrics HA says nothing about (response time, data transfer) stay missing, never zero.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

UNAVAILABLE = {"unavailable", "unknown"}
_SUFFIXES = (
    "_battery",
    "_battery_level",
    "_linkquality",
    "_rssi",
    "_signal_strength",
    "_temperature",
    "_humidity",
)
DAY_SECONDS = 86_400


@dataclass
class Partial:
    """Additive health figures of one device over one time bucket (an hour or a day)."""

    changes: int = 0
    drops: int = 0
    returns: int = 0
    unavailable_seconds: float = 0.0
    battery: float | None = None
    battery_at: float | None = None
    signal_sum: float = 0.0
    signal_n: int = 0
    temperature_sum: float = 0.0
    temperature_n: int = 0
    humidity_sum: float = 0.0
    humidity_n: int = 0

    def merge(self, other: Partial) -> None:
        """Add `other` (a later or earlier bucket of the same device) into this one."""
        self.changes += other.changes
        self.drops += other.drops
        self.returns += other.returns
        self.unavailable_seconds += other.unavailable_seconds
        if other.battery is not None and (
            self.battery_at is None or (other.battery_at or 0.0) >= self.battery_at
        ):
            self.battery, self.battery_at = other.battery, other.battery_at
        self.signal_sum += other.signal_sum
        self.signal_n += other.signal_n
        self.temperature_sum += other.temperature_sum
        self.temperature_n += other.temperature_n
        self.humidity_sum += other.humidity_sum
        self.humidity_n += other.humidity_n


def device_of(entity_id: str, known: Mapping[str, str]) -> str:
    """The device an entity belongs to: from the registry snapshot, else its object id without sensor suffixes."""
    if entity_id in known:
        return known[entity_id]
    object_id = entity_id.partition(".")[2]
    for suffix in _SUFFIXES:
        if object_id.endswith(suffix):
            return object_id[: -len(suffix)]
    return object_id


def _number(value: str | None) -> float | None:
    if value is None or value in UNAVAILABLE:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _measurement(entity_id: str, attributes: Mapping[str, Any] | None) -> str | None:
    attrs = attributes or {}
    device_class = attrs.get("device_class")
    object_id = entity_id.partition(".")[2]
    if device_class == "battery" or object_id.endswith(("_battery", "_battery_level")):
        return "battery"
    if object_id.endswith("_linkquality"):
        return "linkquality"
    if device_class == "signal_strength" or object_id.endswith(("_rssi", "_signal_strength")):
        return "rssi"
    if device_class == "temperature":
        return "temperature"
    if device_class == "humidity":
        return "humidity"
    return None


def accumulate(
    rows: Iterable[Mapping[str, Any]],
    devices: Mapping[str, str] | None = None,
    until: float | None = None,
    bucket_seconds: int = DAY_SECONDS,
) -> dict[tuple[str, int], Partial]:
    """Partials per (device, bucket start in epoch seconds) from `state_changed` rows in any order.

    An entity still unavailable after its last row counts as down until `until` (default: the last row).
    """
    known = devices or {}
    ordered = sorted(
        (r for r in rows if r.get("event_type") == "state_changed" and r.get("entity_id")),
        key=lambda r: float(r["time_fired"]),
    )
    buckets: dict[tuple[str, int], Partial] = defaultdict(Partial)
    down_since: dict[str, float] = {}
    for row in ordered:
        entity_id = str(row["entity_id"])
        when = float(row["time_fired"])
        device = device_of(entity_id, known)
        bucket = buckets[(device, int(when // bucket_seconds) * bucket_seconds)]
        bucket.changes += 1
        state = row.get("state")
        if state in UNAVAILABLE and entity_id not in down_since:
            down_since[entity_id] = when
            bucket.drops += 1
        elif state not in UNAVAILABLE and entity_id in down_since:
            _add_downtime(buckets, device, down_since.pop(entity_id), when, bucket_seconds)
            bucket.returns += 1
        value = _number(state)
        kind = _measurement(entity_id, row.get("attributes"))
        if value is None or kind is None:
            continue
        if kind == "battery":
            bucket.battery, bucket.battery_at = min(max(value, 0.0), 100.0), when
        elif kind in ("rssi", "linkquality"):
            bucket.signal_sum += (
                value if kind == "rssi" else -100.0 + 70.0 * min(max(value, 0.0), 255.0) / 255.0
            )
            bucket.signal_n += 1
        elif kind == "temperature":
            bucket.temperature_sum += value
            bucket.temperature_n += 1
        else:
            bucket.humidity_sum += value
            bucket.humidity_n += 1
    if ordered:
        end = float(ordered[-1]["time_fired"]) if until is None else until
        for entity_id, since in down_since.items():
            _add_downtime(buckets, device_of(entity_id, known), since, end, bucket_seconds)
    return buckets


def derive_daily_telemetry(
    rows: Iterable[Mapping[str, Any]], devices: Mapping[str, str] | None = None, until: float | None = None
) -> list[dict[str, Any]]:
    """Turn stored `state_changed` rows (any order) into one metrics row per device and UTC day."""
    return daily_rows(accumulate(rows, devices, until).items())


def daily_rows(partials: Iterable[tuple[tuple[str, int], Partial]]) -> list[dict[str, Any]]:
    """Merge partials of any bucket size into one metrics row per device and UTC day."""
    days: dict[tuple[str, int], Partial] = defaultdict(Partial)
    for (device, start), part in partials:
        days[(device, int(start // DAY_SECONDS))].merge(part)
    return [
        _metrics(device, datetime.fromtimestamp(day * DAY_SECONDS, UTC).date(), part)
        for (device, day), part in sorted(days.items())
    ]


def _add_downtime(
    buckets: dict[tuple[str, int], Partial], device: str, start: float, end: float, bucket_seconds: int
) -> None:
    """Spread an unavailable period over the buckets it covers."""
    while start < end:
        bucket_start = int(start // bucket_seconds) * bucket_seconds
        chunk_end = min(end, float(bucket_start + bucket_seconds))
        buckets[(device, bucket_start)].unavailable_seconds += chunk_end - start
        start = chunk_end


def _mean(total: float, n: int) -> float:
    return total / n if n else math.nan


def _metrics(device: str, day: date, bucket: Partial) -> dict[str, Any]:
    down = min(bucket.unavailable_seconds, float(DAY_SECONDS))
    return {
        "device_id": device,
        "date": day.isoformat(),
        "metrics": {
            "response_time": math.nan,
            "error_rate": down / DAY_SECONDS,
            "battery_level": bucket.battery if bucket.battery is not None else math.nan,
            "signal_strength": _mean(bucket.signal_sum, bucket.signal_n),
            "usage_frequency": min(bucket.changes / 24.0, 1.0),
            "temperature": _mean(bucket.temperature_sum, bucket.temperature_n),
            "humidity": _mean(bucket.humidity_sum, bucket.humidity_n),
            "uptime_hours": (DAY_SECONDS - down) / 3600.0,
            "restart_count": float(bucket.returns),
            "connection_drops": float(bucket.drops),
            "data_transfer_rate": math.nan,
        },
    }
