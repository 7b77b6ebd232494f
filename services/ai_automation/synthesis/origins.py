"""Who causes each change (HA's context), and habits planted so the history path has a known answer.

HA records in every state change's context who caused it: a user id when a person acted through HA
(the app, the UI, a voice assistant), a parent context when an automation or script reacted to another
event, neither when the device changed by itself or was switched at the wall. Generated homes say so too:

- the lights a motion automation drives change with a parent context (automation);
- a habit is planted in up to `MAX_HABIT_AREAS` areas that have a motion sensor and lights but no motion
  automation: on most dark evenings the owner turns the area's first light on through the app (user)
  within a minute after the motion sensor turns on; each habit is written into the home's labels
  (`labels.routines`, `by: "user"`), beside the automation-run ones (`by: "automation"`);
- other manual light and switch changes are made through HA (user) with probability `USER_SHARE`, at
  the wall (system) otherwise; the lights one gesture switches together share its origin.

Every draw here comes from the home's own origin stream (`side_rng(rng, ORIGIN_STREAM)`): a home
without a planted habit keeps exactly the state changes it had before contexts were generated (only
who caused them is new).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

SYSTEM, USER, AUTOMATION = 0, 1, 2
USER_SHARE = 0.3
HABIT_AREA_P = 0.6
MAX_HABIT_AREAS = 2
HABIT_DAY_P = 0.85
HABIT_LAG_S = (10, 60)
HABIT_WINDOW_S = 30 * 60  # a session started up to 30 min after motion is moved to follow it
_US = 1_000_000


@dataclass
class Origins:
    """Per entity, the times (µs) of changes caused by a user or an automation; the planted routines."""

    rng: np.random.Generator
    marked: dict[int, list[tuple[np.ndarray, int]]] = field(default_factory=dict)
    routines: list[dict[str, Any]] = field(default_factory=list)

    def mark(self, entity: int, times: np.ndarray, code: int) -> None:
        """These changes of `entity` were caused by `code` (USER or AUTOMATION)."""
        if times.size:
            self.marked.setdefault(entity, []).append((np.asarray(times, dtype=np.int64), code))

    def by_hand(self, n: int) -> np.ndarray:
        """Which of `n` manual changes were made through HA (user, probability USER_SHARE), not at the wall."""
        through_ha: np.ndarray = self.rng.random(n) < USER_SHARE
        return through_ha

    def wants_habit(self) -> bool:
        """Whether the next eligible area gets a habit (at most MAX_HABIT_AREAS per home)."""
        planted = sum(r["by"] == "user" for r in self.routines)
        return planted < MAX_HABIT_AREAS and bool(self.rng.random() < HABIT_AREA_P)

    def codes(self, t: np.ndarray, ent: np.ndarray) -> np.ndarray:
        """The origin code of each final state change (columns sorted by entity, then time)."""
        out = np.zeros(t.size, dtype=np.int8)
        for entity, parts in self.marked.items():
            lo, hi = np.searchsorted(ent, [entity, entity + 1])
            if lo == hi:
                continue
            segment = t[lo:hi]
            for times, code in parts:
                marked = np.sort(times)
                pos = np.minimum(np.searchsorted(marked, segment), marked.size - 1)
                out[lo:hi][marked[pos] == segment] = code
        return out


def follow_motion(
    rng: np.random.Generator,
    motion_on: np.ndarray,
    on: np.ndarray,
    local_day: np.ndarray,
    dark: np.ndarray,
    n_days: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The habit: on habit days, a dark session that starts soon after motion starts right after it.

    Returns the sessions' new start times and which of them were moved (the habit's occurrences).
    """
    habit_day = rng.random(n_days) < HABIT_DAY_P
    latest = np.searchsorted(motion_on, on, side="right") - 1
    has = latest >= 0
    gap = np.where(has, on - motion_on[np.maximum(latest, 0)], np.iinfo(np.int64).max)
    move = has & (gap <= HABIT_WINDOW_S * _US) & habit_day[local_day] & dark
    lag = rng.integers(HABIT_LAG_S[0] * _US, HABIT_LAG_S[1] * _US, on.size)
    new = np.where(move, motion_on[np.maximum(latest, 0)] + lag, on)
    return new, move
