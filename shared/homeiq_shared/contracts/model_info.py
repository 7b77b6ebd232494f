"""`GET <prefix>/model-info`: the production model a service serves for a task, as the original's envelope.

The original answered `{"status": "success", "model_info": {is_loaded, model_version, training_date,
class_names, feature_names}}`; both services now answer that envelope with the same fields. With
no model served, `is_loaded` is false and the rest is null (HTTP 200: this is a status, not a use
of the model; routes that need the model answer 503).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from homeiq_shared.contracts.versions import ArtifactInfo


class ModelInfo(BaseModel):
    """The served production model of one registry name."""

    is_loaded: bool
    model_name: str = Field(description="Registry name, e.g. home_type_full or failure_prediction")
    model_version: str | None = None
    training_date: str | None = Field(None, description="created_at of the version (UTC ISO-8601)")
    trigger: str | None = Field(None, description="api, nightly or cli")
    class_names: list[str] | None = None
    feature_names: list[str] | None = None
    feature_schema_version: int | str | None = None
    split_method: str | None = Field(None, description="How the held-out metrics were split")
    hyperparameters: dict[str, Any] | None = None
    training_data: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    gates_verdict: str | None = Field(None, description="PASSED or FAILED (null when none recorded)")
    artifacts: list[ArtifactInfo] | None = None
    library_versions: dict[str, str] | None = None


class ModelInfoResponse(BaseModel):
    """The envelope of `GET <prefix>/model-info`."""

    status: Literal["success"] = "success"
    task: str = Field(description="The task or registry name asked about")
    model_info: ModelInfo
