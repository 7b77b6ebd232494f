"""The pipeline end to end over real HTTP: both real services started locally, tiny data, then stopped."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.cli import main
from gateway.local_services import (
    AI_AUTOMATION,
    DEVICE_INTELLIGENCE,
    LocalServiceError,
    LocalServiceSet,
    ServiceSpec,
)
from gateway.pipeline import Pipeline, PipelineOptions
from gateway.step_results import Status

TINY = ["--homes", "30", "--days", "3", "--devices", "200", "--device-days", "60", "--seed", "42"]


def test_cli_runs_every_step_against_real_services_and_stops_them(tmp_path: Path) -> None:
    out, runs = tmp_path / "reports", tmp_path / "runs"
    code = main([*TINY, "--start-local", "--no-progress", "--output-dir", str(out), "--runs-dir", str(runs)])
    manifest = json.loads(next(out.glob("model_manifest_*.json")).read_text())
    report = next(out.glob("production_readiness_report_*.md")).read_text()
    # Tiny data may or may not pass the gates; the report, the manifest and the exit status must agree.
    assert code == manifest["exit_code"]
    assert ("Verdict: ✅ READY" in report) == (code == 0)
    assert ("Verdict: ❌ NOT READY" in report) == (code == 1)
    steps = {s["step"]: s["status"] for s in manifest["steps"]}
    assert all(steps[k] == "PASSED" for k in ("preflight", "generation", "home_type", "device")), steps
    assert steps["validation"] in ("PASSED", "FAILED")
    models = manifest["models"]
    assert set(models) == {"home_type_binary", "home_type_full", "failure_prediction", "anomaly_detection"}
    for name, model in models.items():
        assert model["version"], name
        assert model["artifacts"], name
        for artifact in model["artifacts"]:
            assert re.fullmatch(r"[0-9a-f]{64}", artifact["sha256"])
        assert model["registry_version"] == model["version"], name  # the trained version, not another
        assert model["registry_source"].endswith("(HTTP)"), name  # never read from the service's folder
        assert model["gates"], name
    assert manifest["services"]["ai-automation"]["started_locally"] is True
    assert "--seed 42" in report  # the exact command to reproduce it
    # the seed's optional "soft prompt" row: its recorded verdict and one live ask to the real service
    optional = report[report.index("## Optional models") :]
    assert "soft prompt" in optional
    assert "| answered 'turn on the hall light" in optional
    assert "GNN synergy detector" in optional
    assert "| answered a 2-room home over HTTP" in optional
    html = next(out.glob("*.html")).read_text()
    assert "<img" in html
    # The services started for the run are gone: their ports refuse connections.
    for service in manifest["services"].values():
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{service['url']}/health", timeout=2)
    run_dirs = list(runs.iterdir())
    assert len(run_dirs) == 1
    assert (run_dirs[0] / "ai_automation" / "service.log").exists()
    # The generated home files are deleted after the run; summary.json (seed, arguments) stays.
    left = {p.name for p in (run_dirs[0] / "ai_automation" / "data" / "datasets").rglob("*") if p.is_file()}
    assert left == {"summary.json"}
    assert "deleted" in report
    assert any((run_dirs[0] / "ai_automation" / "models").iterdir())  # the models stay


async def test_started_services_are_stopped_when_a_step_fails(gateway_settings: Any, stubs: Any) -> None:
    broken_ai = stubs.ai(fail=frozenset({"/api/synthetic-homes"}))
    with stubs.serve(broken_ai) as ai:
        settings = gateway_settings(devices=200, device_days=60)
        options = PipelineOptions(settings=settings, ai_url=ai, start_local=True, command="t")
        pipeline = Pipeline(options)
        run = await pipeline.execute()
    assert run.step("generation").status is Status.FAILED
    assert "HTTP 500" in run.step("generation").reason
    assert run.step("home_type").status is Status.SKIPPED
    assert pipeline.local is not None
    assert "device-intelligence" in pipeline.local.services  # started for this run (no URL given)...
    assert pipeline.local.all_stopped()  # ...and stopped at the end
    assert not run.ready
    assert Path(run.report_paths["markdown"]).exists()


async def test_unreachable_given_url_fails_before_anything_starts(gateway_settings: Any) -> None:
    options = PipelineOptions(
        settings=gateway_settings(), ai_url="http://127.0.0.1:9", start_local=True, command="t"
    )
    pipeline = Pipeline(options)
    run = await pipeline.execute()
    assert "ai-automation unreachable at http://127.0.0.1:9" in run.step("preflight").reason
    assert pipeline.local is None
    assert run.step("preflight").duration_s < 5


async def test_a_service_that_cannot_start_is_reported_with_its_log(tmp_path: Path) -> None:
    local = LocalServiceSet(tmp_path, startup_timeout_s=30)
    with pytest.raises(LocalServiceError, match="exited with code") as exc:
        await local.start(ServiceSpec("nothing", "no_such_module_homeiq", "NOTHING_"))
    assert "No module named" in str(exc.value)
    assert local.all_stopped()


async def test_local_service_isolated_env_and_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVICE_INTELLIGENCE_DATA_DIR", "/should/not/be/used")
    local = LocalServiceSet(tmp_path, startup_timeout_s=90)
    try:
        [service] = await local.start_all([DEVICE_INTELLIGENCE])
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{service.url}/health")
            # Mutating endpoints need the per-run API key the gateway generated.
            refused = await client.post(f"{service.url}/api/predictions/train", json={})
        assert health.status_code == 200
        assert health.json()["service"] == "device-intelligence"
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert (tmp_path / "device_intelligence" / "data").is_dir()
    finally:
        local.stop()
    assert local.all_stopped()
    assert AI_AUTOMATION.name not in local.services
