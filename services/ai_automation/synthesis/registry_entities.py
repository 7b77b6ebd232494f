"""The entities a home file lists beyond a simulated device's own: what real registries show.

A device's further entities (its real entity mix: config switches, diagnostic sensors...) and the
other hardware real installs place in their rooms (phones, servers, integrations), both static (no
events), plus the small record helpers every entity of a layout goes through.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ai_automation.synthesis.calibration import LIGHT_KINDS, OtherHardware
from ai_automation.synthesis.calibration_sources import LIGHT, entity_class_key
from ai_automation.synthesis.device_catalog import DeviceKind
from homeiq_shared.ha_semantics import device_category

if TYPE_CHECKING:
    from ai_automation.synthesis.layout import HomeLayout

STATIC = "static"
"""Behaviour of an entity the simulator leaves alone (a device's further sensors and controls)."""


@dataclass
class EntityInfo:
    """One entity as the simulator sees it: ids, behaviour, area and owning device."""

    entity_id: str
    domain: str
    behaviour: str
    friendly_name: str
    device_class: str | None
    unit: str | None
    area: int
    device: int
    role: str = ""
    targets: tuple[int, ...] = ()


def slugify(text: str) -> str:
    """HA-style object id: lower case, runs of other characters become one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def static_entity(
    domain: str, device_class: str | None, slug: str, name: str, area: int, device: int
) -> EntityInfo:
    """An entity without events of a device (or of none: `device` -1) named after its class or domain
    (`sensor.<slug>_signal_strength`, "<name> Signal Strength")."""
    suffix = device_class or domain
    return EntityInfo(
        entity_id=f"{domain}.{slug}_{suffix}",
        domain=domain,
        behaviour=STATIC,
        friendly_name=f"{name} {suffix.replace('_', ' ').title()}",
        device_class=device_class,
        unit=None,
        area=area,
        device=device,
    )


def add_entity(layout: HomeLayout, used: set[str], info: EntityInfo, record: dict[str, Any]) -> int:
    base, n = info.entity_id, 2
    while info.entity_id in used:
        info.entity_id = f"{base}_{n}"
        n += 1
    used.add(info.entity_id)
    record["entity_id"] = info.entity_id
    layout.entities.append(info)
    layout.records.append(record)
    return len(layout.entities) - 1


def entity_record(
    info: EntityInfo, area: str | None, category: str, power: str, protocol: str
) -> dict[str, Any]:
    attributes: dict[str, Any] = {"friendly_name": info.friendly_name, "device_class": info.device_class}
    if info.unit is not None:
        attributes["unit_of_measurement"] = info.unit
    return {
        "entity_id": info.entity_id,
        "device_id": None,
        "friendly_name": info.friendly_name,
        "name": info.friendly_name,
        "device_type": info.domain,
        "device_class": info.device_class,
        "unit_of_measurement": info.unit,
        "area": area,
        "category": category,
        "power_source": power,
        "protocol": protocol,
        "attributes": attributes,
    }


def extra_entities(
    kind: DeviceKind, mix: Mapping[str, Mapping[str, float]], rng: np.random.Generator
) -> list[tuple[str, str | None]]:
    """The entities a real device of this kind has beyond the catalog's (calibration `entity_mix`:
    mean count per `domain.class`): each class drawn Poisson around its real mean less the catalog's."""
    means = mix.get(LIGHT if kind.key in LIGHT_KINDS else kind.key)
    if not means:
        return []
    pairs, lam = _extra_means(kind, means)
    out: list[tuple[str, str | None]] = []
    for pair, n in zip(pairs, rng.poisson(lam).tolist(), strict=True):
        if n:
            out += [pair] * n
    return out


_EXTRA_MEANS: dict[
    tuple[str, tuple[tuple[str, float], ...]], tuple[list[tuple[str, str | None]], np.ndarray]
] = {}


def _extra_means(
    kind: DeviceKind, means: Mapping[str, float]
) -> tuple[list[tuple[str, str | None]], np.ndarray]:
    """Per kind (and mix), the (domain, class) pairs of the mix and their means less the catalog's (cached)."""
    key = (kind.key, tuple(means.items()))
    found = _EXTRA_MEANS.get(key)
    if found is None:
        own = Counter(entity_class_key(spec.domain, spec.device_class) for spec in kind.entities)
        keys = list(means)
        pairs = [(k.partition(".")[0], k.partition(".")[2] or None) for k in keys]
        lam = np.maximum(np.array([means[k] for k in keys]) - [own[k] for k in keys], 0.0)
        found = _EXTRA_MEANS[key] = (pairs, lam)
    return found


OTHER_LABELS = (
    "Phone", "Tablet", "Computer", "Server", "NAS", "Printer", "Router", "Access Point", "UPS", "Hub",
    "Bridge", "Media Server", "Weather Station", "Inverter", "Car Charger", "Air Purifier", "Sensor Hub",
)  # fmt: skip
_MAX_UNIT_ENTITIES = 60


ORIGIN_STREAM, OTHER_HARDWARE_STREAM, PLACEMENT_STREAM, FLOOR_STREAM, LIGHTS_STREAM = 1, 2, 3, 4, 5
"""A home's side streams: `SeedSequence(seed, spawn_key=(home index, stream))`, each apart from the home's
own generator (spawn key `(home index,)`) and from each other: who caused each change (`origins.py`),
the other hardware, which devices the registry leaves in no area, whether it declares its floors, and
whether it holds any light."""


def side_rng(rng: np.random.Generator, stream: int) -> np.random.Generator:
    """One of the home's side streams (`ORIGIN_STREAM`...), derived from the home's seed without drawing
    from its generator (so the devices and events stay as they were)."""
    seq = rng.bit_generator.seed_seq
    if isinstance(seq, np.random.SeedSequence):
        return np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, stream)))
    return np.random.default_rng(int(rng.integers(2**63)))


def add_other_hardware(
    layout: HomeLayout,
    stats: OtherHardware,
    room_classes: Mapping[str, str],
    used: set[str],
    names: set[str],
    rng: np.random.Generator,
    *,
    lit: bool,
) -> None:
    """What real registries place in their rooms beyond the devices the simulator models (phones,
    servers, printers, routers, integrations' service devices, template entities): a number of such
    units per equipped area drawn from the real installs' spread, each with a log-normal number of
    entities whose classes follow the real ones, in areas of the kinds where real installs put them.
    Static (no events); they belong to no simulated device, so failures and events are unchanged. In a
    home whose registry holds no light (`lit` False) they carry no light entity either, as the real
    installs without lights show none."""
    equipped = sorted({e.area for e in layout.entities if e.device >= 0})
    if not equipped:
        return
    deciles = np.array(stats.per_area_deciles)
    rate = float(np.interp(rng.random(), np.linspace(0.0, 1.0, deciles.size), deciles))
    units = int(rng.poisson(rate * len(equipped)))
    if not units:
        return
    area_class = np.array([room_classes.get(layout.area_kinds[a], "other") for a in equipped])
    kind_share = dict(stats.area_kinds)
    area_w = np.array([kind_share.get(str(c), 0.0) for c in area_class]) + 0.02
    classes = [(k, v) for k, v in stats.classes if lit or k.partition(".")[0] != "light"]
    keys = [k for k, _ in classes]
    shares = np.array([v for _, v in classes])
    shares = shares / shares.sum()
    sizes = np.rint(stats.entities_geometric_mean * np.exp(rng.normal(0.0, stats.entities_log_sd, units)))
    for j, size in enumerate(np.clip(sizes, 1, _MAX_UNIT_ENTITIES).astype(int).tolist()):
        area = equipped[int(rng.choice(len(equipped), p=area_w / area_w.sum()))]
        area_name = layout.areas[area]["name"]
        label = OTHER_LABELS[int(rng.integers(len(OTHER_LABELS)))]
        name, n = f"{area_name} {label}", 2
        while name in names:
            name, n = f"{area_name} {label} {n}", n + 1
        names.add(name)
        device_id = f"{layout.home_id}_hw_{j:03d}"
        slug = slugify(name)
        for key in sorted(keys[i] for i in rng.choice(len(keys), size=size, p=shares).tolist()):
            domain, _, device_class = key.partition(".")
            info = static_entity(domain, device_class or None, slug, name, area, -1)
            record = entity_record(
                info, area_name, device_category(domain, device_class or None), "mains", "wifi"
            )
            record["device_id"] = device_id
            add_entity(layout, used, info, record)


def leave_unplaced(layout: HomeLayout, beta: tuple[float, float], rng: np.random.Generator) -> None:
    """What a real registry shows of where the hardware is: a home's owner assigns an area to only a
    share of the devices (the labelled installs the fit reads: 0.16 to 1, mean 0.69; all installs with
    a device registry: 0.04 to 1; see `calibration.device_placement_statistics`). The share is drawn
    per home from the calibrated Beta, then each simulated device (all its entities) keeps its area
    with that probability. The other hardware is left as drawn: its rate was measured on the units
    real registries place. Only the registry records change: the simulated device stays in its room,
    so its events, failures and routines are as before."""
    share = float(rng.beta(*beta))
    devices = sorted(layout.device_ids)
    unplaced = {d for d, u in zip(devices, rng.random(len(devices)).tolist(), strict=True) if u >= share}
    for record in layout.records:
        if record.get("device_id") in unplaced:
            record["area"] = None


def declare_floors(layout: HomeLayout, rate: float, rng: np.random.Generator) -> None:
    """Whether the home's registry declares its floors: HA's floor registry (2024.4) is optional, and
    of the labelled installs with an area registry 8 of 18 list floors, always two or more (see
    `calibration.floor_registry_statistics`). A home whose areas are on two or more floors declares
    them with probability `rate`: every floor of the building, each area naming its own. A home whose
    areas are all on one floor never does (no labelled install declares a single floor), so `rate` is
    applied to the multi-floor homes only: a lower bound of that conditional rate in the real installs,
    whose storeys are unknown when they declare none. Otherwise the home file carries no floor, as
    such a registry export does. The building keeps its storeys in the simulation."""
    if len({area["floor"] for area in layout.areas}) >= 2 and rng.random() < rate:
        return
    layout.floors = []
    for area in layout.areas:
        area["floor"] = None
