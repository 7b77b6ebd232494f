"""Quality gates: metric thresholds (the original's by default) and "beats its baseline" checks."""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypedDict

logger = logging.getLogger(__name__)

HOME_TYPE_THRESHOLDS: Mapping[str, float] = MappingProxyType(
    {"accuracy": 0.90, "precision": 0.85, "recall": 0.85, "f1_score": 0.85}
)
"""The original's gate for the binary apartment / standard_home task."""

DEVICE_INTELLIGENCE_THRESHOLDS: Mapping[str, float] = MappingProxyType(
    {"accuracy": 0.85, "precision": 0.80, "recall": 0.80, "f1_score": 0.80}
)
"""The original's gate for the device-intelligence (failure prediction) model."""

FORECAST_MIN_MEDIAN_LEAD_DAYS = 2.0
"""A failure forecaster must also warn early enough to act: median days from first alert to failure."""

DEFAULT_THRESHOLDS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {"home_type": HOME_TYPE_THRESHOLDS, "device_intelligence": DEVICE_INTELLIGENCE_THRESHOLDS}
)
"""Default thresholds per gated model, keyed as in the original pipeline."""

Verdict = Literal["PASSED", "FAILED"]


class GateCheck(TypedDict):
    """One check: `value` must be >= (or > for baselines) `threshold`; `gap` > 0 is the shortfall."""

    metric: str
    value: float | None
    threshold: float | None
    comparison: Literal[">=", ">"]
    passed: bool
    gap: float | None
    reason: str


def _usable(value: float | None) -> float | None:
    # Only real numbers count: a string or a bool in a metrics file is not a measurement.
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _check(metric: str, raw: float | None, threshold: float, comparison: Literal[">=", ">"]) -> GateCheck:
    value = _usable(raw)
    if value is None:
        # A metric that was not measured is a failed check, never a silent pass.
        return GateCheck(
            metric=metric,
            value=None,
            threshold=threshold,
            comparison=comparison,
            passed=False,
            gap=None,
            reason=f"{metric} is missing or not a finite number",
        )
    passed = value >= threshold if comparison == ">=" else value > threshold
    word = "meets" if passed else "is below"
    return GateCheck(
        metric=metric,
        value=value,
        threshold=threshold,
        comparison=comparison,
        passed=passed,
        gap=round(threshold - value, 10),
        reason=f"{metric} {value:.4f} {word} {comparison} {threshold:.4f}",
    )


def _validate_thresholds(thresholds: Mapping[str, float]) -> dict[str, float]:
    if not thresholds:
        raise ValueError("a quality gate needs at least one threshold")
    clean: dict[str, float] = {}
    for metric, threshold in thresholds.items():
        number = _usable(threshold)
        if number is None:
            raise ValueError(f"threshold for {metric!r} must be a finite number, got {threshold!r}")
        clean[metric] = number
    return clean


def thresholds_for(model: str, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The default thresholds of `model` ("home_type" | "device_intelligence") with `overrides` applied."""
    if model not in DEFAULT_THRESHOLDS:
        raise KeyError(f"no default gate for {model!r}; known: {sorted(DEFAULT_THRESHOLDS)}")
    merged = dict(DEFAULT_THRESHOLDS[model])
    merged.update(overrides or {})
    return _validate_thresholds(merged)


@dataclass(frozen=True)
class GateReport:
    """The outcome of a gate: every check, and PASSED only when all of them passed."""

    checks: list[GateCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when there is at least one check and every check passed."""
        return bool(self.checks) and all(check["passed"] for check in self.checks)

    @property
    def verdict(self) -> Verdict:
        """Either PASSED or FAILED."""
        return "PASSED" if self.passed else "FAILED"

    @property
    def failed(self) -> list[GateCheck]:
        """The checks that failed."""
        return [check for check in self.checks if not check["passed"]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (keeps the original's metrics_checked/passed/failed keys)."""
        failed = self.failed
        message = (
            "all quality gates passed"
            if self.passed
            else "; ".join(check["reason"] for check in failed) or "no checks were run"
        )
        return {
            "passed": self.passed,
            "verdict": self.verdict,
            "checks": [dict(check) for check in self.checks],
            "metrics_checked": [check["metric"] for check in self.checks],
            "metrics_passed": [check["metric"] for check in self.checks if check["passed"]],
            "metrics_failed": [
                {
                    "metric": check["metric"],
                    "value": check["value"],
                    "threshold": check["threshold"],
                    "gap": check["gap"],
                }
                for check in failed
            ],
            "message": message,
        }


def evaluate_gates(
    metrics: Mapping[str, float | None],
    thresholds: Mapping[str, float],
    extra_checks: Iterable[GateCheck] = (),
) -> GateReport:
    """Check each thresholded metric (missing, None or NaN fails) plus any `extra_checks`."""
    clean = _validate_thresholds(thresholds)
    checks = [_check(metric, metrics.get(metric), threshold, ">=") for metric, threshold in clean.items()]
    checks.extend(extra_checks)
    report = GateReport(checks=checks)
    if not report.passed:
        logger.info("quality gate FAILED: %s", [check["reason"] for check in report.failed])
    return report


def at_least(metric: str, value: float | None, threshold: float) -> GateCheck:
    """A check that `metric` is >= `threshold` (missing or not finite fails)."""
    return _check(metric, value, threshold, ">=")


def beats_baseline(
    model_score: float | None, baseline_score: float | None, metric_name: str, margin: float = 0.0
) -> GateCheck:
    """A check that the model's `metric_name` is strictly above its baseline's plus `margin`."""
    baseline = _usable(baseline_score)
    margin_value = _usable(margin)
    if margin_value is None or margin_value < 0:
        raise ValueError(f"margin must be a finite number >= 0, got {margin!r}")
    metric = f"{metric_name}_vs_baseline"
    if baseline is None:
        return GateCheck(
            metric=metric,
            value=_usable(model_score),
            threshold=None,
            comparison=">",
            passed=False,
            gap=None,
            reason=f"baseline {metric_name} is missing or not a finite number",
        )
    return _check(metric, model_score, baseline + margin_value, ">")
