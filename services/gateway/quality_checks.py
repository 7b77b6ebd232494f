"""Quality gates as the gateway checks them: a missing metric fails, a baseline must be beaten."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gateway.step_results import Check

# Names a metric may carry in a service answer (the original used f1_score; newer code says f1).
_ALIASES: dict[str, tuple[str, ...]] = {
    "f1_score": ("f1_score", "f1"),
    "f1": ("f1", "f1_score"),
    "macro_f1": ("macro_f1", "f1_macro"),
    "pr_auc": ("pr_auc", "average_precision"),
}


def as_number(value: Any) -> float | None:
    """A finite float, or None for anything else (None, NaN, strings, dicts)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def dig(obj: Any, *path: str) -> Any:
    """`obj[path[0]][path[1]]...`, or None when any step is missing."""
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def find_metric(metrics: Mapping[str, Any], name: str) -> float | None:
    """The value of `name` (or an alias) at the top level of `metrics`, else None."""
    for key in _ALIASES.get(name, (name,)):
        number = as_number(metrics.get(key))
        if number is not None:
            return number
    return None


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


def service_verdict(gates: Any) -> bool | None:
    """The service's own overall gate verdict, if its answer states one."""
    if isinstance(gates, bool):
        return gates
    if isinstance(gates, Mapping):
        for key in ("passed", "all_passed", "ok"):
            if isinstance(gates.get(key), bool):
                return bool(gates[key])
        status = gates.get("status") or gates.get("verdict")
        if isinstance(status, str):
            return status.lower() in {"passed", "pass", "ok"}
    return None


def service_gate_check(gates: Any, service: str) -> Check | None:
    """A check that the service itself agrees the gates pass (None when it says nothing)."""
    verdict = service_verdict(gates)
    if verdict is None:
        return None
    detail = "the service's own gates passed" if verdict else f"{service} reports its own gates FAILED"
    return Check("service gate verdict", verdict, detail)


def waive(checks: list[Check]) -> None:
    """Mark failed checks as waived (`--allow-low-quality`): still shown as failed, not blocking."""
    for check in checks:
        if not check.passed:
            check.waived = True
