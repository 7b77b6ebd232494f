"""The home types of the product, with the original generator's mix, and the binary task's labels."""

from __future__ import annotations

from types import MappingProxyType

# The original eight types and their 30/20/15/10/10/5/5/5 share of generated homes.
HOME_TYPE_WEIGHTS = MappingProxyType(
    {
        "single_family_house": 30,
        "apartment": 20,
        "condo": 15,
        "townhouse": 10,
        "cottage": 10,
        "studio": 5,
        "multi_story": 5,
        "ranch_house": 5,
    }
)
HOME_TYPES: tuple[str, ...] = tuple(HOME_TYPE_WEIGHTS)

TASKS: tuple[str, ...] = ("full", "binary")
"""The home-type classifier's tasks: `full` (every type) and `binary` (`binary_label`)."""

# The original's binary task: `apartment` = apartment, condo, studio; everything else `standard_home`.
APARTMENT_LIKE = frozenset({"apartment", "condo", "studio"})


def binary_label(home_type: str) -> str:
    """The original two-class label of a home type."""
    return "apartment" if home_type in APARTMENT_LIKE else "standard_home"
