"""Fleet scale on Dask: generate homes as Parquet parts, train the failure model on them, score them.

    python scripts/fleet.py generate --homes 1000 --days 30 --seed 42 --output data/fleet
    python scripts/fleet.py train --data data/fleet --models-dir models
    python scripts/fleet.py score --data data/fleet --models-dir models

Each runs on a LocalCluster (2 worker processes on 127.0.0.1 by default, --workers) or on an existing
cluster with --scheduler tcp://host:8786 (its workers need this project installed with the [fleet]
extra, and the data folder on a file system they share). Needs the [fleet] extra (.venv-fleet:
`make fleet-venv`). Exit status: 0 done, 1 a quality gate failed (train), 2 bad arguments or data,
3 the scheduler could not be reached.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

SCHEDULER_HELP = "address of an existing Dask scheduler (tcp://host:port); default: a LocalCluster"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """Bad arguments: one line on stderr (no usage dump), exit status 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return number


def _seed(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to 2**32-1, got {value!r}") from None
    if not 0 <= number < 2**32:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to 2**32-1, got {value}")
    return number


def _scheduler(value: str) -> str:
    if not value.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise argparse.ArgumentTypeError(f"expected an address like tcp://host:8786, got {value!r}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Subcommands generate, train, score; each with --scheduler / --workers."""
    parser = _Parser(prog="fleet.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--scheduler", type=_scheduler, default=None, help=SCHEDULER_HELP)
        p.add_argument("--workers", type=_positive, default=2, help="LocalCluster worker processes (2)")
        p.add_argument(
            "--connect-timeout", type=float, default=10.0, help="seconds to wait for --scheduler (10)"
        )

    gen = sub.add_parser("generate", help="generate N homes as Parquet parts (one task per block)")
    gen.add_argument("--homes", type=_positive, default=1000, help="number of homes (1000)")
    gen.add_argument("--days", type=_positive, default=30, help="days of events per home (30)")
    gen.add_argument("--seed", type=_seed, default=42, help="random seed (42): same seed, same rows")
    gen.add_argument(
        "--output", type=Path, required=True, help="dataset folder (Parquet parts + summary.json)"
    )
    gen.add_argument("--block-homes", type=_positive, default=25, help="homes per task and shard (25)")
    gen.add_argument("--overwrite", action="store_true", help="replace an existing dataset folder")
    common(gen)

    train = sub.add_parser("train", help="derive device-days and train the failure model into the registry")
    train.add_argument("--data", type=Path, required=True, help="a folder written by `generate`")
    train.add_argument("--models-dir", type=Path, default=Path("models"), help="registry root (models)")
    train.add_argument("--seed", type=_seed, default=42, help="split and training seed (42)")
    train.add_argument("--horizon-days", type=_positive, default=7, help="label: fails within N days (7)")
    train.add_argument(
        "--engine",
        choices=("auto", "local", "dask"),
        default="auto",
        help="local: one machine, LightGBM dataset built in batches; dask: lightgbm.dask on the cluster; "
        "auto: dask with --scheduler, else local",
    )
    train.add_argument(
        "--rounds", type=_positive, default=None,
        help="boosting rounds (default: early stopping on the validation devices; dask: 300)",
    )  # fmt: skip
    common(train)

    score = sub.add_parser(
        "score", help="score every device-day with the registry's model (a Booster per worker)"
    )
    score.add_argument(
        "--data", type=Path, required=True, help="a folder written by `generate` (and `train`)"
    )
    score.add_argument("--models-dir", type=Path, default=Path("models"), help="registry root (models)")
    score.add_argument("--version", default=None, help="model version (default: production, else the latest)")
    common(score)
    return parser.parse_args(argv)


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.4f}"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _generate(args: argparse.Namespace, client: Any) -> int:
    from ai_automation.fleet.generation import generate_fleet
    from ai_automation.synthesis.generator import GeneratorInputError, GeneratorOptions

    started = time.perf_counter()
    try:
        options = GeneratorOptions(count=args.homes, days=args.days, seed=args.seed)
        summary = generate_fleet(
            client, options, args.output, args.block_homes, overwrite=args.overwrite, progress=_say
        )
    except GeneratorInputError as exc:
        print(f"fleet.py generate: error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    totals, fleet = summary["totals"], summary["fleet"]
    print(
        f"generated {totals['homes']:,} homes, {totals['events']:,} events, {len(fleet['parts'])} Parquet parts "
        f"({fleet['parquet_bytes'] / 1e6:,.1f} MB) in {seconds:.1f} s "
        f"({totals['events'] / max(seconds, 1e-9):,.0f} events/s) -> {args.output}"
    )
    return 0


def _train(args: argparse.Namespace, client: Any) -> int:
    from device_intelligence.fleet.training import FleetDataError, FleetTrainOptions, train_fleet

    engine = args.engine if args.engine != "auto" else ("dask" if args.scheduler else "local")
    options = FleetTrainOptions(
        seed=args.seed, horizon_days=args.horizon_days, engine=engine, rounds=args.rounds
    )
    try:
        result = train_fleet(client, args.data, args.models_dir, options, progress=_say)
    except FleetDataError as exc:
        print(f"fleet.py train: error: {exc}", file=sys.stderr)
        return 2
    rows, gates = result["rows"], result["gates"]
    print(
        f"failure_prediction {result['version']} ({result['engine']}, {result['trees']} trees) in {args.models_dir}"
    )
    print(f"split: {result['split_method']}")
    print(
        f"rows: {rows['total']:,} device-days, {rows['devices']:,} devices ({rows['failing_devices']} failing); "
        f"train {rows['train']:,}, validation {rows['validation']:,}, test {rows['test']:,}"
    )
    print(f"{'test metric':<12} {'LightGBM':>9} {'rule':>9}")
    for key, value in result["metrics"].items():
        base = result["baseline"][key]
        print(f"{key:<12} {_num(value):>9} {_num(base):>9}")
    print(f"quality gates {gates['verdict']}: {gates['message']}")
    print(f"seconds: {json.dumps(result['seconds'])}")
    return 0 if gates["passed"] else 1


def _score(args: argparse.Namespace, client: Any) -> int:
    from device_intelligence.fleet.scoring import score_fleet
    from device_intelligence.fleet.training import FleetDataError

    try:
        result = score_fleet(client, args.data, args.models_dir, args.version)
    except FleetDataError as exc:
        print(f"fleet.py score: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse, connect (or start a LocalCluster), run the subcommand."""
    args = parse_args(argv)
    try:
        import distributed  # noqa: F401  (the [fleet] extra: a clear message when it is missing)

        from homeiq_shared.fleet_cluster import SchedulerUnreachableError, fleet_client
    except ImportError as exc:
        print(
            f"fleet.py: error: the [fleet] extra is not installed ({exc}); make fleet-venv", file=sys.stderr
        )
        return 2
    if args.command in ("train", "score") and not (args.data / "summary.json").is_file():
        print(
            f"fleet.py {args.command}: error: {args.data} is not a fleet dataset (no summary.json)",
            file=sys.stderr,
        )
        return 2
    run = {"generate": _generate, "train": _train, "score": _score}[args.command]
    try:
        with fleet_client(args.scheduler, args.workers, args.connect_timeout) as client:
            return run(args, client)
    except SchedulerUnreachableError as exc:
        print(f"fleet.py: error: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
