"""Words of a request and of entity names, folded the same way, and the concepts they name.

Requests come in any language; the table below names the usual words of en, de, sv, es, fr, it, nl
(the languages of the calibration homes' area names) for what an automation watches and drives. A
word maps to a concept token (`@presence`, `@light`...), which entity documents also carry, so "Licht"
finds `light.flur` and "rörelse" finds a motion sensor. Words outside the table still match entity
names literally (after accent folding and a light plural strip).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping

from homeiq_shared.ha_semantics import fold_words

# concept -> words (already lower-case; folded at import). Trigger-side and action-side concepts share
# the `@` namespace; `TRIGGER_CONCEPTS`/`ACTION_CONCEPTS` say which role each one speaks of.
_LEXICON: Mapping[str, tuple[str, ...]] = {
    "@presence": (
        "motion", "movement", "moving", "moves", "occupancy", "occupied", "presence", "someone", "somebody",
        "pir", "bewegung", "bewegungsmelder", "prasenz", "anwesenheit", "rorelse", "narvaro", "movimiento",
        "presencia", "mouvement", "presence", "movimento", "presenza", "beweging", "aanwezigheid", "ruch",
    ),
    "@opening": (
        "door", "doors", "window", "windows", "contact", "opened", "opens", "tur", "tuer", "fenster",
        "dorr", "fonster", "puerta", "ventana", "porte", "fenetre", "porta", "finestra", "deur", "raam",
        "drzwi", "okno", "gate",
    ),
    "@temperature": (
        "temperature", "temp", "degrees", "degree", "warm", "hot", "cold", "celsius", "fahrenheit",
        "temperatur", "grad", "temperatura", "temperature", "grados", "degres", "gradi", "warm", "kalt",
        "varm", "kallt",
    ),
    "@humidity": ("humidity", "humid", "damp", "feuchtigkeit", "luftfeuchtigkeit", "fukt", "luftfuktighet",
                  "humedad", "humidite", "umidita", "vochtigheid"),
    "@illuminance": ("illuminance", "lux", "brightness", "dark", "darkness", "dunkel", "helligkeit", "mork",
                     "oscuro", "sombre", "buio", "donker"),
    "@power": ("power", "watt", "watts", "consumption", "washing", "washer", "dishwasher", "dryer", "finished",
               "done", "leistung", "strom", "verbrauch", "waschmaschine", "tvattmaskin", "lavadora", "potencia"),
    "@smoke": ("smoke", "fire", "gas", "co", "carbon", "rauch", "rok", "humo", "fumee", "fumo"),
    "@moisture": ("leak", "leaking", "flood", "water", "moisture", "wasser", "leck", "vatten", "lacka", "agua",
                  "fuga", "eau", "fuite", "acqua", "perdita", "lek"),
    "@media": ("tv", "television", "playing", "plays", "movie", "film", "media", "fernseher", "fernsehen",
               "television", "tele", "televisione", "receiver", "chromecast", "kodi", "plex", "apple"),
    "@sun": ("sunset", "sunrise", "dusk", "dawn", "sun", "sonnenuntergang", "sonnenaufgang", "solnedgang",
             "soluppgang", "atardecer", "amanecer", "coucher", "lever", "tramonto", "alba", "zonsondergang"),
    "@leave": ("leave", "leaves", "leaving", "left", "arrive", "arrives", "arriving", "home", "away",
               "verlasse", "verlassen", "ankommen", "lamnar", "kommer", "salir", "llegar", "partir", "arriver"),
    "@light": (
        "light", "lights", "lamp", "lamps", "lighting", "bulb", "licht", "lichter", "lampe", "lampen",
        "beleuchtung", "ljus", "ljuset", "ljusen", "lampa", "lampan", "lampor", "lamporna", "belysning", "belysningen", "luz", "luces", "lampara", "lumiere", "lumieres",
        "luce", "luci", "lampada", "lamp", "verlichting", "swiatlo", "lampka", "dim", "dimmer",
    ),
    "@switch": ("switch", "plug", "outlet", "socket", "relay", "steckdose", "schalter", "uttag", "brytare",
                "enchufe", "interruptor", "prise", "interrupteur", "presa", "stopcontact"),
    "@fan": ("fan", "fans", "ventilator", "ventilation", "lufter", "luefter", "flakt", "ventilador",
             "ventilateur", "ventilatore"),
    "@climate": ("heating", "heater", "heat", "thermostat", "ac", "aircon", "hvac", "climate", "cooling",
                 "heizung", "klima", "klimaanlage", "varme", "calefaccion", "calefactor", "chauffage",
                 "climatisation", "riscaldamento", "condizionatore", "verwarming"),
    "@cover": ("blind", "blinds", "shutter", "shutters", "cover", "covers", "curtain", "curtains", "shade",
               "shades", "awning", "garage", "rollo", "rolladen", "rollladen", "jalousie", "markise",
               "persienn", "gardin", "rullgardin", "persiana", "persianas", "cortina", "volet", "volets",
               "store", "tapparella", "tapparelle", "rolluik"),
    "@lock": ("lock", "locks", "unlock", "unlocked", "locked", "schloss", "abschliessen", "aufschliessen",
              "las", "lasa", "cerradura", "serrure", "serratura", "slot"),
    "@speaker": ("music", "speaker", "speakers", "radio", "sonos", "spotify", "musik", "musica", "musique",
                 "altavoz", "hogtalare", "lautsprecher"),
    "@notify": ("notify", "notification", "notifications", "message", "alert", "tell", "send", "push", "warn",
                "remind", "benachrichtigung", "nachricht", "benachrichtige", "meddelande", "avisera",
                "notificacion", "mensaje", "avisar", "avisame", "notification", "prevenir", "notifica",
                "avviso", "melding"),
    "@scene": ("scene", "scenes", "szene", "scen", "escena", "scena"),
    "@vacuum": ("vacuum", "robot", "roomba", "staubsauger", "saugroboter", "dammsugare", "aspiradora",
                "aspirateur", "aspirapolvere", "stofzuiger"),
    "@siren": ("siren", "alarm", "sirene", "sirena", "larm"),
    "@media_player": ("play", "pause", "volume"),
}  # fmt: skip
TRIGGER_CONCEPTS = frozenset(
    {"@presence", "@opening", "@temperature", "@humidity", "@illuminance", "@power", "@smoke", "@moisture",
     "@media", "@sun", "@leave", "@lock"}
)  # fmt: skip
ACTION_CONCEPTS = frozenset(
    {"@light", "@switch", "@fan", "@climate", "@cover", "@lock", "@speaker", "@notify", "@scene", "@vacuum",
     "@siren", "@media", "@media_player"}
)  # fmt: skip
# Words that start the clause naming what triggers the automation ("... when there is motion").
CLAUSE_WORDS = frozenset(
    {"when", "whenever", "if", "once", "wenn", "sobald", "falls", "nar", "om", "cuando", "si", "quand",
     "lorsque", "quando", "als", "zodra", "gdy", "jesli"}
)  # fmt: skip
# Words that carry no information about which entity is meant (in any of the tabled languages).
STOP_WORDS = frozenset(
    {"the", "a", "an", "and", "or", "to", "of", "in", "at", "is", "it", "there", "turn", "switch", "on", "off",
     "please", "my", "me", "i", "when", "whenever", "if", "then", "for", "with", "by", "be", "are", "auto",
     "automatic", "automation", "das", "die", "der", "den", "dem", "im", "ein", "aus", "und", "wenn", "bitte",
     "mein", "meine", "och", "pa", "av", "nar", "det", "el", "la", "los", "las", "de", "del", "en", "y",
     "cuando", "le", "les", "du", "des", "et", "quand", "il", "lo", "di", "e", "het", "een", "van", "bij",
     "all", "some", "any", "this", "that", "from", "after", "before", "than", "gets", "get", "goes",
     "set", "make", "do", "x"}
)  # fmt: skip

_CONCEPT_OF: dict[str, str] = {}
for _concept, _words in _LEXICON.items():
    for _word in _words:
        for _folded in fold_words(_word):
            _CONCEPT_OF.setdefault(_folded, _concept)
_PLACEHOLDER = re.compile(r"^x\d+$")  # anonymised tokens of the calibration homes: never evidence


def stem(word: str) -> str:
    """A light plural strip so "lights" meets "light" (long words only; "ss" endings kept)."""
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Folded, stemmed word tokens (accents folded, any script kept)."""
    return [stem(w) for w in fold_words(text)]


def concept(word: str) -> str | None:
    """The concept a folded word names, if any (`licht` -> `@light`)."""
    if word in STOP_WORDS:
        return None
    return (
        _CONCEPT_OF.get(word)
        or _CONCEPT_OF.get(stem(word))
        or (_CONCEPT_OF.get(word + "s") if len(word) > 3 else None)
    )


def concepts(tokens: Iterable[str]) -> set[str]:
    """The concepts of some folded words."""
    return {c for c in (concept(t) for t in tokens) if c is not None}


def content_words(tokens: Iterable[str]) -> list[str]:
    """The words that can name a specific thing: no stop words, no anonymisation placeholders, no numbers."""
    return [t for t in tokens if t not in STOP_WORDS and not _PLACEHOLDER.match(t) and not t.isdigit()]


def with_compounds(tokens: list[str]) -> list[str]:
    """The words and each adjacent pair written as one ("bed room" -> + "bedroom", "wohn zimmer" -> + "wohnzimmer")."""
    return [*tokens, *(a + b for a, b in itertools.pairwise(tokens))]
