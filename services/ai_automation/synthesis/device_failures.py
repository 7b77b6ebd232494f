"""Device failure episodes: ground truth for failure prediction, and their trace in the events.

Kinds: `battery_depletion` (the battery sensor drains fast, then the device goes unavailable),
`connectivity_loss` (the device drops off the network repeatedly, then for good), `sensor_stuck`
(a sensor stops changing) and `sensor_drift` (a sensor drifts away from the truth); every kind
ends with the device's entities `unavailable` from `failure_time`, optionally until a repair.
Rates follow calibration.md (battery devices fail ~0.5-2 times per device-year; connectivity loss
is the most common problem).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ai_automation.synthesis.device_catalog import KIND_BY_KEY
from ai_automation.synthesis.layout import HomeLayout

US = 1_000_000
DAY_US = 86_400 * US
# Episodes per device per 30 days, by failure kind.
_RATES = {"battery_depletion": 0.07, "connectivity_loss": 0.035, "sensor_stuck": 0.02, "sensor_drift": 0.03}


@dataclass
class FailureEpisode:
    """One device's degradation and failure, with the outages (start, end µs) it causes."""

    device: int
    entity: int
    kind: str
    start_us: int
    failure_us: int
    end_us: int | None
    outages: list[tuple[int, int]] = field(default_factory=list)
    drift: float = 0.0


@dataclass
class FailurePlan:
    """All episodes of one home, indexed by device."""

    episodes: list[FailureEpisode]

    def for_device(self, device: int) -> FailureEpisode | None:
        """The episode of a device, if it has one."""
        return next((e for e in self.episodes if e.device == device), None)

    def alive(self, device: int, times: np.ndarray) -> np.ndarray:
        """Mask of the times at which the device is reachable (not inside an outage)."""
        episode = self.for_device(device)
        keep = np.ones(times.size, dtype=bool)
        if episode is not None:
            for start, end in episode.outages:
                keep &= (times < start) | (times >= end)
        return keep


def plan_failures(layout: HomeLayout, start_us: int, end_us: int, rng: np.random.Generator) -> FailurePlan:
    """Draw which devices fail in the window, how, and when."""
    span = end_us - start_us
    days = span / DAY_US
    episodes: list[FailureEpisode] = []
    by_device: dict[int, list[int]] = {}
    for i, e in enumerate(layout.entities):
        by_device.setdefault(e.device, []).append(i)
    for device, kind_key in enumerate(layout.device_kinds):
        kind = KIND_BY_KEY[kind_key]
        members = by_device.get(device, [])
        behaviours = {layout.entities[i].behaviour: i for i in members}
        options = ["connectivity_loss"]
        if "battery" in behaviours and kind.power_source == "battery":
            options.append("battery_depletion")
        if behaviours.keys() & {"temperature", "humidity", "temperature_outdoor"}:
            options += ["sensor_stuck", "sensor_drift"]
        rates = np.array([_RATES[o] for o in options]) * days / 30.0
        hit = rng.random(len(options)) < 1.0 - np.exp(-rates)
        if not hit.any():
            continue
        failure_kind = options[int(np.argmax(hit))]
        failure = start_us + int(span * rng.uniform(0.15, 0.95))
        recovered = failure + int(rng.uniform(0.5, 4.0) * DAY_US)
        end = recovered if rng.random() < 0.5 and recovered < end_us else None
        primary = members[0]
        if failure_kind == "battery_depletion":
            primary = behaviours["battery"]
            begin = failure - int(rng.uniform(7.0, 25.0) * DAY_US)
        elif failure_kind in ("sensor_stuck", "sensor_drift"):
            primary = behaviours.get("temperature", behaviours.get("temperature_outdoor", members[0]))
            begin = failure - int(rng.uniform(2.0, 12.0) * DAY_US)
        else:
            begin = failure - int(rng.uniform(2.0, 10.0) * DAY_US)
        episode = FailureEpisode(device, primary, failure_kind, begin, failure, end)
        if failure_kind == "connectivity_loss":
            n_drops = int(rng.integers(2, 9))
            drops = np.sort(rng.uniform(max(begin, start_us), failure, n_drops)).astype(np.int64)
            lengths = (rng.uniform(2.0, 45.0, n_drops) * 60 * US).astype(np.int64)
            ends = np.minimum(drops + lengths, failure - US)
            episode.outages = [(int(s), int(e)) for s, e in zip(drops, ends, strict=True) if e > s]
        elif failure_kind == "sensor_drift":
            episode.drift = float(rng.uniform(2.0, 5.0) * rng.choice((-1.0, 1.0)))
        episode.outages.append((failure, end if end is not None else end_us + DAY_US))
        episodes.append(episode)
    return FailurePlan(episodes)


def apply_failures(
    layout: HomeLayout,
    plan: FailurePlan,
    columns: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    unavailable: int,
    unknown: int,
    static_attrs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Drop what a failed device could not report and add its `unavailable` and recovery changes.

    Columns are (time µs, entity, state id, attribute id), sorted by entity then time; the result
    is sorted the same way.
    """
    t, ent, st, at = columns
    if not plan.episodes:
        return columns
    keep = np.ones(t.size, dtype=bool)
    rows: list[tuple[int, int, int, int]] = []
    bounds = np.arange(len(layout.entities))
    lo_all, hi_all = np.searchsorted(ent, bounds, side="left"), np.searchsorted(ent, bounds, side="right")
    for episode in plan.episodes:
        members = [i for i, e in enumerate(layout.entities) if e.device == episode.device]
        last = len(episode.outages) - 1
        for member in members:
            lo, hi = int(lo_all[member]), int(hi_all[member])
            times = t[lo:hi]
            if episode.kind == "sensor_stuck" and member == episode.entity:
                keep[lo:hi] &= (times < episode.start_us) | (times >= episode.failure_us)
            for k, (start, end) in enumerate(episode.outages):
                jitter = (member * 7919 + k * 104729) % (2 * US)
                keep[lo:hi] &= (times < start) | (times >= end)
                rows.append((start + (jitter if member != episode.entity else 0), member, unavailable,
                             int(static_attrs[member])))  # fmt: skip
                before = int(np.searchsorted(times, start, side="left")) - 1
                after = int(np.searchsorted(times, end, side="left"))
                own_restore = after < times.size and times[after] - end < 5 * US
                if not own_restore and (k < last or episode.end_us is not None):
                    # Back online: the last known state again, or `unknown` if it never reported.
                    state = int(st[lo + before]) if before >= 0 else unknown
                    attr = int(at[lo + before]) if before >= 0 else int(static_attrs[member])
                    rows.append((end + jitter, member, state, attr))
    extra = np.array(rows, dtype=np.int64).reshape(-1, 4)
    merged = (
        np.concatenate((t[keep], extra[:, 0])),
        np.concatenate((ent[keep], extra[:, 1].astype(np.int32))),
        np.concatenate((st[keep], extra[:, 2].astype(np.int32))),
        np.concatenate((at[keep], extra[:, 3].astype(np.int32))),
    )
    order = np.lexsort((merged[0], merged[1]))
    return merged[0][order], merged[1][order], merged[2][order], merged[3][order]
