"""Evidence from a home's own history: manual changes of an entity that follow a trigger's transitions.

A change is manual when HA's context carries a user id and no parent (a parent means an automation or
script caused it: those never count as evidence). For a trigger entity T and an action entity A,
support = A's manual changes that come within `LAG_SECONDS` after a transition of T; confidence =
support / A's manual changes; lift = support against the time-shuffled null, where A's manual changes
fall anywhere in the history span: expected = A's manual changes x (time covered by T's windows /
span), the exact mean of uniformly shuffled times, so random co-occurrence scores a lift near 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from homeiq_shared.ha_events import normalise_event

LAG_SECONDS = 120.0
MIN_SUPPORT = 3
MIN_LIFT = 3.0
DAY = 86_400.0


@dataclass(frozen=True)
class Routine:
    """A trigger -> manual action habit found in the history."""

    trigger: str
    action: str
    support: int
    confidence: float
    lift: float
    history_days: float

    def evidence(self) -> dict[str, Any]:
        """What the suggestion reports as its evidence."""
        return {
            "source": "history",
            "support": self.support,
            "confidence": round(self.confidence, 3),
            "lift": round(self.lift, 2),
            "lag_seconds": LAG_SECONDS,
            "history_days": round(self.history_days, 1),
            "short_history": self.history_days < 7,
        }


def _context(event: Mapping[str, Any]) -> Mapping[str, Any]:
    context = event.get("context")
    if isinstance(context, Mapping):
        return context
    data = event.get("data")
    new_state = data.get("new_state") if isinstance(data, Mapping) else event.get("new_state")
    inner = new_state.get("context") if isinstance(new_state, Mapping) else None
    return inner if isinstance(inner, Mapping) else {}


def transitions(events: Iterable[Any]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Times of the state transitions per entity that no automation caused (possible triggers), and of
    the manual ones (a user id, no parent). A change an automation caused (a parent context) is neither:
    it is explained by that automation's own trigger, which the evidence should name instead."""
    every: dict[str, list[float]] = {}
    manual: dict[str, list[float]] = {}
    for event in events:
        row = normalise_event(event, "history")
        if isinstance(row, str) or row["event_type"] != "state_changed" or row["state"] == row["old_state"]:
            continue
        context = _context(event)
        if context.get("parent_id"):
            continue
        every.setdefault(row["entity_id"], []).append(row["time_fired"])
        if context.get("user_id"):
            manual.setdefault(row["entity_id"], []).append(row["time_fired"])
    return every, manual


def _window_time(times: np.ndarray, lag: float) -> float:
    """How long the windows (t, t + lag] of these sorted times cover together."""
    if times.size == 0:
        return 0.0
    gaps = np.minimum(np.diff(times), lag)
    return float(gaps.sum() + lag)


def routines(
    events: Sequence[Any],
    triggers: Iterable[str],
    actions: Iterable[str],
    lag: float = LAG_SECONDS,
    min_support: int = MIN_SUPPORT,
    min_lift: float = MIN_LIFT,
) -> list[Routine]:
    """The trigger -> manual action pairs with enough support and lift, best lift first."""
    every, manual = transitions(events)
    stamps = [t for times in every.values() for t in times]
    if not stamps:
        return []
    span = max(max(stamps) - min(stamps), lag)
    days = span / DAY
    trig = {t: np.sort(np.array(every[t])) for t in set(triggers) if t in every}
    act = {a: np.sort(np.array(manual[a])) for a in set(actions) if len(manual.get(a, ())) >= min_support}
    covered = {t: _window_time(times, lag) for t, times in trig.items()}
    out = []
    for a, done in act.items():
        for t, times in trig.items():
            if t == a:
                continue
            before = (
                np.searchsorted(times, done, side="left") - 1
            )  # the last transition of t before each change
            ok = before >= 0
            follows = ok & (done - times[np.maximum(before, 0)] <= lag)
            support = int(follows.sum())
            if support < min_support:
                continue
            expected = done.size * min(covered[t] / span, 1.0)
            lift = (support + 0.5) / (expected + 0.5)
            if lift >= min_lift:
                out.append(Routine(t, a, support, support / done.size, lift, days))
    return sorted(out, key=lambda r: (-r.lift, -r.support, r.trigger, r.action))


def history_boost(lift: float) -> float:
    """How much a routine lifts its pair's score: above every cold-start score, more for a higher lift."""
    return 100.0 + math.log(lift)
