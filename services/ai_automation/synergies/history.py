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

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
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
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class HistoryOptions:
    """What makes a habit (the defaults are what the bench measures)."""

    lag_s: float = 120.0  # the action must follow the trigger within this many seconds
    min_days: int = 3  # on at least this many different days
    # share of the action's manual occurrences that follow the trigger: an effect-size floor only (a light
    # also used a lot for other reasons can still carry a habit); the test below carries the evidence
    min_confidence: float = 0.25
    min_lift: float = 2.0  # support over the day-shifted null's expectation
    max_p_value: float = 1e-4  # one-sided binomial test of the support against the null's rate
    max_pairs: int = 50


DEFAULT_OPTIONS = HistoryOptions()
QUIET_DAYS = 2.0
"""A trigger silent this long before the history ends is named in the evidence (a flat battery?)."""


@dataclass(frozen=True)
class Habit:
    """A trigger -> manual action pair with its evidence."""

    trigger_entity: str
    trigger_state: str
    action_entity: str
    action_state: str
    support: int  # manual actions that followed the trigger within the lag
    days: int  # on how many different days
    actions: int  # manual actions of this kind while the trigger was reporting (its span: `_Spans`)
    triggers: int  # trigger changes of this kind in the history
    confidence: float
    lift: float
    null_expected: float
    p_value: float
    median_lag_s: float
    history_days: float  # the history the pair was judged on: the trigger's reporting span, in days
    trigger_quiet_days: float = 0.0  # since the trigger entity's last change, up to the history's end

    def evidence(self) -> dict[str, Any]:
        """The figures, in words too ("you did this by hand on 23 of 30 days")."""
        text = (
            f"{self.action_entity} was set to '{self.action_state}' by hand within "
            f"{self.median_lag_s:.0f} s after {self.trigger_entity} became '{self.trigger_state}' "
            f"on {self.days} of {self.history_days:.0f} days ({self.support} of {self.actions} times)"
        )
        if self.trigger_quiet_days >= QUIET_DAYS:  # the habit stands, but on a sensor that may be dead
            text += (
                f"; {self.trigger_entity} has reported nothing for the last {self.trigger_quiet_days:.0f} days: "
                "check it before relying on this automation"
            )
        return {
            "source": "history",
            "text": text,
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
            "trigger_quiet_days": round(self.trigger_quiet_days, 1),
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


@dataclass(frozen=True)
class History:
    """State changes as columns (what `mine_habits` reads): integer-coded entities and states, times,
    and whether the owner made the change; in the order they were read.

    `len()` is how many event rows it was read from (the API reports it), not how many changes it holds.
    """

    entity_ids: list[str]  # entity id of each entity code
    states: list[str]  # state of each state code
    entity: IntArray
    state: IntArray
    time: FloatArray
    by_user: BoolArray
    rows: int

    def __len__(self) -> int:
        return self.rows

    def __bool__(self) -> bool:
        return self.rows > 0

    def since(self, start: float) -> History:
        """The changes at or after `start` (the columns must be in time order)."""
        i = int(np.searchsorted(self.time, start, side="left"))
        return History(self.entity_ids, self.states, self.entity[i:], self.state[i:], self.time[i:],
                       self.by_user[i:], self.rows)  # fmt: skip

    def before(self, end: float) -> History:
        """The changes before `end` (the columns must be in time order)."""
        i = int(np.searchsorted(self.time, end, side="left"))
        return History(self.entity_ids, self.states, self.entity[:i], self.state[:i], self.time[:i],
                       self.by_user[:i], self.rows)  # fmt: skip

    def followed_by(self, later: History, rows: int) -> History:
        """These changes, then `later`'s (all later in time), in one code table; `rows` read in all."""
        entity_of = {e: i for i, e in enumerate(self.entity_ids)}
        state_of = {s: i for i, s in enumerate(self.states)}
        entities = np.array(
            [entity_of.setdefault(e, len(entity_of)) for e in later.entity_ids], dtype=np.int64
        )
        states = np.array([state_of.setdefault(s, len(state_of)) for s in later.states], dtype=np.int64)
        return History(
            list(entity_of),
            list(state_of),
            np.concatenate([self.entity, entities[later.entity]]),
            np.concatenate([self.state, states[later.state]]),
            np.concatenate([self.time, later.time]),
            np.concatenate([self.by_user, later.by_user]),
            rows,
        )

    def compacted(self) -> History:
        """The same changes with only the entities and states they use in the code tables (a history that
        keeps moving on would otherwise keep every entity and state it ever saw)."""
        entities, entity = np.unique(self.entity, return_inverse=True)
        states, state = np.unique(self.state, return_inverse=True)
        return History([self.entity_ids[i] for i in entities.tolist()], [self.states[i] for i in states.tolist()],
                       entity.ravel().astype(np.int64), state.ravel().astype(np.int64), self.time, self.by_user,
                       self.rows)  # fmt: skip

    def sparse(self) -> bool:
        """Whether the code tables hold more than twice what the changes use (and not only a few)."""
        for codes, size in ((self.entity, len(self.entity_ids)), (self.state, len(self.states))):
            if size > 64 and size > 2 * int(np.count_nonzero(np.bincount(codes, minlength=size))):
                return True
        return False

    @classmethod
    def of_changes(cls, changes: Sequence[Change], rows: int | None = None) -> History:
        """The columns of `Change`s (kept as they are: `changes_of` has already filtered them)."""
        entity_of: dict[str, int] = {}
        state_of: dict[str, int] = {}
        entity = [entity_of.setdefault(c.entity_id, len(entity_of)) for c in changes]
        state = [state_of.setdefault(c.state, len(state_of)) for c in changes]
        return cls(
            list(entity_of),
            list(state_of),
            np.array(entity, dtype=np.int64),
            np.array(state, dtype=np.int64),
            np.array([c.time for c in changes], dtype=np.float64),
            np.array([c.origin == "user" for c in changes], dtype=bool),
            len(changes) if rows is None else rows,
        )


def _mined(entity_id: Any) -> bool:
    return bool(entity_id) and entity_id.partition(".")[0] in _MINED_DOMAINS


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


def history_of(rows: Iterable[Mapping[str, Any]] | History) -> History:
    """`changes_of(rows)` as columns, without a Python object per change (a `History` is returned as it is).

    One pass over the rows with the per-entity and per-state decisions (domain mined, state ignored)
    taken once per distinct value."""
    if isinstance(rows, History):
        return rows
    entity_of: dict[Any, int] = {}  # -1: not a mined domain
    state_of: dict[str, int] = {}  # -1: unavailable / unknown
    entity_ids: list[str] = []
    states: list[str] = []
    entity: list[int] = []
    state_codes: list[int] = []
    times: list[float] = []
    by_user: list[bool] = []
    count = 0
    for count, row in enumerate(rows, 1):  # noqa: B007 (the count of rows read)
        entity_id = row.get("entity_id")
        code = entity_of.get(entity_id)
        if code is None:
            code = entity_of[entity_id] = len(entity_ids) if _mined(entity_id) else -1
            if code >= 0:
                entity_ids.append(str(entity_id))
        if code < 0:
            continue
        state = row.get("state")
        if state is None or state == row.get("old_state"):
            continue
        if row.get("event_type", "state_changed") != "state_changed":
            continue
        s = state_of.get(state)
        if s is None:
            s = state_of[state] = -1 if state.lower() in IGNORED_STATES else len(states)
            if s >= 0:
                states.append(state)
        if s < 0:
            continue
        entity.append(code)
        state_codes.append(s)
        times.append(float(row["time_fired"]))
        by_user.append(row.get("origin") == "user")
    return History(
        entity_ids,
        states,
        np.array(entity, dtype=np.int64),
        np.array(state_codes, dtype=np.int64),
        np.array(times, dtype=np.float64),
        np.array(by_user, dtype=bool),
        count,
    )


@lru_cache(maxsize=4096)
def _least_significant_support(actions: int, max_p_value: float) -> int:
    """The smallest support that can pass the test at all: the null's expected support is never taken
    below 0.5 (`mine_habits`), and the tail only grows with it, so a pair with less support than this
    fails whatever its null; the screen drops it before the null is computed (the same habits, sooner)."""
    p = min(0.5 / actions, 1.0)
    k = 1
    while k <= actions and binomial_tail(k, actions, p) > max_p_value:
        k += 1
    return k


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed exactly in log space (n is a count of manual actions)."""
    if k <= 0 or p >= 1.0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    log_fact = _log_factorials(n)
    i = np.arange(k, n + 1)
    log_pmf = log_fact[n] - log_fact[i] - log_fact[n - i] + i * np.log(p) + (n - i) * np.log1p(-p)
    top = float(log_pmf.max())
    return float(min(1.0, np.exp(top) * np.exp(log_pmf - top).sum()))


_LOG_FACTORIALS: list[FloatArray] = [np.zeros(1)]


def _log_factorials(n: int) -> FloatArray:
    """log(i!) for i = 0..n (at least), computed once for the largest n seen."""
    table = _LOG_FACTORIALS[0]  # read once: another thread may replace it meanwhile (never by a shorter one)
    if table.size <= n:
        table = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=np.float64)))))
        if table.size > _LOG_FACTORIALS[0].size:
            _LOG_FACTORIALS[0] = table
    return table


def _lags(trigger_times: FloatArray, action_times: FloatArray) -> FloatArray:
    """For each action, the time since the latest trigger before it (inf when there is none)."""
    index = np.searchsorted(trigger_times, action_times, side="left")
    lags = np.full(action_times.shape, np.inf)
    has = index > 0
    lags[has] = action_times[has] - trigger_times[index[has] - 1]
    return lags


def _shifted(action_times: FloatArray, start: float, days: int) -> FloatArray:
    """The actions moved by 1..days-1 whole days (circularly within the history): the null's queries."""
    shifts = np.arange(1, days, dtype=np.float64)[:, None] * DAY_S
    return ((action_times[None, :] - start + shifts) % (days * DAY_S) + start).ravel()


def _null_support(trigger_times: FloatArray, moved: FloatArray, days: int, lag_s: float) -> float:
    """Mean support when the actions are moved by whole days (`moved`: `_shifted`'s queries)."""
    lags = _lags(trigger_times, moved)  # one lookup for every shift (queries need not be sorted)
    return float(((lags > 0) & (lags <= lag_s)).sum()) / (days - 1)


class _Series(NamedTuple):
    """Series of (entity, state) keys: the keys in first-seen order, each key's times sorted."""

    keys: list[tuple[int, int]]  # (entity code, state code)
    times: FloatArray  # grouped by key (in key order), sorted within a key
    bounds: IntArray  # key k's times are times[bounds[k]:bounds[k + 1]]

    def of(self, k: int) -> FloatArray:
        return self.times[self.bounds[k] : self.bounds[k + 1]]


class _Spans(NamedTuple):
    """The whole days each trigger entity was reporting, from its first change to its last (plus the lag).

    A habit is judged on the actions inside its trigger's span only: a motion sensor that went dark on day
    5 of 30 (a flat battery, a device taken away) or was added on day 20 cannot be followed on the other
    days, so those days' manual actions are no evidence against the habit, and the day-shifted null moves
    actions within the span. Whole days, so a trigger that reported from the first day to the last is
    judged on the whole history, exactly as before.
    """

    start: float  # the history's first midnight (UTC)
    days: int  # the history's days
    first_time: float  # the history's first change
    last_time: float  # the history's last change
    first_day: IntArray  # per trigger key: the first day of its entity's span
    end_day: IntArray  # per trigger key: the day after the last one
    last_change: FloatArray  # per trigger key: its entity's last change
    of_key: IntArray  # trigger key -> its column in `actions_in` (the span it shares with its entity's keys)
    bounds: FloatArray  # per distinct span: [start time, end time); a span reaching the last day ends at inf

    @classmethod
    def of(cls, triggers: _Series, first_time: float, last_time: float, lag_s: float) -> _Spans:
        start = float(np.floor(first_time / DAY_S) * DAY_S)
        days = int(np.ceil((last_time - start) / DAY_S)) or 1
        entity = np.array([e for e, _ in triggers.keys], dtype=np.int64)
        first = triggers.times[triggers.bounds[:-1]]
        last = triggers.times[triggers.bounds[1:] - 1]
        codes, of_entity = np.unique(entity, return_inverse=True)
        entity_first = np.full(codes.size, np.inf)
        entity_last = np.full(codes.size, -np.inf)
        np.minimum.at(entity_first, of_entity, first)
        np.maximum.at(entity_last, of_entity, last)
        first_day = np.floor((entity_first - start) / DAY_S).astype(np.int64)[of_entity]
        end_day = np.minimum(np.floor((entity_last + lag_s - start) / DAY_S).astype(np.int64) + 1, days)[
            of_entity
        ]
        spans, of_key = np.unique(np.stack([first_day, end_day], axis=1), axis=0, return_inverse=True)
        bounds = start + spans.astype(np.float64) * DAY_S
        bounds[spans[:, 1] >= days, 1] = np.inf  # the last instant too (a history may end on a midnight)
        return cls(start, days, first_time, last_time, first_day, end_day, entity_last[of_entity],
                   of_key.ravel(), bounds)  # fmt: skip

    def actions_in(self, times: FloatArray) -> IntArray:
        """How many of `times` (sorted) fall in each distinct span."""
        return np.searchsorted(times, self.bounds[:, 1], side="left") - np.searchsorted(
            times, self.bounds[:, 0], side="left"
        )

    def judge(self, key: int, every_action: FloatArray) -> _Judged:
        """The actions trigger key `key`'s span judges (all of them when it spans the whole history)."""
        if self.first_day[key] == 0 and self.end_day[key] >= self.days:
            actions, start, days = every_action, self.start, self.days
            observed = (self.last_time - self.first_time) / DAY_S
        else:
            lo, hi = self.bounds[self.of_key[key]]
            actions = every_action[(every_action >= lo) & (every_action < hi)]
            start, days = float(lo), int(self.end_day[key] - self.first_day[key])
            observed = float((min(hi, self.last_time) - max(lo, self.first_time)) / DAY_S)
        moved = _shifted(actions, start, days) if days >= 2 else actions
        return _Judged(actions, moved, start, days, observed)


class _Judged(NamedTuple):
    """What one span judges: its manual actions, their day-shifted copies (the null's queries), its first
    midnight, its whole days and how long it really lasted (the evidence's "of N days")."""

    actions: FloatArray
    moved: FloatArray
    start: float
    days: int
    observed_days: float


def _series(history: History, mask: BoolArray, n_states: int) -> _Series:
    """The series of the changes in `mask`: keys numbered by first appearance, as a dict would."""
    key = history.entity[mask] * n_states + history.state[mask]
    times = history.time[mask]
    if key.size == 0:
        return _Series([], np.zeros(0), np.zeros(1, dtype=np.int64))
    unique, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    by_first = np.argsort(first, kind="stable")
    rank = np.empty_like(by_first)
    rank[by_first] = np.arange(by_first.size)
    label = rank[inverse.ravel()]
    order = np.lexsort((times, label))
    bounds = np.concatenate(([0], np.cumsum(np.bincount(label, minlength=by_first.size))))
    keys = [(int(u) // n_states, int(u) % n_states) for u in unique[by_first].tolist()]
    return _Series(keys, times[order], bounds.astype(np.int64))


def _screen(
    triggers: _Series, actions: _Series, wanted_keys: IntArray, spans: _Spans, options: HistoryOptions
) -> list[list[int]]:
    """For each action key in `wanted_keys`, the trigger keys (ascending) seen within the lag before enough
    of its actions; all action keys in one pass.

    Each action's window [t - lag, t) is looked up in the merged, sorted trigger timeline; a trigger key
    counts once per action however often it fired in the window. "Enough" is judged on the actions in the
    trigger's reporting span (`_Spans`), as `mine_habits` judges them: never more than it asks for.
    """
    label = np.repeat(np.arange(len(triggers.keys)), np.diff(triggers.bounds))
    order = np.argsort(triggers.times, kind="stable")  # ties: the earlier key first, as one merge would
    timeline, labels = triggers.times[order], label[order]
    sizes = np.diff(actions.bounds)[wanted_keys]
    a_times = np.concatenate([actions.of(int(k)) for k in wanted_keys])
    key_of = np.repeat(np.arange(wanted_keys.size), sizes)
    lo = np.searchsorted(timeline, a_times - options.lag_s, side="left")
    hi = np.searchsorted(timeline, a_times, side="left")  # strictly before the action
    counts = hi - lo
    total = int(counts.sum())
    out: list[list[int]] = [[] for _ in range(wanted_keys.size)]
    if total == 0:
        return out
    n_labels = len(triggers.keys)
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    positions = starts + np.arange(total)
    action_of = np.repeat(np.arange(a_times.size, dtype=np.int64), counts)
    pairs = np.unique(action_of * n_labels + labels[positions])  # (action, trigger key) once each
    per_key = np.bincount(key_of[pairs // n_labels] * n_labels + pairs % n_labels,
                          minlength=wanted_keys.size * n_labels).reshape(wanted_keys.size, n_labels)  # fmt: skip
    # the actions each (action key, trigger key) pair is judged on: those in the trigger's reporting span
    judged = np.stack([spans.actions_in(actions.of(int(k)))[spans.of_key] for k in wanted_keys])
    sizes_seen, index = np.unique(judged, return_inverse=True)
    floor = [_least_significant_support(int(n), options.max_p_value) if n else 1 for n in sizes_seen.tolist()]
    wanted = np.maximum(options.min_days, np.ceil(options.min_confidence * judged).astype(np.int64))
    wanted = np.maximum(wanted, np.asarray(floor, dtype=np.int64)[index.reshape(judged.shape)])
    for j, i in zip(*np.nonzero(per_key >= wanted), strict=True):
        out[int(j)].append(int(i))  # np.nonzero is row-major: trigger keys ascending per action key
    return out


def mine_habits(
    changes: Sequence[Change] | History, options: HistoryOptions = DEFAULT_OPTIONS
) -> list[Habit]:
    """The habits in a home's history, strongest first (empty when there is too little of it).

    `changes`: `changes_of`'s list or `history_of`'s columns (the same habits either way).
    """
    history = changes if isinstance(changes, History) else History.of_changes(changes)
    times = history.time
    if times.size == 0:
        return []
    domains = [e.partition(".")[0] for e in history.entity_ids]
    can_trigger = np.array([d in _TRIGGERS_BY_STATE for d in domains], dtype=bool)
    can_act = np.array([d in _ACTIONS_BY_HAND for d in domains], dtype=bool)
    n_states = max(len(history.states), 1)
    # A change the owner made is part of their own gesture (several lights at once), not a trigger.
    triggers = _series(history, can_trigger[history.entity] & ~history.by_user, n_states)
    if not triggers.keys:
        return []
    actions = _series(history, can_act[history.entity] & history.by_user, n_states)
    wanted_keys = np.flatnonzero(np.diff(actions.bounds) >= options.min_days)
    if wanted_keys.size == 0:
        return []
    names, states = history.entity_ids, history.states
    spans = _Spans.of(triggers, float(times.min()), float(times.max()), options.lag_s)
    found = []
    for k, screened in zip(
        wanted_keys.tolist(), _screen(triggers, actions, wanted_keys, spans, options), strict=True
    ):
        action_code, action_state_code = actions.keys[k]
        action_entity, action_state = names[action_code], states[action_state_code]
        judged: dict[int, _Judged] = {}  # per distinct span
        for i in screened:
            trigger_code, trigger_state_code = triggers.keys[i]
            if trigger_code == action_code:
                continue
            span = int(spans.of_key[i])
            if span not in judged:
                judged[span] = spans.judge(i, actions.of(k))
            a_times, moved, span_start, span_days, observed = judged[span]
            if a_times.size == 0 or span_days < 2:
                continue
            t_times = triggers.of(i)
            lags = _lags(t_times, a_times)
            hit = (lags > 0) & (lags <= options.lag_s)
            support = int(hit.sum())
            # the screen's floors again, on the same actions: the screen only saves time, it decides nothing
            if support < max(options.min_days, math.ceil(options.min_confidence * a_times.size)):
                continue
            hit_days = len(np.unique(np.floor((a_times[hit] - span_start) / DAY_S)))
            if hit_days < options.min_days:
                continue
            expected = _null_support(t_times, moved, span_days, options.lag_s)
            lift = support / max(expected, 0.5)
            # how likely this support is if the actions had no link to the trigger (the null's hit rate)
            p_value = binomial_tail(support, len(a_times), min(max(expected, 0.5) / len(a_times), 1.0))
            if lift < options.min_lift or p_value > options.max_p_value:
                continue
            found.append(
                Habit(
                    trigger_entity=names[trigger_code],
                    trigger_state=states[trigger_state_code],
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
                    history_days=observed,
                    trigger_quiet_days=float((spans.last_time - spans.last_change[i]) / DAY_S),
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
