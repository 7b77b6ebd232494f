"""The report's optional-model row for the seed's "soft prompt": the recorded bench figure and a live ask."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings
from gateway.optional_models import soft_prompt, synergy_detector
from gateway.readiness_report import build_document
from gateway.report_render import to_markdown
from gateway.service_clients import AiAutomationClient
from gateway.step_results import OptionalModel, RunResult, Status, StepResult

RESULTS = {
    "asks": 50,
    "homes": 13,
    "gate": {"threshold": 0.7, "verdict": "FAILED"},
    "runs": {"ask_loho": {"slot_accuracy": 0.14}},
    "token_overlap_baseline": 0.02,
    "template_retrieval": {"r@1": 0.36, "r@5": 0.46},
    "measured_at": "2026-12-07T07:30:00+00:00",
}


async def _live_row(
    row_of: Callable[[AiAutomationClient, Path], Awaitable[OptionalModel]], results: Path, tmp_path: Path
) -> OptionalModel:
    """The row as the pipeline builds it, against a real ai-automation app driven in-process."""
    settings = AiAutomationSettings(
        data_dir=tmp_path / "data", models_dir=tmp_path / "models", _env_file=None
    )
    app = create_app(settings)
    client = AiAutomationClient("http://ai", transport=httpx.ASGITransport(app=app))
    async with app.router.lifespan_context(app), client:
        return await row_of(client, results)


async def test_the_row_quotes_the_bench_figure_and_asks_the_live_service(tmp_path: Path) -> None:
    results = tmp_path / "ask.json"
    results.write_text(json.dumps(RESULTS))
    row = await _live_row(soft_prompt, results, tmp_path)
    assert row.verdict == "gate 0.70: FAILED"
    assert "slot accuracy 0.14 on 50 real asks" in row.figure
    assert "baseline 0.02" in row.figure
    assert row.live.startswith("answered")
    assert "binary_sensor.hall_motion" in row.live


async def test_without_a_figure_or_a_service_the_row_says_so(tmp_path: Path) -> None:
    not_found = httpx.MockTransport(lambda _request: httpx.Response(404, json={"detail": "Not Found"}))
    async with AiAutomationClient("http://ai", transport=not_found) as client:
        row = await soft_prompt(client, tmp_path / "absent.json")
    assert row.verdict == "not measured"
    assert "run bench/bench_ask.py" in row.figure
    assert row.live.startswith("not offered")


def test_the_report_shows_the_row_and_says_when_it_was_not_checked() -> None:
    steps = [
        StepResult("preflight", "Pre-flight", status=Status.PASSED),
        StepResult("validation", "Validation", status=Status.SKIPPED, reason="no model was trained"),
        StepResult("report", "Report and manifest", status=Status.PASSED),
    ]
    run = RunResult("r1", datetime(2026, 12, 7, tzinfo=UTC), "make run", {"seed": 1}, steps)
    assert "Not checked in this run" in to_markdown(build_document(run)[0], {})
    run.optional = [
        OptionalModel("soft prompt", "ask in words", "gate 0.70: FAILED", "slot accuracy 0.14", "answered")
    ]
    md = to_markdown(build_document(run)[0], {})
    assert "## Optional models (the seed's)" in md
    assert "gate 0.70: FAILED" in md


SYNERGY_RESULTS = {
    "shipped": "prior",
    "measured_at": "2026-12-07T08:00:00+00:00",
    "figures": {
        "i1_homes": {"prior": {"homes": 8.0, "hit@10": 0.25, "mrr": 0.166}, "rule_table": {"homes": 8.0, "hit@10": 0.125, "mrr": 0.125}},
        "homes_with_links": {"prior": {"homes": 16.0, "hit@10": 0.375, "mrr": 0.177}},
    },
}  # fmt: skip


HISTORY_RESULTS = {
    "measured_at": "2026-12-07T15:07:24+00:00",
    "figures": {"30d": {
        "history": {"recall_at_10": {"value": 0.941, "hits": 16, "n": 17, "ci95": [0.73, 0.99]}, "precision": {"value": 0.889}},
        "co_occurrence_baseline": {"precision": {"value": 0.073}},
    }},
}  # fmt: skip


async def test_the_synergy_row_quotes_its_gate_and_detects_on_the_live_service(tmp_path: Path) -> None:
    results = tmp_path / "synergies.json"
    results.write_text(json.dumps(SYNERGY_RESULTS))
    history = tmp_path / "synergy_history.json"
    history.write_text(json.dumps(HISTORY_RESULTS))
    row = await _live_row(lambda ai, path: synergy_detector(ai, path, history), results, tmp_path)
    assert row.verdict == "gate hit@10 above the rule table: PASSED"
    assert "hit@10 0.25, MRR 0.166 on 8 real installs" in row.figure
    assert "rule table 0.12 / 0.125" in row.figure
    assert "issue goal 0.45" in row.figure
    assert "habits from 30 days of history: recall@10 0.94 [0.73, 0.99] of 17 habits" in row.figure
    assert "precision 0.89" in row.figure
    assert "co-occurrence alone 0.07" in row.figure
    assert row.live.startswith("answered"), row.live


async def test_the_synergy_row_says_when_the_history_figure_is_missing(tmp_path: Path) -> None:
    results = tmp_path / "synergies.json"
    results.write_text(json.dumps(SYNERGY_RESULTS))
    not_found = httpx.MockTransport(lambda _request: httpx.Response(404, json={"detail": "Not Found"}))
    async with AiAutomationClient("http://ai", transport=not_found) as client:
        row = await synergy_detector(client, results, tmp_path / "absent.json")
    assert "habits: no bench figure (FileNotFoundError: run bench/bench_synergy_history.py)" in row.figure
    assert row.verdict == "gate hit@10 above the rule table: PASSED"  # the cold-start gate stands on its own


async def test_a_synergy_ranker_level_with_the_rule_table_fails_its_gate(tmp_path: Path) -> None:
    level = json.loads(json.dumps(SYNERGY_RESULTS))
    level["figures"]["i1_homes"]["prior"] = {"homes": 8.0, "hit@10": 0.125, "mrr": 0.125}
    results = tmp_path / "synergies.json"
    results.write_text(json.dumps(level))
    not_found = httpx.MockTransport(lambda _request: httpx.Response(404, json={"detail": "Not Found"}))
    async with AiAutomationClient("http://ai", transport=not_found) as client:
        row = await synergy_detector(client, results)
    assert row.verdict == "gate hit@10 above the rule table: FAILED"
    assert row.live.startswith("not offered")
