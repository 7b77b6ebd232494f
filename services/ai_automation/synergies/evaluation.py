"""Cold-start evaluation on real homes: hide a home's automations, rank its candidates, score the top k.

A suggestion hits a real automation when they share a trigger key and an action key (entity id, or
the same device), as `../shared/acceptance/lib/synergy_eval.py` scores it. Figures are per home,
then averaged over homes (grouped): P@k, R@k (share of the home's automations recovered), hit@k
(at least one recovered) and MRR (1 / rank of the first hit, 0 when none in the list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ai_automation.synergies.automations import Link, entity_keys
from ai_automation.synergies.home import Entity
from ai_automation.synergies.ranking import Candidates, diverse_top

KS = (5, 10, 20)


def covered_by(links: Sequence[Link], trigger: Entity, action: Entity) -> list[int]:
    """Indices of the links a suggested pair recovers."""
    tk, ak = entity_keys(trigger), entity_keys(action)
    return [i for i, link in enumerate(links) if tk & link.triggers and ak & link.actions]


@dataclass(frozen=True)
class HomeScore:
    """One home's figures for one ranked list."""

    precision: dict[int, float]
    recall: dict[int, float]
    hit: dict[int, float]
    rr: float


def score_ranking(
    pairs: Sequence[tuple[Entity, Entity]], links: Sequence[Link], ks: Sequence[int] = KS
) -> HomeScore:
    """The figures of one home's ranked suggestions against its real automations."""
    hits_at: list[list[int]] = [covered_by(links, t, a) for t, a in pairs]
    first = next((i for i, found in enumerate(hits_at, 1) if found), None)
    precision, recall, hit = {}, {}, {}
    for k in ks:
        top = hits_at[:k]
        recovered = set().union(*top) if top else set()
        precision[k] = sum(1 for found in top if found) / k
        recall[k] = len(recovered) / len(links) if links else 0.0
        hit[k] = 1.0 if recovered else 0.0
    return HomeScore(precision, recall, hit, 1.0 / first if first else 0.0)


def pairs_at(candidates: Candidates, order: Sequence[int]) -> list[tuple[Entity, Entity]]:
    """The (trigger, action) entities of the candidates at `order`."""
    ents = candidates.entities
    return [(ents[int(candidates.trigger[i])], ents[int(candidates.action[i])]) for i in order]


def score_top(
    candidates: Candidates, scores: NDArray[np.float64], links: Sequence[Link], k: int, ks: Sequence[int] = KS
) -> HomeScore:
    """The figures of a home's top `k` candidates by `scores`, through detect's diversity rule."""
    return score_ranking(pairs_at(candidates, diverse_top(candidates, scores, k)), links, ks)


def summarise(scores: Sequence[HomeScore], ks: Sequence[int] = KS) -> dict[str, float]:
    """Means over homes (each home weighs the same), rounded for the report."""
    if not scores:
        return {}
    out: dict[str, float] = {
        "homes": float(len(scores)),
        "mrr": round(float(np.mean([s.rr for s in scores])), 4),
    }
    for k in ks:
        out[f"p@{k}"] = round(float(np.mean([s.precision[k] for s in scores])), 4)
        out[f"r@{k}"] = round(float(np.mean([s.recall[k] for s in scores])), 4)
        out[f"hit@{k}"] = round(float(np.mean([s.hit[k] for s in scores])), 4)
    return out


def labels(
    trigger: NDArray[np.int64], action: NDArray[np.int64], entities: Sequence[Entity], links: Sequence[Link]
) -> NDArray[np.float64]:
    """1.0 for candidate pairs some real automation names (entity by entity), else 0.0: the fitting label."""
    return np.array(
        [
            1.0 if any(link.names(entities[int(t)], entities[int(a)]) for link in links) else 0.0
            for t, a in zip(trigger, action, strict=True)
        ]
    )
