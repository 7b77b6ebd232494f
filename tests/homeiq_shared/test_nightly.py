"""Nightly schedule: runs once, survives restarts without losing or doubling a run, records outcomes."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from homeiq_shared.nightly import NightlyScheduler, ScheduleConfig, next_fire_after

CONFIG = ScheduleConfig(job_id="retrain", cron="0 2 * * *", timezone="Europe/Berlin")


class Recorder:
    def __init__(self, fail: bool = False, hold: bool = False) -> None:
        self.calls: list[str] = []
        self.fail = fail
        self.started = asyncio.Event()
        self.release = asyncio.Event()  # a held run stays in progress until the test releases it
        if not hold:
            self.release.set()

    async def __call__(self, trigger: str) -> dict[str, Any]:
        self.calls.append(trigger)
        self.started.set()
        await self.release.wait()
        if self.fail:
            raise RuntimeError("training blew up")
        return {"decision": "promoted"}


async def _finished(scheduler: NightlyScheduler) -> None:
    """Wait for the run the scheduler fired itself to finish and be recorded (60 s only bounds a hang)."""
    try:
        await asyncio.wait_for(scheduler.run_finished.wait(), timeout=60)
    except TimeoutError:
        raise AssertionError("the scheduler did not run the due job within 60 s") from None


async def test_run_now_records_the_outcome_and_the_next_run(tmp_path: Path) -> None:
    job = Recorder()
    scheduler = NightlyScheduler(job, CONFIG, tmp_path / "state.json")
    scheduler.start()
    run = await scheduler.run_now()
    status = scheduler.status()
    scheduler.shutdown()
    assert job.calls == ["manual"]
    assert run["status"] == "ok"
    assert run["result"] == {"decision": "promoted"}
    assert status["last_run"]["finished_at"]
    next_run = datetime.fromisoformat(status["next_run_time"])
    assert next_run.astimezone(next_run.tzinfo).hour == 2
    assert next_run > datetime.now(UTC)


async def test_failed_run_is_recorded_with_its_error(tmp_path: Path) -> None:
    scheduler = NightlyScheduler(Recorder(fail=True), CONFIG, tmp_path / "state.json")
    run = await scheduler.run_now()
    assert run["status"] == "error"
    assert "training blew up" in run["error"]


async def test_second_trigger_while_running_is_skipped(tmp_path: Path) -> None:
    job = Recorder(hold=True)
    scheduler = NightlyScheduler(job, CONFIG, tmp_path / "state.json")
    first = asyncio.create_task(scheduler.run_now())
    await asyncio.wait_for(job.started.wait(), timeout=60)  # the first run is in progress, held
    second = await scheduler.run_now()
    job.release.set()
    assert (await asyncio.wait_for(first, timeout=60))["status"] == "ok"
    assert second["status"] == "skipped"
    assert job.calls == ["manual"]


async def test_run_missed_while_down_runs_once_after_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    missed = datetime.now(UTC) - timedelta(hours=1)
    state.write_text(json.dumps({"next_run_time": missed.isoformat()}))
    job = Recorder()
    scheduler = NightlyScheduler(job, CONFIG, state)
    scheduler.start()
    await _finished(scheduler)
    scheduler.shutdown()
    assert job.calls == ["nightly"]
    # restart again: the run happened, the next one is tomorrow; nothing runs twice
    again = Recorder()
    restarted = NightlyScheduler(again, CONFIG, state)
    restarted.start()
    # Nothing is due: the scheduled job's next run is the next 02:00, not now (no clock to wait on).
    next_run = datetime.fromisoformat(restarted.status()["next_run_time"])
    restarted.shutdown()
    assert next_run > datetime.now(UTC)  # a missed run would be due at the start moment, already past
    assert again.calls == []
    assert restarted.status()["last_run"]["status"] == "ok"


async def test_interrupted_run_is_redone_after_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    started = datetime.now(UTC) - timedelta(minutes=5)
    future = datetime.now(UTC) + timedelta(hours=20)
    state.write_text(
        json.dumps({"next_run_time": future.isoformat(), "last_run": {"started_at": started.isoformat()}})
    )
    job = Recorder()
    scheduler = NightlyScheduler(job, CONFIG, state)
    scheduler.start()
    await _finished(scheduler)
    scheduler.shutdown()
    assert job.calls == ["nightly"]


async def test_run_missed_beyond_grace_is_not_replayed(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"next_run_time": (datetime.now(UTC) - timedelta(days=3)).isoformat()}))
    job = Recorder()
    scheduler = NightlyScheduler(job, CONFIG, state)
    scheduler.start()
    next_run = datetime.fromisoformat(scheduler.status()["next_run_time"])  # not replayed: not "now"
    scheduler.shutdown()
    assert next_run > datetime.now(UTC)  # a missed run would be due at the start moment, already past
    assert job.calls == []


async def test_disabled_schedule_never_runs(tmp_path: Path) -> None:
    config = ScheduleConfig(job_id="retrain", cron="* * * * *", timezone="UTC", enabled=False)
    scheduler = NightlyScheduler(Recorder(), config, tmp_path / "state.json")
    scheduler.start()
    status = scheduler.status()
    assert status["enabled"] is False
    assert status["next_run_time"] is None


def test_next_fire_respects_local_time_across_dst() -> None:
    # 02:00 Berlin is 01:00 UTC in winter and 00:00 UTC in summer
    winter = next_fire_after(CONFIG, datetime(2026, 1, 10, 12, tzinfo=UTC))
    summer = next_fire_after(CONFIG, datetime(2026, 7, 10, 12, tzinfo=UTC))
    assert winter.astimezone(UTC).hour == 1
    assert summer.astimezone(UTC).hour == 0


async def test_the_scheduler_reads_time_from_its_clock_only(tmp_path: Path) -> None:
    frozen = datetime(2030, 1, 6, 1, 30, tzinfo=UTC)
    scheduler = NightlyScheduler(Recorder(), CONFIG, tmp_path / "state.json", clock=lambda: frozen)
    run = await scheduler.run_now()
    assert run["started_at"] == run["finished_at"] == frozen.isoformat()
    status = scheduler.status()  # not started: the next run is computed from the clock too
    next_run = datetime.fromisoformat(status["next_run_time"])
    assert frozen < next_run <= frozen + timedelta(days=1)
