"""The whole detector: a snapshot (+ existing automations) -> ranked, rendered suggestions.

Every suggested entity comes from the snapshot (validated ids only); pairs an existing automation
already links are dropped before ranking; at most two suggestions per trigger and per action entity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ai_automation.synergies.automations import links_of
from ai_automation.synergies.history import LAG_SECONDS, Routine, history_boost, routines
from ai_automation.synergies.home import by_id, entities_of
from ai_automation.synergies.model import SynergyModel
from ai_automation.synergies.patterns import match
from ai_automation.synergies.ranking import FEATURES, Candidates, build_candidates, diverse_top
from ai_automation.synergies.render import automation, suggestion_id, to_yaml


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


def _routines(candidates: Candidates, events: Sequence[Any]) -> dict[int, Routine]:
    """The candidates the home's history supports, by candidate index."""
    entities = candidates.entities
    position = {e.entity_id: i for i, e in enumerate(entities)}
    triggers = {entities[int(t)].entity_id for t in np.unique(candidates.trigger)}
    actions = {entities[int(a)].entity_id for a in np.unique(candidates.action)}
    out: dict[int, Routine] = {}
    for routine in routines(events, triggers, actions):
        pair = (candidates.trigger == position[routine.trigger]) & (
            candidates.action == position[routine.action]
        )
        hits = np.flatnonzero(pair)
        if hits.size:
            out[int(hits[0])] = routine
    return out


def detect(
    snapshot: Mapping[str, Any],
    model: SynergyModel,
    existing_automations: Sequence[Any] = (),
    limit: int = 10,
    events: Sequence[Any] = (),
) -> list[Suggestion]:
    """The top `limit` suggestions for a home (empty for a home without trigger or action entities).
    With `events` (HA `state_changed` events with their context), the home's own manual routines
    (`history.routines`) rank above every cold-start pair and carry their support, confidence and lift."""
    entities = entities_of(snapshot)
    candidates = build_candidates(entities, model.rates())
    if len(candidates) == 0:
        return []
    links = links_of(existing_automations, by_id(entities))
    scores = model.score(candidates)
    if links:
        covered = np.array(
            [
                any(link.covers(entities[int(t)], entities[int(a)]) for link in links)
                for t, a in zip(candidates.trigger, candidates.action, strict=True)
            ]
        )
        scores = np.where(covered, -np.inf, scores)
    found = _routines(candidates, events) if events else {}
    for index, supported in found.items():
        scores[index] += history_boost(supported.lift)
    out = []
    for index in diverse_top(candidates, scores, limit):
        if not np.isfinite(scores[index]):
            break
        trigger, action = entities[int(candidates.trigger[index])], entities[int(candidates.action[index])]
        pattern = match(trigger, action)
        features = dict(zip(FEATURES, candidates.features[index].tolist(), strict=True))
        evidence, text = _evidence(features, pattern.name, pattern.curated)
        routine = found.get(index)
        if routine is not None:
            evidence = {**evidence, **routine.evidence()}
            text = (
                f"you changed it by hand within {int(LAG_SECONDS)} s after the trigger {routine.support} times "
                f"(lift {routine.lift:.1f} over chance); {text}"
            )
        sid = suggestion_id(str(snapshot.get("home_id") or "default"), trigger, action, pattern)
        auto = automation(pattern, trigger, action, text, sid)
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
            )
        )
    return out
