"""Decode home JSON keeping only what the home-type features read (a 30-day home is tens of MB).

A home file's events carry HA's full `old_state`/`new_state` objects, about 1 KB each, but the
features need four fields of an event. msgspec decodes straight into dicts holding just the
declared keys and skips the rest without building it, about ten times faster than a full parse;
areas and devices are kept whole. Malformed JSON or a wrongly shaped home raises `HomeInputError`.
"""

from __future__ import annotations

from typing import Any, TypedDict

import msgspec

from ai_automation.home_view import HomeInputError


class _Event(TypedDict, total=False):
    event_type: Any
    entity_id: Any
    timestamp: Any
    time_fired: Any


class _EventColumns(TypedDict, total=False):
    entity_id: list[Any]
    timestamp: list[Any]
    event_type: list[Any]


class _Home(TypedDict, total=False):
    home_id: Any
    home_type: Any
    labels: Any
    metadata: Any
    timezone: Any
    areas: list[Any]
    devices: list[Any]
    events: list[_Event] | _EventColumns


class _PredictBody(msgspec.Struct, forbid_unknown_fields=True):
    home: _Home | None = None
    homes: list[_Home] | None = None
    task: str = "full"


_HOME = msgspec.json.Decoder(_Home)
_PREDICT = msgspec.json.Decoder(_PredictBody)


def decode_home(raw: bytes) -> dict[str, Any]:
    """One home (file contents) with its events reduced to type, entity id and time."""
    try:
        home: dict[str, Any] = dict(_HOME.decode(raw))
    except msgspec.DecodeError as exc:
        raise HomeInputError(f"not a home JSON object: {exc}") from exc
    return home


def decode_predict_body(raw: bytes) -> tuple[list[dict[str, Any]], bool, str]:
    """The homes of a `/predict` body, whether it used the single-`home` form, and the task."""
    try:
        body = _PREDICT.decode(raw)
    except msgspec.DecodeError as exc:
        raise HomeInputError(f"invalid request body: {exc}") from exc
    if (body.home is None) == (body.homes is None):
        raise HomeInputError("give exactly one of home or homes")
    if body.homes is not None and not 1 <= len(body.homes) <= 10_000:
        raise HomeInputError("homes must hold 1 to 10,000 homes")
    homes = [dict(body.home)] if body.home is not None else [dict(h) for h in body.homes or []]
    return homes, body.home is not None, body.task
