"""Report rendering: verdict first, honest step states, escaped text, plots only from data that exists."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest
from matplotlib.patches import Rectangle
from rich.console import Console
from rich.progress import Progress

from gateway import plots
from gateway.cli import ProgressView, print_summary
from gateway.model_manifest import build_manifest
from gateway.plots import plots_for
from gateway.readiness_report import accuracy_interval, write_reports
from gateway.step_results import Check, ModelRecord, RunResult, Status, StepResult
from gateway.training import home_type_record
from homeiq_shared.contracts.metrics import (
    CalibrationBin,
    FailureLevel,
    FailureMetrics,
    Interval,
    KindRecall,
    PrCurve,
    RuleBaseline,
)
from homeiq_shared.contracts.versions import ArtifactInfo


def _run(**models: ModelRecord) -> RunResult:
    steps = [
        StepResult("preflight", "Pre-flight", status=Status.PASSED),
        StepResult(
            "device", "Device-intelligence training", status=Status.FAILED, reason="HTTP 500 <script>|x"
        ),
        StepResult("validation", "Validation", status=Status.SKIPPED, reason="no model was trained"),
        StepResult("report", "Report and manifest", status=Status.PASSED),
    ]
    run = RunResult(
        "20250101_000000", datetime(2025, 1, 1, tzinfo=UTC), "python run.py --seed 3", {"seed": 3}, steps
    )
    run.models.update(models)
    return run


def test_report_puts_the_verdict_first_and_escapes_text(tmp_path: Path) -> None:
    paths = write_reports(_run(), tmp_path)
    md = Path(paths["markdown"]).read_text()
    assert md.index("Verdict: ❌ NOT READY") < md.index("## Steps")
    assert "⏭️ SKIPPED" in md
    assert "HTTP 500 <script>\\|x" in md  # a pipe cannot break the table
    html = Path(paths["html"]).read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "python run.py --seed 3" in md


def test_plots_come_from_returned_data_and_missing_ones_are_named() -> None:
    model = ModelRecord(
        "failure_prediction",
        "Failure prediction",
        "device-intelligence",
        forecast=FailureMetrics(precision=0.7, recall=0.4, pr_auc=0.5, positive_rate=0.01),
        rule=RuleBaseline(precision=0.1, recall=0.2),
    )
    plots, missing = plots_for(model)
    assert [p.slug for p in plots] == ["failure_prediction_pr"]  # operating points, no curve returned
    assert all(p.png.startswith(b"\x89PNG") for p in plots)
    assert set(missing) == {"calibration", "failure lead time", "feature importances"}


def test_confusion_matrix_and_importances_are_drawn(stubs: Any) -> None:
    model = home_type_record("full", stubs.home_type_answer("full"))
    plots, missing = plots_for(model)
    assert {p.slug for p in plots} == {"home_type_full_confusion", "home_type_full_importances"}
    assert missing == []


def test_accuracy_interval_is_wide_for_few_homes() -> None:
    interval = accuracy_interval({"accuracy": 1.0, "test_samples": 2})
    assert interval is not None
    assert interval[1] > 0.3  # two test homes say little, even at 100 %
    assert accuracy_interval({"accuracy": 0.9}) is None


def test_manifest_lists_the_artifacts_the_service_described() -> None:
    model = ModelRecord("failure_prediction", "Failure prediction", "device-intelligence", version="v1")
    model.artifacts = [ArtifactInfo(name="model.txt", sha256="ab" * 32, size_bytes=7)]
    model.checks = [Check("f1_score >= 0.80", False, "0.5")]
    manifest = build_manifest(_run(failure_prediction=model))
    assert manifest["verdict"] == "NOT READY"
    assert manifest["exit_code"] == 1
    entry = manifest["models"]["failure_prediction"]
    assert entry["gates_passed"] is False
    assert entry["artifacts"] == [{"name": "model.txt", "sha256": "ab" * 32, "size_bytes": 7}]
    json.dumps(manifest)


def test_cli_summary_and_progress_survive_markup_in_reasons() -> None:
    console = Console(file=io.StringIO(), width=120, force_terminal=True)
    run = _run()
    run.step("device").reason = "model_version ['v1'] vs [/] [bold"
    print_summary(console, run)
    with Progress(console=console) as progress:
        ProgressView(progress, console)(run.step("device"))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "NOT READY" in text
    assert "['v1']" in text


def _failure_model() -> ModelRecord:
    return ModelRecord(
        "failure_prediction",
        "Failure prediction",
        "device-intelligence",
        forecast=FailureMetrics(
            precision=0.8,
            recall=0.5,
            pr_auc=0.6,
            positive_rate=0.01,
            pr_curve=PrCurve(
                precision=[0.01, 0.4, 0.8, 0.95], recall=[1.0, 0.7, 0.5, 0.1], thresholds=[0.0, 0.2, 0.5, 0.9]
            ),
            feature_importances={f"f{i}": round(0.5 / (i + 1), 4) for i in range(25)},
            feature_importance_method="share of the booster's total split gain",
            calibration=[CalibrationBin(bin="0.0-0.1", mean_predicted=0.05, observed_rate=0.04, rows=900)],
            failure_level=FailureLevel(failures=9, detected=6),
            lead_days=[1.0, 2.0, 2.0, 4.0, 6.0, 12.0],
            lead_days_by_kind={"battery": [2.0, 4.0, 12.0], "network": [1.0, 2.0, 6.0]},
        ),
        rule=RuleBaseline(
            precision=0.03,
            recall=0.2,
            pr_auc=0.08,
            pr_curve=PrCurve(
                precision=[0.01, 0.02, 0.05], recall=[1.0, 0.3, 0.1], thresholds=[0.0, 1.0, 2.0]
            ),
            lead_days=[1.0, 3.0],
        ),
    )


def _figures(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Capture each figure as it is rendered (instead of closing it) to look at what was drawn."""
    figures: list[Any] = []
    monkeypatch.setattr(plots, "_png", lambda fig: figures.append(fig) or b"\x89PNG")
    return figures


def test_failure_plots_use_the_returned_curve_importances_and_lead_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    figures = _figures(monkeypatch)
    model = _failure_model()
    drawn, missing = plots_for(model)
    assert missing == []
    by_slug = dict(zip((p.slug for p in drawn), figures, strict=True))
    pr = by_slug["failure_prediction_pr"].axes[0]
    curves = {line.get_label(): list(line.get_xdata()) for line in pr.get_lines()}
    assert curves["model (PR-AUC 0.600)"] == [1.0, 0.7, 0.5, 0.1]
    assert curves["rule baseline (PR-AUC 0.080)"] == [1.0, 0.3, 0.1]  # model vs rule, both as curves
    bars = by_slug["failure_prediction_importances"].axes[0]
    assert len(bars.patches) == 20  # the top 20 of the 25 returned
    assert [t.get_text() for t in bars.get_yticklabels()][-1] == "f0"  # largest at the top
    assert bars.get_xlabel() == "share of the model's split gain"
    lead = by_slug["failure_prediction_lead_time"].axes[0]
    assert "6 of 9 test failures detected" in lead.get_title()
    bars_by_kind = [p.get_height() for p in lead.patches if isinstance(p, Rectangle)]
    assert sum(bars_by_kind) == 6  # one count per detected failure, stacked by kind
    assert "rule baseline (2 detected)" in [t.get_text() for t in lead.get_legend().get_texts()]
    for fig in figures:
        plt.close(fig)


def test_lead_days_that_do_not_add_up_by_kind_are_drawn_as_one_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    figures = _figures(monkeypatch)
    model = _failure_model()
    assert model.forecast is not None
    model.forecast.lead_days_by_kind = {"battery": [2.0]}  # inconsistent with the 6 lead days
    plot = plots.lead_time_plot(model)
    assert plot is not None
    legend = [t.get_text() for t in figures[0].axes[0].get_legend().get_texts()]
    assert "all kinds" in legend
    assert "battery" not in legend
    plt.close(figures[0])


def test_forecast_definitions_and_a_baseline_win_whose_interval_includes_zero_are_stated(
    tmp_path: Path, stubs: Any
) -> None:
    failure = ModelRecord(
        "failure_prediction", "Failure prediction", "device-intelligence",
        forecast=FailureMetrics(
            precision=0.87, recall=0.94, f1_score=0.9, median_lead_days=5.0, row_recall=0.55, failure_recall_all=0.68,
            metric_definitions="precision per device-day; recall per failure",
            recall_by_kind={"sudden": KindRecall(failures=6, detected=0, recall=0.0)},
        ),
        rule=RuleBaseline(
            precision=0.02, recall=0.44, recall_by_kind={"sudden": KindRecall(failures=6, detected=0, recall=0.0)}
        ),
    )  # fmt: skip
    answer = stubs.home_type_answer("full")
    cv = {"best_rule": (0.028, -0.012, 0.071), "majority": (0.259, 0.17, 0.342)}
    for name, (mean, low, high) in cv.items():
        diff = Interval(mean=mean, ci95_low=low, ci95_high=high, resamples=100)
        answer.baselines[name].cv.model_minus_baseline_macro_f1 = diff
    home = home_type_record("full", answer)
    paths = write_reports(_run(failure_prediction=failure, home_type_full=home), tmp_path)
    text = Path(paths["markdown"]).read_text()
    assert "How these gates are read" in text
    assert "Precision per device-day; recall per failure" in text
    assert "| recall, sudden (0/6 failures) | 0.0000 | 0.0000 |" in text
    assert "| failure_recall_all | 0.6800 | — |" in text
    assert "0.028 (95 % interval -0.012 to 0.071): the interval includes 0, not a clear win" in text
    assert "0.259 (95 % interval 0.170 to 0.342) |" in text  # a clear win says nothing more
