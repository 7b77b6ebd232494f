"""The columnar miner finds exactly the habits the straightforward one found (a per-change dict of
series, one screen per action kind, kept here as the reference) on generated homes, from rows, from
`Change`s and under other options."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import pytest

from ai_automation.synergies.history import (
    _ACTIONS_BY_HAND,
    _TRIGGERS_BY_STATE,
    DAY_S,
    Change,
    Habit,
    HistoryOptions,
    _lags,
    _one_trigger_per_action,
    binomial_tail,
    changes_of,
    history_of,
    mine_habits,
)
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset
from homeiq_shared.ha_events import normalise_batch


def _reference(changes: Sequence[Change], options: HistoryOptions) -> list[Habit]:
    """The miner as it was before it went columnar (same rules, one Python pass per step), with the
    trigger's reporting span: the whole days from its entity's first change to its last (plus the lag)."""
    if not changes:
        return []
    times = np.array([c.time for c in changes])
    start = float(np.floor(times.min() / DAY_S) * DAY_S)
    days = int(np.ceil((times.max() - start) / DAY_S)) or 1
    history_days = float((times.max() - times.min()) / DAY_S)
    trig: dict[tuple[str, str], list[float]] = defaultdict(list)
    act: dict[tuple[str, str], list[float]] = defaultdict(list)
    for c in changes:
        domain = c.entity_id.partition(".")[0]
        if domain in _TRIGGERS_BY_STATE and c.origin != "user":
            trig[(c.entity_id, c.state)].append(c.time)
        if domain in _ACTIONS_BY_HAND and c.origin == "user":
            act[(c.entity_id, c.state)].append(c.time)
    reported: dict[str, list[float]] = defaultdict(list)
    for (t_entity, _), t_list in trig.items():
        reported[t_entity] += t_list
    found = []
    for (a_entity, a_state), a_list in act.items():
        every_action = np.sort(np.array(a_list))
        if len(every_action) < options.min_days:
            continue
        for (t_entity, t_state), t_list in trig.items():
            t_times = np.sort(np.array(t_list))
            if t_entity == a_entity:
                continue
            first_day = int(np.floor((min(reported[t_entity]) - start) / DAY_S))
            end_day = min(int(np.floor((max(reported[t_entity]) + options.lag_s - start) / DAY_S)) + 1, days)
            span_start, span_days = start + first_day * DAY_S, end_day - first_day
            span_end = span_start + span_days * DAY_S if end_day < days else np.inf  # the last instant too
            a_times = every_action[(every_action >= span_start) & (every_action < span_end)]
            observed = (min(span_end, times.max()) - max(span_start, times.min())) / DAY_S
            if first_day == 0 and end_day == days:
                observed = history_days
            if a_times.size == 0 or span_days < 2:
                continue
            wanted = max(options.min_days, int(np.ceil(options.min_confidence * len(a_times))))
            lags = _lags(t_times, a_times)
            hit = (lags > 0) & (lags <= options.lag_s)
            support = int(hit.sum())
            if support < wanted:
                continue
            hit_days = len(np.unique(np.floor((a_times[hit] - span_start) / DAY_S)))
            if hit_days < options.min_days:
                continue
            shifts = np.arange(1, span_days, dtype=np.float64)[:, None] * DAY_S
            moved = ((a_times[None, :] - span_start + shifts) % (span_days * DAY_S) + span_start).ravel()
            null_lags = _lags(t_times, moved)
            expected = float(((null_lags > 0) & (null_lags <= options.lag_s)).sum()) / (span_days - 1)
            lift = support / max(expected, 0.5)
            p_value = binomial_tail(support, len(a_times), min(max(expected, 0.5) / len(a_times), 1.0))
            if lift < options.min_lift or p_value > options.max_p_value:
                continue
            found.append(
                Habit(
                    t_entity,
                    t_state,
                    a_entity,
                    a_state,
                    support,
                    hit_days,
                    len(a_times),
                    len(t_times),
                    support / len(a_times),
                    float(lift),
                    float(expected),
                    p_value,
                    float(np.median(lags[hit])),
                    float(observed),
                    float((times.max() - max(reported[t_entity])) / DAY_S),
                )
            )
    found.sort(key=lambda h: (-h.support * h.confidence, -h.lift, h.trigger_entity, h.action_entity))
    return _one_trigger_per_action(found)[: options.max_pairs]


@pytest.fixture(scope="module")
def rows_of_homes(tmp_path_factory: pytest.TempPathFactory) -> list[list[dict[str, Any]]]:
    """10 generated homes x 21 days (seed 5: some with planted habits)."""
    folder = tmp_path_factory.mktemp("fast") / "ds"
    options = GeneratorOptions(
        count=12, days=21, seed=11, weather=False, carbon=False, pricing=False, calendar=False
    )
    generate_dataset(options, folder)
    out = []
    for path in sorted(folder.glob("home_*.json")):
        home = orjson.loads(path.read_bytes())
        rows, problems = normalise_batch(home["events"], home["home_id"])
        assert problems == []
        out.append(rows)
    return out


@pytest.mark.parametrize(
    "options",
    [
        HistoryOptions(),
        HistoryOptions(min_lift=0.0, max_p_value=1.0),
        HistoryOptions(lag_s=400.0, min_days=2),
    ],
    ids=["defaults", "co-occurrence", "longer-lag"],
)
def test_the_columnar_miner_finds_what_the_reference_finds(
    rows_of_homes: list[list[dict[str, Any]]], options: HistoryOptions
) -> None:
    found = 0
    for rows in rows_of_homes:
        changes = changes_of(rows)
        expected = _reference(changes, options)
        assert mine_habits(history_of(rows), options) == expected
        assert mine_habits(changes, options) == expected
        found += len(expected)
    assert found > 0  # the comparison covers real habits, not only empty lists


def test_the_columns_hold_the_changes_of_the_rows(rows_of_homes: list[list[dict[str, Any]]]) -> None:
    rows = rows_of_homes[0]
    history = history_of(rows)
    changes = changes_of(rows)
    assert len(history) == len(rows)  # the rows it was read from
    assert [history.entity_ids[i] for i in history.entity.tolist()] == [c.entity_id for c in changes]
    assert [history.states[i] for i in history.state.tolist()] == [c.state for c in changes]
    assert history.time.tolist() == [c.time for c in changes]
    assert history.by_user.tolist() == [c.origin == "user" for c in changes]
    assert history_of(history) is history


def _ends_on_a_midnight(first_motion_day: int) -> list[Change]:
    """A light used 41 times by hand, 10 of them just after motion (24 %: under the 25 % floor), in a
    history whose last change falls exactly on a midnight (its last instant is a day of its own)."""
    day0 = 1_795_000_000.0 - 1_795_000_000.0 % DAY_S
    out = [Change("light.x", "on", None, day0 + 1, "user")]
    for d in range(first_motion_day, first_motion_day + 9):
        t = day0 + d * DAY_S + 16 * 3600 + d * 900
        out += [
            Change("binary_sensor.m", "on", None, t, "system"),
            Change("light.l", "on", None, t + 30, "user"),
        ]
    out += [
        Change("binary_sensor.m", "on", None, day0 + d * DAY_S + 3 * 3600, "system")
        for d in range(first_motion_day, 30)
    ]
    for j in range(31):  # the light's other manual uses, away from any motion
        d = first_motion_day + j % (30 - first_motion_day)
        out.append(Change("light.l", "on", None, day0 + d * DAY_S + 12 * 3600 + 60 * j, "user"))
    out.append(Change("binary_sensor.m", "on", None, day0 + 30 * DAY_S - 60, "system"))
    out.append(Change("light.l", "on", None, day0 + 30 * DAY_S, "user"))  # the last change: a midnight
    return sorted(out, key=lambda c: c.time)


@pytest.mark.parametrize("first_motion_day", [0, 10], ids=["whole-history", "added-on-day-10"])
def test_a_history_ending_on_a_midnight_keeps_its_last_action_and_the_confidence_floor(
    first_motion_day: int,
) -> None:
    changes = _ends_on_a_midnight(first_motion_day)
    assert _reference(changes, HistoryOptions()) == []
    assert mine_habits(changes) == []  # 10 of 41: below the floor, not a habit
    loose = HistoryOptions(min_confidence=0.0)
    found = mine_habits(changes, loose)
    assert found == _reference(changes, loose)
    assert [h.actions for h in found] == [41]  # the midnight action counts, in the screen and after it
