"""The pre-production pipeline over HTTP: pre-flight, generate, train, validate, report."""

from __future__ import annotations

import asyncio
import importlib
import logging
import shlex
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway import optional_models, preflight, training, validation
from gateway.local_services import AI_AUTOMATION, DEVICE_INTELLIGENCE, LocalServiceSet
from gateway.service_clients import AiAutomationClient, DeviceIntelligenceClient, ServiceClient, ServiceError
from gateway.settings import GatewaySettings
from gateway.step_results import Failure, RunResult, Status, StepResult

logger = logging.getLogger(__name__)

STEPS: tuple[tuple[str, str], ...] = (
    ("preflight", "Pre-flight"),
    ("generation", "Data generation"),
    ("home_type", "Home-type training"),
    ("device", "Device-intelligence training"),
    ("validation", "Validation"),
    ("report", "Report and manifest"),
)

ProgressHook = Callable[[StepResult], None]
NoteHook = Callable[[StepResult, str], None]


def failure_of(exc: BaseException) -> Failure:
    """A refused API key is a setting to fix (bad arguments); anything else a service did is infrastructure."""
    if isinstance(exc, ServiceError) and exc.status in (401, 403):
        return Failure.ARGUMENTS
    return Failure.INFRASTRUCTURE


@dataclass
class PipelineOptions:
    """One run's inputs (the CLI's flags over `GatewaySettings`)."""

    settings: GatewaySettings
    ai_url: str | None = None
    device_url: str | None = None
    start_local: bool = False
    allow_low_quality: bool = False
    keep_data: bool = False
    command: str = field(default_factory=lambda: invocation())

    @property
    def output_dir(self) -> Path:
        """Where the report and manifest go."""
        return self.settings.output_dir


def invocation() -> str:
    """How this process was started, with the interpreter relative to the working folder when inside it."""
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(Path.cwd()))
    except ValueError:
        shown = str(python)
    return shlex.join([shown, *sys.argv])


def new_run(options: PipelineOptions) -> RunResult:
    """An empty run record with a timestamp id and every step pending."""
    started = datetime.now(UTC)
    s = options.settings
    return RunResult(
        run_id=started.strftime("%Y%m%d_%H%M%S"),
        started_at=started,
        command=options.command,
        options={
            "homes": s.homes,
            "days": s.days,
            "devices": s.devices,
            "device_days": s.device_days,
            "seed": s.seed,
            "test_size": s.test_size,
            "home_type_thresholds": s.home_type_thresholds,
            "device_thresholds": s.device_thresholds,
        },
        steps=[StepResult(key, title) for key, title in STEPS],
        allow_low_quality=options.allow_low_quality,
    )


def unique_run_dir(runs_dir: Path, run_id: str) -> Path:
    """`runs/<run_id>/`, with a suffix when a run already used that second."""
    candidate = runs_dir / run_id
    n = 2
    while candidate.exists():
        candidate = runs_dir / f"{run_id}_{n}"
        n += 1
    candidate.mkdir(parents=True)
    return candidate


class Pipeline:
    """Runs the steps in order (home and device chains at once) and always writes the report."""

    def __init__(
        self, options: PipelineOptions, progress: ProgressHook | None = None, notes: NoteHook | None = None
    ) -> None:
        self.options = options
        self.settings = options.settings
        self.run = new_run(options)
        self.progress = progress or (lambda step: None)
        for step in self.run.steps:
            step.on_note = notes
        self.local: LocalServiceSet | None = None
        self.ai: AiAutomationClient | None = None
        self.device: DeviceIntelligenceClient | None = None

    def _begin(self, key: str) -> StepResult:
        step = self.run.step(key)
        step.begin()
        self.progress(step)
        return step

    def _end(
        self, step: StepResult, status: Status, reason: str = "", failure: Failure | None = None
    ) -> None:
        step.finish(status, reason, failure)
        self.progress(step)

    def _skip_pending(self, reason: str) -> None:
        for step in self.run.steps:
            if step.status is None and step.key != "report":
                step.skip(reason)
                self.progress(step)

    async def _preflight(self, stack: AsyncExitStack) -> None:
        step = self._begin("preflight")
        s = self.settings
        step.note("settings valid")
        preflight.check_writable(s.output_dir)
        for line in preflight.check_disk([s.output_dir], s.min_free_disk_mb):
            step.note(line)
        given = {AI_AUTOMATION.name: self.options.ai_url, DEVICE_INTELLIGENCE.name: self.options.device_url}
        keys = {
            AI_AUTOMATION.name: s.ai_api_key.get_secret_value() if s.ai_api_key else None,
            DEVICE_INTELLIGENCE.name: s.device_api_key.get_secret_value() if s.device_api_key else None,
        }
        # Given URLs are checked first: a wrong URL fails in a second, before anything is started.
        timeouts = {"timeout_s": s.request_timeout_s, "connect_timeout_s": s.connect_timeout_s}
        for spec, client_type in (
            (AI_AUTOMATION, AiAutomationClient),
            (DEVICE_INTELLIGENCE, DeviceIntelligenceClient),
        ):
            if given[spec.name]:
                async with client_type(str(given[spec.name]), keys[spec.name], **timeouts) as probe:
                    await preflight.check_remote(probe, spec.name)
        resolved: dict[str, preflight.ResolvedService] = {}
        to_start = []
        for spec in (AI_AUTOMATION, DEVICE_INTELLIGENCE):
            url = given[spec.name]
            if url:
                resolved[spec.name] = preflight.ResolvedService(url, keys[spec.name], None)
            elif not self.options.start_local and await preflight.probe_default(spec):
                url = preflight.DEFAULT_URLS[spec.name]
                resolved[spec.name] = preflight.ResolvedService(url, keys[spec.name], None)
                step.note(f"{spec.name}: using the instance already running at {url}")
            else:
                to_start.append(spec)
        if to_start:
            # The generated homes land on this disk while the run lasts: make sure they fit.
            need = max(s.min_free_disk_mb, preflight.dataset_estimate_mb(s.homes, s.days))
            for line in preflight.check_disk([s.runs_dir], need):
                step.note(line)
            run_dir = unique_run_dir(s.runs_dir, self.run.run_id)
            step.note(f"starting {' and '.join(spec.name for spec in to_start)} locally under {run_dir}")
            self.local = LocalServiceSet(run_dir, startup_timeout_s=s.startup_timeout_s)
            started = await preflight.start_local(to_start, self.local)
            resolved.update(started)
            for name, item in started.items():
                ready = item.record.ready_after_s if item.record else None
                step.note(
                    f"{name}: started locally at {item.url}, healthy after {ready or 0:.1f} s"
                    f" (files under {run_dir / name.replace('-', '_')})"
                )
        ai_item, dev_item = resolved[AI_AUTOMATION.name], resolved[DEVICE_INTELLIGENCE.name]
        ai = await stack.enter_async_context(AiAutomationClient(ai_item.url, ai_item.api_key, **timeouts))
        device = await stack.enter_async_context(
            DeviceIntelligenceClient(dev_item.url, dev_item.api_key, **timeouts)
        )
        self.ai, self.device = ai, device
        pairs: tuple[tuple[ServiceClient, preflight.ResolvedService], ...] = (
            (ai, ai_item),
            (device, dev_item),
        )
        for client, item in pairs:
            record = await preflight.check_remote(client, client.name)
            if item.record is not None:  # started here: keep where its files and log are
                record.started_locally = True
                record.ready_after_s = item.record.ready_after_s
                record.log_path = item.record.log_path
                record.models_dir = item.record.models_dir
            self.run.services[client.name] = record
            step.note(f"{client.name} {record.version or '?'} healthy at {client.base_url}")
        self._end(step, Status.PASSED)

    async def _guarded(self, key: str, work: Callable[[StepResult], Awaitable[None]]) -> bool:
        """Run one step; any failure is recorded on the step (never left to stop the other chain)."""
        step = self._begin(key)
        try:
            await work(step)
        except (ServiceError, training.StepFailedError) as exc:
            self._end(step, Status.FAILED, str(exc), failure_of(exc))
            return False
        except Exception as exc:
            logger.exception("step %s failed unexpectedly", key)
            self._end(step, Status.FAILED, f"unexpected {type(exc).__name__}: {exc}")
            return False
        self._end(step, Status.PASSED)
        return True

    async def _home_chain(self) -> None:
        ai = self.ai
        assert ai is not None
        s, run = self.settings, self.run
        if not await self._guarded("generation", lambda step: training.generate(ai, s, run, step)):
            self.run.step("home_type").skip("no dataset: data generation failed")
            self.progress(self.run.step("home_type"))
            return
        await self._guarded("home_type", lambda step: training.train_home_types(ai, s, run, step))

    async def _device_chain(self) -> None:
        device = self.device
        assert device is not None
        s, run = self.settings, self.run
        await self._guarded("device", lambda step: training.train_devices(device, s, run, step))

    async def _validation(self) -> None:
        assert self.ai is not None
        assert self.device is not None
        trained = [self.run.step(k).status is Status.PASSED for k in ("home_type", "device")]
        step = self._begin("validation")
        if not any(trained):
            self._end(step, Status.SKIPPED, "no model was trained")
            return
        try:
            await validation.validate(self.ai, self.device, self.settings, self.run, step)
        except ServiceError as exc:
            self._end(step, Status.FAILED, str(exc), failure_of(exc))
            return
        except Exception as exc:
            logger.exception("validation failed unexpectedly")
            self._end(step, Status.FAILED, f"unexpected {type(exc).__name__}: {exc}")
            return
        failed = [c for c in step.checks if not c.passed and not c.waived]
        if failed:
            self._end(
                step,
                Status.FAILED,
                f"{len(failed)} check(s) failed: " + "; ".join(c.name for c in failed[:4]),
                Failure.QUALITY,
            )
        elif not all(trained):
            self._end(
                step, Status.FAILED, "a model was not trained, so its gates cannot pass", Failure.QUALITY
            )
        else:
            waived = [c for c in step.checks if c.waived]
            reason = f"{len(waived)} failed gate(s) waived by --allow-low-quality" if waived else ""
            self._end(step, Status.PASSED, reason)

    async def _run_steps(self) -> None:
        # Import the plotting stack while the services work, not after (it takes a second or two).
        threading.Thread(
            target=importlib.import_module, args=("gateway.readiness_report",), daemon=True
        ).start()
        async with AsyncExitStack() as stack:
            try:
                await self._preflight(stack)
            except (preflight.PreflightError, ServiceError, OSError, RuntimeError) as exc:
                self._end(self.run.step("preflight"), Status.FAILED, str(exc), failure_of(exc))
                self._skip_pending("pre-flight failed")
                return
            await asyncio.gather(self._home_chain(), self._device_chain())
            await self._validation()
            await self._optional_models()

    async def _optional_models(self) -> None:
        """The seed's optional models (never blocking READY): the recorded figure, one live request."""
        assert self.ai is not None
        try:
            self.run.optional = [
                await optional_models.synergy_detector(self.ai),
                await optional_models.soft_prompt(self.ai),
            ]
        except Exception:  # an optional row must never fail the run
            logger.exception("could not check the optional models")

    def _finish(self, t0: float) -> RunResult:
        """Stop what was started, then write the manifest and report (synchronous: safe after Ctrl-C)."""
        if self.local is not None:
            self.local.stop()
            if not self.options.keep_data:
                freed = preflight.prune_datasets(self.local.run_dir)
                if freed:
                    self.run.step("report").note(
                        f"deleted {freed / 2**20:,.0f} MB of generated home files under {self.local.run_dir}"
                        " (summary.json kept: the seed and arguments regenerate them byte for byte; --keep-data keeps them)"
                    )
        self.run.wall_time_s = time.perf_counter() - t0
        step = self.run.step("report")
        step.begin()
        self.progress(step)
        from gateway.model_manifest import write_manifest
        from gateway.readiness_report import write_reports

        # The report states its own step as passed; if writing fails the run ends FAILED anyway.
        step.status = Status.PASSED
        try:
            manifest = write_manifest(self.run, self.settings.output_dir)
            paths = write_reports(self.run, self.settings.output_dir)
            self.run.report_paths = {**paths, "manifest": str(manifest)}
            step.note(f"report {paths['markdown']}")
            step.duration_s = time.perf_counter() - step._t0
        except Exception as exc:
            logger.exception("could not write the report")
            step.status = Status.FAILED
            step.failure = Failure.INFRASTRUCTURE
            step.reason = f"{type(exc).__name__}: {exc}"
        self.progress(step)
        self.run.wall_time_s = time.perf_counter() - t0
        return self.run

    async def execute(self) -> RunResult:
        """Run every step; on any error or cancellation still stop services and write the report."""
        t0 = time.perf_counter()
        try:
            await self._run_steps()
        except (asyncio.CancelledError, KeyboardInterrupt):
            self.run.interrupted = True
            for step in self.run.steps:
                if step._t0 and step.status is None:
                    step.finish(Status.FAILED, "interrupted (Ctrl-C or SIGTERM)")
            self._skip_pending("the run was interrupted")
            self._finish(t0)
            raise
        except Exception as exc:
            logger.exception("pipeline error")
            for step in self.run.steps:
                if step._t0 and step.status is None:
                    step.finish(Status.FAILED, f"unexpected {type(exc).__name__}: {exc}")
            self._skip_pending(f"an earlier step failed unexpectedly ({type(exc).__name__})")
        return self._finish(t0)


async def run_pipeline(
    options: PipelineOptions, progress: ProgressHook | None = None, notes: NoteHook | None = None
) -> RunResult:
    """Run the whole pipeline once and return its record (the report is already written)."""
    return await Pipeline(options, progress, notes).execute()


def summary_rows(run: RunResult) -> list[dict[str, Any]]:
    """Step, status, seconds and reason, for a summary table or a benchmark file."""
    return [
        {
            "step": s.title,
            "status": s.status.value if s.status else "NOT RUN",
            "seconds": round(s.duration_s, 2),
            "reason": s.reason,
        }
        for s in run.steps
    ]
