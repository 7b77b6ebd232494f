"""What Home Assistant area names and entity classes mean: multilingual area kinds and the device category.

One place for both, so the registry reader, the snapshot endpoint and the home-type features read a
home the same way whatever produced it (our generator, a `.storage` registry, a predict request).

Where the words come from: the area names of the calibration installs in
`../shared/external-data/real-ha-homes` (languages de, sv, es, it, fr, pl, ru beside en, per their
`country_hint`) and of allenporter's home-assistant-datasets `devices-v2`/`devices-v3` (es, fr, pl,
de homes; Apache-2.0), completed with the usual room words of those languages (and nl, pt, da/no,
which share many). Only the derived words are kept here, never the names of any one home.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping

AREA_KIND_ORDER: tuple[str, ...] = (
    "garage",
    "basement",
    "attic",
    "balcony",
    "outdoor",
    "bathroom",
    "bedroom",
    "kitchen",
    "living",
    "dining",
    "office",
    "hallway",
    "utility",
    "floor",
)
"""Area kinds, in precedence order: when a name holds words of two kinds, the earlier kind wins
("Outdoor Kitchen" is outdoor, "Master Bathroom" a bathroom, "Basement Storage" a basement).
`hallway` covers entrances, halls and stairs; `other` is everything unrecognised. `balcony` is
outdoor space above the ground (balconies, loggias, roof terraces), `outdoor` the rest (gardens,
yards, porches, decks, pools, driveways): in allenporter's homes a flat's outdoor area is a balcony or
a roof terrace, a house's a garden, a yard or a porch (read from the area names of devices-v2 and
devices-v3 by home type), a difference the plain `outdoor` kind could not carry. `floor` is an area
for a whole storey or the whole building rather than a room ("Upstairs", "Downstairs", "Ground floor",
"Obergeschoss", "Övervåning", "Piano terra", "Whole house"): real installs declare such areas (6 of the
calibration installs' area names are "Upstairs"/"Downstairs", others "House", "Whole Home"), and it
comes last, so a room word wins ("Upstairs Bathroom" is a bathroom). A basement and an attic keep their
own kinds ("Keller", "Dachgeschoss") although they are storeys too."""

OUTDOOR_KINDS: frozenset[str] = frozenset({"balcony", "outdoor"})
"""The area kinds that are outdoors."""

# Whole words (after accent and case folding). Multi-word entries are phrases matched on word
# boundaries before single words, so "Front Door" is an entrance and "Salle de bain" a bathroom.
_WORDS: Mapping[str, tuple[str, ...]] = {
    "garage": (
        "garage", "garages", "carport", "garaje", "cochera", "garagem", "garaz", "box auto",
        "autorimessa", "гараж", "covered parking", "parking",
    ),
    "basement": (
        "basement", "cellar", "keller", "kellerraum", "sous sol", "cave", "caves", "sotano", "cantina",
        "taverna", "kallare", "kaelder", "kelder", "kjeller", "piwnica", "подвал", "souterrain",
    ),
    "attic": (
        "attic", "loft space", "dachboden", "speicher", "dachgeschoss", "grenier", "combles", "desvan",
        "buhardilla", "atico", "soffitta", "mansarda", "sottotetto", "vind", "vindsrum", "zolder",
        "strych", "poddasze", "чердак", "мансарда", "sotao",
    ),
    "outdoor": (
        "yard", "backyard", "frontyard", "garden", "gardens", "porch", "patio", "deck",
        "terrace", "pool", "driveway", "lawn", "courtyard", "roof", "outdoor", "outdoors",
        "outside", "exterior", "veranda", "beach", "dock", "shed", "barn", "gate", "orchard", "woods",
        "grove", "fountain", "helipad", "tennis court", "walkway", "trail", "chicken coop", "hot tub",
        "jacuzzi", "greenhouse", "sun deck",
        "garten", "vorgarten", "terrasse", "hof", "innenhof", "einfahrt", "auffahrt",
        "gartenhaus", "aussen", "aussenbereich", "draussen",
        "jardin", "terraza", "piscina", "porche", "entrada de coches",
        "exterior", "huerto", "pista de tenis",
        "cour", "piscine", "terrain", "potager",
        "giardino", "terrazzo", "terrazza", "cortile", "esterno", "piscina",
        "tradgard", "altan", "uteplats", "terrass", "utomhus", "ute", "forrad ute",
        "ogrod", "taras", "podworko", "podjazd",
        "tuin", "terras", "oprit", "have", "hage",
        "jardim", "varanda", "quintal",
        "сад", "двор", "терраса", "улица",
    ),
    "balcony": (
        "balcony", "balconies", "juliet balcony", "loggia", "rooftop", "roof terrace", "roof garden",
        "rooftop terrace", "rooftop garden", "balkon", "balkone", "balcon", "balcone", "balkong",
        "azotea", "dakterras", "dachterrasse", "балкон", "лоджия",
    ),
    "bathroom": (
        "bathroom", "bathrooms", "bath", "toilet", "toilets", "wc", "shower", "restroom", "powder room",
        "washroom", "lavatory", "en suite", "ensuite",
        "bad", "badezimmer", "duschbad", "gastebad", "gaste wc", "dusche",
        "salle de bain", "salle de bains", "salle d eau", "toilettes",
        "bano", "aseo", "cuarto de bano", "servicio",
        "bagno", "bagni",
        "badrum", "toalett", "dusch",
        "lazienka", "toaleta",
        "badkamer",
        "banheiro", "casa de banho",
        "badevaerelse",
        "ванная", "туалет", "санузел", "ванна",
    ),
    "bedroom": (
        "bedroom", "bedrooms", "masterbedroom", "nursery", "guest room", "guestroom", "kids room",
        "kid room", "kids", "childs room", "child room", "children room", "sleep", "sleeping",
        "schlafzimmer", "kinderzimmer", "gastezimmer", "gaestezimmer", "elternschlafzimmer",
        "chambre", "chambres", "chambre d amis",
        "dormitorio", "habitacion", "recamara",
        "camera da letto", "camera", "cameretta", "camere",
        "sovrum", "gastrum", "barnrum",
        "sypialnia", "pokoj dzieciecy", "pokoj goscinny", "pokoj dziecka",
        "slaapkamer", "kinderkamer", "logeerkamer",
        "quarto", "quartos",
        "sovevaerelse", "soverom",
        "спальня", "детская",
    ),
    "kitchen": (
        "kitchen", "kitchenette", "pantry",
        "kuche", "wohnkuche", "kochnische", "speisekammer",
        "cuisine", "kitchenette", "cellier",
        "cocina", "despensa",
        "cucina", "cucinotto", "dispensa",
        "kok", "skafferi",
        "kuchnia", "aneks kuchenny", "spizarnia",
        "keuken",
        "cozinha",
        "kokken", "kjokken",
        "кухня",
    ),
    "living": (
        "living", "living room", "family room", "great room", "lounge", "den", "main room", "sitting room",
        "tv room", "media room", "game room", "games room", "rec room", "playroom", "play room",
        "home cinema", "cinema room", "theater", "theatre", "sunroom", "conservatory",
        "wohnzimmer", "stube", "wohnbereich", "spielzimmer",
        "salon", "sejour", "salle de sejour",
        "sala de estar", "estar",
        "soggiorno", "salotto", "sala",
        "vardagsrum", "allrum", "tv rum",
        "pokoj dzienny",
        "woonkamer",
        "stue", "dagligstue",
        "гостиная", "зал",
    ),
    "dining": (
        "dining", "dining room", "esszimmer", "essbereich", "salle a manger", "comedor", "sala da pranzo",
        "matsal", "matrum", "jadalnia", "eetkamer", "sala de jantar", "spisestue", "столовая",
    ),
    "office": (
        "office", "study", "workshop", "library", "work area", "studio",
        "buro", "arbeitszimmer", "werkstatt", "bibliothek",
        "bureau", "atelier", "bibliotheque",
        "oficina", "despacho", "estudio", "taller",
        "ufficio", "studiolo",
        "kontor", "arbetsrum",
        "gabinet", "biuro",
        "kantoor", "werkkamer",
        "escritorio",
        "кабинет",
    ),
    "hallway": (
        "hall", "hallway", "halls", "corridor", "entry", "entryway", "entrance", "foyer", "vestibule",
        "stair", "stairs", "staircase", "stairway", "landing", "mudroom", "front door", "back door",
        "side door", "lobby", "cloakroom",
        "flur", "diele", "eingang", "eingangsbereich", "windfang", "treppe", "treppenhaus", "haustur",
        "entree", "couloir", "escalier", "palier", "hall d entree",
        "entrada", "pasillo", "recibidor", "vestibulo", "escalera", "escaleras",
        "ingresso", "corridoio", "disimpegno", "scale", "scala",
        "hallen", "entre", "trappa", "trapphus", "farstu", "groventre",
        "przedpokoj", "korytarz", "klatka schodowa", "schody",
        "gang", "overloop", "trap", "hal",
        "corredor",
        "прихожая", "коридор", "холл", "лестница",
    ),
    "utility": (
        "laundry", "utility", "storage", "closet", "mechanical", "boiler", "storeroom", "walk in closet",
        "wardrobe", "server room", "plant room",
        "waschkuche", "hauswirtschaftsraum", "hwr", "abstellraum", "heizungsraum", "heizraum",
        "vorratsraum", "ankleide", "technikraum",
        "buanderie", "debarras", "dressing", "chaufferie", "local technique",
        "lavanderia", "trastero", "vestidor", "cuarto de lavado",
        "ripostiglio", "cabina armadio", "locale caldaia",
        "tvattstuga", "forrad", "klädkammare", "kladkammare", "pannrum",
        "pralnia", "garderoba", "kotlownia", "schowek",
        "washok", "bijkeuken", "berging",
        "lavandaria",
        "bryggers", "vaskerum",
        "кладовая", "прачечная", "гардероб",
    ),
    "floor": (
        "upstairs", "downstairs", "ground floor", "groundfloor", "first floor", "second floor", "third floor",
        "1st floor", "2nd floor", "3rd floor", "top floor", "main floor", "upper floor", "lower floor",
        "upper level", "lower level", "main level", "mezzanine", "house", "whole house", "whole home",
        "entire house", "entire home",
        "obergeschoss", "erdgeschoss", "untergeschoss", "og", "eg", "ug", "stockwerk", "etage", "oben",
        "unten", "ganzes haus", "haus",
        "rez de chaussee", "rdc", "premier etage", "deuxieme etage", "1er etage", "maison",
        "planta baja", "planta alta", "primer piso", "segundo piso", "piso superior", "piso inferior",
        "casa entera", "toda la casa",
        "piano terra", "pianterreno", "primo piano", "secondo piano", "piano superiore",
        "piano inferiore", "tutta la casa",
        "overvaning", "nedervaning", "bottenvaning", "entreplan", "ovre plan", "nedre plan", "huset",
        "parter", "pietro", "pietra",
        "begane grond", "verdieping", "bovenverdieping", "benedenverdieping", "eerste verdieping",
        "boven", "beneden",
        "res do chao", "primeiro andar", "segundo andar", "andar de cima", "andar de baixo",
        "overetage", "underetage", "stueetage", "forste sal", "etasje", "underetasje",
        "этаж", "первый этаж", "второй этаж", "весь дом",
    ),
}  # fmt: skip

_WEAK_WORDS: Mapping[str, tuple[str, ...]] = {
    # Words that name a kind only when nothing stronger is in the name ("Master" alone is a bedroom,
    # "Master Bathroom" a bathroom; "Suite" in Spanish installs is the main bedroom).
    "bedroom": ("master", "guest", "suite", "child", "children", "pokoj", "gaste", "gast", "kind"),
    "living": ("main area", "living area", "living space", "open space", "dzienny"),
    # "Piano x6" in an Italian install, "Level 2", "Plan 1": a storey when nothing names a room
    "floor": ("floor", "level", "piano", "plan", "niveau", "vaning", "planta"),
}

# Compounds (German, Swedish, Dutch, Danish, Polish and English run-together words): a longer word
# ending in one of these is of that kind ("Gästebad", "Vorgarten", "Weinkeller", "Masterbedroom").
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("garage", "garage"),
    ("keller", "basement"),
    ("kallare", "basement"),
    ("garten", "outdoor"),
    ("terrasse", "outdoor"),
    ("balkon", "balcony"),
    ("bathroom", "bathroom"),
    ("badezimmer", "bathroom"),
    ("badrum", "bathroom"),
    ("badkamer", "bathroom"),
    ("bedroom", "bedroom"),
    ("schlafzimmer", "bedroom"),
    ("sovrum", "bedroom"),
    ("slaapkamer", "bedroom"),
    ("kuche", "kitchen"),
    ("kitchen", "kitchen"),
    ("wohnzimmer", "living"),
    ("vardagsrum", "living"),
    ("buro", "office"),
    ("flur", "hallway"),
)
_SUFFIX_MIN_EXTRA = 3

_TRANSLATE = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i"})
_SPLIT = re.compile(r"[^\w]+|_")


def fold_words(text: str) -> list[str]:
    """Lower-case, accent-free word tokens of a name ("Küche" -> ["kuche"], "Salle à manger" -> 3 words)."""
    lowered = text.casefold().translate(_TRANSLATE)
    decomposed = unicodedata.normalize("NFKD", lowered)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # й and ё lose their marks above; Russian names stay matchable since the tables are folded too
    return [w for w in _SPLIT.split(plain) if w]


def _folded(entries: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(fold_words(entry)) for entry in entries)


def _tables() -> tuple[
    dict[str, str], list[tuple[tuple[str, ...], str]], dict[str, str], list[tuple[tuple[str, ...], str]]
]:
    words: dict[str, str] = {}
    phrases: list[tuple[tuple[str, ...], str]] = []
    weak_words: dict[str, str] = {}
    weak_phrases: list[tuple[tuple[str, ...], str]] = []
    for kind in AREA_KIND_ORDER:
        for entry in _folded(_WORDS[kind]):
            if len(entry) == 1:
                words.setdefault(entry[0], kind)
            else:
                phrases.append((entry, kind))
    for kind in AREA_KIND_ORDER:
        entries = _WEAK_WORDS.get(kind, ())
        for entry in _folded(entries):
            if len(entry) == 1:
                weak_words.setdefault(entry[0], kind)
            else:
                weak_phrases.append((entry, kind))
    return words, phrases, weak_words, weak_phrases


_WORD_KIND, _PHRASE_KIND, _WEAK_WORD_KIND, _WEAK_PHRASE_KIND = _tables()
_RANK = {kind: i for i, kind in enumerate(AREA_KIND_ORDER)}


def _has_phrase(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    if phrase[0] not in tokens:  # most phrases share no word with a name: skip the window scan
        return False
    n = len(phrase)
    return any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1))


def _token_kind(token: str, table: Mapping[str, str]) -> str | None:
    kind = table.get(token)
    if kind is None and len(token) > 3 and token.endswith("s"):
        kind = table.get(token[:-1])  # plurals: "Bedrooms", "Stairs"
    return kind


def _best(kinds: set[str]) -> str | None:
    return min(kinds, key=_RANK.__getitem__) if kinds else None


@functools.lru_cache(maxsize=16_384)  # a home's names come back on every request about it
def area_kind(name: str) -> str:
    """The kind of an area from its name in any of the tabled languages (`other` when nothing matches)."""
    tokens = fold_words(name)
    phrase = _best({kind for words, kind in _PHRASE_KIND if _has_phrase(tokens, words)})
    if phrase is not None:
        return phrase
    kinds = {k for k in (_token_kind(t, _WORD_KIND) for t in tokens) if k is not None}
    for token in tokens:
        for suffix, kind in _SUFFIXES:
            if len(token) >= len(suffix) + _SUFFIX_MIN_EXTRA and token.endswith(suffix):
                kinds.add(kind)
    strong = _best(kinds)
    if strong is not None:
        return strong
    weak = {kind for words, kind in _WEAK_PHRASE_KIND if _has_phrase(tokens, words)}
    weak |= {k for k in (_token_kind(t, _WEAK_WORD_KIND) for t in tokens) if k is not None}
    return _best(weak) or "other"


def is_outdoor_area(name: str) -> bool:
    """Whether an area is outdoors, from its name alone (a garage or an entrance is indoors)."""
    return area_kind(name) in OUTDOOR_KINDS


# ---- device classes and categories --------------------------------------------------------------
HARDWARE_DOMAINS = frozenset(
    {
        "light", "switch", "sensor", "binary_sensor", "climate", "fan", "cover", "lock", "camera",
        "media_player", "vacuum", "alarm_control_panel", "water_heater", "valve", "humidifier", "siren",
        "lawn_mower", "remote",
    }
)  # fmt: skip
"""Domains of hardware in the home. Configuration (automation, script, scene, helpers), people,
sun/zone/weather, updates and a device's config knobs (number, select, button) are not devices."""

GARAGE_DOOR = "garage_door"

_CANONICAL_CLASS: Mapping[tuple[str, str], str] = {
    # A garage door is a `cover` of class `garage` or a `binary_sensor` of class `garage_door`:
    # one class for both, so the category and the features count the same thing.
    ("cover", "garage"): GARAGE_DOOR,
    ("cover", "garage_door"): GARAGE_DOOR,
}


def canonical_device_class(domain: str, device_class: str | None) -> str | None:
    """The device class the features count (a `cover` of class `garage` is a `garage_door`)."""
    if device_class is None:
        return None
    return _CANONICAL_CLASS.get((domain, device_class), device_class)


CATEGORIES = ("security", "climate", "lighting", "appliances", "monitoring")
"""The device categories of the original profile, in its ratio order."""

_SECURITY_CLASSES = frozenset(
    {
        "motion", "door", "window", "occupancy", "presence", "opening", GARAGE_DOOR, "lock", "tamper",
        "vibration", "smoke", "gas", "carbon_monoxide", "safety",
    }
)  # fmt: skip
_CLIMATE_CLASSES = frozenset({"temperature", "humidity", "pressure", "carbon_dioxide", "heat", "cold"})
_SECURITY_COVERS = frozenset({GARAGE_DOOR, "door", "gate"})
_DOMAIN_CATEGORY: Mapping[str, str] = {
    "alarm_control_panel": "security",
    "lock": "security",
    "camera": "security",
    "siren": "security",
    "climate": "climate",
    "fan": "climate",
    "water_heater": "climate",
    "humidifier": "climate",
    "light": "lighting",
    "scene": "lighting",
    "switch": "appliances",
    "vacuum": "appliances",
    "media_player": "appliances",
    "cover": "appliances",
    "valve": "appliances",
    "lawn_mower": "appliances",
    "remote": "appliances",
}


def device_category(domain: str, device_class: str | None) -> str:
    """The original's device category of an entity, from its domain and device class alone.

    Every producer of a home (generator, registry reader, snapshot endpoint) and the features use
    this one rule, so a garage door is `security` whether it is a cover or a binary sensor.
    """
    device_class = canonical_device_class(domain, device_class)
    if domain == "binary_sensor":
        return "security" if device_class in _SECURITY_CLASSES else "monitoring"
    if domain == "sensor":
        return "climate" if device_class in _CLIMATE_CLASSES else "monitoring"
    if domain == "cover" and device_class in _SECURITY_COVERS:
        return "security"
    return _DOMAIN_CATEGORY.get(domain, "monitoring")
