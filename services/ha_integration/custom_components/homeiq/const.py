"""Constants of the HomeIQ integration: names, limits and timings (one place to read them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

DOMAIN: Final = "homeiq"
CONF_AI_URL: Final = "ai_url"
CONF_DEVICE_URL: Final = "device_url"
API_KEY_HEADER: Final = "X-HomeIQ-API-Key"

AI_SERVICE: Final = "ai_automation"
DEVICE_SERVICE: Final = "device_intelligence"
SERVICE_NAMES: Final = {AI_SERVICE: "HomeIQ ai-automation", DEVICE_SERVICE: "HomeIQ device-intelligence"}

DEVICE_POLL: Final = timedelta(minutes=5)
AI_POLL: Final = timedelta(minutes=30)
REQUEST_TIMEOUT_S: Final = 30.0

# Event forwarding: batched, bounded, retried with backoff (never blocks HA's loop).
FLUSH_INTERVAL: Final = timedelta(seconds=10)
BATCH_MAX_EVENTS: Final = 500
BUFFER_MAX_EVENTS: Final = 20_000
BACKOFF_FIRST_S: Final = 5.0
BACKOFF_MAX_S: Final = 300.0
SNAPSHOT_DEBOUNCE_S: Final = 5.0
# The attributes the services read; the rest stays in HA (the services refuse attributes over 16 KiB).
FORWARDED_ATTRIBUTES: Final = (
    "device_class",
    "unit_of_measurement",
    "state_class",
    "friendly_name",
)

# Sensor anomaly monitoring: numeric measurement sensors of HA devices, their latest readings in memory.
ANOMALY_MAX_SENSORS: Final = 50
ANOMALY_MAX_READINGS: Final = 288
ANOMALY_MIN_READINGS: Final = 12

# Synergy suggestions: HA's own automations are sent so their pairs are not suggested again.
MAX_EXISTING_AUTOMATIONS: Final = 5_000
SUGGESTIONS_NOTIFIED: Final = 5

STALE_MODEL_DAYS: Final = 14
MAX_DRIVERS_SHOWN: Final = 3
