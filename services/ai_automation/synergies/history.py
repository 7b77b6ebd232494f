"""Evidence from a home's own history: manual changes of an entity that follow a trigger's transitions.

A change is manual when HA's context carries a user id and no parent (a parent means an automation or
script caused it: those never count as evidence). For a trigger entity T and an action entity A,
support = A's manual changes that come within `LAG_SECONDS` after a transition of T; confidence =
support / A's manual changes; lift = support against a time-shuffled null that keeps the time of day:
A's manual changes shifted by whole days (1-7 days either way, those still inside the history), so
two things that both happen in the evening do not look linked, and random co-occurrence scores a
lift near 1. A pair is kept when its lift is at least `MIN_LIFT` and its support is unlikely under
the null: Poisson tail probability below `ALPHA` divided by the number of pairs tested (Bonferroni),
since a home with 200 entities tests thousands of pairs and some reach a support of 3 by chance.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from scipy.stats import poisson

LAG_SECONDS = 120.0
MIN_SUPPORT = 3
MIN_LIFT = 3.0
ALPHA = 0.05
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


def _time(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed.timestamp() if parsed.tzinfo is not None else None
    return None


def _state(obj: Any) -> Any:
    return obj.get("state") if isinstance(obj, dict) else None


def _change(event: Any) -> tuple[str, float, Mapping[str, Any]] | None:
    """(entity id, time, context) of a `state_changed` event whose state changed, else None. Events
    reach here validated (`ha_events.normalise_batch` in the router): this only reads them, fast (JSON
    objects are dicts: no abstract-class checks)."""
    if not isinstance(event, dict) or event.get("event_type") != "state_changed":
        return None
    raw = event.get("data")
    data: dict[str, Any] = raw if isinstance(raw, dict) else event
    new_state, old_state = data.get("new_state"), data.get("old_state")
    entity_id = data.get("entity_id") or (new_state.get("entity_id") if isinstance(new_state, dict) else None)
    if not isinstance(entity_id, str) or _state(new_state) == _state(old_state):
        return None
    when = _time(event.get("time_fired", event.get("timestamp")))
    if when is None and isinstance(new_state, dict):
        when = _time(new_state.get("last_changed") or new_state.get("last_updated"))
    if when is None or not math.isfinite(when):
        return None
    context = event.get("context")
    if not isinstance(context, dict):
        inner = new_state.get("context") if isinstance(new_state, dict) else None
        context = inner if isinstance(inner, dict) else {}
    return entity_id, when, context


def transitions(events: Iterable[Any]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Times of the state transitions per entity that no automation caused (possible triggers), and of
    the manual ones (a user id, no parent). A change an automation caused (a parent context) is neither:
    it is explained by that automation's own trigger, which the evidence should name instead."""
    every: dict[str, list[float]] = {}
    manual: dict[str, list[float]] = {}
    for event in events:
        change = _change(event)
        if change is None or change[2].get("parent_id"):
            continue
        entity_id, when, context = change
        every.setdefault(entity_id, []).append(when)
        if context.get("user_id"):
            manual.setdefault(entity_id, []).append(when)
    return every, manual


SHIFT_DAYS = (-7, -6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7)


def _follows(trigger_times: np.ndarray, changes: np.ndarray, lag: float) -> int:
    """How many changes come within `lag` after some trigger time (both sorted)."""
    before = np.searchsorted(trigger_times, changes, side="left") - 1  # the last trigger before each change
    near = (before >= 0) & (changes - trigger_times[np.maximum(before, 0)] <= lag)
    return int(near.sum())


def _expected(trigger_times: np.ndarray, changes: np.ndarray, lag: float, first: float, last: float) -> float:
    """The support expected by chance: the changes shifted by whole days, rescaled to all changes."""
    seen = 0.0
    total = 0
    for days in SHIFT_DAYS:
        shifted = changes + days * DAY
        inside = shifted[(shifted >= first) & (shifted <= last)]
        seen += _follows(trigger_times, inside, lag)
        total += inside.size
    return seen / total * changes.size if total else 0.0


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
    first, last = min(stamps), max(stamps)
    days = max(last - first, lag) / DAY
    trig = {t: np.sort(np.array(every[t])) for t in set(triggers) if t in every}
    act = {a: np.sort(np.array(manual[a])) for a in set(actions) if len(manual.get(a, ())) >= min_support}
    names = sorted(trig)
    all_times = np.concatenate([trig[t] for t in names]) if names else np.zeros(0)
    all_labels = (
        np.concatenate([np.full(trig[t].size, i) for i, t in enumerate(names)]) if names else np.zeros(0)
    )
    order = np.argsort(all_times, kind="stable")
    all_times, all_labels = all_times[order], all_labels[order]
    tests = max(len(act) * len(trig), 1)
    out = []
    for a, done in act.items():
        # which triggers had a transition in [change - lag, change) of each manual change: the support
        lo = np.searchsorted(all_times, done - lag, side="left")
        hi = np.searchsorted(all_times, done, side="left")
        support_of: Counter[int] = Counter()
        for start, stop in zip(lo.tolist(), hi.tolist(), strict=True):
            if stop > start:
                support_of.update(set(all_labels[start:stop].tolist()))
        for label, support in support_of.items():
            t = names[int(label)]
            if support < min_support or t == a:
                continue
            times = trig[t]
            expected = _expected(times, done, lag, first, last)
            lift = (support + 0.5) / (expected + 0.5)
            chance = float(poisson.sf(support - 1, max(expected, 1e-3)))
            if lift >= min_lift and chance <= ALPHA / tests:
                out.append(Routine(t, a, support, support / done.size, lift, days))
    return sorted(out, key=lambda r: (-r.lift, -r.support, r.trigger, r.action))


def history_boost(lift: float) -> float:
    """How much a routine lifts its pair's score: above every cold-start score, more for a higher lift."""
    return 100.0 + math.log(lift)
