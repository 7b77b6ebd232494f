"""Device kinds a synthetic home can hold, where they go, and the HA entities each expands to.

Kinds, their entities and their relative frequency follow the synthetic-home registry and the
allenporter reference homes (light > sensor > binary_sensor > media_player > switch > climate,
about 1.4 entities per device).
"""

from __future__ import annotations

from dataclasses import dataclass

INDOOR_LIVING = (
    "living_room",
    "kitchen",
    "dining_room",
    "master_bedroom",
    "bedroom",
    "kids_room",
    "guest_room",
    "office",
    "main_room",
    "playroom",
    "gym",
)
WET_ROOMS = ("bathroom", "master_bathroom", "toilet")
SERVICE_ROOMS = ("hallway", "entrance", "laundry", "storage", "basement", "attic", "garage", "pantry")
OUTDOOR = (
    "balcony",
    "terrace",
    "patio",
    "porch",
    "backyard",
    "front_yard",
    "garden",
    "driveway",
)
ALL_INDOOR = INDOOR_LIVING + WET_ROOMS + SERVICE_ROOMS + ("kitchenette", "closet", "shed", "workshop")
EXTERIOR_DOORS = ("entrance", "garage", "porch", "patio", "terrace", "kitchen", "hallway")


@dataclass(frozen=True)
class EntitySpec:
    """One HA entity a device exposes: its domain, id suffix, class, unit and simulated behaviour."""

    domain: str
    suffix: str
    device_class: str | None
    unit: str | None
    behaviour: str


@dataclass(frozen=True)
class DeviceKind:
    """A physical device type: naming, category, power, radio, entities and placement rules."""

    key: str
    labels: tuple[str, ...]
    category: str
    power_source: str
    protocols: tuple[str, ...]
    entities: tuple[EntitySpec, ...]
    areas: tuple[str, ...]
    weight: float
    max_per_home: int
    max_per_area: int


def _battery() -> EntitySpec:
    return EntitySpec("sensor", "battery", "battery", "%", "battery")


DEVICE_KINDS: tuple[DeviceKind, ...] = (
    DeviceKind(
        "light_onoff",
        ("Ceiling Light", "Light", "Pendant Light", "Spotlights"),
        "lighting",
        "mains",
        ("zigbee", "wifi", "zwave"),
        (EntitySpec("light", "", None, None, "light"),),
        ALL_INDOOR + OUTDOOR,
        0.15,
        40,
        3,
    ),
    DeviceKind(
        "light_dimmable",
        ("Ceiling Light", "Lamp", "Floor Lamp", "Bedside Lamp", "Dimmable Light"),
        "lighting",
        "mains",
        ("zigbee", "wifi", "thread"),
        (EntitySpec("light", "", None, None, "light"),),
        INDOOR_LIVING + WET_ROOMS + ("hallway", "entrance", "kitchenette"),
        0.14,
        40,
        3,
    ),
    DeviceKind(
        "light_rgbw",
        ("Light Strip", "Color Bulb", "Accent Light"),
        "lighting",
        "mains",
        ("zigbee", "wifi"),
        (EntitySpec("light", "", None, None, "light"),),
        (*INDOOR_LIVING, "hallway"),
        0.04,
        6,
        1,
    ),
    DeviceKind(
        "motion_sensor",
        ("Motion Sensor",),
        "security",
        "battery",
        ("zigbee", "zwave"),
        (
            EntitySpec("binary_sensor", "", "motion", None, "motion"),
            _battery(),
            EntitySpec("sensor", "illuminance", "illuminance", "lx", "illuminance"),
        ),
        INDOOR_LIVING + WET_ROOMS + ("hallway", "entrance", "garage", "basement", "laundry"),
        0.08,
        12,
        1,
    ),
    DeviceKind(
        "door_sensor",
        ("Door Sensor",),
        "security",
        "battery",
        ("zigbee", "zwave"),
        (EntitySpec("binary_sensor", "", "door", None, "door"), _battery()),
        EXTERIOR_DOORS,
        0.035,
        3,
        1,
    ),
    DeviceKind(
        "window_sensor",
        ("Window Sensor",),
        "security",
        "battery",
        ("zigbee", "zwave"),
        (EntitySpec("binary_sensor", "", "window", None, "window"), _battery()),
        INDOOR_LIVING + WET_ROOMS,
        0.025,
        8,
        1,
    ),
    DeviceKind(
        "temperature_sensor",
        ("Climate Sensor", "Temperature Sensor"),
        "climate",
        "battery",
        ("zigbee", "bluetooth"),
        (
            EntitySpec("sensor", "temperature", "temperature", "°C", "temperature"),
            EntitySpec("sensor", "humidity", "humidity", "%", "humidity"),
            _battery(),
        ),
        INDOOR_LIVING + WET_ROOMS + ("basement", "attic", "laundry", "hallway"),
        0.045,
        8,
        1,
    ),
    DeviceKind(
        "outdoor_sensor",
        ("Outdoor Sensor",),
        "climate",
        "battery",
        ("zigbee", "wifi"),
        (
            EntitySpec("sensor", "temperature", "temperature", "°C", "temperature_outdoor"),
            EntitySpec("sensor", "humidity", "humidity", "%", "humidity_outdoor"),
            _battery(),
        ),
        OUTDOOR,
        0.015,
        1,
        1,
    ),
    DeviceKind(
        "thermostat",
        ("Thermostat",),
        "climate",
        "mains",
        ("wifi", "zwave", "zigbee"),
        (
            EntitySpec("climate", "", None, None, "thermostat"),
            EntitySpec("sensor", "temperature", "temperature", "°C", "temperature"),
        ),
        ("living_room", "hallway", "main_room", "master_bedroom", "bedroom", "office", "dining_room"),
        0.06,
        3,
        1,
    ),
    DeviceKind(
        "smart_plug",
        ("Smart Plug",),
        "appliances",
        "mains",
        ("zigbee", "wifi", "zwave"),
        (
            EntitySpec("switch", "", "outlet", None, "outlet"),
            EntitySpec("sensor", "power", "power", "W", "power"),
            EntitySpec("sensor", "energy", "energy", "kWh", "energy"),
        ),
        (*INDOOR_LIVING, "laundry", "garage", "basement", "kitchenette", "workshop"),
        0.07,
        10,
        2,
    ),
    DeviceKind(
        "speaker",
        ("Speaker", "Smart Speaker"),
        "appliances",
        "mains",
        ("wifi",),
        (EntitySpec("media_player", "", "speaker", None, "speaker"),),
        (*INDOOR_LIVING, "kitchenette"),
        0.06,
        6,
        1,
    ),
    DeviceKind(
        "tv",
        ("TV",),
        "appliances",
        "mains",
        ("wifi",),
        (EntitySpec("media_player", "", "tv", None, "tv"),),
        ("living_room", "master_bedroom", "main_room", "playroom", "basement", "bedroom"),
        0.035,
        3,
        1,
    ),
    DeviceKind(
        "smart_lock",
        ("Door Lock",),
        "security",
        "battery",
        ("zwave", "zigbee", "bluetooth"),
        (EntitySpec("lock", "", None, None, "lock"), _battery()),
        ("entrance", "garage", "porch", "hallway"),
        0.03,
        2,
        1,
    ),
    DeviceKind(
        "camera",
        ("Camera", "Doorbell Camera"),
        "security",
        "mains",
        ("wifi",),
        (
            EntitySpec("camera", "", None, None, "camera"),
            EntitySpec("binary_sensor", "motion", "motion", None, "camera_motion"),
        ),
        ("entrance", "porch", "front_yard", "backyard", "driveway", "garage", "patio", "garden"),
        0.03,
        4,
        1,
    ),
    DeviceKind(
        "blinds",
        ("Blinds", "Roller Shutter"),
        "climate",
        "battery",
        ("zigbee", "zwave"),
        (EntitySpec("cover", "", "blind", None, "blind"), _battery()),
        ("living_room", "master_bedroom", "bedroom", "kids_room", "office", "dining_room", "main_room"),
        0.025,
        8,
        1,
    ),
    DeviceKind(
        "garage_door",
        ("Garage Door",),
        "security",
        "mains",
        ("wifi", "zwave"),
        (
            EntitySpec("cover", "", "garage", None, "garage_door"),
            EntitySpec("light", "light", None, None, "light"),
        ),
        ("garage",),
        0.03,
        1,
        1,
    ),
    DeviceKind(
        "vacuum",
        ("Robot Vacuum",),
        "appliances",
        "mains",
        ("wifi",),
        (EntitySpec("vacuum", "", None, None, "vacuum"), _battery()),
        ("living_room", "hallway", "main_room", "kitchen"),
        0.02,
        2,
        1,
    ),
    DeviceKind(
        "smoke_detector",
        ("Smoke Detector",),
        "security",
        "battery",
        ("zigbee", "zwave"),
        (EntitySpec("binary_sensor", "", "smoke", None, "smoke"), _battery()),
        ("hallway", "kitchen", "master_bedroom", "bedroom", "living_room", "main_room", "attic", "basement"),
        0.025,
        6,
        1,
    ),
    DeviceKind(
        "leak_sensor",
        ("Leak Sensor",),
        "monitoring",
        "battery",
        ("zigbee", "zwave"),
        (EntitySpec("binary_sensor", "", "moisture", None, "leak"), _battery()),
        ("bathroom", "master_bathroom", "kitchen", "laundry", "basement", "kitchenette"),
        0.015,
        4,
        1,
    ),
    DeviceKind(
        "exhaust_fan",
        ("Exhaust Fan",),
        "climate",
        "mains",
        ("zwave", "wifi"),
        (
            EntitySpec("fan", "", None, None, "exhaust_fan"),
            EntitySpec("sensor", "humidity", "humidity", "%", "humidity_bath"),
        ),
        WET_ROOMS,
        0.015,
        3,
        1,
    ),
    DeviceKind(
        "fan",
        ("Ceiling Fan", "Fan"),
        "climate",
        "mains",
        ("wifi", "zwave"),
        (EntitySpec("fan", "", None, None, "fan"),),
        ("master_bedroom", "bedroom", "living_room", "office", "main_room", "kids_room"),
        0.012,
        4,
        1,
    ),
    DeviceKind(
        "wall_switch",
        ("Switch", "Wall Switch"),
        "lighting",
        "mains",
        ("zwave", "zigbee", "wifi"),
        (EntitySpec("switch", "", "switch", None, "switch"),),
        ALL_INDOOR + OUTDOOR,
        0.02,
        6,
        1,
    ),
    DeviceKind(
        "alarm_panel",
        ("Alarm Panel",),
        "security",
        "mains",
        ("wifi", "zwave"),
        (EntitySpec("alarm_control_panel", "", None, None, "alarm"),),
        ("entrance", "hallway", "living_room", "main_room"),
        0.015,
        1,
        1,
    ),
    DeviceKind(
        "energy_meter",
        ("Energy Meter",),
        "monitoring",
        "mains",
        ("wifi", "zigbee"),
        (
            EntitySpec("sensor", "power", "power", "W", "meter_power"),
            EntitySpec("sensor", "energy", "energy", "kWh", "meter_energy"),
        ),
        ("garage", "basement", "laundry", "hallway", "storage", "entrance", "kitchen"),
        0.02,
        1,
        1,
    ),
    DeviceKind(
        "sprinkler",
        ("Sprinkler",),
        "appliances",
        "mains",
        ("wifi",),
        (EntitySpec("valve", "", "water", None, "sprinkler"),),
        ("backyard", "front_yard", "garden"),
        0.015,
        2,
        1,
    ),
)

KIND_BY_KEY: dict[str, DeviceKind] = {kind.key: kind for kind in DEVICE_KINDS}

# Behaviour keys of entities that are not physical devices (no device_id, power_source "virtual").
VIRTUAL_BEHAVIOURS = ("sun", "person", "automation", "script", "scene")
