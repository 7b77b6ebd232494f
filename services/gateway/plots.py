"""Report plots (matplotlib, Agg backend) drawn from what the training answers return."""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from gateway.quality_checks import as_number
from gateway.step_results import ModelRecord

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


def find_key(obj: Any, names: Sequence[str], depth: int = 0) -> Any:
    """The first value under any of `names` in nested dicts (breadth first at each level)."""
    if depth > 4 or not isinstance(obj, Mapping):
        return None
    for name in names:
        if name in obj and obj[name] not in (None, [], {}):
            return obj[name]
    for value in obj.values():
        found = find_key(value, names, depth + 1)
        if found is not None:
            return found
    return None


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def confusion_plot(model: ModelRecord) -> Plot | None:
    """Confusion matrix (rows: true class, columns: predicted) of a classifier's held-out homes."""
    matrix = find_key(model.metrics, ("confusion_matrix",))
    labels = find_key(model.metrics, ("labels", "classes", "class_names"))
    if isinstance(matrix, Mapping):  # {"labels": [...], "matrix": [[...]]}
        labels = matrix.get("labels") or labels
        matrix = matrix.get("matrix") or matrix.get("values")
    if not isinstance(matrix, list) or not matrix or not all(isinstance(r, list) for r in matrix):
        return None
    n = len(matrix)
    names = (
        [str(x) for x in labels]
        if isinstance(labels, list) and len(labels) == n
        else [str(i) for i in range(n)]
    )
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


def _importances(model: ModelRecord) -> list[tuple[str, float]]:
    raw = find_key(
        model.metrics, ("feature_importances", "top_feature_importances", "top_features", "importances")
    )
    pairs: list[tuple[str, float]] = []
    if isinstance(raw, Mapping):
        pairs = [(str(k), v) for k, v in ((k, as_number(v)) for k, v in raw.items()) if v is not None]
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping):
                name, value = item.get("feature") or item.get("name"), as_number(item.get("importance"))
            elif isinstance(item, list | tuple) and len(item) == 2:
                name, value = item[0], as_number(item[1])
            else:
                continue
            if name is not None and value is not None:
                pairs.append((str(name), value))
    return sorted(pairs, key=lambda p: abs(p[1]), reverse=True)[:_TOP_FEATURES]


def importance_plot(model: ModelRecord) -> Plot | None:
    """The largest feature importances, as the service reports them."""
    pairs = _importances(model)
    if not pairs:
        return None
    names, values = zip(*reversed(pairs), strict=True)
    method = find_key(model.metrics, ("feature_importance_method", "importance_method"))
    gain = isinstance(method, str) and "gain" in method
    fig, ax = plt.subplots(figsize=(_FIGSIZE[0] + 0.6, 0.26 * len(pairs) + 1.3))
    ax.barh(names, values, color="#4c72b0")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("share of the model's split gain" if gain else "importance")
    ax.set_title(f"{model.title}: top {len(pairs)} feature importances", fontsize=10)
    return Plot(f"{model.key}_importances", f"{model.title}: feature importances", _png(fig))


def _operating_point(metrics: Any) -> tuple[float, float] | None:
    if not isinstance(metrics, Mapping):
        return None
    p, r = as_number(metrics.get("precision")), as_number(metrics.get("recall"))
    return None if p is None or r is None else (r, p)


def _pr_points(metrics: Any) -> tuple[list[float], list[float]] | None:
    """(recall, precision) of a returned PR curve, or None when there is no usable curve."""
    curve = find_key(metrics, ("pr_curve", "precision_recall_curve"))
    if not isinstance(curve, Mapping):
        return None
    precision = [as_number(v) for v in curve.get("precision") or []]
    recall = [as_number(v) for v in curve.get("recall") or []]
    pairs = [(r, p) for r, p in zip(recall, precision, strict=False) if r is not None and p is not None]
    if len(pairs) < 2 or len(precision) != len(recall):
        return None
    return [r for r, _ in pairs], [p for _, p in pairs]


def pr_plot(model: ModelRecord) -> Plot | None:
    """Precision-recall curves of the held-out rows, model beside its baselines, with operating points."""
    curve = _pr_points(model.metrics)
    point = _operating_point(model.metrics)
    if curve is None and point is None:
        return None
    fig, ax = plt.subplots(figsize=_FIGSIZE)
    pr_auc = as_number(model.metrics.get("pr_auc"))
    label = f"model (PR-AUC {pr_auc:.3f})" if pr_auc is not None else "model"
    if curve is not None:
        ax.plot(curve[0], curve[1], color="#4c72b0", label=label)
    if point is not None:
        ax.scatter([point[0]], [point[1]], marker="o", color="#4c72b0", zorder=3,
                   label="model at its threshold" if curve is not None else label + " at its threshold")  # fmt: skip
    for (name, base), colour in zip(model.baselines.items(), _BASELINE_COLOURS * 4, strict=False):
        base_curve, base_point = _pr_points(base), _operating_point(base)
        base_auc = as_number(base.get("pr_auc")) if isinstance(base, Mapping) else None
        base_label = f"{name} baseline" + (f" (PR-AUC {base_auc:.3f})" if base_auc is not None else "")
        if base_curve is not None:
            ax.plot(base_curve[0], base_curve[1], color=colour, linestyle="--", marker=".", label=base_label)
        if base_point is not None:
            ax.scatter([base_point[0]], [base_point[1]], marker="x", color=colour, zorder=3,
                       label=f"{name} baseline at its operating point" if base_curve is not None else base_label)  # fmt: skip
    rate = as_number(find_key(model.metrics, ("positive_rate",)))
    if rate is not None:
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


def calibration_plot(model: ModelRecord) -> Plot | None:
    """Reliability diagram: mean predicted probability vs observed rate per bin."""
    table = find_key(model.metrics, ("calibration", "calibration_table", "reliability"))
    if isinstance(table, Mapping):
        table = table.get("bins") or table.get("table")
    if not isinstance(table, list):
        return None
    points = [
        (
            as_number(r.get("mean_predicted")),
            as_number(r.get("observed_rate")),
            as_number(r.get("rows")) or 1.0,
        )
        for r in table
        if isinstance(r, Mapping)
    ]
    clean = [(p, o, n) for p, o, n in points if p is not None and o is not None]
    if not clean:
        return None
    fig, ax = plt.subplots(figsize=_FIGSIZE)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    xs, ys, _ = zip(*clean, strict=True)
    ax.plot(xs, ys, marker="o", label="model")
    for x, y, n in clean:
        ax.annotate(f"{n:.0f}", (x, y), fontsize=7, textcoords="offset points", xytext=(3, 3))
    brier = as_number(find_key(model.metrics, ("brier", "brier_score")))
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed failure rate")
    ax.legend(fontsize=8)
    ax.set_title(
        f"{model.title}: calibration" + (f" (Brier {brier:.4f})" if brier is not None else ""), fontsize=10
    )
    return Plot(f"{model.key}_calibration", f"{model.title}: calibration (labels: rows per bin)", _png(fig))


def _numbers(raw: Any) -> list[float]:
    return [v for v in (as_number(x) for x in raw) if v is not None] if isinstance(raw, list) else []


def _lead_histogram(model: ModelRecord, ax: Any) -> str | None:
    """Stacked histogram of each detected failure's lead days (by kind when given), rule as an outline."""
    values = _numbers(model.metrics.get("lead_days"))
    if not values:
        return None
    by_kind = model.metrics.get("lead_days_by_kind")
    groups = (
        {str(k): _numbers(v) for k, v in by_kind.items() if _numbers(v)}
        if isinstance(by_kind, Mapping)
        else {}
    )
    if sum(len(v) for v in groups.values()) != len(values):
        groups = {"all kinds": values}
    rules = [(n, _numbers(b.get("lead_days"))) for n, b in model.baselines.items() if isinstance(b, Mapping)]
    top = max([*values, *(v for _, r in rules for v in r)])
    edges = [x + 0.5 for x in range(int(top) + 1)]
    ax.hist(list(groups.values()), bins=edges, stacked=True, label=list(groups), rwidth=0.85)
    for (name, rule), colour in zip(rules, _BASELINE_COLOURS, strict=False):
        if rule:
            ax.hist(rule, bins=edges, histtype="step", color=colour, linewidth=1.5,
                    label=f"{name} baseline ({len(rule)} detected)")  # fmt: skip
    ax.set_xlabel("days from the first alert to the failure")
    ax.set_ylabel("detected failures")
    ax.legend(fontsize=7)
    level = model.metrics.get("failure_level")
    total = level.get("failures") if isinstance(level, Mapping) else None
    of = f" of {total}" if isinstance(total, int) else ""
    return f"{model.title}: failure lead time ({len(values)}{of} test failures detected)"


def _lead_fallback(model: ModelRecord, ax: Any) -> str | None:
    """Older answers: any list of lead times as a histogram, or medians per failure kind."""
    raw = find_key(model.metrics, ("lead_time_days", "lead_times_days", "lead_times", "lead_time"))
    values = _numbers(raw)
    if values:
        ax.hist(values, bins=min(20, max(5, len(set(values)))), color="#55a868")
        ax.set_xlabel("days from first alert to failure")
        ax.set_ylabel("failures")
        return f"{model.title}: failure lead time ({len(values)} failures)"
    if not isinstance(raw, Mapping):
        return None
    bars = [
        (str(k), as_number(v.get("median_lead_days")) or 0.0, v)
        for k, v in raw.items()
        if isinstance(v, Mapping)
    ]
    if not bars:
        return None
    ax.bar([b[0] for b in bars], [b[1] for b in bars], color="#55a868")
    for i, (_, height, info) in enumerate(bars):
        ax.annotate(
            f"{info.get('detected_within_horizon', '?')}/{info.get('failures', '?')}",
            (i, height),
            ha="center",
            fontsize=7,
            textcoords="offset points",
            xytext=(0, 2),
        )
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    ax.set_ylabel("median lead (days)")
    return f"{model.title}: median lead time per failure kind (detected/failures)"


def lead_time_plot(model: ModelRecord) -> Plot | None:
    """Days from the first alert to each detected failure (per-failure lead days when the answer has them)."""
    fig, ax = plt.subplots(figsize=_FIGSIZE)
    title = _lead_histogram(model, ax) or _lead_fallback(model, ax)
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
