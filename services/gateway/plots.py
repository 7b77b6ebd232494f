"""Report plots (matplotlib, Agg backend) drawn from what the training answers return."""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from gateway.quality_checks import as_number
from gateway.step_results import ModelRecord
from homeiq_shared.contracts.metrics import FailureMetrics, ForecastMetrics, RuleBaseline

logger = logging.getLogger(__name__)

_FIGSIZE = (5.2, 3.6)
_TOP_FEATURES = 20
_BASELINE_COLOURS = ("crimson", "#dd8452", "#937860")


@dataclass(frozen=True)
class Plot:
    """One rendered figure: a file-name slug, a caption and PNG bytes."""

    slug: str
    title: str
    png: bytes


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def confusion_plot(model: ModelRecord) -> Plot | None:
    """Confusion matrix (rows: true class, columns: predicted) of a classifier's held-out homes."""
    if model.home_type is None or not model.home_type.confusion_matrix:
        return None
    matrix, names = model.home_type.confusion_matrix, model.home_type.class_names
    n = len(matrix)
    if len(names) != n:
        names = [str(i) for i in range(n)]
    fig, ax = plt.subplots(figsize=(max(3.6, 0.7 * n + 2), max(3.0, 0.6 * n + 1.6)))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(n), names, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(n), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    peak = max((max(r) for r in matrix if r), default=0) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(
                j,
                i,
                str(value),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if value > peak / 2 else "black",
            )
    ax.set_title(f"{model.title}: confusion matrix", fontsize=10)
    return Plot(f"{model.key}_confusion", f"{model.title}: confusion matrix", _png(fig))


def _importances(model: ModelRecord) -> tuple[list[tuple[str, float]], str | None]:
    """The largest importances, largest first, and how they were measured (when the service says)."""
    if model.forecast is not None:
        pairs = list(model.forecast.feature_importances.items())
        method = model.forecast.feature_importance_method
    elif model.home_type is not None:
        pairs = [(f.feature, f.importance) for f in model.home_type.top_feature_importances]
        method = None
    else:
        return [], None
    return sorted(pairs, key=lambda p: abs(p[1]), reverse=True)[:_TOP_FEATURES], method


def importance_plot(model: ModelRecord) -> Plot | None:
    """The largest feature importances, as the service reports them."""
    pairs, method = _importances(model)
    if not pairs:
        return None
    names, values = zip(*reversed(pairs), strict=True)
    gain = method is not None and "gain" in method
    fig, ax = plt.subplots(figsize=(_FIGSIZE[0] + 0.6, 0.26 * len(pairs) + 1.3))
    ax.barh(names, values, color="#4c72b0")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("share of the model's split gain" if gain else "importance")
    ax.set_title(f"{model.title}: top {len(pairs)} feature importances", fontsize=10)
    return Plot(f"{model.key}_importances", f"{model.title}: feature importances", _png(fig))


def _operating_point(metrics: ForecastMetrics) -> tuple[float, float] | None:
    p, r = metrics.precision, metrics.recall
    return None if p is None or r is None else (r, p)


def _pr_points(metrics: ForecastMetrics) -> tuple[list[float], list[float]] | None:
    """(recall, precision) of a returned PR curve, or None when there is no usable curve."""
    curve = metrics.pr_curve
    if curve is None or len(curve.precision) != len(curve.recall) or len(curve.recall) < 2:
        return None
    return curve.recall, curve.precision


def pr_plot(model: ModelRecord) -> Plot | None:
    """Precision-recall curves of the held-out rows, model beside its rule baseline, with operating points."""
    metrics = model.forecast
    if metrics is None:
        return None
    curve = _pr_points(metrics)
    point = _operating_point(metrics)
    if curve is None and point is None:
        return None
    fig, ax = plt.subplots(figsize=_FIGSIZE)
    label = f"model (PR-AUC {metrics.pr_auc:.3f})" if metrics.pr_auc is not None else "model"
    if curve is not None:
        ax.plot(curve[0], curve[1], color="#4c72b0", label=label)
    if point is not None:
        ax.scatter([point[0]], [point[1]], marker="o", color="#4c72b0", zorder=3,
                   label="model at its threshold" if curve is not None else label + " at its threshold")  # fmt: skip
    if model.rule is not None:
        base, colour = model.rule, _BASELINE_COLOURS[0]
        base_curve, base_point = _pr_points(base), _operating_point(base)
        base_label = "rule baseline" + (f" (PR-AUC {base.pr_auc:.3f})" if base.pr_auc is not None else "")
        if base_curve is not None:
            ax.plot(base_curve[0], base_curve[1], color=colour, linestyle="--", marker=".", label=base_label)
        if base_point is not None:
            ax.scatter([base_point[0]], [base_point[1]], marker="x", color=colour, zorder=3,
                       label="rule baseline at its operating point" if base_curve is not None else base_label)  # fmt: skip
    if metrics.positive_rate is not None:
        rate = metrics.positive_rate
        ax.axhline(rate, color="grey", linestyle=":", label=f"chance ({rate:.3f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    suffix = (
        "precision-recall" if curve is not None else "precision-recall operating points (no curve returned)"
    )
    ax.set_title(f"{model.title}: {suffix}", fontsize=9)
    return Plot(f"{model.key}_pr", f"{model.title}: {suffix}", _png(fig))


def pr_auc_bars(model: ModelRecord) -> Plot | None:
    """PR-AUC of each evaluated part next to chance (for models scored on several fault kinds)."""
    bars = [(k.removesuffix("_pr_auc"), v) for k, v in model.metrics.items() if k.endswith("pr_auc")]
    values = [(k, n) for k, v in bars if (n := as_number(v)) is not None]
    if not values:
        return None
    fig, ax = plt.subplots(figsize=(_FIGSIZE[0], 0.35 * len(values) + 1.4))
    names, heights = zip(*values, strict=True)
    ax.barh(names, heights, color="#8172b2", label="model PR-AUC")
    chance: dict[str, float | None] = {}
    for base in model.baselines.values():
        if isinstance(base, Mapping):
            chance |= {
                k.removesuffix("_pr_auc"): as_number(v) for k, v in base.items() if k.endswith("pr_auc")
            }
    for i, name in enumerate(names):
        level = chance.get(name)
        if level is not None:
            ax.plot([level, level], [i - 0.4, i + 0.4], color="crimson")
    ax.set_xlim(0, 1)
    ax.set_xlabel("PR-AUC (red: chance)")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(f"{model.title}: PR-AUC by evaluation", fontsize=10)
    return Plot(f"{model.key}_pr_auc", f"{model.title}: PR-AUC by evaluation", _png(fig))


def _reliability(ax: Any, bins: list[Any], label: str, **style: Any) -> None:
    xs, ys = [b.mean_predicted for b in bins], [b.observed_rate for b in bins]
    ax.plot(xs, ys, marker="o", label=label, **style)


def _fig(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def calibration_plot(model: ModelRecord) -> Plot | None:
    """Reliability diagram on the test devices: the raw booster, after calibration, and the snapshot model."""
    if model.forecast is None or not model.forecast.calibration:
        return None
    forecast = model.forecast
    fig, ax = plt.subplots(figsize=_FIGSIZE)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    if forecast.calibration_uncalibrated:
        _reliability(ax, forecast.calibration_uncalibrated, "history, before calibration", color="#dd8452")
    _reliability(ax, forecast.calibration, "history, calibrated", color="#4c72b0")
    for b in forecast.calibration:
        ax.annotate(
            f"{b.rows}", (b.mean_predicted, b.observed_rate), fontsize=7, textcoords="offset points",
            xytext=(3, 3),
        )  # fmt: skip
    if forecast.snapshot is not None and forecast.snapshot.calibration:
        _reliability(
            ax, forecast.snapshot.calibration, "snapshot, calibrated", color="#55a868", linestyle="--"
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed failure rate")
    ax.legend(fontsize=7, loc="lower right")
    before = (
        f"Brier {_fig(forecast.brier_uncalibrated)} -> {_fig(forecast.brier)}, "
        f"ECE {_fig(forecast.ece_uncalibrated)} -> {_fig(forecast.ece)}"
        if forecast.brier_uncalibrated is not None
        else f"Brier {_fig(forecast.brier)}"
    )
    ax.set_title(f"{model.title}: calibration ({before})", fontsize=8)
    return Plot(
        f"{model.key}_calibration",
        f"{model.title}: reliability on the test devices, before/after calibration (labels: rows per bin)",
        _png(fig),
    )


def _lead_histogram(metrics: FailureMetrics, rule: RuleBaseline | None, title: str, ax: Any) -> str | None:
    """Stacked histogram of each detected failure's lead days (by kind), the rule's as an outline."""
    values = metrics.lead_days
    if not values:
        return None
    groups = {kind: days for kind, days in metrics.lead_days_by_kind.items() if days}
    if sum(len(v) for v in groups.values()) != len(values):
        groups = {"all kinds": values}
    rule_days = rule.lead_days if rule is not None else []
    top = max([*values, *rule_days])
    edges = [x + 0.5 for x in range(int(top) + 1)]
    ax.hist(list(groups.values()), bins=edges, stacked=True, label=list(groups), rwidth=0.85)
    if rule_days:
        ax.hist(rule_days, bins=edges, histtype="step", color=_BASELINE_COLOURS[0], linewidth=1.5,
                label=f"rule baseline ({len(rule_days)} detected)")  # fmt: skip
    ax.set_xlabel("days from the first alert to the failure")
    ax.set_ylabel("detected failures")
    ax.legend(fontsize=7)
    total = metrics.failure_level.failures if metrics.failure_level is not None else None
    of = f" of {total}" if total is not None else ""
    return f"{title}: failure lead time ({len(values)}{of} test failures detected)"


def _lead_by_kind(metrics: FailureMetrics, title: str, ax: Any) -> str | None:
    """Median lead days per failure kind (when no per-failure lead days were returned)."""
    bars = [(kind, lead.median_lead_days or 0.0, lead) for kind, lead in metrics.lead_time.items()]
    if not bars:
        return None
    ax.bar([b[0] for b in bars], [b[1] for b in bars], color="#55a868")
    for i, (_, height, lead) in enumerate(bars):
        ax.annotate(
            f"{lead.detected_within_horizon}/{lead.failures}",
            (i, height),
            ha="center",
            fontsize=7,
            textcoords="offset points",
            xytext=(0, 2),
        )
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    ax.set_ylabel("median lead (days)")
    return f"{title}: median lead time per failure kind (detected/failures)"


def lead_time_plot(model: ModelRecord) -> Plot | None:
    """Days from the first alert to each detected failure (else the median lead per failure kind)."""
    if model.forecast is None:
        return None
    fig, ax = plt.subplots(figsize=_FIGSIZE)
    title = _lead_histogram(model.forecast, model.rule, model.title, ax) or _lead_by_kind(
        model.forecast, model.title, ax
    )
    if title is None:
        plt.close(fig)
        return None
    ax.set_title(title, fontsize=9)
    return Plot(f"{model.key}_lead_time", title, _png(fig))


def plots_for(model: ModelRecord) -> tuple[list[Plot], list[str]]:
    """Every plot the model's answer allows, and the names of those it does not."""
    makers = {
        "confusion matrix": confusion_plot,
        "feature importances": importance_plot,
        "precision-recall curve": pr_plot,
        "calibration": calibration_plot,
        "failure lead time": lead_time_plot,
        "PR-AUC by evaluation": pr_auc_bars,
    }
    wanted = {
        "home_type_binary": ("confusion matrix", "feature importances"),
        "home_type_full": ("confusion matrix", "feature importances"),
        "failure_prediction": (
            "precision-recall curve",
            "calibration",
            "failure lead time",
            "feature importances",
        ),
        "anomaly_detection": ("PR-AUC by evaluation",),
    }.get(model.key, ())
    plots, missing = [], []
    for name in wanted:
        try:
            plot = makers[name](model)
        except Exception:  # a malformed curve must not cost the whole report
            logger.exception("could not draw %s for %s", name, model.key)
            plot = None
        if plot is None:
            missing.append(name)
        else:
            plots.append(plot)
    return plots, missing
