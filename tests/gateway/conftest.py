"""Gateway test fixtures: settings in tmp folders, and contract-shaped stand-ins for the services served
over real HTTP (to provoke failures on purpose; the end-to-end tests use the real services)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.settings import GatewaySettings
from homeiq_shared.contracts import devices, home_type
from homeiq_shared.contracts.devices import PredictResponse, SensorReadingScore, SensorResponse
from homeiq_shared.contracts.health import Check, Health, ServedModels
from homeiq_shared.contracts.home_type import HomeTypePrediction, PredictBatchResponse
from homeiq_shared.contracts.metrics import (
    AnomalyMetrics,
    BaselineCrossValidation,
    CalibrationBin,
    ClassScores,
    CrossValidation,
    DetectionScores,
    FailureLevel,
    FailureMetrics,
    FeatureImportance,
    GateSummary,
    HomeTypeBaseline,
    HomeTypeMetrics,
    Interval,
    KindRecall,
    LeadTimeByKind,
    PrCurve,
    RuleBaseline,
    Scores,
    SensorStreamEvaluation,
)
from homeiq_shared.contracts.problems import ProblemDetail
from homeiq_shared.contracts.synthetic_homes import DatasetInfo, HomeFiles
from homeiq_shared.contracts.versions import ArtifactInfo, VersionDetail

from ..conftest import serve

SHA = "ab" * 32


def _problem(status: int, detail: str) -> JSONResponse:
    body = ProblemDetail(
        type="https://homeiq.dev/problems/stub",
        title={401: "Unauthorized", 404: "Not Found"}.get(status, "Internal error"),
        status=status,
        detail=detail,
    ).model_dump(mode="json", exclude_none=True)
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _health(service: str) -> dict[str, Any]:
    served = ServedModels(loading=False, loaded={"stub": "v1"})
    return Health(
        service=service, version="stub", status="healthy", checks={"database": Check(ok=True)}, models=served,
        storage=None,
    ).model_dump(mode="json")  # fmt: skip


def _interval(mean: float) -> Interval:
    return Interval(mean=mean, ci95_low=mean - 0.05, ci95_high=mean + 0.05, resamples=100)


def _gates(passed: bool) -> dict[str, Any]:
    return GateSummary(passed=passed, verdict="PASSED" if passed else "FAILED").model_dump(mode="json")


def home_type_answer(task: str, accuracy: float = 0.95, promote: bool = True) -> home_type.TrainResponse:
    """A home-type training answer built from the contract (tiny figures, both baselines beaten)."""
    labels = ["apartment", "standard_home"] if task == "binary" else ["apartment", "condo", "single_family"]
    n = len(labels)
    scores = {"accuracy": accuracy, "precision": accuracy, "recall": accuracy, "f1_score": accuracy}

    def baseline(f1: float) -> HomeTypeBaseline:
        cv = BaselineCrossValidation(
            accuracy=0.5, macro_f1=_interval(f1), model_minus_baseline_macro_f1=_interval(accuracy - f1)
        )
        return HomeTypeBaseline(
            rule="always apartment", accuracy=0.5, precision=f1, recall=f1, f1_score=f1, macro_f1=f1, cv=cv
        )

    baselines = {"majority": baseline(0.3), "best_rule": baseline(0.6)}
    metrics = HomeTypeMetrics(
        task=task, **scores, macro_f1=accuracy, split_method="group_by_home", class_names=labels,
        confusion_matrix=[[10 if i == j else 1 for j in range(n)] for i in range(n)],
        per_class={c: ClassScores(precision=accuracy, recall=accuracy, f1=accuracy, support=10) for c in labels},
        test_samples=40, top_feature_importances=[FeatureImportance(feature="area_count", importance=0.3)],
        cross_validation=CrossValidation(
            method="StratifiedGroupKFold k=5", pooled_out_of_fold=Scores(**scores), macro_f1=_interval(accuracy)
        ),
        baselines=baselines,
    )  # fmt: skip
    passed = accuracy >= 0.9
    promoted = promote and passed
    return home_type.TrainResponse(
        task=task, model_name=f"home_type_{task}", version=f"{task}-v1", status="promoted" if promoted else "registered",
        decision="promoted" if promoted else "kept", promoted=promoted,
        reason="first model" if promoted else "promotion not requested or gates failed", gates=_gates(passed),
        metrics=metrics, baselines=baselines, split_method="group_by_home",
    )  # fmt: skip


def device_answer(f1: float = 0.85, promote: bool = True) -> devices.TrainResponse:
    """A device-intelligence training answer built from the contract (curve, calibration, lead days...)."""
    metrics = FailureMetrics(
        accuracy=0.95, precision=f1, recall=f1, f1_score=f1, pr_auc=0.8, positive_rate=0.05,
        median_lead_days=5.0, row_recall=0.6, failure_recall_all=0.7,
        metric_definitions="precision per device-day; recall per failure that gives warning",
        recall_by_kind={"battery_depletion": KindRecall(failures=10, detected=8, recall=0.8)},
        calibration=[CalibrationBin(bin="0.0-0.1", mean_predicted=0.05, observed_rate=0.04, rows=900),
                     CalibrationBin(bin="0.6-0.7", mean_predicted=0.6, observed_rate=0.55, rows=50)],
        lead_time={"battery_depletion": LeadTimeByKind(failures=10, detected_within_horizon=8, median_lead_days=9.0)},
        pr_curve=PrCurve(precision=[0.05, 0.3, 0.7, 0.9], recall=[1.0, 0.8, 0.5, 0.1], thresholds=[0.0, 0.1, 0.4, 0.8]),
        feature_importances={"error_rate_shift_7d": 0.4, "battery_level": 0.2, "signal_strength": 0.1},
        feature_importance_method="share of the booster's total split gain",
        failure_level=FailureLevel(failures=10, detected=8),
        lead_days=[2.0, 3.0, 3.0, 5.0, 6.0, 6.0, 7.0, 9.0],
        lead_days_by_kind={"battery_depletion": [3.0, 6.0, 7.0, 9.0], "connectivity_loss": [2.0, 3.0, 5.0, 6.0]},
        split_method="by device, then time",
    )  # fmt: skip
    rule = RuleBaseline(
        pr_auc=0.3, precision=0.4, recall=0.5, lead_days=[1.0, 2.0], rule="error_rate > 0.1",
        pr_curve=PrCurve(precision=[0.05, 0.3, 0.4], recall=[1.0, 0.6, 0.5], thresholds=[0.0, 0.1, 0.3]),
    )  # fmt: skip
    anomaly = AnomalyMetrics(
        device_health=DetectionScores(pr_auc=0.4, precision=0.5, recall=0.4, readings=1000, anomalous=40),
        sensor_stream=SensorStreamEvaluation(
            overall=DetectionScores(pr_auc=0.8, precision=0.6, recall=0.7, readings=1000, anomalous=100)
        ),
    )
    passed = f1 >= 0.8
    promoted = passed and promote
    return devices.TrainResponse(
        status="promoted" if promoted else "registered", promoted=promoted, decision="promoted" if promoted else "kept",
        reason="gates PASSED" if promoted else "not promoted", version="fail-v1", anomaly_version="anom-v1",
        production_version="fail-v1", source="synthetic", metrics=metrics, rule_baseline=rule,
        production_metrics=None, anomaly_metrics=anomaly, gates=_gates(passed), seconds={"total": 0.1},
    )  # fmt: skip


def version_detail(model: str, version: str) -> VersionDetail:
    """`GET .../models/{version}` of a stub: one artifact with its sha256, and the lineage metadata."""
    file = {"failure_prediction": "model.txt", "anomaly_detection": "device_health.skops"}.get(
        model, "model.skops"
    )
    lineage: dict[str, Any] = {
        "feature_schema_version": "stub-features-1",
        "library_versions": {"scikit-learn": "stub"},
    }
    metadata = {"training_data": {"fingerprint": "f" * 64}, **lineage}
    return VersionDetail(
        model=model, version=version, created_at="2025-01-01T00:00:00+00:00", trigger="api", is_production=True,
        is_previous=False, gates_verdict="PASSED", artifacts=[ArtifactInfo(name=file, sha256=SHA, size_bytes=10)],
        training_data_fingerprint="f" * 64, **lineage, switches=[], metadata=metadata,
    )  # fmt: skip


def stub_home(index: int, home_type: str) -> dict[str, Any]:
    """A generated home file in miniature: id, label, areas and devices (apartments have few rooms)."""
    rooms = ["Living Room", "Bathroom"] if home_type == "apartment" else [f"Room {i}" for i in range(8)]
    devices = [{"entity_id": f"light.{r.lower().replace(' ', '_')}", "area": r} for r in rooms]
    return {
        "home_id": f"home-{index:03d}", "home_type": home_type, "labels": {"home_type": home_type},
        "areas": [{"name": r} for r in rooms], "devices": devices, "events": [],
    }  # fmt: skip


def stub_ai(
    fail: frozenset[str] = frozenset(),
    accuracy: float = 0.95,
    hold_paths: frozenset[str] = frozenset(),
    api_key: str | None = None,
) -> FastAPI:
    """An ai-automation look-alike answering with the contract classes; paths in `fail` answer 500, requests to
    `hold_paths` set `app.state.arrived` and wait until the test sets `app.state.release` (no fixed delay),
    and POSTs need `api_key` in X-HomeIQ-API-Key when one is given."""
    app = FastAPI()
    app.state.arrived = threading.Event()
    app.state.release = threading.Event()

    @app.middleware("http")
    async def failing(request: Request, call_next: Any) -> Any:
        if api_key and request.method == "POST" and request.headers.get("X-HomeIQ-API-Key") != api_key:
            return _problem(401, "missing or wrong API key (header X-HomeIQ-API-Key)")
        if request.url.path in fail:
            return _problem(500, f"stub failure on {request.url.path}")
        if request.url.path in hold_paths:
            app.state.arrived.set()
            await asyncio.to_thread(app.state.release.wait, 60)  # 60 s only bounds a test that forgot it
        return await call_next(request)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return _health("ai-automation")

    @app.post("/api/synthetic-homes", status_code=201)
    async def generate(body: dict[str, Any]) -> dict[str, Any]:
        app.state.generate_bodies.append(body)
        return DatasetInfo(
            dataset_id=f"ds-stub-{body['seed']}", created_at=datetime(2025, 1, 1, tzinfo=UTC), path="/nonexistent/stub",
            homes=body["count"], events=body["count"] * body["days"] * 100, options=body, summary={},
        ).model_dump(mode="json")  # fmt: skip

    app.state.generate_bodies = []
    app.state.homes_asked = []

    @app.get("/api/synthetic-homes/{dataset_id}/homes")
    async def homes(dataset_id: str, limit: int = 3) -> Any:
        app.state.homes_asked.append((dataset_id, limit))
        generated = [b for b in app.state.generate_bodies if f"ds-stub-{b['seed']}" == dataset_id]
        if not generated:
            return _problem(404, f"no dataset {dataset_id!r}")
        count = generated[-1]["count"]
        files = [stub_home(i + 1, "apartment" if i % 2 == 0 else "single_family") for i in range(count)]
        return HomeFiles(dataset_id=dataset_id, total_homes=count, homes=files[:limit]).model_dump(
            mode="json"
        )

    app.state.train_bodies = []

    @app.post("/api/home-type/train")
    async def train(body: dict[str, Any]) -> dict[str, Any]:
        app.state.train_bodies.append(body)
        return home_type_answer(body["task"], accuracy, bool(body.get("promote"))).model_dump(mode="json")

    @app.post("/api/home-type/predict")
    async def predict(body: dict[str, Any]) -> dict[str, Any]:
        task = body.get("task", "full")
        preds = []
        for home in body["homes"]:
            p_apartment = 0.9 if len(home.get("areas", [])) < 5 else 0.1
            if task == "binary":
                probs = {"apartment": p_apartment, "standard_home": 1 - p_apartment}
            else:
                probs = {"apartment": p_apartment, "condo": 0.0, "single_family": 1 - p_apartment}
            label = max(probs, key=lambda k: probs[k])
            preds.append(
                HomeTypePrediction(
                    home_type=label, confidence=probs[label], probabilities=probs, model_version=f"{task}-v1",
                    features_used=["area_count"],
                )
            )  # fmt: skip
        return PredictBatchResponse(predictions=preds).model_dump(mode="json")

    @app.get("/api/home-type/models/{version}")
    async def show(version: str, task: str = "full") -> dict[str, Any]:
        return version_detail(f"home_type_{task}", version).model_dump(mode="json")

    return app


def stub_device(fail: frozenset[str] = frozenset(), f1: float = 0.85) -> FastAPI:
    """A device-intelligence look-alike answering with the contract classes; paths in `fail` answer 500."""
    app = FastAPI()

    @app.middleware("http")
    async def failing(request: Request, call_next: Any) -> Any:
        if request.url.path in fail:
            return _problem(500, f"stub failure on {request.url.path}")
        return await call_next(request)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return _health("device-intelligence")

    app.state.train_bodies = []

    @app.post("/api/predictions/train")
    async def train(body: dict[str, Any]) -> dict[str, Any]:
        app.state.train_bodies.append(body)
        return device_answer(f1, bool(body.get("promote"))).model_dump(mode="json")

    @app.post("/api/predictions/predict")
    async def predict(body: dict[str, Any]) -> dict[str, Any]:
        battery = body["metrics"].get("battery_level") or 100
        prob = 90.0 if battery < 20 else 5.0
        return PredictResponse(
            device_id=body["device_id"], probability=prob / 100, failure_probability=prob,
            risk_level="critical" if prob >= 80 else "minimal",
            will_fail_within_horizon=prob >= 50, horizon_days=7, anomaly_score=0.1, is_anomaly=False, confidence=0.8,
            recommendations=[], drivers=[], history_days_used=1, used_snapshot_only=True,
            predicted_at=datetime(2025, 1, 1, tzinfo=UTC), model_version="fail-v1",
        ).model_dump(mode="json")  # fmt: skip

    @app.post("/api/anomalies/sensor")
    async def sensor(body: dict[str, Any]) -> dict[str, Any]:
        scores = [
            SensorReadingScore(
                timestamp=r["timestamp"], anomaly_score=abs(r["value"] - 21) / 10, is_anomaly=abs(r["value"] - 21) > 10
            )
            for r in body["readings"]
        ]  # fmt: skip
        return SensorResponse(
            entity_id=body["entity_id"], unit=body.get("unit"), readings=scores, spans=[], threshold=1.0,
            model_version="anom-v1",
        ).model_dump(mode="json")  # fmt: skip

    @app.get("/api/predictions/models/{version}")
    async def show(version: str, model: str = "failure_prediction") -> dict[str, Any]:
        return version_detail(model, version).model_dump(mode="json")

    return app


@pytest.fixture
def gateway_settings(tmp_path: Path) -> Callable[..., GatewaySettings]:
    """Build `GatewaySettings` writing under `tmp_path`, ignoring any `.env`."""

    def build(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "output_dir": tmp_path / "reports",
            "runs_dir": tmp_path / "runs",
            "min_free_disk_mb": 1,
            "startup_timeout_s": 90,
        }
        values.update(overrides)
        return GatewaySettings(_env_file=None, **values)

    return build


@dataclass(frozen=True)
class Stubs:
    """The stand-in app factories and the server helper, for tests."""

    ai: Callable[..., FastAPI]
    device: Callable[..., FastAPI]
    serve: Callable[[FastAPI], Any]
    home_type_answer: Callable[..., home_type.TrainResponse]
    device_answer: Callable[..., devices.TrainResponse]
    version_detail: Callable[[str, str], VersionDetail]


@pytest.fixture
def stubs() -> Stubs:
    """Factories of stand-in services and `serve(app)` (a context manager yielding the base URL)."""
    return Stubs(stub_ai, stub_device, serve, home_type_answer, device_answer, version_detail)
