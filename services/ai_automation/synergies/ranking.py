"""Candidate pairs of a home, their features, and the cold-start scorer.

A candidate is (trigger entity, action entity). In a home with up to `ALL_PAIRS_LIMIT` trigger x
action pairs every pair is a candidate; in a bigger one only pairs that share something (an area,
a device, a specific word of their ids) or that the curated table names in the same area, so a
1,900-entity home stays a few thousand candidates. Features are computed for all candidates at once
with an inverted index of the entities' words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ai_automation.synergies.home import Entity
from ai_automation.synergies.patterns import is_curated
from ai_automation.synergies.priors import KindRates
from ai_automation.synergies.roles import ACTION_DOMAINS, TRIGGER_DOMAINS

ALL_PAIRS_LIMIT = 40_000
FEATURES: tuple[str, ...] = (
    "same_area",
    "no_area",
    "same_device",
    "shared_tokens",
    "token_jaccard",
    "pair_rate",
    "trigger_rate",
    "action_rate",
    "curated",
    "log_home_entities",
    "same_place",
    "name_in_area",
    "area_rivals",
    "same_domain",
    "diagnostic",
)
# Words of diagnostic entities (signal, firmware, battery...): rarely what an owner automates on.
DIAGNOSTIC_WORDS = frozenset(
    {"signal", "rssi", "linkquality", "firmware", "update", "uptime", "battery", "voltage", "ip", "wifi", "ssid",
     "last", "restart", "reboot", "identify", "led", "child", "lock", "overheating", "overload", "calibration"}
)  # fmt: skip

# The cold-start scorer: a linear score of the features. `DEFAULT_WEIGHTS` are the weights the bench
# fitted on all calibration homes (bench/bench_synergies.py; per-home held-out figures there).
Weights = Mapping[str, float]


@dataclass
class Candidates:
    """The candidate pairs of one home: indices into `entities` and one feature row per pair."""

    entities: list[Entity]
    trigger: NDArray[np.int64]
    action: NDArray[np.int64]
    features: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.trigger.shape[0])

    def column(self, name: str) -> NDArray[np.float64]:
        """One feature over all candidates."""
        return self.features[:, FEATURES.index(name)]


def _codes(values: Sequence[str | None]) -> NDArray[np.int64]:
    """Integer codes of values, -1 for None."""
    table: dict[str, int] = {}
    return np.array([-1 if v is None else table.setdefault(v, len(table)) for v in values], dtype=np.int64)


def _shared_tokens(
    entities: Sequence[Entity], trig: NDArray[np.int64], act: NDArray[np.int64]
) -> dict[tuple[int, int], int]:
    """How many specific words each (trigger row, action row) pair shares, through an inverted index."""
    index: dict[str, list[int]] = {}
    for j, i in enumerate(act):
        for token in entities[int(i)].tokens:
            index.setdefault(token, []).append(j)
    shared: dict[tuple[int, int], int] = {}
    for k, i in enumerate(trig):
        for token in entities[int(i)].tokens:
            for j in index.get(token, ()):
                shared[(k, j)] = shared.get((k, j), 0) + 1
    return shared


def build_candidates(entities: list[Entity], rates: KindRates, limit: int = ALL_PAIRS_LIMIT) -> Candidates:
    """Every candidate pair of a home with its feature row (trigger and action never the same entity)."""
    trig = np.array([i for i, e in enumerate(entities) if e.domain in TRIGGER_DOMAINS], dtype=np.int64)
    act = np.array([i for i, e in enumerate(entities) if e.domain in ACTION_DOMAINS], dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    if trig.size == 0 or act.size == 0:
        return Candidates(entities, empty, empty, np.zeros((0, len(FEATURES))))
    area = _codes([e.area for e in entities])
    device = _codes([e.device_id for e in entities])
    shared = _shared_tokens(entities, trig, act)
    if trig.size * act.size <= limit:
        grid_t, grid_a = np.meshgrid(np.arange(trig.size), np.arange(act.size), indexing="ij")
        ti, ai = grid_t.ravel(), grid_a.ravel()
    else:
        pairs: set[tuple[int, int]] = set(shared)
        by_area: dict[int, list[int]] = {}
        by_device: dict[int, list[int]] = {}
        for j, i in enumerate(act):
            if area[i] >= 0:
                by_area.setdefault(int(area[i]), []).append(j)
            if device[i] >= 0:
                by_device.setdefault(int(device[i]), []).append(j)
        for k, i in enumerate(trig):
            for j in by_area.get(int(area[i]), []) if area[i] >= 0 else []:
                pairs.add((k, j))
            for j in by_device.get(int(device[i]), []) if device[i] >= 0 else []:
                pairs.add((k, j))
        ordered = sorted(pairs)
        ti = np.array([p[0] for p in ordered], dtype=np.int64)
        ai = np.array([p[1] for p in ordered], dtype=np.int64)
    t_idx, a_idx = trig[ti], act[ai]
    keep = t_idx != a_idx
    ti, ai, t_idx, a_idx = ti[keep], ai[keep], t_idx[keep], a_idx[keep]
    n_shared = np.array(
        [shared.get((int(k), int(j)), 0) for k, j in zip(ti, ai, strict=True)], dtype=np.float64
    )
    t_len = np.array([len(entities[int(i)].tokens) for i in t_idx], dtype=np.float64)
    a_len = np.array([len(entities[int(i)].tokens) for i in a_idx], dtype=np.float64)
    union = np.maximum(t_len + a_len - n_shared, 1.0)
    same_area = (area[t_idx] == area[a_idx]) & (area[t_idx] >= 0)
    no_area = (area[t_idx] < 0) | (area[a_idx] < 0)
    same_device = (device[t_idx] == device[a_idx]) & (device[t_idx] >= 0)
    place = _codes([e.place for e in entities])
    same_place = (place[t_idx] == place[a_idx]) & (place[t_idx] >= 0)
    name_in_area = np.array(
        [
            bool(entities[t].place_words & entities[a].tokens)
            or bool(entities[a].place_words & entities[t].tokens)
            for t, a in zip(t_idx, a_idx, strict=True)
        ]
    )
    # how many entities of the action's domain share the trigger's area: one light in the room is the one
    rivals: dict[tuple[int, str], int] = {}
    for e_index in act:
        key = (int(area[e_index]), entities[int(e_index)].domain)
        rivals[key] = rivals.get(key, 0) + 1
    area_rivals = np.array(
        [
            math.log1p(rivals.get((int(area[t]), entities[a].domain), 0))
            if area[t] >= 0
            else math.log1p(len(act))
            for t, a in zip(t_idx, a_idx, strict=True)
        ]
    )
    pair_rate, trig_rate, act_rate = rate_columns(entities, t_idx, a_idx, rates)
    curated = np.array([is_curated(entities[t], entities[a]) for t, a in zip(t_idx, a_idx, strict=True)])
    features = np.column_stack(
        [
            same_area,
            no_area,
            same_device,
            np.minimum(n_shared, 3.0),
            n_shared / union,
            pair_rate,
            trig_rate,
            act_rate,
            curated,
            np.full(t_idx.shape, math.log1p(len(entities))),
            same_place,
            name_in_area,
            area_rivals,
            np.array([entities[t].domain == entities[a].domain for t, a in zip(t_idx, a_idx, strict=True)]),
            np.array(
                [
                    _diagnostic(entities[t]) + _diagnostic(entities[a])
                    for t, a in zip(t_idx, a_idx, strict=True)
                ]
            ),
        ]
    ).astype(np.float64)
    return Candidates(entities, t_idx, a_idx, features)


def _diagnostic(entity: Entity) -> float:
    words = set(entity.entity_id.partition(".")[2].split("_"))
    return 1.0 if words & DIAGNOSTIC_WORDS else 0.0


def rate_columns(
    entities: Sequence[Entity], t_idx: NDArray[np.int64], a_idx: NDArray[np.int64], rates: KindRates
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The pair, trigger and action kind rates of candidates (computed once per distinct kind)."""
    kind_code = _codes([e.kind for e in entities])
    kinds: dict[int, str] = {int(c): e.kind for c, e in zip(kind_code, entities, strict=True)}
    t_kind, a_kind = kind_code[t_idx], kind_code[a_idx]
    trig = {c: rates.trigger(k) for c, k in kinds.items()}
    act = {c: rates.action(k) for c, k in kinds.items()}
    combined = t_kind * (len(kinds) + 1) + a_kind
    unique, inverse = np.unique(combined, return_inverse=True)
    pair = np.array(
        [rates.pair(kinds[int(u) // (len(kinds) + 1)], kinds[int(u) % (len(kinds) + 1)]) for u in unique]
    )
    return (
        pair[inverse] if unique.size else np.zeros(0),
        np.array([trig[int(c)] for c in t_kind]),
        np.array([act[int(c)] for c in a_kind]),
    )


def with_rates(candidates: Candidates, rates: KindRates) -> Candidates:
    """The same candidates with their rate features recomputed from other counts (held-out fitting)."""
    features = candidates.features.copy()
    columns = rate_columns(candidates.entities, candidates.trigger, candidates.action, rates)
    for name, column in zip(("pair_rate", "trigger_rate", "action_rate"), columns, strict=True):
        features[:, FEATURES.index(name)] = column
    return Candidates(candidates.entities, candidates.trigger, candidates.action, features)


def linear_score(candidates: Candidates, weights: Weights) -> NDArray[np.float64]:
    """The cold-start score of every candidate (a weighted sum of its features)."""
    w = np.array([weights.get(name, 0.0) for name in FEATURES])
    scores: NDArray[np.float64] = candidates.features @ w + weights.get("bias", 0.0)
    return scores


def diverse_top(
    candidates: Candidates, scores: NDArray[np.float64], k: int, per_entity: int = 2
) -> list[int]:
    """The best `k` candidates by score, at most `per_entity` per trigger and per action entity
    (ten suggestions about one sensor are one suggestion)."""
    order = np.lexsort((candidates.action, candidates.trigger, -scores))
    used_t: dict[int, int] = {}
    used_a: dict[int, int] = {}
    out: list[int] = []
    for i in order:
        t, a = int(candidates.trigger[i]), int(candidates.action[i])
        if used_t.get(t, 0) >= per_entity or used_a.get(a, 0) >= per_entity:
            continue
        out.append(int(i))
        used_t[t] = used_t.get(t, 0) + 1
        used_a[a] = used_a.get(a, 0) + 1
        if len(out) == k:
            break
    return out
