"""Steps 2-4: generate homes, train both home-type tasks, train the device models, all over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from gateway.service_clients import AiAutomationClient, DeviceIntelligenceClient, ServiceError, parse
from gateway.settings import GatewaySettings
from gateway.step_results import ModelRecord, RunResult, StepResult
from homeiq_shared.contracts import devices, home_type
from homeiq_shared.contracts.metrics import AnomalyMetrics, GateSummary
from homeiq_shared.contracts.synthetic_homes import DatasetInfo

logger = logging.getLogger(__name__)

HOME_TYPE_TASKS = ("binary", "full")
HOLDOUT_SEED_OFFSET = 1_000_003  # another seed: homes the models never trained on
# Six homes of one day: several home types, ~4 MB of home files (their events are whole HA events, which
# validation fetches and sends to predict twice); generated alongside the training set in ~0.3 s.
HOLDOUT_HOMES, HOLDOUT_DAYS = 6, 1
FAILURE_MODEL, ANOMALY_MODEL = "failure_prediction", "anomaly_detection"


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


def home_type_record(task: str, answer: home_type.TrainResponse) -> ModelRecord:
    """A `ModelRecord` from a home-type training answer (the contract's typed metrics and baselines)."""
    return ModelRecord(
        key=f"home_type_{task}",
        title=f"Home type ({task})",
        service="ai-automation",
        registry_name=answer.model_name,
        version=answer.version,
        promoted=answer.promoted,
        metrics=answer.metrics.model_dump(mode="json", exclude={"baselines"}),
        baselines={name: b.model_dump(mode="json") for name, b in answer.baselines.items()},
        gates=parse(GateSummary, answer.gates, "ai-automation", "POST /api/home-type/train (gates)"),
        home_type=answer.metrics,
        home_type_baselines=answer.baselines,
        train_response=answer.model_dump(mode="json"),
    )


async def generate(
    ai: AiAutomationClient, settings: GatewaySettings, run: RunResult, step: StepResult
) -> None:
    """Step 2: the training dataset, and a small hold-out dataset from another seed for the smoke check."""
    holdout_seed = settings.seed + HOLDOUT_SEED_OFFSET

    async def timed(count: int, days: int, seed: int) -> tuple[DatasetInfo, float]:
        t0 = time.perf_counter()
        made = await ai.generate_homes(count, days, seed)
        return made, time.perf_counter() - t0

    # Both at once: the service generates off its event loop, so the small set adds little wall time.
    # A failed hold-out set fails only the validation's hold-out check, not the training data.
    main, holdout = await asyncio.gather(
        timed(settings.homes, settings.days, settings.seed),
        timed(min(HOLDOUT_HOMES, settings.homes), HOLDOUT_DAYS, holdout_seed),
        return_exceptions=True,
    )
    if isinstance(main, BaseException):
        raise main
    answer, seconds = main
    homes, events = answer.homes, answer.events
    if homes != settings.homes:
        raise StepFailedError(f"asked for {settings.homes} homes, the dataset has {homes}")
    if events <= 0:
        raise StepFailedError("the dataset has no events")
    if not answer.dataset_id:
        raise StepFailedError("the answer names no dataset_id")
    summary: dict[str, Any] = dict(answer.summary or {})
    run.dataset = {
        "dataset_id": answer.dataset_id,
        "path": answer.path,
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
    step.note(f"dataset {answer.dataset_id}: {homes} homes, {events:,} events in {seconds:.1f} s")
    run.dataset["holdout"] = holdout_record(holdout, holdout_seed)
    if isinstance(holdout, BaseException):
        step.note(f"hold-out dataset not generated: {holdout}")
    else:
        made, took = holdout
        step.note(
            f"hold-out dataset {made.dataset_id}: {made.homes} homes x {HOLDOUT_DAYS} days, "
            f"seed {holdout_seed}, in {took:.1f} s (alongside)"
        )


def holdout_record(holdout: tuple[DatasetInfo, float] | BaseException, seed: int) -> dict[str, Any]:
    """What the run keeps of the hold-out dataset (or why there is none)."""
    if isinstance(holdout, ServiceError):
        return {"dataset_id": None, "seed": seed, "error": str(holdout)}
    if isinstance(holdout, BaseException):
        raise holdout
    made, took = holdout
    return {
        "dataset_id": made.dataset_id,
        "homes": made.homes,
        "days": HOLDOUT_DAYS,
        "seed": seed,
        "events": made.events,
        "seconds": round(took, 3),
    }


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
        record = home_type_record(task, answer)
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


def anomaly_summary(anomaly: AnomalyMetrics) -> tuple[dict[str, Any], dict[str, Any]]:
    """Flat anomaly metrics and chance baselines (a random ranking's PR-AUC is the positive rate)."""
    metrics: dict[str, Any] = {}
    baselines: dict[str, Any] = {}
    stream = anomaly.sensor_stream
    parts = {"device_health": anomaly.device_health, "sensor_stream": stream.overall if stream else None}
    for name, part in parts.items():
        if part is None:
            continue
        metrics |= {
            f"{name}_pr_auc": part.pr_auc,
            f"{name}_precision": part.precision,
            f"{name}_recall": part.recall,
        }
        if part.readings > 0:
            baselines[f"chance ({name})"] = {f"{name}_pr_auc": round(part.anomalous / part.readings, 5)}
    if stream is not None:
        metrics |= {f"sensor_{fault}_pr_auc": scores.pr_auc for fault, scores in stream.per_fault.items()}
        if stream.false_alarm_rate_healthy is not None:
            metrics["sensor_false_alarm_rate_healthy"] = stream.false_alarm_rate_healthy
    return metrics, baselines


def device_records(answer: devices.TrainResponse) -> tuple[ModelRecord, ModelRecord]:
    """The failure and anomaly `ModelRecord`s of a device-intelligence training answer."""
    gates = parse(GateSummary, answer.gates, "device-intelligence", "POST /api/predictions/train (gates)")
    failure = ModelRecord(
        key="failure_prediction",
        title="Failure prediction",
        service="device-intelligence",
        registry_name=FAILURE_MODEL,
        version=answer.version,
        promoted=answer.promoted,
        metrics=answer.metrics.model_dump(mode="json"),
        baselines={"rule": answer.rule_baseline.model_dump(mode="json")},
        gates=gates,
        forecast=answer.metrics,
        rule=answer.rule_baseline,
        train_response=answer.model_dump(mode="json"),
    )
    anomaly_metrics, chance = anomaly_summary(answer.anomaly_metrics)
    anomaly = ModelRecord(
        key="anomaly_detection",
        title="Anomaly detection",
        service="device-intelligence",
        registry_name=ANOMALY_MODEL,
        version=answer.anomaly_version,
        promoted=answer.promoted,
        metrics=anomaly_metrics,
        baselines=chance,
        anomaly=answer.anomaly_metrics,
        train_response={
            "anomaly_metrics": answer.anomaly_metrics.model_dump(mode="json"),
            "version": answer.anomaly_version,
        },
    )
    return failure, anomaly


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
    if not answer.version:
        raise StepFailedError(f"no model version in the answer (status {answer.status!r}: {answer.reason})")
    failure, anomaly = device_records(answer)
    if not anomaly.version:
        raise StepFailedError("no anomaly model version in the answer")
    for record in (failure, anomaly):
        record.metadata["train_seconds"] = round(seconds, 3)
        record.metadata["service_seconds"] = answer.seconds
        run.models[record.key] = record
    step.note(
        f"{settings.devices} devices x {settings.device_days} days: failure {failure.version},"
        f" anomaly {anomaly.version}, {answer.status} ({answer.reason}) in {seconds:.1f} s"
    )
