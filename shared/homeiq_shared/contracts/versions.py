"""HTTP shapes of model-version promotion, rollback, details and comparison (both services, models.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

VERSION_PATTERN = r"^v\d{4,}-\d{8}T\d{6}Z$"
ACTOR_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@/+ -]*$"


class PromoteRequest(BaseModel):
    """Optional body of `POST .../models/{version}/promote`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"force": False, "reason": "better held-out F1", "actor": "api"}]},
    )

    force: bool = Field(
        False, description="Promote even though the version's quality gates failed (recorded as forced)"
    )
    reason: str | None = Field(None, min_length=1, max_length=500, description="Why (kept in the history)")
    actor: str = Field(
        "api",
        min_length=1,
        max_length=64,
        pattern=ACTOR_PATTERN,
        description="Who: api, pipeline, models.py...",
    )


class RollbackRequest(BaseModel):
    """Optional body of `POST .../models/rollback`: which version to serve again, who and why (recorded)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"version": "v0001-20261201T030000Z", "reason": "regression", "actor": "api"}]
        },
    )

    version: str | None = Field(
        None,
        pattern=VERSION_PATTERN,
        description="The kept version to serve again (default: the previous production version)",
    )
    reason: str | None = Field(None, min_length=1, max_length=500)
    actor: str = Field("api", min_length=1, max_length=64, pattern=ACTOR_PATTERN)


class CompareRequest(BaseModel):
    """Body of `POST .../models/compare`: score versions `a` and `b` on `b`'s held-out data."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"a": "v0001-20261201T030000Z", "b": "v0002-20261202T030000Z"}]},
    )

    a: str = Field(pattern=VERSION_PATTERN, description="A version id, e.g. the production one")
    b: str = Field(pattern=VERSION_PATTERN, description="The version whose held-out rows are rebuilt")


class VersionSwitch(BaseModel):
    """One alias switch (promote or rollback) of one registry model, as recorded in its history."""

    model: str = Field(description="Registry name, e.g. failure_prediction or home_type_full")
    version: str = Field(description="The version production now names")
    previous: str | None = Field(description="The version production named before (kept for rollback)")
    action: Literal["promote", "rollback"]
    changed: bool = Field(description="False when the version already was production (nothing recorded)")
    forced: bool = Field(description="True when force overrode failed quality gates")
    actor: str
    reason: str
    gates_verdict: str | None = Field(description="PASSED, FAILED, or null when no gates were recorded")


class VersionSwitchResponse(VersionSwitch):
    """The answer of promote and rollback: the switch, switches made with it, and what is served now."""

    production: str | None
    paired: list[VersionSwitch] = Field(
        default_factory=list, description="Models switched with it (device-intelligence: the anomaly model)"
    )
    load_error: str | None = Field(None, description="Why the served models could not be reloaded, if so")


class ArtifactInfo(BaseModel):
    """One stored artifact of a version, as recorded at registration (checked before every load)."""

    name: str
    sha256: str
    size_bytes: int


def artifact_list(metadata: dict[str, Any]) -> list[ArtifactInfo]:
    """The artifacts recorded in a version's metadata.json, as contract objects."""
    records = metadata.get("artifacts") or {}
    return [ArtifactInfo(name=name, **record) for name, record in sorted(records.items())]


class VersionSummary(BaseModel):
    """One registered version in a version list."""

    version: str
    created_at: str | None
    trigger: str | None = Field(description="api, nightly or cli")
    is_production: bool
    is_previous: bool
    gates_verdict: str | None = Field(description="PASSED, FAILED, or null when no gates were recorded")
    split_method: str | None = Field(description="How the held-out metrics were split")
    headline: dict[str, float | int | None] = Field(
        default_factory=dict,
        description="The model's headline metric(s): home types macro_f1_cv, macro_f1, accuracy; "
        "failure_prediction pr_auc, precision, recall, f1_score, accuracy",
    )


class VersionList(BaseModel):
    """`GET .../models?model|task=...`: every kept version of one registry model, oldest first."""

    model: str = Field(description="Registry name, e.g. failure_prediction or home_type_full")
    production: str | None
    previous: str | None
    versions: list[VersionSummary]


class VersionDetail(BaseModel):
    """One registered version: metadata (long lists summarised), gates, and the switches that named it."""

    model: str
    version: str
    created_at: str
    trigger: str | None
    is_production: bool
    is_previous: bool
    gates_verdict: str | None
    artifacts: list[ArtifactInfo] = Field(default_factory=list, description="Stored files with their sha256")
    training_data_fingerprint: str | None = Field(
        None, description="sha256 of the data the version was trained on (metadata training_data.fingerprint)"
    )
    feature_schema_version: int | str | None = Field(
        None, description="Version of the feature layout the artifact expects"
    )
    library_versions: dict[str, str] | None = Field(
        None, description="Python and ML library versions the artifact was built with"
    )
    switches: list[dict[str, Any]]
    metadata: dict[str, Any]


class VersionFigures(BaseModel):
    """One side of a comparison: the version's own recorded test figures and its figures on the common set."""

    version: str
    created_at: str | None
    gates_verdict: str | None
    recorded: dict[str, Any] = Field(description="Headline test metrics recorded when it was trained")
    on_common_set: dict[str, Any] | None = Field(
        description="The same metrics on the common evaluation set (null when it could not be rebuilt)"
    )


class ComparisonResponse(BaseModel):
    """Two versions of one model scored on the same rows: `b`'s held-out data, rebuilt."""

    model: str
    a: VersionFigures
    b: VersionFigures
    common_set: dict[str, Any] | None = Field(description="What the common rows are (basis, size, source)")
    note: str | None = Field(None, description="Why there is no common set, or what to keep in mind")
