"""Two failure-model versions scored on the same rows: version B's held-out test rows, rebuilt exactly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from device_intelligence.evaluation import Split, device_time_split, forecast_metrics
from device_intelligence.failure import model as failure_model
from device_intelligence.failure.model import FailureModel
from device_intelligence.retraining import dataset_fingerprint
from device_intelligence.telemetry import TelemetryDataset, failure_labels
from device_intelligence.telemetry_features import compute_features
from device_intelligence.telemetry_simulator import SimulationOptions, simulate_fleet
from device_intelligence.training_data import mixed_dataset
from homeiq_shared.errors import ConflictError
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.version_control import gates_verdict

NAME = failure_model.MODEL_NAME
HEADLINE = (
    "pr_auc", "roc_auc", "precision", "recall", "f1_score", "accuracy", "row_recall", "median_lead_days",
    "rows", "positives", "alerts", "threshold",
)  # fmt: skip


def load_failure_model(registry: ModelRegistry, version: str) -> FailureModel:
    """One registered failure model (sha256 checked by the registry); 409 when this code cannot score it."""
    found = registry.get(NAME, version)
    files = {n: registry.read_artifact(NAME, version, n) for n in found.artifact_names}
    try:
        return FailureModel.from_artifacts(files)
    except (ValueError, KeyError) as exc:
        raise ConflictError(f"{NAME} {version} cannot be scored by this code: {exc}") from exc


def rebuild_held_out(metadata: Mapping[str, Any]) -> tuple[TelemetryDataset, Split, int]:
    """A version's training data and device+time split, reproduced from its recorded seed, fleet and days.

    Only a seeded simulation can be rebuilt: stored telemetry changes and is purged, so a version trained
    on it is refused (ConflictError) rather than compared on guessed rows. The rebuilt data must match the
    recorded fingerprint, or the simulator changed since and the rows would not be the ones held out.
    """
    version = metadata.get("version")
    data = metadata.get("training_data") or {}
    source = data.get("source")
    if source != "synthetic":
        raise ConflictError(
            f"{version} was trained on {source or 'unrecorded'} data, not on the seeded simulation alone: "
            "its held-out rows cannot be rebuilt (stored telemetry changes and is purged); "
            "use a synthetic-data version as B"
        )
    try:
        seed, n_devices, days = int(data["seed"]), int(data["n_devices"]), int(data["days"])
        horizon = int(metadata["horizon_days"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConflictError(
            f"{version} does not record the seed, fleet size, days and horizon of its data ({exc})"
        ) from exc
    # The random streams of retraining.retrain (simulation, training) and train_and_evaluate (split).
    sim_rng, train_rng = np.random.default_rng(seed).spawn(2)
    mix = data.get("mix")
    if isinstance(mix, Mapping):  # a nightly or source=mixed run that found no stored device
        dataset = mixed_dataset(None, {}, n_devices, int(mix.get("synthetic_days", days)), seed)
    else:
        fraction = float(data.get("failure_fraction", SimulationOptions.failure_fraction))
        dataset = simulate_fleet(
            SimulationOptions(n_devices=n_devices, days=days, failure_fraction=fraction), sim_rng
        )
    if dataset_fingerprint(dataset, horizon) != data.get("fingerprint"):
        raise ConflictError(
            f"the data rebuilt for {version} does not match the fingerprint it recorded (the simulator "
            "changed since it was trained): its held-out rows cannot be reproduced"
        )
    split_rng, _anomaly_rng = train_rng.spawn(2)
    return dataset, device_time_split(dataset, horizon, split_rng), horizon


def _headline(metrics: Mapping[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in HEADLINE if k in metrics}


def compare_failure_versions(registry: ModelRegistry, a: str, b: str) -> dict[str, Any]:
    """Both versions' forecast metrics on `b`'s rebuilt held-out rows, beside their own recorded ones."""
    found = {a: registry.get(NAME, a), b: registry.get(NAME, b)}
    models = {a: load_failure_model(registry, a), b: load_failure_model(registry, b)}
    dataset, split, horizon = rebuild_held_out(found[b].metadata)
    x = compute_features(dataset.row_device, dataset.row_day, dataset.values)[split.test]
    y = failure_labels(dataset, horizon)[split.test]

    def side(version: str) -> dict[str, Any]:
        model = models[version]
        p = model.predict(x, num_threads=0)
        scored = forecast_metrics(dataset, split.test, y, p, p >= model.threshold, horizon)
        meta = found[version].metadata
        return {
            "version": version,
            "created_at": meta.get("created_at"),
            "gates_verdict": gates_verdict(meta),
            "recorded": _headline(meta.get("metrics") or {}),
            "on_common_set": _headline(scored | {"threshold": round(model.threshold, 5)}),
        }

    data = found[b].metadata.get("training_data") or {}
    same = (found[a].metadata.get("training_data") or {}).get("fingerprint") == data.get("fingerprint")
    notes = []
    if models[a].horizon_days != horizon:
        notes.append(
            f"{a} forecasts {models[a].horizon_days} days ahead; the labels use {b}'s {horizon}-day horizon"
        )
    if not same:
        notes.append(f"{a} was trained on other data: its recorded figures are on its own test rows")
    return {
        "model": NAME,
        "a": side(a),
        "b": side(b),
        "common_set": {
            "basis": f"the held-out test rows of {b}, rebuilt from its recorded seeded simulation and split",
            "source": data.get("source"),
            "seed": data.get("seed"),
            "devices": dataset.n_devices,
            "days": data.get("days"),
            "horizon_days": horizon,
            "rows": int(split.test.sum()),
            "test_devices": int(split.test_devices.size),
            "split_method": split.method,
            "a_trained_on_the_same_data": same,
        },
        "note": "; ".join(notes) or None,
    }
