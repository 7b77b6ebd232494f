"""The generator's per-home-type statistics, derived from real homes and read back by the layout.

`derive_table(homes, ...)` turns calibration homes (`calibration_sources.CalHome`) into a small JSON
table of derived figures only: per home type, the chance of at least 1, 2, ... areas of each area kind,
the spread of devices per area, and each device kind's inclusion rate and count when present; pooled
over types, the declared areas real registries leave empty (only a real install can show them) and
(added by scripts/calibrate_generator.py) the correlation between area kinds that spreads the area
count like the real one. `calibration_table()` reads the committed table (`calibration_v2.json`, derived from the real
installs plus allenporter devices-v2; devices-v3 is held out) once, lazily. Home types with fewer than
`min_homes` real homes keep the generator's priors (`home_types.TYPE_PROFILES`).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from statistics import fmean, median, pstdev, variance
from typing import Any

from ai_automation.synthesis.calibration_sources import LIGHT, CalHome, kind_counts
from ai_automation.synthesis.device_catalog import DEVICE_KINDS
from homeiq_shared.ha_semantics import OUTDOOR_KINDS
from homeiq_shared.home_types import APARTMENT_LIKE, HOME_TYPES

TABLE_PATH = Path(__file__).with_name("calibration_v2.json")
TABLE_VERSION = 2
MIN_HOMES = 3
MAX_PER_KIND = 6
LIGHT_KINDS = ("light_onoff", "light_dimmable", "light_rgbw")
AREA_CLASS_ORDER = (
    "living", "kitchen", "dining", "bedroom", "bathroom", "office", "hallway", "utility",
    "garage", "basement", "attic", "other", "floor", "balcony", "outdoor",
)  # fmt: skip
"""Area kinds (the classifier's) in the order a calibrated home lists its areas."""

SOURCES = (
    {
        "name": "allenporter/home-assistant-datasets (devices-v2, devices-v3)",
        "url": "https://github.com/allenporter/home-assistant-datasets",
        "used_as": "synthetic-home device files: areas, device types and a free-text home type per home",
    },
    {
        "name": "real-ha-homes (103 anonymized public Home Assistant configurations)",
        "url": "see ../shared/external-data/real-ha-homes/README.md, section Attribution, for every source "
        "repository and commit",
        "used_as": "area, device and entity registries of the homes with a home-type label",
    },
)


@dataclass(frozen=True)
class TypeCalibration:
    """What the layout needs for one calibrated home type."""

    home_type: str
    homes: int
    areas: Mapping[str, tuple[float, ...]]
    median_areas: float
    devices_per_area: tuple[float, float]
    device_kinds: Mapping[str, tuple[float, float]]


def _r(x: float) -> float:
    return round(float(x), 3)


def _at_least(counts: Sequence[int]) -> list[float]:
    """P(count >= 1), P(count >= 2), ... up to the largest count seen (capped at MAX_PER_KIND)."""
    top = min(max(counts, default=0), MAX_PER_KIND)
    return [_r(sum(c >= j for c in counts) / len(counts)) for j in range(1, top + 1)]


def _devices_per_area(homes: Sequence[CalHome]) -> tuple[float, float] | None:
    """Median and log standard deviation of modelled devices per area (areas holding one)."""
    values = []
    for h in homes:
        placed = [d for d in h.devices or () if d.area is not None and d.kind is not None]
        areas = len({d.area for d in placed})
        if areas:
            values.append(len(placed) / areas)
    if len(values) < MIN_HOMES:
        return None
    logs = [math.log(v) for v in values]
    mean = fmean(logs)
    return _r(median(values)), _r(math.sqrt(fmean([(x - mean) ** 2 for x in logs])))


def _kind_stats(homes: Sequence[CalHome]) -> dict[str, dict[str, float]]:
    """Per device kind: share of homes with one, mean count where present (lights only where known)."""
    stats = {}
    for kind in [k.key for k in DEVICE_KINDS] + [LIGHT]:
        pool = [h for h in homes if h.lights_known] if kind in LIGHT_KINDS else list(homes)
        if kind == LIGHT:
            counts = [sum(c for k, c in kind_counts(h).items() if k in (*LIGHT_KINDS, LIGHT)) for h in pool]
        else:
            counts = [kind_counts(h)[kind] for h in pool]
        if not pool:
            continue
        present = [c for c in counts if c]
        stats[kind] = {
            "rate": _r(len(present) / len(pool)),
            "mean_count": _r(fmean(present)) if present else 0.0,
        }
    return stats


def _entities_per_device(homes: Sequence[CalHome]) -> dict[str, float]:
    per_kind: dict[str, list[int]] = {}
    for h in homes:
        for d in h.devices or ():
            if d.kind is not None:
                per_kind.setdefault(d.kind, []).append(d.entities)
    return {k: _r(fmean(v)) for k, v in sorted(per_kind.items())}


ENTITY_MIX_MIN_MEAN = 0.05
"""Entity classes rarer than this per device of a kind are left out of the entity mix."""


def entity_mix(homes: Sequence[CalHome]) -> dict[str, dict[str, float]]:
    """Per device kind (lights as one kind): the mean number of entities of each `domain.class` per
    device, over the devices whose registry lists their entities (the real installs, not allenporter's
    one-entity-per-device files)."""
    per_kind: dict[str, list[Counter[str]]] = {}
    for h in homes:
        for d in h.devices or ():
            if d.kind is not None and d.entity_classes:
                kind = LIGHT if d.kind in LIGHT_KINDS else d.kind
                per_kind.setdefault(kind, []).append(Counter(d.entity_classes))
    out = {}
    for kind, counters in sorted(per_kind.items()):
        if len(counters) < MIN_HOMES:
            continue
        total: Counter[str] = Counter()
        for c in counters:
            total.update(c)
        means = {key: _r(n / len(counters)) for key, n in sorted(total.items())}
        out[kind] = {"devices": len(counters), **{k: v for k, v in means.items() if v >= ENTITY_MIX_MIN_MEAN}}
    return out


def empty_area_statistics(homes: Sequence[CalHome]) -> dict[str, Any]:
    """Declared areas holding no device, pooled over the homes whose registry can show them (the real
    installs placing at least one device): P(at least 1, 2... empty areas) and the kinds' shares.
    Pooled over home types: the installs are almost all houses, too few per type to split."""
    known = [h.empty_areas for h in homes if h.empty_areas is not None]
    kinds = Counter(k for empty in known for k in empty)
    total = sum(kinds.values())
    return {
        "homes": len(known),
        "at_least": _at_least([len(e) for e in known]) if known else [],
        "kinds": {k: _r(n / total) for k, n in sorted(kinds.items())} if total else {},
    }


OTHER_CLASS_MIN_SHARE = 0.005
"""Entity classes rarer than this among the other hardware's entities are left out of its mix."""
_RATE_QUANTILES = tuple(round(q / 10, 1) for q in range(11))


def _deciles(values: Sequence[float]) -> list[float]:
    """The 0th, 10th, ... 100th percentiles of `values` (nearest rank)."""
    ordered = sorted(values)
    return [_r(ordered[min(int(q * (len(ordered) - 1) + 0.5), len(ordered) - 1)]) for q in _RATE_QUANTILES]


def other_hardware_statistics(homes: Sequence[CalHome]) -> dict[str, Any]:
    """What real registries place in their equipped areas beyond the modelled devices (phones, servers,
    printers, integrations' service devices, entities of no device), pooled over the installs that
    place a device (almost all houses, too few per type to split): the deciles of such units per
    equipped area over homes, the geometric mean and log-sd of entities per unit, the entity classes' shares
    and the kinds of area they sit in."""
    known = [h for h in homes if h.other_hardware is not None and h.equipped_areas]
    units = [u for h in known for u in h.other_hardware or ()]
    if len(known) < MIN_HOMES or not units:
        return {"homes": len(known)}
    rates = [len(h.other_hardware or ()) / h.equipped_areas for h in known]
    sizes = [max(len(u.entity_classes), 1) for u in units]
    logs = [math.log(n) for n in sizes]
    classes = Counter(c for u in units for c in u.entity_classes)
    total = sum(classes.values())
    kinds = Counter(u.area_kind for u in units)
    return {
        "homes": len(known),
        "units": len(units),
        "per_equipped_area_deciles": _deciles(rates),
        "entities_per_unit": {"geometric_mean": _r(math.exp(fmean(logs))), "log_sd": _r(pstdev(logs))},
        "entity_classes": {
            k: _r(n / total) for k, n in sorted(classes.items()) if n / total >= OTHER_CLASS_MIN_SHARE
        },
        "area_kinds": {k: _r(n / len(units)) for k, n in sorted(kinds.items())},
    }


def device_placement_statistics(homes: Sequence[CalHome]) -> dict[str, Any]:
    """How much of its hardware a real registry places in an area: per install placing at least one
    device, the share of its (non-service) devices with an area, and the Beta distribution with the
    same mean and variance (method of moments) that the generator draws each home's share from.
    Pooled over home types (the installs are almost all houses). allenporter's device files are
    descriptions listing every device under a room, not registry exports, so they do not count."""
    shares = [
        sum(d.area is not None for d in h.devices) / len(h.devices)
        for h in homes
        if h.empty_areas is not None and h.devices
    ]
    if len(shares) < MIN_HOMES:
        return {"homes": len(shares)}
    mean, var = fmean(shares), variance(shares)
    k = mean * (1.0 - mean) / var - 1.0 if var > 0 else 0.0
    return {
        "homes": len(shares),
        "mean": _r(mean),
        "sd": _r(math.sqrt(var)),
        "deciles": _deciles(shares),
        "beta": [_r(mean * k), _r((1.0 - mean) * k)] if k > 0 else None,
    }


def floor_registry_statistics(homes: Sequence[CalHome]) -> dict[str, Any]:
    """How often a real registry declares its floors (HA's floor registry, since 2024.4): the share of
    the installs with an area registry that list at least one floor, and how many they list. Pooled
    over home types; allenporter's description files have no registries, so they do not count. The
    labelled installs over-represent it (floors were part of the labelling evidence): said in the README."""
    counts = [h.floors for h in homes if h.floors is not None]
    if len(counts) < MIN_HOMES:
        return {"homes": len(counts)}
    declared = [c for c in counts if c]
    return {
        "homes": len(counts),
        "declaring": len(declared),
        "rate": _r(len(declared) / len(counts)),
        "floors_when_declared": {str(n): k for n, k in sorted(Counter(declared).items())},
    }


def lightless_statistics(homes: Sequence[CalHome]) -> dict[str, Any]:
    """How often a real registry holds no light at all (the owner's lights are not in HA, or not yet):
    the share of the installs with a device registry whose devices include no light. Pooled over home
    types, from real registries only: allenporter's descriptions list lights in every home."""
    registries = [h for h in homes if h.source == "real-ha-homes" and h.devices]
    if len(registries) < MIN_HOMES:
        return {"homes": len(registries)}
    lightless = [h for h in registries if not any(k in (*LIGHT_KINDS, LIGHT) for k in kind_counts(h))]
    return {
        "homes": len(registries),
        "without_light": len(lightless),
        "rate": _r(len(lightless) / len(registries)),
    }


def type_statistics(homes: Sequence[CalHome]) -> dict[str, Any]:
    """The derived statistics of one group of homes (one home type, or all of a split)."""
    with_devices = [h for h in homes if h.devices is not None]
    dpa = _devices_per_area(with_devices)
    area_counts = [len(h.areas) for h in homes]
    kinds = {c: _at_least([h.areas.count(c) for h in homes]) for c in AREA_CLASS_ORDER}
    return {
        "homes": len(homes),
        "sources": dict(sorted(Counter(h.source for h in homes).items())),
        "homes_with_devices": len(with_devices),
        "areas": {
            "median": _r(median(area_counts)),
            "mean": _r(fmean(area_counts)),
            "log_sd": _r(pstdev([math.log(max(c, 1)) for c in area_counts])),
        },
        "area_kinds_at_least": {c: v for c, v in kinds.items() if v},
        "devices_per_area": dict(zip(("median", "log_sd"), dpa, strict=True)) if dpa else None,
        "device_kinds": _kind_stats(with_devices),
        "entities_per_device": _entities_per_device(with_devices),
    }


def derive_table(
    homes: Sequence[CalHome], split: str, room_classes: Mapping[str, str], area_kind_function: str
) -> dict[str, Any]:
    """The calibration table of one split: per home type with at least MIN_HOMES homes, else the prior."""
    by_type = {t: [h for h in homes if h.home_type == t] for t in HOME_TYPES}
    types, priors = {}, {}
    for home_type, group in by_type.items():
        if len(group) >= MIN_HOMES and len([h for h in group if h.devices is not None]) >= MIN_HOMES:
            types[home_type] = type_statistics(group)
        else:
            priors[home_type] = f"{len(group)} real home(s) in this split: the generator's priors are kept"
    return {
        "version": TABLE_VERSION,
        "split": split,
        "held_out": "allenporter devices-v3" if split == "v2" else "allenporter devices-v2",
        "what": "derived per-home-type statistics only (no home's rows); read by synthesis/layout.py",
        "sources": list(SOURCES),
        "area_kind_function": area_kind_function,
        "min_homes": MIN_HOMES,
        "room_classes": dict(sorted(room_classes.items())),
        "types": types,
        "priors_kept": priors,
        "all_homes": type_statistics(homes),
        "entity_mix": entity_mix(homes),
        "empty_areas": empty_area_statistics(homes),
        "other_hardware": other_hardware_statistics(homes),
        "device_placement": device_placement_statistics(homes),
        "floor_registry": floor_registry_statistics(homes),
        "lightless": lightless_statistics(homes),
    }


def write_table(table: Mapping[str, Any], path: Path) -> None:
    """Write a table as stable, diff-friendly JSON."""
    path.write_text(json.dumps(table, indent=1, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")


def parse_type(home_type: str, stats: Mapping[str, Any]) -> TypeCalibration:
    """The layout's view of one home type's statistics."""
    dpa = stats["devices_per_area"]
    kinds = {k: (float(v["rate"]), float(v["mean_count"])) for k, v in stats["device_kinds"].items()}
    return TypeCalibration(
        home_type=home_type,
        homes=int(stats["homes"]),
        areas={c: tuple(float(p) for p in v) for c, v in stats["area_kinds_at_least"].items()},
        median_areas=float(stats["areas"]["median"]),
        devices_per_area=(float(dpa["median"]), float(dpa["log_sd"])),
        device_kinds=kinds,
    )


@dataclass(frozen=True)
class CalibrationTable:
    """A parsed calibration table: the room kinds' area classes and the calibrated home types."""

    split: str
    room_classes: tuple[tuple[str, str], ...]
    types: Mapping[str, TypeCalibration]
    entity_mix: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    empty_at_least: tuple[float, ...] = ()
    empty_kinds: tuple[tuple[str, float], ...] = ()
    area_correlation: float = 0.0
    other_hardware: OtherHardware | None = None
    device_placement: tuple[float, float] | None = None
    """Beta(a, b) of the share of a home's devices its registry places in an area (None: all placed)."""
    floor_registry: float | None = None
    """The chance that a home's registry declares its floors (None: every generated home declares them,
    as before generator 2.6)."""
    lightless: float | None = None
    """The chance that a home's registry holds no light (None: every generated home has lights)."""


@dataclass(frozen=True)
class OtherHardware:
    """The parsed `other_hardware` statistics the layout draws from (see `other_hardware_statistics`)."""

    per_area_deciles: tuple[float, ...]
    entities_geometric_mean: float
    entities_log_sd: float
    classes: tuple[tuple[str, float], ...]
    area_kinds: tuple[tuple[str, float], ...]


def _other_hardware(doc: Mapping[str, Any]) -> OtherHardware | None:
    stats = doc.get("other_hardware") or {}
    if not doc.get("other_hardware_applied") or "per_equipped_area_deciles" not in stats:
        return None
    return OtherHardware(
        tuple(float(q) for q in stats["per_equipped_area_deciles"]),
        float(stats["entities_per_unit"]["geometric_mean"]),
        float(stats["entities_per_unit"]["log_sd"]),
        tuple((str(k), float(v)) for k, v in stats["entity_classes"].items()),
        tuple((str(k), float(v)) for k, v in stats["area_kinds"].items()),
    )


def _device_placement(doc: Mapping[str, Any]) -> tuple[float, float] | None:
    beta = (doc.get("device_placement") or {}).get("beta")
    if not doc.get("device_placement_applied") or not beta:
        return None
    return float(beta[0]), float(beta[1])


def _applied_rate(doc: Mapping[str, Any], key: str) -> float | None:
    """The `rate` of a registry habit the table measured (`floor_registry`, `lightless`), when it is drawn."""
    rate = (doc.get(key) or {}).get("rate")
    return float(rate) if doc.get(f"{key}_applied") and rate is not None else None


def parse_table(doc: Mapping[str, Any]) -> CalibrationTable:
    """Parse a table written by `derive_table`."""
    if doc.get("version") != TABLE_VERSION:
        raise ValueError(f"calibration table version {doc.get('version')!r}, expected {TABLE_VERSION}")
    types = {t: parse_type(t, s) for t, s in doc["types"].items()}
    mix = {
        kind: {k: float(v) for k, v in means.items() if k != "devices"}
        for kind, means in (doc.get("entity_mix") or {}).items()
    }
    # measured always, drawn only when the table says so (see scripts/calibrate_generator.py)
    empty = (doc.get("empty_areas") or {}) if doc.get("empty_areas_applied") else {}
    return CalibrationTable(
        str(doc["split"]),
        tuple(sorted(doc["room_classes"].items())),
        types,
        mix,
        tuple(float(p) for p in empty.get("at_least", ())),
        tuple((str(k), float(v)) for k, v in (empty.get("kinds") or {}).items()),
        float(doc.get("area_correlation", 0.0)),
        _other_hardware(doc),
        _device_placement(doc),
        _applied_rate(doc, "floor_registry"),
        _applied_rate(doc, "lightless"),
    )


@cache
def calibration_table(path: Path = TABLE_PATH) -> CalibrationTable:
    """The committed table, read once per process (on first use, never at import)."""
    return parse_table(json.loads(path.read_text(encoding="utf-8")))


def realism_statistics(homes: Sequence[CalHome]) -> dict[str, Any]:
    """The realism figures of a set of homes (real or generated), for before/after/held-out tables."""
    houses = [h for h in homes if h.home_type not in APARTMENT_LIKE and h.devices is not None]
    flats = [h for h in homes if h.home_type in APARTMENT_LIKE]
    known = [h for h in homes if h.lights_known and h.devices is not None]
    plain = sum(kind_counts(h)["light_onoff"] for h in known)
    dimmable = sum(kind_counts(h)["light_dimmable"] + kind_counts(h)["light_rgbw"] for h in known)
    with_devices = [h for h in homes if h.devices is not None]
    dpa = _devices_per_area(with_devices)
    empty = [h.empty_areas for h in homes if h.empty_areas is not None]

    def share(group: Sequence[CalHome], test: Any) -> float | None:
        return _r(sum(bool(test(h)) for h in group) / len(group)) if group else None

    return {
        "homes": len(homes),
        "area_count_median": _r(median(len(h.areas) for h in homes)) if homes else None,
        "area_count_mean": _r(fmean(len(h.areas) for h in homes)) if homes else None,
        "area_count_log_sd": _r(pstdev([math.log(max(len(h.areas), 1)) for h in homes])) if homes else None,
        "empty_areas_mean": _r(fmean(len(e) for e in empty)) if empty else None,
        "bathroom_share": share(homes, lambda h: "bathroom" in h.areas),
        "outdoor_share_apartment_like": share(flats, lambda h: OUTDOOR_KINDS & set(h.areas)),
        "outdoor_share_houses": share(houses, lambda h: OUTDOOR_KINDS & set(h.areas)),
        "balcony_share_apartment_like": share(flats, lambda h: "balcony" in h.areas),
        "balcony_share_houses": share(houses, lambda h: "balcony" in h.areas),
        "bedrooms_mean": _r(fmean(h.areas.count("bedroom") for h in homes)) if homes else None,
        "other_area_share": _r(fmean(h.areas.count("other") / max(len(h.areas), 1) for h in homes)) if homes else None,
        "devices_per_area_median": dpa[0] if dpa else None,
        **{f"houses_with_{k}": share(houses, lambda h, k=k: kind_counts(h)[k]) for k in ("camera", "garage_door", "sprinkler")},
        "plain_light_share": _r(plain / (plain + dimmable)) if plain + dimmable else None,
    }  # fmt: skip
