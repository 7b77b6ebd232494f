"""What `POST /api/synergies/detect` reuses between requests of one process (bounded, least recently used
first out). Nothing here changes an answer: a miss recomputes, and every entry is checked against what
it was computed from before it is used (the home's stored events; the snapshot and the model)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # numpy is imported on first use: the app starts without ML libraries
    from ai_automation.synergies.detect import ColdStart
    from ai_automation.synergies.stored_history import StoredWindow

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A dict that keeps its `size` most recently used entries (safe to share between threads)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def drop(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


HOMES = 4  # a 200-device home: ~14 MB of candidate features, ~3 MB of history columns


@dataclass
class SynergyCache:
    """Per stored home: its mined history columns, read incrementally (`stored_history.py`); per snapshot
    and model: the cold-start candidates and their scores (`detect.cold_start`)."""

    histories: Lru[str, StoredWindow] = field(default_factory=lambda: Lru(HOMES))
    cold_starts: Lru[str, ColdStart] = field(default_factory=lambda: Lru(HOMES))
