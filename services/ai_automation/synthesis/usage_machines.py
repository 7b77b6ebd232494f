"""State machines of things people use: lights, switches, plugs and their power, fans, media, climate."""

from __future__ import annotations

import numpy as np

from ai_automation.synthesis.household_rhythm import AREA_GROUP, BIN_S
from ai_automation.synthesis.origins import AUTOMATION, USER, follow_motion
from ai_automation.synthesis.sim_context import MINUTE, US, SimContext, merge_intervals
from ai_automation.synthesis.state_machines import SECOND, sessions

_LIGHT_MINUTES = {"living": 55, "kitchen": 20, "sleep": 12, "bath": 7, "pass": 3, "work": 60,
                  "outdoor": 40, "service": 8}  # fmt: skip
_COLOR_MODE = {
    "light_onoff": "onoff",
    "light_dimmable": "brightness",
    "light_rgbw": "rgbw",
    "garage_door": "onoff",
}
# appliance: (watts, median session minutes, session rate per activity unit, area kinds)
_APPLIANCES = {
    "kettle": (2000.0, 4.0, 0.012, ("kitchen", "kitchenette")),
    "coffee_maker": (1100.0, 6.0, 0.01, ("kitchen", "kitchenette", "dining_room")),
    "tv_box": (95.0, 80.0, 0.01, ("living_room", "main_room", "playroom", "master_bedroom")),
    "lamp": (35.0, 60.0, 0.012, ("living_room", "bedroom", "master_bedroom", "guest_room", "kids_room")),
    "computer": (160.0, 110.0, 0.012, ("office", "bedroom", "kids_room", "main_room")),
    "heater": (1500.0, 45.0, 0.006, ("bedroom", "master_bedroom", "office", "basement", "guest_room")),
    "washer": (520.0, 85.0, 0.0, ("laundry", "basement", "kitchen", "bathroom", "garage")),
    "fridge": (85.0, 25.0, 0.0, ("kitchen", "garage", "basement", "kitchenette")),
    "charger": (12.0, 150.0, 0.004, ("garage", "hallway", "workshop", "office")),
}


def _brightness(hours: np.ndarray) -> np.ndarray:
    """Variant code 0-3 (brightness 64/128/191/255) by local hour: dim late at night, full by day."""
    code = np.full(hours.shape, 3, dtype=np.int64)
    code[(hours >= 19) & (hours < 21)] = 2
    code[(hours >= 21) | (hours < 7)] = 1
    code[(hours >= 23.5) | (hours < 5.5)] = 0
    return code


def emit_light(ctx: SimContext, entity: int, on: np.ndarray, off: np.ndarray) -> None:
    """light: on with a brightness that suits the hour, off with null colour attributes."""
    info = ctx.layout.entities[entity]
    mode = _COLOR_MODE.get(ctx.layout.device_kinds[info.device], "onoff")
    if mode == "onoff":
        on_attr = np.full(on.size, ctx.attrs.id(entity, (("color_mode", "onoff"),)), dtype=np.int32)
        off_attr = ctx.attrs.id(entity, (("color_mode", None),))
    else:
        levels = tuple((("color_mode", mode), ("brightness", b)) for b in (64, 128, 191, 255))
        on_attr = ctx.attrs.ids(entity, levels)[_brightness(ctx.grid.local_hour[ctx.bins(on)])]
        off_attr = ctx.attrs.id(entity, (("color_mode", None), ("brightness", None)))
    ids = ctx.states.ids(("on", "off"))
    ctx.events.add(entity, on, int(ids[0]), on_attr)
    ctx.events.add(entity, off, int(ids[1]), off_attr)
    ctx.lights.setdefault(info.area, []).append((on, off))


def simulate_area_lights(ctx: SimContext, area: int, lights: list[int], automation: int) -> None:
    """All lights of one area: motion-driven when an automation exists, manual sessions otherwise."""
    kind = ctx.layout.area_kinds[area]
    group = AREA_GROUP.get(kind, "outdoor")
    outdoor = ctx.layout.areas[area]["type"] == "outdoor"
    dark = ctx.darkness(0.35 if group in ("bath", "pass", "service") and not outdoor else 0.0)
    rng = ctx.rng
    if automation >= 0 and area in ctx.motion:
        m_on, m_off = ctx.motion[area]
        keep = rng.random(m_on.size) < dark[ctx.bins(m_on)]
        timeout = int(rng.uniform(2.0, 5.0) * MINUTE)
        on, off = merge_intervals(
            m_on[keep] + rng.integers(US // 3, 2 * US, int(keep.sum())), m_off[keep] + timeout
        )
        ctx.marks[f"auto_on:{automation}"], ctx.marks[f"auto_off:{automation}"] = on, off
        share = 0.9
        _note_routine(ctx, area, lights, "automation", int(on.size))
    else:
        if outdoor:
            evening = (ctx.grid.local_hour >= 17) | (ctx.grid.local_hour < 1)
            rate = 0.03 * ctx.rhythm.active * dark * evening
        else:
            rate = ctx.rhythm.area_activity[area] * dark * 0.03
        on, off = sessions(ctx, rate, _LIGHT_MINUTES[group])
        share = 0.5
    first_on, first_off, habit = on, off, np.zeros(on.size, dtype=bool)
    if automation < 0 and area in ctx.motion and not outdoor and ctx.origins.wants_habit():
        moved, habit = follow_motion(ctx.origins.rng, ctx.motion[area][0], on,
                                     ctx.grid.local_day[ctx.bins(on)], dark[ctx.bins(on)] > 0.5, ctx.n_days)  # fmt: skip
        first_on, first_off = merge_intervals(moved, off)  # the other lights keep to the sessions as drawn
        habit = np.isin(first_on, moved[habit])
        _note_routine(ctx, area, lights[:1], "user", int(habit.sum()))
    # One gesture switches the area's lights together, at the wall or through HA: one origin per session.
    by_hand_on, by_hand_off = ctx.origins.by_hand(on.size), ctx.origins.by_hand(on.size)
    for k, light in enumerate(lights):
        if k == 0:
            s, e = first_on, first_off
            user_on, user_off = (s if habit.any() else on[by_hand_on]), off[by_hand_off]
        else:
            pick = rng.random(on.size) < share
            shifted_on, shifted_off = on[pick] + rng.integers(0, 3 * US, int(pick.sum())), off[pick] + 2 * US
            s, e = merge_intervals(shifted_on, shifted_off)
            user_on, user_off = shifted_on[by_hand_on[pick]], shifted_off[by_hand_off[pick]]
        if automation < 0:
            ctx.sessions[light] = s
            ctx.origins.mark(light, np.concatenate((user_on, user_off)), USER)
        else:
            ctx.origins.mark(light, np.concatenate((s, e)), AUTOMATION)
        emit_light(ctx, light, s, e)


def _note_routine(ctx: SimContext, area: int, lights: list[int], by: str, occurrences: int) -> None:
    """Write a routine into the home's labels: motion in `area` -> its lights on, by a user or an automation."""
    entities = ctx.layout.entities
    ctx.origins.routines.append(
        {
            "trigger": entities[ctx.motion_sensor[area]].entity_id,
            "trigger_state": "on",
            "actions": [entities[light].entity_id for light in lights],
            "action_state": "on",
            "by": by,
            "occurrences": occurrences,
        }
    )


def simulate_garage_light(ctx: SimContext, entity: int) -> None:
    """The garage door opener's light: on while the door moves, off three minutes later."""
    pair = ctx.marks.get(f"garage:{ctx.layout.entities[entity].device}")
    if pair is not None:
        on, off = merge_intervals(pair[0] + SECOND, pair[1] + 3 * MINUTE)
        emit_light(ctx, entity, on, off)


def simulate_switch(ctx: SimContext, entity: int) -> None:
    """switch (wall switch): occasional manual use in its area, more after dark."""
    area = ctx.layout.entities[entity].area
    on, off = sessions(ctx, ctx.rhythm.area_activity[area] * ctx.darkness(0.2) * 0.012, 25.0)
    ctx.alternate(entity, on, off, ("on", "off"))
    ctx.sessions[entity] = on
    ctx.origins.mark(
        entity, np.concatenate((on[ctx.origins.by_hand(on.size)], off[ctx.origins.by_hand(off.size)])), USER
    )


def pick_appliance(ctx: SimContext, area_kind: str) -> str:
    """The appliance behind a smart plug, given the room it is in."""
    names = [name for name, spec in _APPLIANCES.items() if area_kind in spec[3]] or ["lamp", "charger"]
    return names[int(ctx.rng.integers(len(names)))]


def simulate_plug(ctx: SimContext, switch: int, power: int, energy: int) -> None:
    """Smart plug: the outlet switch follows its appliance; power and energy follow the switch."""
    info = ctx.layout.entities[switch]
    appliance = pick_appliance(ctx, ctx.layout.area_kinds[info.area])
    watts, minutes, rate, _ = _APPLIANCES[appliance]
    rng = ctx.rng
    if appliance == "fridge":
        period = rng.uniform(40.0, 70.0, int(ctx.grid.days * 24 * 60 / 40) + 2) * MINUTE
        on = ctx.start_us + np.cumsum(period).astype(np.int64) - int(rng.uniform(0, 40) * MINUTE)
        off = on + (rng.uniform(0.3, 0.5, on.size) * period).astype(np.int64)
    elif appliance == "washer":
        days = np.nonzero(rng.random(ctx.n_days) < 0.4)[0]
        on = ctx.local_times(days, rng.uniform(8.0, 20.0, days.size))
        off = on + (minutes * MINUTE * rng.uniform(0.8, 1.3, days.size)).astype(np.int64)
        on, off = merge_intervals(on, off)
    else:
        weight = ctx.rhythm.area_activity[info.area] + 0.15 * ctx.rhythm.active
        if appliance == "heater":
            weight = weight * (ctx.outdoor_temp < 10.0)
        on, off = sessions(ctx, weight * rate, minutes, clip_idle=appliance not in ("charger", "computer"))
    if appliance != "fridge":
        ctx.alternate(switch, on, off, ("on", "off"))
        ctx.sessions[switch] = on
    reports = ctx.sample_times(np.full(ctx.grid.n_bins, 8.0 * BIN_S / 3600.0))
    idx = np.searchsorted(on, reports, side="right") - 1
    inside = (idx >= 0) & (reports < np.append(off, 0)[np.maximum(idx, 0)])
    standby = round(float(rng.uniform(0.0, 1.5)), 1) if appliance != "fridge" else 1.2
    times = np.concatenate((reports[inside], on + 2 * SECOND, off + SECOND))
    noise = 1.0 + rng.normal(0.0, 0.03, times.size)
    level = np.concatenate((np.full(int(inside.sum()) + on.size, watts), np.full(off.size, 0.0)))
    values = np.where(level > 0, level * noise, standby)
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    ctx.events.add(power, times, ctx.states.numeric(values, 1), ctx.attrs.id(power))
    on_time = _time_on(on, off, times)
    kwh = rng.uniform(5.0, 400.0) + (watts * on_time + standby * (times - ctx.start_us)) / 3.6e12
    ctx.events.add(energy, times, ctx.states.numeric(kwh, 2), ctx.attrs.id(energy))


def _time_on(on: np.ndarray, off: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Total time (µs) spent inside the (on, off) intervals before each of `times`."""
    if on.size == 0:
        return np.zeros(times.size)
    done = np.concatenate(([0], np.cumsum(off - on)))
    k = np.searchsorted(on, times, side="right")
    prev = np.maximum(k - 1, 0)
    partial = np.clip(np.minimum(times, off[prev]) - on[prev], 0, None)
    out: np.ndarray = np.where(k > 0, done[prev] + partial, 0)
    return out


def simulate_fan(ctx: SimContext, entity: int, exhaust: bool) -> None:
    """fan: bathroom exhaust after showers; ceiling fans on warm afternoons and nights."""
    rng = ctx.rng
    if exhaust:
        showers = ctx.marks.get("showers", np.zeros(0, dtype=np.int64))
        on, off = merge_intervals(
            showers + 30 * SECOND, showers + rng.integers(10 * MINUTE, 30 * MINUTE, showers.size)
        )
    else:
        area = ctx.layout.entities[entity].area
        on, off = sessions(ctx, ctx.rhythm.area_activity[area] * 0.015 * (ctx.outdoor_temp > 22.0), 90.0)
    attrs = (ctx.attrs.id(entity, (("percentage", 66),)), ctx.attrs.id(entity, (("percentage", 0),)))
    ctx.alternate(entity, on, off, ("on", "off"), attrs)


def simulate_media(ctx: SimContext, entity: int, tv: bool) -> None:
    """media_player: sessions with pauses; a TV goes off afterwards, a speaker pauses then idles."""
    info = ctx.layout.entities[entity]
    rng = ctx.rng
    hour = ctx.grid.local_hour
    weight = np.where((hour >= 18) & (hour < 23.5), 1.0, 0.25) if tv else np.where(hour < 10, 0.8, 0.5)
    on, off = sessions(ctx, ctx.rhythm.area_activity[info.area] * weight * 0.02, 75.0 if tv else 30.0)
    ctx.sessions[entity] = on
    paused = rng.random(on.size) < 0.35
    pause_at = on + ((off - on) * rng.uniform(0.2, 0.8, on.size)).astype(np.int64)
    resume_at = pause_at + rng.integers(1 * MINUTE, 8 * MINUTE, on.size)
    paused &= resume_at < off - MINUTE
    content = "tvshow" if tv else "music"
    volume = round(float(rng.uniform(0.15, 0.5)), 2)
    playing = ctx.attrs.id(entity, (("volume_level", volume), ("media_content_type", content)))
    static = ctx.attrs.id(entity)
    ids = ctx.states.ids(("playing", "paused", "off", "idle"))
    ctx.events.add(entity, np.concatenate((on, resume_at[paused])), int(ids[0]), playing)
    ctx.events.add(entity, pause_at[paused], int(ids[1]), playing)
    if tv:
        ctx.events.add(entity, off, int(ids[2]), static)
        return
    ctx.events.add(entity, off, int(ids[1]), playing)
    idle = off + rng.integers(5 * MINUTE, 15 * MINUTE, off.size)
    nxt = np.append(on[1:], np.iinfo(np.int64).max)
    ok = idle < nxt - SECOND
    ctx.events.add(entity, idle[ok], int(ids[3]), static)


def simulate_thermostat(ctx: SimContext, entity: int, scheduled: bool, cooling: bool) -> None:
    """climate: mode follows the season (3-day outdoor mean), target follows the household's day."""
    rng = ctx.rng
    window = 3 * 86400 // BIN_S
    padded = np.concatenate((np.full(window, ctx.outdoor_temp[0]), ctx.outdoor_temp))
    cums = np.cumsum(padded)
    mean3 = (cums[window:] - cums[:-window]) / window
    mode = np.where(mean3 < 15.5, 1, np.where(cooling & (mean3 > 23.0), 2, 0))
    comfort = round(float(rng.uniform(20.0, 22.0)) * 2) / 2
    setback = comfort - round(float(rng.uniform(1.5, 4.0)) * 2) / 2
    awake = ctx.rhythm.active > 0
    heat_sp = np.where(awake | (not scheduled), comfort, setback)
    cool_sp = np.where(awake | (not scheduled), comfort + 3.0, comfort + 5.0)
    target = np.where(mode == 1, heat_sp, np.where(mode == 2, cool_sp, np.nan))
    if "hvac_target" not in ctx.marks:
        ctx.marks["hvac_target"] = target
    code = mode * 1000 + np.nan_to_num(target * 2).astype(np.int64)
    change = np.nonzero(np.diff(code, prepend=code[0] - 1))[0]
    times = ctx.bin_times()[change]
    hvac_modes = ("off", "heat", "cool", "auto") if cooling else ("off", "heat")
    _uniq, first, inverse = np.unique(code[change], return_index=True, return_inverse=True)
    ids = []
    for k in first.tolist():
        m, t = int(mode[change[k]]), float(target[change[k]])
        extra = (
            ("hvac_modes", hvac_modes),
            ("min_temp", 7),
            ("max_temp", 35),
            ("temperature", t if m else None),
        )
        ids.append(ctx.attrs.id(entity, extra))
    state = ctx.states.ids(("off", "heat", "cool"))[mode[change]]
    ctx.events.add(entity, times, state, np.array(ids, dtype=np.int32)[inverse])
    ctx.marks["climate_change"] = times[1:]
