"""Device health derived from HA events: drops, downtime, battery, signal; missing stays missing."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from device_intelligence.ingest.ha_telemetry import derive_daily_telemetry, device_of

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def row(entity_id: str, state: str, at: datetime, **attributes: Any) -> dict[str, Any]:
    return {
        "event_type": "state_changed",
        "entity_id": entity_id,
        "state": state,
        "time_fired": at.timestamp(),
        "attributes": attributes,
    }


def test_unavailable_periods_become_drops_downtime_and_restarts() -> None:
    rows = [
        row("binary_sensor.hall_motion", "off", T0 + timedelta(hours=1)),
        row("binary_sensor.hall_motion", "unavailable", T0 + timedelta(hours=6)),
        row("binary_sensor.hall_motion", "off", T0 + timedelta(hours=12)),
        # goes down late on day 1 and comes back on day 2: downtime is split across the days
        row("binary_sensor.hall_motion", "unavailable", T0 + timedelta(hours=22)),
        row("binary_sensor.hall_motion", "on", T0 + timedelta(hours=28)),
    ]
    day1, day2 = derive_daily_telemetry(list(reversed(rows)))
    assert day1["device_id"] == "hall_motion"
    assert day1["metrics"]["connection_drops"] == 2
    assert day1["metrics"]["restart_count"] == 1
    assert math.isclose(day1["metrics"]["uptime_hours"], 24 - 6 - 2)
    assert math.isclose(day1["metrics"]["error_rate"], 8 / 24)
    assert day2["metrics"]["restart_count"] == 1
    assert math.isclose(day2["metrics"]["uptime_hours"], 20)


def test_battery_and_signal_sensors_join_their_device() -> None:
    rows = [
        row("sensor.hall_motion_battery", "81", T0 + timedelta(hours=1), device_class="battery"),
        row("sensor.hall_motion_battery", "79", T0 + timedelta(hours=20), device_class="battery"),
        row("sensor.hall_motion_linkquality", "255", T0 + timedelta(hours=2)),
        row("sensor.hall_motion_linkquality", "0", T0 + timedelta(hours=3)),
        row("binary_sensor.hall_motion", "on", T0 + timedelta(hours=4)),
    ]
    (day,) = derive_daily_telemetry(rows)
    assert day["device_id"] == "hall_motion"
    assert day["metrics"]["battery_level"] == 79
    assert math.isclose(day["metrics"]["signal_strength"], -65.0)
    assert math.isnan(day["metrics"]["response_time"])
    assert math.isnan(day["metrics"]["temperature"])


def test_registry_mapping_wins_and_mains_devices_have_no_battery() -> None:
    rows = [
        row("light.kitchen_ceiling", "on", T0),
        row("light.kitchen_ceiling", "off", T0 + timedelta(hours=1)),
    ]
    (day,) = derive_daily_telemetry(rows, {"light.kitchen_ceiling": "dev-42"})
    assert day["device_id"] == "dev-42"
    assert math.isnan(day["metrics"]["battery_level"])
    assert day["metrics"]["connection_drops"] == 0
    assert device_of("sensor.porch_temperature", {}) == "porch"
