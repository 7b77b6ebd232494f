"""The event types a home's history holds: HA's `state_changed` and the original generator's others."""

from __future__ import annotations

# Order matters: the generator encodes an event's type as its index here.
EVENT_TYPES: tuple[str, ...] = (
    "state_changed",
    "automation_triggered",
    "script_started",
    "scene_activated",
    "voice_command",
    "webhook_triggered",
    "api_call",
)
OTHER_EVENT_TYPES: tuple[str, ...] = EVENT_TYPES[1:]
