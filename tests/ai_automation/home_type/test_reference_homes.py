"""The coarse four classes of allenporter's free-text home types."""

from __future__ import annotations

import pytest

from ai_automation.home_type.reference_homes import FOUR_CLASSES, coarse_of, four_class
from homeiq_shared.home_types import HOME_TYPES


@pytest.mark.parametrize(
    ("raw", "coarse"),
    [
        ("Studio apartment", "apartment"), ("Luxury penthouse", "apartment"), ("Loft", "apartment"),
        ("Condo apartment", "apartment"), ("Two-story townhouse", "townhouse"), ("Terraced house", "townhouse"),
        ("Duplex", "townhouse"), ("Log cabin", "cottage"), ("Ski chalet", "cottage"), ("Bungalow", "cottage"),
        ("Farmhouse", "single_family_house"), ("Historic mansion", "single_family_house"),
        ("Single-story house", "single_family_house"),
    ],
)  # fmt: skip
def test_free_text_types_map_to_four_classes(raw: str, coarse: str) -> None:
    assert four_class(raw) == coarse


def test_every_home_type_has_a_coarse_class() -> None:
    assert {coarse_of(t) for t in HOME_TYPES} == set(FOUR_CLASSES)
