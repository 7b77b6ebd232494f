"""Train the home-type classifier on a folder of home files (the CLI behind scripts/train_home_type_classifier.py).

Compatible with the original line:
    python scripts/train_home_type_classifier.py --synthetic-homes tests/datasets/synthetic_homes_10x30 \
        --output models/home_type_classifier_10x30.pkl --test-size 0.2
No pickle is written: an --output ending in .pkl is a name stem for <stem>.skops, <stem>_metadata.json
and <stem>_results.json. The model is also registered as a new version in the registry (--models-dir).
Exit status: 0 when the quality gates passed, 1 when a gate failed, 2 for bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ai_automation.home_type.metrics import TASKS
from ai_automation.home_type.training import TrainingOutcome, TrainingRequest, run_outcome, train_home_type
from homeiq_shared.errors import DomainError
from homeiq_shared.fingerprint import json_default
from homeiq_shared.logging_setup import configure_logging
from homeiq_shared.training_runs import run_recorded_training


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The original flags plus --seed, --task, --augment, --models-dir."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--synthetic-homes", type=Path, required=True, help="folder of home_*.json(.gz) files"
    )
    parser.add_argument(
        "--output", type=Path, default=Path("models/home_type_classifier.pkl"), help="name stem"
    )
    parser.add_argument("--test-size", type=float, default=0.2, help="share of homes held out, in (0, 1)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
    parser.add_argument(
        "--task", choices=TASKS, default="full", help="full (every type) or binary (original)"
    )
    parser.add_argument("--augment", type=int, default=0, help="augmented copies per TRAINING home (0)")
    parser.add_argument("--models-dir", type=Path, default=Path("models"), help="registry root (models)")
    parser.add_argument(
        "--no-promote",
        action="store_true",
        help="register and evaluate only (by default a model is promoted when its gates pass and it is "
        "not worse than production; scripts/models.py promote --force overrides a failed gate)",
    )
    parser.add_argument("--verbose", action="store_true", help="debug logging")
    return parser.parse_args(argv)


def _stem(output: Path) -> Path:
    return output.with_suffix("") if output.suffix in (".pkl", ".skops", ".joblib") else output


def write_outputs(outcome: TrainingOutcome, output: Path) -> list[Path]:
    """Copy the registered artifact and write `<stem>_metadata.json` and `<stem>_results.json`."""
    stem = _stem(output)
    stem.parent.mkdir(parents=True, exist_ok=True)
    artifact = stem.with_name(stem.name + ".skops")
    artifact.write_bytes(outcome.artifact_path.read_bytes())
    meta = stem.with_name(stem.name + "_metadata.json")
    meta.write_text(json.dumps(outcome.metadata, indent=2, default=json_default))
    results = stem.with_name(stem.name + "_results.json")
    results.write_text(json.dumps(outcome.results, indent=2, default=json_default))
    return [artifact, meta, results]


def _f(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def print_report(console: Console, outcome: TrainingOutcome, paths: list[Path]) -> None:
    """Model beside its baselines, with intervals, split method, gates and where files went."""
    r = outcome.results
    cv = r["cross_validation"]
    table = Table(
        title=f"home type ({outcome.task}): {r['training_homes']} train / {r['test_homes']} test homes"
    )
    for column in ("", "holdout acc", "holdout macro-F1", "CV macro-F1 (95 % CI)"):
        table.add_column(column)
    mf = cv["macro_f1"]
    table.add_row(
        "model",
        _f(r["accuracy"]),
        _f(r["macro_f1"]),
        f"{_f(mf['mean'])} [{_f(mf['ci95_low'])}, {_f(mf['ci95_high'])}]",
    )
    comp = r["composition_only"]
    cm = comp["cv_macro_f1"]
    table.add_row(
        "composition only",
        _f(comp["holdout"]["accuracy"]),
        _f(comp["holdout"]["macro_f1"]),
        f"{_f(cm['mean'])} [{_f(cm['ci95_low'])}, {_f(cm['ci95_high'])}]",
    )
    for name, base in r["baselines"].items():
        bm = base["cv"]["macro_f1"]
        table.add_row(
            f"{name}: {base['rule'][:60]}",
            _f(base["accuracy"]),
            _f(base["macro_f1"]),
            f"{_f(bm['mean'])} [{_f(bm['ci95_low'])}, {_f(bm['ci95_high'])}]",
        )
    console.print(table)
    console.print(f"split: {r['split_method']}")
    console.print(f"[bold]{r['estimate_quality']}[/]")
    verdict = r["gates"]["verdict"]
    console.print(
        f"gates: [{'green' if verdict == 'PASSED' else 'red'}]{verdict}[/] - {r['gates']['message']}"
    )
    state = "promoted to production" if outcome.promoted else "not promoted"
    console.print(f"registered {outcome.model_name} {outcome.version}: {state} ({outcome.reason})")
    for path in paths:
        console.print(f"wrote {path.resolve()}")


def main(argv: list[str] | None = None) -> int:
    """Run one training; exit 2 on bad input."""
    args = parse_args(argv)
    configure_logging("DEBUG" if args.verbose else "WARNING")
    logging.captureWarnings(True)
    console = Console(stderr=False, width=120)
    err = Console(stderr=True)
    if not 0.0 < args.test_size < 1.0:
        err.print(f"[red]error:[/] --test-size must be strictly between 0 and 1, got {args.test_size}")
        return 2
    if args.augment < 0:
        err.print("[red]error:[/] --augment must be >= 0")
        return 2
    request = TrainingRequest(
        dataset=args.synthetic_homes,
        models_dir=args.models_dir,
        task=args.task,
        test_size=args.test_size,
        seed=args.seed,
        augment=args.augment,
        promote=not args.no_promote,
        trigger="cli",
    )
    columns = (
        TextColumn("features"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            bar = progress.add_task("", total=None)

            def tick(done: int, total: int, name: str) -> None:
                progress.update(bar, completed=done, total=total, description=name)

            # The one recorded-run workflow, minus what a CLI lacks: no database, no served model, no
            # in-process lock (see homeiq_shared.training_runs); the registry records the version.
            run = asyncio.run(
                run_recorded_training(
                    lock=None, runs=None, trigger="cli", task=args.task,
                    train=lambda: train_home_type(request, progress=tick), outcome=run_outcome,
                )
            )  # fmt: skip
            outcome = run.result
    except DomainError as exc:  # DatasetError included
        err.print(f"[red]error:[/] {exc.detail}")
        return 2
    paths = write_outputs(outcome, args.output)
    print_report(console, outcome, paths)
    return 0 if outcome.results["gates"]["passed"] else 1
