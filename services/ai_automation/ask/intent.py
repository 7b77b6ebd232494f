"""What a request asks for, before any entity is chosen: the words of each role, the concepts, the verb.

"turn on the hall light when there is motion": the clause after "when" (or wenn, när, cuando...) names
the trigger, the rest the action; without such a word both roles read every word. The verb (on, off,
open, close, lock, dim, notify) and the trigger's state ("no motion", "closed") come from small
multilingual word lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai_automation.ask.quantities import Quantities, parse
from ai_automation.ask.words import (
    ACTION_CONCEPTS,
    CLAUSE_WORDS,
    TRIGGER_CONCEPTS,
    concepts,
    content_words,
    with_compounds,
    words,
)
from homeiq_shared.ha_semantics import area_kind

MAX_WORDS = 80  # a request is a sentence or two: words beyond this are ignored (the API caps characters too)

_VERBS: dict[str, tuple[str, ...]] = {
    "off": ("off", "aus", "ausschalten", "ausmachen", "slack", "stang", "stanga", "apagar", "apaga", "apague",
            "eteindre", "eteins", "eteint", "spegni", "spegnere", "uit", "uitzetten", "disable", "stop"),
    "close": ("close", "closes", "shut", "lower", "schliessen", "schliesse", "zu", "runter", "stang", "cerrar",
              "cierra", "baja", "fermer", "ferme", "baisser", "chiudi", "chiudere", "abbassa", "sluit", "dicht"),
    "open": ("open", "raise", "offnen", "offne", "auf", "hoch", "oppna", "abrir", "abre", "sube", "ouvrir",
             "ouvre", "monter", "apri", "aprire", "alza", "openen"),
    "lock": ("lock", "abschliessen", "verriegeln", "las", "lasa", "cerrar con llave", "verrouiller", "chiudi a chiave"),
    "unlock": ("unlock", "aufschliessen", "entriegeln", "las upp", "deverrouiller", "sblocca"),
    "dim": ("dim", "dimmen", "dimma", "atenuar", "tamiser", "abbassa la luce"),
    "notify": ("notify", "notification", "message", "alert", "tell", "send", "push", "warn", "remind",
               "benachrichtige", "benachrichtigung", "nachricht", "meddela", "meddelande", "avisame", "avisar",
               "notifica", "previens", "melding"),
    "on": ("on", "an", "ein", "einschalten", "anschalten", "anmachen", "tand", "tanda", "sla pa", "encender",
           "enciende", "prende", "allumer", "allume", "accendi", "accendere", "aan", "aanzetten", "enable", "start"),
}  # fmt: skip
_THEN = frozenset({"then", "dann", "sa", "entonces", "alors", "allora", "dan"})
_VERB_ORDER = ("notify", "unlock", "lock", "dim", "close", "open", "off", "on")
_NEGATIONS = frozenset(
    {"no", "not", "nobody", "none", "without", "stops", "stopped", "ends", "clear", "cleared", "kein", "keine",
     "niemand", "nicht", "ohne", "ingen", "inte", "utan", "sin", "nadie", "pas", "personne", "sans", "nessuno",
     "senza", "geen", "empty", "leaves", "left", "vacant", "unoccupied"}
)  # fmt: skip
_CLOSED = frozenset({"closed", "closes", "close", "shut", "geschlossen", "zu", "stangd", "stangt", "cerrada",
                     "cerrado", "fermee", "ferme", "chiusa", "chiuso", "dicht", "gesloten"})  # fmt: skip
_OFF_STATE = frozenset(
    {"off", "aus", "stops", "stopped", "ends", "idle", "paused", "av", "apagado", "eteint", "spento", "uit"}
)


def _phrases(table: dict[str, tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    return {k: [tuple(words(p)) for p in v] for k, v in table.items()}


_VERB_PHRASES = _phrases(_VERBS)


def _has(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(tuple(tokens[i : i + n]) == phrase for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class Intent:
    """A request read for slot filling."""

    tokens: tuple[str, ...]
    trigger_words: tuple[str, ...]
    action_words: tuple[str, ...]
    trigger_concepts: frozenset[str]
    action_concepts: frozenset[str]
    verb: str
    trigger_off: bool
    quantities: Quantities
    split: bool
    trigger_places: frozenset[str] = frozenset()
    action_places: frozenset[str] = frozenset()

    @property
    def query(self) -> list[str]:
        """Words and concept tokens: what the template library is searched with."""
        return [*self.tokens, *sorted(self.trigger_concepts | self.action_concepts)]


def _verb(tokens: list[str]) -> str:
    for verb in _VERB_ORDER:
        if any(_has(tokens, p) for p in _VERB_PHRASES[verb]):
            return verb
    return "on"


def read(request: str) -> Intent:
    """The intent of a request (any language; unknown words stay as name words)."""
    tokens = words(request)[:MAX_WORDS]
    cut = next((i for i, t in enumerate(tokens) if t in CLAUSE_WORDS and i > 0), None)
    if cut is None and tokens and tokens[0] in CLAUSE_WORDS:
        # "when the door opens, turn on the light": the trigger clause ends at the comma (or "then")
        head, sep, _tail = request.partition(",")
        n_head = len(words(head)) if sep else next((i for i, t in enumerate(tokens) if t in _THEN), 0)
        if 1 < n_head < len(tokens):
            trigger_part, action_part = tokens[1:n_head], tokens[n_head:]
        else:
            trigger_part = action_part = tokens
    elif cut is not None:
        action_part, trigger_part = tokens[:cut], tokens[cut + 1 :]
    else:
        trigger_part = action_part = tokens
    split = trigger_part is not action_part
    q = parse(request)
    t_concepts = concepts(trigger_part) & TRIGGER_CONCEPTS
    a_concepts = concepts(action_part) & ACTION_CONCEPTS
    if q.unit_concept:
        t_concepts.add(q.unit_concept)
    if not q.sun_is_trigger:
        t_concepts.discard("@sun")  # "after sunset" is a condition, not what starts the automation
    if split:
        a_concepts -= t_concepts if a_concepts - t_concepts else set()
    else:
        # one phrase names both roles: a concept that is only a trigger kind is no action (and vice versa)
        both = t_concepts & a_concepts
        if both and (t_concepts - both or a_concepts - both):
            t_concepts -= both if t_concepts - both else set()
            a_concepts -= both if a_concepts - both else set()
    if not split:
        # one phrase names both roles ("Garage Lights - Auto On-Off"): a word naming the action's kind
        # ("lights") is no name of the trigger, and a word naming the trigger's kind none of the action
        # (a room word such as "garage" names a place for both roles and stays)
        trigger_part = [
            t for t in trigger_part if area_kind(t) != "other" or not concepts([t]) & a_concepts - t_concepts
        ]
        action_part = [
            t for t in action_part if area_kind(t) != "other" or not concepts([t]) & t_concepts - a_concepts
        ]
    negated = any(
        t in _NEGATIONS and i + 3 > j and i < j
        for i, t in enumerate(trigger_part)
        for j, u in enumerate(trigger_part)
        if concepts([u]) & TRIGGER_CONCEPTS
    )
    closed = (split or "@opening" in t_concepts) and bool(set(trigger_part) & _CLOSED)
    off_state = split and bool(set(trigger_part) & _OFF_STATE)
    return Intent(
        tokens=tuple(content_words(tokens)),
        trigger_words=tuple(with_compounds(content_words(trigger_part))),
        action_words=tuple(with_compounds(content_words(action_part))),
        trigger_concepts=frozenset(t_concepts),
        action_concepts=frozenset(a_concepts),
        verb=_verb(action_part if split else tokens),
        trigger_off=negated or closed or off_state,
        quantities=q,
        split=split,
        trigger_places=_places(trigger_part),
        action_places=_places(action_part),
    )


def _places(tokens: list[str]) -> frozenset[str]:
    """The kinds of room the words name in any tabled language ("köket", "Küche" -> kitchen)."""
    return frozenset(k for t in with_compounds(tokens) if (k := _room_kind(t)) != "other")


def _room_kind(token: str) -> str:
    """A room word's kind, also in the Scandinavian definite form a request uses ("köket" -> "kök",
    "hallen" -> "hall", "sovrummet" -> "sovrum", "garaget" -> "garage")."""
    kind = area_kind(token)
    if kind != "other" or len(token) < 5 or not token.endswith(("et", "en")):
        return kind
    bases = [token[:-1], token[:-2]]
    if token[-3] == token[-4]:  # a doubled consonant before the ending: rum -> rummet
        bases.append(token[:-3])
    return next((k for b in bases if (k := area_kind(b)) != "other"), "other")
