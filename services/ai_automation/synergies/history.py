"""Habits in the event history: a change the owner makes by hand shortly after another entity changes.

Evidence for a suggestion comes from the home's own stored events. An *action* is a change of an
actionable entity (light, switch, cover, ...) that a person made through HA: its context has a user id
and no parent (`origin == "user"`); changes an automation or script caused (a parent context) never
count, nor do changes without a context (HA cannot say who made them). A *trigger* is any other
entity's change to a state (a door opening, motion starting, someone coming home), whoever caused it.

A pair (trigger -> action) is a habit when, on enough different days, the action follows the trigger
within `lag_s`, a good share of the action's manual occurrences are explained that way (confidence),
and the support is well above what the same two series give when the actions are moved by whole days
(the time-shuffled null: it keeps each series' own time of day, so two things that merely both happen
in the evening do not look linked): at least `min_lift` times the null's mean, and unlikely under the
null's hit rate (one-sided binomial test). A busy motion sensor fires before almost anything, so lift
and the test, not co-occurrence alone, decide. Every count is exact; nothing is sampled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ai_automation.synergies.roles import ACTION_DOMAINS, TRIGGER_DOMAINS

DAY_S = 86_400.0
IGNORED_STATES = frozenset({"unavailable", "unknown", "", "none"})
# Entities whose state is a measurement or a time stamp: a "change to a state" means nothing for them.
_NO_STATE_TRIGGERS = frozenset({"sensor", "input_number", "number", "input_datetime", "counter", "calendar"})
_ACTIONS_BY_HAND = ACTION_DOMAINS - {"automation", "script", "notify", "camera", "button", "input_button"}

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class HistoryOptions:
    """What makes a habit (the defaults are what the bench measures)."""

    lag_s: float = 120.0  # the action must follow the trigger within this many seconds
    min_days: int = 3  # on at least this many different days
    min_confidence: float = 0.4  # share of the action's manual occurrences that follow the trigger
    min_lift: float = 2.0  # support over the day-shifted null's expectation
    max_p_value: float = 1e-4  # one-sided binomial test of the support against the null's rate
    max_pairs: int = 50


DEFAULT_OPTIONS = HistoryOptions()


@dataclass(frozen=True)
class Habit:
    """A trigger -> manual action pair with its evidence."""

    trigger_entity: str
    trigger_state: str
    action_entity: str
    action_state: str
    support: int  # manual actions that followed the trigger within the lag
    days: int  # on how many different days
    actions: int  # manual actions of this kind in the history
    triggers: int  # trigger changes of this kind in the history
    confidence: float
    lift: float
    null_expected: float
    p_value: float
    median_lag_s: float
    history_days: float

    def evidence(self) -> dict[str, Any]:
        """The figures, in words too ("you did this by hand on 23 of 30 days")."""
        return {
            "source": "history",
            "text": (
                f"{self.action_entity} was set to '{self.action_state}' by hand within "
                f"{self.median_lag_s:.0f} s after {self.trigger_entity} became '{self.trigger_state}' "
                f"on {self.days} of {self.history_days:.0f} days ({self.support} of {self.actions} times)"
            ),
            "support": self.support,
            "days": self.days,
            "manual_actions": self.actions,
            "trigger_changes": self.triggers,
            "confidence": round(self.confidence, 3),
            "lift": round(self.lift, 2),
            "null_expected": round(self.null_expected, 3),
            "p_value": float(f"{self.p_value:.3g}"),
            "median_lag_s": round(self.median_lag_s, 1),
            "history_days": round(self.history_days, 1),
            "weak": self.history_days < 7,
        }


class Change(NamedTuple):
    """One state change: who caused it is HA's context origin (user / automation / system / None)."""

    entity_id: str
    state: str
    old_state: str | None
    time: float
    origin: str | None


_TRIGGERS_BY_STATE = TRIGGER_DOMAINS - _NO_STATE_TRIGGERS
_MINED_DOMAINS = _TRIGGERS_BY_STATE | _ACTIONS_BY_HAND


def changes_of(rows: Iterable[Mapping[str, Any]]) -> list[Change]:
    """State changes from stored event rows (`normalise_event`'s shape) of the domains a habit can involve;
    attribute-only updates and unavailable/unknown states dropped. One pass (a month can be 10^5 rows)."""
    out: list[Change] = []
    append = out.append
    for row in rows:
        entity_id, state = row.get("entity_id"), row.get("state")
        if not entity_id or state is None or entity_id.partition(".")[0] not in _MINED_DOMAINS:
            continue
        old = row.get("old_state")
        if state == old or row.get("event_type", "state_changed") != "state_changed":
            continue
        if state.lower() in IGNORED_STATES:
            continue
        append(Change(entity_id, state, old, float(row["time_fired"]), row.get("origin")))
    return out


def _series(
    changes: Sequence[Change],
) -> tuple[dict[tuple[str, str], FloatArray], dict[tuple[str, str], FloatArray]]:
    triggers: dict[tuple[str, str], list[float]] = defaultdict(list)
    actions: dict[tuple[str, str], list[float]] = defaultdict(list)
    for c in changes:
        domain = c.entity_id.partition(".")[0]
        # A change the owner made is part of their own gesture (several lights at once), not a trigger.
        if domain in _TRIGGERS_BY_STATE and c.origin != "user":
            triggers[(c.entity_id, c.state)].append(c.time)
        if domain in _ACTIONS_BY_HAND and c.origin == "user":
            actions[(c.entity_id, c.state)].append(c.time)
    return _sorted(triggers), _sorted(actions)


def _sorted(series: Mapping[tuple[str, str], list[float]]) -> dict[tuple[str, str], FloatArray]:
    return {key: np.sort(np.asarray(times, dtype=np.float64)) for key, times in series.items()}


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed exactly in log space (n is a count of manual actions)."""
    if k <= 0 or p >= 1.0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=np.float64)))))
    i = np.arange(k, n + 1)
    log_pmf = log_fact[n] - log_fact[i] - log_fact[n - i] + i * np.log(p) + (n - i) * np.log1p(-p)
    top = float(log_pmf.max())
    return float(min(1.0, np.exp(top) * np.exp(log_pmf - top).sum()))


def _lags(trigger_times: FloatArray, action_times: FloatArray) -> FloatArray:
    """For each action, the time since the latest trigger before it (inf when there is none)."""
    index = np.searchsorted(trigger_times, action_times, side="left")
    lags = np.full(action_times.shape, np.inf)
    has = index > 0
    lags[has] = action_times[has] - trigger_times[index[has] - 1]
    return lags


def _null_support(
    trigger_times: FloatArray, action_times: FloatArray, start: float, days: int, lag_s: float
) -> float:
    """Mean support when the actions are moved by 1..days-1 whole days (circularly within the history)."""
    if days < 2:
        return float("nan")
    shifts = np.arange(1, days, dtype=np.float64)[:, None] * DAY_S
    moved = ((action_times[None, :] - start + shifts) % (days * DAY_S) + start).ravel()
    lags = _lags(trigger_times, moved)  # one lookup for every shift (queries need not be sorted)
    return float(((lags > 0) & (lags <= lag_s)).sum()) / (days - 1)


def _screen(
    timeline: FloatArray, labels: NDArray[np.int64], a_times: FloatArray, options: HistoryOptions, n: int
) -> list[int]:
    """The trigger kinds (indexes) seen within the lag before enough of the actions: one pass for all kinds.

    Each action's window [t - lag, t) is looked up in the merged, sorted trigger timeline; a kind counts
    once per action however often it fired in the window.
    """
    lo = np.searchsorted(timeline, a_times - options.lag_s, side="left")
    hi = np.searchsorted(timeline, a_times, side="left")  # strictly before the action
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return []
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    positions = starts + np.arange(total)
    action_of = np.repeat(np.arange(n), counts)
    pairs = np.unique(action_of.astype(np.int64) * (int(labels.max()) + 1) + labels[positions])
    support = np.bincount(pairs % (int(labels.max()) + 1))
    wanted = max(options.min_days, int(np.ceil(options.min_confidence * n)))
    return [int(i) for i in np.flatnonzero(support >= wanted)]


def mine_habits(changes: Sequence[Change], options: HistoryOptions = DEFAULT_OPTIONS) -> list[Habit]:
    """The habits in a home's history, strongest first (empty when there is too little of it)."""
    if not changes:
        return []
    times = np.fromiter((c.time for c in changes), dtype=np.float64, count=len(changes))
    start = float(np.floor(times.min() / DAY_S) * DAY_S)
    days = int(np.ceil((times.max() - start) / DAY_S)) or 1
    history_days = float((times.max() - times.min()) / DAY_S)
    triggers, actions = _series(changes)
    if not triggers:
        return []
    keys = list(triggers)
    timeline = np.concatenate([triggers[k] for k in keys])
    labels = np.concatenate([np.full(len(triggers[k]), i) for i, k in enumerate(keys)])
    order = np.argsort(timeline, kind="stable")
    timeline, labels = timeline[order], labels[order]
    found = []
    for (action_entity, action_state), a_times in actions.items():
        if len(a_times) < options.min_days:
            continue
        for i in _screen(timeline, labels, a_times, options, len(a_times)):
            trigger_entity, trigger_state = keys[i]
            if trigger_entity == action_entity:
                continue
            t_times = triggers[keys[i]]
            lags = _lags(t_times, a_times)
            hit = (lags > 0) & (lags <= options.lag_s)
            support = int(hit.sum())
            hit_days = len(np.unique(np.floor((a_times[hit] - start) / DAY_S)))
            if hit_days < options.min_days:
                continue
            expected = _null_support(t_times, a_times, start, days, options.lag_s)
            if not np.isfinite(expected):
                continue
            lift = support / max(expected, 0.5)
            # how likely this support is if the actions had no link to the trigger (the null's hit rate)
            p_value = binomial_tail(support, len(a_times), min(max(expected, 0.5) / len(a_times), 1.0))
            if lift < options.min_lift or p_value > options.max_p_value:
                continue
            found.append(
                Habit(
                    trigger_entity=trigger_entity,
                    trigger_state=trigger_state,
                    action_entity=action_entity,
                    action_state=action_state,
                    support=support,
                    days=hit_days,
                    actions=len(a_times),
                    triggers=len(t_times),
                    confidence=support / len(a_times),
                    lift=float(lift),
                    null_expected=float(expected),
                    p_value=p_value,
                    median_lag_s=float(np.median(lags[hit])),
                    history_days=history_days,
                )
            )
    found.sort(key=lambda h: (-h.support * h.confidence, -h.lift, h.trigger_entity, h.action_entity))
    return _one_trigger_per_action(found)[: options.max_pairs]


def _one_trigger_per_action(habits: list[Habit]) -> list[Habit]:
    """Keep the best trigger of each manual action (a door and the hall motion it sets off explain the
    same light: the stronger one is the habit, the other its echo)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for habit in habits:
        key = (habit.action_entity, habit.action_state)
        if key not in seen:
            seen.add(key)
            out.append(habit)
    return out
