"""One lock per model so `/train` and the nightly job never overlap (a second caller gets 409)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from homeiq_shared.errors import ConflictError


class ModelLocks:
    """Non-blocking named locks; `hold(name)` raises `ConflictError` while another run holds `name`."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    def is_held(self, name: str) -> bool:
        """True while a run holds the lock of `name`."""
        return self._lock(name).locked()

    @contextmanager
    def hold(self, name: str) -> Iterator[None]:
        """Hold the lock of `name` for the duration of the block, or raise `ConflictError` at once."""
        lock = self._lock(name)
        if not lock.acquire(blocking=False):
            raise ConflictError(f"a training run for {name!r} is already in progress")
        try:
            yield
        finally:
            lock.release()
