"""Shared state of one home's simulation and the vectorised time-process building blocks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ai_automation.synthesis.device_failures import FailurePlan
from ai_automation.synthesis.event_buffer import AttrTable, OtherEvents, StateEvents, StateTable
from ai_automation.synthesis.household_rhythm import BIN_S, Rhythm, TimeGrid
from ai_automation.synthesis.layout import HomeLayout
from ai_automation.synthesis.origins import Origins

US = 1_000_000
MINUTE = 60 * US


@dataclass
class SimContext:
    """Everything a behaviour needs: layout, clock, household, weather, tables and outputs."""

    layout: HomeLayout
    grid: TimeGrid
    rhythm: Rhythm
    rng: np.random.Generator
    failures: FailurePlan
    outdoor_temp: np.ndarray
    outdoor_rh: np.ndarray
    cloud: np.ndarray
    states: StateTable = field(default_factory=StateTable)
    events: StateEvents = field(default_factory=StateEvents)
    others: OtherEvents = field(default_factory=OtherEvents)
    attrs: AttrTable = field(init=False)
    # who caused which change; its own random stream (the home builder seeds it from the home's seed)
    origins: Origins = field(default_factory=lambda: Origins(np.random.default_rng(0)))
    marks: dict[str, np.ndarray] = field(default_factory=dict)
    motion: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    motion_sensor: dict[int, int] = field(default_factory=dict)  # area -> the entity behind `motion`
    lights: dict[int, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    sessions: dict[int, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.attrs = AttrTable(self.layout)

    @property
    def start_us(self) -> int:
        """Window start, µs since the epoch."""
        return self.grid.start_s * US

    @property
    def end_us(self) -> int:
        """Window end (exclusive), µs since the epoch."""
        return (self.grid.start_s + self.grid.days * 86400) * US

    def bins(self, times: np.ndarray) -> np.ndarray:
        """Grid bin index of each time (µs), clipped to the window."""
        idx = (times // US - self.grid.start_s) // BIN_S
        out: np.ndarray = np.clip(idx, 0, self.grid.n_bins - 1)
        return out

    def sample_times(self, rate: np.ndarray) -> np.ndarray:
        """Sorted Poisson event times (µs) from an expected count per bin."""
        counts = self.rng.poisson(np.maximum(rate, 0.0))
        idx = np.repeat(np.arange(rate.size), counts)
        times = self.grid.bin_start[idx] * US + self.rng.integers(0, BIN_S * US, idx.size)
        times.sort()
        return times

    def bin_times(self) -> np.ndarray:
        """One fixed time (µs) inside each bin, so that edges in the same bin coincide across entities."""
        if "bin_times" not in self.marks:
            jitter = self.rng.integers(0, BIN_S * US, self.grid.n_bins)
            self.marks["bin_times"] = self.grid.bin_start * US + jitter
        return self.marks["bin_times"]

    def edge_times(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Times (µs) where a per-bin boolean turns on and off (not at the window start)."""
        step = np.diff(mask.astype(np.int8), prepend=np.int8(mask[0]))
        stamp = self.bin_times()
        return stamp[step == 1], stamp[step == -1]

    def mask_intervals(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(on, off) times of the runs of a per-bin boolean; a run still open at the end closes after it."""
        rise, fall = self.edge_times(mask)
        if mask[0]:
            fall = fall[1:]
        if rise.size > fall.size:
            fall = np.append(fall, self.end_us + MINUTE)
        return rise, fall

    def local_times(self, day: np.ndarray, hour: np.ndarray) -> np.ndarray:
        """UTC times (µs) of local clock `hour` on local day index `day`, DST-aware."""
        local = self.grid.local_s
        midnight = int(local[0]) - int(local[0]) % 86400
        target = midnight + day * 86400 + np.asarray(hour) * 3600.0
        b = np.clip(np.searchsorted(local, target, side="right") - 1, 0, local.size - 1)
        out: np.ndarray = ((self.grid.bin_start[b] + (target - local[b])) * US).astype(np.int64)
        return out

    @property
    def n_days(self) -> int:
        """Number of local calendar days the window touches."""
        return int(self.grid.local_day[-1]) + 1

    def darkness(self, indoor_floor: float = 0.0) -> np.ndarray:
        """Per-bin need for artificial light: 1 at night, 0 in bright daylight."""
        dark = np.clip((10.0 - self.grid.sun_elevation) / 14.0, 0.0, 1.0)
        dark = np.maximum(dark, 0.3 * self.cloud * (self.grid.sun_elevation < 25))
        return np.maximum(dark, indoor_floor)

    def next_idle(self) -> np.ndarray:
        """For each bin, the start time (µs) of the next bin where nobody at home is awake."""
        if "next_idle" not in self.marks:
            n = self.grid.n_bins
            idle = self.rhythm.active == 0
            idx = np.where(idle, np.arange(n), n)
            nxt = np.minimum.accumulate(idx[::-1])[::-1]
            stamp = np.append(self.grid.bin_start, self.grid.bin_start[-1] + BIN_S)
            self.marks["next_idle"] = stamp[nxt] * US
        return self.marks["next_idle"]

    def alternate(
        self,
        entity: int,
        on: np.ndarray,
        off: np.ndarray,
        states: tuple[str, str],
        attrs: tuple[int, int] | None = None,
    ) -> None:
        """Emit a two-state machine from disjoint (on, off) intervals: on-state at `on`, off-state at `off`."""
        ids = self.states.ids(states)
        static = self.attrs.id(entity)
        on_attr, off_attr = attrs if attrs is not None else (static, static)
        self.events.add(entity, on, int(ids[0]), on_attr)
        self.events.add(entity, off, int(ids[1]), off_attr)


def merge_intervals(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of [start, end) intervals as disjoint, sorted (on, off) arrays."""
    if starts.size == 0:
        return starts.astype(np.int64), ends.astype(np.int64)
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    run_end = np.maximum.accumulate(e)
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] > run_end[:-1]
    first = np.nonzero(new)[0]
    last = np.append(first[1:] - 1, s.size - 1)
    return s[first], run_end[last]


def episodes(triggers: np.ndarray, hold: int) -> tuple[np.ndarray, np.ndarray]:
    """Group sorted trigger times into on/off episodes that stay on `hold` µs after the last trigger."""
    return merge_intervals(triggers, triggers + hold)
