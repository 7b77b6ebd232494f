"""Home Assistant state objects and events, as Pydantic models (for validation at the edges).

Shapes follow HA core: a state object has `entity_id`, `state` (string, at most 255 characters),
`attributes`, `last_changed`, `last_updated` (and, since 2024, `last_reported`) and a `context`;
a `state_changed` event carries the entity's `old_state` (null on first appearance) and
`new_state` (null when the entity is removed). Home files flatten HA's `data` into the event and
keep the original generator's flat fields (`entity_id`, `timestamp`, `state`, `attributes`).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

ENTITY_ID_PATTERN = r"^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$"
"""HA core's `VALID_ENTITY_ID` (homeassistant/core.py); always applied with `fullmatch`, so a trailing
newline fails (a `$` alone would let `"light.kitchen\\n"` through)."""
ENTITY_ID_RE = re.compile(ENTITY_ID_PATTERN)
MAX_ENTITY_ID_LENGTH = 255
FIRST_SECOND, END_SECOND = 0, 4_102_444_800
"""Event times must lie in 1970-01-01 .. 2100-01-01 UTC (the bound the home-type predict applies)."""
MAX_ATTRIBUTES_BYTES = 16_384
"""Most bytes of a state's attributes as compact JSON: HA's recorder does not store larger ones either."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, newline, CR allowed


def is_entity_id(value: object) -> bool:
    """True for a valid HA entity id (`domain.object_id`, HA's own rule, at most 255 characters)."""
    return (
        isinstance(value, str)
        and len(value) <= MAX_ENTITY_ID_LENGTH
        and ENTITY_ID_RE.fullmatch(value) is not None
    )


def has_control(value: str, *, text: bool = False) -> bool:
    """True when `value` holds a control character (`text`: tab, newline and CR are allowed)."""
    return (_CONTROL_IN_TEXT if text else _CONTROL).search(value) is not None


def epoch_problem(seconds: float) -> str | None:
    """Why an event time (UNIX seconds) cannot be stored, or None when it is a finite 1970-2100 time."""
    if not math.isfinite(seconds):
        return f"not a finite time (got {seconds})"
    if not FIRST_SECOND <= seconds < END_SECOND:
        return f"outside 1970-2100 ({seconds:.0f} UNIX seconds)"
    return None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError("timestamps must be timezone-aware UTC (+00:00)")
    problem = epoch_problem(value.timestamp())
    if problem is not None:
        raise ValueError(f"time is {problem}")
    return value


def _entity_id(value: str) -> str:
    if not is_entity_id(value):
        raise ValueError(f"{value!r} is not a valid HA entity id (domain.object_id, lower-case a-z, 0-9, _)")
    return value


def _no_control(value: str) -> str:
    if has_control(value):
        raise ValueError("control characters are not allowed")
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
EntityId = Annotated[str, Field(max_length=MAX_ENTITY_ID_LENGTH), AfterValidator(_entity_id)]
PlainText = Annotated[str, AfterValidator(_no_control)]
"""A one-line string (a state, a name): no control characters."""


class HAContext(BaseModel):
    """Who or what caused a change: a ULID `id`, optional parent context and user."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=36)
    parent_id: str | None = None
    user_id: str | None = None


class HAState(BaseModel):
    """An HA state object; `last_changed` moves only when `state` changes."""

    model_config = ConfigDict(extra="forbid")

    entity_id: EntityId
    state: PlainText = Field(max_length=255)
    attributes: dict[str, Any]
    last_changed: UtcDatetime
    last_updated: UtcDatetime
    last_reported: UtcDatetime | None = None
    context: HAContext

    @model_validator(mode="after")
    def _ordered(self) -> HAState:
        if self.last_changed > self.last_updated:
            raise ValueError("last_changed cannot be after last_updated")
        return self


class HAEvent(BaseModel):
    """An event as HA's event bus and websocket API deliver it (`data` not flattened)."""

    model_config = ConfigDict(extra="forbid")

    event_type: PlainText = Field(min_length=1, max_length=64)
    data: dict[str, Any]
    origin: Literal["LOCAL", "REMOTE"]
    time_fired: UtcDatetime
    context: HAContext


class StateChangedEvent(BaseModel):
    """A `state_changed` event in a home file: HA's old/new state plus the original flat fields."""

    model_config = ConfigDict(extra="forbid")

    event_type: Literal["state_changed"]
    entity_id: EntityId
    timestamp: UtcDatetime
    state: PlainText = Field(max_length=255)
    attributes: dict[str, Any]
    old_state: HAState | None
    new_state: HAState | None
    context: HAContext
    origin: Literal["LOCAL", "REMOTE"]
    time_fired: UtcDatetime

    @model_validator(mode="after")
    def _consistent(self) -> StateChangedEvent:
        new, old = self.new_state, self.old_state
        if new is not None:
            if (
                new.entity_id != self.entity_id
                or new.state != self.state
                or new.attributes != self.attributes
            ):
                raise ValueError("flat entity_id/state/attributes must repeat new_state")
            if new.last_updated != self.time_fired or new.context.id != self.context.id:
                raise ValueError("new_state.last_updated and context must match the event")
        if old is not None:
            if old.entity_id != self.entity_id:
                raise ValueError("old_state belongs to another entity")
            if old.last_updated > self.time_fired:
                raise ValueError("old_state is newer than the event")
            if new is not None and old.state == new.state and old.attributes == new.attributes:
                raise ValueError("a state_changed event must change the state or the attributes")
        if self.timestamp != self.time_fired:
            raise ValueError("timestamp must equal time_fired")
        return self


class OtherEvent(BaseModel):
    """The original's other event types; `entity_id` names an entity of the home, no `state`."""

    model_config = ConfigDict(extra="forbid")

    event_type: Literal[
        "automation_triggered",
        "script_started",
        "scene_activated",
        "voice_command",
        "webhook_triggered",
        "api_call",
    ]
    entity_id: EntityId
    timestamp: UtcDatetime
    attributes: dict[str, Any]
    context: HAContext
    origin: Literal["LOCAL", "REMOTE"]
    time_fired: UtcDatetime


HomeEvent = Annotated[StateChangedEvent | OtherEvent, Field(discriminator="event_type")]
