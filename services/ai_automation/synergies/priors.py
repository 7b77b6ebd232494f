"""Kind-pair statistics of real automations: how often a trigger kind drives an action kind.

Fitted on the real-ha-homes calibration installs (anonymized public HA configurations, attribution
in `../shared/external-data/real-ha-homes/README.md`): only counts per entity kind are kept, never a
home's entities or automations. `rates` turns them into smoothed rates with back-off from the kind
(`binary_sensor:motion`) to the domain (`binary_sensor`) to the whole population.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ai_automation.synergies.automations import Link, entity_keys
from ai_automation.synergies.home import Entity
from ai_automation.synergies.roles import ACTION_DOMAINS, TRIGGER_DOMAINS

_SMOOTH = 20.0


def _domain(kind: str) -> str:
    return kind.partition(":")[0]


def _parent(key: str) -> str:
    """The back-off of a key: the domain of a kind, the domain pair of a kind pair."""
    if ">" in key:
        trigger, _, action = key.partition(">")
        return f"{_domain(trigger)}>{_domain(action)}"
    return _domain(key)


@dataclass
class KindCounts:
    """Summed counts over homes: entities per kind, automations' trigger/action entities and pairs."""

    entities: Counter[str] = field(default_factory=Counter)
    triggers: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    pairs: Counter[str] = field(default_factory=Counter)
    candidates: Counter[str] = field(default_factory=Counter)
    # (Counter values are floats here: an automation spreads a weight of 1 over its pairs)
    homes: int = 0

    def __add__(self, other: KindCounts) -> KindCounts:
        return KindCounts(
            self.entities + other.entities,
            self.triggers + other.triggers,
            self.actions + other.actions,
            self.pairs + other.pairs,
            self.candidates + other.candidates,
            self.homes + other.homes,
        )

    def __sub__(self, other: KindCounts) -> KindCounts:
        return KindCounts(
            self.entities - other.entities,
            self.triggers - other.triggers,
            self.actions - other.actions,
            self.pairs - other.pairs,
            self.candidates - other.candidates,
            self.homes - other.homes,
        )

    def to_json(self) -> dict[str, Any]:
        """Plain counts (sorted keys), as `priors.json` stores them."""
        return {
            "homes": self.homes,
            **{
                name: dict(sorted(getattr(self, name).items()))
                for name in ("entities", "triggers", "actions", "pairs", "candidates")
            },
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> KindCounts:
        """Counts from `to_json`'s shape (numbers only; anything else is refused)."""

        def counter(name: str) -> Counter[str]:
            raw = doc.get(name, {})
            if not isinstance(raw, Mapping):
                raise ValueError(f"priors: {name} is not an object")
            return Counter({str(k): float(v) for k, v in raw.items()})

        return cls(
            counter("entities"),
            counter("triggers"),
            counter("actions"),
            counter("pairs"),
            counter("candidates"),
            int(doc.get("homes", 0)),
        )


def pair_key(trigger_kind: str, action_kind: str) -> str:
    """The key of a kind pair in the counters (`binary_sensor:motion>light`)."""
    return f"{trigger_kind}>{action_kind}"


def count_home(entities: Sequence[Entity], links: Sequence[Link]) -> KindCounts:
    """One home's counts: every automation spreads a weight of 1 over the entity pairs it links."""
    counts = KindCounts(homes=1)
    trig_kinds: Counter[str] = Counter(e.kind for e in entities if e.domain in TRIGGER_DOMAINS)
    act_kinds: Counter[str] = Counter(e.kind for e in entities if e.domain in ACTION_DOMAINS)
    counts.entities.update(e.kind for e in entities)
    for tk, tn in trig_kinds.items():
        for ak, an in act_kinds.items():
            counts.candidates[pair_key(tk, ak)] += tn * an
    for link in links:
        trig = [e for e in entities if e.domain in TRIGGER_DOMAINS and entity_keys(e) & link.triggers]
        act = [e for e in entities if e.domain in ACTION_DOMAINS and entity_keys(e) & link.actions]
        pairs = [(t, a) for t in trig for a in act if t.entity_id != a.entity_id]
        for t, a in pairs:
            counts.pairs[pair_key(t.kind, a.kind)] += 1.0 / len(pairs)  # type: ignore[assignment]  # float counts
        for t in trig:
            counts.triggers[t.kind] += 1.0 / len(trig)  # type: ignore[assignment]  # float counts
        for a in act:
            counts.actions[a.kind] += 1.0 / len(act)  # type: ignore[assignment]  # float counts
    return counts


class KindRates:
    """Log rates from counts, smoothed toward the domain's rate, itself toward the population's."""

    def __init__(self, counts: KindCounts) -> None:
        self.counts = counts
        self._cache: dict[tuple[str, str], float] = {}
        self._parents: dict[str, tuple[float, Counter[str], Counter[str]]] = {}
        for name, hits, totals in (
            ("pairs", counts.pairs, counts.candidates),
            ("triggers", counts.triggers, counts.entities),
            ("actions", counts.actions, counts.entities),
        ):
            base = (sum(hits.values()) + 1.0) / (sum(totals.values()) + 2.0)
            parent_hits: Counter[str] = Counter()
            parent_totals: Counter[str] = Counter()
            for key, value in hits.items():
                parent_hits[_parent(key)] += value
            for key, value in totals.items():
                parent_totals[_parent(key)] += value
            self._parents[name] = (base, parent_hits, parent_totals)

    def _rate(self, name: str, hits: Counter[str], totals: Counter[str], key: str) -> float:
        cached = self._cache.get((name, key))
        if cached is not None:
            return cached
        base, parent_hits, parent_totals = self._parents[name]
        parent = _parent(key)
        parent_rate = (parent_hits.get(parent, 0.0) + _SMOOTH * base) / (
            parent_totals.get(parent, 0.0) + _SMOOTH
        )
        rate = math.log((hits.get(key, 0.0) + _SMOOTH * parent_rate) / (totals.get(key, 0.0) + _SMOOTH))
        self._cache[(name, key)] = rate
        return rate

    def pair(self, trigger_kind: str, action_kind: str) -> float:
        """Log of linked pairs per candidate pair of these kinds."""
        return self._rate(
            "pairs", self.counts.pairs, self.counts.candidates, pair_key(trigger_kind, action_kind)
        )

    def trigger(self, kind: str) -> float:
        """Log share of entities of `kind` that trigger an automation."""
        return self._rate("triggers", self.counts.triggers, self.counts.entities, kind)

    def action(self, kind: str) -> float:
        """Log share of entities of `kind` that an automation drives."""
        return self._rate("actions", self.counts.actions, self.counts.entities, kind)


def sum_counts(parts: Iterable[KindCounts]) -> KindCounts:
    """The sum of several homes' counts."""
    total = KindCounts()
    for part in parts:
        total = total + part
    return total
