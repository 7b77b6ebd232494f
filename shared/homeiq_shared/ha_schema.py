"""Home Assistant state objects and events, as Pydantic models (for validation at the edges).

Shapes follow HA core: a state object has `entity_id`, `state` (string, at most 255 characters),
`attributes`, `last_changed`, `last_updated` (and, since 2024, `last_reported`) and a `context`;
a `state_changed` event carries the entity's `old_state` (null on first appearance) and
`new_state` (null when the entity is removed). Home files flatten HA's `data` into the event and
keep the original generator's flat fields (`entity_id`, `timestamp`, `state`, `attributes`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

ENTITY_ID_PATTERN = r"^[a-z0-9_]+\.[a-z0-9_]+$"


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError("timestamps must be timezone-aware UTC (+00:00)")
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
EntityId = Annotated[str, Field(pattern=ENTITY_ID_PATTERN, max_length=255)]


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
    state: str = Field(max_length=255)
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

    event_type: str
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
    state: str = Field(max_length=255)
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
