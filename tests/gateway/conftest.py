"""Gateway test fixtures: settings in tmp folders, and contract-shaped stand-ins for the services served
over real HTTP (to provoke failures on purpose; the end-to-end tests use the real services)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.settings import GatewaySettings

SHA = "ab" * 32


def _problem(status: int, detail: str) -> JSONResponse:
    body = {
        "type": "https://homeiq.dev/problems/stub",
        "title": "Unauthorized" if status == 401 else "Internal error",
        "status": status,
        "detail": detail,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def stub_ai(
    fail: frozenset[str] = frozenset(),
    accuracy: float = 0.95,
    delay_paths: frozenset[str] = frozenset(),
    api_key: str | None = None,
) -> FastAPI:
    """An ai-automation look-alike; paths in `fail` answer 500, paths in `delay_paths` take 3 s, and
    POSTs need `api_key` in X-HomeIQ-API-Key when one is given."""
    app = FastAPI()

    @app.middleware("http")
    async def failing(request: Request, call_next: Any) -> Any:
        if api_key and request.method == "POST" and request.headers.get("X-HomeIQ-API-Key") != api_key:
            return _problem(401, "missing or wrong API key (header X-HomeIQ-API-Key)")
        if request.url.path in fail:
            return _problem(500, f"stub failure on {request.url.path}")
        if request.url.path in delay_paths:
            await asyncio.sleep(3)
        return await call_next(request)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"service": "ai-automation", "version": "stub", "status": "healthy", "checks": {}}

    @app.post("/api/synthetic-homes", status_code=201)
    async def generate(body: dict[str, Any]) -> dict[str, Any]:
        return {
            "dataset_id": f"ds-stub-{body['seed']}",
            "path": "/nonexistent/stub",
            "homes": body["count"],
            "events": body["count"] * body["days"] * 100,
            "options": body,
            "summary": {},
        }

    app.state.train_bodies = []

    @app.post("/api/home-type/train")
    async def train(body: dict[str, Any]) -> dict[str, Any]:
        app.state.train_bodies.append(body)
        task = body["task"]
        labels = (
            ["apartment", "standard_home"] if task == "binary" else ["apartment", "condo", "single_family"]
        )
        n = len(labels)
        scores = {"accuracy": accuracy, "precision": accuracy, "recall": accuracy, "f1_score": accuracy}

        def baseline(f1: float) -> dict[str, Any]:
            return {"accuracy": 0.5, "macro_f1": f1, "cv": {"macro_f1": {"mean": f1}}}

        return {
            "task": task,
            "model_name": f"home_type_{task}",
            "version": f"{task}-v1",
            "promoted": bool(body.get("promote")) and accuracy >= 0.9,
            "promotion_reason": "first model" if body.get("promote") else "promotion not requested",
            "metrics": {
                **scores,
                "macro_f1": accuracy,
                "test_samples": 40,
                "classes": labels,
                "confusion_matrix": [[10 if i == j else 1 for j in range(n)] for i in range(n)],
                "top_feature_importances": [{"feature": "area_count", "importance": 0.3}],
                "cross_validation": {"pooled_out_of_fold": scores, "macro_f1": {"mean": accuracy}},
            },
            "baselines": {"majority": baseline(0.3), "best_rule": baseline(0.6)},
            "gates": {"passed": accuracy >= 0.9, "verdict": "PASSED" if accuracy >= 0.9 else "FAILED"},
            "split_method": "group_by_home",
        }

    @app.post("/api/home-type/predict")
    async def predict(body: dict[str, Any]) -> dict[str, Any]:
        task = body.get("task", "full")
        version = f"{task}-v1"
        preds = []
        for home in body["homes"]:
            p_apartment = 0.9 if len(home.get("areas", [])) < 5 else 0.1
            if task == "binary":
                probs = {"apartment": p_apartment, "standard_home": 1 - p_apartment}
            else:
                probs = {"apartment": p_apartment, "condo": 0.0, "single_family": 1 - p_apartment}
            label = max(probs, key=lambda k: probs[k])
            preds.append(
                {
                    "home_type": label,
                    "confidence": probs[label],
                    "probabilities": probs,
                    "model_version": version,
                }
            )
        return {"predictions": preds}

    @app.get("/api/home-type/model-info")
    async def model_info(task: str = "full") -> dict[str, Any]:
        return {
            "status": "success",
            "task": task,
            "model_info": {
                "model_name": f"home_type_{task}",
                "model_version": f"{task}-v1",
                "artifacts": {"model.skops": {"sha256": SHA, "size_bytes": 1234}},
                "training_data": {"fingerprint": "f" * 64},
                "library_versions": {"scikit-learn": "stub"},
            },
        }

    return app


def _stub_entry(name: str, version: str) -> dict[str, Any]:
    """A registry entry as device-intelligence returns it in `/train` and `/models/status`."""
    files = {"model.txt": 10} if name == "failure_prediction" else {"device_health.skops": 20}
    return {
        "registry_name": name,
        "version": version,
        "created_at": "2025-01-01T00:00:00+00:00",
        "artifacts": {f: {"sha256": SHA, "size_bytes": n} for f, n in files.items()},
        "training_data_fingerprint": "d" * 64,
        "library_versions": {"lightgbm": "stub", "scikit-learn": "stub"},
        "feature_schema_version": "stub-features-1",
    }


def stub_device(
    fail: frozenset[str] = frozenset(), f1: float = 0.85, served_version: str = "fail-v1"
) -> FastAPI:
    """A device-intelligence look-alike; paths in `fail` answer 500 with a problem detail, and
    `/models/status` describes `served_version` of the failure model."""
    app = FastAPI()

    @app.middleware("http")
    async def failing(request: Request, call_next: Any) -> Any:
        if request.url.path in fail:
            return _problem(500, f"stub failure on {request.url.path}")
        return await call_next(request)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"service": "device-intelligence", "version": "stub", "status": "healthy", "checks": {}}

    app.state.train_bodies = []

    @app.post("/api/predictions/train")
    async def train(body: dict[str, Any]) -> dict[str, Any]:
        app.state.train_bodies.append(body)
        metrics = {
            "accuracy": 0.95, "precision": f1, "recall": f1, "f1_score": f1, "pr_auc": 0.8, "positive_rate": 0.05,
            "median_lead_days": 5.0, "row_recall": 0.6, "failure_recall_all": 0.7,
            "metric_definitions": "precision per device-day; recall per failure that gives warning",
            "recall_by_kind": {"battery_depletion": {"failures": 10, "detected": 8, "recall": 0.8}},
            "calibration": [{"mean_predicted": 0.05, "observed_rate": 0.04, "rows": 900},
                            {"mean_predicted": 0.6, "observed_rate": 0.55, "rows": 50}],
            "lead_time": {"battery_depletion": {"failures": 10, "detected_within_horizon": 8, "median_lead_days": 9.0}},
            "pr_curve": {"precision": [0.05, 0.3, 0.7, 0.9], "recall": [1.0, 0.8, 0.5, 0.1],
                         "thresholds": [0.0, 0.1, 0.4, 0.8]},
            "feature_importances": {"error_rate_shift_7d": 0.4, "battery_level": 0.2, "signal_strength": 0.1},
            "feature_importance_method": "share of the booster's total split gain",
            "failure_level": {"failures": 10, "detected": 8},
            "lead_days": [2.0, 3.0, 3.0, 5.0, 6.0, 6.0, 7.0, 9.0],
            "lead_days_by_kind": {"battery_depletion": [3.0, 6.0, 7.0, 9.0], "connectivity_loss": [2.0, 3.0, 5.0, 6.0]},
        }  # fmt: skip
        rule = {"pr_auc": 0.3, "precision": 0.4, "recall": 0.5, "lead_days": [1.0, 2.0],
                "pr_curve": {"precision": [0.05, 0.3, 0.4], "recall": [1.0, 0.6, 0.5], "thresholds": [0.0, 0.1, 0.3]}}  # fmt: skip
        anomaly = {
            "device_health": {
                "pr_auc": 0.4,
                "precision": 0.5,
                "recall": 0.4,
                "readings": 1000,
                "anomalous": 40,
            },
            "sensor_stream": {"overall": {"pr_auc": 0.8, "readings": 1000, "anomalous": 100}},
        }
        verdict = f1 >= 0.8
        promoted = verdict and bool(body.get("promote"))
        return {
            "status": "promoted" if promoted else "registered", "promoted": promoted,
            "decision": "gates PASSED" if promoted else "not promoted", "version": "fail-v1",
            "anomaly_version": "anom-v1", "production_version": "fail-v1", "source": "synthetic",
            "metrics": metrics, "rule_baseline": rule,
            "production_metrics": None, "anomaly_metrics": anomaly,
            "gates": {"passed": verdict, "verdict": "PASSED" if verdict else "FAILED"}, "seconds": {"total": 0.1},
            "registry": {"failure_prediction": _stub_entry("failure_prediction", "fail-v1"),
                         "anomaly_detection": _stub_entry("anomaly_detection", "anom-v1")},
        }  # fmt: skip

    @app.post("/api/predictions/predict")
    async def predict(body: dict[str, Any]) -> dict[str, Any]:
        battery = body["metrics"].get("battery_level") or 100
        prob = 90.0 if battery < 20 else 5.0
        return {
            "device_id": body["device_id"],
            "failure_probability": prob,
            "risk_level": "critical" if prob >= 80 else "minimal",
            "anomaly_score": 0.1,
            "is_anomaly": False,
            "confidence": 0.8,
            "recommendations": [],
            "predicted_at": "2025-01-01T00:00:00+00:00",
            "model_version": "fail-v1",
        }

    @app.post("/api/anomalies/sensor")
    async def sensor(body: dict[str, Any]) -> dict[str, Any]:
        values = [r["value"] for r in body["readings"]]
        return {
            "readings": [
                {
                    "timestamp": r["timestamp"],
                    "anomaly_score": abs(v - 21) / 10,
                    "is_anomaly": abs(v - 21) > 10,
                }
                for r, v in zip(body["readings"], values, strict=True)
            ],
            "spans": [],
        }

    @app.get("/api/predictions/models/status")
    async def status() -> dict[str, Any]:
        return {
            "is_trained": True,
            "model_version": served_version,
            "models": {
                "failure_prediction": _stub_entry("failure_prediction", served_version),
                "anomaly_detection": _stub_entry("anomaly_detection", "anom-v1"),
            },
        }

    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI, lifespan: Literal["on", "off"] = "off") -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a thread; yield its base URL.

    A real service needs `lifespan="on"` (its lifespan opens the registry and loads the models).
    """
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


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


@pytest.fixture
def stubs() -> Stubs:
    """Factories of stand-in services and `serve(app)` (a context manager yielding the base URL)."""
    return Stubs(stub_ai, stub_device, serve)
