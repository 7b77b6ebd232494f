"""Kind-pair statistics of real automations: how often a trigger kind drives an action kind.

Fitted on the real-ha-homes calibration installs (anonymized public HA configurations, attribution
in `../shared/external-data/real-ha-homes/README.md`): only counts per entity kind are kept, never a
home's entities or automations. `rates` turns them into smoothed rates with back-off from the kind
(`binary_sensor:motion`) to the domain (`binary_sensor`) to the whole population.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ai_automation.synergies.automations import Link, entity_keys, strings_under
from ai_automation.synergies.home import Entity
from ai_automation.synergies.roles import ACTION_DOMAINS, TRIGGER_DOMAINS
from homeiq_shared.ha_schema import is_entity_id

_SMOOTH = 20.0
_WORD_SMOOTH = 5.0
_COUNTERS = (
    "entities", "triggers", "actions", "pairs", "candidates",
    "entity_words", "trigger_words", "action_words", "link_domains", "link_trigger_domains", "link_action_domains",
)  # fmt: skip
# The anonymised homes replace rare words by per-home placeholders (x12): no meaning across homes.
_PLACEHOLDER = re.compile(r"^(x\d+|\d+)$")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


def _domain_of(entity_id: str) -> str:
    return entity_id.partition(".")[0]


@lru_cache(maxsize=1 << 16)
def name_words(entity_id: str) -> frozenset[str]:
    """The words of an entity's object id that mean the same in every home (`motion`, `door`, `tv`)."""
    object_id = entity_id.partition(".")[2].lower()
    return frozenset(w for w in _WORD_SPLIT.split(object_id) if w and not _PLACEHOLDER.match(w))


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
    # words of entity ids: in every entity (homes with registries), in automations' triggers and actions
    # (every home with automations, registry or not), and the domains automations link (every home)
    entity_words: Counter[str] = field(default_factory=Counter)
    trigger_words: Counter[str] = field(default_factory=Counter)
    action_words: Counter[str] = field(default_factory=Counter)
    link_domains: Counter[str] = field(default_factory=Counter)
    link_trigger_domains: Counter[str] = field(default_factory=Counter)
    link_action_domains: Counter[str] = field(default_factory=Counter)
    # (Counter values are floats here: an automation spreads a weight of 1 over its pairs)
    homes: int = 0

    def __add__(self, other: KindCounts) -> KindCounts:
        parts = {name: getattr(self, name) + getattr(other, name) for name in _COUNTERS}
        return KindCounts(**parts, homes=self.homes + other.homes)

    def __sub__(self, other: KindCounts) -> KindCounts:
        parts = {name: getattr(self, name) - getattr(other, name) for name in _COUNTERS}
        return KindCounts(**parts, homes=self.homes - other.homes)

    def to_json(self) -> dict[str, Any]:
        """Plain counts (sorted keys), as `priors.json` stores them."""
        return {
            "homes": self.homes,
            **{name: dict(sorted(getattr(self, name).items())) for name in _COUNTERS},
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> KindCounts:
        """Counts from `to_json`'s shape (numbers only; anything else is refused)."""

        def counter(name: str) -> Counter[str]:
            raw = doc.get(name, {})
            if not isinstance(raw, Mapping):
                raise ValueError(f"priors: {name} is not an object")
            return Counter({str(k): float(v) for k, v in raw.items()})

        return cls(**{name: counter(name) for name in _COUNTERS}, homes=int(doc.get("homes", 0)))


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
        _count_link(counts, [t.entity_id for t in trig], [a.entity_id for a in act])
    for e in entities:
        counts.entity_words.update(sorted(name_words(e.entity_id)))  # sorted: float sums in one order
    return counts


def _count_link(counts: KindCounts, triggers: Sequence[str], actions: Sequence[str]) -> None:
    """Words and domains of one automation's trigger and action entity ids (each side weighs 1)."""
    for ids, words, domains in (
        (triggers, counts.trigger_words, counts.link_trigger_domains),
        (actions, counts.action_words, counts.link_action_domains),
    ):
        for entity_id in ids:
            for word in sorted(name_words(entity_id)):
                words[word] += 1.0 / len(ids)  # type: ignore[assignment]  # float counts
            domains[_domain_of(entity_id)] += 1.0 / len(ids)  # type: ignore[assignment]  # float counts
    pairs = [(t, a) for t in triggers for a in actions if t != a]
    for t, a in pairs:
        key = pair_key(_domain_of(t), _domain_of(a))
        counts.link_domains[key] += 1.0 / len(pairs)  # type: ignore[assignment]  # float counts


def _ids(automation: Mapping[str, Any], names: tuple[str, ...], domains: frozenset[str]) -> list[str]:
    part: Any = next((automation[n] for n in names if automation.get(n)), [])
    return sorted(
        {i for i in strings_under(part, "entity_id") if is_entity_id(i) and _domain_of(i) in domains}
    )


def count_automations(automations: Iterable[Any]) -> KindCounts:
    """The word and domain counts of a home known only by its automations (no entity registry): the
    entity ids its triggers watch and its actions drive, as written."""
    counts = KindCounts()
    for automation in automations:
        if not isinstance(automation, Mapping):
            continue
        triggers = _ids(automation, ("triggers", "trigger"), TRIGGER_DOMAINS)
        actions = _ids(automation, ("actions", "action"), ACTION_DOMAINS)
        if triggers and actions and set(triggers) != set(actions):
            _count_link(counts, triggers, actions)
    return counts


class KindRates:
    """Log rates from counts, smoothed toward the domain's rate, itself toward the population's."""

    def __init__(self, counts: KindCounts) -> None:
        self.counts = counts
        self._cache: dict[tuple[str, str], float] = {}
        self._parents: dict[str, tuple[float, Counter[str], Counter[str]]] = {}
        self._word_base: dict[str, float] = {}
        self._totals: dict[int, float] = {}
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

    def _word_lift(self, hits: Counter[str], words: Iterable[str]) -> float:
        """The highest log lift of a word among automations' entity ids over all entities' ids (0 when
        no word of the name is known): `motion`, `button`, `mode` mark a trigger, `status` nothing."""
        key = "trigger_words" if hits is self.counts.trigger_words else "action_words"
        base = self._word_base.get(key)
        if base is None:
            base = (sum(hits.values()) + 1.0) / (sum(self.counts.entity_words.values()) + 1.0)
            self._word_base[key] = base
        lifts = [
            math.log((hits.get(word, 0.0) + _WORD_SMOOTH * base) / ((seen + _WORD_SMOOTH) * base))
            for word in words
            if (seen := self.counts.entity_words.get(word, 0.0)) > 0
        ]
        return max(lifts, default=0.0)

    def trigger_words(self, words: Iterable[str]) -> float:
        """How much the words of a name mark a trigger in real automations (log lift)."""
        return self._word_lift(self.counts.trigger_words, words)

    def action_words(self, words: Iterable[str]) -> float:
        """How much the words of a name mark an action in real automations (log lift)."""
        return self._word_lift(self.counts.action_words, words)

    def link_share(self, trigger_domain: str, action_domain: str) -> tuple[float, float, float]:
        """Log shares of real automations' links with this domain pair, trigger domain, action domain."""
        c = self.counts
        out = []
        for hits, key in (
            (c.link_domains, pair_key(trigger_domain, action_domain)),
            (c.link_trigger_domains, trigger_domain),
            (c.link_action_domains, action_domain),
        ):
            total = self._totals.setdefault(id(hits), sum(hits.values()))
            out.append(math.log((hits.get(key, 0.0) + 0.5) / (total + 50.0)))
        return out[0], out[1], out[2]


def sum_counts(parts: Iterable[KindCounts]) -> KindCounts:
    """The sum of several homes' counts."""
    total = KindCounts()
    for part in parts:
        total = total + part
    return total
