"""Step 5: quality gates on every model, smoke predictions on unseen inputs, registry entries."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway import quality_checks as qc
from gateway import smoke_checks as smoke
from gateway.service_clients import AiAutomationClient, DeviceIntelligenceClient, ServiceError
from gateway.settings import GatewaySettings
from gateway.step_results import Check, ModelRecord, RunResult, StepResult
from homeiq_shared import quality_gates

logger = logging.getLogger(__name__)

MODEL_TITLES = {
    "home_type_binary": "Home type (binary)",
    "home_type_full": "Home type (full)",
    "failure_prediction": "Failure prediction",
    "anomaly_detection": "Anomaly detection",
}


def home_type_checks(model: ModelRecord, settings: GatewaySettings) -> list[Check]:
    """Binary: the original thresholds; both tasks: macro-F1 above both baselines (cross-validated if given)."""
    m = model.metrics
    pooled = qc.dig(m, "cross_validation", "pooled_out_of_fold")
    basis, where = (pooled, "cross-validated") if isinstance(pooled, Mapping) else (m, "held-out homes")
    checks: list[Check] = []
    if model.key == "home_type_binary":
        beside = ("held-out homes", m) if basis is not m else None
        checks += qc.threshold_checks(basis, settings.home_type_thresholds, where, beside)
    model_f1 = qc.as_number(qc.dig(m, "cross_validation", "macro_f1", "mean"))
    if model_f1 is not None:
        baselines = {name: qc.dig(b, "cv", "macro_f1", "mean") for name, b in model.baselines.items()}
        checks += qc.baseline_checks(model_f1, baselines, "macro_f1 (cross-validated)")
    else:
        checks += qc.baseline_checks(qc.find_metric(m, "macro_f1"), model.baselines, "macro_f1")
    return checks


def gate_checks(model: ModelRecord, settings: GatewaySettings) -> list[Check]:
    """The gates of one model, checked here from the numbers the service returned."""
    if model.key.startswith("home_type"):
        checks = home_type_checks(model, settings)
    elif model.key == "failure_prediction":
        # Forecast definitions (the service's `metric_definitions`): precision and accuracy per device-day,
        # recall per failure that gives warning, f1_score their harmonic mean.
        checks = qc.threshold_checks(model.metrics, settings.device_thresholds, "held-out devices")
        checks += qc.baseline_checks(qc.find_metric(model.metrics, "pr_auc"), model.baselines, "pr_auc")
        lead = {"median_lead_days": quality_gates.FORECAST_MIN_MEDIAN_LEAD_DAYS}
        checks += qc.threshold_checks(model.metrics, lead, "held-out failures detected, days of warning")
    else:  # anomaly detection: no original threshold; it must rank better than chance
        checks = []
        for name, base in model.baselines.items():
            for metric in base:
                checks += qc.baseline_checks(qc.find_metric(model.metrics, metric), {name: base}, metric)
        if not checks:
            checks.append(Check("beats chance", False, "the service returned no anomaly evaluation"))
    # The service's own verdict must agree (the full task has no absolute threshold: informative only).
    if model.key != "home_type_full":
        own = qc.service_gate_check(model.service_gates, model.service)
        if own is not None:
            checks.append(own)
    return checks


def artifacts_of(metadata: Any, registry_name: str | None, version: str | None) -> list[dict[str, Any]]:
    """The registry's `artifacts` record ({file: {sha256, size_bytes}}) as a list with relative paths."""
    records = qc.dig(metadata, "artifacts")
    if not isinstance(records, Mapping):
        return []
    out = []
    for filename, record in sorted(records.items()):
        if isinstance(record, Mapping) and isinstance(record.get("sha256"), str):
            path = f"{registry_name}/{version}/{filename}" if registry_name and version else filename
            out.append(
                {
                    "file": filename,
                    "path": path,
                    "sha256": record["sha256"],
                    "size_bytes": record.get("size_bytes"),
                }
            )
    return out


def registry_entry(answer: Any) -> dict[str, Any]:
    """One registry entry in one shape, from a device-intelligence entry or metadata, or an ai model-info."""
    if not isinstance(answer, Mapping):
        return {}
    training = answer.get("training_data")
    fingerprint = answer.get("training_data_fingerprint") or (
        training.get("fingerprint") if isinstance(training, Mapping) else None
    )
    return {
        "registry_name": answer.get("registry_name") or answer.get("model_name"),
        "version": answer.get("version") or answer.get("model_version"),
        "created_at": answer.get("created_at") or answer.get("training_date"),
        "artifacts": answer.get("artifacts"),
        "training_data_fingerprint": fingerprint,
        "library_versions": answer.get("library_versions"),
        "feature_schema_version": answer.get("feature_schema_version"),
    }


def local_metadata(run: RunResult, model: ModelRecord) -> dict[str, Any]:
    """`metadata.json` of the model's version in the registry folder of a service this run started."""
    service = run.services.get(model.service)
    if service is None or not service.started_locally or not service.models_dir:
        return {}
    path = Path(service.models_dir) / str(model.registry_name) / str(model.version) / "metadata.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


async def _http_entries(
    ai: AiAutomationClient, device: DeviceIntelligenceClient, run: RunResult
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Per model, the registry entries the services' answers hold, best source first."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {key: [] for key in run.models}
    for key, model in run.models.items():
        if isinstance(trained := model.metadata.get("registry_from_training"), Mapping):
            found[key].append(("the training answer", registry_entry(trained)))
    for task in ("binary", "full"):
        if f"home_type_{task}" in run.models:
            answer = await ai.model_info(task)
            entry = registry_entry(answer.get("model_info", answer))
            found[f"home_type_{task}"].append(("GET /api/home-type/model-info", entry))
    if {"failure_prediction", "anomaly_detection"} & set(run.models):
        status = await device.models_status()
        served = status.get("models")
        served = served if isinstance(served, Mapping) else {}
        for key, legacy in (
            ("failure_prediction", "model_metadata"),
            ("anomaly_detection", "anomaly_model_metadata"),
        ):
            if key in run.models:
                entry = registry_entry(served.get(key) or status.get(legacy))
                found[key].append(("GET /api/predictions/models/status", entry))
    return found


async def registry_info(
    ai: AiAutomationClient, device: DeviceIntelligenceClient, run: RunResult
) -> list[Check]:
    """Each trained version's registry entry from the services' answers; sha256 required.

    An entry only counts when it names the version this run trained. The run's own registry folder is
    read only when no answer describes that version (a challenger that was not promoted, say).
    """
    found = await _http_entries(ai, device, run)
    checks = []
    for key, model in run.models.items():
        entry, source, served = {}, "", None
        for where, candidate in found.get(key, []):
            if not artifacts_of(candidate, model.registry_name, model.version):
                continue
            if model.version is None or candidate.get("version") == model.version:
                entry, source = candidate, f"{where} (HTTP)"
                break
            served = served or candidate.get("version")
        if not entry and (local := local_metadata(run, model)):
            entry, source = (
                registry_entry(local),
                "this run's registry folder (no answer describes this version)",
            )
        artifacts = artifacts_of(entry, model.registry_name, model.version)
        model.metadata["registry"] = entry
        model.metadata["registry_source"] = source or None
        model.artifacts = artifacts
        if artifacts:
            detail = f"{len(artifacts)} artifact(s), first {artifacts[0]['sha256'][:12]}..., from {source}"
        elif served:
            detail = f"the service describes version {served}, not the trained {model.version}"
        else:
            detail = "no sha256 for this version in the service's answers"
        checks.append(Check(f"{model.title}: registered with sha256", bool(artifacts), detail))
    return checks


async def smoke_homes(ai: AiAutomationClient, run: RunResult) -> list[Check]:
    """Predict homes from the hold-out seed and two constructed homes with both tasks."""
    holdout = smoke.load_holdout_homes(run.dataset.get("holdout", {}).get("path"), limit=smoke.HOLDOUT_LIMIT)
    built = smoke.constructed_homes()
    homes = [*holdout, built["studio"], built["house"]]
    checks: list[Check] = []
    for task in ("binary", "full"):
        model = run.models.get(f"home_type_{task}")
        if model is None:
            continue
        expected = model.version if model.promoted is not False else None
        preds = await ai.predict_home_type(homes, task)
        checks += smoke.home_prediction_checks(preds, len(homes), task, expected)
        if holdout and len(preds) == len(homes):
            truth = [smoke.task_label(h.get("home_type"), task) for h in holdout]
            hits = sum(p.get("home_type") == t for p, t in zip(preds, truth, strict=False))
            model.metadata["holdout_smoke"] = {"homes": len(holdout), "correct": hits}
        if task == "binary" and len(preds) == len(homes):
            checks.append(smoke.direction_check_homes(preds[-2], preds[-1]))
    if not holdout:
        checks.append(
            Check("hold-out homes", True, "hold-out files not readable here: constructed homes only")
        )
    return checks


async def smoke_devices(device: DeviceIntelligenceClient, run: RunResult) -> list[Check]:
    """Predict two unseen devices and score one sensor stream."""
    if "failure_prediction" not in run.models:
        return []
    answers = {}
    for name, metrics in smoke.device_snapshots().items():
        answers[name] = await device.predict(f"smoke-{name}-{run.run_id}", metrics)
    problems = [p for name, a in answers.items() for p in smoke.device_prediction_checks(name, a)]
    checks = [
        Check(
            "devices: answers are well-formed",
            not problems,
            "; ".join(problems[:4]) or "fields and risk bands sane",
        )
    ]
    checks.append(smoke.direction_check_devices(answers["healthy"], answers["degraded"]))
    run.models["failure_prediction"].metadata["smoke"] = answers
    if "anomaly_detection" in run.models:
        readings, spike = smoke.sensor_series()
        answer = await device.sensor_anomalies("sensor.smoke_room_temperature", "°C", readings)
        checks += smoke.sensor_checks(answer, len(readings), spike)
    return checks


async def validate(
    ai: AiAutomationClient,
    device: DeviceIntelligenceClient,
    settings: GatewaySettings,
    run: RunResult,
    step: StepResult,
) -> None:
    """Gates, smoke predictions and registry entries; every check lands on the step."""
    for key, title in MODEL_TITLES.items():
        model = run.models.get(key)
        if model is None:
            step.checks.append(Check(f"{title}: trained", False, "no model: its training step did not pass"))
            continue
        model.checks = gate_checks(model, settings)
        if run.allow_low_quality:
            qc.waive(model.checks)
        step.checks += [
            Check(f"{title}: {c.name}", c.passed, c.detail, c.value, c.threshold, c.waived)
            for c in model.checks
        ]
    probes = (
        ("home smoke", ("home_type_binary", "home_type_full"), smoke_homes(ai, run)),
        ("device smoke", ("failure_prediction",), smoke_devices(device, run)),
    )
    for name, keys, probe in probes:
        try:
            step.checks += await probe
        except ServiceError as exc:
            unpromoted = [
                run.models[k].version for k in keys if k in run.models and not run.models[k].promoted
            ]
            if exc.status == 503 and unpromoted:
                # Nothing serves yet and this run was not asked to promote: there is nothing to smoke-test.
                detail = (
                    f"not run: no model serves yet and {', '.join(map(str, unpromoted))} was not promoted"
                )
                step.checks.append(Check(name, True, detail))
            else:
                step.checks.append(Check(name, False, str(exc)))
    step.checks += await registry_info(ai, device, run)
