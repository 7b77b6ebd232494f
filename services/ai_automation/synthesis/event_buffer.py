"""Columnar buffers for simulated events, with interned state strings and attribute fragments.

The simulator never builds an event dict: a state change is (time in µs, entity, state id,
attribute id); strings and attribute JSON are interned once per home and joined at write time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from ai_automation.synthesis.layout import HomeLayout
from homeiq_shared.event_types import EVENT_TYPES

_STATE_CLASS = {"temperature": "measurement", "humidity": "measurement", "battery": "measurement",
                "illuminance": "measurement", "power": "measurement", "energy": "total_increasing"}  # fmt: skip

EVENT_CODE = {name: i for i, name in enumerate(EVENT_TYPES)}


class StateTable:
    """Interns HA state strings (`on`, `21.5`, `unavailable`...) to small integer ids."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._ids: dict[str, int] = {}

    def id(self, text: str) -> int:
        """The id of one state string, adding it if new."""
        found = self._ids.get(text)
        if found is None:
            found = self._ids[text] = len(self.strings)
            self.strings.append(text)
        return found

    def ids(self, texts: tuple[str, ...]) -> np.ndarray:
        """Ids of several state strings, as an array to index with per-event codes."""
        return np.array([self.id(t) for t in texts], dtype=np.int32)

    def numeric(self, values: np.ndarray, decimals: int) -> np.ndarray:
        """Ids of numeric states rounded to `decimals`, formatting each distinct value once."""
        scaled = np.round(np.asarray(values, dtype=np.float64) * 10**decimals).astype(np.int64)
        uniq, inverse = np.unique(scaled, return_inverse=True)
        if decimals == 0:
            texts = [str(int(v)) for v in uniq.tolist()]
        else:
            texts = [f"{v / 10**decimals:.{decimals}f}" for v in uniq.tolist()]
        return self.ids(tuple(texts))[inverse]


class AttrTable:
    """Interns attribute objects per entity as ready-made JSON fragments (bytes)."""

    def __init__(self, layout: HomeLayout) -> None:
        self.fragments: list[bytes] = []
        self._ids: dict[tuple[int, tuple[tuple[str, Any], ...]], int] = {}
        self._static: list[dict[str, Any]] = []
        for e in layout.entities:
            base: dict[str, Any] = {}
            if e.device_class in _STATE_CLASS and e.domain == "sensor":
                base["state_class"] = _STATE_CLASS[e.device_class]
            if e.unit is not None:
                base["unit_of_measurement"] = e.unit
            if e.device_class is not None:
                base["device_class"] = e.device_class
            base["friendly_name"] = e.friendly_name
            self._static.append(base)

    def id(self, entity: int, extra: tuple[tuple[str, Any], ...] = ()) -> int:
        """The id of the entity's attributes with `extra` keys added in front (HA keeps static keys last)."""
        key = (entity, extra)
        found = self._ids.get(key)
        if found is None:
            attrs = dict(extra)
            attrs.update(self._static[entity])
            found = self._ids[key] = len(self.fragments)
            self.fragments.append(orjson.dumps(attrs))
        return found

    def ids(self, entity: int, variants: tuple[tuple[tuple[str, Any], ...], ...]) -> np.ndarray:
        """Ids of several attribute variants of one entity, to index with per-event codes."""
        return np.array([self.id(entity, v) for v in variants], dtype=np.int32)

    def static(self, entity: int) -> dict[str, Any]:
        """The entity's static attributes (friendly_name, device_class, unit...)."""
        return self._static[entity]


class StateEvents:
    """Growing columns of state changes: time (µs), entity, state id, attribute id."""

    def __init__(self) -> None:
        self._cols: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, entity: int, times: np.ndarray, states: np.ndarray | int, attrs: np.ndarray | int) -> None:
        """Append changes of one entity; `states`/`attrs` are per-event arrays or one id for all."""
        n = int(times.size)
        if n == 0:
            return
        self._cols.append(
            (
                np.asarray(times, dtype=np.int64),
                np.full(n, entity, dtype=np.int32),
                np.broadcast_to(np.asarray(states, dtype=np.int32), (n,)),
                np.broadcast_to(np.asarray(attrs, dtype=np.int32), (n,)),
            )
        )

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All changes as four concatenated arrays (unsorted)."""
        if not self._cols:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.astype(np.int32), empty.astype(np.int32), empty.astype(np.int32)
        return tuple(np.concatenate(c) for c in zip(*self._cols, strict=True))  # type: ignore[return-value]


class OtherEvents:
    """Growing columns of non-state events: time (µs), entity, event type code, attribute fragment id."""

    def __init__(self) -> None:
        self._cols: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.fragments: list[bytes] = []
        self._ids: dict[bytes, int] = {}

    def fragment(self, attributes: dict[str, Any]) -> int:
        """Intern one event-attribute object and return its id."""
        data = orjson.dumps(attributes)
        found = self._ids.get(data)
        if found is None:
            found = self._ids[data] = len(self.fragments)
            self.fragments.append(data)
        return found

    def add(self, event_type: str, entity: int, times: np.ndarray, attrs: np.ndarray | int) -> None:
        """Append events of one type on one entity."""
        n = int(times.size)
        if n == 0:
            return
        self._cols.append(
            (
                np.asarray(times, dtype=np.int64),
                np.full(n, entity, dtype=np.int32),
                np.full(n, EVENT_CODE[event_type], dtype=np.int8),
                np.broadcast_to(np.asarray(attrs, dtype=np.int32), (n,)),
            )
        )

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All events as four concatenated arrays (unsorted)."""
        if not self._cols:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.astype(np.int32), empty.astype(np.int8), empty.astype(np.int32)
        return tuple(np.concatenate(c) for c in zip(*self._cols, strict=True))  # type: ignore[return-value]
