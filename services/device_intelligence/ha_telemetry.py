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
from dataclasses import dataclass, field
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
_SECONDS_PER_DAY = 86_400.0


@dataclass
class _DeviceDay:
    changes: int = 0
    drops: int = 0
    returns: int = 0
    unavailable_seconds: float = 0.0
    battery: float | None = None
    signal: list[float] = field(default_factory=list)
    temperature: list[float] = field(default_factory=list)
    humidity: list[float] = field(default_factory=list)


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


def derive_daily_telemetry(
    rows: Iterable[Mapping[str, Any]], devices: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Turn stored `state_changed` rows (any order) into one metrics row per device and UTC day."""
    known = devices or {}
    ordered = sorted(
        (r for r in rows if r.get("event_type") == "state_changed" and r.get("entity_id")),
        key=lambda r: float(r["time_fired"]),
    )
    days: dict[tuple[str, date], _DeviceDay] = defaultdict(_DeviceDay)
    down_since: dict[str, float] = {}
    for row in ordered:
        entity_id = str(row["entity_id"])
        when = float(row["time_fired"])
        day = datetime.fromtimestamp(when, UTC).date()
        device = device_of(entity_id, known)
        bucket = days[(device, day)]
        bucket.changes += 1
        state = row.get("state")
        if state in UNAVAILABLE and entity_id not in down_since:
            down_since[entity_id] = when
            bucket.drops += 1
        elif state not in UNAVAILABLE and entity_id in down_since:
            _add_downtime(days, device, down_since.pop(entity_id), when)
            bucket.returns += 1
        value = _number(state)
        kind = _measurement(entity_id, row.get("attributes"))
        if value is None or kind is None:
            continue
        if kind == "battery":
            bucket.battery = min(max(value, 0.0), 100.0)
        elif kind == "rssi":
            bucket.signal.append(value)
        elif kind == "linkquality":
            bucket.signal.append(-100.0 + 70.0 * min(max(value, 0.0), 255.0) / 255.0)
        elif kind == "temperature":
            bucket.temperature.append(value)
        else:
            bucket.humidity.append(value)
    if ordered:
        end = float(ordered[-1]["time_fired"])
        for entity_id, since in down_since.items():
            _add_downtime(days, device_of(entity_id, known), since, end)
    return [_metrics(device, day, bucket) for (device, day), bucket in sorted(days.items())]


def _add_downtime(days: dict[tuple[str, date], _DeviceDay], device: str, start: float, end: float) -> None:
    """Spread an unavailable period over the UTC days it covers."""
    while start < end:
        day = datetime.fromtimestamp(start, UTC).date()
        day_end = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + _SECONDS_PER_DAY
        chunk_end = min(end, day_end)
        days[(device, day)].unavailable_seconds += chunk_end - start
        start = chunk_end


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _metrics(device: str, day: date, bucket: _DeviceDay) -> dict[str, Any]:
    down = min(bucket.unavailable_seconds, _SECONDS_PER_DAY)
    return {
        "device_id": device,
        "date": day.isoformat(),
        "metrics": {
            "response_time": math.nan,
            "error_rate": down / _SECONDS_PER_DAY,
            "battery_level": bucket.battery if bucket.battery is not None else math.nan,
            "signal_strength": _mean(bucket.signal),
            "usage_frequency": min(bucket.changes / 24.0, 1.0),
            "temperature": _mean(bucket.temperature),
            "humidity": _mean(bucket.humidity),
            "uptime_hours": (_SECONDS_PER_DAY - down) / 3600.0,
            "restart_count": float(bucket.returns),
            "connection_drops": float(bucket.drops),
            "data_transfer_rate": math.nan,
        },
    }
