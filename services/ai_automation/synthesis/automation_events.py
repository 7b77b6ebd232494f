"""The non-state event types of the original, caused by what happens in the home.

automation_triggered, script_started and scene_activated refer to the home's own automation.,
script. and scene. entities; voice_command and api_call refer to the device they control;
webhook_triggered to the automation listening on the webhook. Shares come out of the causes
(a few percent of all events), not from a fixed per-event draw.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ai_automation.synthesis.automations import WEBHOOK_SOURCES
from ai_automation.synthesis.sim_context import US, SimContext

_VOICE_PLATFORMS = ("alexa", "google_assistant", "assist", "siri")
_CONTROLLABLE = ("light", "switch", "media_player", "climate", "cover", "fan", "lock")


def _eid(ctx: SimContext, entity: int) -> str:
    return ctx.layout.entities[entity].entity_id


def _area(ctx: SimContext, entity: int) -> str | None:
    """The entity's area as its registry record shows it (None for a device left in no area: an event
    knows no more of the home than HA does)."""
    area = ctx.layout.records[entity].get("area")
    return str(area) if area else None


def _trigger(
    ctx: SimContext, auto: int, name: str, trigger: int, state: str, times: np.ndarray, lag: int
) -> None:
    """automation_triggered `lag` µs before `times` (negative: after the triggering change)."""
    attrs: dict[str, Any] = {
        "trigger_entity_id": _eid(ctx, trigger),
        "trigger_device_type": ctx.layout.entities[trigger].domain,
        "area": _area(ctx, trigger),
        "trigger_state": state,
        "automation_name": name,
    }
    ctx.others.add("automation_triggered", auto, times - lag, ctx.others.fragment(attrs))


def _script(ctx: SimContext, script: int, trigger: int, times: np.ndarray, device_type: str) -> None:
    attrs = {
        "script_name": ctx.layout.entities[script].role,
        "trigger_entity_id": _eid(ctx, trigger),
        "area": _area(ctx, trigger),
        "device_type": device_type,
    }
    ctx.others.add("script_started", script, times, ctx.others.fragment(attrs))


def _scene(ctx: SimContext, scene: int, times: np.ndarray, trigger: int | None) -> None:
    info = ctx.layout.entities[scene]
    attrs = {
        "scene_name": info.friendly_name,
        "scene_type": info.role,
        "area": _area(ctx, scene),
        "trigger_entity_id": _eid(ctx, trigger) if trigger is not None else None,
    }
    ctx.others.add("scene_activated", scene, times, ctx.others.fragment(attrs))


def simulate_automation_events(ctx: SimContext) -> None:
    """Emit automation, script and scene events at the moments the household's routines happen."""
    entities = ctx.layout.entities
    people = ctx.layout.by_behaviour("person")
    sun = ctx.layout.by_behaviour("sun")[0]
    autos = {e.role: i for i, e in enumerate(entities) if e.behaviour == "automation"}
    scripts = {e.role: i for i, e in enumerate(entities) if e.behaviour == "script"}
    scenes = {e.role: i for i, e in enumerate(entities) if e.behaviour == "scene"}
    empty = np.zeros(0, dtype=np.int64)
    for i, e in enumerate(entities):
        if e.role == "motion_lights":
            _trigger(
                ctx, i, e.friendly_name, e.targets[0], "on", ctx.marks.get(f"auto_on:{i}", empty), US // 5
            )
            _trigger(
                ctx, i, e.friendly_name, e.targets[0], "off", ctx.marks.get(f"auto_off:{i}", empty), US // 5
            )
    routines = {
        "leave_home": (people[0], "not_home", ctx.marks["leave"]),
        "arrive_home": (people[0], "home", ctx.marks["arrive"]),
        "good_morning": (people[0], "home", ctx.marks["good_morning"]),
        "good_night": (people[0], "home", ctx.marks["good_night"]),
        "sunset_lights": (sun, "below_horizon", ctx.marks.get("sunset", empty)),
        "vacuum_away": (people[0], "not_home", ctx.marks.get("vacuum_start", empty)),
        "alarm_away": (people[0], "not_home", ctx.marks.get("alarm_away", empty)),
    }
    for role, (trigger, state, times) in routines.items():
        if role in autos:
            _trigger(ctx, autos[role], entities[autos[role]].friendly_name, trigger, state, times, -2 * US)
    if "climate_schedule" in autos:
        auto = autos["climate_schedule"]
        climate = entities[auto].targets[0]
        _trigger(
            ctx,
            auto,
            entities[auto].friendly_name,
            climate,
            "schedule",
            ctx.marks.get("climate_change", empty),
            US,
        )
    leave_night = np.sort(np.concatenate((ctx.marks["leave"], ctx.marks["good_night"])))
    by = {r: autos.get(r, people[0]) for r in ("leave_home", "arrive_home", "climate_schedule")}
    if "turn_off_lights" in scripts:
        _script(ctx, scripts["turn_off_lights"], by["leave_home"], leave_night + 3 * US, "light")
    if "security_mode" in scripts:
        _script(ctx, scripts["security_mode"], by["leave_home"], leave_night + 4 * US, "lock")
    if "turn_on_lights" in scripts:
        arrive = ctx.marks["arrive"]
        dark = ctx.darkness()[ctx.bins(arrive)] > 0.5
        _script(ctx, scripts["turn_on_lights"], by["arrive_home"], arrive[dark] + 3 * US, "light")
    if "set_climate" in scripts:
        _script(
            ctx,
            scripts["set_climate"],
            by["climate_schedule"],
            ctx.marks.get("climate_change", empty) - US // 2,
            "climate",
        )
    _scenes(ctx, scenes)
    _webhooks(ctx, autos)


def _scenes(ctx: SimContext, scenes: dict[str, int]) -> None:
    rng = ctx.rng
    day = np.arange(ctx.n_days)
    if "movie_night" in scenes:
        tvs = [i for i in ctx.layout.by_behaviour("tv") if i in ctx.sessions]
        for tv in tvs:
            starts = ctx.sessions[tv]
            evening = ctx.grid.local_hour[ctx.bins(starts)] >= 18.5
            pick = evening & (rng.random(starts.size) < 0.5)
            _scene(ctx, scenes["movie_night"], starts[pick] - 10 * US, None)
    timed = {"relax": (20.5, 0.25), "dinner": (18.75, 0.35)}
    for role, (hour, chance) in timed.items():
        if role in scenes:
            times = ctx.local_times(day, hour + rng.normal(0.0, 0.5, day.size))
            inside = (times >= ctx.start_us) & (times < ctx.end_us)
            times = times[inside & (rng.random(day.size) < chance)]
            _scene(ctx, scenes[role], times[ctx.rhythm.active[ctx.bins(times)] > 0], None)
    for role, mark, chance in (("goodnight", "good_night", 0.6), ("morning", "good_morning", 0.4)):
        if role in scenes:
            times = ctx.marks[mark]
            _scene(ctx, scenes[role], times[rng.random(times.size) < chance] + 3 * US, None)


def _webhooks(ctx: SimContext, autos: dict[str, int]) -> None:
    if "webhook" not in autos:
        return
    auto = autos["webhook"]
    info = ctx.layout.entities[auto]
    source = next((s for s in WEBHOOK_SOURCES if info.entity_id.startswith(f"automation.{s}")), "ifttt")
    times = ctx.sample_times(ctx.rhythm.active * ctx.rng.uniform(0.005, 0.015))
    targets = np.array(info.targets)[ctx.rng.integers(0, len(info.targets), times.size)]
    actions = ("turn_on", "turn_off", "toggle")
    action = ctx.rng.integers(0, 3, times.size)
    key = targets * 3 + action
    uniq, inverse = np.unique(key, return_inverse=True)
    frags = []
    for k in uniq.tolist():
        target, act = divmod(k, 3)
        attrs = {
            "webhook_source": source,
            "webhook_id": f"{source}_{auto:02d}",
            "trigger_entity_id": _eid(ctx, target),
            "area": _area(ctx, target),
            "device_type": ctx.layout.entities[target].domain,
            "payload": {"action": actions[act]},
        }
        frags.append(ctx.others.fragment(attrs))
    ctx.others.add("webhook_triggered", auto, times, np.array(frags, dtype=np.int32)[inverse])


def simulate_requests(ctx: SimContext) -> None:
    """voice_command before some manual sessions (homes with a speaker) and REST api_call traffic."""
    rng = ctx.rng
    entities = ctx.layout.entities
    if ctx.layout.by_behaviour("speaker"):
        platform = _VOICE_PLATFORMS[int(rng.integers(len(_VOICE_PLATFORMS)))]
        for entity, starts in ctx.sessions.items():
            info = entities[entity]
            share = 0.25 if info.domain == "media_player" else 0.1
            pick = starts[rng.random(starts.size) < share]
            command = "play music" if info.behaviour == "speaker" else f"turn on {info.friendly_name.lower()}"
            users = rng.integers(1, ctx.layout.occupants + 1, pick.size)
            frags = np.array(
                [ctx.others.fragment({"platform": platform, "command": command, "area": _area(ctx, entity),
                                      "device_type": info.domain, "user": f"user_{u}"})
                 for u in range(1, ctx.layout.occupants + 1)],
                dtype=np.int32,
            )  # fmt: skip
            ctx.others.add(
                "voice_command", entity, pick - rng.integers(US // 2, 3 * US, pick.size), frags[users - 1]
            )
    targets = [i for i, e in enumerate(entities) if e.domain in _CONTROLLABLE]
    if not targets or rng.random() > 0.5:
        return
    times = ctx.sample_times(ctx.rhythm.active * rng.uniform(0.003, 0.012) + 0.0005)
    target = np.array(targets)[rng.integers(0, len(targets), times.size)]
    status = rng.choice(4, size=times.size, p=[0.93, 0.03, 0.02, 0.02])
    post = rng.random(times.size) < 0.6
    key = (target * 4 + status) * 2 + post
    uniq, inverse = np.unique(key, return_inverse=True)
    api_frags: list[int] = []
    for k in uniq.tolist():
        rest, is_post = divmod(k, 2)
        entity, code = divmod(rest, 4)
        domain = entities[entity].domain
        api_frags.append(
            ctx.others.fragment(
                {
                    "service": f"{domain}.turn_on" if is_post else "states",
                    "endpoint": f"/api/services/{domain}/turn_on"
                    if is_post
                    else f"/api/states/{_eid(ctx, entity)}",
                    "method": "POST" if is_post else "GET",
                    "status_code": (200, 201, 429, 500)[code],
                    "area": _area(ctx, entity),
                    "device_type": domain,
                }
            )
        )
    frag = np.array(api_frags, dtype=np.int32)[inverse]
    for entity in sorted(set(target.tolist())):
        sel = target == entity
        ctx.others.add("api_call", entity, times[sel], frag[sel])
