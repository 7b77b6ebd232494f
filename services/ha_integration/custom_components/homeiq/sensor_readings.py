"""The latest readings of the numeric measurement sensors the integration watches for anomalies (bounded)."""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime

from .const import ANOMALY_MAX_READINGS, ANOMALY_MAX_SENSORS, ANOMALY_MIN_READINGS


class SensorReadings:
    """Per sensor, its last `ANOMALY_MAX_READINGS` values; at most `ANOMALY_MAX_SENSORS` sensors."""

    def __init__(self) -> None:
        self._readings: dict[str, deque[tuple[datetime, float]]] = {}
        self.units: dict[str, str | None] = {}
        self.refused = 0

    def add(self, entity_id: str, when: datetime, state: str, unit: str | None) -> None:
        """Remember one state if it is a finite number (a new sensor only while there is room)."""
        try:
            value = float(state)
        except ValueError:
            return
        if not math.isfinite(value):
            return
        series = self._readings.get(entity_id)
        if series is None:
            if len(self._readings) >= ANOMALY_MAX_SENSORS:
                self.refused += 1
                return
            series = self._readings[entity_id] = deque(maxlen=ANOMALY_MAX_READINGS)
        series.append((when, value))
        self.units[entity_id] = unit

    def ready(self) -> dict[str, list[tuple[datetime, float]]]:
        """The sensors with enough readings to be scored, each with a copy of its readings."""
        return {e: list(s) for e, s in self._readings.items() if len(s) >= ANOMALY_MIN_READINGS}

    def __len__(self) -> int:
        return len(self._readings)
