"""Steps 2-4: generate homes, train both home-type tasks, train the device models, all over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from gateway.service_clients import AiAutomationClient, DeviceIntelligenceClient
from gateway.settings import GatewaySettings
from gateway.step_results import ModelRecord, RunResult, StepResult

logger = logging.getLogger(__name__)

HOME_TYPE_TASKS = ("binary", "full")
HOLDOUT_SEED_OFFSET = 1_000_003  # a different seed gives homes the models never trained on
HOLDOUT_HOMES, HOLDOUT_DAYS = 6, 3


class StepFailedError(RuntimeError):
    """A step's HTTP call succeeded but its answer shows the step did not do its job."""


REGISTER_ONLY = " (register only: production is left as it is; --promote to promote)"


def may_promote(run: RunResult, service: str, settings: GatewaySettings) -> bool:
    """Services this run started may promote (their registries are new); running ones only with --promote."""
    record = run.services.get(service)
    return settings.promote or (record is not None and record.started_locally)


def files_fingerprint(files: Any) -> str | None:
    """sha256 over the dataset's per-file sha256 list (names and digests), or None when not given."""
    if not isinstance(files, list) or not files:
        return None
    pairs = sorted((str(f.get("name")), str(f.get("sha256"))) for f in files if isinstance(f, Mapping))
    return hashlib.sha256(json.dumps(pairs, separators=(",", ":")).encode()).hexdigest()


def metrics_of(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The metrics of a training answer: its `metrics` object, or its flat top-level numbers."""
    metrics = answer.get("metrics")
    if isinstance(metrics, Mapping):
        return dict(metrics)
    return {k: v for k, v in answer.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def baselines_of(answer: Mapping[str, Any], metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Baselines reported beside a model (in the answer or inside its metrics)."""
    for source in (answer, metrics):
        value = source.get("baselines") or source.get("baseline")
        if isinstance(value, Mapping):
            return dict(value)
    return {}


def model_record(key: str, title: str, service: str, answer: Mapping[str, Any]) -> ModelRecord:
    """A `ModelRecord` from one model's part of a training answer."""
    metrics = metrics_of(answer)
    version = answer.get("version") or answer.get("model_version")
    return ModelRecord(
        key=key,
        title=title,
        service=service,
        registry_name=_opt_str(answer.get("model_name") or answer.get("name")),
        version=_opt_str(version),
        promoted=answer.get("promoted") if isinstance(answer.get("promoted"), bool) else None,
        metrics=metrics,
        baselines=baselines_of(answer, metrics),
        service_gates=answer.get("gates"),
        train_response=dict(answer),
    )


async def generate(
    ai: AiAutomationClient, settings: GatewaySettings, run: RunResult, step: StepResult
) -> None:
    """Step 2: the training dataset, then a small hold-out dataset from another seed for smoke tests."""
    t0 = time.perf_counter()
    holdout_seed = settings.seed + HOLDOUT_SEED_OFFSET
    # Both at once: the service generates off its event loop, so the small hold-out set costs no wall time.
    answer, holdout = await asyncio.gather(
        ai.generate_homes(settings.homes, settings.days, settings.seed),
        ai.generate_homes(min(HOLDOUT_HOMES, settings.homes), HOLDOUT_DAYS, holdout_seed),
    )
    seconds = time.perf_counter() - t0
    homes, events = int(answer.get("homes", 0)), int(answer.get("events", 0))
    if homes != settings.homes:
        raise StepFailedError(f"asked for {settings.homes} homes, the dataset has {homes}")
    if events <= 0:
        raise StepFailedError("the dataset has no events")
    if not answer.get("dataset_id"):
        raise StepFailedError("the answer names no dataset_id")
    raw_summary = answer.get("summary")
    summary: dict[str, Any] = dict(raw_summary) if isinstance(raw_summary, Mapping) else {}
    run.dataset = {
        "dataset_id": answer["dataset_id"],
        "path": answer.get("path"),
        "homes": homes,
        "days": settings.days,
        "seed": settings.seed,
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds) if seconds > 0 else None,
        "summary": summary,
        "generator_version": summary.get("generator_version"),
        "arguments": summary.get("arguments"),
        "files_fingerprint": files_fingerprint(summary.get("files")),
    }
    step.note(f"dataset {answer['dataset_id']}: {homes} homes, {events:,} events in {seconds:.1f} s")
    run.dataset["holdout"] = {
        "dataset_id": holdout.get("dataset_id"),
        "path": holdout.get("path"),
        "homes": holdout.get("homes"),
        "seed": holdout_seed,
    }
    step.note(f"hold-out dataset {holdout.get('dataset_id')} (seed {holdout_seed})")


async def train_home_types(
    ai: AiAutomationClient, settings: GatewaySettings, run: RunResult, step: StepResult
) -> None:
    """Step 3: `binary` (the original's task and gates) and `full` (must beat its baselines), at once."""
    dataset_id = str(run.dataset["dataset_id"])
    promote = may_promote(run, ai.name, settings)
    step.note(
        f"training {' and '.join(HOME_TYPE_TASKS)} on {dataset_id}" + ("" if promote else REGISTER_ONLY)
    )

    async def one(task: str) -> ModelRecord:
        """Train one task and describe the answer."""
        t0 = time.perf_counter()
        answer = await ai.train_home_type(dataset_id, task, settings.test_size, settings.seed, promote)
        record = model_record(f"home_type_{task}", f"Home type ({task})", "ai-automation", answer)
        record.metadata["train_seconds"] = round(time.perf_counter() - t0, 3)
        record.metadata["task"] = task
        if not record.version:
            raise StepFailedError(f"{task}: the answer names no model version")
        return record

    # The service holds one lock per task, so both tasks train at once (on two cores).
    for record in await asyncio.gather(*(one(task) for task in HOME_TYPE_TASKS)):
        run.models[record.key] = record
        promoted = {True: "promoted", False: "not promoted", None: "promotion not stated"}[record.promoted]
        step.note(
            f"{record.metadata['task']}: version {record.version} ({promoted}) in {record.metadata['train_seconds']:.1f} s"
        )


def anomaly_summary(anomaly: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Flat anomaly metrics and chance baselines (a random ranking's PR-AUC is the positive rate)."""
    metrics: dict[str, Any] = {}
    baselines: dict[str, Any] = {}
    parts = {
        "device_health": anomaly.get("device_health"),
        "sensor_stream": (anomaly.get("sensor_stream") or {}).get("overall"),
    }
    for name, part in parts.items():
        if not isinstance(part, Mapping):
            continue
        for key in ("pr_auc", "precision", "recall"):
            metrics[f"{name}_{key}"] = part.get(key)
        readings, positives = part.get("readings"), part.get("anomalous")
        if isinstance(readings, int | float) and isinstance(positives, int | float) and readings > 0:
            baselines[f"chance ({name})"] = {f"{name}_pr_auc": round(positives / readings, 5)}
    sensor = anomaly.get("sensor_stream") or {}
    for fault, values in (sensor.get("per_fault") or {}).items():
        if isinstance(values, Mapping):
            metrics[f"sensor_{fault}_pr_auc"] = values.get("pr_auc")
    if "false_alarm_rate_healthy" in sensor:
        metrics["sensor_false_alarm_rate_healthy"] = sensor["false_alarm_rate_healthy"]
    return metrics, baselines


async def train_devices(
    device: DeviceIntelligenceClient, settings: GatewaySettings, run: RunResult, step: StepResult
) -> None:
    """Step 4: failure (LightGBM) and anomaly (IsolationForest) models on synthetic telemetry."""
    t0 = time.perf_counter()
    promote = may_promote(run, device.name, settings)
    step.note(
        f"training on {settings.devices} devices x {settings.device_days} days"
        + ("" if promote else REGISTER_ONLY)
    )
    answer = await device.train(
        source="synthetic",
        synthetic_count=settings.devices,
        days=settings.device_days,
        seed=settings.seed,
        force=True,
        promote=promote,
        # one set of thresholds: the service's own verdict uses the gateway's (configurable) ones
        gate_thresholds=settings.device_thresholds,
    )
    seconds = time.perf_counter() - t0
    if not answer.get("version"):
        raise StepFailedError(f"no model version in the answer (status {answer.get('status')!r})")
    promoted = answer.get("promoted") if isinstance(answer.get("promoted"), bool) else None
    failure = ModelRecord(
        key="failure_prediction",
        title="Failure prediction",
        service="device-intelligence",
        registry_name="failure_prediction",
        version=str(answer["version"]),
        promoted=promoted,
        metrics=dict(answer.get("metrics") or {}),
        baselines={"rule": dict(answer.get("rule_baseline") or {})},
        service_gates=answer.get("gates"),
        train_response=dict(answer),
    )
    anomaly_metrics, chance = anomaly_summary(answer.get("anomaly_metrics") or {})
    anomaly = ModelRecord(
        key="anomaly_detection",
        title="Anomaly detection",
        service="device-intelligence",
        registry_name="anomaly_detection",
        version=_opt_str(answer.get("anomaly_version")),
        promoted=promoted,
        metrics=anomaly_metrics,
        baselines=chance,
        train_response={
            "anomaly_metrics": answer.get("anomaly_metrics"),
            "version": answer.get("anomaly_version"),
        },
    )
    if not anomaly.version:
        raise StepFailedError("no anomaly model version in the answer")
    registered = answer.get("registry")
    for record in (failure, anomaly):
        entry = registered.get(record.registry_name) if isinstance(registered, Mapping) else None
        if isinstance(entry, Mapping):
            record.metadata["registry_from_training"] = dict(entry)
        record.metadata["train_seconds"] = round(seconds, 3)
        record.metadata["service_seconds"] = answer.get("seconds")
        run.models[record.key] = record
    step.note(
        f"{settings.devices} devices x {settings.device_days} days: failure {failure.version},"
        f" anomaly {anomaly.version}, {answer.get('status', '?')} ({answer.get('decision', '')}) in {seconds:.1f} s"
    )


def _opt_str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
