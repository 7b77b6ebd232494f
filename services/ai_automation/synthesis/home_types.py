"""The eight home types of the original and how each is built (sizes, rooms, floors, people)."""

from __future__ import annotations

from dataclasses import dataclass

from homeiq_shared.home_types import HOME_TYPE_WEIGHTS as SHARED_WEIGHTS
from homeiq_shared.home_types import HOME_TYPES as HOME_TYPES

# The type list and the original mix live in the shared library; the weights follow HOME_TYPES' order.
HOME_TYPE_WEIGHTS: tuple[int, ...] = tuple(SHARED_WEIGHTS[name] for name in HOME_TYPES)

SIZE_CATEGORIES: tuple[str, ...] = ("small", "medium", "large", "extra_large")


@dataclass(frozen=True)
class TypeProfile:
    """How a home type is built: size mix, area and device medians, floors, people, rooms."""

    description: str
    size_probs: tuple[float, float, float, float]
    median_areas: float
    median_devices: float
    floor_probs: dict[str, float]
    occupants: tuple[int, int]
    core_rooms: tuple[str, ...]
    optional_rooms: tuple[tuple[str, float], ...]


_HOUSE_OPTIONAL = (
    ("bedroom", 0.95), ("bedroom", 0.6), ("dining_room", 0.7), ("master_bathroom", 0.6), ("hallway", 0.6),
    ("office", 0.5), ("laundry", 0.5), ("garage", 0.75), ("backyard", 0.85), ("front_yard", 0.6),
    ("porch", 0.3), ("patio", 0.35), ("toilet", 0.4), ("kids_room", 0.35), ("guest_room", 0.2),
    ("gym", 0.1), ("playroom", 0.15), ("storage", 0.2), ("driveway", 0.3),
)  # fmt: skip

_FLAT_OPTIONAL = (
    ("hallway", 0.6), ("bedroom", 0.6), ("balcony", 0.6), ("office", 0.25), ("storage", 0.15),
    ("toilet", 0.2), ("dining_room", 0.15), ("kids_room", 0.15),
)  # fmt: skip

TYPE_PROFILES: dict[str, TypeProfile] = {
    "single_family_house": TypeProfile(
        "a detached single-family house with a garden and several bedrooms",
        (0.1, 0.45, 0.3, 0.15),
        9.5,
        16.0,
        {"upstairs": 0.65, "basement": 0.4},
        (2, 5),
        ("living_room", "kitchen", "master_bedroom", "bathroom", "entrance"),
        _HOUSE_OPTIONAL,
    ),
    "apartment": TypeProfile(
        "an apartment in a multi-unit building",
        (0.45, 0.45, 0.1, 0.0),
        5.0,
        9.5,
        {},
        (1, 3),
        ("living_room", "kitchen", "master_bedroom", "bathroom"),
        # a ground-floor flat's outdoor area is its terrace, never a yard or a garden
        (*_FLAT_OPTIONAL, ("terrace", 0.1)),
    ),
    "condo": TypeProfile(
        "an owner-occupied condominium unit",
        (0.35, 0.5, 0.15, 0.0),
        5.5,
        10.0,
        {"upstairs": 0.12},
        (1, 3),
        ("living_room", "kitchen", "master_bedroom", "bathroom"),
        (*_FLAT_OPTIONAL, ("master_bathroom", 0.3), ("terrace", 0.15), ("laundry", 0.15)),
    ),
    "townhouse": TypeProfile(
        "a terraced townhouse on two or more floors",
        (0.15, 0.55, 0.25, 0.05),
        7.5,
        12.0,
        {"upstairs": 1.0, "basement": 0.35, "attic": 0.2},
        (2, 4),
        ("living_room", "kitchen", "master_bedroom", "bathroom", "entrance"),
        (
            ("bedroom", 0.8),
            ("dining_room", 0.5),
            ("toilet", 0.5),
            ("bedroom", 0.4),
            ("office", 0.3),
            ("garage", 0.45),
            ("patio", 0.5),
            ("backyard", 0.4),
            ("hallway", 0.5),
            ("laundry", 0.3),
            ("kids_room", 0.25),
            ("storage", 0.15),
        ),
    ),
    "cottage": TypeProfile(
        "a small cottage with a garden",
        (0.45, 0.45, 0.1, 0.0),
        6.5,
        9.5,
        {"upstairs": 0.35},
        (1, 3),
        ("living_room", "kitchen", "master_bedroom", "bathroom"),
        (
            ("garden", 0.8),
            ("porch", 0.6),
            ("entrance", 0.5),
            ("bedroom", 0.5),
            ("shed", 0.3),
            ("workshop", 0.15),
            ("dining_room", 0.3),
            ("office", 0.2),
            ("storage", 0.2),
            ("patio", 0.2),
        ),
    ),
    "studio": TypeProfile(
        "a one-room studio flat",
        (0.8, 0.2, 0.0, 0.0),
        3.5,
        6.0,
        {},
        (1, 2),
        ("main_room", "kitchenette", "bathroom"),
        (("entrance", 0.5), ("balcony", 0.3), ("closet", 0.3), ("storage", 0.1)),
    ),
    "multi_story": TypeProfile(
        "a large house on three or more floors",
        (0.0, 0.2, 0.5, 0.3),
        12.5,
        22.0,
        {"upstairs": 1.0, "top_floor": 0.6, "basement": 0.6, "attic": 0.5},
        (3, 5),
        ("living_room", "kitchen", "master_bedroom", "bathroom", "entrance", "bedroom", "dining_room"),
        (*_HOUSE_OPTIONAL, ("bedroom", 0.5), ("guest_room", 0.3), ("gym", 0.2)),
    ),
    "ranch_house": TypeProfile(
        "a single-storey ranch house with a large yard",
        (0.1, 0.45, 0.35, 0.1),
        9.0,
        15.0,
        {"basement": 0.3},
        (2, 4),
        ("living_room", "kitchen", "master_bedroom", "bathroom", "entrance", "backyard"),
        (*_HOUSE_OPTIONAL, ("porch", 0.4), ("shed", 0.3), ("workshop", 0.2)),
    ),
}

ROOM_NAMES: dict[str, tuple[str, ...]] = {
    "living_room": ("Living Room", "Lounge", "Family Room"),
    "kitchen": ("Kitchen",),
    "kitchenette": ("Kitchenette", "Kitchen Area"),
    "main_room": ("Main Room", "Living Area"),
    "dining_room": ("Dining Room",),
    "master_bedroom": ("Master Bedroom", "Main Bedroom"),
    "bedroom": ("Bedroom", "Second Bedroom", "Spare Bedroom"),
    "kids_room": ("Kids Room", "Nursery"),
    "guest_room": ("Guest Room",),
    "bathroom": ("Bathroom",),
    "master_bathroom": ("Master Bathroom", "En Suite"),
    "toilet": ("Toilet", "Powder Room"),
    "hallway": ("Hallway", "Landing"),
    "entrance": ("Entrance", "Front Door", "Entryway"),
    "office": ("Office", "Study"),
    "laundry": ("Laundry Room", "Utility Room"),
    "storage": ("Storage Room",),
    "closet": ("Closet",),
    "garage": ("Garage",),
    "basement": ("Basement",),
    "attic": ("Attic",),
    "pantry": ("Pantry",),
    "gym": ("Home Gym",),
    "playroom": ("Playroom",),
    "shed": ("Shed",),
    "workshop": ("Workshop",),
    "balcony": ("Balcony",),
    "terrace": ("Terrace",),
    "patio": ("Patio",),
    "porch": ("Porch",),
    "backyard": ("Backyard", "Back Garden"),
    "front_yard": ("Front Yard",),
    "garden": ("Garden",),
    "driveway": ("Driveway",),
    # an area for a whole storey or the whole building (area kind `floor`), as real registries declare
    "storey": ("Upstairs", "Downstairs", "Ground Floor", "First Floor", "House", "Whole Home"),
}

FLOOR_NAMES = {
    "basement": ("Basement", -1),
    "ground_floor": ("Ground Floor", 0),
    "upstairs": ("Upstairs", 1),
    "top_floor": ("Top Floor", 2),
    "attic": ("Attic", 3),
}

PERSON_NAMES = (
    "alex", "sam", "jordan", "maria", "li", "noah", "emma", "lukas", "sofia", "omar",
    "hannah", "mateo", "chloe", "ben", "yuki", "olivia", "jonas", "amira", "leo", "ella",
)  # fmt: skip
