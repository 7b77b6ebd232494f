"""The home-type model: a full model and a composition-only one, persisted with skops, checked at load."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ai_automation.home_type.features import (
    COMPOSITION,
    FEATURE_NAMES,
    FEATURE_SCHEMA_VERSION,
    FeatureRow,
    extract_features,
    group_columns,
)
from ai_automation.home_type.home_view import HomeInputError
from ai_automation.home_type.metrics import TASKS
from ai_automation.home_type.packed_forest import PackedForest
from homeiq_shared.artifacts import ArtifactError, dump_sklearn, load_sklearn
from homeiq_shared.errors import InvalidInputError, NoModelError
from homeiq_shared.model_registry import ModelRegistry

if TYPE_CHECKING:
    from sklearn.ensemble import RandomForestClassifier

logger = logging.getLogger(__name__)

MODEL_NAMES: Mapping[str, str] = {"full": "home_type_full", "binary": "home_type_binary"}
"""Registry name of each task's models; each has its own production alias."""

ARTIFACT_FILE = "model.skops"


class ModelNotTrainedError(NoModelError):
    """No production model exists yet for the requested task (503 `no-model`, as device-intelligence answers)."""


class ModelIncompatibleError(ArtifactError):
    """A stored model was trained on other feature names or another feature schema version."""

    title = "Model incompatible with this code"
    slug = "model-incompatible"


def model_name(task: str) -> str:
    """The registry name of a task's models."""
    if task not in MODEL_NAMES:
        raise InvalidInputError(f"unknown task {task!r}; expected one of {list(TASKS)}")
    return MODEL_NAMES[task]


# Up to this many rows the packed walk is fastest; beyond, scikit-learn's compiled per-tree loop wins.
_PACKED_ROWS = 64


def _proba(
    forest: RandomForestClassifier, packed: PackedForest, rows: NDArray[np.float64]
) -> NDArray[np.float64]:
    if rows.shape[0] <= _PACKED_ROWS:
        return packed.predict_proba(rows)
    result: NDArray[np.float64] = forest.predict_proba(rows)
    return result


_AREA_COUNT = FEATURE_NAMES.index("area_count")
_PLACED_AREAS = FEATURE_NAMES.index("placed_area_count")
_ONBOARDING_AREAS = tuple(FEATURE_NAMES.index(f"areas_{kind}") for kind in ("living", "kitchen", "bedroom"))


def caveats(values: NDArray[np.float64]) -> tuple[str, ...]:
    """What a prediction cannot lean on, said beside it. A registry whose areas hold nothing describes
    names, not rooms: 16 of the 36 real installs without a label are HA's three onboarding areas
    (living room, kitchen, bedroom), none used (README, real homes), and no generated home looks so."""
    areas, placed = int(values[_AREA_COUNT]), int(values[_PLACED_AREAS])
    if areas == 0:
        return ("no area is declared: the prediction rests on the devices alone",)
    if placed:
        return ()
    if areas == 3 and all(values[i] == 1 for i in _ONBOARDING_AREAS):
        what = "the only areas are HA's three onboarding ones (living room, kitchen, bedroom), none used"
    else:
        what = f"none of the {areas} declared areas holds a device or an entity"
    return (f"{what}: the area features describe names, not where anything is",)


@dataclass(frozen=True)
class Prediction:
    """One home's prediction, which feature groups (and so which model) produced it, and what it could
    not lean on."""

    home_type: str
    confidence: float
    probabilities: dict[str, float]
    model_version: str | None
    features_used: tuple[str, ...]
    caveats: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "home_type": self.home_type,
            "confidence": self.confidence,
            "probabilities": self.probabilities,
            "model_version": self.model_version,
            "features_used": list(self.features_used),
            "caveats": list(self.caveats),
        }


@dataclass
class HomeTypeModel:
    """Fitted models of one task; `full` serves homes with events, `composition` those without."""

    task: str
    classes: list[str]
    full: RandomForestClassifier
    composition: RandomForestClassifier
    version: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._comp_cols = group_columns([COMPOSITION])
        for name, est, width in (
            ("full", self.full, len(FEATURE_NAMES)),
            ("composition", self.composition, self._comp_cols.size),
        ):
            if int(getattr(est, "n_features_in_", -1)) != width:
                raise ModelIncompatibleError(
                    f"{name} model expects {getattr(est, 'n_features_in_', '?')} features, code has {width}"
                )
            codes = np.asarray(est.classes_)
            if codes.max() >= len(self.classes):
                raise ModelIncompatibleError(f"{name} model knows more classes than {self.classes}")
        self._packed_full = PackedForest.of(self.full)
        self._packed_composition = PackedForest.of(self.composition)

    def predict_rows(self, rows: Sequence[FeatureRow]) -> list[Prediction]:
        """Predict feature rows in input order, batched per model."""
        out: list[Prediction | None] = [None] * len(rows)
        with_events = [i for i, row in enumerate(rows) if len(row.groups_used) > 1]
        without = [i for i, row in enumerate(rows) if len(row.groups_used) == 1]
        for indices, est, packed, cols in (
            (with_events, self.full, self._packed_full, None),
            (without, self.composition, self._packed_composition, self._comp_cols),
        ):
            if not indices:
                continue
            batch = np.vstack([rows[i].values for i in indices])
            proba = _proba(est, packed, batch if cols is None else batch[:, cols])
            for i, p in zip(indices, proba, strict=True):
                out[i] = self._prediction(p, est.classes_, rows[i].groups_used, caveats(rows[i].values))
        return [p for p in out if p is not None]

    def _prediction(
        self,
        proba: NDArray[np.float64],
        codes: NDArray[np.int64],
        groups: tuple[str, ...],
        notes: tuple[str, ...],
    ) -> Prediction:
        probabilities = dict.fromkeys(self.classes, 0.0)
        for code, value in zip(codes, proba, strict=True):
            probabilities[self.classes[int(code)]] = round(float(value), 6)
        best = max(probabilities, key=lambda c: probabilities[c])
        return Prediction(best, probabilities[best], probabilities, self.version, groups, notes)

    def predict_homes(self, homes: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        """Featurise and predict homes; a bad home raises `HomeInputError` naming its position."""
        rows = []
        for i, home in enumerate(homes):
            try:
                rows.append(extract_features(home))
            except HomeInputError as exc:
                raise HomeInputError(f"homes[{i}]: {exc}" if len(homes) > 1 else str(exc)) from exc
        return self.predict_rows(rows)

    def artifact_bytes(self) -> bytes:
        """The skops artifact (both estimators; everything else lives in metadata.json)."""
        return dump_sklearn({"full": self.full, "composition": self.composition})


def check_compatible(metadata: Mapping[str, Any]) -> None:
    """Refuse a model whose feature names or schema version differ from this code's."""
    version = metadata.get("feature_schema_version")
    if version != FEATURE_SCHEMA_VERSION:
        raise ModelIncompatibleError(
            f"model uses feature schema {version!r}, this code computes {FEATURE_SCHEMA_VERSION!r}; retrain it"
        )
    if list(metadata.get("feature_names") or []) != list(FEATURE_NAMES):
        raise ModelIncompatibleError("model feature names differ from this code's feature table; retrain it")


def load_model(registry: ModelRegistry, task: str, version: str | None = None) -> HomeTypeModel:
    """Load a task's production (or a given) version after the sha256, trusted-type and feature checks."""
    name = model_name(task)
    if version is None:
        production = registry.production(name)
        if production is None:
            raise ModelNotTrainedError(f"no {task!r} home-type model has been trained and promoted yet")
        version = production.version
    metadata = registry.metadata(name, version)
    check_compatible(metadata)
    data = registry.read_artifact(name, version, ARTIFACT_FILE)
    loaded = load_sklearn(data)
    if not isinstance(loaded, dict) or set(loaded) != {"full", "composition"}:
        raise ModelIncompatibleError(
            f"{name} {version}: artifact does not hold the full and composition models"
        )
    return HomeTypeModel(
        task=task,
        classes=list(metadata["classes"]),
        full=loaded["full"],
        composition=loaded["composition"],
        version=version,
        metadata=metadata,
    )


def load_production_models(registry: ModelRegistry) -> dict[str, HomeTypeModel]:
    """Every task's production model that exists and loads; failures are logged, never raised."""
    models: dict[str, HomeTypeModel] = {}
    for task in MODEL_NAMES:
        try:
            models[task] = load_model(registry, task)
        except ModelNotTrainedError:
            continue
        except Exception:
            logger.exception("could not load the production %s home-type model", task)
        else:
            logger.info("loaded home-type %s model %s", task, models[task].version)
    return models
