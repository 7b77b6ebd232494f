"""Request + home snapshot -> a grounded automation, or a clear answer saying what the home lacks.

Every entity id in an answer comes from the snapshot; a request whose device kinds the home does not
have, or that names nothing the home has, is answered `grounded=False` with what is missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ai_automation.ask.bm25 import BM25
from ai_automation.ask.intent import Intent, read
from ai_automation.ask.library import BUILTIN, Template, entity_concepts, example_templates, rank_templates
from ai_automation.ask.render import render
from ai_automation.ask.slots import Choice, RoleScore, choose, entity_docs, is_evidence, role_scores
from ai_automation.synergies.home import Entity, by_id, entities_of
from ai_automation.synergies.model import SynergyModel
from ai_automation.synergies.priors import KindRates

_CONCEPT_NAME = {
    "@presence": "motion or presence sensor", "@opening": "door or window sensor",
    "@temperature": "temperature sensor", "@humidity": "humidity sensor", "@illuminance": "light-level sensor",
    "@power": "power meter", "@smoke": "smoke or gas detector", "@moisture": "leak sensor", "@media": "TV or media player",
    "@sun": "sun", "@leave": "person or zone", "@lock": "lock", "@light": "light", "@switch": "switch or plug",
    "@fan": "fan", "@climate": "thermostat or heating", "@cover": "blind, shutter or garage door",
    "@speaker": "speaker", "@notify": "notification service", "@scene": "scene or script", "@vacuum": "vacuum",
    "@siren": "siren", "@media_player": "media player",
}  # fmt: skip


NAMED = 0.5  # a name score from which the request clearly names an entity (half its words' weight)


@dataclass
class Answer:
    """What `suggest` found: an automation for the home, or why there is none."""

    grounded: bool
    explanation: str
    id: str | None = None
    title: str | None = None
    automation: dict[str, Any] | None = None
    trigger_entities: list[str] = field(default_factory=list)
    action_entities: list[str] = field(default_factory=list)
    condition_entities: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    template: str | None = None
    template_source: str | None = None
    blueprint: str | None = None
    confidence: float = 0.0
    understood: list[str] = field(default_factory=list)
    templates: list[tuple[str, float]] = field(default_factory=list)


# What a request must give for an entity HomeIQ cannot act on from the words alone.
_NEEDS = {
    "number": "a number to set it to (a sensor or number that gives one)",
    "input_number": "a number to set it to (a sensor or number that gives one)",
    "input_text": "a text to set it to (an entity whose state it takes)",
    "alarm_control_panel": "its code, which HomeIQ does not keep",
}


def ask_id(home_id: str, request: str, trigger: str | None, actions: Sequence[str]) -> str:
    """A stable id: the same home, request and entities give the same id (feedback finds it again)."""
    key = f"ask|{home_id}|{request.strip().casefold()}|{trigger}|{','.join(actions)}"
    return f"ask-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _names(snapshot: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(d.get("entity_id")): str(d.get("friendly_name"))
        for d in snapshot.get("devices") or []
        if isinstance(d, Mapping) and isinstance(d.get("friendly_name"), str)
    }


def _missing_kinds(concepts: frozenset[str], entities: Sequence[Entity]) -> list[str]:
    have = set().union(*(entity_concepts(e) for e in entities)) if entities else set()
    if not concepts or concepts & have:
        return []
    return [_CONCEPT_NAME.get(c, c) for c in sorted(concepts)]


def _fit(template: Template, choice: Choice) -> bool:
    """Whether a retrieved library template describes the chosen pair (then it names the answer)."""
    if template.source == "example" or choice.trigger is None:
        return False
    tc, ac = entity_concepts(choice.trigger.entity), entity_concepts(choice.actions[0].entity)
    return bool(template.trigger_concepts & tc) and bool(template.action_concepts & ac)


def _why(role: str, r: RoleScore, words: Sequence[str]) -> str:
    reasons = []
    if r.kind:
        reasons.append("the kind you asked for")
    named = [w for w in words if w in r.entity.entity_id or (r.entity.area and w in r.entity.area.casefold())]
    if r.name > 0 and named:
        reasons.append(f"named by '{' '.join(dict.fromkeys(named))}'")
    if r.example:
        reasons.append("used by a similar automation of yours")
    where = f" in {r.entity.area}" if r.entity.area else ""
    return f"{role} {r.entity.entity_id}{where} ({', '.join(reasons) or 'the best match of its kind'})"


def _ungrounded(
    intent: Intent, missing: list[str], why: str, ranked: Sequence[tuple[Template, float]]
) -> Answer:
    return Answer(
        grounded=False,
        explanation=why,
        missing=missing,
        understood=intent.quantities.said(),
        templates=[(t.id, round(s, 4)) for t, s in ranked[:5]],
    )


def suggest(
    request: str,
    snapshot: Mapping[str, Any],
    model: SynergyModel,
    existing_automations: Sequence[Any] = (),
    rates: KindRates | None = None,
) -> Answer:
    """The automation a request asks for in this home (ids only from the snapshot), or why not.
    `rates`: `model.rates()` computed once by the caller (a third of a 200-entity request otherwise)."""
    intent = read(request)
    entities = entities_of(snapshot)
    known = by_id(entities)
    templates = [*BUILTIN, *example_templates(existing_automations, known)]
    ranked = rank_templates(intent.query, templates)
    if not entities:
        return _ungrounded(
            intent, ["entities"], "This home has no entities yet: send a snapshot with its devices.", ranked
        )
    if not intent.tokens and not (intent.trigger_concepts | intent.action_concepts):
        return _ungrounded(intent, ["request"], "The request names no device, room or event I know (words of "
                           "en, de, sv, es, fr, it and nl are understood).", ranked)  # fmt: skip
    index = BM25(entity_docs(entities, _names(snapshot)))
    rates = rates or model.rates()
    trig, act = role_scores(entities, index, intent, ranked, rates)
    missing_action = _missing_kinds(intent.action_concepts, [r.entity for r in act])
    if missing_action and not any(r.name >= NAMED for r in act):
        return _ungrounded(
            intent, missing_action, f"This home has no {' or '.join(missing_action)} to act on.", ranked
        )
    act_evidence = [r for r in act if is_evidence(r)]
    if not act_evidence:
        words = ", ".join(intent.action_words or intent.tokens) or "none"
        return _ungrounded(intent, ["action"], f"Nothing in the request names a device of this home to control "
                           f"(words read: {words}).", ranked)  # fmt: skip
    q = intent.quantities
    trigger_named = bool(intent.trigger_concepts) or any(r.name > 0.2 for r in trig[:3])
    timed = (q.at is not None or q.sun_is_trigger) and not (intent.trigger_concepts - {"@sun"})
    missing_trigger = _missing_kinds(intent.trigger_concepts - {"@sun"}, [r.entity for r in trig])
    if any(r.name >= NAMED for r in trig):
        missing_trigger = []  # the request names the entity itself, whatever kind it is
    if missing_trigger and q.sun_event is None:
        return _ungrounded(intent, missing_trigger, f"This home has no {' or '.join(missing_trigger)} to start "
                           "the automation.", ranked)  # fmt: skip
    sun_fallback = bool(missing_trigger)
    trig_evidence = [r for r in trig if is_evidence(r)] or trig
    want = not (timed or sun_fallback)
    choice = choose(trig_evidence, act_evidence, model, rates, want) or choose(
        trig, act_evidence, model, rates, want
    )
    if choice is None or (want and choice.trigger is None):
        return _ungrounded(
            intent, ["trigger"], "No entity of this home can start an automation for that.", ranked
        )
    template = next((t for t, s in ranked[:3] if s > 0 and _fit(t, choice)), None)
    home_id = str(snapshot.get("home_id") or "default")
    trigger_id = choice.trigger.entity.entity_id if choice.trigger else None
    action_ids = [r.entity.entity_id for r in choice.actions]
    sid = ask_id(home_id, request, trigger_id, action_ids)
    rendered = render(intent, choice, template, sid, request, sun_trigger=sun_fallback or timed)
    if rendered is None:
        action = choice.actions[0].entity.entity_id
        need = _NEEDS.get(action.partition(".")[0], "a service Home Assistant has for it")
        return _ungrounded(intent, ["action"], f"HomeIQ has no Home Assistant action for {action} from this "
                           f"request: it needs {need}.", ranked)  # fmt: skip
    parts = [_why("Trigger:", choice.trigger, intent.trigger_words)] if choice.trigger else []
    if choice.trigger is None:
        parts.append(f"Trigger: {rendered.trigger_text}")
    parts += [_why("Action:", r, intent.action_words) for r in choice.actions]
    if choice.pair.get("same_area"):
        parts.append("both in the same area")
    if not trigger_named and choice.trigger is not None:
        parts.append("you did not say what should start it: this is the likeliest trigger for that device")
    if sun_fallback:
        parts.append(f"no {' or '.join(missing_trigger)} here, so the sun ({q.sun_event}) starts it")
    if q.said():
        parts.append("understood: " + ", ".join(q.said()))
    named = int(trigger_named or timed or sun_fallback) + int(
        any(r.kind or r.name >= 0.2 for r in choice.actions)
    )
    return Answer(
        grounded=True,
        explanation="; ".join(parts) + ".",
        id=sid,
        title=rendered.automation.get("alias"),
        automation=rendered.automation,
        trigger_entities=[trigger_id] if trigger_id else [],
        action_entities=action_ids,
        template=rendered.template_id,
        template_source=template.source if template else "pattern",
        blueprint=rendered.blueprint,
        confidence=round(named / 2, 2),
        understood=q.said(),
        templates=[(t.id, round(s, 4)) for t, s in ranked[:5]],
    )
