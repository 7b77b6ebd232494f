"""Habits mined from the event history: the owner's manual routine is found; what automations do, chance
co-occurrence and two things that merely share the evening are not."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ai_automation.synergies.history import Change, HistoryOptions, binomial_tail, changes_of, mine_habits

DAY = 86_400.0
T0 = 1_795_000_000.0 - 1_795_000_000.0 % DAY  # a midnight


def _home(days: int, seed: int = 3) -> list[Change]:
    rng = np.random.default_rng(seed)
    out: list[Change] = []

    def change(entity: str, state: str, t: float, origin: str | None) -> None:
        out.append(Change(entity, state, None, float(t), origin))

    for d in range(days):
        day = T0 + d * DAY
        for t in day + np.sort(rng.uniform(6 * 3600, 23 * 3600, 20)):  # hall motion all day (the sensor)
            change("binary_sensor.hall_motion", "on", t, "system")
            change("binary_sensor.hall_motion", "off", t + 90, "system")
        if d % 6 != 5:  # the planted habit: most evenings, the hall light by hand just after motion
            evening = day + rng.uniform(18 * 3600, 22 * 3600)
            change("binary_sensor.hall_motion", "on", evening, "system")
            change("light.hall", "on", evening + rng.uniform(10, 60), "user")
        door = day + rng.uniform(
            7 * 3600, 8 * 3600
        )  # an existing automation: the door turns the porch light on
        change("binary_sensor.front_door", "on", door, "system")
        change("light.porch", "on", door + 1, "automation")
        for t in day + rng.uniform(0, DAY, 3):  # the kitchen light at random moments, by hand
            change("light.kitchen", "on", t, "user")
        for t in day + rng.uniform(0, DAY, 20):
            change("binary_sensor.kitchen_motion", "on", t, "system")
        seven = day + 19 * 3600  # the TV and the living-room lamp both around 19:00, unrelated
        change("media_player.tv", "playing", seven + rng.normal(0, 1800), "system")
        change("light.living", "on", seven + rng.normal(0, 1800), "user")
    return out


def test_the_manual_routine_is_found_with_its_evidence_and_nothing_else() -> None:
    habits = mine_habits(_home(30))
    assert [(h.trigger_entity, h.trigger_state, h.action_entity, h.action_state) for h in habits] == [
        ("binary_sensor.hall_motion", "on", "light.hall", "on")
    ]
    hall = habits[0]
    assert hall.days == 25
    assert hall.support == 25
    assert hall.actions == 25
    assert hall.confidence == 1.0
    assert hall.lift >= 3
    assert 10 <= hall.median_lag_s <= 60
    evidence = hall.evidence()
    assert evidence["source"] == "history"
    assert "on 25 of 30 days" in evidence["text"]
    assert evidence["weak"] is False
    assert hall.trigger_quiet_days < 1  # the sensor reported to the end: no warning
    assert "reported nothing" not in evidence["text"]


def test_changes_an_automation_made_never_count_even_when_they_follow_their_trigger_every_day() -> None:
    home = _home(30)
    assert not [h for h in mine_habits(home) if h.action_entity == "light.porch"]
    # the same changes made by hand would be a habit: it is the context that keeps them out
    by_hand = [
        Change(c.entity_id, c.state, None, c.time, "user" if c.origin == "automation" else c.origin)
        for c in home
    ]
    assert ("binary_sensor.front_door", "light.porch") in {
        (h.trigger_entity, h.action_entity) for h in mine_habits(by_hand)
    }


def test_a_short_history_is_marked_weak_and_too_short_a_one_says_nothing() -> None:
    five = mine_habits(_home(5))
    assert [h.action_entity for h in five] == ["light.hall"]
    assert five[0].evidence()["weak"] is True
    assert mine_habits(_home(2)) == []
    assert mine_habits([]) == []


@pytest.mark.parametrize("seed", range(5))
def test_random_co_occurrence_stays_silent(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    noise = [
        Change("binary_sensor.motion", "on", None, float(t), "system")
        for t in T0 + rng.uniform(0, 30 * DAY, 600)
    ]
    noise += [Change("light.desk", "on", None, float(t), "user") for t in T0 + rng.uniform(0, 30 * DAY, 90)]
    assert mine_habits(noise) == []


def test_stored_rows_become_changes_without_attribute_updates_or_unavailable_states() -> None:
    rows = [
        {"event_type": "state_changed", "entity_id": "light.hall", "state": "on", "old_state": "off", "time_fired": T0, "origin": "user"},
        {"event_type": "state_changed", "entity_id": "light.hall", "state": "on", "old_state": "on", "time_fired": T0 + 1, "origin": "user"},
        {"event_type": "state_changed", "entity_id": "light.hall", "state": "unavailable", "old_state": "on", "time_fired": T0 + 2, "origin": None},
        {"event_type": "automation_triggered", "entity_id": "automation.x", "time_fired": T0 + 3},
    ]  # fmt: skip
    assert changes_of(rows) == [Change("light.hall", "on", "off", T0, "user")]


def test_a_longer_lag_is_an_option() -> None:
    home = [
        c if c.entity_id != "light.hall" else Change(c.entity_id, c.state, None, c.time + 240, c.origin)
        for c in _home(30)
    ]
    assert not [h for h in mine_habits(home) if h.action_entity == "light.hall"]
    assert [h.action_entity for h in mine_habits(home, HistoryOptions(lag_s=400))] == ["light.hall"]


@pytest.mark.parametrize(
    ("k", "n", "p"), [(3, 30, 0.01), (1, 10, 0.3), (25, 25, 0.05), (12, 40, 0.2), (0, 5, 0.2), (6, 5, 0.2)]
)
def test_the_binomial_tail_is_exact(k: int, n: int, p: float) -> None:
    exact = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(max(k, 0), n + 1))
    assert binomial_tail(k, n, p) == pytest.approx(min(exact, 1.0), rel=1e-9, abs=1e-300)


def test_a_habit_on_a_light_also_used_for_other_reasons_is_found() -> None:
    """The hall light is also switched by hand twice a day at random: the habit explains about 30 % of its
    manual uses. The test against the null, not the share, decides (the floor is an effect size)."""
    rng = np.random.default_rng(8)
    home = _home(30)
    home += [Change("light.hall", "on", None, float(t), "user") for t in T0 + rng.uniform(0, 30 * DAY, 60)]
    hall = [h for h in mine_habits(home) if h.action_entity == "light.hall"]
    assert [(h.trigger_entity, h.action_state) for h in hall] == [("binary_sensor.hall_motion", "on")]
    assert 0.25 <= hall[0].confidence < 0.4
    assert hall[0].p_value <= 1e-4


def _hall_light_used_all_month(home: list[Change], seed: int = 9) -> list[Change]:
    """The hall light also switched by hand about one and a half times a day at random, all month."""
    rng = np.random.default_rng(seed)
    return home + [
        Change("light.hall", "on", None, float(t), "user") for t in T0 + rng.uniform(0, 30 * DAY, 45)
    ]


def test_a_habit_is_judged_on_the_days_its_trigger_was_reporting() -> None:
    """The hall motion sensor went dark after day 8 of 30 (a flat battery) while the hall light kept being
    used by hand: the habit's 7 evenings are a fifth of the light's uses in those 8 days but about 5 % of
    the month's. Judged on the days the sensor reported, it is found, with its evidence over those days;
    the month's other actions, which nothing reported could have been followed by, are no evidence
    against it."""
    dark = T0 + 8 * DAY
    home = _hall_light_used_all_month(
        [c for c in _home(30) if c.entity_id != "binary_sensor.hall_motion" or c.time < dark]
    )
    uses = [c.time for c in home if c.entity_id == "light.hall" and c.origin == "user"]
    hall = [h for h in mine_habits(home) if h.action_entity == "light.hall"]
    assert [h.trigger_entity for h in hall] == ["binary_sensor.hall_motion"]
    habit = hall[0]
    assert habit.actions == sum(t < dark for t in uses) < len(uses) / 3  # the span ends at day 8's midnight
    assert habit.support >= 7  # the planted evenings of days 0-4, 6 and 7 (and chance)
    assert habit.days >= 7
    assert habit.support / len(uses) < 0.25 <= habit.confidence
    assert 7.5 <= habit.history_days <= 8.01
    evidence = habit.evidence()
    assert "of 8 days" in evidence["text"]
    # the sensor has been silent since day 8: the evidence says so, since it may be dead
    assert 21 < habit.trigger_quiet_days < 23
    assert evidence["trigger_quiet_days"] == round(habit.trigger_quiet_days, 1)
    assert "binary_sensor.hall_motion has reported nothing for the last 22 days" in evidence["text"]
    # the same sensor still reporting after day 8, never followed by the light any more: the habit has
    # stopped, and judged on the whole month it is not found
    after = [c for c in _home(30) if c.entity_id == "binary_sensor.hall_motion" and c.time >= dark]
    never_followed = [c for c in after if not any(0 < t - c.time <= 120 for t in uses)]
    assert not [h for h in mine_habits(home + never_followed) if h.action_entity == "light.hall"]


def test_a_trigger_added_late_in_the_history_is_judged_from_its_first_day() -> None:
    added = T0 + 20 * DAY
    home = _hall_light_used_all_month(
        [c for c in _home(30) if c.entity_id != "binary_sensor.hall_motion" or c.time >= added]
    )
    hall = [h for h in mine_habits(home) if h.action_entity == "light.hall"]
    assert [h.trigger_entity for h in hall] == ["binary_sensor.hall_motion"]
    uses = [c.time for c in home if c.entity_id == "light.hall" and c.origin == "user"]
    assert hall[0].actions == sum(t >= added for t in uses)  # the uses since the sensor's first day only
    assert 9.5 <= hall[0].history_days <= 10
    assert hall[0].support >= 7
    assert hall[0].days >= 7


@pytest.mark.parametrize("seed", range(5))
def test_random_co_occurrence_within_a_short_span_stays_silent(seed: int) -> None:
    """A sensor that reported for 6 days only, firing at random beside a light used at random: judged on
    its own 6 days, with the null moved within them, chance stays chance."""
    rng = np.random.default_rng(200 + seed)
    noise = [
        Change("binary_sensor.motion", "on", None, float(t), "system")
        for t in T0 + 12 * DAY + rng.uniform(0, 6 * DAY, 150)
    ]
    noise += [Change("light.desk", "on", None, float(t), "user") for t in T0 + rng.uniform(0, 30 * DAY, 120)]
    noise += [
        Change("binary_sensor.door", "on", None, float(t), "system")
        for t in T0 + rng.uniform(0, 30 * DAY, 30)
    ]
    assert mine_habits(noise) == []


def test_a_history_that_keeps_moving_on_drops_the_codes_it_no_longer_uses() -> None:
    """A stored home's cached history appends new changes and drops old ones; button presses (a state per
    press) would grow its state table for ever. Compacting keeps the same changes and the same habits."""
    from ai_automation.synergies.history import History

    home = _home(30)
    presses = [
        Change("button.doorbell", f"2026-01-01T00:00:{i:02d}", None, T0 + i, "system") for i in range(200)
    ]
    history = History.of_changes(sorted(presses + home, key=lambda c: c.time))
    moved = history.since(T0 + 200)  # the presses left the window; their states stay in the table
    assert moved.sparse()
    compact = moved.compacted()
    assert not compact.sparse()
    assert len(compact.states) < len(moved.states) - 150
    decoded = lambda h: [(h.entity_ids[e], h.states[s]) for e, s in zip(h.entity, h.state, strict=True)]  # noqa: E731
    assert decoded(compact) == decoded(moved)
    assert mine_habits(compact) == mine_habits(moved) == mine_habits(home)
