"""The shipped cold-start model: counts, the linear scorer's weights and the LightGBM ranker.

`priors.json` (counts and weights) and `ranker_lgbm.txt` (LightGBM's own text format) are written by
`python -m ai_automation.synergies.fit` from the real-ha-homes calibration installs (derived counts,
weights and trees only; attribution in that folder's README). JSON and text, never pickle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ai_automation.synergies.priors import KindCounts, KindRates
from ai_automation.synergies.ranking import FEATURES, Candidates, linear_score

if TYPE_CHECKING:
    import lightgbm as lgb

MODEL_FILE = Path(__file__).with_name("priors.json")
RANKER_SUFFIX = "_ranker_lgbm.txt"
# Before any fit: the rule table's own preferences (same area, shared words, the curated table).
RULE_WEIGHTS: dict[str, float] = {"same_area": 2.0, "shared_tokens": 1.0, "curated": 3.0, "diagnostic": -2.0}


def ranker_file(path: Path) -> Path:
    """Where the LightGBM trees of the model in `path` live (`priors.json` -> `priors_ranker_lgbm.txt`)."""
    return path.with_name(path.stem + RANKER_SUFFIX)


@dataclass
class SynergyModel:
    """Counts for the statistics features, the linear weights and, when fitted, the LightGBM ranker."""

    counts: KindCounts = field(default_factory=KindCounts)
    weights: dict[str, float] = field(default_factory=lambda: dict(RULE_WEIGHTS))
    info: dict[str, Any] = field(default_factory=dict)
    booster_text: str | None = None

    def rates(self) -> KindRates:
        """The smoothed kind rates of these counts."""
        return KindRates(self.counts)

    @property
    def ranker_name(self) -> str:
        """Which scorer ranks: `lightgbm` (with or without graph features) or `linear`."""
        if self.booster_text is None:
            return "linear"
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

    def score(self, candidates: Candidates) -> NDArray[np.float64]:
        """The ranking score of every candidate (LightGBM when shipped, else the linear score)."""
        booster = self._booster
        if booster is None or len(candidates) == 0:
            return linear_score(candidates, self.weights)
        raw = booster.predict(candidates.features[:, self._columns()], num_threads=1)
        return np.asarray(raw, dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        """The file's document."""
        return {"info": self.info, "weights": self.weights, "counts": self.counts.to_json()}

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
        doc = json.loads(path.read_text())
        weights = {
            str(k): float(v) for k, v in doc.get("weights", {}).items() if k in FEATURES or k == "bias"
        }
        trees = ranker_file(path)
        booster = trees.read_text() if trees.is_file() else None
        return cls(KindCounts.from_json(doc.get("counts", {})), weights, dict(doc.get("info", {})), booster)
