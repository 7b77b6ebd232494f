"""Training sets of a run: stored real telemetry and confirmed failures, topped up with synthetic devices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from device_intelligence.telemetry import TelemetryDataset
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet

# Below this many real devices with a confirmed failure, at least half the fleet stays synthetic so the
# model still sees enough failures to learn from.
MIN_REAL_FAILURES = 10


def combine(parts: Sequence[TelemetryDataset]) -> TelemetryDataset:
    """One dataset of several fleets on a shared day axis (each part's day 0 is the axis' day 0)."""
    offsets = np.cumsum([0] + [p.n_devices for p in parts[:-1]])
    return TelemetryDataset(
        device_ids=np.concatenate([p.device_ids for p in parts]),
        category=np.concatenate([p.category for p in parts]),
        power=np.concatenate([p.power for p in parts]),
        protocol=np.concatenate([p.protocol for p in parts]),
        failure_day=np.concatenate([p.failure_day for p in parts]),
        failure_kind=np.concatenate([p.failure_kind for p in parts]),
        episode_start=np.concatenate([p.episode_start for p in parts]),
        row_device=np.concatenate([p.row_device + int(o) for p, o in zip(parts, offsets, strict=True)]),
        row_day=np.concatenate([p.row_day for p in parts]),
        values=np.vstack([p.values for p in parts]),
        start_date=parts[0].start_date,
        info={"source": "+".join(str(p.info.get("source", "synthetic")) for p in parts)},
    )


def mixed_dataset(
    real: TelemetryDataset | None,
    stats: Mapping[str, Any],
    fleet_size: int,
    days: int,
    seed: int,
) -> TelemetryDataset:
    """Real devices first, then synthetic ones where the real are too few; the mix is in `info["mix"]`."""
    n_real = real.n_devices if real is not None else 0
    real_failures = int(stats.get("failures_with_history", 0))
    n_synthetic = max(fleet_size - n_real, 0)
    reason = "real devices fill the fleet" if n_synthetic == 0 else "synthetic devices fill the fleet"
    if real_failures < MIN_REAL_FAILURES and n_synthetic < fleet_size // 2:
        n_synthetic = fleet_size // 2
        reason = f"fewer than {MIN_REAL_FAILURES} real devices with a confirmed failure: half stays synthetic"
    parts: list[TelemetryDataset] = [] if real is None else [real]
    if n_synthetic:
        sim = simulate_fleet(
            SimulationOptions(n_devices=n_synthetic, days=days), np.random.default_rng([seed, 1])
        )
        sim.device_ids = np.array([f"synthetic:{d}" for d in sim.device_ids])
        sim.info["source"] = "synthetic"
        parts.append(sim)
    dataset = parts[0] if len(parts) == 1 else combine(parts)
    real_rows = int(real.n_rows) if real is not None else 0
    dataset.info.update(
        source="stored+synthetic"
        if real is not None and n_synthetic
        else dataset.info.get("source", "synthetic"),
        seed=seed,
        n_devices=dataset.n_devices,
        mix={
            "real_devices": n_real,
            "real_rows": real_rows,
            "real_days": int(real.row_day.max()) + 1 if real is not None and real.n_rows else 0,
            "real_confirmed_failures": int(stats.get("confirmed_failures", 0)),
            "real_failures_with_history": real_failures,
            "synthetic_devices": n_synthetic,
            "synthetic_rows": dataset.n_rows - real_rows,
            "synthetic_days": days if n_synthetic else 0,
            "seed": seed,
            "reason": reason,
        },
    )
    return dataset
