"""When the household is home, awake and busy: a 5-minute grid in the home's local time, DST-correct.

The grid is laid out in UTC; each bin carries its local clock hour, local date and weekday from
the IANA zone, so a daylight-saving day simply has 23 or 25 local hours of bins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from ai_automation.synthesis.layout import HomeLayout

BIN_S = 300
BINS_PER_DAY = 86400 // BIN_S

# Hourly activity shapes (local time) per area group; 1.0 ~ an awake person spends time there.
_SHAPES = {
    "living": (0.05, 0.02, 0.0, 0.0, 0.0, 0.0, 0.05, 0.15, 0.2, 0.25, 0.3, 0.3,
               0.3, 0.3, 0.3, 0.35, 0.45, 0.6, 0.7, 0.85, 0.95, 0.9, 0.7, 0.3),
    "kitchen": (0.02, 0.0, 0.0, 0.0, 0.0, 0.05, 0.35, 0.6, 0.45, 0.2, 0.15, 0.3,
                0.5, 0.35, 0.15, 0.15, 0.2, 0.45, 0.7, 0.55, 0.3, 0.2, 0.1, 0.05),
    "sleep": (0.05, 0.0, 0.0, 0.0, 0.0, 0.05, 0.15, 0.2, 0.1, 0.05, 0.05, 0.05,
              0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2, 0.35, 0.2),
    "bath": (0.03, 0.0, 0.0, 0.0, 0.0, 0.05, 0.3, 0.35, 0.2, 0.1, 0.08, 0.08,
             0.08, 0.08, 0.08, 0.08, 0.08, 0.1, 0.1, 0.1, 0.12, 0.2, 0.3, 0.15),
    "pass": (0.05, 0.0, 0.0, 0.0, 0.0, 0.05, 0.25, 0.35, 0.3, 0.2, 0.15, 0.15,
             0.15, 0.15, 0.15, 0.15, 0.2, 0.3, 0.3, 0.25, 0.2, 0.2, 0.2, 0.1),
    "work": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.4, 0.6, 0.6, 0.5,
             0.3, 0.5, 0.6, 0.6, 0.5, 0.3, 0.1, 0.1, 0.15, 0.1, 0.05, 0.0),
    "outdoor": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.02, 0.05, 0.08, 0.1, 0.15, 0.15,
                0.15, 0.15, 0.15, 0.2, 0.2, 0.2, 0.2, 0.15, 0.1, 0.05, 0.02, 0.0),
    "service": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.03, 0.05, 0.05, 0.08, 0.1, 0.1,
                0.08, 0.08, 0.08, 0.08, 0.08, 0.1, 0.1, 0.1, 0.08, 0.05, 0.02, 0.0),
}  # fmt: skip
KITCHEN_SHAPE = np.array(_SHAPES["kitchen"])
KITCHEN_SHAPE.flags.writeable = False
"""How busy the kitchen is by local hour when someone is awake at home (breakfast, lunch, dinner)."""

AREA_GROUP = {
    "living_room": "living", "main_room": "living", "playroom": "living", "dining_room": "kitchen",
    "kitchen": "kitchen", "kitchenette": "kitchen", "pantry": "kitchen", "master_bedroom": "sleep",
    "bedroom": "sleep", "kids_room": "sleep", "guest_room": "sleep", "bathroom": "bath",
    "master_bathroom": "bath", "toilet": "bath", "hallway": "pass", "entrance": "pass",
    "office": "work", "gym": "service", "laundry": "service", "storage": "service", "closet": "service",
    "basement": "service", "attic": "service", "garage": "pass", "shed": "outdoor", "workshop": "service",
}  # fmt: skip


@dataclass(frozen=True)
class TimeGrid:
    """5-minute UTC bins over the window with each bin's local clock, date, weekday and sun elevation."""

    start_s: int
    days: int
    bin_start: np.ndarray
    local_s: np.ndarray
    local_hour: np.ndarray
    local_day: np.ndarray
    weekday: np.ndarray
    sun_elevation: np.ndarray
    first_local_date: str

    @property
    def n_bins(self) -> int:
        """Number of 5-minute bins in the window."""
        return int(self.bin_start.size)


def utc_offsets(timezone: str, start_s: int, hours: int) -> np.ndarray:
    """UTC offset in seconds of `timezone` at the start of each UTC hour from `start_s`."""
    return _utc_offsets(timezone, start_s, hours)


@lru_cache(maxsize=64)
def _utc_offsets(timezone: str, start_s: int, hours: int) -> np.ndarray:
    zone = ZoneInfo(timezone)
    probe = np.arange(0, hours + 24, 24)
    offs = np.array([_offset(zone, start_s + 3600 * int(h)) for h in probe])
    out = np.repeat(offs, 24)[:hours].astype(np.int64)
    # DST switches happen inside a day: refine only the days whose offset changes.
    for day in np.nonzero(np.diff(offs))[0]:
        for h in range(24 * int(day), min(24 * int(day) + 24, hours)):
            out[h] = _offset(zone, start_s + 3600 * h)
    out.flags.writeable = False
    return out


def _offset(zone: ZoneInfo, ts: int) -> int:
    offset = datetime.fromtimestamp(ts, UTC).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


@lru_cache(maxsize=64)
def time_grid(timezone: str, latitude: float, longitude: float, start_s: int, days: int) -> TimeGrid:
    """The shared 5-minute grid for a place and window (cached: homes in one zone share it)."""
    n = days * BINS_PER_DAY
    bin_start = start_s + BIN_S * np.arange(n, dtype=np.int64)
    offsets = np.repeat(_utc_offsets(timezone, start_s, days * 24), 3600 // BIN_S)
    local = bin_start + offsets
    local_days = local // 86400
    first = int(local_days[0])
    hour = (local % 86400) / 3600.0
    utc_hour = (bin_start % 86400) / 3600.0 + BIN_S / 7200.0
    day_of_year = ((bin_start // 86400) + 4) % 365.2425
    decl = np.radians(23.44) * np.sin(2 * np.pi * (day_of_year - 80) / 365.2425)
    hour_angle = np.radians(15.0 * (utc_hour + longitude / 15.0 - 12.0))
    lat = np.radians(latitude)
    elevation = np.degrees(
        np.arcsin(np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle))
    )
    arrays = (bin_start, local, hour, local_days - first, (local_days + 3) % 7, elevation)
    for arr in arrays:
        arr.flags.writeable = False
    first_date = datetime.fromtimestamp(first * 86400, UTC).date().isoformat()
    return TimeGrid(start_s, days, *arrays, first_date)


@dataclass
class Rhythm:
    """Per-person presence and wakefulness on the grid, plus per-area activity rates."""

    grid: TimeGrid
    home: np.ndarray
    awake: np.ndarray
    occupied: np.ndarray
    active: np.ndarray
    area_activity: np.ndarray
    wake_h: np.ndarray
    sleep_h: np.ndarray
    archetypes: list[str]


def _personal_days(
    archetype: str, n_days: int, weekday: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    weekend = weekday >= 5
    base_wake = {"commuter": 6.6, "remote": 7.3, "home": 7.6, "school": 7.0}[archetype] + rng.normal(0, 0.4)
    wake = base_wake + rng.normal(0, 0.25, n_days) + weekend * (1.2 + rng.random() * 0.8)
    sleep = 22.9 + rng.normal(0, 0.5) + rng.normal(0, 0.35, n_days) + weekend * 0.6
    leave = np.full(n_days, np.nan)
    back = np.full(n_days, np.nan)
    if archetype in ("commuter", "school"):
        work = ~weekend & (rng.random(n_days) > 0.03)
        leave[work] = wake[work] + 0.8 + 0.3 * rng.random(int(work.sum()))
        end = 17.6 if archetype == "commuter" else 15.6
        back[work] = end + rng.normal(0, 0.3) + rng.normal(0, 0.45, int(work.sum()))
    errand = np.isnan(leave) & (rng.random(n_days) < np.where(weekend, 0.55, 0.35))
    leave[errand] = 9.5 + 7.0 * rng.random(int(errand.sum()))
    back[errand] = leave[errand] + 0.75 + 2.5 * rng.random(int(errand.sum()))
    evening = rng.random(n_days) < 0.12
    return {"wake": wake, "sleep": sleep, "leave": leave, "back": back, "evening": evening}


def build_rhythm(layout: HomeLayout, grid: TimeGrid, rng: np.random.Generator) -> Rhythm:
    """Draw the household's schedules and turn them into presence, wakefulness and area activity."""
    n_days = int(grid.local_day[-1]) + 1
    day_weekday = np.zeros(n_days, dtype=np.int64)
    day_weekday[grid.local_day] = grid.weekday
    persons = layout.occupants
    choices = ("commuter", "remote", "home", "school")
    archetypes = [choices[int(rng.choice(4, p=[0.55, 0.2, 0.25, 0.0]))]]
    for _ in range(1, persons):
        archetypes.append(choices[int(rng.choice(4, p=[0.35, 0.15, 0.15, 0.35]))])
    trip = np.zeros(n_days, dtype=bool)
    if n_days >= 7 and rng.random() < min(0.9, 0.2 * n_days / 30):
        first = int(rng.integers(0, max(1, n_days - 2)))
        trip[first : first + int(rng.integers(2, 8))] = True
    day, hour = grid.local_day, grid.local_hour
    home = np.zeros((persons, grid.n_bins), dtype=bool)
    awake = np.zeros((persons, grid.n_bins), dtype=bool)
    wake_h = np.zeros((persons, n_days))
    sleep_h = np.zeros((persons, n_days))
    for p, archetype in enumerate(archetypes):
        sched = _personal_days(archetype, n_days, day_weekday, rng)
        wake_h[p], sleep_h[p] = sched["wake"], sched["sleep"]
        prev_sleep = np.concatenate(([23.0], sched["sleep"][:-1]))[day]
        awake[p] = ((hour >= sched["wake"][day]) & (hour < sched["sleep"][day])) | (hour < prev_sleep - 24.0)
        leave, back = sched["leave"][day], sched["back"][day]
        out = (hour >= leave) & (hour < back)
        out |= sched["evening"][day] & (hour >= 19.0) & (hour < 22.5)
        home[p] = ~(out | trip[day])
    awake &= home
    occupied: np.ndarray = np.asarray(home.any(axis=0))
    active = awake.sum(axis=0).astype(np.float64)
    return Rhythm(
        grid=grid,
        home=home,
        awake=awake,
        occupied=occupied,
        active=active,
        area_activity=_area_activity(layout, grid, home, awake, active, wake_h, sleep_h),
        wake_h=wake_h,
        sleep_h=sleep_h,
        archetypes=archetypes,
    )


def _area_activity(
    layout: HomeLayout,
    grid: TimeGrid,
    home: np.ndarray,
    awake: np.ndarray,
    active: np.ndarray,
    wake_h: np.ndarray,
    sleep_h: np.ndarray,
) -> np.ndarray:
    """Expected motion triggers per 5-minute bin for each area."""
    hour_idx = grid.local_hour.astype(np.int64)
    day = grid.local_day
    rel_wake = grid.local_hour[None, :] - wake_h[:, day]
    rel_sleep = sleep_h[:, day] - grid.local_hour[None, :]
    near_wake = (awake & (rel_wake >= 0) & (rel_wake < 0.75)).sum(axis=0)
    near_sleep = (awake & (rel_sleep >= 0) & (rel_sleep < 1.0)).sum(axis=0)
    moving = np.abs(np.diff(home.astype(np.int8), axis=1, prepend=home[:, :1].astype(np.int8))).sum(axis=0)
    asleep_home = (home & ~awake).sum(axis=0)
    weekend = grid.weekday >= 5
    daylight = np.clip((grid.sun_elevation + 2.0) / 10.0, 0.0, 1.0)
    out = np.zeros((len(layout.areas), grid.n_bins))
    for a, kind in enumerate(layout.area_kinds):
        group = AREA_GROUP.get(kind, "outdoor")
        shape = np.asarray(_SHAPES[group])[hour_idx]
        rate = active * shape
        if group == "living":
            rate = rate * np.where(weekend, 1.25, 1.0)
        elif group == "outdoor":
            rate = rate * daylight * np.where(weekend, 2.0, 1.0)
        elif group == "sleep":
            rate = rate + 0.9 * near_wake / max(1, layout.occupants) + 0.9 * near_sleep
        elif group == "bath":
            rate = rate + 0.8 * near_wake + 0.5 * near_sleep + 0.006 * asleep_home
        elif group == "pass":
            rate = rate + 1.5 * moving + 0.004 * asleep_home
        if kind == "garage":
            rate = 0.25 * rate + 1.5 * moving
        out[a] = 2.2 * rate
    return out
