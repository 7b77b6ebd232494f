"""The nightly retraining schedule both services run: APScheduler 3 cron job with a persisted state file.

APScheduler's SQLAlchemyJobStore pickles job state, and nothing on a load path of this project
unpickles, so the job itself lives in a memory store and what must survive a restart is kept in a
small JSON file: the next planned run and the last run with its outcome. On start-up a run that
was due while the service was down (within the misfire grace time) or that was interrupted by a
crash runs once (coalesced); a run that finished is never repeated.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from homeiq_shared.state_files import read_state, write_state

logger = logging.getLogger(__name__)

NightlyJob = Callable[[str], Awaitable[dict[str, Any]]]
NIGHTLY_STATE_FILE = "nightly_state.json"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock (tests pass a frozen one instead)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class ScheduleConfig:
    """What to run when: a crontab line in a local time zone, and the switch to turn it off."""

    job_id: str
    cron: str
    timezone: str
    enabled: bool = True
    misfire_grace_seconds: int = 6 * 3600


class NightlyScheduler:
    """Runs `job(trigger)` on the cron schedule, one run at a time, and records every run's outcome."""

    def __init__(
        self, job: NightlyJob, config: ScheduleConfig, state_path: Path, clock: Clock = utc_now
    ) -> None:
        self._job = job
        self._clock = clock  # every time this scheduler records or compares comes from here
        self._config = config
        self._state_path = state_path
        self._scheduler: AsyncIOScheduler | None = None
        self._running = asyncio.Lock()
        self.run_finished = asyncio.Event()
        """Set when a run has finished and its outcome is recorded (cleared when the next one starts)."""
        self._state: dict[str, Any] = self._read_state()
        self.trigger = CronTrigger.from_crontab(config.cron, timezone=config.timezone)

    def _read_state(self) -> dict[str, Any]:
        return read_state(self._state_path)

    def _write_state(self) -> None:
        write_state(self._state_path, self._state)

    def _catch_up_time(self, now: datetime) -> datetime | None:
        """When a run was missed or interrupted while the service was down, the time to run it: now."""
        last = self._state.get("last_run") or {}
        if last.get("started_at") and not last.get("finished_at"):
            return now
        planned = self._state.get("next_run_time")
        if planned:
            due = datetime.fromisoformat(planned)
            if due <= now and (now - due).total_seconds() <= self._config.misfire_grace_seconds:
                return now
        return None

    def start(self, now: datetime | None = None) -> None:
        """Start the scheduler (no-op when disabled); call from inside the running event loop."""
        if not self._config.enabled:
            logger.info("nightly job %s is disabled", self._config.job_id)
            return
        now = now or self._clock()
        self._scheduler = AsyncIOScheduler(timezone=self._config.timezone)
        catch_up = self._catch_up_time(now)
        self._scheduler.add_job(
            self._fire,
            self.trigger,
            args=["nightly"],
            id=self._config.job_id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=self._config.misfire_grace_seconds,
            replace_existing=True,
            next_run_time=catch_up,
        )
        self._scheduler.start()
        if catch_up is not None:
            logger.info("nightly job %s: running the missed or interrupted run now", self._config.job_id)
        self._remember_next_run()

    def shutdown(self) -> None:
        """Stop the scheduler without waiting for a running job (its state file says it did not finish)."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None

    def _remember_next_run(self) -> None:
        job = self._scheduler.get_job(self._config.job_id) if self._scheduler else None
        if job is not None and job.next_run_time is not None:
            self._state["next_run_time"] = job.next_run_time.astimezone(UTC).isoformat()
            self._write_state()

    @property
    def is_running(self) -> bool:
        """True while a run (scheduled or manual) is in progress."""
        return self._running.locked()

    async def run_now(self) -> dict[str, Any]:
        """Run the job immediately (the `/train/schedule` endpoints); returns the recorded run."""
        return await self._fire("manual")

    async def _fire(self, trigger: str) -> dict[str, Any]:
        if self._running.locked():
            logger.warning("nightly job %s already running; this trigger is skipped", self._config.job_id)
            return {"status": "skipped", "reason": "a run is already in progress"}
        async with self._running:
            self.run_finished.clear()
            run: dict[str, Any] = {"trigger": trigger, "started_at": self._clock().isoformat()}
            self._state["last_run"] = run
            self._remember_next_run()
            self._write_state()
            try:
                run["result"] = await self._job(trigger)
                run["status"] = "ok"
            except Exception as exc:
                logger.exception("nightly job %s failed", self._config.job_id)
                run["status"] = "error"
                run["error"] = f"{type(exc).__name__}: {exc}"
            run["finished_at"] = self._clock().isoformat()
            self._state["last_run"] = run
            self._write_state()
            self.run_finished.set()
            return run

    def status(self) -> dict[str, Any]:
        """Enabled, schedule, time zone, next run, running, and the last run with its outcome."""
        job = self._scheduler.get_job(self._config.job_id) if self._scheduler else None
        next_run = job.next_run_time.isoformat() if job is not None and job.next_run_time else None
        if next_run is None and self._config.enabled:
            upcoming = self.trigger.get_next_fire_time(None, self._clock())
            next_run = upcoming.isoformat() if upcoming else None
        return {
            "enabled": self._config.enabled,
            "schedule": self._config.cron,
            "timezone": self._config.timezone,
            "next_run_time": next_run,
            "running": self.is_running,
            "last_run": self._state.get("last_run"),
        }


class NightlyHandle:
    """The nightly scheduler plus the run started from the API (at most one at a time)."""

    def __init__(self, scheduler: NightlyScheduler) -> None:
        self.scheduler = scheduler
        self.task: asyncio.Task[dict[str, Any]] | None = None

    @property
    def running(self) -> bool:
        """True while a scheduled or manual run is in progress (or about to start)."""
        return self.scheduler.is_running or (self.task is not None and not self.task.done())

    def start_now(self) -> asyncio.Task[dict[str, Any]]:
        """Start the job in the background at once; its outcome lands in the status."""
        self.task = asyncio.create_task(self.scheduler.run_now())
        return self.task

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stop the schedule; give a manual run in progress `grace_seconds` to finish, then cancel it."""
        self.scheduler.shutdown()
        if self.task is not None and not self.task.done():
            try:
                await asyncio.wait_for(asyncio.shield(self.task), grace_seconds)
            except TimeoutError:
                # The state file says "started, not finished": the next start runs it once more.
                self.task.cancel()


def next_fire_after(config: ScheduleConfig, moment: datetime) -> datetime:
    """The first scheduled run strictly after `moment` (for tests and status pages)."""
    trigger = CronTrigger.from_crontab(config.cron, timezone=config.timezone)
    fire: datetime | None = trigger.get_next_fire_time(None, moment + timedelta(microseconds=1))
    assert fire is not None
    return fire
