"""Rooms and device kinds of a calibrated home type, drawn from its calibration statistics.

Each area kind (the classifier's: bedroom, bathroom, outdoor...) is included at its real rate: the
first area of a kind with the real share of homes that have one, each further area with the real
chance of one more given as many (so the count per kind follows the real distribution); whether a
kind is there at all shares one per-home factor across kinds (a Gaussian copula, `_uniforms`), so
homes declare few or many areas as real registries do. Declared empty areas come on top. Which of the
generator's rooms fills an area follows the type's prior rooms (`home_types.TYPE_PROFILES`): a core
room first, then optional rooms by their prior weight. Device kinds are present with their real
inclusion rate and weighted by their real count where present.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
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


def _count(at_least: tuple[float, ...], rng: np.random.Generator, first: float | None = None) -> int:
    """How many areas of one kind: walk P(n >= 1), P(n >= 2)... with the conditional chances (`first`:
    the uniform draw deciding whether there is one at all, when the caller correlates it)."""
    n, previous = 0, 1.0
    for j, p in enumerate(at_least):
        u = first if j == 0 and first is not None else rng.random()
        if u * previous >= p:
            break
        n, previous = n + 1, p
    return n


def _uniforms(n: int, correlation: float, rng: np.random.Generator) -> np.ndarray:
    """`n` uniforms sharing one per-home factor (Gaussian copula): each stays uniform, so every area
    kind keeps its real inclusion rate, while a home that declares one kind tends to declare the
    others. Real registries list rooms as thoroughly as their owner configured them; independent
    kinds made the area count far narrower than the real one."""
    z = correlation * rng.normal() + math.sqrt(1.0 - correlation**2) * rng.normal(size=n)
    return np.array([0.5 * math.erfc(x / math.sqrt(2.0)) for x in z.tolist()])


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
    cal: TypeCalibration,
    room_classes: tuple[tuple[str, str], ...],
    rng: np.random.Generator,
    correlation: float = 0.0,
) -> list[str]:
    """The rooms of one home, each area kind's presence correlated through one per-home factor
    (`_uniforms`; always one living area: the simulated household's activity is anchored there)."""
    candidates = room_candidates(cal.home_type, room_classes)
    # without a correlation no extra draw: the same homes as before the copula existed
    first = _uniforms(len(AREA_CLASS_ORDER), correlation, rng) if correlation else None
    rooms: list[str] = []
    for j, area_class in enumerate(AREA_CLASS_ORDER):
        n = _count(cal.areas.get(area_class, ()), rng, None if first is None else float(first[j]))
        if area_class == "living":
            n = max(n, 1)
        if n:
            names, weights = candidates[area_class]
            rooms += _pick(names, weights, n, rng)
    return rooms


def empty_rooms(
    cal: TypeCalibration,
    room_classes: tuple[tuple[str, str], ...],
    empty_at_least: tuple[float, ...],
    empty_kinds: tuple[tuple[str, float], ...],
    rng: np.random.Generator,
) -> list[str]:
    """Rooms a real registry declares but places no device in (default onboarding areas, rooms not
    yet equipped): their number drawn like an area kind's, their kinds by the real empty areas' shares."""
    n = _count(empty_at_least, rng)
    if not n or not empty_kinds:
        return []
    candidates = room_candidates(cal.home_type, room_classes)
    kinds = [k for k, _ in empty_kinds if k in candidates]
    shares = np.array([dict(empty_kinds)[k] for k in kinds])
    rooms = []
    for kind in rng.choice(len(kinds), size=n, p=shares / shares.sum()).tolist():
        names, weights = candidates[kinds[kind]]
        rooms.append(names[int(rng.choice(len(names), p=weights / weights.sum()))])
    return rooms


def fit_area_correlation(
    types: Mapping[str, TypeCalibration],
    real_sd: Mapping[str, float],
    room_classes: tuple[tuple[str, str], ...],
    homes_per_type: int = 400,
) -> float:
    """The copula correlation whose generated area counts spread like the real ones (the standard
    deviation of log area counts per calibrated type, weighted by its real homes: robust to the one
    31-area registry), on a grid; deterministic."""
    best, best_error = 0.0, math.inf
    for correlation in np.round(np.arange(0.0, 0.96, 0.05), 2).tolist():
        error = 0.0
        for home_type, cal in types.items():
            rng = np.random.default_rng(16)
            counts = [len(choose_rooms(cal, room_classes, rng, correlation)) for _ in range(homes_per_type)]
            error += cal.homes * (float(np.std(np.log(np.maximum(counts, 1)))) - real_sd[home_type]) ** 2
        if error < best_error:
            best, best_error = correlation, error
    return float(best)


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
