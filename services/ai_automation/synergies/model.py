"""The shipped cold-start model: kind-pair counts and the linear scorer's weights, in one JSON file.

`priors.json` is written by `python -m ai_automation.synergies.fit` from the real-ha-homes calibration
installs (derived counts and weights only; attribution in that folder's README). JSON, never pickle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ai_automation.synergies.priors import KindCounts, KindRates
from ai_automation.synergies.ranking import FEATURES

MODEL_FILE = Path(__file__).with_name("priors.json")
# Before any fit: the rule table's own preferences (same area, shared words, the curated table).
RULE_WEIGHTS: dict[str, float] = {"same_area": 2.0, "shared_tokens": 1.0, "curated": 3.0, "diagnostic": -2.0}


@dataclass
class SynergyModel:
    """Counts for the kind rates and the weights of the linear score."""

    counts: KindCounts = field(default_factory=KindCounts)
    weights: dict[str, float] = field(default_factory=lambda: dict(RULE_WEIGHTS))
    info: dict[str, Any] = field(default_factory=dict)

    def rates(self) -> KindRates:
        """The smoothed kind rates of these counts."""
        return KindRates(self.counts)

    def to_json(self) -> dict[str, Any]:
        """The file's document."""
        return {"info": self.info, "weights": self.weights, "counts": self.counts.to_json()}

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the model as JSON."""
        path.write_text(json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> SynergyModel:
        """The model in `path`, or the rule-table weights without counts when there is none."""
        if not path.is_file():
            return cls()
        doc = json.loads(path.read_text())
        weights = {
            str(k): float(v) for k, v in doc.get("weights", {}).items() if k in FEATURES or k == "bias"
        }
        return cls(KindCounts.from_json(doc.get("counts", {})), weights, dict(doc.get("info", {})))
