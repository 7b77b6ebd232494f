"""Fit the cold-start model on real homes: counts, and the scorers the bench compares.

Usage: python -m ai_automation.synergies.fit HOMES_DIR [OUT_JSON] [prior|linear|lightgbm|lightgbm_no_graph]
(default `prior`: the hand-set weights over the fitted counts, what wins leave-one-home-out;
`linear`: a logistic regression of all features; `lightgbm`: lambdarank, one query per home).
(HOMES_DIR = `../shared/external-data/real-ha-homes/homes`). Every home weighs the same; the
statistics features of a training home are computed from the other homes' counts (out of fold), so
a scorer never learns from a home's own automations through its statistics. Installs without an
entity registry add the words and domains of their automations to the counts, and so do the
automations of registry installs that link no entity of their registry.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from ai_automation.synergies.automations import Link, links_of
from ai_automation.synergies.calibration import CalibrationHome, load_automation_only, load_calibration_homes
from ai_automation.synergies.evaluation import labels
from ai_automation.synergies.home import Entity, by_id, entities_of
from ai_automation.synergies.model import MODEL_FILE, PRIOR_WEIGHTS, SynergyModel
from ai_automation.synergies.priors import KindCounts, count_automations, count_home, sum_counts
from ai_automation.synergies.ranking import FEATURES, GRAPH_FEATURES, Candidates, build_candidates, with_rates

NEGATIVES_PER_HOME = 3_000
SEED = 0
LGBM_PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "learning_rate": 0.05,
    "num_leaves": 7,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "lambdarank_truncation_level": 20,
    "eval_at": [10],
    "num_threads": 1,
    "deterministic": True,
    "verbose": -1,
}
LGBM_ROUNDS = 150
NO_GRAPH: tuple[str, ...] = tuple(f for f in FEATURES if f not in GRAPH_FEATURES)


@dataclass
class LabelledHome:
    """A calibration home read for fitting: entities, links, counts, candidates and labels."""

    home_id: str
    entities: list[Entity]
    links: list[Link]
    counts: KindCounts
    candidates: Candidates | None = None
    labels: NDArray[np.float64] | None = None


def read_homes(homes: Sequence[CalibrationHome]) -> list[LabelledHome]:
    """Entities, links and counts of each home (candidates are built later, with held-out rates).

    An automation that links no entity of the home's registry (YAML helpers, scripts and scenes often
    have no registry entry) still adds the words and domains of the entity ids it names, as the
    installs without a registry do; it is part of the home's counts, so a held-out home's own
    automations leave the statistics with it."""
    out = []
    for home in homes:
        entities = entities_of(home.snapshot)
        known = by_id(entities)
        links = links_of(home.automations, known)
        unlinked = [a for a in home.automations if not links_of([a], known)]
        counts = count_home(entities, links) + count_automations(unlinked)
        out.append(LabelledHome(home.home_id, entities, links, counts))
    return out


def automation_only_counts(homes_dir: Path) -> KindCounts:
    """Word and domain counts of the installs known only by their automations."""
    return sum_counts(count_automations(a) for a in load_automation_only(homes_dir))


def prepare(homes: Sequence[LabelledHome], total: KindCounts) -> None:
    """Build each home-with-automations' candidates (rates from the other homes) and labels."""
    for home in homes:
        if home.links and home.candidates is None:
            rates = SynergyModel(total - home.counts).rates()
            home.candidates = build_candidates(home.entities, rates)
            home.labels = labels(home.candidates.trigger, home.candidates.action, home.entities, home.links)


@dataclass
class TrainingSet:
    """Feature rows of the training homes (positives and sampled negatives), grouped by home."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    weight: NDArray[np.float64]
    groups: list[int]


def training_set(
    train: Sequence[LabelledHome], total: KindCounts, excluded: KindCounts | None = None
) -> TrainingSet | None:
    """Each training home's positives and up to `NEGATIVES_PER_HOME` negatives, statistics features from
    the counts of the homes other than it (and other than `excluded`, the held-out home)."""
    rng = np.random.default_rng(SEED)
    xs, ys, ws, groups = [], [], [], []
    for home in train:
        if home.candidates is None or home.labels is None or not home.labels.any():
            continue
        rates = SynergyModel(total - home.counts - (excluded or KindCounts())).rates()
        features = with_rates(home.candidates, rates).features
        pos = np.flatnonzero(home.labels == 1)
        neg = np.flatnonzero(home.labels == 0)
        if neg.size > NEGATIVES_PER_HOME:
            neg = np.sort(rng.choice(neg, NEGATIVES_PER_HOME, replace=False))
        rows = np.concatenate([pos, neg])
        xs.append(features[rows])
        ys.append(np.concatenate([np.ones(pos.size), np.zeros(neg.size)]))
        ws.append(
            np.concatenate([np.full(pos.size, 100 / pos.size), np.full(neg.size, 100 / max(neg.size, 1))])
        )
        groups.append(int(rows.size))
    if not xs:
        return None
    return TrainingSet(np.vstack(xs), np.concatenate(ys), np.concatenate(ws), groups)


def fit_weights(
    train: Sequence[LabelledHome], excluded: KindCounts | None = None, extra: KindCounts | None = None
) -> dict[str, float]:
    """Logistic-regression weights on the training homes (each home's positives and negatives weigh 1)."""
    data = training_set(train, sum_counts(h.counts for h in train) + (extra or KindCounts()), excluded)
    if data is None:
        return dict(SynergyModel().weights)
    mean, std = data.x.mean(axis=0), data.x.std(axis=0)
    std[std == 0] = 1.0
    model = LogisticRegression(C=0.1, max_iter=2000)
    model.fit((data.x - mean) / std, data.y, sample_weight=data.weight)
    coef = model.coef_[0] / std
    weights = {name: round(float(w), 6) for name, w in zip(FEATURES, coef, strict=True)}
    weights["bias"] = round(float(model.intercept_[0] - float(np.dot(coef, mean))), 6)
    return weights


def fit_ranker(
    train: Sequence[LabelledHome],
    excluded: KindCounts | None = None,
    extra: KindCounts | None = None,
    features: Sequence[str] = FEATURES,
) -> str | None:
    """A LightGBM lambdarank model (one query per home) on `features`, as LightGBM's text format."""
    import lightgbm as lgb

    data = training_set(train, sum_counts(h.counts for h in train) + (extra or KindCounts()), excluded)
    if data is None:
        return None
    columns = [FEATURES.index(f) for f in features]
    dataset = lgb.Dataset(data.x[:, columns], label=data.y, group=data.groups, feature_name=list(features))
    booster = lgb.train({**LGBM_PARAMS, "seed": SEED}, dataset, num_boost_round=LGBM_ROUNDS)
    text: str = booster.model_to_string()
    return text


RANKERS = ("prior", "linear", "lightgbm", "lightgbm_no_graph")


def fit_model(homes_dir: Path, ranker: str = "prior") -> SynergyModel:
    """The model fitted on every calibration home (`ranker`: which scorer it ships)."""
    homes = read_homes(load_calibration_homes(homes_dir))
    extra = automation_only_counts(homes_dir)
    total = sum_counts(h.counts for h in homes) + extra
    prepare(homes, total)
    if ranker not in RANKERS:
        raise ValueError(f"ranker must be one of {RANKERS}")
    weights = dict(PRIOR_WEIGHTS) if ranker == "prior" else fit_weights(homes, extra=extra)
    info = {
        "ranker": ranker,
        "source": "real-ha-homes calibration installs (see ../shared/external-data/real-ha-homes/README.md)",
        "homes": len(homes),
        "homes_with_automations": sum(1 for h in homes if h.links),
        "kept": "counts per entity kind, kind pair, name word and domain, the linear weights and the "
        "LightGBM trees; no entity, name or automation",
    }
    booster = None
    if ranker.startswith("lightgbm"):
        features = NO_GRAPH if ranker == "lightgbm_no_graph" else FEATURES
        booster = fit_ranker(homes, extra=extra, features=features)
    return SynergyModel(total, weights, info, booster)


def main(argv: Sequence[str]) -> int:
    """CLI entry point."""
    if not argv:
        sys.stderr.write(f"{__doc__}\n")
        return 2
    out = Path(argv[1]) if len(argv) > 1 else MODEL_FILE
    model = fit_model(Path(argv[0]), argv[2] if len(argv) > 2 else "prior")
    model.save(out)
    sys.stdout.write(f"wrote {out}: {model.info['homes']} homes, ranker {model.ranker_name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
