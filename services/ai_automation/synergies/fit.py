"""Fit the cold-start model on real homes: kind-pair counts, then a logistic regression of the features.

Usage: python -m ai_automation.synergies.fit HOMES_DIR [OUT_JSON]
(HOMES_DIR = `../shared/external-data/real-ha-homes/homes`). Every home weighs the same; the rate
features of a training home are computed from the other homes' counts (out of fold), so the weights
never learn from a home's own automations through its rates.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from ai_automation.synergies.automations import Link, links_of
from ai_automation.synergies.calibration import CalibrationHome, load_calibration_homes
from ai_automation.synergies.evaluation import labels
from ai_automation.synergies.home import Entity, by_id, entities_of
from ai_automation.synergies.model import MODEL_FILE, SynergyModel
from ai_automation.synergies.priors import KindCounts, count_home, sum_counts
from ai_automation.synergies.ranking import FEATURES, Candidates, build_candidates, with_rates

NEGATIVES_PER_HOME = 5_000
SEED = 0


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
    """Entities, links and counts of each home (candidates are built later, with held-out rates)."""
    out = []
    for home in homes:
        entities = entities_of(home.snapshot)
        links = links_of(home.automations, by_id(entities))
        out.append(LabelledHome(home.home_id, entities, links, count_home(entities, links)))
    return out


def prepare(homes: Sequence[LabelledHome], total: KindCounts) -> None:
    """Build each home-with-automations' candidates (rates from the other homes) and labels."""
    for home in homes:
        if home.links and home.candidates is None:
            rates = SynergyModel(total - home.counts).rates()
            home.candidates = build_candidates(home.entities, rates)
            home.labels = labels(home.candidates.trigger, home.candidates.action, home.entities, home.links)


def fit_weights(train: Sequence[LabelledHome], excluded: KindCounts | None = None) -> dict[str, float]:
    """Logistic-regression weights on the training homes (each home's positives and negatives weigh 1)."""
    total = sum_counts(h.counts for h in train)
    rng = np.random.default_rng(SEED)
    xs, ys, ws = [], [], []
    for home in train:
        if home.candidates is None or home.labels is None or not home.labels.any():
            continue
        rates = SynergyModel(total - home.counts - (excluded or KindCounts())).rates()
        features = with_rates(home.candidates, rates).features
        pos = np.flatnonzero(home.labels == 1)
        neg = np.flatnonzero(home.labels == 0)
        if neg.size > NEGATIVES_PER_HOME:
            neg = rng.choice(neg, NEGATIVES_PER_HOME, replace=False)
        xs.append(features[np.concatenate([pos, neg])])
        ys.append(np.concatenate([np.ones(pos.size), np.zeros(neg.size)]))
        ws.append(
            np.concatenate([np.full(pos.size, 100 / pos.size), np.full(neg.size, 100 / max(neg.size, 1))])
        )
    if not xs:
        return dict(SynergyModel().weights)
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(np.vstack(xs), np.concatenate(ys), sample_weight=np.concatenate(ws))
    weights = {name: round(float(w), 6) for name, w in zip(FEATURES, model.coef_[0], strict=True)}
    weights["bias"] = round(float(model.intercept_[0]), 6)
    return weights


def fit_model(homes_dir: Path) -> SynergyModel:
    """The model fitted on every calibration home."""
    homes = read_homes(load_calibration_homes(homes_dir))
    total = sum_counts(h.counts for h in homes)
    prepare(homes, total)
    weights = fit_weights(homes)
    info = {
        "source": "real-ha-homes calibration installs (see ../shared/external-data/real-ha-homes/README.md)",
        "homes": len(homes),
        "homes_with_automations": sum(1 for h in homes if h.links),
        "kept": "counts per entity kind and kind pair, and the weights; no entity, name or automation",
    }
    return SynergyModel(total, weights, info)


def main(argv: Sequence[str]) -> int:
    """CLI entry point."""
    if not argv:
        sys.stderr.write(f"{__doc__}\n")
        return 2
    out = Path(argv[1]) if len(argv) > 1 else MODEL_FILE
    model = fit_model(Path(argv[0]))
    model.save(out)
    sys.stdout.write(f"wrote {out}: {model.info['homes']} homes, weights {model.weights}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
