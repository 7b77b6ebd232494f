"""Candidate pairs of a home, their features, and the cold-start scorers.

A candidate is (trigger entity, action entity). In a home with up to `ALL_PAIRS_LIMIT` trigger x
action pairs every pair is a candidate; in a bigger one the pairs that share something (an area, a
device, a specific word of their ids), plus the likeliest triggers x the likeliest actions by the
real homes' statistics (so a mode select without an area still meets the lights), so a
1,900-entity home stays a few hundred thousand candidates at most. Features are computed for all
candidates at once with sparse matrices (entity x word, entity x attribute).

Feature families: structure (same area / device / words, how rare the shared words are), statistics
of real automations (kind-pair rates, words and domains of real triggers and actions, normalised by
how many such pairs this home has) and graph features of the home's entity-attribute graph
(Adamic-Adar, two-hop paths, neighbourhood similarity after one and two rounds of message passing).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ai_automation.synergies.automations import Link, entity_keys
from ai_automation.synergies.home import Entity
from ai_automation.synergies.patterns import is_curated
from ai_automation.synergies.priors import KindRates, name_words
from ai_automation.synergies.roles import ACTION_DOMAINS, PATTERN_ONLY_ACTIONS, TRIGGER_DOMAINS

ALL_PAIRS_LIMIT = 40_000
# In a bigger home, the likeliest triggers x actions (by the statistics) are candidates too.
PRIOR_TOP = 40
STRUCTURE_FEATURES: tuple[str, ...] = (
    "same_area",
    "no_area",
    "same_device",
    "shared_tokens",
    "token_jaccard",
    "idf_shared",
    "same_name",
    "curated",
    "sensor_pattern",
    "log_home_entities",
    "same_place",
    "name_in_area",
    "area_rivals",
    "same_domain",
    "diagnostic",
)
STAT_FEATURES: tuple[str, ...] = (
    "pair_rate",
    "trigger_rate",
    "action_rate",
    "trigger_words",
    "action_words",
    "link_pair_share",
    "link_trigger_share",
    "link_action_share",
)
GRAPH_FEATURES: tuple[str, ...] = ("adamic_adar", "two_hop", "neighbours_1", "neighbours_2")
FEATURES: tuple[str, ...] = STRUCTURE_FEATURES + STAT_FEATURES + GRAPH_FEATURES
# Words of diagnostic entities (signal, firmware, battery...): rarely what an owner automates on.
DIAGNOSTIC_WORDS = frozenset(
    {"signal", "rssi", "linkquality", "firmware", "update", "uptime", "battery", "voltage", "ip", "wifi", "ssid",
     "last", "restart", "reboot", "identify", "led", "child", "lock", "overheating", "overload", "calibration"}
)  # fmt: skip

Weights = Mapping[str, float]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class Candidates:
    """The candidate pairs of one home: indices into `entities` and one feature row per pair."""

    entities: list[Entity]
    trigger: IntArray
    action: IntArray
    features: FloatArray

    def __len__(self) -> int:
        return int(self.trigger.shape[0])

    def column(self, name: str) -> FloatArray:
        """One feature over all candidates."""
        return self.features[:, FEATURES.index(name)]


def _codes(values: Sequence[Hashable | None]) -> IntArray:
    """Integer codes of values, -1 for None."""
    table: dict[Hashable, int] = {}
    return np.array([-1 if v is None else table.setdefault(v, len(table)) for v in values], dtype=np.int64)


def _incidence(rows: Sequence[Sequence[Hashable]]) -> tuple[sp.csr_matrix, list[Hashable]]:
    """A 0/1 entity x item matrix (items in first-seen order: the same columns whatever the hash seed)."""
    index: dict[Hashable, int] = {}
    r, c = [], []
    for i, items in enumerate(rows):
        for item in dict.fromkeys(items):
            r.append(i)
            c.append(index.setdefault(item, len(index)))
    matrix = sp.csr_matrix(
        (np.ones(len(r)), (np.array(r, dtype=np.int64), np.array(c, dtype=np.int64))),
        shape=(len(rows), max(len(index), 1)),
    )
    return matrix, list(index)


def _incidences(
    left: Sequence[Sequence[Hashable]], right: Sequence[Sequence[Hashable]]
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Two 0/1 entity x item matrices over one vocabulary (so their rows can be multiplied)."""
    index: dict[Hashable, int] = {}
    for items in (*left, *right):
        for item in items:
            index.setdefault(item, len(index))
    out = []
    for side in (left, right):
        r = [i for i, items in enumerate(side) for _ in set(items)]
        c = [index[x] for items in side for x in set(items)]
        out.append(sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(side), max(len(index), 1))))
    return out[0], out[1]


def _rowdot(left: sp.csr_matrix, right: sp.csr_matrix, t_idx: IntArray, a_idx: IntArray) -> FloatArray:
    """`left[t] . right[a]` for every candidate (t, a)."""
    if t_idx.size == 0:
        return np.zeros(0)
    return np.asarray(left[t_idx].multiply(right[a_idx]).sum(axis=1), dtype=np.float64).ravel()


def _by_combination(t_codes: IntArray, a_codes: IntArray, value: Callable[[int, int], float]) -> FloatArray:
    """`value(t_code, a_code)` for every candidate, computed once per distinct combination."""
    if t_codes.size == 0:
        return np.zeros(0)
    width = int(max(a_codes.max(), 0)) + 2
    combined = (t_codes + 1) * width + (a_codes + 1)
    unique, inverse = np.unique(combined, return_inverse=True)
    values = np.array([value(int(u) // width - 1, int(u) % width - 1) for u in unique], dtype=np.float64)
    return values[inverse]


def _is_diagnostic(entity: Entity) -> bool:
    """A setting or a reading about the device itself: HA's registry says so, or its name does."""
    return entity.category is not None or bool(
        set(entity.entity_id.partition(".")[2].split("_")) & DIAGNOSTIC_WORDS
    )


def _acts(entity: Entity) -> bool:
    """Whether an entity can be an automation's action (a pattern-only domain: when it has a device)."""
    if entity.domain in PATTERN_ONLY_ACTIONS:
        return entity.device_id is not None
    return entity.domain in ACTION_DOMAINS


def _pattern_only(entities: list[Entity], t_idx: IntArray, a_idx: IntArray) -> NDArray[np.bool_]:
    """Which pairs a pattern-only action domain allows (its pattern's trigger domains only)."""
    allowed = np.ones(t_idx.size, dtype=bool)
    for domain, triggers in PATTERN_ONLY_ACTIONS.items():
        acting = np.array([e.domain == domain for e in entities])
        if acting.any():
            triggering = np.array([e.domain in triggers for e in entities])
            allowed &= ~acting[a_idx] | triggering[t_idx]
    return allowed


@dataclass
class _Home:
    """Per-entity arrays of one home, shared by candidate generation and the features."""

    entities: list[Entity]
    trig: IntArray
    act: IntArray
    words: sp.csr_matrix  # entity x specific word
    idf: FloatArray
    area: IntArray
    device: IntArray

    @classmethod
    def of(cls, entities: list[Entity]) -> _Home:
        words, vocab = _incidence([sorted(e.tokens) for e in entities])
        df = np.asarray(words.sum(axis=0)).ravel()
        idf = np.log((len(entities) + 1.0) / (df + 1.0)) if vocab else np.zeros(1)
        return cls(
            entities,
            np.array([i for i, e in enumerate(entities) if e.domain in TRIGGER_DOMAINS], dtype=np.int64),
            np.array([i for i, e in enumerate(entities) if _acts(e)], dtype=np.int64),
            words,
            idf,
            _codes([e.area for e in entities]),
            _codes([e.device_id for e in entities]),
        )


def _groups(codes: IntArray, width: int) -> sp.csr_matrix:
    """Entity x group one-hot rows of `width` groups (a code < 0, no group: an empty row)."""
    rows = np.flatnonzero(codes >= 0)
    return sp.csr_matrix((np.ones(rows.size), (rows, codes[rows])), shape=(codes.size, width))


def _pairs(home: _Home, rates: KindRates, limit: int) -> tuple[IntArray, IntArray]:
    """The candidate (trigger, action) entity indices of a home."""
    trig, act = home.trig, home.act
    if trig.size * act.size <= limit:
        t_idx, a_idx = (g.ravel() for g in np.meshgrid(trig, act, indexing="ij"))
    else:
        shared = (home.words[trig] @ home.words[act].T).tocoo()
        ts, acts = [trig[shared.row]], [act[shared.col]]
        for codes in (home.area, home.device):  # the pairs in one area, the pairs of one device
            groups = max(int(codes.max()) + 1, 1)
            same = (_groups(codes[trig], groups) @ _groups(codes[act], groups).T).tocoo()
            ts.append(trig[same.row])
            acts.append(act[same.col])
        ents = home.entities
        t_prior = [
            rates.trigger(ents[t].kind) + rates.trigger_words(name_words(ents[t].entity_id)) for t in trig
        ]
        a_prior = [
            rates.action(ents[a].kind) + rates.action_words(name_words(ents[a].entity_id)) for a in act
        ]
        top_t = trig[np.argsort(t_prior, kind="stable")[::-1][:PRIOR_TOP]]
        top_a = act[np.argsort(a_prior, kind="stable")[::-1][:PRIOR_TOP]]
        ts.append(np.repeat(top_t, top_a.size))
        acts.append(np.tile(top_a, top_t.size))
        width = len(ents)
        pairs = np.unique(
            np.concatenate(ts).astype(np.int64) * width + np.concatenate(acts)
        )  # sorted by (t, a)
        t_idx, a_idx = pairs // width, pairs % width
    keep = (t_idx != a_idx) & _pattern_only(home.entities, t_idx, a_idx)
    return t_idx[keep], a_idx[keep]


def build_candidates(
    entities: list[Entity], rates: KindRates, limit: int = ALL_PAIRS_LIMIT, graph: bool = True
) -> Candidates:
    """Every candidate pair of a home with its feature row (trigger and action never the same entity);
    `graph=False` leaves the graph features at 0 (for a scorer that gives them no weight: the two-hop
    product is the costliest column of a big home)."""
    home = _Home.of(entities)
    empty = np.zeros(0, dtype=np.int64)
    if home.trig.size == 0 or home.act.size == 0:
        return Candidates(entities, empty, empty, np.zeros((0, len(FEATURES))))
    t_idx, a_idx = _pairs(home, rates, limit)
    structure = _structure_columns(home, t_idx, a_idx)
    stats = stat_columns(entities, t_idx, a_idx, rates)
    columns = _graph_columns(home, t_idx, a_idx) if graph else np.zeros((t_idx.size, len(GRAPH_FEATURES)))
    return Candidates(entities, t_idx, a_idx, np.column_stack([structure, stats, columns]).astype(np.float64))


def _structure_columns(home: _Home, t_idx: IntArray, a_idx: IntArray) -> FloatArray:
    entities, words = home.entities, home.words
    n_shared = _rowdot(words, words, t_idx, a_idx)
    idf_shared = _rowdot(words @ sp.diags(home.idf), words, t_idx, a_idx)
    n_words = np.asarray(words.sum(axis=1)).ravel()
    union = np.maximum(n_words[t_idx] + n_words[a_idx] - n_shared, 1.0)
    token_set = _codes([e.tokens if e.tokens else None for e in entities])
    area, device = home.area, home.device
    place = _codes([e.place for e in entities])
    domain = _codes([e.domain for e in entities])
    # an entity named after the other's area ("light.kitchen_x3" and a sensor in "Kitchen")
    names, places = _incidences(
        [sorted(e.tokens) for e in entities], [sorted(e.place_words) for e in entities]
    )
    name_in_area = (_rowdot(places, names, t_idx, a_idx) + _rowdot(names, places, t_idx, a_idx)) > 0
    rivals: dict[tuple[int, int], int] = {}
    for a in home.act.tolist():
        rivals[(int(area[a]), int(domain[a]))] = rivals.get((int(area[a]), int(domain[a])), 0) + 1
    n_act = home.act.size
    area_rivals = _by_combination(
        area[t_idx],
        domain[a_idx],
        lambda ar, dom: math.log1p(rivals.get((ar, dom), 0)) if ar >= 0 else math.log1p(n_act),
    )
    role = _codes([(e.group, e.kind, e.domain) for e in entities])
    example = {int(c): i for i, c in enumerate(role.tolist())}
    curated = _by_combination(
        role[t_idx], role[a_idx], lambda t, a: float(is_curated(entities[example[t]], entities[example[a]]))
    )
    # the hand-written table proper: a sensor (presence, opening, climate, light level) driving a device
    sensor_domains = [
        int(c)
        for c, e in zip(domain.tolist(), entities, strict=True)
        if e.domain in ("binary_sensor", "sensor")
    ]
    diagnostic = np.array([_is_diagnostic(e) for e in entities], dtype=np.float64)
    return np.column_stack(
        [
            (area[t_idx] == area[a_idx]) & (area[t_idx] >= 0),
            (area[t_idx] < 0) | (area[a_idx] < 0),
            (device[t_idx] == device[a_idx]) & (device[t_idx] >= 0),
            np.minimum(n_shared, 3.0),
            n_shared / union,
            idf_shared,
            (token_set[t_idx] == token_set[a_idx]) & (token_set[t_idx] >= 0),
            curated,
            curated * np.isin(domain[t_idx], sensor_domains),
            np.full(t_idx.shape, math.log1p(len(entities))),
            (place[t_idx] == place[a_idx]) & (place[t_idx] >= 0),
            name_in_area,
            area_rivals,
            domain[t_idx] == domain[a_idx],
            diagnostic[t_idx] + diagnostic[a_idx],
        ]
    ).astype(np.float64)


def _graph_columns(home: _Home, t_idx: IntArray, a_idx: IntArray) -> FloatArray:
    """Graph features of the home's entity-attribute graph (attributes: specific words, area, device).

    Adamic-Adar: shared attributes, each weighted 1 / log(2 + its degree) (a word three entities share
    says more than an area of forty). Two-hop: paths of length two in the symmetric-normalised
    entity graph. Neighbours 1 / 2: cosine of the entities' neighbourhood domain profiles after one
    and two rounds of message passing (sparse products), i.e. whether both sit among the same kinds
    of things."""
    entities = home.entities
    attributes = [
        [("w", w) for w in sorted(e.tokens)]
        + ([("a", e.area)] if e.area else [])
        + ([("d", e.device_id)] if e.device_id else [])
        for e in entities
    ]
    incidence, _ = _incidence(attributes)
    degree = np.asarray(incidence.sum(axis=0)).ravel()
    weighted = incidence @ sp.diags(1.0 / np.log(2.0 + degree))
    adamic_adar = _rowdot(weighted, incidence, t_idx, a_idx)
    adjacency = (weighted @ incidence.T).tocsr()
    adjacency.setdiag(0.0)
    adjacency.eliminate_zeros()
    strength = np.asarray(adjacency.sum(axis=1)).ravel()
    scale = sp.diags(1.0 / np.sqrt(np.maximum(strength, 1e-9)))
    normalised = (scale @ adjacency @ scale).tocsr()
    # two-hop paths of the trigger rows only (one sparse product), looked up per candidate
    rows, row_of = np.unique(t_idx, return_inverse=True)
    two_hop = np.asarray((normalised[rows] @ normalised).todense(), dtype=np.float64)[row_of, a_idx]
    profile, _ = _incidence([[e.domain] for e in entities])
    first = normalised @ profile
    second = normalised @ first
    return np.column_stack(
        [adamic_adar, two_hop, _cosine(first, t_idx, a_idx), _cosine(second, t_idx, a_idx)]
    )


def _cosine(matrix: sp.csr_matrix, t_idx: IntArray, a_idx: IntArray) -> FloatArray:
    dense = np.asarray(matrix.todense(), dtype=np.float64)
    norms = np.linalg.norm(dense, axis=1)
    norms[norms == 0] = 1.0
    unit = dense / norms[:, None]
    cosine: FloatArray = np.einsum("ij,ij->i", unit[t_idx], unit[a_idx])
    return cosine


def stat_columns(
    entities: Sequence[Entity], t_idx: IntArray, a_idx: IntArray, rates: KindRates
) -> FloatArray:
    """The features that come from real automations' statistics (recomputed for held-out fitting).

    Kind rates (links per candidate pair of these kinds over the real homes), the words of real
    triggers and actions, and the share of real links with this domain pair (trigger domain, action
    domain) divided by how many such pairs (entities) this home has: a home with 300 sensors makes
    each sensor a less likely trigger than a home with three."""
    pair_rate, trig_rate, act_rate = rate_columns(entities, t_idx, a_idx, rates)
    t_words = np.array([rates.trigger_words(name_words(e.entity_id)) for e in entities])
    a_words = np.array([rates.action_words(name_words(e.entity_id)) for e in entities])
    domain = _codes([e.domain for e in entities])
    names = {int(c): e.domain for c, e in zip(domain.tolist(), entities, strict=True)}
    n_trig = (
        np.bincount(domain[np.unique(t_idx)], minlength=len(names)) if t_idx.size else np.zeros(len(names))
    )
    n_act = (
        np.bincount(domain[np.unique(a_idx)], minlength=len(names)) if a_idx.size else np.zeros(len(names))
    )
    shares = {
        (t, a): rates.link_share(names[t], names[a])
        for t, a in set(zip(domain[t_idx].tolist(), domain[a_idx].tolist(), strict=True))
    }

    def share(i: int) -> Callable[[int, int], float]:
        def value(t: int, a: int) -> float:
            logs = shares[(t, a)]
            if i == 0:
                return logs[0] - math.log(max(n_trig[t] * n_act[a], 1))
            return logs[i] - math.log(max(n_trig[t] if i == 1 else n_act[a], 1))

        return value

    return np.column_stack(
        [
            pair_rate,
            trig_rate,
            act_rate,
            t_words[t_idx],
            a_words[a_idx],
            *(_by_combination(domain[t_idx], domain[a_idx], share(i)) for i in range(3)),
        ]
    ).astype(np.float64)


def rate_columns(
    entities: Sequence[Entity], t_idx: IntArray, a_idx: IntArray, rates: KindRates
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The pair, trigger and action kind rates of candidates (computed once per distinct kind)."""
    kind_code = _codes([e.kind for e in entities])
    kinds: dict[int, str] = {int(c): e.kind for c, e in zip(kind_code, entities, strict=True)}
    trig = np.array([rates.trigger(kinds[int(c)]) for c in kind_code])
    act = np.array([rates.action(kinds[int(c)]) for c in kind_code])
    pair = _by_combination(kind_code[t_idx], kind_code[a_idx], lambda t, a: rates.pair(kinds[t], kinds[a]))
    return pair, trig[t_idx], act[a_idx]


def with_rates(candidates: Candidates, rates: KindRates) -> Candidates:
    """The same candidates with their statistics features recomputed from other counts (held-out fitting)."""
    features = candidates.features.copy()
    columns = stat_columns(candidates.entities, candidates.trigger, candidates.action, rates)
    start = FEATURES.index(STAT_FEATURES[0])
    features[:, start : start + len(STAT_FEATURES)] = columns
    return Candidates(candidates.entities, candidates.trigger, candidates.action, features)


def linear_score(candidates: Candidates | FloatArray, weights: Weights) -> FloatArray:
    """The linear score of every candidate or feature row (`FEATURES` order): a weighted sum + `bias`."""
    features = candidates.features if isinstance(candidates, Candidates) else candidates
    w = np.array([weights.get(name, 0.0) for name in FEATURES])
    scores: FloatArray = features @ w + weights.get("bias", 0.0)
    return scores


def diverse_top(candidates: Candidates, scores: FloatArray, k: int, per_entity: int = 2) -> list[int]:
    """The best `k` candidates by score, at most `per_entity` per trigger and per action, where the
    entities of one device count as one (ten suggestions about one sensor are one suggestion; a
    motion sensor's motion and illuminance entities are the same sensor), B -> A is left out
    once A -> B is in (two lights following each other are one idea), and at most `per_entity` pairs
    of one domain pair whose trigger and action share the same specific words (five
    `switch.<room>_do_not_disturb_switch` linked to each other are one idea, not ten suggestions)."""
    entities = candidates.entities
    unit = [e.device_id or e.entity_id for e in entities]
    order = np.lexsort((candidates.action, candidates.trigger, -scores))
    used_t: dict[str, int] = {}
    used_a: dict[str, int] = {}
    used_family: dict[tuple[str, str, frozenset[str]], int] = {}
    chosen: set[tuple[str, str]] = set()
    out: list[int] = []
    for i in order.tolist():
        te, ae = int(candidates.trigger[i]), int(candidates.action[i])
        t, a = unit[te], unit[ae]
        if used_t.get(t, 0) >= per_entity or used_a.get(a, 0) >= per_entity or (a, t) in chosen:
            continue
        shared = entities[te].tokens & entities[ae].tokens
        family = (entities[te].domain, entities[ae].domain, shared) if shared else None
        if family is not None and used_family.get(family, 0) >= per_entity:
            continue
        chosen.add((t, a))
        out.append(int(i))
        used_t[t] = used_t.get(t, 0) + 1
        used_a[a] = used_a.get(a, 0) + 1
        if family is not None:
            used_family[family] = used_family.get(family, 0) + 1
        if len(out) == k:
            break
    return out


def covered(candidates: Candidates, links: Sequence[Link]) -> NDArray[np.bool_]:
    """Whether an existing automation already links each candidate's trigger to its action (`Link.covers`
    for every pair at once: entities x links incidence, one product, instead of a loop over pairs)."""
    n = len(candidates.entities)
    holders: dict[str, list[int]] = {}
    for i, entity in enumerate(candidates.entities):
        for key in entity_keys(entity):
            holders.setdefault(key, []).append(i)
    triggers = np.zeros((n, len(links)))
    actions = np.zeros((n, len(links)))
    for j, link in enumerate(links):
        for key in link.triggers:
            triggers[holders.get(key, []), j] = 1.0
        for key in link.actions:
            actions[holders.get(key, []), j] = 1.0
    linked: NDArray[np.bool_] = (triggers @ actions.T)[candidates.trigger, candidates.action] > 0
    return linked
