"""HTTP shapes of `/api/home-type` (Pydantic at the edge only; homes stay plain dicts below it)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from homeiq_shared.contracts.metrics import HomeTypeBaseline, HomeTypeMetrics
from homeiq_shared.contracts.server_paths import ServerPath
from homeiq_shared.contracts.training import TrainAnswer
from homeiq_shared.contracts.versions import CompareRequest

Task = Literal["full", "binary"]


class TrainRequest(BaseModel):
    """Body of `POST /api/home-type/train`: which dataset, which task, how to split."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"dataset_id": "ds-20261201T030000-a1b2c3", "task": "full", "test_size": 0.2}]
        },
    )

    dataset_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="A generated dataset's id"
    )
    dataset_path: ServerPath | None = Field(None, description="A dataset folder on the server")
    task: Task = Field("full", description="full: every home type; binary: apartment vs standard_home")
    test_size: float = Field(0.2, gt=0.0, lt=1.0, description="Share of homes held out (split by home)")
    seed: int = Field(42, ge=0, le=2**32 - 1)
    augment: int = Field(0, ge=0, le=10, description="Augmented copies per training home (never test homes)")
    promote: bool = Field(
        True,
        description="Promote when the quality gates pass and the model is not worse than production; false: "
        "register and evaluate only. A model whose gates fail is never promoted here (use "
        "POST /api/home-type/models/{version}/promote with force).",
    )

    @model_validator(mode="after")
    def _one_dataset(self) -> TrainRequest:
        if (self.dataset_id is None) == (self.dataset_path is None):
            raise ValueError("give exactly one of dataset_id or dataset_path")
        return self


class TrainResponse(TrainAnswer):
    """A finished training run: the registered version, its metrics, gates and the promotion decision.

    `status`, `decision`, `reason`, `promoted`, `version`, `run_id` and `split_method` are the fields
    both services' answers share (`contracts.training.TrainAnswer`).
    """

    task: Task
    model_name: str
    version: str
    gates: dict[str, Any]
    metrics: HomeTypeMetrics
    baselines: dict[str, HomeTypeBaseline]
    split_method: str


class PredictRequest(BaseModel):
    """Body of `POST /api/home-type/predict`: one home or a list, in home-file or minimal shape."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "home": {
                        "areas": [{"name": "Kitchen"}, {"name": "Living Room"}],
                        "devices": [
                            {"entity_id": "light.kitchen", "area": "Kitchen"},
                            {"entity_id": "media_player.tv", "area": "Living Room"},
                        ],
                        "events": {
                            "entity_id": ["light.kitchen", "media_player.tv"],
                            "timestamp": ["2026-12-01T07:00:00+00:00", "2026-12-01T19:30:00+00:00"],
                            "event_type": ["state_changed", "state_changed"],
                        },
                    },
                    "task": "full",
                }
            ]
        },
    )

    home: dict[str, Any] | None = Field(
        None,
        description=(
            "One home: areas (each may name its floor: `floor_id` or `floor`), devices, optional floors (HA's "
            "floor registry: objects with `floor_id` / `name`, or names; at most 1,000, read when no area names "
            "a floor; 20 floors at most are counted), optional events. Events are a list of event objects "
            "(`entity_id`, `timestamp` or `time_fired`, `event_type`) or, faster, columns "
            '`{"entity_id": [...], "timestamp": [...], "event_type": [...]}`; a timestamp is '
            "ISO-8601 or UNIX seconds."
        ),
    )
    homes: list[dict[str, Any]] | None = Field(None, min_length=1, max_length=10_000)
    task: Task = "full"

    @model_validator(mode="after")
    def _one_shape(self) -> PredictRequest:
        if (self.home is None) == (self.homes is None):
            raise ValueError("give exactly one of home or homes")
        return self


class HomeTypePrediction(BaseModel):
    """One home's predicted type."""

    home_type: str
    confidence: float
    probabilities: dict[str, float]
    model_version: str | None
    features_used: list[str]
    caveats: list[str] = Field(
        default_factory=list,
        description="What the prediction could not lean on, e.g. a registry whose areas hold nothing "
        "(its area features describe names, not rooms); empty when nothing is amiss",
    )


class PredictBatchResponse(BaseModel):
    """Predictions for `homes`, in input order."""

    predictions: list[HomeTypePrediction]


class HomeTypeCompareRequest(CompareRequest):
    """Body of `POST /api/home-type/models/compare`: two versions of one task's model."""

    task: Task = "full"
