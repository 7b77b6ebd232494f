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
STOREY = "storey"
"""An area for a whole storey or the whole house ("Upstairs", "Downstairs"): lights, switches,
thermostats, motion, temperature and smoke sensors can sit there."""
ALL_INDOOR = INDOOR_LIVING + WET_ROOMS + SERVICE_ROOMS + ("kitchenette", "closet", "shed", "workshop", STOREY)
EXTERIOR_DOORS = ("entrance", "garage", "porch", "patio", "terrace", "kitchen", "hallway")


@dataclass(frozen=True)
class EntitySpec:
    """One HA entity a device exposes: its domain, id suffix, class, unit and simulated behaviour."""

    domain: str
    suffix: str
    device_class: str | None
    unit: str | None
    behaviour: str


@dataclass(frozen=True, kw_only=True)
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
        key="light_onoff",
        labels=("Ceiling Light", "Light", "Pendant Light", "Spotlights"),
        category="lighting",
        power_source="mains",
        protocols=("zigbee", "wifi", "zwave"),
        entities=(EntitySpec("light", "", None, None, "light"),),
        areas=ALL_INDOOR + OUTDOOR,
        weight=0.15,
        max_per_home=40,
        max_per_area=3,
    ),
    DeviceKind(
        key="light_dimmable",
        labels=("Ceiling Light", "Lamp", "Floor Lamp", "Bedside Lamp", "Dimmable Light"),
        category="lighting",
        power_source="mains",
        protocols=("zigbee", "wifi", "thread"),
        entities=(EntitySpec("light", "", None, None, "light"),),
        areas=INDOOR_LIVING + WET_ROOMS + ("hallway", "entrance", "kitchenette"),
        weight=0.14,
        max_per_home=40,
        max_per_area=3,
    ),
    DeviceKind(
        key="light_rgbw",
        labels=("Light Strip", "Color Bulb", "Accent Light"),
        category="lighting",
        power_source="mains",
        protocols=("zigbee", "wifi"),
        entities=(EntitySpec("light", "", None, None, "light"),),
        areas=(*INDOOR_LIVING, "hallway"),
        weight=0.04,
        max_per_home=6,
        max_per_area=1,
    ),
    DeviceKind(
        key="motion_sensor",
        labels=("Motion Sensor",),
        category="security",
        power_source="battery",
        protocols=("zigbee", "zwave"),
        entities=(
            EntitySpec("binary_sensor", "", "motion", None, "motion"),
            _battery(),
            EntitySpec("sensor", "illuminance", "illuminance", "lx", "illuminance"),
        ),
        areas=INDOOR_LIVING + WET_ROOMS + ("hallway", "entrance", "garage", "basement", "laundry", STOREY),
        weight=0.08,
        max_per_home=12,
        max_per_area=1,
    ),
    DeviceKind(
        key="door_sensor",
        labels=("Door Sensor",),
        category="security",
        power_source="battery",
        protocols=("zigbee", "zwave"),
        entities=(EntitySpec("binary_sensor", "", "door", None, "door"), _battery()),
        areas=EXTERIOR_DOORS,
        weight=0.035,
        max_per_home=3,
        max_per_area=1,
    ),
    DeviceKind(
        key="window_sensor",
        labels=("Window Sensor",),
        category="security",
        power_source="battery",
        protocols=("zigbee", "zwave"),
        entities=(EntitySpec("binary_sensor", "", "window", None, "window"), _battery()),
        areas=INDOOR_LIVING + WET_ROOMS,
        weight=0.025,
        max_per_home=8,
        max_per_area=1,
    ),
    DeviceKind(
        key="temperature_sensor",
        labels=("Climate Sensor", "Temperature Sensor"),
        category="climate",
        power_source="battery",
        protocols=("zigbee", "bluetooth"),
        entities=(
            EntitySpec("sensor", "temperature", "temperature", "°C", "temperature"),
            EntitySpec("sensor", "humidity", "humidity", "%", "humidity"),
            _battery(),
        ),
        areas=INDOOR_LIVING + WET_ROOMS + ("basement", "attic", "laundry", "hallway", STOREY),
        weight=0.045,
        max_per_home=8,
        max_per_area=1,
    ),
    DeviceKind(
        key="outdoor_sensor",
        labels=("Outdoor Sensor",),
        category="climate",
        power_source="battery",
        protocols=("zigbee", "wifi"),
        entities=(
            EntitySpec("sensor", "temperature", "temperature", "°C", "temperature_outdoor"),
            EntitySpec("sensor", "humidity", "humidity", "%", "humidity_outdoor"),
            _battery(),
        ),
        areas=OUTDOOR,
        weight=0.015,
        max_per_home=1,
        max_per_area=1,
    ),
    DeviceKind(
        key="thermostat",
        labels=("Thermostat",),
        category="climate",
        power_source="mains",
        protocols=("wifi", "zwave", "zigbee"),
        entities=(
            EntitySpec("climate", "", None, None, "thermostat"),
            EntitySpec("sensor", "temperature", "temperature", "°C", "temperature"),
        ),
        areas=(
            "living_room",
            "hallway",
            "main_room",
            "master_bedroom",
            "bedroom",
            "office",
            "dining_room",
            STOREY,
        ),
        weight=0.06,
        max_per_home=3,
        max_per_area=1,
    ),
    DeviceKind(
        key="smart_plug",
        labels=("Smart Plug",),
        category="appliances",
        power_source="mains",
        protocols=("zigbee", "wifi", "zwave"),
        entities=(
            EntitySpec("switch", "", "outlet", None, "outlet"),
            EntitySpec("sensor", "power", "power", "W", "power"),
            EntitySpec("sensor", "energy", "energy", "kWh", "energy"),
        ),
        areas=(*INDOOR_LIVING, "laundry", "garage", "basement", "kitchenette", "workshop"),
        weight=0.07,
        max_per_home=10,
        max_per_area=2,
    ),
    DeviceKind(
        key="speaker",
        labels=("Speaker", "Smart Speaker"),
        category="appliances",
        power_source="mains",
        protocols=("wifi",),
        entities=(EntitySpec("media_player", "", "speaker", None, "speaker"),),
        areas=(*INDOOR_LIVING, "kitchenette"),
        weight=0.06,
        max_per_home=6,
        max_per_area=1,
    ),
    DeviceKind(
        key="tv",
        labels=("TV",),
        category="appliances",
        power_source="mains",
        protocols=("wifi",),
        entities=(EntitySpec("media_player", "", "tv", None, "tv"),),
        areas=("living_room", "master_bedroom", "main_room", "playroom", "basement", "bedroom"),
        weight=0.035,
        max_per_home=3,
        max_per_area=1,
    ),
    DeviceKind(
        key="smart_lock",
        labels=("Door Lock",),
        category="security",
        power_source="battery",
        protocols=("zwave", "zigbee", "bluetooth"),
        entities=(EntitySpec("lock", "", None, None, "lock"), _battery()),
        areas=("entrance", "garage", "porch", "hallway"),
        weight=0.03,
        max_per_home=2,
        max_per_area=1,
    ),
    DeviceKind(
        key="camera",
        labels=("Camera", "Doorbell Camera"),
        category="security",
        power_source="mains",
        protocols=("wifi",),
        entities=(
            EntitySpec("camera", "", None, None, "camera"),
            EntitySpec("binary_sensor", "motion", "motion", None, "camera_motion"),
        ),
        areas=("entrance", "porch", "front_yard", "backyard", "driveway", "garage", "patio", "garden"),
        weight=0.03,
        max_per_home=4,
        max_per_area=1,
    ),
    DeviceKind(
        key="blinds",
        labels=("Blinds", "Roller Shutter"),
        category="climate",
        power_source="battery",
        protocols=("zigbee", "zwave"),
        entities=(EntitySpec("cover", "", "blind", None, "blind"), _battery()),
        areas=("living_room", "master_bedroom", "bedroom", "kids_room", "office", "dining_room", "main_room"),
        weight=0.025,
        max_per_home=8,
        max_per_area=1,
    ),
    DeviceKind(
        key="garage_door",
        labels=("Garage Door",),
        category="security",
        power_source="mains",
        protocols=("wifi", "zwave"),
        entities=(
            EntitySpec("cover", "", "garage", None, "garage_door"),
            EntitySpec("light", "light", None, None, "light"),
        ),
        areas=("garage",),
        weight=0.03,
        max_per_home=1,
        max_per_area=1,
    ),
    DeviceKind(
        key="vacuum",
        labels=("Robot Vacuum",),
        category="appliances",
        power_source="mains",
        protocols=("wifi",),
        entities=(EntitySpec("vacuum", "", None, None, "vacuum"), _battery()),
        areas=("living_room", "hallway", "main_room", "kitchen"),
        weight=0.02,
        max_per_home=2,
        max_per_area=1,
    ),
    DeviceKind(
        key="smoke_detector",
        labels=("Smoke Detector",),
        category="security",
        power_source="battery",
        protocols=("zigbee", "zwave"),
        entities=(EntitySpec("binary_sensor", "", "smoke", None, "smoke"), _battery()),
        areas=(
            "hallway",
            "kitchen",
            "master_bedroom",
            "bedroom",
            "living_room",
            "main_room",
            "attic",
            "basement",
            STOREY,
        ),
        weight=0.025,
        max_per_home=6,
        max_per_area=1,
    ),
    DeviceKind(
        key="leak_sensor",
        labels=("Leak Sensor",),
        category="monitoring",
        power_source="battery",
        protocols=("zigbee", "zwave"),
        entities=(EntitySpec("binary_sensor", "", "moisture", None, "leak"), _battery()),
        areas=("bathroom", "master_bathroom", "kitchen", "laundry", "basement", "kitchenette"),
        weight=0.015,
        max_per_home=4,
        max_per_area=1,
    ),
    DeviceKind(
        key="exhaust_fan",
        labels=("Exhaust Fan",),
        category="climate",
        power_source="mains",
        protocols=("zwave", "wifi"),
        entities=(
            EntitySpec("fan", "", None, None, "exhaust_fan"),
            EntitySpec("sensor", "humidity", "humidity", "%", "humidity_bath"),
        ),
        areas=WET_ROOMS,
        weight=0.015,
        max_per_home=3,
        max_per_area=1,
    ),
    DeviceKind(
        key="fan",
        labels=("Ceiling Fan", "Fan"),
        category="climate",
        power_source="mains",
        protocols=("wifi", "zwave"),
        entities=(EntitySpec("fan", "", None, None, "fan"),),
        areas=("master_bedroom", "bedroom", "living_room", "office", "main_room", "kids_room"),
        weight=0.012,
        max_per_home=4,
        max_per_area=1,
    ),
    DeviceKind(
        key="wall_switch",
        labels=("Switch", "Wall Switch"),
        category="lighting",
        power_source="mains",
        protocols=("zwave", "zigbee", "wifi"),
        entities=(EntitySpec("switch", "", "switch", None, "switch"),),
        areas=ALL_INDOOR + OUTDOOR,
        weight=0.02,
        max_per_home=6,
        max_per_area=1,
    ),
    DeviceKind(
        key="alarm_panel",
        labels=("Alarm Panel",),
        category="security",
        power_source="mains",
        protocols=("wifi", "zwave"),
        entities=(EntitySpec("alarm_control_panel", "", None, None, "alarm"),),
        areas=("entrance", "hallway", "living_room", "main_room"),
        weight=0.015,
        max_per_home=1,
        max_per_area=1,
    ),
    DeviceKind(
        key="energy_meter",
        labels=("Energy Meter",),
        category="monitoring",
        power_source="mains",
        protocols=("wifi", "zigbee"),
        entities=(
            EntitySpec("sensor", "power", "power", "W", "meter_power"),
            EntitySpec("sensor", "energy", "energy", "kWh", "meter_energy"),
        ),
        areas=("garage", "basement", "laundry", "hallway", "storage", "entrance", "kitchen"),
        weight=0.02,
        max_per_home=1,
        max_per_area=1,
    ),
    DeviceKind(
        key="sprinkler",
        labels=("Sprinkler",),
        category="appliances",
        power_source="mains",
        protocols=("wifi",),
        entities=(EntitySpec("valve", "", "water", None, "sprinkler"),),
        areas=("backyard", "front_yard", "garden"),
        weight=0.015,
        max_per_home=2,
        max_per_area=1,
    ),
)

KIND_BY_KEY: dict[str, DeviceKind] = {kind.key: kind for kind in DEVICE_KINDS}
