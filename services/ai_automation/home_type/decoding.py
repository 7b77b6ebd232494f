"""Decode home JSON keeping only what the home-type features read (a 30-day home is tens of MB).

A home file's events carry HA's full `old_state`/`new_state` objects, about 1 KB each, but the
features need four fields of an event. msgspec decodes each event into a small struct holding just
those and skips the rest without building it, about ten times faster than a full parse; the events
come out as columns (`{"entity_id": [...], "timestamp": [...], "event_type": [...]}`, the form
`home_view` reads fastest). Areas and devices are kept whole. Malformed JSON, a wrongly shaped
home or nesting too deep for msgspec's decoder (its `RecursionError`) raises `HomeInputError`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, TypedDict

import msgspec

from ai_automation.home_type.home_view import HomeInputError, columns_of


class _Event(msgspec.Struct, gc=False):
    event_type: str = "state_changed"
    entity_id: str | None = None
    timestamp: str | float | None = None  # ISO-8601, or UNIX seconds as HA's websocket history gives them
    time_fired: str | float | None = None


class _EventColumns(TypedDict, total=False):
    entity_id: list[str | None]
    timestamp: list[str | float]
    event_type: list[str]


class _Home(TypedDict, total=False):
    home_id: Any
    home_type: Any
    labels: Any
    metadata: Any
    timezone: Any
    areas: list[Any]
    floors: Any  # HA's floor registry entries; `registry_view.declared_floors` checks their shape
    devices: list[Any]
    entities: list[Any]  # a registry export's entity registry (`registry_view` reads it before `devices`)
    events: list[_Event] | _EventColumns


class _PredictBody(msgspec.Struct, forbid_unknown_fields=True):
    home: _Home | None = None
    homes: list[_Home] | None = None
    task: str = "full"


_TOO_DEEP = "JSON nested too deeply"

_HOME = msgspec.json.Decoder(_Home)
_PREDICT = msgspec.json.Decoder(_PredictBody)


# entity_id, timestamp, time_fired, event_type: the getters `columns_of` reads an event through
_EVENT_FIELDS = tuple(map(attrgetter, ("entity_id", "timestamp", "time_fired", "event_type")))


def _as_columns(home: _Home) -> dict[str, Any]:
    out: dict[str, Any] = dict(home)
    events = out.get("events")
    if isinstance(events, list):
        out["events"] = columns_of(events, *_EVENT_FIELDS).to_json()
    return out


def decode_home(raw: bytes) -> dict[str, Any]:
    """One home (file contents) with its events reduced to columns of type, entity id and time."""
    try:
        home = _HOME.decode(raw)
    except msgspec.DecodeError as exc:
        raise HomeInputError(f"not a home JSON object: {exc}") from exc
    except RecursionError as exc:
        raise HomeInputError(f"not a home JSON object: {_TOO_DEEP}") from exc
    return _as_columns(home)


def decode_predict_body(raw: bytes) -> tuple[list[dict[str, Any]], bool, str]:
    """The homes of a `/predict` body, whether it used the single-`home` form, and the task."""
    try:
        body = _PREDICT.decode(raw)
    except msgspec.DecodeError as exc:
        raise HomeInputError(f"invalid request body: {exc}") from exc
    except RecursionError as exc:  # msgspec's decoder recurses per level of nesting (`metadata`, `areas`)
        raise HomeInputError(f"invalid request body: {_TOO_DEEP}") from exc
    if (body.home is None) == (body.homes is None):
        raise HomeInputError("give exactly one of home or homes")
    if body.homes is not None and not 1 <= len(body.homes) <= 10_000:
        raise HomeInputError("homes must hold 1 to 10,000 homes")
    homes = [_as_columns(body.home)] if body.home is not None else [_as_columns(h) for h in body.homes or []]
    return homes, body.home is not None, body.task
