"""Command line of the pipeline: flags, a live progress display, a summary table, exit 0/1/2."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shlex
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from gateway.settings import GatewaySettings
from gateway.step_results import ExitCode, RunResult, Status, StepResult

if TYPE_CHECKING:
    from gateway.pipeline import Pipeline

# The pipeline (HTTP clients, contracts, report writer) is imported when it runs, not for `--help`.

_STYLE = {"PASSED": "green", "FAILED": "red", "SKIPPED": "yellow", "NOT RUN": "dim"}


def build_parser() -> argparse.ArgumentParser:
    """The flags; unset ones fall back to `GATEWAY_*` settings and `.env`."""
    p = argparse.ArgumentParser(
        prog="run_pipeline.py",
        description="Generate -> train -> validate -> report through the services' HTTP APIs. "
        "Exit 0 when READY, 1 when NOT READY (a quality gate or check failed), 2 for bad arguments or "
        "settings, 3 for infrastructure (a service did not start, was unreachable or answered 5xx), "
        "130 when interrupted.",
    )
    p.add_argument("--homes", "--count", dest="homes", type=int, help="synthetic homes (default 200)")
    p.add_argument("--days", type=int, help="days of events per home (default 14)")
    p.add_argument(
        "--devices", "--synthetic-count", dest="devices", type=int, help="synthetic devices (default 1000)"
    )
    p.add_argument("--device-days", type=int, help="days of telemetry per device (default 180)")
    p.add_argument("--seed", type=int, help="seed of every dataset and split (default 42)")
    p.add_argument("--test-size", type=float, help="held-out share of homes (default 0.2)")
    p.add_argument("--quick", action="store_true", help="10 homes x 7 days, 200 devices x 60 days")
    p.add_argument(
        "--ai-url", help="a running ai-automation (e.g. http://localhost:8024); nothing is started"
    )
    p.add_argument("--device-url", help="a running device-intelligence (e.g. http://localhost:8028)")
    p.add_argument(
        "--start-local", action="store_true", help="start fresh local services even if URLs are configured"
    )
    p.add_argument(
        "--promote",
        action="store_true",
        help="running services: promote the trained models when their gates pass and they are not worse "
        "(without it they are registered and evaluated only; services started here always may)",
    )
    p.add_argument("--output-dir", help="where reports go (default reports)")
    p.add_argument("--runs-dir", help="per-run folders of started services (default runs)")
    p.add_argument(
        "--allow-low-quality",
        action="store_true",
        help="failed quality gates are waived (still reported as failed)",
    )
    p.add_argument(
        "--keep-data", action="store_true", help="keep the generated home files of started services (GBs)"
    )
    p.add_argument("--no-progress", action="store_true", help="no live display (plain summary only)")
    p.add_argument("--verbose", "-v", action="store_true", help="log at INFO level")
    return p


def settings_from_args(args: argparse.Namespace) -> GatewaySettings:
    """`GatewaySettings` with the given flags laid over the environment."""
    overrides: dict[str, Any] = {}
    if args.quick:
        overrides |= {"homes": 10, "days": 7, "devices": 200, "device_days": 60}
    for name in ("homes", "days", "devices", "device_days", "seed", "test_size", "output_dir", "runs_dir"):
        value = getattr(args, name)
        if value is not None:
            overrides[name] = value
    if args.ai_url:
        overrides["ai_url"] = args.ai_url
    if args.device_url:
        overrides["device_url"] = args.device_url
    if args.verbose:
        overrides["log_level"] = "INFO"
    if args.promote:
        overrides["promote"] = True
    return GatewaySettings(**overrides)


class ProgressView:
    """A rich progress line per step, updated from the pipeline's hook."""

    def __init__(self, progress: Progress | None, console: Console) -> None:
        self.progress = progress
        self.console = console
        self.tasks: dict[str, TaskID] = {}

    def note(self, step: StepResult, text: str) -> None:
        """A sub-step: its own line without a terminal, the step's live line otherwise."""
        if self.progress is None:
            self.console.print(f"{step.title}: {text}", markup=False, soft_wrap=True)
        elif step.key in self.tasks:
            line = f"{escape(step.title)}: [cyan]running[/] [dim]{escape(_first_line(text, 90))}[/]"
            self.progress.update(self.tasks[step.key], description=line)

    def __call__(self, step: StepResult) -> None:
        if self.progress is None:  # not a terminal: one plain line per finished step
            if step.status is not None:
                reason = f" ({step.reason})" if step.reason else ""
                self.console.print(
                    f"{step.title}: {step.status.value} in {step.duration_s:.1f} s{reason}", markup=False
                )
            return
        status = step.status.value if step.status else "running"
        style = _STYLE.get(status, "cyan")
        reason = f" [dim]{escape(_first_line(step.reason, 90))}[/]" if step.reason else ""
        text = f"{escape(step.title)}: [{style}]{status}[/]{reason}"
        if step.key not in self.tasks:
            self.tasks[step.key] = self.progress.add_task(text, total=1)
        self.progress.update(self.tasks[step.key], description=text, completed=1 if step.status else 0)
        if step.status is not None:
            self.progress.stop_task(self.tasks[step.key])


def _first_line(text: str, limit: int) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def print_summary(console: Console, run: RunResult) -> None:
    """The end-of-run table, the verdict and where the report is."""
    from gateway.pipeline import summary_rows

    table = Table(title=f"Pipeline run {run.run_id}")
    for column in ("Step", "Status", "Seconds", "Reason"):
        table.add_column(column, overflow="fold")
    for row in summary_rows(run):
        table.add_row(
            row["step"],
            f"[{_STYLE.get(row['status'], 'white')}]{row['status']}[/]",
            f"{row['seconds']:.2f}",
            escape(_first_line(row["reason"], 110)),
        )
    console.print(table)
    style = "bold green" if run.ready else "bold red"
    console.print(f"[{style}]{run.verdict}[/] in {run.wall_time_s:.1f} s (exit {run.exit_code})")
    for line in run.blocking():
        console.print(f"  - {line}", markup=False, soft_wrap=True)
    for name, path in run.report_paths.items():
        console.print(f"{name}: {path}", markup=False, soft_wrap=True)
    local = [s for s in run.services.values() if s.started_locally and s.models_dir]
    if local:
        console.print("trained models (production = what passed its gates):", markup=False, soft_wrap=True)
        for service in local:
            console.print(f"  {service.name}: {service.models_dir}", markup=False, soft_wrap=True)
        run_dir = Path(str(local[0].models_dir)).parent.parent
        console.print(f"serve them: make serve RUN={run_dir}", markup=False, soft_wrap=True)
    if run.step("report").status is not Status.PASSED:
        console.print("[red]the report could not be written[/]")


async def _run(pipeline: Pipeline) -> RunResult:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is not None:
        # Not on the main thread, or a platform without it: Ctrl-C handling still applies.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
    return await pipeline.execute()


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline once; return 0 (READY), 1 (NOT READY) or 2 (bad arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.start_local and (args.ai_url or args.device_url):
        parser.error("--start-local starts both services itself: do not give --ai-url/--device-url with it")
    console = Console(stderr=False)
    try:
        settings = settings_from_args(args)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "settings"
            print(f"run_pipeline.py: error: {field}: {error['msg']}", file=sys.stderr)  # noqa: T201
        return ExitCode.BAD_ARGUMENTS
    from gateway.pipeline import Pipeline, PipelineOptions

    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = PipelineOptions(
        settings=settings,
        # --start-local ignores URLs configured in the environment or .env.
        ai_url=str(settings.ai_url) if settings.ai_url and not args.start_local else None,
        device_url=str(settings.device_url) if settings.device_url and not args.start_local else None,
        start_local=args.start_local,
        allow_low_quality=args.allow_low_quality,
        keep_data=args.keep_data,
    )
    if argv is not None:  # called from Python: show the equivalent command line
        options.command = shlex.join([".venv/bin/python", "scripts/run_pipeline.py", *argv])
    live = not args.no_progress and console.is_terminal
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    )
    view = ProgressView(progress if live else None, console)
    pipeline = Pipeline(options, view, view.note)
    try:
        if live:
            with progress:
                run = asyncio.run(_run(pipeline))
        else:
            run = asyncio.run(_run(pipeline))
    except (KeyboardInterrupt, asyncio.CancelledError):
        run = pipeline.run
        console.print("[red]interrupted[/]: started services stopped, report written with what is known")
    print_summary(console, run)
    return int(run.exit_code)
