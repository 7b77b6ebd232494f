"""Rooms and device kinds of a calibrated home type, drawn from its calibration statistics.

Each area kind (the classifier's: bedroom, bathroom, outdoor...) is included independently: the
first area of a kind with the real share of homes that have one, each further area with the real
chance of one more given as many (so the count per kind follows the real distribution). Which of the
generator's rooms fills an area follows the type's prior rooms (`home_types.TYPE_PROFILES`): a core
room first, then optional rooms by their prior weight. Device kinds are present with their real
inclusion rate and weighted by their real count where present.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from ai_automation.synthesis.calibration import AREA_CLASS_ORDER, TypeCalibration
from ai_automation.synthesis.device_catalog import DEVICE_KINDS
from ai_automation.synthesis.home_types import ROOM_NAMES, TYPE_PROFILES

_FALLBACK_WEIGHT = 0.5
"""Prior weight of each room of an area kind that the type's profile does not list at all."""


@cache
def room_candidates(
    home_type: str, room_classes: tuple[tuple[str, str], ...]
) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Per area kind: the generator rooms that can fill it for this type, and their prior weights."""
    profile = TYPE_PROFILES[home_type]
    classes = dict(room_classes)
    weights: dict[str, float] = {}
    for room in profile.core_rooms:
        weights.setdefault(room, 1.0)
    for room, prob in profile.optional_rooms:
        weights[room] = max(weights.get(room, 0.0), prob)
    out = {}
    for area_class in AREA_CLASS_ORDER:
        rooms = tuple(r for r in weights if classes.get(r) == area_class)
        if rooms:
            out[area_class] = (rooms, np.array([weights[r] for r in rooms]))
        else:  # a kind the type's profile never lists (a cellar in a flat): any room of that kind
            rooms = tuple(r for r in ROOM_NAMES if classes.get(r) == area_class)
            out[area_class] = (rooms, np.full(len(rooms), _FALLBACK_WEIGHT))
    return out


def _count(at_least: tuple[float, ...], rng: np.random.Generator) -> int:
    """How many areas of one kind: walk P(n >= 1), P(n >= 2)... with the conditional chances."""
    n, previous = 0, 1.0
    for p in at_least:
        if rng.random() * previous >= p:
            break
        n, previous = n + 1, p
    return n


def _pick(rooms: tuple[str, ...], weights: np.ndarray, n: int, rng: np.random.Generator) -> list[str]:
    """`n` rooms: a core room (weight 1) first, then by prior weight without repeats while any is left."""
    chosen: list[str] = []
    left = weights.copy()
    for j in range(n):
        if left.sum() <= 0:
            left = weights.copy()
        i = 0 if j == 0 and weights[0] >= 1.0 else int(rng.choice(len(rooms), p=left / left.sum()))
        chosen.append(rooms[i])
        left[i] = 0.0
    return chosen


def choose_rooms(
    cal: TypeCalibration, room_classes: tuple[tuple[str, str], ...], rng: np.random.Generator
) -> list[str]:
    """The rooms of one home, each area kind drawn independently (always one living area: the
    simulated household's activity is anchored there)."""
    candidates = room_candidates(cal.home_type, room_classes)
    rooms: list[str] = []
    for area_class in AREA_CLASS_ORDER:
        n = _count(cal.areas.get(area_class, ()), rng)
        if area_class == "living":
            n = max(n, 1)
        if n:
            names, weights = candidates[area_class]
            rooms += _pick(names, weights, n, rng)
    return rooms


def kind_weights(cal: TypeCalibration, rng: np.random.Generator) -> np.ndarray:
    """Per device kind: 0 when this home has none, else its real mean count where present."""
    rate = np.array([cal.device_kinds.get(k.key, (0.0, 0.0))[0] for k in DEVICE_KINDS])
    mean = np.array([cal.device_kinds.get(k.key, (0.0, 0.0))[1] for k in DEVICE_KINDS])
    weights = np.where(rng.random(len(DEVICE_KINDS)) < rate, mean, 0.0)
    if weights[:2].sum() <= 0:  # the living area's first device is a light
        weights[0] = max(mean[0], 1.0)
    return weights


def device_count(cal: TypeCalibration, areas: int, rng: np.random.Generator) -> int:
    """Devices of one home: its areas times a log-normal devices-per-area draw, at least one per area."""
    median, log_sd = cal.devices_per_area
    return int(np.clip(round(areas * median * float(np.exp(rng.normal(0.0, log_sd)))), areas, 60))


def size_index(cal: TypeCalibration, areas: int) -> int:
    """The size category (0 small ... 3 extra large) from the area count against the type's median."""
    return int(np.searchsorted(np.array([0.8, 1.2, 1.6]) * cal.median_areas, areas, side="right"))
