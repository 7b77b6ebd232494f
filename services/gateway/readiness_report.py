"""The production-readiness report: verdict first, then steps, models, checks, timings, how to reproduce."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gateway.plots import Plot, plots_for
from gateway.quality_checks import as_number, find_metric
from gateway.report_render import Document, to_html, to_markdown
from gateway.step_results import Check, ModelRecord, RunResult, Status
from homeiq_shared.contracts.metrics import CalibrationBin, FailureMetrics, Interval

logger = logging.getLogger(__name__)

_ICONS = {Status.PASSED: "✅ PASSED", Status.FAILED: "❌ FAILED", Status.SKIPPED: "⏭️ SKIPPED"}
_KEY_METRICS = (
    "accuracy", "precision", "recall", "f1_score", "macro_f1", "pr_auc", "roc_auc", "brier",
    "cv_accuracy_mean", "cv_accuracy_std", "training_samples", "test_samples", "positive_rate", "split_method",
)  # fmt: skip
_BASELINE_METRICS = ("accuracy", "macro_f1", "f1_score", "precision", "recall", "pr_auc")
_WEAK_HALF_WIDTH = 0.10
_MODEL_ORDER = {"home_type_binary": 0, "home_type_full": 1, "failure_prediction": 2, "anomaly_detection": 3}


def _fmt(value: Any) -> str:
    number = as_number(value)
    if number is None:
        return "—" if value is None else str(value)
    if isinstance(value, int) or (float(number).is_integer() and abs(number) >= 1):
        return f"{int(number):,}"
    return f"{number:.4f}"


def _check_row(check: Check) -> list[str]:
    result = "✅ pass" if check.passed else ("⚠️ FAILED (waived)" if check.waived else "❌ FAILED")
    return [check.name, result, check.detail]


def accuracy_interval(metrics: Mapping[str, Any]) -> tuple[float, float, int] | None:
    """Accuracy and the half-width of its 95 % (Wilson) interval over the held-out homes."""
    acc, n = find_metric(metrics, "accuracy"), find_metric(metrics, "test_samples")
    if acc is None or n is None or n < 1:
        return None
    z = 1.96
    centre = (acc + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(acc * (1 - acc) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre, half, int(n)


def _verdict(doc: Document, run: RunResult) -> None:
    if run.ready:
        doc.heading(2, "Verdict: ✅ READY")
        doc.paragraph(
            "Every step ran and passed: the services answered over HTTP, each model met its gates"
            " and beat its baselines, and smoke predictions on unseen inputs were sane."
        )
        if run.waived_checks:
            doc.paragraph("**Gates waived by `--allow-low-quality`** (these failed and were accepted):")
            doc.bullets(run.waived_checks)
    else:
        doc.heading(2, f"Verdict: ❌ {run.verdict}")
        doc.paragraph("What keeps this run from READY:")
        doc.bullets(run.blocking())
    doc.paragraph(f"Exit status of the run: **{run.exit_code}**. Wall time {run.wall_time_s:.1f} s.")


def _steps(doc: Document, run: RunResult) -> None:
    doc.heading(2, "Steps")
    rows = []
    for i, step in enumerate(run.steps, 1):
        status = _ICONS[step.status] if step.status else "NOT RUN"
        rows.append(
            [i, step.title, status, f"{step.duration_s:.2f}", step.reason or "; ".join(step.notes[:2])]
        )
    doc.table(["#", "Step", "Status", "Seconds", "Reason / notes"], rows)
    for step in run.steps:
        if step.notes:
            doc.paragraph(f"**{step.title}**")
            doc.bullets(step.notes)


def _data(doc: Document, run: RunResult) -> None:
    doc.heading(2, "Data")
    d = run.dataset
    if not d:
        doc.paragraph("No dataset was generated in this run.")
        return
    rows = [[f"`{d.get('dataset_id')}`", d.get("homes"), d.get("days"), _fmt(d.get("events")), d.get("seed"),
             d.get("seconds"), _fmt(d.get("events_per_s"))]]  # fmt: skip
    h = d.get("holdout") or {}
    if h.get("dataset_id"):  # generated alongside, for the smoke predictions only (never trained on)
        rows.append([f"`{h['dataset_id']}` (hold-out)", h.get("homes"), h.get("days"), _fmt(h.get("events")),
                     h.get("seed"), h.get("seconds"), ""])  # fmt: skip
    doc.table(["Dataset", "Homes", "Days", "Events", "Seed", "Seconds", "Events/s"], rows)


def _interval(values: Interval, difference: bool = False) -> str:
    """`mean (95 % interval low to high)` of a bootstrap interval.

    For a difference (model minus baseline) it also says when the interval does not clear 0.
    """
    mean, low, high = values.mean, values.ci95_low, values.ci95_high
    text = f"{mean:.3f} (95 % interval {low:.3f} to {high:.3f})"
    if difference and low <= 0.0 <= high:
        text += ": the interval includes 0, not a clear win"
    elif difference and high < 0.0:
        text += ": the baseline is better"
    return text


def _baseline_columns(model: ModelRecord) -> list[str]:
    """Metrics both the model and at least one baseline report, in a readable order."""
    keys: list[str] = []
    for base in model.baselines.values():
        if isinstance(base, Mapping):
            keys += [k for k in base if k not in keys and as_number(base[k]) is not None]
    preferred = [k for k in _BASELINE_METRICS if k in keys]
    others = [k for k in keys if k not in preferred and k not in ("rows", "positives", "alerts", "threshold")]
    return [k for k in preferred + others if find_metric(model.metrics, k) is not None][:7]


def _baseline_table(doc: Document, model: ModelRecord) -> None:
    if not model.baselines:
        return
    columns = _baseline_columns(model)
    cv_f1 = model.home_type.cross_validation.macro_f1.mean if model.home_type else None
    cv_headers = ["macro_f1 (cross-validated)", "model minus baseline (cross-validated)"]
    headers = ["", *columns] + (cv_headers if cv_f1 is not None else [])
    rows = [
        ["**model**", *(_fmt(find_metric(model.metrics, c)) for c in columns)]
        + ([_fmt(cv_f1), ""] if cv_f1 is not None else [])
    ]
    for name, base in model.baselines.items():
        row = [
            f"baseline: {name}",
            *(_fmt(find_metric(base, c)) if isinstance(base, Mapping) else "—" for c in columns),
        ]
        typed = model.home_type_baselines.get(name)
        if cv_f1 is not None and typed is not None:
            row.append(_fmt(typed.cv.macro_f1.mean))
            diff = typed.cv.model_minus_baseline_macro_f1
            row.append(_interval(diff, difference=True) if diff is not None else "—")
        rows.append(row)
    doc.table(headers, rows)
    rule = [
        f"{n}: {b['rule']}"
        for n, b in model.baselines.items()
        if isinstance(b, Mapping) and isinstance(b.get("rule"), str)
    ]
    doc.bullets(rule)


def _model(doc: Document, model: ModelRecord, plot_out: list[Plot]) -> None:
    verdict = "✅ gates pass" if model.gates_passed else "❌ gates FAILED"
    doc.heading(3, f"{model.title}: {verdict}")
    promoted = {True: "promoted to production", False: "not promoted", None: "promotion not stated"}[
        model.promoted
    ]
    doc.paragraph(
        f"Service {model.service}, registry `{model.registry_name or model.key}`, version `{model.version}`,"
        f" {promoted}."
    )
    scalars = [(k, model.metrics[k]) for k in _KEY_METRICS if k in model.metrics]
    scalars += [
        (k, v)
        for k, v in model.metrics.items()
        if k not in _KEY_METRICS
        and k != "metric_definitions"  # a paragraph of its own below
        and (as_number(v) is not None or isinstance(v, str))
        and len(scalars) < 24
    ]
    if scalars:
        doc.table(["Metric", "Value"], [[k, _fmt(v)] for k, v in scalars])
    interval = accuracy_interval(model.metrics)
    if interval is not None and model.key.startswith("home_type"):
        centre, half, n = interval
        weak = (
            " This estimate is weak: generate more homes for a narrower interval."
            if half > _WEAK_HALF_WIDTH
            else ""
        )
        doc.paragraph(
            f"Accuracy 95 % interval over {n} held-out homes: {centre - half:.3f} to {centre + half:.3f}"
            f" (± {half:.3f}).{weak}"
        )
    if model.home_type is not None:
        cv = model.home_type.cross_validation
        doc.paragraph(
            f"Cross-validated macro-F1 {_interval(cv.macro_f1)} ({cv.method}; interval: bootstrap over homes)."
        )
    _baseline_table(doc, model)
    if model.key == "failure_prediction":
        _forecast_figures(doc, model)
        _snapshot_and_calibration(doc, model)
    if model.checks:
        doc.table(["Gate", "Result", "Detail"], [_check_row(c) for c in model.checks])
    plots, missing = plots_for(model)
    for plot in plots:
        doc.plot(plot)
        plot_out.append(plot)
    if missing:
        doc.paragraph(f"Not plotted (the service's answer does not carry the data): {', '.join(missing)}.")


def _forecast_figures(doc: Document, model: ModelRecord) -> None:
    """How the failure forecaster's gated metrics are defined, and the figures reported beside them."""
    metrics, rule = model.forecast, model.rule
    if metrics is None:
        return
    definitions = metrics.metric_definitions
    if definitions:
        doc.paragraph(
            "How these gates are read: the model forecasts 'fails within the horizon', so the original metric "
            f"names are defined for a forecaster. {definitions[0].upper()}{definitions[1:]}"
        )
    keys = ("precision", "recall", "f1_score", "median_lead_days", "row_recall", "failure_recall_all")
    rows = [[k, _fmt(getattr(metrics, k)), _fmt(getattr(rule, k) if rule else None)] for k in keys]
    base_kind = rule.recall_by_kind if rule is not None else {}
    for kind, row in metrics.recall_by_kind.items():
        other = base_kind.get(kind)
        rows.append(
            [
                f"recall, {kind} ({row.detected}/{row.failures} failures)",
                _fmt(row.recall),
                _fmt(other.recall) if other else "—",
            ]
        )
    doc.table(
        ["Held-out figure (precision, recall, f1_score, median_lead_days gated)", "model", "rule baseline"],
        rows,
    )


def _worst_gap(bins: Sequence[CalibrationBin], min_rows: int = 5) -> CalibrationBin | None:
    """The bin (with at least `min_rows` rows) whose prediction is furthest from what happened."""
    usable = [b for b in bins if b.rows >= min_rows]
    return max(usable, key=lambda b: abs(b.observed_rate - b.mean_predicted), default=None)


def calibration_sentence(metrics: FailureMetrics) -> str:
    """One sentence on what the reliability plot shows (from the figures, not a fixed claim)."""
    before, after = _worst_gap(metrics.calibration_uncalibrated), _worst_gap(metrics.calibration)
    text = (
        "The reliability plot puts each probability bin's mean prediction against the failure rate observed on "
        "the test devices (the diagonal is perfect)"
    )
    if before is not None and after is not None:
        text += (
            f": before calibration the worst bin (5+ rows) predicted {before.mean_predicted:.2f} where "
            f"{before.observed_rate:.2f} failed, after it {after.mean_predicted:.2f} where {after.observed_rate:.2f} "
            f"failed (ECE {_fmt(metrics.ece_uncalibrated)} -> {_fmt(metrics.ece)}; calibration fitted on the "
            "validation devices only)"
        )
    return text + "."


def _snapshot_and_calibration(doc: Document, model: ModelRecord) -> None:
    """History vs snapshot vs the rule on the same held-out rows, calibration before/after, and the bands."""
    metrics, rule = model.forecast, model.rule
    if metrics is None:
        return
    snap = metrics.snapshot
    keys = ("pr_auc", "roc_auc", "precision", "recall", "brier", "brier_uncalibrated", "ece", "ece_uncalibrated",
            "threshold")  # fmt: skip
    rows = [
        [k, _fmt(getattr(metrics, k, None)), _fmt(getattr(snap, k, None) if snap else None),
         _fmt(getattr(rule, k, None) if rule else None)]
        for k in keys
    ]  # fmt: skip
    doc.table(
        ["Held-out figure (same test rows)", "history model", "snapshot model (one reading)", "rule"], rows
    )
    for name, block in (("history", metrics), ("snapshot", snap)):
        if block is not None and block.risk_bands:
            bands = ", ".join(f"{k} >= {v:.3f}" for k, v in block.risk_bands.items())
            doc.paragraph(
                f"Risk bands of the {name} model (probability 0-1, they follow its alert threshold): {bands}."
            )
    doc.paragraph(calibration_sentence(metrics))


def _optional(doc: Document, run: RunResult) -> None:
    """The seed's optional models: what replaced each and its honest verdict (they never block READY)."""
    doc.heading(2, "Optional models (the seed's)")
    if not run.optional:
        doc.paragraph("Not checked in this run (the services were not reached).")
        return
    doc.table(
        ["Seed model", "Replaced by", "Verdict", "Figure (split, baseline)", "Live check"],
        [[m.name, m.replaced_by, m.verdict, m.figure, m.live] for m in run.optional],
    )
    doc.paragraph(
        "Optional rows never block READY, as in the seed; a FAILED gate here is reported, not waived."
    )


def _services_and_timings(doc: Document, run: RunResult) -> None:
    doc.heading(2, "Services")
    rows = [
        [s.name, s.url, "started by this run" if s.started_locally else "already running", s.version or "—",
         f"{s.ready_after_s:.1f} s" if s.ready_after_s is not None else "—", s.log_path or "—"]
        for s in run.services.values()
    ]  # fmt: skip
    doc.table(["Service", "URL", "Origin", "Version", "Healthy after", "Log"], rows)
    doc.heading(2, "Timings")
    timing = [[s.title, f"{s.duration_s:.2f}"] for s in run.steps]
    timing.append(["**wall time up to this report** (start-up included)", f"{run.wall_time_s:.2f}"])
    doc.table(["Step", "Seconds"], timing)
    doc.paragraph("Home-type steps and device training run at the same time, so step times overlap.")


def build_document(run: RunResult) -> tuple[Document, list[Plot]]:
    """The whole report as a document, plus its plots."""
    doc = Document("Production readiness report")
    doc.paragraph(f"Generated: {run.started_at.isoformat(timespec='seconds')} · run `{run.run_id}`")
    _verdict(doc, run)
    _steps(doc, run)
    _data(doc, run)
    doc.heading(2, "Models")
    plots: list[Plot] = []
    if not run.models:
        doc.paragraph("No model was trained in this run.")
    for model in sorted(run.models.values(), key=lambda m: _MODEL_ORDER.get(m.key, 99)):
        _model(doc, model, plots)
    _optional(doc, run)
    validation = run.step("validation")
    model_titles = tuple(m.title for m in run.models.values())
    other = [c for c in validation.checks if not c.name.startswith(model_titles)]
    if other:
        doc.heading(2, "Smoke predictions and registry checks")
        doc.table(["Check", "Result", "Detail"], [_check_row(c) for c in other])
    _services_and_timings(doc, run)
    doc.heading(2, "Reproduce")
    doc.code(run.command)
    doc.paragraph(
        f"Seed {run.options.get('seed')}: {run.options.get('homes')} homes x {run.options.get('days')} days,"
        f" {run.options.get('devices')} devices x {run.options.get('device_days')} days."
        " The same seed and options regenerate the same datasets."
    )
    return doc, plots


def write_reports(run: RunResult, output_dir: Path) -> dict[str, str]:
    """Write `production_readiness_report_<run>.md` (+ plot PNGs) and `.html`; return their paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    doc, plots = build_document(run)
    links = {}
    if plots:
        plot_dir = output_dir / f"plots_{run.run_id}"
        plot_dir.mkdir(exist_ok=True)
        for plot in plots:
            (plot_dir / f"{plot.slug}.png").write_bytes(plot.png)
            links[plot.slug] = f"{plot_dir.name}/{plot.slug}.png"
    md_path = output_dir / f"production_readiness_report_{run.run_id}.md"
    html_path = md_path.with_suffix(".html")
    md_path.write_text(to_markdown(doc, links), encoding="utf-8")
    html_path.write_text(to_html(doc), encoding="utf-8")
    logger.info("report written to %s", md_path)
    return {"markdown": str(md_path), "html": str(html_path)}
