"""Slot filling: which of the home's entities the request's trigger and action are.

Each entity gets a score per role: BM25 of the role's words over the entity's name words (object id,
area, friendly name), + the right kind (a concept the request named, e.g. `@presence`), + the kinds the
best templates want, + the entities the home's own similar automations use. The best few of each
role are then paired and every pair gets the synergy ranker's score (same area, shared words, curated
pattern...), so "the hall light when there is motion" picks the motion sensor of the light's area.
Weights are set by hand (not fitted on the evaluation homes).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ai_automation.ask.bm25 import BM25
from ai_automation.ask.intent import Intent
from ai_automation.ask.library import Template, entity_concepts
from ai_automation.ask.words import words
from ai_automation.synergies.home import Entity
from ai_automation.synergies.model import SynergyModel
from ai_automation.synergies.priors import KindRates
from ai_automation.synergies.ranking import FEATURES, build_candidates, linear_score
from ai_automation.synergies.roles import ACTION_DOMAINS, TRIGGER_DOMAINS

SHORTLIST = 8  # entities per role that are paired (8 x 8 pairs: cheap, and the pair score decides ties)
TOP_TEMPLATES = 3
# hand-set weights of the role score and of the pair score
W_NAME, W_KIND, W_TEMPLATE, W_EXAMPLE, W_RATE, W_PAIR, W_PLACE = 2.0, 1.5, 0.5, 1.0, 0.2, 1.0, 0.5
_NAME_MIN = 0.2  # a name score below this is no evidence that the request means the entity


@dataclass(frozen=True)
class RoleScore:
    """One entity's score for a role, with what it came from (for the explanation)."""

    entity: Entity
    score: float
    name: float
    kind: bool
    example: bool


@dataclass
class Choice:
    """The chosen trigger (None: a time or sun trigger) and action entities, and why."""

    trigger: RoleScore | None
    actions: list[RoleScore]
    pair: dict[str, float] = field(default_factory=dict)
    score: float = 0.0


def entity_docs(entities: Sequence[Entity], names: Mapping[str, str]) -> list[list[str]]:
    """Each entity's name words: object id, area and friendly name (concept tokens are kept apart)."""
    return [
        [*words(e.entity_id.partition(".")[2]), *words(e.area or ""), *words(names.get(e.entity_id, ""))]
        for e in entities
    ]


def _template_kinds(ranked: Sequence[tuple[Template, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """How strongly the best templates want each trigger and action concept (0-1, the best template 1)."""
    top = [(t, s) for t, s in ranked[:TOP_TEMPLATES] if s > 0]
    if not top:
        return {}, {}
    best = top[0][1]
    trig: dict[str, float] = {}
    act: dict[str, float] = {}
    for template, score in top:
        for c in template.trigger_concepts:
            trig[c] = max(trig.get(c, 0.0), score / best)
        for c in template.action_concepts:
            act[c] = max(act.get(c, 0.0), score / best)
    return trig, act


def _examples(ranked: Sequence[tuple[Template, float]]) -> tuple[set[str], set[str]]:
    """The entities of the home's own automation that matches the request best (when it matches well)."""
    for template, score in ranked:
        if template.source == "example" and score >= 0.5:
            return set(template.trigger_entities), set(template.action_entities)
    return set(), set()


def _rate(cache: dict[str, float], rate: Callable[[str], float], kind: str) -> float:
    if kind not in cache:
        cache[kind] = rate(kind)
    return cache[kind]


def role_scores(
    entities: Sequence[Entity],
    index: BM25,
    intent: Intent,
    ranked: Sequence[tuple[Template, float]],
    rates: KindRates,
) -> tuple[list[RoleScore], list[RoleScore]]:
    """Every eligible entity's trigger score and action score, best first (an `automation.*` entity only
    when the request says "automation": otherwise the name of an automation is no device to drive)."""
    t_names = index.normalised(intent.trigger_words)
    a_names = index.normalised(intent.action_words)
    t_kinds, a_kinds = _template_kinds(ranked)
    ex_t, ex_a = _examples(ranked)
    trig: list[RoleScore] = []
    act: list[RoleScore] = []
    t_rate: dict[str, float] = {}
    a_rate: dict[str, float] = {}
    automations = "automation" in intent.tokens
    for i, e in enumerate(entities):
        if e.domain == "automation" and not automations:
            continue
        cs = entity_concepts(e)
        if e.domain in TRIGGER_DOMAINS:
            kind = bool(cs & intent.trigger_concepts)
            tmpl = max((t_kinds.get(c, 0.0) for c in cs), default=0.0)
            score = (W_NAME * t_names[i] + W_KIND * kind + W_TEMPLATE * tmpl + W_PLACE * (e.place in intent.trigger_places)
                     + W_EXAMPLE * (e.entity_id in ex_t) + W_RATE * _rate(t_rate, rates.trigger, e.kind))  # fmt: skip
            trig.append(RoleScore(e, score, t_names[i], kind, e.entity_id in ex_t))
        if e.domain in ACTION_DOMAINS:
            kind = bool(cs & intent.action_concepts)
            tmpl = max((a_kinds.get(c, 0.0) for c in cs), default=0.0)
            score = (W_NAME * a_names[i] + W_KIND * kind + W_TEMPLATE * tmpl + W_PLACE * (e.place in intent.action_places)
                     + W_EXAMPLE * (e.entity_id in ex_a) + W_RATE * _rate(a_rate, rates.action, e.kind))  # fmt: skip
            act.append(RoleScore(e, score, a_names[i], kind, e.entity_id in ex_a))
    trig.sort(key=lambda r: (-r.score, r.entity.entity_id))
    act.sort(key=lambda r: (-r.score, r.entity.entity_id))
    return trig, act


def is_evidence(r: RoleScore) -> bool:
    """Whether the request (or the home's own automations) points at this entity at all."""
    return r.kind or r.name >= _NAME_MIN or r.example


def choose(
    trig: Sequence[RoleScore],
    act: Sequence[RoleScore],
    model: SynergyModel,
    rates: KindRates,
    want_trigger: bool,
) -> Choice | None:
    """The best (trigger, action) pair of the shortlists, the synergy ranker's pair score added;
    without a trigger entity wanted (a time or sun trigger) just the best action."""
    acts = list(act[:SHORTLIST])
    if not acts:
        return None
    if not want_trigger or not trig:
        return Choice(None, [acts[0]], score=acts[0].score)
    trigs = list(trig[:SHORTLIST])
    subset = [r.entity for r in trigs] + [r.entity for r in acts if r.entity not in {t.entity for t in trigs}]
    candidates = build_candidates(subset, rates, graph=model.uses_graph)
    if len(candidates) == 0:
        return None
    pair_scores = linear_score(candidates, model.weights)
    by_entity_t = {r.entity.entity_id: r for r in trigs}
    by_entity_a = {r.entity.entity_id: r for r in acts}
    best: Choice | None = None
    for k in range(len(candidates)):
        t_id = subset[int(candidates.trigger[k])].entity_id
        a_id = subset[int(candidates.action[k])].entity_id
        t, a = by_entity_t.get(t_id), by_entity_a.get(a_id)
        if t is None or a is None:
            continue
        p = 1.0 / (1.0 + math.exp(-float(pair_scores[k])))
        total = t.score + a.score + W_PAIR * p
        if best is None or total > best.score:
            features = dict(zip(FEATURES, candidates.features[k].tolist(), strict=True))
            best = Choice(t, [a], {"pair_score": round(p, 4), **features}, total)
    return best
