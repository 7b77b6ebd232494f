"""The synergy ranker in the model registry (`synergy_ranker`), and the one the service ranks with.

A version holds the model's JSON document (counts, weights, the feedback correction) and, when the
cold-start ranker is LightGBM, its trees as LightGBM text: JSON and text, never pickle. Without a
production version the service ranks with the shipped cold-start model (`priors.json`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeiq_shared.model_registry import ModelRegistry, ModelVersion

if TYPE_CHECKING:  # numpy and scipy are imported on first use: the app starts without ML libraries
    from ai_automation.synergies.model import SynergyModel

logger = logging.getLogger(__name__)

MODEL_NAME = "synergy_ranker"
MODEL_ARTIFACT = "synergy_model.json"
TREES_ARTIFACT = "ranker_lgbm.txt"


@dataclass
class ServedSynergyModel:
    """The app's holder: the production version's model once loaded, else the shipped one."""

    model: SynergyModel | None = None
    version: str | None = None

    def get(self) -> SynergyModel:
        """The model to rank with now."""
        from ai_automation.synergies.model import shipped

        return self.model if self.model is not None else shipped()[0]

    def load(self, registry: ModelRegistry) -> None:
        """Serve the registry's production version (if any); a version that does not load is logged."""
        production = registry.production(MODEL_NAME)
        if production is None:
            self.model, self.version = None, None
            return
        try:
            self.model, self.version = read_version(registry, production), production.version
        except Exception:
            logger.exception(
                "could not load synergy ranker %s; serving the shipped model", production.version
            )
            self.model, self.version = None, None


def read_version(registry: ModelRegistry, version: ModelVersion) -> SynergyModel:
    """The model stored in a registry version (checksums verified by the registry)."""
    from ai_automation.synergies.model import SynergyModel

    doc = json.loads(registry.read_artifact(MODEL_NAME, version.version, MODEL_ARTIFACT))
    trees = None
    if TREES_ARTIFACT in version.artifact_names:
        trees = registry.read_artifact(MODEL_NAME, version.version, TREES_ARTIFACT).decode()
    return SynergyModel.from_json(doc, trees)


def register(registry: ModelRegistry, model: SynergyModel, metadata: dict[str, Any]) -> ModelVersion:
    """A new immutable version of `model` with its metadata (metrics, gates, split, data)."""
    artifacts = {MODEL_ARTIFACT: (json.dumps(model.to_json(), sort_keys=True) + "\n").encode()}
    if model.booster_text is not None:
        artifacts[TREES_ARTIFACT] = model.booster_text.encode()
    return registry.register(MODEL_NAME, artifacts, metadata)
