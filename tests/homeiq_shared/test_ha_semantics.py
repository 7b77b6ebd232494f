"""Multilingual area kinds and the one device-category rule."""

from __future__ import annotations

import pytest

from homeiq_shared.ha_registries import area_kind as registry_area_kind
from homeiq_shared.ha_registries import category_for
from homeiq_shared.ha_semantics import area_kind, canonical_device_class, device_category, fold_words


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        *[
            (n, "kitchen")
            for n in ("Küche", "Cocina", "Cuisine", "Cucina", "Kök", "Kuchnia", "Кухня", "Kitchenette")
        ],
        *[
            (n, "bedroom")
            for n in (
                "Schlafzimmer",
                "Dormitorio principal",
                "Chambre 3",
                "Camera da letto",
                "Sovrum 2",
                "Sypialnia",
                "Kinderzimmer",
                "Master",
                "Bedrooms",
            )
        ],
        *[
            (n, "bathroom")
            for n in (
                "Bad",
                "Badezimmer",
                "Baño 1",
                "Salle de bain 2",
                "Bagno",
                "Badrum",
                "Łazienka",
                "Master Bathroom",
                "Gäste-WC",
                "En Suite",
            )
        ],
        *[(n, "living") for n in ("Wohnzimmer", "Salón", "Salon", "Soggiorno", "Vardagsrum", "Family Room")],
        *[
            (n, "outdoor")
            for n in (
                "Garten",
                "Jardín frontal",
                "Jardin",
                "Giardino",
                "Trädgård",
                "Ogród",
                "Outdoor Kitchen",
                "Back Garden",
                "Piscina",
            )
        ],
        *[
            (n, "balcony")
            for n in (
                "Balcony",
                "Juliet Balcony",
                "Rooftop Terrace",
                "Terraza en la azotea",
                "Balkon",
                "Balcone",
                "Dachterrasse",
            )
        ],
        *[(n, "garage") for n in ("Garage", "Garaje", "Garaż", "Carport", "Doppelgarage")],
        *[
            (n, "hallway")
            for n in (
                "Entrance",
                "Hallway",
                "Foyer",
                "Flur",
                "Entrada",
                "Front Door",
                "Entrée",
                "Corridoio",
                "Hall",
            )
        ],
        *[
            (n, "floor")
            for n in (
                "Upstairs",
                "Downstairs",
                "Downstairs TV Area",
                "Ground Floor",
                "First floor",
                "Whole Home",
                "House",
                "Obergeschoss",
                "Erdgeschoss",
                "1. OG",
                "Övervåning",
                "Nedervåning",
                "Rez-de-chaussée",
                "Premier étage",
                "Planta baja",
                "Piano terra",
                "x20 Piano x6",
                "Parter",
                "Piętro",
                "Begane grond",
                "Второй этаж",
                "Level 2",
            )
        ],
        # a room word wins over a storey; basement and attic keep their own kinds
        ("Upstairs Bathroom", "bathroom"),
        ("EG Flur", "hallway"),
        ("Downstairs Living Room", "living"),
        ("Keller", "basement"),
        ("Dachgeschoss", "attic"),
        ("Pool House", "outdoor"),
        ("Salle à manger", "dining"),
        ("Basement Storage", "basement"),
        ("x3 x4", "other"),
        ("Sauna", "other"),
    ],
)
def test_area_kind_in_many_languages(name: str, kind: str) -> None:
    assert area_kind(name) == kind


def test_folding_removes_accents_and_case() -> None:
    assert fold_words("Salle À Manger") == ["salle", "a", "manger"]
    assert fold_words("Gäste_WC") == ["gaste", "wc"]
    assert fold_words("Łazienka") == ["lazienka"]


def test_registry_reader_uses_the_same_words() -> None:
    assert registry_area_kind("Front Door") == "indoor"
    assert registry_area_kind("Jardín") == "outdoor"
    assert registry_area_kind("Trädgård") == "outdoor"
    assert registry_area_kind("Balkon") == "outdoor"  # a balcony is outdoors too


def test_garage_doors_are_one_class_and_security_everywhere() -> None:
    assert canonical_device_class("cover", "garage") == "garage_door"
    assert canonical_device_class("binary_sensor", "garage") == "garage"
    for domain, device_class in (("cover", "garage"), ("binary_sensor", "garage_door")):
        assert device_category(domain, device_class) == category_for(domain, device_class) == "security"
    assert category_for("cover", "blind") == "appliances"
    assert category_for("sensor", "temperature") == "climate"
    assert category_for("binary_sensor", "smoke") == "security"
