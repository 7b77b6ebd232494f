"""Metric blocks of the training answers, one spelling per figure (what the services compute, typed).

- Home type (`home_type.TrainResponse.metrics` / `.baselines`): held-out scores, confusion matrix with
  its class names, per-class scores, top feature importances, the cross-validation summary with a
  bootstrap interval, and the majority / one-rule baselines on the same homes.
- Failure forecaster (`devices.TrainResponse.metrics` / `.rule_baseline` / `.production_metrics`): the
  forecast figures (device-day precision, failure-level recall), PR curve, calibration table, Brier
  score, positive rate, lead times, recall breakdowns and gain importances.
- Anomaly detection (`devices.TrainResponse.anomaly_metrics`): PR-AUC and precision/recall at the
  stored threshold on held-out device rows and on synthetic sensor streams per injected fault.

Blocks allow extra fields: a service may report more than the gateway and the HA integration read.
Figures a run could not measure are null, never absent-by-another-name.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    """A metric block that keeps any further figures the service adds."""

    model_config = ConfigDict(extra="allow")


class GateSummary(_Open):
    """The service's own quality-gate report (`gates` of a training answer)."""

    passed: bool
    verdict: str = Field(description="PASSED or FAILED")
    checks: list[dict[str, Any]] = Field(default_factory=list)
    message: str | None = None


# --- home type --------------------------------------------------------------------------------------


class Interval(BaseModel):
    """Mean and 95 % percentile interval of a score over bootstrap resamples."""

    mean: float
    ci95_low: float
    ci95_high: float
    resamples: int


class ClassScores(BaseModel):
    """Precision, recall, F1 and support of one class."""

    precision: float
    recall: float
    f1: float
    support: int


class Scores(_Open):
    """Accuracy and macro precision, recall, F1 (the original's names)."""

    accuracy: float
    precision: float
    recall: float
    f1_score: float


class FeatureImportance(BaseModel):
    """One feature's importance as the model reports it."""

    feature: str
    importance: float


class CrossValidation(_Open):
    """Repeated group cross-validation over all homes: pooled out-of-fold scores and macro-F1 interval."""

    method: str
    pooled_out_of_fold: Scores
    macro_f1: Interval
    interval_method: str | None = None
    confusion_matrix: list[list[int]] | None = None
    per_class: dict[str, ClassScores] | None = None


class BaselineCrossValidation(_Open):
    """A baseline's cross-validated figures (same folds as the model)."""

    accuracy: float
    macro_f1: Interval
    model_minus_baseline_macro_f1: Interval | None = None


class HomeTypeBaseline(Scores):
    """A trivial home-type classifier (majority class, one rule) on the model's held-out homes."""

    rule: str
    macro_f1: float
    confusion_matrix: list[list[int]] | None = None
    per_class: dict[str, ClassScores] | None = None
    evaluated_on: str | None = None
    cv: BaselineCrossValidation


class HomeTypeMetrics(Scores):
    """Held-out homes' scores of the home-type classifier, beside cross-validation and baselines."""

    task: str
    macro_f1: float
    split_method: str
    class_names: list[str] = Field(description="Class order of confusion_matrix rows and columns")
    confusion_matrix: list[list[int]] = Field(description="rows: true class, columns: predicted")
    per_class: dict[str, ClassScores]
    test_samples: int
    training_samples: int | None = None
    test_homes: int | None = None
    training_homes: int | None = None
    top_feature_importances: list[FeatureImportance] = Field(default_factory=list)
    cross_validation: CrossValidation
    baselines: dict[str, HomeTypeBaseline] = Field(default_factory=dict)
    estimate_quality: str | None = None


# --- failure forecaster -----------------------------------------------------------------------------


class CalibrationBin(BaseModel):
    """One probability bin: mean predicted probability vs observed failure rate."""

    bin: str
    rows: int
    mean_predicted: float
    observed_rate: float


class PrCurve(BaseModel):
    """A precision-recall curve (thinned; each point is a real threshold)."""

    precision: list[float]
    recall: list[float]
    thresholds: list[float]
    points: int | None = None
    full_points: int | None = None


class LeadTimeByKind(BaseModel):
    """Per failure kind: failures seen, detected within the horizon, and days of warning."""

    failures: int
    detected_within_horizon: int
    alerted_in_lookback: int | None = None
    median_lead_days: float | None = None
    mean_lead_days: float | None = None


class KindRecall(_Open):
    """Failure-level recall of one failure kind."""

    failures: int
    detected: int
    recall: float | None = None


class FailureLevel(_Open):
    """Failure-level counts: a failure counts once, detected when an alert fired in the horizon before it."""

    failures: int
    detected: int
    failure_recall: float | None = None
    failures_with_warning: int | None = None
    detected_with_warning: int | None = None
    warning_recall: float | None = None
    median_lead_days: float | None = None


class ForecastMetrics(_Open):
    """The failure forecaster's test figures of one scorer (model, rule or production) on the same rows.

    `precision` and `accuracy` are per device-day, `recall` per failure that gives warning, `f1_score`
    their harmonic mean; device-day recall and F1 stay as `row_recall` and `row_f1_score`.
    """

    pr_auc: float | None = None
    roc_auc: float | None = None
    precision: float | None = None
    recall: float | None = None
    f1_score: float | None = None
    accuracy: float | None = None
    rows: int | None = None
    positives: int | None = None
    positive_rate: float | None = None
    alerts: int | None = None
    row_recall: float | None = None
    row_f1_score: float | None = None
    failure_recall_all: float | None = None
    median_lead_days: float | None = None
    metric_definitions: str | None = None
    recall_by_kind: dict[str, KindRecall] = Field(default_factory=dict)
    failure_level: FailureLevel | None = None
    lead_days: list[float] = Field(default_factory=list, description="Per detected failure, days of warning")
    lead_days_by_kind: dict[str, list[float]] = Field(default_factory=dict)
    lead_time: dict[str, LeadTimeByKind] = Field(default_factory=dict, description="Per failure kind")
    brier: float | None = None
    calibration: list[CalibrationBin] = Field(default_factory=list)
    pr_curve: PrCurve | None = None
    split_method: str | None = None
    threshold: float | None = None


class CalibratedForecast(ForecastMetrics):
    """A calibrated model's figures: Brier score, ECE and reliability table before and after calibration.

    The calibration is fitted on the validation devices; `brier`, `ece` and `calibration` are after it,
    the `*_uncalibrated` figures are the booster's raw score on the same test rows.
    """

    ece: float | None = None
    ece_uncalibrated: float | None = None
    brier_uncalibrated: float | None = None
    calibration_uncalibrated: list[CalibrationBin] = Field(default_factory=list)
    calibration_method: str | None = None
    risk_bands: dict[str, float] = Field(
        default_factory=dict, description="lower probability bound (0-1) of each risk level at this threshold"
    )
    feature_importances: dict[str, float] = Field(default_factory=dict, description="feature -> share")
    feature_importance_method: str | None = None


class FailureMetrics(CalibratedForecast):
    """The LightGBM history forecaster's figures, and the snapshot model's on the same test rows."""

    snapshot: CalibratedForecast | None = Field(
        None, description="The snapshot model (one reading, no history) on the same test rows"
    )


class RuleBaseline(ForecastMetrics):
    """The original rule scored on the forecaster's test rows."""

    rule: str | None = None


# --- anomaly detection ------------------------------------------------------------------------------


class DetectionScores(_Open):
    """PR-AUC, and precision and recall at the stored threshold, of one evaluation."""

    pr_auc: float | None = None
    precision: float
    recall: float
    readings: int
    anomalous: int


class SensorStreamEvaluation(_Open):
    """The stream detector on healthy synthetic streams with one injected fault each."""

    overall: DetectionScores
    per_fault: dict[str, DetectionScores] = Field(default_factory=dict)
    false_alarm_rate_healthy: float | None = None
    method: str | None = None


class AnomalyMetrics(_Open):
    """Both IsolationForest detectors' evaluations."""

    device_health: DetectionScores | None = None
    sensor_stream: SensorStreamEvaluation | None = None
    score_direction: str | None = None
