"""HTTP shapes of device-intelligence (Pydantic, strict: unknown names, strings for numbers, NaN -> 422)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.config import JsonDict

from homeiq_shared.contracts.metrics import AnomalyMetrics, FailureMetrics, ForecastMetrics, RuleBaseline
from homeiq_shared.contracts.training import TrainAnswer

MAX_BATCH = 10_000
"""Most devices per /predict/batch and readings per /telemetry request (documented limit)."""
MAX_STREAM = 200_000
"""Most readings per /anomalies/sensor request (about 2 years of 5-minute readings)."""

DeviceId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
]


def _number(ge: float | None = None, le: float | None = None, description: str = "") -> Any:
    return Field(None, ge=ge, le=le, strict=True, allow_inf_nan=False, description=description)


_FIRST, _END = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    """A time with a zone, as UTC (stored and answered as UTC: SQLite keeps no offset), in 1970-2100."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a time zone (ISO-8601 with Z or an offset)")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 has no UTC time
        raise ValueError("time is outside 1970-2100") from None
    if not _FIRST <= utc < _END:
        raise ValueError("time is outside 1970-2100")
    return utc


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class Metrics(BaseModel):
    """The 11 health metrics; every one optional (missing = not reported, never zero); no other names."""

    model_config = ConfigDict(extra="forbid")

    response_time: float | None = _number(0, 600_000, "ms")
    error_rate: float | None = _number(0, 1, "share of failed requests, 0..1")
    battery_level: float | None = _number(0, 100, "%")
    signal_strength: float | None = _number(-150, 30, "dBm")
    usage_frequency: float | None = _number(0, 1, "share of time in use, 0..1")
    temperature: float | None = _number(-80, 200, "°C")
    humidity: float | None = _number(0, 100, "%")
    uptime_hours: float | None = _number(0, 1_000_000, "hours since the last restart")
    restart_count: float | None = _number(0, 100_000, "restarts in the reporting period (count >= 0)")
    connection_drops: float | None = _number(0, 100_000, "drops in the reporting period (count >= 0)")
    data_transfer_rate: float | None = _number(0, 10_000_000, "KB/s")


_PREDICT_EXAMPLE: JsonDict = {
    "device_id": "sensor.kitchen_motion",
    "metrics": {"battery_level": 64.0, "signal_strength": -71.0, "error_rate": 0.02, "temperature": 21.5},
}


class PredictRequest(BaseModel):
    """One device's current metrics (the original /predict body)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_PREDICT_EXAMPLE]})

    device_id: DeviceId = Field(
        description="The HA device id (as telemetry was stored) or any of the device's entity ids; the "
        "answer's history_device_id names the stored device whose history was used"
    )
    metrics: Metrics


class BatchPredictRequest(BaseModel):
    """Many devices at once (at most MAX_BATCH)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"devices": [_PREDICT_EXAMPLE]}]}
    )

    devices: list[PredictRequest] = Field(min_length=1, max_length=MAX_BATCH)


class Driver(BaseModel):
    """A feature that pushes the failure probability up (SHAP log-odds contribution)."""

    feature: str
    contribution: float


RiskLevel = Literal["critical", "high", "medium", "low", "minimal"]


class RiskBands(BaseModel):
    """Lower probability bounds (0-1) of the risk levels; below `low` is minimal.

    They follow the model's operating point t (its alert threshold): low = t/2, medium = t,
    high = max(0.6, t), critical = max(0.8, t); so an alerted device is never below medium.
    """

    critical: float
    high: float
    medium: float
    low: float


class PredictResponse(BaseModel):
    """The original response fields plus what explains them.

    Every probability is a 0-1 fraction named `probability`; `failure_probability` is the original's
    percent (100 x probability), kept for compatibility.
    """

    device_id: str = Field(description="The id as sent (an HA device id or one of its entity ids)")
    history_device_id: str | None = Field(
        None, description="The stored device whose history was used (null: none stored for this id)"
    )
    probability: float = Field(
        ge=0.0, le=1.0, description="Calibrated probability (0-1) that the device fails within horizon_days"
    )
    failure_probability: float = Field(description="The same in percent, 0-100 (the original's field)")
    risk_level: RiskLevel = Field(description="The band of `probability` in risk_bands")
    will_fail_within_horizon: bool = Field(description="probability >= alert_threshold")
    alert_threshold: float | None = Field(
        None, description="The model's operating point (0-1), chosen on the validation devices"
    )
    risk_bands: RiskBands | None = None
    horizon_days: int
    basis: Literal["snapshot", "history"] = Field(
        "history",
        description="snapshot: the reading alone (fewer than 7 daily rows stored); history: the rolling windows",
    )
    anomaly_score: float = Field(
        description="IsolationForest s(x) in 0..1; higher = more anomalous, ~0.5 ordinary"
    )
    is_anomaly: bool = Field(description="anomaly_score >= the threshold stored with the model")
    confidence: float = Field(description="|2p-1|, halved when only the snapshot was used")
    recommendations: list[str]
    drivers: list[Driver]
    history_days_used: int = Field(
        description="daily rows the model used, the reading included (1 = the snapshot alone)"
    )
    history_days_available: int | None = Field(
        None, description="daily rows available in the 28-day window, the reading included"
    )
    used_snapshot_only: bool
    predicted_at: datetime
    model_version: str


class BatchPredictResponse(BaseModel):
    """Predictions in request order."""

    predictions: list[PredictResponse]
    count: int
    model_version: str


class TelemetryReadingIn(BaseModel):
    """One reading of one device at one time."""

    model_config = ConfigDict(extra="forbid")

    device_id: DeviceId
    timestamp: AwareDatetime
    metrics: Metrics


class TelemetryBatch(BaseModel):
    """Many readings, stored all-or-nothing (at most MAX_BATCH)."""

    model_config = ConfigDict(extra="forbid")

    readings: list[TelemetryReadingIn] = Field(min_length=1, max_length=MAX_BATCH)


class TelemetryStored(BaseModel):
    """How many readings were new and how many were already stored (same device and timestamp)."""

    received: int
    stored: int
    duplicates: int


class FailureIn(BaseModel):
    """A confirmed failure of a device (a label for retraining)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "device_id": "sensor.kitchen_motion",
                    "failed_at": "2026-12-01T03:00:00Z",
                    "kind": "confirmed",
                }
            ]
        },
    )

    device_id: DeviceId
    failed_at: AwareDatetime
    kind: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "confirmed"
    notes: Annotated[str, StringConstraints(max_length=1000)] | None = None


class FailureOut(BaseModel):
    """A stored confirmed failure."""

    id: int
    device_id: str
    failed_at: datetime
    kind: str
    notes: str | None
    created: bool


class SensorReading(BaseModel):
    """One state of a numeric sensor: a number, or the state string as HA writes it ("21.5", "unavailable")."""

    model_config = ConfigDict(extra="forbid")

    timestamp: AwareDatetime
    value: (
        Annotated[float, Field(strict=True, allow_inf_nan=False)]
        | Annotated[str, StringConstraints(max_length=255)]
    ) = Field(
        description="A number or HA's state string; `unavailable`, `unknown` and other non-numeric states are "
        "skipped (counted in `skipped`), not refused"
    )


class SensorRequest(BaseModel):
    """A sensor's history (hours to months of readings)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "entity_id": "sensor.living_room_temperature",
                    "unit": "°C",
                    "readings": [
                        {"timestamp": "2026-12-01T03:00:00Z", "value": 21.2},
                        {"timestamp": "2026-12-01T03:05:00Z", "value": 21.3},
                        {"timestamp": "2026-12-01T03:10:00Z", "value": 21.1},
                    ],
                }
            ]
        },
    )

    entity_id: Annotated[
        str, StringConstraints(min_length=3, max_length=255, pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$")
    ]
    unit: Annotated[str, StringConstraints(max_length=32)] | None = None
    readings: list[SensorReading] = Field(min_length=3, max_length=MAX_STREAM)


class SensorReadingScore(BaseModel):
    """Score of one reading (input order)."""

    timestamp: datetime
    anomaly_score: float = Field(description="max(forest score, seasonal score on the forest's scale)")
    is_anomaly: bool
    forest_score: float | None = Field(
        None, description="IsolationForest s(x) on the trailing-window features"
    )
    seasonal_z: float | None = Field(
        None, description="robust z against the same hour of earlier days and weekdays (0 = no baseline yet)"
    )


class SensorSpan(BaseModel):
    """A run of flagged readings."""

    start: datetime
    end: datetime
    readings: int
    peak_score: float
    kind: Literal["stuck", "spike", "drift", "unusual"]


class SensorResponse(BaseModel):
    """Per-reading scores in input order plus the flagged spans in time order."""

    entity_id: str
    unit: str | None
    readings: list[SensorReadingScore]
    spans: list[SensorSpan]
    threshold: float
    score_direction: str = "higher = more anomalous"
    model_version: str
    skipped: int = Field(
        0, description="readings whose state was not a number (not scored, not in `readings`)"
    )
    skipped_states: dict[str, int] = Field(
        default_factory=dict, description="skipped readings by state: unavailable, unknown, non_numeric"
    )
    sampling_interval_seconds: float | None = Field(
        None, description="median gap between readings: trailing windows are durations converted through it"
    )
    method: str | None = None


class TrainRequest(BaseModel):
    """Options of a training run (the CLI's); an empty body trains on synthetic data with the CLI defaults."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [{"source": "synthetic", "synthetic_count": 1000, "days": 180}]},
    )

    force: bool = Field(
        False,
        validation_alias=AliasChoices("force", "force_retrain"),
        description="Retrain even when production is current for this data (never forces a promotion)",
    )
    promote: bool = Field(
        True,
        description="Promote when the quality gates pass and the model is not worse than production on the "
        "same test rows; false: register and evaluate only. A model whose gates fail is never promoted "
        "here (use POST /api/predictions/models/{version}/promote with force).",
    )
    source: Literal["auto", "synthetic", "stored", "mixed"] = "auto"
    mode: Literal["full", "incremental"] = "full"
    synthetic_count: int = Field(1000, ge=20, le=20_000)
    days: int = Field(180, ge=30, le=1_000)
    days_back: int | None = Field(None, ge=30, le=1_000, description="original name of days")
    seed: int = Field(42, ge=0, le=2**31 - 1)
    horizon_days: int = Field(7, ge=1, le=30)
    gate_thresholds: dict[Literal["accuracy", "precision", "recall", "f1_score"], float] | None = Field(
        None, description="Override the original gate thresholds (0-1) for this run, e.g. from the gateway"
    )

    @field_validator("gate_thresholds")
    @classmethod
    def _thresholds_in_range(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for metric, minimum in (value or {}).items():
            if not 0.0 <= minimum <= 1.0:
                raise ValueError(f"gate threshold for {metric} must be within 0..1, got {minimum}")
        return value


class TrainResponse(TrainAnswer):
    """Outcome of a training run (`status`, `decision`, `reason`... as in `contracts.training.TrainAnswer`).

    `reason` holds the promotion rule's words; before, `decision` held them (such an answer still parses).
    """

    model_name: str = "failure_prediction"
    anomaly_version: str | None
    production_version: str | None
    source: str
    metrics: FailureMetrics
    rule_baseline: RuleBaseline
    production_metrics: ForecastMetrics | None
    anomaly_metrics: AnomalyMetrics
    gates: dict[str, Any]
    seconds: dict[str, float]
    registry: dict[str, Any] = Field(
        default_factory=dict,
        description="per model name, the registered version's artifacts {file: {sha256, size_bytes}}, "
        "training-data fingerprint, library versions and feature schema version",
    )


ModelName = Literal["failure_prediction", "anomaly_detection"]
"""The registry names device-intelligence serves."""


class ModelStatus(BaseModel):
    """`GET /api/predictions/models/status`: the original's fields (`is_trained`, `model_performance`,
    `feature_columns`, `model_metadata`, `last_updated`) plus both served models' registry entries.

    With no model served, `is_trained` is false, `reason` may say why, and the rest is null (HTTP 200:
    a status; routes that need the model answer 503)."""

    is_trained: bool
    reason: str | None = Field(None, description="Why no model is served (load error), if known")
    model_version: str | None = None
    anomaly_model_version: str | None = None
    model_performance: dict[str, Any] | None = Field(
        None, description="accuracy, precision, recall, f1_score, pr_auc on the held-out test rows (0-1)"
    )
    rule_baseline: dict[str, Any] | None = None
    gates: str | None = Field(None, description="PASSED or FAILED (null when none recorded)")
    feature_columns: list[str] | None = None
    horizon_days: int | None = None
    anomaly_thresholds: dict[str, float] | None = None
    model_metadata: dict[str, Any] | None = None
    anomaly_model_metadata: dict[str, Any] | None = None
    models: dict[str, dict[str, Any]] | None = Field(
        None, description="Per registry name: artifacts with sha256, lineage, gates, metrics"
    )
    last_updated: str | None = Field(None, description="created_at of the served failure version")


class ModelVersionResponse(BaseModel):
    """`GET /api/predictions/models/version`: the served production version, as the original's fields
    (503 problem detail when no model is served)."""

    version: str
    anomaly_version: str | None
    training_date: str | None
    model_performance: dict[str, Any] | None
    training_data_stats: dict[str, Any] | None
    model_type: str | None
    scikit_learn_version: str | None
    lightgbm_version: str | None
    timestamp: datetime
