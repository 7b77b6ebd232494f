"""Step 5: quality gates on every model, smoke predictions on unseen inputs, registry entries."""

from __future__ import annotations

import logging
import time
from typing import Any

from gateway import quality_checks as qc
from gateway import smoke_checks as smoke
from gateway.service_clients import AiAutomationClient, DeviceIntelligenceClient, ServiceError
from gateway.settings import GatewaySettings
from gateway.step_results import Check, ModelRecord, RunResult, StepResult
from homeiq_shared import quality_gates
from homeiq_shared.contracts.versions import VersionDetail

logger = logging.getLogger(__name__)

MODEL_TITLES = {
    "home_type_binary": "Home type (binary)",
    "home_type_full": "Home type (full)",
    "failure_prediction": "Failure prediction",
    "anomaly_detection": "Anomaly detection",
}


def home_type_checks(model: ModelRecord, settings: GatewaySettings) -> list[Check]:
    """Binary: the original thresholds on cross-validated scores; both tasks: CV macro-F1 above both baselines."""
    metrics = model.home_type
    if metrics is None:
        return [Check("home-type metrics", False, "the training answer carries no home-type metrics")]
    cv = metrics.cross_validation
    checks: list[Check] = []
    if model.key == "home_type_binary":
        pooled = cv.pooled_out_of_fold.model_dump()
        checks += qc.threshold_checks(
            pooled, settings.home_type_thresholds, "cross-validated", ("held-out homes", model.metrics)
        )
    baselines = {name: b.cv.macro_f1.mean for name, b in model.home_type_baselines.items()}
    checks += qc.baseline_checks(cv.macro_f1.mean, baselines, "macro_f1 (cross-validated)")
    return checks


def gate_checks(model: ModelRecord, settings: GatewaySettings) -> list[Check]:
    """The gates of one model, checked here from the numbers the service returned."""
    if model.key.startswith("home_type"):
        checks = home_type_checks(model, settings)
    elif model.key == "failure_prediction":
        # Forecast definitions (the service's `metric_definitions`): precision and accuracy per device-day,
        # recall per failure that gives warning, f1_score their harmonic mean.
        checks = qc.threshold_checks(model.metrics, settings.device_thresholds, "held-out devices")
        pr_auc = model.forecast.pr_auc if model.forecast else None
        rule = {"rule": model.rule.pr_auc} if model.rule else {}
        checks += qc.baseline_checks(pr_auc, rule, "pr_auc")
        snapshot = model.forecast.snapshot if model.forecast else None
        if snapshot is not None:  # from one reading, against the rule on the same readings
            checks += qc.baseline_checks(snapshot.pr_auc, rule, "snapshot pr_auc")
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
        own = qc.service_gate_check(model.gates, model.service)
        if own is not None:
            checks.append(own)
    return checks


def lineage(detail: VersionDetail) -> dict[str, Any]:
    """What the manifest records of a registered version (its typed lineage fields)."""
    return {
        "registry_name": detail.model,
        "version": detail.version,
        "created_at": detail.created_at,
        "trigger": detail.trigger,
        "gates_verdict": detail.gates_verdict,
        "training_data_fingerprint": detail.training_data_fingerprint,
        "feature_schema_version": detail.feature_schema_version,
        "library_versions": detail.library_versions,
    }


async def _version_detail(
    ai: AiAutomationClient, device: DeviceIntelligenceClient, model: ModelRecord
) -> tuple[VersionDetail, str]:
    """The registered version this run trained, as its service describes it, and the route asked."""
    if model.registry_name is None or model.version is None:
        raise ServiceError(
            model.service, "registry", "the training answer names no registry model or version"
        )
    if model.key.startswith("home_type"):
        task = model.key.removeprefix("home_type_")
        return await ai.version_detail(
            task, model.version
        ), f"GET /api/home-type/models/{{version}}?task={task}"
    detail = await device.version_detail(model.registry_name, model.version)
    return detail, f"GET {device.VERSION_DETAIL}?model={model.registry_name}"


async def registry_info(
    ai: AiAutomationClient, device: DeviceIntelligenceClient, run: RunResult
) -> list[Check]:
    """Each trained version's registry entry over HTTP (`GET .../models/{version}`); sha256 required."""
    checks = []
    for model in run.models.values():
        name = f"{model.title}: registered with sha256"
        try:
            detail, source = await _version_detail(ai, device, model)
        except ServiceError as exc:
            model.metadata["registry_source"] = None
            checks.append(Check(name, False, str(exc)))
            continue
        model.metadata["registry"] = lineage(detail)
        model.metadata["registry_source"] = f"{source} (HTTP)"
        model.artifacts = list(detail.artifacts)
        if detail.version != model.version:
            detail_text = f"the service describes version {detail.version}, not the trained {model.version}"
            checks.append(Check(name, False, detail_text))
        elif detail.artifacts:
            first = detail.artifacts[0].sha256[:12]
            checks.append(
                Check(name, True, f"{len(detail.artifacts)} artifact(s), first {first}..., from {source}")
            )
        else:
            checks.append(Check(name, False, f"{source} lists no artifact with a sha256 for {model.version}"))
    return checks


async def holdout_homes(ai: AiAutomationClient, run: RunResult) -> tuple[list[dict[str, Any]], Check]:
    """A few home files of the run's hold-out dataset (another seed), fetched over HTTP, and the check
    saying whether they could be; a failure here leaves the constructed homes to be predicted."""
    holdout = run.dataset.get("holdout") or {}
    dataset_id = holdout.get("dataset_id")
    if not dataset_id:
        why = holdout.get("error") or "the generation step made no hold-out dataset"
        return [], Check(smoke.HOLDOUT_CHECK, False, f"no hold-out homes: {why}")
    t0 = time.perf_counter()
    try:
        files = await ai.dataset_homes(str(dataset_id), smoke.HOLDOUT_LIMIT)
    except ServiceError as exc:
        return [], Check(smoke.HOLDOUT_CHECK, False, f"could not fetch the hold-out homes: {exc}")
    if not files.homes:
        return [], Check(smoke.HOLDOUT_CHECK, False, f"{dataset_id} answered no home files")
    detail = (
        f"{len(files.homes)} of {files.total_homes} homes of {dataset_id} (seed {holdout.get('seed')}) "
        f"from GET /api/synthetic-homes/{{id}}/homes in {time.perf_counter() - t0:.2f} s, "
        "predicted with both tasks"
    )
    return files.homes, Check(smoke.HOLDOUT_CHECK, True, detail)


async def smoke_homes(ai: AiAutomationClient, run: RunResult) -> list[Check]:
    """Predict homes of the hold-out dataset and two constructed homes (a studio flat, a large house)."""
    if not {"home_type_binary", "home_type_full"} & set(run.models):
        return []
    holdout, fetched = await holdout_homes(ai, run)
    built = smoke.constructed_homes()
    homes = [*holdout, built["studio"], built["house"]]
    checks: list[Check] = [fetched]
    for task in ("binary", "full"):
        model = run.models.get(f"home_type_{task}")
        if model is None:
            continue
        expected = model.version if model.promoted is not False else None
        preds = await ai.predict_home_type(homes, task)
        checks += smoke.home_prediction_checks(preds, len(homes), task, expected)
        if holdout and len(preds) == len(homes):
            model.metadata["holdout_smoke"] = smoke.holdout_hits(holdout, preds[: len(holdout)], task)
        if task == "binary" and len(preds) == len(homes):
            checks.append(smoke.direction_check_homes(preds[-2], preds[-1]))
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
    run.models["failure_prediction"].metadata["smoke"] = {
        n: a.model_dump(mode="json") for n, a in answers.items()
    }
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
