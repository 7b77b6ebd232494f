"""Simulate one home's event history: run every entity's state machine, then failures, then clean up.

Output columns are sorted by entity then time, deduplicated the way HA records states (a change
is kept only if the state or the attributes differ from the entity's previous state).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ai_automation.synthesis import automation_events, sensor_series, state_machines, usage_machines
from ai_automation.synthesis.device_failures import FailurePlan, apply_failures
from ai_automation.synthesis.layout import HomeLayout
from ai_automation.synthesis.sim_context import SimContext

Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_COOLING_COUNTRIES = ("US", "AU", "ES")


def _dedupe(cols: Columns) -> Columns:
    t, ent, st, at = cols
    keep = np.ones(t.size, dtype=bool)
    keep[1:] = (ent[1:] != ent[:-1]) | (st[1:] != st[:-1]) | (at[1:] != at[:-1])
    return t[keep], ent[keep], st[keep], at[keep]


def _window(cols: Columns, start: int, end: int) -> Columns:
    t, ent, st, at = cols
    inside = (t >= start) & (t < end)
    order = np.lexsort((t[inside], ent[inside]))
    return t[inside][order], ent[inside][order], st[inside][order], at[inside][order]


def _physical(ctx: SimContext) -> None:
    layout = ctx.layout
    by: dict[str, list[int]] = defaultdict(list)
    for i, info in enumerate(layout.entities):
        by[info.behaviour].append(i)
    roles = {info.role for info in layout.entities if info.behaviour == "automation"}
    for e in by["motion"]:
        state_machines.simulate_motion(ctx, e)
    for e in by["camera_motion"]:
        state_machines.simulate_motion(ctx, e, camera=True)
    for e in by["camera"]:
        state_machines.simulate_camera(ctx, e)
    for k, e in enumerate(by["door"]):
        state_machines.simulate_door(ctx, e, main=k == 0)
    for k, e in enumerate(by["lock"]):
        state_machines.simulate_lock(ctx, e, main=k == 0)
    for e in by["window"]:
        state_machines.simulate_window(ctx, e)
    for e in by["garage_door"]:
        state_machines.simulate_garage_door(ctx, e)
    for e in by["blind"]:
        state_machines.simulate_blind(ctx, e)
    for e in by["alarm"]:
        state_machines.simulate_alarm(ctx, e)
    for e in by["vacuum"]:
        state_machines.simulate_vacuum(ctx, e, when_away="vacuum_away" in roles)
    for e in by["sprinkler"]:
        state_machines.simulate_sprinkler(ctx, e)
    for e in by["smoke"]:
        state_machines.simulate_rare_alarm(ctx, e, 0.12)
    for e in by["leak"]:
        state_machines.simulate_rare_alarm(ctx, e, 0.03)
    automation_by_area = {
        info.area: i for i, info in enumerate(layout.entities) if info.role == "motion_lights"
    }
    lights_by_area: dict[int, list[int]] = defaultdict(list)
    for e in by["light"]:
        if layout.device_kinds[layout.entities[e].device] == "garage_door":
            usage_machines.simulate_garage_light(ctx, e)
        else:
            lights_by_area[layout.entities[e].area].append(e)
    for area, lights in lights_by_area.items():
        usage_machines.simulate_area_lights(ctx, area, lights, automation_by_area.get(area, -1))
    siblings = {
        (layout.entities[i].device, layout.entities[i].behaviour): i for i in range(len(layout.entities))
    }
    for e in by["outlet"]:
        device = layout.entities[e].device
        usage_machines.simulate_plug(ctx, e, siblings[(device, "power")], siblings[(device, "energy")])
    for e in by["meter_power"]:
        sensor_series.simulate_meter(ctx, e, siblings[(layout.entities[e].device, "meter_energy")])
    for e in by["switch"]:
        usage_machines.simulate_switch(ctx, e)
    for e in by["exhaust_fan"]:
        usage_machines.simulate_fan(ctx, e, exhaust=True)
    for e in by["fan"]:
        usage_machines.simulate_fan(ctx, e, exhaust=False)
    for e in by["tv"] + by["speaker"]:
        usage_machines.simulate_media(ctx, e, tv=layout.entities[e].behaviour == "tv")
    cooling = layout.location.country in _COOLING_COUNTRIES
    for e in by["thermostat"]:
        scheduled = "climate_schedule" in roles or ctx.rng.random() < 0.4
        usage_machines.simulate_thermostat(ctx, e, scheduled, cooling)
    for e in by["temperature"]:
        sensor_series.simulate_temperature(ctx, e, outdoor=False)
    for e in by["temperature_outdoor"]:
        sensor_series.simulate_temperature(ctx, e, outdoor=True)
    for behaviour, where in (
        ("humidity", "indoor"),
        ("humidity_outdoor", "outdoor"),
        ("humidity_bath", "bath"),
    ):
        for e in by[behaviour]:
            sensor_series.simulate_humidity(ctx, e, where)
    for e in by["illuminance"]:
        sensor_series.simulate_illuminance(ctx, e)
    for e in by["battery"]:
        if layout.device_kinds[layout.entities[e].device] == "vacuum":
            sensor_series.simulate_vacuum_battery(ctx, e)
        else:
            sensor_series.simulate_battery(ctx, e)


def simulate_events(
    ctx: SimContext,
) -> tuple[Columns, Columns]:
    """Run the home; return (state changes sorted by entity then time, other events unsorted)."""
    layout = ctx.layout
    state_machines.simulate_sun(ctx, layout.by_behaviour("sun")[0])
    state_machines.simulate_people(ctx, layout.by_behaviour("person"))
    sensor_series.plan_showers(ctx)
    _physical(ctx)
    automation_events.simulate_automation_events(ctx)
    automation_events.simulate_requests(ctx)
    cols = _dedupe(_window(ctx.events.columns(), ctx.start_us, ctx.end_us))
    static = np.array([ctx.attrs.id(i) for i in range(len(layout.entities))], dtype=np.int32)
    cols = apply_failures(
        layout, ctx.failures, cols, ctx.states.id("unavailable"), ctx.states.id("unknown"), static
    )
    cols = _dedupe(_window(cols, ctx.start_us, ctx.end_us))
    ot, oent, otype, ofrag = ctx.others.columns()
    inside = (ot >= ctx.start_us) & (ot < ctx.end_us) & _reachable(ctx.failures, layout, oent, ot)
    return cols, (ot[inside], oent[inside], otype[inside], ofrag[inside])


def _reachable(plan: FailurePlan, layout: HomeLayout, entities: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Requests to a device inside one of its outages are dropped (voice and API calls need the device)."""
    keep = np.ones(times.size, dtype=bool)
    for episode in plan.episodes:
        members = [i for i, e in enumerate(layout.entities) if e.device == episode.device]
        hit = np.isin(entities, members)
        for start, end in episode.outages:
            keep &= ~(hit & (times >= start) & (times < end))
    return keep
