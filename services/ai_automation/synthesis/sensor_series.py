"""Numeric sensors with units: temperature, humidity, illuminance, battery, household power and energy.

Each sensor is a physical series on the 5-minute grid (indoor temperature follows the outdoor
weather and the heating, illuminance follows the sun and the lights, power follows occupancy),
sampled at the sensor's report times, rounded as HA shows it; equal consecutive values are
dropped later, as HA records only changes.
"""

from __future__ import annotations

import numpy as np

from ai_automation.synthesis.household_rhythm import BIN_S, KITCHEN_SHAPE
from ai_automation.synthesis.sim_context import MINUTE, US, SimContext

_AREA_TEMP_OFFSET = {"master_bedroom": -0.6, "bedroom": -0.5, "kids_room": -0.3, "guest_room": -0.9,
                     "bathroom": 0.7, "master_bathroom": 0.7, "attic": 1.2, "basement": -2.5, "hallway": -0.4}  # fmt: skip
_WINDOW_LIGHT = {"living_room": 1.4, "main_room": 1.3, "kitchen": 1.0, "office": 1.1, "hallway": 0.25,
                 "entrance": 0.3, "bathroom": 0.3, "basement": 0.05, "garage": 0.15, "laundry": 0.2}  # fmt: skip


def smooth(values: np.ndarray, width: int) -> np.ndarray:
    """Trailing moving average over `width` bins (a cheap thermal lag), edge-padded."""
    padded = np.concatenate((np.full(width, values[0]), values))
    cums = np.cumsum(padded)
    out: np.ndarray = (cums[width:] - cums[:-width]) / width
    return out


def plan_showers(ctx: SimContext) -> None:
    """Shower times (µs): most people shower shortly after waking when at home."""
    times = []
    for p in range(ctx.layout.occupants):
        day = np.nonzero(ctx.rng.random(ctx.n_days) < 0.75)[0]
        t = ctx.local_times(day, ctx.rhythm.wake_h[p, day] + ctx.rng.uniform(0.1, 0.7, day.size))
        inside = (t >= ctx.start_us) & (t < ctx.end_us)
        t = t[inside]
        times.append(t[ctx.rhythm.home[p][ctx.bins(t)]])
    ctx.marks["showers"] = np.sort(np.concatenate(times)) if times else np.zeros(0, dtype=np.int64)


def indoor_temperature(ctx: SimContext, area: int) -> np.ndarray:
    """Per-bin indoor temperature of an area: free-running house warmed by the heating setpoint."""
    if "tin_base" not in ctx.marks:
        t_out = smooth(ctx.outdoor_temp, 72)
        sun = np.clip(np.sin(np.radians(ctx.grid.sun_elevation)), 0.0, 1.0) * (1.0 - 0.6 * ctx.cloud)
        free = 0.5 * t_out + 11.0 + 2.5 * sun + 0.4 * ctx.rhythm.active
        target = ctx.marks.get("hvac_target")
        if target is None:
            mean3 = smooth(ctx.outdoor_temp, 864)
            target = np.where(mean3 < 15.0, 20.0, np.nan)
        heated = np.fmax(free, target - 0.4 + 0.06 * (t_out - 5.0))
        cooled = np.fmin(free, target + 0.5)
        temp = np.where(np.isnan(target), free, np.where(target >= 23.0, cooled, heated))
        noise = smooth(ctx.rng.normal(0.0, 0.6, temp.size), 12)
        ctx.marks["tin_base"] = smooth(temp, 18) + noise
    kind = ctx.layout.area_kinds[area]
    base = ctx.marks["tin_base"]
    if kind in ("garage", "shed", "workshop"):
        base = 0.55 * smooth(ctx.outdoor_temp, 48) + 6.0
    offset = _AREA_TEMP_OFFSET.get(kind, 0.0) + float(ctx.rng.normal(0.0, 0.3))
    out: np.ndarray = base + offset
    return out


def _drift(ctx: SimContext, entity: int, times: np.ndarray) -> np.ndarray:
    episode = ctx.failures.for_device(ctx.layout.entities[entity].device)
    if episode is None or episode.kind != "sensor_drift" or episode.entity != entity:
        return np.zeros(times.size)
    span = max(episode.failure_us - episode.start_us, 1)
    return episode.drift * np.clip((times - episode.start_us) / span, 0.0, 1.0)


def report(
    ctx: SimContext, entity: int, series: np.ndarray, per_hour: float, noise: float, decimals: int
) -> None:
    """Sample a per-bin series at Poisson report times and emit the rounded readings."""
    times = ctx.sample_times(np.full(ctx.grid.n_bins, per_hour * BIN_S / 3600.0))
    centres = (ctx.grid.bin_start * US + BIN_S * US // 2).astype(np.float64)
    values = np.interp(times.astype(np.float64), centres, series) + ctx.rng.normal(0.0, noise, times.size)
    values += _drift(ctx, entity, times)
    ctx.events.add(entity, times, ctx.states.numeric(values, decimals), ctx.attrs.id(entity))


def simulate_temperature(ctx: SimContext, entity: int, outdoor: bool) -> None:
    """sensor temperature (°C): indoor model of its area, or the weather plus sun on the housing."""
    if outdoor:
        sun = np.clip(ctx.grid.sun_elevation / 40.0, 0.0, 1.0) * (1.0 - ctx.cloud)
        report(ctx, entity, ctx.outdoor_temp + 1.5 * sun, 4.0, 0.1, 1)
    else:
        report(ctx, entity, indoor_temperature(ctx, ctx.layout.entities[entity].area), 2.0, 0.05, 1)


def simulate_humidity(ctx: SimContext, entity: int, where: str) -> None:
    """sensor humidity (%): outdoor weather, indoor air drier when warm, bathrooms after showers."""
    if where == "outdoor":
        report(ctx, entity, ctx.outdoor_rh, 2.0, 1.0, 0)
        return
    area = ctx.layout.entities[entity].area
    rh = 0.45 * ctx.outdoor_rh + 20.0 - 1.2 * (indoor_temperature(ctx, area) - 21.0)
    if where == "bath" or ctx.layout.area_kinds[area] in ("bathroom", "master_bathroom"):
        spikes = np.zeros(ctx.grid.n_bins)
        start = ctx.bins(ctx.marks.get("showers", np.zeros(0, dtype=np.int64)))
        for lag in range(12):
            np.add.at(spikes, np.minimum(start + lag, ctx.grid.n_bins - 1), 28.0 * np.exp(-lag / 4.0))
        rh = rh + spikes
    report(ctx, entity, np.clip(rh, 18.0, 97.0), 1.5 if where != "bath" else 3.0, 0.6, 0)


def simulate_illuminance(ctx: SimContext, entity: int) -> None:
    """sensor illuminance (lx): daylight through the area's windows plus its lights when on."""
    area = ctx.layout.entities[entity].area
    kind = ctx.layout.area_kinds[area]
    sun = np.clip(np.sin(np.radians(ctx.grid.sun_elevation)), 0.0, 1.0) ** 1.2
    lux = 900.0 * _WINDOW_LIGHT.get(kind, 0.8) * sun * (1.0 - 0.7 * ctx.cloud)
    centres = ctx.grid.bin_start * US + BIN_S * US // 2
    for on, off in ctx.lights.get(area, []):
        idx = np.searchsorted(on, centres, side="right") - 1
        # a light still on when the window ends has no `off`: it stays lit to the end
        ends = np.concatenate([off, np.full(max(on.size - off.size, 0) + 1, centres[-1] + 1)])
        lit = (idx >= 0) & (centres < ends[np.maximum(idx, 0)])
        lux = lux + 180.0 * lit
    times = ctx.sample_times(np.full(ctx.grid.n_bins, 2.0 * BIN_S / 3600.0))
    values = lux[ctx.bins(times)] * ctx.rng.uniform(0.95, 1.05, times.size)
    step = np.where(values < 20, 1.0, np.where(values < 200, 5.0, 10.0))
    ctx.events.add(entity, times, ctx.states.numeric(np.round(values / step) * step, 0), ctx.attrs.id(entity))


def simulate_battery(ctx: SimContext, entity: int) -> None:
    """sensor battery (%): slow discharge; a depletion episode drains it to 0; a repair resets to 100."""
    rng = ctx.rng
    per_day = 100.0 / rng.uniform(150.0, 700.0)
    start_level = rng.uniform(35.0, 100.0)
    times = ctx.sample_times(np.full(ctx.grid.n_bins, 0.5 * BIN_S / 3600.0))
    days = (times - ctx.start_us) / (86400.0 * US)
    level = start_level - per_day * days
    episode = ctx.failures.for_device(ctx.layout.entities[entity].device)
    if episode is not None and episode.kind == "battery_depletion":
        begin = (episode.start_us - ctx.start_us) / (86400.0 * US)
        fail = (episode.failure_us - ctx.start_us) / (86400.0 * US)
        at_begin = max(min(start_level - per_day * begin, 45.0), 8.0)
        frac = np.clip((days - begin) / max(fail - begin, 1e-6), 0.0, 1.0)
        level = np.where(days >= begin, at_begin * (1.0 - frac**1.6), level)
        if episode.end_us is not None:
            back = (episode.end_us - ctx.start_us) / (86400.0 * US)
            level = np.where(days >= back, 100.0 - per_day * (days - back), level)
            times = np.append(times, episode.end_us + US)
            level = np.append(level, 100.0)
    ctx.events.add(entity, times, ctx.states.numeric(np.clip(level, 0.0, 100.0), 0), ctx.attrs.id(entity))


def simulate_vacuum_battery(ctx: SimContext, entity: int) -> None:
    """The robot vacuum's battery: drains while cleaning, recharges on the dock."""
    runs = ctx.marks.get(f"vacuum:{ctx.layout.entities[entity].device}")
    if runs is None or runs.shape[1] == 0:
        return
    start, end = runs[0], runs[1]
    used = (end - start) / MINUTE * 0.55
    times = np.concatenate(
        (start + MINUTE, (start + end) // 2, end, end + 20 * MINUTE, end + 45 * MINUTE, end + 70 * MINUTE)
    )
    charged = (np.minimum(100 - used + 25, 99), np.minimum(100 - used + 55, 99), np.full(start.size, 100.0))
    values = np.concatenate((np.full(start.size, 99.0), 100 - used / 2, 100 - used, *charged))
    order = np.argsort(times, kind="stable")
    ctx.events.add(entity, times[order], ctx.states.numeric(values[order], 0), ctx.attrs.id(entity))


COOKING_W = 650.0
"""Watts of cooking per unit of the kitchen's busyness: about the daily energy of the fixed 900 W
breakfast and dinner windows it replaced (generator 2.7), for a household at home all day."""


def simulate_meter(ctx: SimContext, power: int, energy: int) -> None:
    """Whole-home meter: power (W) from occupancy and cooking, energy (kWh) its running integral.
    Cooking is the kitchen's hourly busyness (one clock-hour shape) while someone is awake at home: no
    breakfast before anyone is up, no lunch when everyone is out, not the same minute in every home."""
    hour = ctx.grid.local_hour.astype(np.int64)
    cooking = np.minimum(ctx.rhythm.active, 1.0) * KITCHEN_SHAPE[hour]
    load = 110.0 + 40.0 * ctx.layout.occupants + 230.0 * ctx.rhythm.active + COOKING_W * cooking
    load = load * (1.0 + 0.25 * (ctx.outdoor_temp < 5.0)) + smooth(ctx.rng.gamma(0.3, 300.0, load.size), 3)
    report(ctx, power, load, 4.0, 15.0, 0)
    kwh = ctx.rng.uniform(1000.0, 30000.0) + np.cumsum(load) * BIN_S / 3.6e6
    report(ctx, energy, kwh, 4.0, 0.0, 2)
