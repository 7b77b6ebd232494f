"""The whole detector: a snapshot (+ existing automations, + event history) -> ranked, rendered suggestions.

Every suggested entity comes from the snapshot (validated ids only); pairs an existing automation
already links are dropped before ranking; at most two suggestions per trigger and per action entity.
Habits found in the history (the owner's own manual routines, `history.py`) come first, with their
evidence; the cold-start ranker fills the rest and never repeats a habit's pair.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from ai_automation.synergies.automations import Link, links_of
from ai_automation.synergies.cache import Lru
from ai_automation.synergies.history import (
    DEFAULT_OPTIONS,
    Habit,
    History,
    HistoryOptions,
    history_of,
    mine_habits,
)
from ai_automation.synergies.home import Entity, by_id, entities_of
from ai_automation.synergies.model import SynergyModel
from ai_automation.synergies.patterns import match
from ai_automation.synergies.ranking import FEATURES, Candidates, build_candidates, covered, diverse_top
from ai_automation.synergies.render import (
    automation,
    habit_automation,
    habit_id,
    service_for_state,
    suggestion_id,
    to_yaml,
)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Suggestion:
    """One ranked suggestion."""

    id: str
    score: float
    pattern: str
    trigger_entities: list[str]
    action_entities: list[str]
    evidence: dict[str, Any]
    automation_yaml: str
    blueprint: str | None
    features: dict[str, float] | None = None
    """The feature row it was ranked with (cold start only): what the feedback re-ranker learns from."""


def _evidence(features: Mapping[str, float], pattern_name: str, curated: bool) -> tuple[dict[str, Any], str]:
    reasons = []
    if features["same_area"]:
        reasons.append("same area")
    elif features["same_place"]:
        reasons.append("same kind of room")
    if features["same_device"]:
        reasons.append("same device")
    if features["shared_tokens"]:
        reasons.append("related names")
    if curated:
        reasons.append(f"common pattern '{pattern_name}'")
    evidence = {
        "source": "cold_start",
        "reasons": reasons,
        "kind_pair_rate": round(math.exp(features["pair_rate"]), 6),
        "same_area": bool(features["same_area"]),
        "same_device": bool(features["same_device"]),
    }
    text = ", ".join(reasons) if reasons else "devices that real homes often link"
    return evidence, text


@dataclass(frozen=True)
class ColdStart:
    """A snapshot's entities and every candidate pair scored by one model (before a home's automations
    exclude any): what does not change between two detects of an unchanged home."""

    model: SynergyModel
    entities: list[Entity]
    candidates: Candidates
    scores: FloatArray

    @classmethod
    def of(cls, snapshot: Mapping[str, Any], model: SynergyModel) -> ColdStart:
        entities = entities_of(snapshot)
        candidates = build_candidates(entities, model.rates(), graph=model.uses_graph)
        scores = model.score(candidates) if len(candidates) else np.zeros(0)
        return cls(model, entities, candidates, scores)


def cold_start(snapshot: Mapping[str, Any], model: SynergyModel, cache: Lru[str, ColdStart]) -> ColdStart:
    """`ColdStart.of`, kept in `cache` by the snapshot's content; an entry is used only with the very model
    that scored it (a newly promoted model scores again)."""
    try:
        key = hashlib.sha256(orjson.dumps(snapshot, option=orjson.OPT_SORT_KEYS)).hexdigest()
    except TypeError:  # a value JSON allows but orjson does not (an integer beyond 64 bits...): no reuse
        return ColdStart.of(snapshot, model)
    found = cache.get(key)
    if found is None or found.model is not model:
        found = ColdStart.of(snapshot, model)
        cache.put(key, found)
    return found


def detect(
    snapshot: Mapping[str, Any],
    model: SynergyModel,
    existing_automations: Sequence[Any] = (),
    limit: int = 10,
    history: Sequence[Mapping[str, Any]] | History = (),
    history_options: HistoryOptions = DEFAULT_OPTIONS,
    scored: ColdStart | None = None,
) -> list[Suggestion]:
    """The top `limit` suggestions for a home (empty for a home without trigger or action entities).

    `history`: the home's stored or sent event rows (`normalise_event`'s shape, with `origin`), or
    their columns (`history_of`, `stored_history`). `scored`: `cold_start(snapshot, model, ...)` when the
    caller keeps it.
    """
    scored = scored or ColdStart.of(snapshot, model)
    entities, candidates = scored.entities, scored.candidates
    links = links_of(existing_automations, by_id(entities))
    home_id = str(snapshot.get("home_id") or "default")
    habits = _habit_suggestions(home_id, mine_habits(history_of(history), history_options), entities, links)
    habits = habits[:limit]
    taken = {(s.trigger_entities[0], s.action_entities[0]) for s in habits}
    if len(candidates) == 0:
        return habits
    scores = scored.scores
    if links:
        scores = np.where(covered(candidates, links), -np.inf, scores)
    out = habits
    for index in diverse_top(candidates, scores, limit + len(habits)):
        if not np.isfinite(scores[index]) or len(out) >= limit:
            break
        trigger, action = entities[int(candidates.trigger[index])], entities[int(candidates.action[index])]
        if (trigger.entity_id, action.entity_id) in taken:
            continue  # the habit says it with the owner's own evidence
        pattern = match(trigger, action)
        features = dict(zip(FEATURES, candidates.features[index].tolist(), strict=True))
        evidence, text = _evidence(features, pattern.name, pattern.curated)
        sid = suggestion_id(home_id, trigger, action, pattern)
        auto = automation(pattern, trigger, action, text, sid)
        if auto is None:
            continue  # HA has no service doing this to the action's domain
        out.append(
            Suggestion(
                id=sid,
                score=round(1.0 / (1.0 + math.exp(-float(scores[index]))), 6),
                pattern=pattern.name,
                trigger_entities=[trigger.entity_id],
                action_entities=[action.entity_id],
                evidence=evidence,
                automation_yaml=to_yaml(auto),
                blueprint=pattern.blueprint,
                features={name: round(value, 6) for name, value in features.items()},
            )
        )
    return out


def _habit_suggestions(
    home_id: str, habits: Sequence[Habit], entities: Sequence[Entity], links: Sequence[Link]
) -> list[Suggestion]:
    """A suggestion per habit whose entities the home has, that no automation covers and HA can act on.

    Scored above every cold-start suggestion (0.9 + 0.1 x confidence): the owner's own repeated
    behaviour is the strongest evidence there is.
    """
    known = by_id(entities)
    out = []
    for habit in habits:
        trigger, action = known.get(habit.trigger_entity), known.get(habit.action_entity)
        if trigger is None or action is None or any(link.covers(trigger, action) for link in links):
            continue
        service = service_for_state(action, habit.action_state)
        if service is None:
            continue
        evidence = habit.evidence()
        sid = habit_id(home_id, trigger, habit.trigger_state, action, habit.action_state)
        auto = habit_automation(trigger, habit.trigger_state, action, service, evidence["text"], sid)
        out.append(
            Suggestion(
                id=sid,
                score=round(0.9 + 0.1 * min(habit.confidence, 1.0), 6),
                pattern="habit",
                trigger_entities=[trigger.entity_id],
                action_entities=[action.entity_id],
                evidence=evidence,
                automation_yaml=to_yaml(auto),
                blueprint=None,
            )
        )
    return out
