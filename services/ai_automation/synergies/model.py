"""The shipped cold-start model: counts, the linear scorer's weights and, optionally, a LightGBM ranker.

`priors.json` (counts and weights) and `priors_ranker_lgbm.txt` (LightGBM's own text format, only when
a LightGBM ranker ships) are written by `python -m ai_automation.synergies.fit` from the real-ha-homes
calibration installs (derived counts, weights and trees only; attribution in that folder's README).
JSON and text, never pickle.

What ships is what won the leave-one-home-out bench (`bench/bench_synergies.py`): the prior below,
whose statistics features come from the fitted counts. The fitted scorers (logistic regression,
LightGBM with and without graph features) learn owner-specific habits of 15 homes that do not
transfer to the 16th, and rank below it there; they stay in the bench as baselines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ai_automation.synergies.priors import KindCounts, KindRates
from ai_automation.synergies.ranking import FEATURES, GRAPH_FEATURES, Candidates, linear_score

if TYPE_CHECKING:
    import lightgbm as lgb

MODEL_FILE = Path(__file__).with_name("priors.json")
RANKER_SUFFIX = "_ranker_lgbm.txt"
# The shipped prior (set by hand, not fitted): the hand-written table's sensor patterns first (3),
# the rest of the pattern library (1), same area (2) and each shared specific word (1) as the table
# has them; entities of one device and diagnostic entities down (-2: a plug's power sensor switching
# that plug is one thing, a battery level is rarely a trigger); the real automations' statistics
# (log rates of the trigger kind, the action kind and the share of links of the domain pair per such
# pair in the home) at 0.3 per log unit, to order what the table leaves tied.
PRIOR_WEIGHTS: dict[str, float] = {
    "sensor_pattern": 3.0,
    "curated": 1.0,
    "same_area": 2.0,
    "shared_tokens": 1.0,
    "same_device": -2.0,
    "diagnostic": -2.0,
    "trigger_rate": 0.3,
    "action_rate": 0.3,
    "link_pair_share": 0.3,
}


def ranker_file(path: Path) -> Path:
    """Where the LightGBM trees of the model in `path` live (`priors.json` -> `priors_ranker_lgbm.txt`)."""
    return path.with_name(path.stem + RANKER_SUFFIX)


@dataclass
class SynergyModel:
    """Counts for the statistics features, the linear weights and, when fitted, the LightGBM ranker."""

    counts: KindCounts = field(default_factory=KindCounts)
    weights: dict[str, float] = field(default_factory=lambda: dict(PRIOR_WEIGHTS))
    info: dict[str, Any] = field(default_factory=dict)
    booster_text: str | None = None
    adjustment: dict[str, float] | None = None
    """The owner-feedback correction (`feedback.py`): weights by feature name (+ `bias`) added to the
    score; None until a nightly re-ranker has been promoted."""

    def rates(self) -> KindRates:
        """The smoothed kind rates of these counts."""
        return KindRates(self.counts)

    @property
    def ranker_name(self) -> str:
        """Which scorer ranks: `lightgbm` (with or without graph features), else the linear weights'
        name (`prior` as shipped, `linear` when fitted)."""
        if self.booster_text is None:
            return str(self.info.get("ranker", "prior"))
        return "lightgbm" if set(self._columns()) == set(range(len(FEATURES))) else "lightgbm_no_graph"

    @cached_property
    def _booster(self) -> lgb.Booster | None:
        if self.booster_text is None:
            return None
        import lightgbm as lgb

        booster = lgb.Booster(model_str=self.booster_text)
        unknown = set(booster.feature_name()) - set(FEATURES)
        if unknown:
            raise ValueError(f"ranker features {sorted(unknown)} are not computed by this code")
        return booster

    def _columns(self) -> list[int]:
        booster = self._booster
        return [FEATURES.index(f) for f in booster.feature_name()] if booster is not None else []

    @property
    def uses_graph(self) -> bool:
        """Whether any graph feature moves this model's score (else candidates need not compute them)."""
        if self._booster is not None:
            return any(FEATURES[i] in GRAPH_FEATURES for i in self._columns())
        weighted = [self.weights, self.adjustment or {}]
        return any(w.get(name, 0.0) != 0.0 for w in weighted for name in GRAPH_FEATURES)

    def score(self, candidates: Candidates) -> NDArray[np.float64]:
        """The ranking score of every candidate."""
        return self.score_features(candidates.features)

    def base_score(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """The cold-start score of feature rows (in `FEATURES` order): LightGBM when shipped, else linear."""
        booster = self._booster
        if booster is None or features.shape[0] == 0:
            return linear_score(features, self.weights)
        raw = booster.predict(features[:, self._columns()], num_threads=1)
        return np.asarray(raw, dtype=np.float64)

    def score_features(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """The served score of feature rows: the cold-start score plus the feedback correction, if any."""
        base = self.base_score(features)
        return base if self.adjustment is None else base + linear_score(features, self.adjustment)

    def with_adjustment(self, adjustment: dict[str, float] | None, info: dict[str, Any]) -> SynergyModel:
        """This cold-start model with another feedback correction (the counts and trees are shared)."""
        return SynergyModel(self.counts, self.weights, {**self.info, **info}, self.booster_text, adjustment)

    def to_json(self) -> dict[str, Any]:
        """The file's document."""
        doc = {"info": self.info, "weights": self.weights, "counts": self.counts.to_json()}
        if self.adjustment is not None:
            doc["feedback_adjustment"] = self.adjustment
        return doc

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the model as JSON (+ the trees as LightGBM text when there are some)."""
        path.write_text(json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n")
        trees = ranker_file(path)
        if self.booster_text is not None:
            trees.write_text(self.booster_text)
        elif trees.exists():
            trees.unlink()

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> SynergyModel:
        """The model in `path`, or the rule-table weights without counts when there is none."""
        if not path.is_file():
            return cls()
        trees = ranker_file(path)
        return cls.from_json(json.loads(path.read_text()), trees.read_text() if trees.is_file() else None)

    @classmethod
    def from_json(cls, doc: dict[str, Any], booster_text: str | None = None) -> SynergyModel:
        """The model of a `to_json` document (+ its trees as LightGBM text)."""
        adjustment = doc.get("feedback_adjustment")
        return cls(
            KindCounts.from_json(doc.get("counts", {})),
            _weights(doc.get("weights", {})),
            dict(doc.get("info", {})),
            booster_text,
            None if adjustment is None else _weights(adjustment),
        )


def _weights(raw: dict[str, Any]) -> dict[str, float]:
    """Weights by feature name (+ `bias`); names this code does not compute are dropped."""
    return {str(k): float(v) for k, v in raw.items() if k in FEATURES or k == "bias"}


@cache
def shipped() -> tuple[SynergyModel, KindRates]:
    """The shipped model and its kind rates, loaded once per process (detect and asks share them)."""
    model = SynergyModel.load()
    return model, model.rates()
