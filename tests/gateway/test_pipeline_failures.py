"""Bad input over real HTTP: unreachable URL, a 500, a failed gate, a full disk, an interruption.

Each run must name the failed step and why, still write the report and manifest, and say NOT READY
with exit status 1 (stand-in services provoke the failures; the real ones are tested end to end).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from gateway.local_services import free_port
from gateway.pipeline import Pipeline, PipelineOptions
from gateway.step_results import Status


def _report(run: Any) -> str:
    return Path(run.report_paths["markdown"]).read_text()


async def _run(settings: Any, ai_url: str, device_url: str, **kw: Any) -> Any:
    options = PipelineOptions(settings=settings, ai_url=ai_url, device_url=device_url, command="test", **kw)
    return await Pipeline(options).execute()


async def test_stub_services_give_a_ready_report_with_plots_and_manifest(
    gateway_settings: Any, stubs: Any
) -> None:
    with stubs.serve(stubs.ai()) as ai, stubs.serve(stubs.device()) as device:
        run = await _run(gateway_settings(), ai, device)
    assert run.ready, run.blocking()
    report = _report(run)
    assert "Verdict: ✅ READY" in report
    assert "NOT READY" not in report
    html = Path(run.report_paths["html"]).read_text()
    assert html.count("<img") >= 4
    manifest = json.loads(Path(run.report_paths["manifest"]).read_text())
    assert manifest["verdict"] == "READY"
    assert manifest["exit_code"] == 0
    assert set(manifest["models"]) == {
        "home_type_binary",
        "home_type_full",
        "failure_prediction",
        "anomaly_detection",
    }
    for model in manifest["models"].values():
        assert model["artifacts"][0]["sha256"] == "ab" * 32
        assert model["gates_passed"] is True
        assert model["registry_source"].endswith("(HTTP)")  # nothing read from a service's folder
        assert model["registry_version"] == model["version"]
        assert len(model["training_data_fingerprint"]) == 64
        assert model["library_versions"]
    failure = manifest["models"]["failure_prediction"]
    assert (
        failure["registry_source"] == "GET /api/predictions/models/{version}?model=failure_prediction (HTTP)"
    )
    assert failure["artifacts"] == [{"name": "model.txt", "sha256": "ab" * 32, "size_bytes": 10}]
    assert failure["feature_schema_version"] == "stub-features-1"
    full = manifest["models"]["home_type_full"]
    assert full["registry_source"] == "GET /api/home-type/models/{version}?task=full (HTTP)"
    # The failure model's plots come from the answer's curve, importances and lead days.
    for plot in ("failure_prediction_pr", "failure_prediction_importances", "failure_prediction_lead_time"):
        assert f"{plot}.png" in report
    assert "operating points (no curve returned)" not in report
    assert "8 of 10 test failures detected" in report
    assert "Not plotted" not in report.split("### Failure prediction")[1].split("###")[0]


async def test_unreachable_url_fails_preflight_and_skips_the_rest(gateway_settings: Any, stubs: Any) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with stubs.serve(stubs.device()) as device:
        run = await _run(gateway_settings(), dead, device)
    pre = run.step("preflight")
    assert pre.status is Status.FAILED
    assert "ai-automation unreachable" in pre.reason
    assert all(s.status is Status.SKIPPED for s in run.steps if s.key not in ("preflight", "report"))
    assert run.exit_code == 3  # infrastructure, not a quality gate
    report = _report(run)
    assert "Verdict: ❌ NOT READY" in report
    assert "⏭️ SKIPPED" in report  # skipped steps are never shown as passed
    assert "✅ PASSED" not in report.split("## Steps")[1].split("Report and manifest")[0]


async def test_a_500_names_the_step_and_the_problem_detail(gateway_settings: Any, stubs: Any) -> None:
    ai_app = stubs.ai(fail=frozenset({"/api/home-type/train"}))
    with stubs.serve(ai_app) as ai, stubs.serve(stubs.device()) as device:
        run = await _run(gateway_settings(), ai, device)
    step = run.step("home_type")
    assert step.status is Status.FAILED
    assert "HTTP 500" in step.reason
    assert "stub failure on /api/home-type/train" in step.reason
    assert run.step("device").status is Status.PASSED  # the other chain still ran
    assert run.step("validation").status is Status.FAILED
    assert not run.ready
    assert run.exit_code == 3  # a 5xx is infrastructure even though validation failed too
    assert "Home-type training: FAILED" in _report(run)


def test_a_failed_gate_is_not_ready_with_exit_1(gateway_settings: Any, stubs: Any, tmp_path: Path) -> None:
    with stubs.serve(stubs.ai()) as ai, stubs.serve(stubs.device(f1=0.5)) as device:
        code = main(
            ["--ai-url", ai, "--device-url", device, "--output-dir", str(tmp_path / "r"), "--no-progress",
             "--runs-dir", str(tmp_path / "runs")]
        )  # fmt: skip
    assert code == 1
    report = next((tmp_path / "r").glob("production_readiness_report_*.md")).read_text()
    assert "Verdict: ❌ NOT READY" in report
    assert "| f1_score >= 0.80 | ❌ FAILED |" in report
    manifest = json.loads(next((tmp_path / "r").glob("model_manifest_*.json")).read_text())
    assert manifest["exit_code"] == 1
    assert manifest["models"]["failure_prediction"]["gates_passed"] is False


async def test_allow_low_quality_waives_visibly(gateway_settings: Any, stubs: Any) -> None:
    with stubs.serve(stubs.ai()) as ai, stubs.serve(stubs.device(f1=0.5)) as device:
        run = await _run(gateway_settings(), ai, device, allow_low_quality=True)
    assert run.ready
    report = _report(run)
    assert "Gates waived by `--allow-low-quality`" in report
    assert "Failure prediction: f1_score >= 0.80" in report
    assert "⚠️ FAILED (waived)" in report


async def test_full_disk_fails_preflight(gateway_settings: Any, stubs: Any) -> None:
    with stubs.serve(stubs.ai()) as ai, stubs.serve(stubs.device()) as device:
        run = await _run(gateway_settings(min_free_disk_mb=10**9), ai, device)
    assert run.step("preflight").status is Status.FAILED
    assert "MB free" in run.step("preflight").reason
    assert Path(run.report_paths["markdown"]).exists()


async def test_interruption_writes_the_report_and_names_the_running_step(
    gateway_settings: Any, stubs: Any
) -> None:
    slow = stubs.ai(hold_paths=frozenset({"/api/home-type/train"}))
    with stubs.serve(slow) as ai, stubs.serve(stubs.device()) as device:
        pipeline = Pipeline(
            PipelineOptions(settings=gateway_settings(), ai_url=ai, device_url=device, command="t")
        )
        task = asyncio.create_task(pipeline.execute())
        try:
            # The stub holds the train request: the home-type step is running until the test says otherwise.
            if not await asyncio.to_thread(slow.state.arrived.wait, 60):
                raise AssertionError("the pipeline never sent the home-type train request")
            assert pipeline.run.step("home_type").status is None
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            slow.state.release.set()
    run = pipeline.run
    assert run.interrupted
    assert run.step("home_type").status is Status.FAILED
    assert "interrupted" in run.step("home_type").reason
    assert run.step("validation").status is Status.SKIPPED
    assert run.exit_code == 130
    report = Path(run.report_paths["markdown"]).read_text()
    assert "the run was interrupted" in report


async def test_the_configured_api_key_is_sent_and_a_wrong_one_is_named(
    gateway_settings: Any, stubs: Any
) -> None:
    with stubs.serve(stubs.ai(api_key="s3cret")) as ai, stubs.serve(stubs.device()) as device:
        good = await _run(gateway_settings(ai_api_key="s3cret"), ai, device)
        bad = await _run(gateway_settings(ai_api_key="wrong"), ai, device)
    assert good.ready, good.blocking()
    assert bad.step("generation").status is Status.FAILED
    assert "HTTP 401 Unauthorized" in bad.step("generation").reason
    assert bad.exit_code == 2  # a wrong key is a setting to fix
    assert "s3cret" not in Path(good.report_paths["markdown"]).read_text()
    assert "s3cret" not in Path(good.report_paths["manifest"]).read_text()


def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--homes", "0", "--output-dir", str(tmp_path)]) == 2
    assert "homes" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["--homes", "many"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--start-local", "--ai-url", "http://127.0.0.1:1"])
    assert exc.value.code == 2
    assert main(["--ai-url", "not a url", "--output-dir", str(tmp_path)]) == 2


def test_running_services_are_not_promoted_unless_asked(
    gateway_settings: Any, stubs: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ai_app, device_app = stubs.ai(), stubs.device()
    with stubs.serve(ai_app) as ai, stubs.serve(device_app) as device:
        common = [
            "--ai-url",
            ai,
            "--device-url",
            device,
            "--no-progress",
            "--runs-dir",
            str(tmp_path / "runs"),
        ]
        assert main([*common, "--output-dir", str(tmp_path / "a")]) == 0
        bodies = [*ai_app.state.train_bodies, *device_app.state.train_bodies]
        assert len(bodies) == 3
        assert all(body["promote"] is False for body in bodies)
        out = capsys.readouterr().out
        # Non-TTY output: a line per sub-step, saying production is left alone.
        assert "Home-type training: training binary and full" in out
        assert "register only: production is left as it is" in out
        assert main([*common, "--output-dir", str(tmp_path / "b"), "--promote"]) == 0
        assert all(body["promote"] is True for body in ai_app.state.train_bodies[2:])
        assert device_app.state.train_bodies[-1]["promote"] is True
    report = next((tmp_path / "a").glob("production_readiness_report_*.md")).read_text()
    assert "not promoted" in report
