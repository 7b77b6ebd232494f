"""Quality gates as the gateway checks them: a missing metric fails, a baseline must be beaten."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gateway.step_results import Check
from homeiq_shared.contracts.metrics import GateSummary


def as_number(value: Any) -> float | None:
    """A finite float, or None for anything else (None, NaN, strings, dicts)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def find_metric(metrics: Mapping[str, Any], name: str) -> float | None:
    """The number under `name` (the contract's one spelling) at the top level of `metrics`, else None."""
    return as_number(metrics.get(name))


def threshold_checks(
    metrics: Mapping[str, Any],
    thresholds: Mapping[str, float],
    scope: str,
    beside: tuple[str, Mapping[str, Any]] | None = None,
) -> list[Check]:
    """One check per threshold; a metric the service did not return fails its check.

    `beside` = (label, metrics): the same metric from another evaluation, shown next to the gated value.
    """
    checks = []
    for metric, minimum in thresholds.items():
        value = find_metric(metrics, metric)
        if value is None:
            checks.append(
                Check(
                    f"{metric} >= {minimum:.2f}",
                    False,
                    f"{scope}: {metric} missing from the answer",
                    None,
                    minimum,
                )
            )
            continue
        ok = value >= minimum
        gap = "" if ok else f" (short by {minimum - value:.3f})"
        other = find_metric(beside[1], metric) if beside else None
        also = f"; {beside[0]}: {other:.3f}" if beside and other is not None else ""
        checks.append(
            Check(
                f"{metric} >= {minimum:.2f}",
                ok,
                f"{scope}: {metric} = {value:.3f}{gap}{also}",
                value,
                minimum,
            )
        )
    return checks


def baseline_value(baseline: Any, metric: str) -> float | None:
    """A baseline's figure for `metric`: the baseline is either a number or a dict of metrics."""
    if isinstance(baseline, Mapping):
        return find_metric(baseline, metric)
    return as_number(baseline)


def baseline_checks(model_value: float | None, baselines: Mapping[str, Any], metric: str) -> list[Check]:
    """The model must beat every baseline on `metric`; no baseline at all is itself a failure."""
    if not baselines:
        return [Check(f"beats baselines on {metric}", False, "the service returned no baseline")]
    checks = []
    for name, baseline in baselines.items():
        base = baseline_value(baseline, metric)
        label = f"{metric} beats {name} baseline"
        if model_value is None or base is None:
            missing = "model" if model_value is None else f"baseline {name}"
            checks.append(Check(label, False, f"{metric} of the {missing} is missing"))
            continue
        ok = model_value > base
        checks.append(Check(label, ok, f"model {model_value:.3f} vs {name} {base:.3f}", model_value, base))
    return checks


def service_gate_check(gates: GateSummary | None, service: str) -> Check | None:
    """A check that the service itself agrees the gates pass (None when its answer has no gate report)."""
    if gates is None:
        return None
    detail = "the service's own gates passed" if gates.passed else f"{service} reports its own gates FAILED"
    return Check("service gate verdict", gates.passed, detail)


def waive(checks: list[Check]) -> None:
    """Mark failed checks as waived (`--allow-low-quality`): still shown as failed, not blocking."""
    for check in checks:
        if not check.passed:
            check.waived = True
