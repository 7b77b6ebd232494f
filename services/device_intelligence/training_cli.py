"""What `scripts/train_models.py` runs: retrain() with a progress display, and a spread over seeds."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from device_intelligence.failure import model as failure_model
from device_intelligence.retraining import (
    RetrainOptions,
    gate_report,
    retrain,
    run_outcome,
    train_and_evaluate,
)
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.training_runs import run_recorded_training


def run_training(
    models_dir: Path,
    synthetic_count: int,
    days: int,
    seed: int,
    horizon_days: int,
    force: bool,
    incremental: bool,
    console: Console,
    promote: bool = True,
) -> dict[str, Any]:
    """Retrain on synthetic telemetry into the registry at `models_dir`, showing each step."""
    options = RetrainOptions(
        synthetic_count=synthetic_count,
        days=days,
        seed=seed,
        horizon_days=horizon_days,
        force=force,
        promote=promote,
        trigger="cli",
        mode="incremental" if incremental else "full",
    )
    registry = ModelRegistry(models_dir)
    with console.status("training...") as status:

        def progress(message: str) -> None:
            status.update(message)
            console.log(message)

        # The one recorded-run workflow, minus what a CLI lacks: no database, no served model, no
        # in-process lock (see homeiq_shared.training_runs); the registry records the versions.
        run = asyncio.run(
            run_recorded_training(
                lock=None, runs=None, trigger="cli", task=failure_model.MODEL_NAME,
                train=lambda: retrain(registry, options, progress=progress), outcome=run_outcome,
            )
        )  # fmt: skip
    return run.result.to_dict()


def confidence_over_seeds(
    synthetic_count: int, days: int, horizon_days: int, seed: int, n_seeds: int
) -> Table:
    """Mean and sd of the test metrics over seeds `seed`..`seed + n_seeds - 1` and how many pass the gates.

    Each seed simulates a fresh fleet and trains from scratch; nothing is registered.
    """
    keys = ("pr_auc", "accuracy", "precision", "recall", "f1_score", "median_lead_days", "row_recall",
            "failure_recall_all")  # fmt: skip
    model: dict[str, list[float]] = {k: [] for k in keys}
    rule: dict[str, list[float]] = {k: [] for k in keys}
    passed: list[int] = []
    options = RetrainOptions(synthetic_count=synthetic_count, days=days, horizon_days=horizon_days)
    seeds = range(seed, seed + n_seeds)
    for s in seeds:
        sim_rng, train_rng = np.random.default_rng(s).spawn(2)
        dataset = simulate_fleet(SimulationOptions(n_devices=synthetic_count, days=days), sim_rng)
        ev = train_and_evaluate(dataset, options, train_rng)
        if gate_report(ev.metrics, ev.baseline, {}).passed:
            passed.append(s)
        for k in keys:
            model[k].append(float(ev.metrics[k] if ev.metrics[k] is not None else np.nan))
            rule[k].append(float(ev.baseline[k] if ev.baseline[k] is not None else np.nan))
    table = Table(
        title=f"Over seeds {seeds[0]}..{seeds[-1]} (fresh fleet each): mean +- sd; gates passed on "
        f"{len(passed)} of {n_seeds} ({', '.join(map(str, passed)) or 'none'})",
        title_justify="left",
    )
    for col in ("metric", "LightGBM", "rule baseline"):
        table.add_column(col)
    for k in keys:
        table.add_row(
            k,
            f"{np.nanmean(model[k]):.4f} +- {np.nanstd(model[k]):.4f} (min {np.nanmin(model[k]):.4f})",
            f"{np.nanmean(rule[k]):.4f} +- {np.nanstd(rule[k]):.4f}",
        )
    return table
