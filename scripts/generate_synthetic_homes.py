"""Generate synthetic Home Assistant homes: a thin CLI over `ai_automation.synthesis.generator`.

Compatible with the original command line, e.g.
    python scripts/generate_synthetic_homes.py --count 10 --days 30 --disable-calendar \\
        --output tests/datasets/synthetic_homes_10x30
Bad input prints one line on stderr and exits with status 2; nothing is left half-written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

SOURCES = ("weather", "carbon", "pricing", "calendar")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """Bad arguments: one line on stderr (no usage dump), exit status 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r} (expected YYYY-MM-DD)") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The original flags plus --seed, --start-date, --workers, --gzip and --overwrite."""
    parser = _Parser(prog="generate_synthetic_homes.py", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="number of homes (default 100)")
    parser.add_argument("--days", type=int, default=90, help="days of events per home (default 90)")
    parser.add_argument(
        "--output", type=Path, default=Path("tests/datasets/synthetic_homes"), help="dataset folder"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (default 42): same seed, same bytes"
    )
    parser.add_argument(
        "--start-date", type=_date, default=None, help="first simulated day, UTC (YYYY-MM-DD)"
    )
    parser.add_argument("--home-types", nargs="+", default=None, help="restrict the mix to these home types")
    for source in SOURCES:
        parser.add_argument(f"--enable-{source}", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument(f"--disable-{source}", action="store_true", help=f"leave out {source} data")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="parallel processes")
    parser.add_argument("--gzip", action="store_true", help="write home files as .json.gz")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing dataset folder")
    # Accepted for compatibility with the original; the LLM-assisted mode is not part of this generator.
    parser.add_argument("--enable-openai", action="store_true", help=argparse.SUPPRESS)
    for flag in ("--enhancement-percentage", "--validate-percentage", "--rate-limit-rpm"):
        parser.add_argument(flag, type=float, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _progress_bar(total: int) -> tuple[Any, Any]:
    """A rich progress bar on a terminal; a no-op elsewhere (keeps piped runs quiet and fast)."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("generating homes"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return bar, bar.add_task("homes", total=total)


def _print_summary(summary: dict[str, Any], output: Path, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    totals = summary["totals"]
    table = Table(title=f"Synthetic homes -> {output}", show_header=True)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for home_type, n in totals["home_types"].items():
        table.add_row(f"homes: {home_type}", str(n))
    table.add_row("homes", str(totals["homes"]))
    table.add_row("devices / entities", f"{totals['devices']:,} / {totals['entities']:,}")
    for name, n in totals["events_by_type"].items():
        table.add_row(f"events: {name}", f"{n:,}")
    table.add_row("events", f"{totals['events']:,}")
    for name, n in totals["external_data_points"].items():
        table.add_row(f"external: {name}", f"{n:,}")
    table.add_row("failure episodes", str(totals["failure_episodes"]))
    table.add_row("size on disk", f"{totals['bytes'] / 1e6:,.1f} MB")
    table.add_row("time", f"{seconds:.2f} s")
    table.add_row("events/s", f"{totals['events'] / max(seconds, 1e-9):,.0f}")
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    """Parse, generate, report; exit status 2 on bad input."""
    args = parse_args(argv)
    if args.enable_openai:
        print("note: --enable-openai is ignored (no LLM-designed homes in this generator)", file=sys.stderr)
    from ai_automation.synthesis.generator import GeneratorInputError, GeneratorOptions, generate_dataset

    options: dict[str, Any] = {
        "count": args.count,
        "days": args.days,
        "home_types": tuple(t for item in args.home_types for t in item.split(",") if t)
        if args.home_types
        else None,
        "workers": args.workers,
        "gzip": args.gzip,
    }
    options.update({source: not getattr(args, f"disable_{source}") for source in SOURCES})
    if args.seed is not None:
        options["seed"] = args.seed
    if args.start_date is not None:
        options["start_date"] = args.start_date
    started = time.perf_counter()
    try:
        generator_options = GeneratorOptions(**options)
        bar, task = _progress_bar(generator_options.count)
        if bar is not None:
            bar.start()
        try:
            summary = generate_dataset(
                generator_options,
                args.output,
                progress=(lambda done: bar.update(task, completed=done)) if bar is not None else None,
                overwrite=args.overwrite,
            )
        finally:
            if bar is not None:
                bar.stop()
    except GeneratorInputError as exc:
        print(f"generate_synthetic_homes.py: error: {exc}", file=sys.stderr)
        return 2
    _print_summary(summary, args.output, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
