"""Per-domain state machines driven by the household: presence, motion, doors, locks, alarm, covers.

Every machine is built from arrays of interval starts and ends, so states alternate by
construction (on->off, unlocked->locked) and nothing loops over single events.
"""

from __future__ import annotations

import numpy as np

from ai_automation.synthesis.household_rhythm import BIN_S
from ai_automation.synthesis.sim_context import MINUTE, US, SimContext, episodes, merge_intervals

SECOND = US


def simulate_sun(ctx: SimContext, entity: int) -> None:
    """sun.sun: above_horizon / below_horizon at sunrise and sunset."""
    rise, fall = ctx.edge_times(ctx.grid.sun_elevation > -0.833)
    ctx.alternate(entity, rise, fall, ("above_horizon", "below_horizon"))
    ctx.marks["sunrise"], ctx.marks["sunset"] = rise, fall


def simulate_people(ctx: SimContext, people: list[int]) -> None:
    """person.*: home / not_home; also records household arrivals, departures and door traffic."""
    leaves, arrives = [], []
    for p, entity in enumerate(people):
        arrive, leave = ctx.edge_times(ctx.rhythm.home[p])
        ctx.alternate(entity, arrive, leave, ("home", "not_home"))
        leaves.append(leave)
        arrives.append(arrive)
        if ctx.rhythm.archetypes[p] == "commuter":
            ctx.marks.setdefault("car_leave", np.zeros(0, dtype=np.int64))
            ctx.marks["car_leave"] = np.sort(np.concatenate((ctx.marks["car_leave"], leave)))
            ctx.marks["car_arrive"] = np.sort(
                np.concatenate((ctx.marks.get("car_arrive", leave[:0]), arrive))
            )
    ctx.marks["person_leave"] = np.sort(np.concatenate(leaves))
    ctx.marks["person_arrive"] = np.sort(np.concatenate(arrives))
    ctx.marks["arrive"], ctx.marks["leave"] = ctx.edge_times(ctx.rhythm.occupied)
    idle = ctx.rhythm.active == 0
    hour = ctx.grid.local_hour
    night_idle = idle & ctx.rhythm.occupied
    wake, sleep = ctx.edge_times(~night_idle)
    ctx.marks["good_morning"] = wake[(hour[ctx.bins(wake)] >= 4.5) & (hour[ctx.bins(wake)] < 11.5)]
    sleep_hour = hour[ctx.bins(sleep)]
    ctx.marks["good_night"] = sleep[(sleep_hour >= 20.5) | (sleep_hour < 3.0)]
    entrance = next((a for a, k in enumerate(ctx.layout.area_kinds) if k in ("entrance", "hallway")), -1)
    rate = ctx.rhythm.area_activity[entrance] * 0.02 if entrance >= 0 else ctx.rhythm.active * 0.01
    ctx.marks["door_random"] = ctx.sample_times(rate * ctx.rhythm.occupied)


def simulate_motion(ctx: SimContext, entity: int, camera: bool = False) -> None:
    """binary_sensor motion: PIR triggers from the area's activity, held on 60-120 s after the last one."""
    info = ctx.layout.entities[entity]
    rate = 0.22 * ctx.rhythm.area_activity[info.area]
    if camera:
        daylight = np.clip((ctx.grid.sun_elevation + 4.0) / 12.0, 0.0, 1.0)
        rate = 2.0 * rate + 0.012 + 0.03 * daylight
    triggers = ctx.sample_times(rate)
    triggers = triggers[ctx.failures.alive(info.device, triggers)]
    hold = int(ctx.rng.uniform(30, 60) * SECOND) if camera else int(ctx.rng.uniform(60, 120) * SECOND)
    on, off = episodes(triggers, hold)
    ctx.alternate(entity, on, off, ("on", "off"))
    if not camera:
        ctx.motion.setdefault(info.area, (on, off))
        ctx.motion_sensor.setdefault(info.area, entity)
    else:
        ctx.marks[f"camera_motion:{info.device}"] = np.stack((on, off))


def simulate_camera(ctx: SimContext, entity: int) -> None:
    """camera: `recording` while its motion sensor sees something (plus 30 s), else `idle`."""
    info = ctx.layout.entities[entity]
    pair = ctx.marks.get(f"camera_motion:{info.device}")
    if pair is None:
        return
    on, off = merge_intervals(pair[0] + SECOND, pair[1] + 30 * SECOND)
    ctx.alternate(entity, on, off, ("recording", "idle"))


def _door_traffic(ctx: SimContext, main: bool, garage: bool) -> tuple[np.ndarray, np.ndarray]:
    if garage:
        leave = ctx.marks.get("car_leave", np.zeros(0, dtype=np.int64))
        arrive = ctx.marks.get("car_arrive", np.zeros(0, dtype=np.int64))
    elif main:
        leave, arrive = ctx.marks["person_leave"], ctx.marks["person_arrive"]
    else:
        leave = arrive = np.zeros(0, dtype=np.int64)
    return leave, arrive


def simulate_door(ctx: SimContext, entity: int, main: bool) -> None:
    """binary_sensor door (outside door): opens briefly on departures, arrivals and errands."""
    info = ctx.layout.entities[entity]
    leave, arrive = _door_traffic(ctx, main, ctx.layout.area_kinds[info.area] == "garage")
    rnd = ctx.marks["door_random"] if main else ctx.marks["door_random"][::4]
    rng = ctx.rng
    starts = np.concatenate((leave - 30 * SECOND, arrive + 2 * SECOND, rnd + 5 * SECOND))
    length = rng.integers(8 * SECOND, 40 * SECOND, starts.size)
    on, off = merge_intervals(starts, starts + length)
    ctx.alternate(entity, on, off, ("on", "off"))


def simulate_window(ctx: SimContext, entity: int) -> None:
    """binary_sensor window: morning airing and long openings on warm days."""
    n_days = ctx.n_days
    day = np.arange(n_days)
    airing = ctx.rng.random(n_days) < 0.45
    start = ctx.local_times(day[airing], ctx.rng.uniform(7.0, 10.0, int(airing.sum())))
    end = start + ctx.rng.integers(10 * MINUTE, 40 * MINUTE, start.size)
    opener = ctx.rng.random() < 0.6
    w_on, w_off = ctx.mask_intervals((ctx.outdoor_temp > 21.0) & ctx.rhythm.occupied & opener)
    k = min(w_on.size, w_off.size)
    on, off = merge_intervals(np.concatenate((start, w_on[:k])), np.concatenate((end, w_off[:k])))
    ctx.alternate(entity, on, off, ("on", "off"))


def simulate_lock(ctx: SimContext, entity: int, main: bool) -> None:
    """lock: unlocked around each departure, arrival and errand, locked again (auto-lock) soon after."""
    info = ctx.layout.entities[entity]
    leave, arrive = _door_traffic(ctx, main, ctx.layout.area_kinds[info.area] == "garage")
    rnd = ctx.marks["door_random"] if main else ctx.marks["door_random"][::4]
    rng = ctx.rng
    starts = np.concatenate((leave - 40 * SECOND, arrive - 8 * SECOND, rnd))
    ends = np.concatenate(
        (
            leave + rng.integers(5 * SECOND, 20 * SECOND, leave.size),
            arrive + rng.integers(30 * SECOND, 4 * MINUTE, arrive.size),
            rnd + rng.integers(1 * MINUTE, 10 * MINUTE, rnd.size),
        )
    )
    on, off = merge_intervals(starts, ends)
    ctx.alternate(entity, on, off, ("unlocked", "locked"))


def simulate_garage_door(ctx: SimContext, entity: int) -> None:
    """cover garage: opening/open/closing/closed around each car departure and arrival."""
    leave = ctx.marks.get("car_leave", np.zeros(0, dtype=np.int64))
    arrive = ctx.marks.get("car_arrive", np.zeros(0, dtype=np.int64))
    starts = np.concatenate((leave - 90 * SECOND, arrive - 30 * SECOND))
    on, off = merge_intervals(starts, starts + 75 * SECOND)
    _cover_cycle(ctx, entity, on, off, travel=12 * SECOND)
    ctx.marks[f"garage:{ctx.layout.entities[entity].device}"] = np.stack((on, off + 12 * SECOND))


def _cover_cycle(
    ctx: SimContext, entity: int, open_at: np.ndarray, close_at: np.ndarray, travel: int
) -> None:
    ids = ctx.states.ids(("opening", "open", "closing", "closed"))
    positions = ((("current_position", 0),), (("current_position", 100),),
                 (("current_position", 100),), (("current_position", 0),))  # fmt: skip
    attrs = ctx.attrs.ids(entity, positions)
    for k, times in enumerate((open_at, open_at + travel, close_at, close_at + travel)):
        ctx.events.add(entity, times, int(ids[k]), int(attrs[k]))


def simulate_blind(ctx: SimContext, entity: int) -> None:
    """cover blind: opens after the first wake-up (not before sunrise), closes around sunset or bedtime."""
    n_days = ctx.n_days
    day = np.arange(n_days)
    wake = ctx.rhythm.wake_h.min(axis=0) + ctx.rng.uniform(0.0, 0.4, n_days)
    open_at = ctx.local_times(day, wake)
    sunrise = ctx.marks.get("sunrise", open_at)
    if sunrise.size:
        idx = np.clip(np.searchsorted(sunrise, open_at - 3 * 3600 * US), 0, sunrise.size - 1)
        open_at = np.maximum(open_at, sunrise[idx])
    sunset = ctx.marks.get("sunset", open_at + 10 * 3600 * US)
    idx = np.clip(np.searchsorted(sunset, open_at), 0, max(sunset.size - 1, 0))
    close_at = (sunset[idx] if sunset.size else open_at + 10 * 3600 * US) + ctx.rng.integers(
        0, 40 * MINUTE, n_days
    )
    valid = close_at > open_at + 30 * MINUTE
    on, off = merge_intervals(open_at[valid], close_at[valid])
    _cover_cycle(ctx, entity, on, off, travel=int(ctx.rng.integers(15, 30)) * SECOND)


def simulate_alarm(ctx: SimContext, entity: int) -> None:
    """alarm_control_panel: armed_away when empty (after `arming`), armed_night while all sleep."""
    occupied, idle = ctx.rhythm.occupied, ctx.rhythm.active == 0
    hour = ctx.grid.local_hour
    code = np.where(~occupied, 1, np.where(idle & ((hour >= 20) | (hour < 8)), 2, 0)).astype(np.int8)
    change = np.nonzero(np.diff(code, prepend=code[0]))[0]
    if change.size == 0:
        return
    stamp = ctx.bin_times()[change]
    ids = ctx.states.ids(("disarmed", "armed_away", "armed_night", "arming"))
    static = ctx.attrs.id(entity, (("code_format", "number"), ("changed_by", None)))
    new = code[change]
    arming = stamp[new == 1]
    ctx.events.add(entity, arming, int(ids[3]), static)
    ctx.events.add(entity, np.where(new == 1, stamp + 60 * SECOND, stamp), ids[new], static)
    ctx.marks["alarm_away"] = arming


def simulate_vacuum(ctx: SimContext, entity: int, when_away: bool) -> None:
    """vacuum: cleaning -> returning -> docked runs, on a daily schedule or when everyone has left."""
    n_days = ctx.n_days
    run = ctx.rng.random(n_days) < 0.55
    if when_away and ctx.marks["leave"].size:
        starts = ctx.marks["leave"] + 5 * MINUTE
        hour = ctx.grid.local_hour[ctx.bins(starts)]
        starts = starts[(hour > 8) & (hour < 17)]
        day = ctx.grid.local_day[ctx.bins(starts)]
        _, first = np.unique(day, return_index=True)
        starts = starts[first][run[day[first]]]
    else:
        day = np.nonzero(run)[0]
        starts = ctx.local_times(day, ctx.rng.uniform(9.8, 10.4, day.size))
    duration = ctx.rng.integers(35 * MINUTE, 80 * MINUTE, starts.size)
    back = ctx.rng.integers(1 * MINUTE, 4 * MINUTE, starts.size)
    ids = ctx.states.ids(("cleaning", "returning", "docked"))
    static = ctx.attrs.id(entity, (("fan_speed", "standard"),))
    for k, times in enumerate((starts, starts + duration, starts + duration + back)):
        ctx.events.add(entity, times, int(ids[k]), static)
    ctx.marks[f"vacuum:{ctx.layout.entities[entity].device}"] = np.stack((starts, starts + duration + back))
    ctx.marks["vacuum_start"] = starts


def simulate_sprinkler(ctx: SimContext, entity: int) -> None:
    """valve water: early-morning watering on warm, dry days."""
    n_days = ctx.n_days
    bins_per_day = np.maximum(np.bincount(ctx.grid.local_day, minlength=n_days), 1)
    per_day = np.bincount(ctx.grid.local_day, weights=ctx.outdoor_temp, minlength=n_days) / bins_per_day
    wet = np.bincount(ctx.grid.local_day, weights=ctx.cloud, minlength=n_days) / bins_per_day
    day = np.nonzero((per_day > 13.0) & (wet < 0.6))[0]
    start = ctx.local_times(day, ctx.rng.uniform(5.5, 6.5, day.size))
    ctx.alternate(
        entity, start, start + ctx.rng.integers(10 * MINUTE, 30 * MINUTE, day.size), ("open", "closed")
    )


def simulate_rare_alarm(ctx: SimContext, entity: int, chance_per_30d: float) -> None:
    """binary_sensor smoke/moisture: almost always off; a rare test or wet floor."""
    if ctx.rng.random() < chance_per_30d * ctx.grid.days / 30.0:
        start = np.array([ctx.start_us + int(ctx.rng.uniform(0.05, 0.95) * (ctx.end_us - ctx.start_us))])
        ctx.alternate(entity, start, start + int(ctx.rng.uniform(10, 600)) * SECOND, ("on", "off"))


def sessions(
    ctx: SimContext, rate: np.ndarray, median_min: float, clip_idle: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Usage sessions: Poisson starts from a per-bin rate, lognormal lengths, ended when all sleep or leave."""
    starts = ctx.sample_times(rate)
    length = (median_min * MINUTE * ctx.rng.lognormal(0.0, 0.6, starts.size)).astype(np.int64)
    ends = starts + np.maximum(length, 20 * SECOND)
    if clip_idle:
        forgotten = ctx.rng.random(starts.size) < 0.04
        limit = ctx.next_idle()[ctx.bins(starts)] + ctx.rng.integers(0, BIN_S * US, starts.size)
        ends = np.where(forgotten, ends, np.minimum(ends, limit))
        ends = np.maximum(ends, starts + 20 * SECOND)
    return merge_intervals(starts, ends)
