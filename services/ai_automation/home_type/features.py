"""Home-type features: pure functions of a parsed home in one declared, ordered table."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ai_automation.home_type.home_view import HomeInputError, HomeView, parse_home
from ai_automation.home_type.semantics import AREA_KIND_NAMES

FEATURE_SCHEMA_VERSION = "home-features/9"
"""Bumped whenever a feature is added, removed, reordered or computed differently."""

COMPOSITION = "composition"
EVENTS = "events"
GROUPS = (COMPOSITION, EVENTS)

NAN = float("nan")
_DAY = 86_400
_TAU = 2.0 * math.pi


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """One feature: its name, its group (`composition` or `events`) and the function computing it."""

    name: str
    group: str
    compute: Callable[[HomeView], float]


@dataclass(frozen=True, slots=True)
class FeatureRow:
    """The feature vector of one home and the groups that could be computed for it."""

    values: NDArray[np.float64]
    groups_used: tuple[str, ...]


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


# ---- composition ------------------------------------------------------------------------------
def _total_devices(v: HomeView) -> float:
    return float(v.total_devices)


def _category_ratio(category: str, v: HomeView) -> float:
    return _ratio(v.category_counts[category], v.total_devices)


def _domain_count(domain: str, v: HomeView) -> float:
    return float(v.domain_counts[domain])


def _domain_share(domain: str, v: HomeView) -> float:
    return _ratio(v.domain_counts[domain], v.total_devices)


def _other_domain_share(known: frozenset[str], v: HomeView) -> float:
    other = sum(n for d, n in v.domain_counts.items() if d not in known)
    return _ratio(other, v.total_devices)


def _class_share(device_class: str, v: HomeView) -> float:
    return _ratio(v.class_counts[device_class], v.total_devices)


# Areas are read twice. The declared areas (`area_count`, `areas_<kind>`, `outdoor_area_share`) are
# the rooms the owner named, whether or not a device was given one: a real registry leaves a third of
# its devices in no area (real installs: 0.04 to 1 of them placed), so the rooms holding hardware ("placed"
# areas) undercount the home. The placed areas say what is equipped: a declared area can also be a
# default onboarding area nobody uses (2.8 empty areas per real install).
def _placed_area_count(v: HomeView) -> float:
    return float(np.count_nonzero(v.area_device_counts))


def _indoor_ratio(v: HomeView) -> float:
    return _ratio(v.indoor_devices, v.total_devices)


def _devices_per_placed_area(v: HomeView) -> float:
    return _ratio(v.indoor_devices + v.outdoor_devices, _placed_area_count(v))


def _placed_area_kind_count(kind: str, v: HomeView) -> float:
    return float(v.placed_area_kinds[kind])


def _placed_outdoor_area_share(v: HomeView) -> float:
    return _ratio(v.placed_area_outdoor, _placed_area_count(v))


def _outdoor_device_share(v: HomeView) -> float:
    return _ratio(v.outdoor_devices, v.total_devices)


def _max_devices_in_area(v: HomeView) -> float:
    return float(v.area_device_counts.max()) if v.area_device_counts.size else 0.0


def _empty_area_share(v: HomeView) -> float:
    return float((v.area_device_counts == 0).mean()) if v.area_device_counts.size else 0.0


def _area_count(v: HomeView) -> float:
    return float(v.area_device_counts.size)


def _area_kind_count(kind: str, v: HomeView) -> float:
    return float(v.area_kinds[kind])


def _outdoor_area_share(v: HomeView) -> float:
    return _ratio(v.area_outdoor, _area_count(v))


def _floor_count(v: HomeView) -> float:
    return float(v.floors)


def _bedroom_share_of_placed_indoor_areas(v: HomeView) -> float:
    return _ratio(v.placed_area_kinds["bedroom"], max(_placed_area_count(v) - v.placed_area_outdoor, 0))


# ---- events -----------------------------------------------------------------------------------
def _span_days(v: HomeView) -> int:
    return v.span_days


def _total_events(v: HomeView) -> float:
    return float(v.ev_entity.size)


def _events_per_day(v: HomeView) -> float:
    span = (int(v.ev_seconds.max()) - int(v.ev_seconds.min())) // _DAY + 1
    return v.ev_entity.size / span


def _peak_hour(rank: int, trig: str, v: HomeView) -> float:
    # Stable sort on -count: ties go to the earlier hour, so the result is deterministic.
    hour = int(np.argsort(-v.hour_hist, kind="stable")[rank])
    angle = _TAU * hour / 24.0
    return math.sin(angle) if trig == "sin" else math.cos(angle)


def _hour_band_share(start: int, v: HomeView) -> float:
    in_band = (v.ev_hour >= start) & (v.ev_hour < start + 4)
    return float(in_band.mean())


def _weekend_share(v: HomeView) -> float:
    return float((v.ev_weekday >= 5).mean())


def _weekend_rate_ratio(v: HomeView) -> float:
    days = np.arange(int(v.ev_day.min()), int(v.ev_day.max()) + 1)
    weekend_days = int(((days + 3) % 7 >= 5).sum())
    weekdays = days.size - weekend_days
    if not weekend_days or not weekdays:
        return NAN
    weekend = int((v.ev_weekday >= 5).sum())
    return _ratio(weekend / weekend_days, (v.ev_entity.size - weekend) / weekdays)


def _diversity_ratio(v: HomeView) -> float:
    return _ratio(int(np.count_nonzero(np.bincount(v.ev_entity))), v.ev_entity.size)


def _events_per_device_day(v: HomeView) -> float:
    return _ratio(v.ev_entity.size, max(v.total_devices, 1) * _span_days(v))


def _top_entity_share(v: HomeView) -> float:
    return float(np.bincount(v.ev_entity).max() / v.ev_entity.size)


def _event_type_share(event_type: str, v: HomeView) -> float:
    return _ratio(v.event_type_counts[event_type], v.all_event_count)


def _occupancy(v: HomeView) -> NDArray[np.bool_]:
    """Local day x hour matrix: True where a human-driven entity changed."""
    return v.occupancy


def _occupied_hours_per_day(v: HomeView) -> float:
    return float(_occupancy(v).sum(axis=1).mean())


def _active_day_share(v: HomeView) -> float:
    return float(_occupancy(v).any(axis=1).mean())


def _daytime_absence_share(v: HomeView) -> float:
    """Share of days with 5+ quiet hours in a row between 08:00 and 18:00 (out at work or school)."""
    grid = _occupancy(v)[:, 8:18]
    run = np.zeros(grid.shape[0], dtype=np.int64)
    longest = np.zeros(grid.shape[0], dtype=np.int64)
    for hour in range(grid.shape[1]):
        run = np.where(grid[:, hour], 0, run + 1)
        longest = np.maximum(longest, run)
    return float((longest >= 5).mean())


def _night_activity_share(v: HomeView) -> float:
    human = v.ev_human
    if not human.any():
        return NAN
    return float((v.ev_hour[human] < 5).mean())


def _morning_start_hour(v: HomeView) -> float:
    """Median local hour of the first human activity after 04:00."""
    grid = _occupancy(v)[:, 4:]
    active = grid.any(axis=1)
    if not active.any():
        return NAN
    return float(np.median(grid[active].argmax(axis=1) + 4))


def _motion_share(v: HomeView) -> float:
    return float(v.ev_motion.mean())


def _habits(v: HomeView) -> NDArray[np.float64]:
    """Recurrence (share of days) of the human (entity, local hour) pairs seen on at least half the days."""
    if v.span_days < 3:
        return np.zeros(0)
    return v.habit_recurrence[v.habit_recurrence >= 0.5]


def _pattern_count(v: HomeView) -> float:
    return float(_habits(v).size) if _span_days(v) >= 3 else NAN


def _avg_pattern_confidence(v: HomeView) -> float:
    habits = _habits(v)
    if _span_days(v) < 3:
        return NAN
    return float(habits.mean()) if habits.size else 0.0


# ---- the table --------------------------------------------------------------------------------
_DOMAINS = (
    "light", "switch", "sensor", "binary_sensor", "climate", "fan", "cover", "lock", "camera",
    "media_player", "vacuum", "alarm_control_panel", "water_heater", "valve",
)  # fmt: skip
_CLASSES = ("garage_door",)
# Only the device class that says something about the building (a garage door, whether a `cover` of
# class `garage` or a `binary_sensor` of class `garage_door`). Shares of battery, power, illuminance,
# temperature... entities say which integrations expose what (one vendor's sensor is four entities,
# another's one) and were the most telling features of a forest telling generated homes from the
# real installs (bench/bench_real_homes.py); they are not features.
_C, _E = COMPOSITION, EVENTS


def _specs() -> tuple[FeatureSpec, ...]:
    legacy_ratios = [
        FeatureSpec(f"{name}_ratio", _C, partial(_category_ratio, cat))
        for name, cat in (
            ("security", "security"),
            ("climate", "climate"),
            ("lighting", "lighting"),
            ("appliance", "appliances"),
            ("monitoring", "monitoring"),
        )
    ]
    legacy_counts = [
        FeatureSpec(f"device_count_{d}", _C, partial(_domain_count, d))
        for d in ("light", "binary_sensor", "sensor", "switch", "climate")
    ]
    peaks = [
        FeatureSpec(f"peak_hour_{rank + 1}_{trig}", _E, partial(_peak_hour, rank, trig))
        for rank in range(3)
        for trig in ("sin", "cos")
    ]
    return (
        # The original 22, in its order (peak hours as sin/cos pairs, patterns computed for real).
        FeatureSpec("total_devices", _C, _total_devices),
        *legacy_ratios,
        *legacy_counts,
        FeatureSpec("total_events", _E, _total_events),
        FeatureSpec("events_per_day", _E, _events_per_day),
        *peaks,
        # area_count and devices_per_area of the original, over the areas holding hardware
        FeatureSpec("placed_area_count", _C, _placed_area_count),
        FeatureSpec("indoor_ratio", _C, _indoor_ratio),
        FeatureSpec("devices_per_placed_area", _C, _devices_per_placed_area),
        FeatureSpec("pattern_count", _E, _pattern_count),
        FeatureSpec("avg_pattern_confidence", _E, _avg_pattern_confidence),
        FeatureSpec("diversity_ratio", _E, _diversity_ratio),
        # Composition beyond the original.
        # Hardware only (the registry view's physical entities): no person, sun, automation, script
        # or scene, whose counts say how a home is configured, not what it is.
        *(FeatureSpec(f"domain_share_{d}", _C, partial(_domain_share, d)) for d in _DOMAINS),
        FeatureSpec("domain_share_other", _C, partial(_other_domain_share, frozenset(_DOMAINS))),
        *(FeatureSpec(f"class_share_{c}", _C, partial(_class_share, c)) for c in _CLASSES),
        *(FeatureSpec(f"placed_areas_{k}", _C, partial(_placed_area_kind_count, k)) for k in AREA_KIND_NAMES),
        FeatureSpec("placed_areas_other", _C, partial(_placed_area_kind_count, "other")),
        FeatureSpec("placed_outdoor_area_share", _C, _placed_outdoor_area_share),
        FeatureSpec("outdoor_device_share", _C, _outdoor_device_share),
        FeatureSpec("bedroom_share_of_placed_indoor_areas", _C, _bedroom_share_of_placed_indoor_areas),
        FeatureSpec("max_devices_in_area", _C, _max_devices_in_area),
        FeatureSpec("empty_area_share", _C, _empty_area_share),
        FeatureSpec("area_count", _C, _area_count),
        *(FeatureSpec(f"areas_{k}", _C, partial(_area_kind_count, k)) for k in AREA_KIND_NAMES),
        FeatureSpec("areas_other", _C, partial(_area_kind_count, "other")),
        FeatureSpec("outdoor_area_share", _C, _outdoor_area_share),
        # HA's floor registry: most registries declare none (0); a house often declares two or more
        FeatureSpec("floor_count", _C, _floor_count),
        # Event rhythm and occupancy-like patterns (local time of the home).
        *(
            FeatureSpec(f"hour_share_{h:02d}_{h + 4:02d}", _E, partial(_hour_band_share, h))
            for h in range(0, 24, 4)
        ),
        FeatureSpec("weekend_share", _E, _weekend_share),
        FeatureSpec("weekend_rate_ratio", _E, _weekend_rate_ratio),
        FeatureSpec("events_per_device_day", _E, _events_per_device_day),
        FeatureSpec("top_entity_share", _E, _top_entity_share),
        *(
            FeatureSpec(f"event_share_{t}", _E, partial(_event_type_share, t))
            for t in ("automation_triggered", "script_started", "scene_activated", "voice_command")
        ),
        FeatureSpec("occupied_hours_per_day", _E, _occupied_hours_per_day),
        FeatureSpec("active_day_share", _E, _active_day_share),
        FeatureSpec("daytime_absence_share", _E, _daytime_absence_share),
        FeatureSpec("night_activity_share", _E, _night_activity_share),
        FeatureSpec("morning_start_hour", _E, _morning_start_hour),
        FeatureSpec("motion_event_share", _E, _motion_share),
    )


FEATURES: tuple[FeatureSpec, ...] = _specs()
"""Every feature in vector order; the model stores these names and the schema version."""

FEATURE_NAMES: tuple[str, ...] = tuple(spec.name for spec in FEATURES)
DECLARED_AREA_FEATURES: frozenset[str] = frozenset(
    {"empty_area_share", "area_count", "areas_other", "outdoor_area_share", "floor_count"}
    | {f"areas_{k}" for k in AREA_KIND_NAMES}
)
"""The features that read the declared areas, empty ones included (`floor_count`: the floors they are
on); every other one reads the areas holding hardware, so a declared empty area moves these only."""
LEGACY_FEATURE_NAMES: tuple[str, ...] = FEATURE_NAMES[:25]
"""The original 22 in their order, with the three peak hours as six sin/cos features and the area count
and devices per area read over the areas holding hardware (`placed_area_count`, `devices_per_placed_area`)."""


def feature_names(groups: Sequence[str] = GROUPS) -> tuple[str, ...]:
    """Names of the features in `groups`, in table order."""
    return tuple(spec.name for spec in FEATURES if spec.group in groups)


def group_columns(groups: Sequence[str]) -> NDArray[np.int64]:
    """Column indices (into the full vector) of the features in `groups`."""
    return np.array([i for i, spec in enumerate(FEATURES) if spec.group in groups], dtype=np.int64)


def features_of_view(view: HomeView) -> FeatureRow:
    """The full feature vector of a parsed home; event features are NaN when it has no device events."""
    groups = GROUPS if view.has_events else (COMPOSITION,)
    values = np.array(
        [spec.compute(view) if spec.group in groups else NAN for spec in FEATURES], dtype=np.float64
    )
    return FeatureRow(values=values, groups_used=groups)


def extract_features(home: Mapping[str, Any]) -> FeatureRow:
    """Parse and featurise one home (home-file or minimal shape); raises `HomeInputError` on bad input."""
    return features_of_view(parse_home(home))


__all__ = [
    "COMPOSITION",
    "DECLARED_AREA_FEATURES",
    "EVENTS",
    "FEATURES",
    "FEATURE_NAMES",
    "FEATURE_SCHEMA_VERSION",
    "GROUPS",
    "LEGACY_FEATURE_NAMES",
    "FeatureRow",
    "FeatureSpec",
    "HomeInputError",
    "extract_features",
    "feature_names",
    "features_of_view",
    "group_columns",
]
