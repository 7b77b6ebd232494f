"""Train the device-intelligence models (LightGBM failure + IsolationForest anomaly) into the registry.

Compatible with the original line:
    python scripts/train_models.py --force --verbose --synthetic-data --synthetic-count 1000
Exit status: 0 when every quality gate passed, 1 when a gate failed, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from device_intelligence.training_cli import confidence_over_seeds, run_training
from homeiq_shared.logging_setup import configure_logging


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The original flags plus --days, --seed, --horizon-days, --models-dir, --seeds."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="retrain even if production is current for this data (promotion still needs the gates)",
    )
    parser.add_argument(
        "--no-promote", action="store_true", help="register and evaluate only; production is left as it is"
    )
    parser.add_argument("--verbose", action="store_true", help="debug logging and full tables")
    parser.add_argument(
        "--synthetic-data", action="store_true", help="train on simulated telemetry (default)"
    )
    parser.add_argument("--synthetic-count", type=_positive, default=1000, help="simulated devices (1000)")
    parser.add_argument("--days", type=_positive, default=180, help="days of daily telemetry (180)")
    parser.add_argument("--days-back", type=_positive, default=None, help="original name of --days (kept)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
    parser.add_argument("--horizon-days", type=_positive, default=7, help="label: fails within N days (7)")
    parser.add_argument("--models-dir", type=Path, default=Path("models"), help="registry root (models)")
    parser.add_argument("--incremental", action="store_true", help="continue the production booster")
    parser.add_argument(
        "--seeds",
        type=int,
        default=0,
        help="also train on N fresh fleets (seeds SEED..SEED+N-1): mean +- sd and how many pass the gates",
    )
    args = parser.parse_args(argv)
    if args.days_back is not None:
        args.days = args.days_back
    return args


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def print_report(console: Console, result: dict[str, Any]) -> None:
    """Metrics beside the rule baseline, lead times per failure kind, anomaly figures and gate verdicts."""
    if result["status"] == "kept":
        console.print(f"[yellow]kept production {result['production_version']}[/]: {result['reason']}")
    m, b = result["metrics"], result["baseline"]
    table = Table(title=f"Failure prediction (test rows; {m.get('split_method', '')})", title_justify="left")
    for col in ("metric", "LightGBM", "rule baseline"):
        table.add_column(col)
    for key in (
        "pr_auc",
        "roc_auc",
        "precision",
        "recall",
        "f1_score",
        "accuracy",
        "median_lead_days",
        "row_recall",
        "failure_recall_all",
        "brier",
        "alerts",
        "positives",
    ):
        table.add_row(key, _fmt(m.get(key)), _fmt(b.get(key)))
    table.add_row("threshold (chosen on validation)", _fmt(m.get("threshold")), "rule")
    console.print(table)
    if m.get("metric_definitions"):
        console.print(f"[dim]{m['metric_definitions']}[/]")
    lead = Table(title="Lead time per failure kind (days from first alert to failure)", title_justify="left")
    for col in ("kind", "failures", "model: detected / median lead", "rule: detected / median lead"):
        lead.add_column(col)
    for kind, row in m.get("lead_time", {}).items():
        rb = b.get("lead_time", {}).get(kind, {})
        lead.add_row(
            kind,
            str(row["failures"]),
            f"{row['detected_within_horizon']} / {_fmt(row['median_lead_days'])}",
            f"{rb.get('detected_within_horizon', '-')} / {_fmt(rb.get('median_lead_days'))}",
        )
    console.print(lead)
    print_event_figures(console, m, b)
    anomaly = result.get("anomaly_metrics") or {}
    if anomaly:
        dh, ss = anomaly["device_health"], anomaly["sensor_stream"]
        console.print(
            f"Anomaly (device health vs degradation episodes): PR-AUC {_fmt(dh['pr_auc'])}, "
            f"precision {_fmt(dh['precision'])}, recall {_fmt(dh['recall'])}"
        )
        for fault, row in ss["per_fault"].items():
            console.print(
                f"Anomaly (sensor stream, {fault}): PR-AUC {_fmt(row['pr_auc'])}, precision "
                f"{_fmt(row['precision'])}, recall {_fmt(row['recall'])}, streams found {row['streams_detected']}"
            )
    gates = result.get("gates") or {}
    colour = "green" if gates.get("passed") else "red"
    console.print(f"Quality gates: [{colour}]{gates.get('verdict', 'NOT RUN')}[/]")
    for check in gates.get("checks", []):
        mark = "[green]PASS[/]" if check["passed"] else "[red]FAIL[/]"
        console.print(f"  {mark} {check['reason']}")
    console.print(
        f"failure model {result.get('version')} / anomaly {result.get('anomaly_version')}: "
        f"{result['status']} ({result['reason']}); production now {result.get('production_version')}"
    )


def print_event_figures(console: Console, m: dict[str, Any], b: dict[str, Any]) -> None:
    """Failure-level figures, recall by days before the failure, and the recall ceiling of the data."""
    fl, fb = m.get("failure_level") or {}, b.get("failure_level") or {}
    if fl:
        table = Table(
            title="Failure level (each failure and each alert run counted once)", title_justify="left"
        )
        for col in ("figure", "LightGBM", "rule baseline"):
            table.add_column(col)
        for key in ("failure_recall", "alert_precision", "median_lead_days", "failures", "alerts"):
            table.add_row(key, _fmt(fl.get(key)), _fmt(fb.get(key)))
        console.print(table)
    by_days = m.get("recall_by_days_before_failure") or []
    if by_days:
        table = Table(title="Device-day recall by days before the failure", title_justify="left")
        for col in ("days before", "positives", "in episode", "LightGBM recall", "rule recall"):
            table.add_column(col)
        rule_rows = {r["days_before_failure"]: r for r in b.get("recall_by_days_before_failure") or []}
        for row in by_days:
            rule_row = rule_rows.get(row["days_before_failure"], {})
            table.add_row(
                str(row["days_before_failure"]),
                str(row["positives"]),
                _fmt(row["in_episode_share"]),
                _fmt(row["recall"]),
                _fmt(rule_row.get("recall")),
            )
        console.print(table)
    ceiling = m.get("predictable_ceiling") or {}
    if ceiling:
        console.print(
            f"Positive rows without signal by construction: sudden {_fmt(ceiling['sudden_share'])}, before "
            f"the episode began {_fmt(ceiling['pre_episode_share'])}; recall ceiling "
            f"{_fmt(ceiling['recall_ceiling'])}, model recall on the predictable rows "
            f"{_fmt(ceiling['recall_on_predictable'])}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the training and return the exit status."""
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    configure_logging("DEBUG" if args.verbose else "WARNING")
    console = Console()
    try:
        result = run_training(
            models_dir=args.models_dir,
            synthetic_count=args.synthetic_count,
            days=args.days,
            seed=args.seed,
            horizon_days=args.horizon_days,
            force=args.force,
            incremental=args.incremental,
            console=console,
            promote=not args.no_promote,
        )
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2
    print_report(console, result)
    if args.seeds > 0:
        console.print(
            confidence_over_seeds(args.synthetic_count, args.days, args.horizon_days, args.seed, args.seeds)
        )
    return 0 if result.get("gates", {}).get("passed") else 1


if __name__ == "__main__":
    logging.captureWarnings(True)
    sys.exit(main())
