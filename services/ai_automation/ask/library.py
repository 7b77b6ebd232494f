"""The template library a request is matched against, and what kind of entity each template wants.

Three sources: the synergy pattern library (read-only, `ai_automation.synergies.patterns`), HA's
built-in blueprints (`motion_light`, `notify_leaving_zone`), and the home's own automations sent with
the request (their alias, description and entity names; they point at the entities the owner already
links). Each template is a document of words and concept tokens; BM25 ranks them for a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ai_automation.ask.bm25 import BM25
from ai_automation.ask.words import ACTION_CONCEPTS, TRIGGER_CONCEPTS, words
from ai_automation.synergies.automations import strings_under
from ai_automation.synergies.home import Entity
from ai_automation.synergies.patterns import GENERIC, PATTERNS, Pattern
from ai_automation.synergies.roles import PATTERN_ONLY_ACTIONS

# Trigger groups/kinds and action domains of the pattern library -> the concept tokens requests use.
_GROUP_CONCEPT: Mapping[str, str] = {
    "presence": "@presence", "opening": "@opening", "sensor:temperature": "@temperature",
    "sensor:humidity": "@humidity", "sensor:illuminance": "@illuminance", "sensor:power": "@power",
    "media_player:tv": "@media", "media_player": "@media", "media_player:speaker": "@speaker",
    "media_player:receiver": "@media", "lock": "@lock", "light": "@light", "switch": "@switch",
    "binary_sensor:smoke": "@smoke", "binary_sensor:gas": "@smoke", "binary_sensor:carbon_monoxide": "@smoke",
    "binary_sensor:moisture": "@moisture", "sun": "@sun", "person": "@leave", "device_tracker": "@leave",
    "zone": "@leave", "climate": "@climate", "cover": "@cover", "fan": "@fan",
}  # fmt: skip
_DOMAIN_CONCEPT: Mapping[str, str] = {
    "light": "@light", "switch": "@switch", "fan": "@fan", "climate": "@climate", "water_heater": "@climate",
    "cover": "@cover", "lock": "@lock", "media_player": "@media", "notify": "@notify", "scene": "@scene",
    "script": "@scene", "vacuum": "@vacuum", "siren": "@siren", "humidifier": "@fan", "valve": "@moisture",
}  # fmt: skip
_MAX_EXAMPLES = 500


def entity_concepts(entity: Entity) -> frozenset[str]:
    """The concept tokens an entity answers to (`binary_sensor:motion` -> `@presence`, `light` -> `@light`)."""
    out = {
        c
        for key in (entity.group, entity.kind, entity.domain)
        if (c := _GROUP_CONCEPT.get(key) or _DOMAIN_CONCEPT.get(key)) is not None
    }
    if entity.domain == "media_player":  # "the TV", "the speaker", "music": a class is rarely set
        out |= {"@media", "@speaker", "@media_player"}
    return frozenset(out)


@dataclass(frozen=True)
class Template:
    """One retrievable template: what it watches and drives, and the words it is found by."""

    id: str
    source: str  # "pattern" | "blueprint" | "example"
    trigger_concepts: frozenset[str]
    action_concepts: frozenset[str]
    doc: tuple[str, ...]
    pattern: Pattern | None = None
    blueprint: str | None = None
    trigger_entities: frozenset[str] = frozenset()
    action_entities: frozenset[str] = frozenset()


def _pattern_template(p: Pattern) -> Template:
    trig = frozenset(c for g in p.trigger_groups if (c := _GROUP_CONCEPT.get(g)))
    act = frozenset(c for d in p.action_domains if (c := _DOMAIN_CONCEPT.get(d)))
    text = f"{p.name.replace('_', ' ')} {p.summary.format(trigger='', action='', domain='')} {p.service}"
    doc = (*words(text), *sorted(trig), *sorted(act))
    return Template(f"pattern:{p.name}", "pattern", trig, act, doc, pattern=p, blueprint=p.blueprint)


_BLUEPRINTS = (
    Template(
        "blueprint:motion_light", "blueprint", frozenset({"@presence"}), frozenset({"@light"}),
        (*words("motion activated light turn on a light when motion is detected turn off after no motion"),
         "@presence", "@light"),
        blueprint="homeassistant/motion_light.yaml",
    ),
    Template(
        "blueprint:notify_leaving_zone", "blueprint", frozenset({"@leave"}), frozenset({"@notify"}),
        (*words("zone notification send a notification to a device when a person leaves a zone"),
         "@leave", "@notify"),
        blueprint="homeassistant/notify_leaving_zone.yaml",
    ),
)  # fmt: skip
BUILTIN: tuple[Template, ...] = (
    # a pattern whose actions only it can drive (a phone notified by the zone blueprint) is the blueprint's template
    *(_pattern_template(p) for p in PATTERNS if not p.action_domains <= PATTERN_ONLY_ACTIONS.keys()),
    _pattern_template(GENERIC),
    *_BLUEPRINTS,
)


def example_templates(automations: Sequence[Any], entities: Mapping[str, Entity]) -> list[Template]:
    """The home's own automations as templates (only the entities the home knows; at most 500)."""
    out = []
    for i, auto in enumerate(automations[:_MAX_EXAMPLES]):
        if not isinstance(auto, Mapping):
            continue
        trig = frozenset(
            e
            for e in strings_under(auto.get("triggers") or auto.get("trigger") or [], "entity_id")
            if e in entities
        )
        act = frozenset(
            e
            for e in strings_under(auto.get("actions") or auto.get("action") or [], "entity_id")
            if e in entities
        )
        if not trig or not act:
            continue
        text = " ".join(str(auto.get(k) or "") for k in ("alias", "description"))
        tc = frozenset(c for e in trig for c in entity_concepts(entities[e]) if c in TRIGGER_CONCEPTS)
        ac = frozenset(c for e in act for c in entity_concepts(entities[e]) if c in ACTION_CONCEPTS)
        doc = (*words(text), *(w for e in sorted(trig | act) for w in words(e.partition(".")[2])), *tc, *ac)
        out.append(
            Template(
                f"example:{i}", "example", tc, ac, tuple(doc), trigger_entities=trig, action_entities=act
            )
        )
    return out


def rank_templates(query: Iterable[str], templates: Sequence[Template]) -> list[tuple[Template, float]]:
    """Templates by BM25 score of the query (words and concept tokens), best first; ties keep library order."""
    if not templates:
        return []
    scores = BM25([t.doc for t in templates]).normalised(query)
    order = sorted(range(len(templates)), key=lambda i: -scores[i])
    return [(templates[i], scores[i]) for i in order]
