"""Report rendering: verdict first, honest step states, escaped text, plots only from data that exists."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from gateway.cli import ProgressView, print_summary
from gateway.model_manifest import build_manifest, verify_artifact
from gateway.plots import plots_for
from gateway.readiness_report import accuracy_interval, write_reports
from gateway.step_results import Check, ModelRecord, RunResult, Status, StepResult


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
        metrics={"precision": 0.7, "recall": 0.4, "pr_auc": 0.5, "positive_rate": 0.01},
        baselines={"rule": {"precision": 0.1, "recall": 0.2}},
    )
    plots, missing = plots_for(model)
    assert [p.slug for p in plots] == ["failure_prediction_pr"]  # operating points, no curve returned
    assert all(p.png.startswith(b"\x89PNG") for p in plots)
    assert set(missing) == {"calibration", "failure lead time", "feature importances"}


def test_confusion_matrix_and_importances_are_drawn() -> None:
    model = ModelRecord(
        "home_type_full",
        "Home type (full)",
        "ai-automation",
        metrics={
            "confusion_matrix": [[3, 1], [0, 4]],
            "classes": ["apartment", "cottage"],
            "top_feature_importances": [{"feature": "area_count", "importance": 0.4}],
        },
    )
    plots, missing = plots_for(model)
    assert {p.slug for p in plots} == {"home_type_full_confusion", "home_type_full_importances"}
    assert missing == []


def test_accuracy_interval_is_wide_for_few_homes() -> None:
    interval = accuracy_interval({"accuracy": 1.0, "test_samples": 2})
    assert interval is not None
    assert interval[1] > 0.3  # two test homes say little, even at 100 %
    assert accuracy_interval({"accuracy": 0.9}) is None


def test_manifest_verifies_artifacts_it_can_read(tmp_path: Path) -> None:
    (tmp_path / "m" / "v1").mkdir(parents=True)
    (tmp_path / "m" / "v1" / "model.txt").write_bytes(b"booster")
    good = "f42c8cf9f4e1ab6f74d5ea1d5d2b1aeb47ab1e13b18b2a0ab5d5d3e0b4f4c0f4"
    entry = verify_artifact({"path": "m/v1/model.txt", "sha256": good}, [tmp_path])
    assert entry["sha256_verified"] is False  # a wrong digest is caught, not trusted
    assert entry["size_bytes"] == len(b"booster")
    remote = verify_artifact({"path": "elsewhere/model.txt", "sha256": good}, [tmp_path])
    assert remote["sha256_verified"] is None
    model = ModelRecord("failure_prediction", "Failure prediction", "device-intelligence", version="v1")
    model.checks = [Check("f1_score >= 0.80", False, "0.5")]
    manifest = build_manifest(_run(failure_prediction=model))
    assert manifest["verdict"] == "NOT READY"
    assert manifest["exit_code"] == 1
    assert manifest["models"]["failure_prediction"]["gates_passed"] is False
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
