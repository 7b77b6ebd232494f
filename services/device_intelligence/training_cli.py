"""What `scripts/train_models.py` runs: retrain() with a progress display, and a spread over seeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from device_intelligence.retraining import RetrainOptions, retrain, train_and_evaluate
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet
from homeiq_shared.model_registry import ModelRegistry


def run_training(
    models_dir: Path,
    synthetic_count: int,
    days: int,
    seed: int,
    horizon_days: int,
    force: bool,
    incremental: bool,
    console: Console,
) -> dict[str, Any]:
    """Retrain on synthetic telemetry into the registry at `models_dir`, showing each step."""
    options = RetrainOptions(
        synthetic_count=synthetic_count,
        days=days,
        seed=seed,
        horizon_days=horizon_days,
        force=force,
        trigger="cli",
        mode="incremental" if incremental else "full",
    )
    registry = ModelRegistry(models_dir)
    with console.status("training...") as status:

        def progress(message: str) -> None:
            status.update(message)
            console.log(message)

        result = retrain(registry, options, progress=progress)
    return result.to_dict()


def confidence_over_seeds(
    synthetic_count: int, days: int, horizon_days: int, seed: int, n_seeds: int
) -> Table:
    """Mean and standard deviation of the test metrics over `n_seeds` fresh fleets (nothing registered)."""
    keys = ("pr_auc", "f1_score", "precision", "recall", "accuracy")
    model: dict[str, list[float]] = {k: [] for k in keys}
    rule: dict[str, list[float]] = {k: [] for k in keys}
    options = RetrainOptions(synthetic_count=synthetic_count, days=days, horizon_days=horizon_days)
    for s in range(seed + 1, seed + 1 + n_seeds):
        sim_rng, train_rng = np.random.default_rng(s).spawn(2)
        dataset = simulate_fleet(SimulationOptions(n_devices=synthetic_count, days=days), sim_rng)
        ev = train_and_evaluate(dataset, options, train_rng)
        for k in keys:
            model[k].append(float(ev.metrics[k] or 0.0))
            rule[k].append(float(ev.baseline[k] or 0.0))
    table = Table(
        title=f"Over {n_seeds} seeds ({seed + 1}..{seed + n_seeds}): mean +- sd", title_justify="left"
    )
    for col in ("metric", "LightGBM", "rule baseline"):
        table.add_column(col)
    for k in keys:
        table.add_row(
            k,
            f"{np.mean(model[k]):.4f} +- {np.std(model[k]):.4f}",
            f"{np.mean(rule[k]):.4f} +- {np.std(rule[k]):.4f}",
        )
    return table
