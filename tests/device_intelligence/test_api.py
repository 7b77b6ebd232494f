"""The HTTP surface in-process: predict, batch, telemetry, failures, sensor anomalies, train, bad input."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import device_intelligence
from device_intelligence.app import create_app
from device_intelligence.routers.training import TRAIN_LOCK
from device_intelligence.settings import DeviceIntelligenceSettings
from device_intelligence.telemetry_features import FEATURE_SCHEMA_VERSION

GOOD = {
    "device_id": "zigbee_motion_hall",
    "metrics": {"battery_level": 64, "signal_strength": -70, "error_rate": 0.02},
}


async def test_health_reports_models_and_real_checks(di_client: httpx.AsyncClient) -> None:
    body = (await di_client.get("/health")).json()
    assert body["status"] == "healthy"
    assert body["checks"]["database"]["ok"] is True
    assert set(body["checks"]) == {"database", "data_dir", "models_dir"}
    assert body["models"]["loading"] is False
    assert set(body["models"]["loaded"]) == {"failure_prediction", "anomaly_detection"}
    assert all(v and v.startswith("v") for v in body["models"]["loaded"].values())


async def test_health_names_the_service_version(di_client: httpx.AsyncClient) -> None:
    body = (await di_client.get("/health")).json()
    assert body["service"] == "device-intelligence"
    assert body["version"] == device_intelligence.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", body["version"])


async def test_models_status_gives_both_models_registry_entries(
    di_client: httpx.AsyncClient, models_dir: Path
) -> None:
    status = (await di_client.get("/api/predictions/models/status")).json()
    assert set(status["models"]) == {"failure_prediction", "anomaly_detection"}
    assert status["anomaly_model_metadata"]["version"] == status["anomaly_model_version"]
    for name, entry in status["models"].items():
        assert entry["registry_name"] == name
        on_disk = json.loads((models_dir / name / entry["version"] / "metadata.json").read_text())
        assert set(entry["artifacts"]) == set(on_disk["artifacts"])
        assert entry["artifacts"]
        for filename, record in entry["artifacts"].items():
            data = (models_dir / name / entry["version"] / filename).read_bytes()
            assert record == {"sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data)}
        assert entry["training_data_fingerprint"] == on_disk["training_data"]["fingerprint"]
        assert len(entry["training_data_fingerprint"]) == 64
        assert entry["library_versions"]["scikit-learn"]
        assert entry["library_versions"]["lightgbm"]
        assert entry["feature_schema_version"] == FEATURE_SCHEMA_VERSION
        assert entry["metrics"] == on_disk["metrics"]
    failure, anomaly = status["models"]["failure_prediction"], status["models"]["anomaly_detection"]
    assert failure["metrics"]["pr_curve"]["precision"]
    assert failure["gates"]["verdict"] in {"PASSED", "FAILED"}
    assert "device_health" in anomaly["metrics"]
    assert anomaly["training_data_fingerprint"] == failure["training_data_fingerprint"]


async def test_without_a_model_predict_is_a_clear_503(empty_client: httpx.AsyncClient) -> None:
    health = await empty_client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    response = await empty_client.post("/api/predictions/predict", json=GOOD)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "train" in response.json()["detail"]
    version = await empty_client.get("/api/predictions/models/version")
    assert version.status_code == 503
    assert version.headers["content-type"].startswith("application/problem+json")
    assert version.json()["type"].endswith("/no-model")


async def test_predict_snapshot_then_with_stored_history(di_client: httpx.AsyncClient) -> None:
    first = await di_client.post("/api/predictions/predict", json=GOOD)
    assert first.status_code == 200, first.text
    body = first.json()
    assert 0 <= body["failure_probability"] <= 100
    assert body["risk_level"] in {"critical", "high", "medium", "low", "minimal"}
    assert body["used_snapshot_only"] is True
    assert body["model_version"].startswith("v")
    assert body["recommendations"]
    now = datetime.now(UTC)
    readings = [
        {
            "device_id": GOOD["device_id"],
            "timestamp": (now - timedelta(days=d)).isoformat(),
            "metrics": {"battery_level": 64 + d * 2.0, "signal_strength": -70.0, "error_rate": 0.02},
        }
        for d in range(1, 15)
    ]
    stored = await di_client.post("/api/telemetry", json={"readings": readings})
    assert stored.json() == {"received": 14, "stored": 14, "duplicates": 0}
    again = await di_client.post("/api/telemetry", json={"readings": readings})
    assert again.json() == {"received": 14, "stored": 0, "duplicates": 14}
    second = (await di_client.post("/api/predictions/predict", json=GOOD)).json()
    assert second["used_snapshot_only"] is False
    assert second["history_days_used"] == 15


async def test_fast_failing_device_scores_above_a_healthy_one(di_client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)

    def history(device: str, drop: float) -> list[dict[str, Any]]:
        return [
            {
                "device_id": device,
                "timestamp": (now - timedelta(days=d)).isoformat(),
                "metrics": {"signal_strength": -60.0 - drop * (14 - d), "connection_drops": drop * (14 - d) / 3,
                            "response_time": 120.0 * (1 + drop * (14 - d) / 10), "error_rate": 0.01 + drop * (14 - d) / 100},
            }
            for d in range(1, 15)
        ]  # fmt: skip

    await di_client.post(
        "/api/telemetry", json={"readings": history("dev_ok", 0.0) + history("dev_bad", 1.5)}
    )
    batch = {
        "devices": [
            {"device_id": "dev_ok", "metrics": {"signal_strength": -60.0, "connection_drops": 0, "response_time": 120.0, "error_rate": 0.01}},
            {"device_id": "dev_bad", "metrics": {"signal_strength": -82.0, "connection_drops": 7, "response_time": 350.0, "error_rate": 0.2}},
        ]
    }  # fmt: skip
    response = await di_client.post("/api/predictions/predict/batch", json=batch)
    assert response.status_code == 200
    ok, bad = response.json()["predictions"]
    assert (ok["device_id"], bad["device_id"]) == ("dev_ok", "dev_bad")
    assert bad["failure_probability"] > ok["failure_probability"]
    assert any("driver" in r for r in bad["recommendations"])


@pytest.mark.parametrize(
    "payload",
    [
        {"device_id": "d1", "metrics": {"battery_levl": 50}},
        {"device_id": "d1", "metrics": {"battery_level": "50"}},
        {"device_id": "d1", "metrics": {"battery_level": 150}},
        {"device_id": "d1", "metrics": {"restart_count": -1}},
        {"device_id": "", "metrics": {}},
        {"device_id": "x" * 500, "metrics": {}},
        {"device_id": "d1"},
    ],
)
async def test_bad_predict_input_is_a_422_and_service_keeps_serving(
    di_client: httpx.AsyncClient, payload: dict[str, Any]
) -> None:
    response = await di_client.post("/api/predictions/predict", json=payload)
    assert response.status_code == 422
    assert response.json()["status"] == 422
    assert (await di_client.post("/api/predictions/predict", json=GOOD)).status_code == 200


async def test_nan_is_refused(di_client: httpx.AsyncClient) -> None:
    raw = b'{"device_id": "d1", "metrics": {"battery_level": NaN}}'
    response = await di_client.post(
        "/api/predictions/predict", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_oversized_batch_is_refused_and_nothing_is_stored(di_client: httpx.AsyncClient) -> None:
    ts = datetime(2025, 1, 1, tzinfo=UTC)
    readings = [
        {"device_id": "d1", "timestamp": (ts + timedelta(minutes=i)).isoformat(), "metrics": {}}
        for i in range(10_001)
    ]
    assert (await di_client.post("/api/telemetry", json={"readings": readings})).status_code == 422
    half_bad = [*readings[:5], {"device_id": "d1", "timestamp": "2025-01-01T00:00:00", "metrics": {}}]
    response = await di_client.post("/api/telemetry", json={"readings": half_bad})
    assert response.status_code == 422
    assert "time zone" in response.json()["detail"]
    ok = await di_client.post("/api/telemetry", json={"readings": readings[:5]})
    assert ok.json()["stored"] == 5  # nothing of the refused requests was stored before


async def test_failure_labels_are_recorded_once(di_client: httpx.AsyncClient) -> None:
    body = {"device_id": "d1", "failed_at": "2025-03-01T10:00:00Z", "kind": "battery_depletion"}
    first = await di_client.post("/api/failures", json=body)
    second = await di_client.post("/api/failures", json=body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


async def test_sensor_stream_with_a_stuck_period(di_client: httpx.AsyncClient) -> None:
    rng = np.random.default_rng(0)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    values = 21 + 2 * np.sin(np.arange(600) * 2 * np.pi / 24) + rng.normal(0, 0.2, 600)
    values[400:520] = values[400]
    readings = [
        {"timestamp": (t0 + timedelta(hours=i)).isoformat(), "value": round(float(v), 2)}
        for i, v in enumerate(values)
    ]
    readings.reverse()  # answers come back in input order whatever the order sent
    response = await di_client.post(
        "/api/anomalies/sensor",
        json={"entity_id": "sensor.hall_temperature", "unit": "°C", "readings": readings},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["timestamp"] for r in body["readings"]] == [
        datetime.fromisoformat(r["timestamp"]).isoformat().replace("+00:00", "Z") for r in readings
    ]
    stuck_start, stuck_end = t0 + timedelta(hours=400), t0 + timedelta(hours=519)
    assert any(
        datetime.fromisoformat(s["start"]) <= stuck_end and datetime.fromisoformat(s["end"]) >= stuck_start
        for s in body["spans"]
    )


async def test_sensor_states_that_are_not_numbers_are_skipped_and_counted(
    di_client: httpx.AsyncClient,
) -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    states: list[object] = [str(20.0 + h % 3) if h % 2 else 20.0 + h % 3 for h in range(48)]
    states[5], states[6], states[30], states[31] = "unavailable", "unknown", "unavailable", "open"
    readings = [
        {"timestamp": (t0 + timedelta(hours=h)).isoformat(), "value": v} for h, v in enumerate(states)
    ]
    response = await di_client.post(
        "/api/anomalies/sensor", json={"entity_id": "sensor.t", "readings": readings}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["skipped"] == 4
    assert body["skipped_states"] == {"unavailable": 2, "unknown": 1, "non_numeric": 1}
    assert len(body["readings"]) == 44  # HA's numeric strings ("21.0") are numbers
    assert body["sampling_interval_seconds"] == 3600
    too_few = [{"timestamp": r["timestamp"], "value": "unavailable"} for r in readings[:10]]
    refused = await di_client.post(
        "/api/anomalies/sensor", json={"entity_id": "sensor.t", "readings": too_few}
    )
    assert refused.status_code == 422
    assert "0 of 10" in refused.json()["detail"]


async def test_train_needs_the_key_and_refuses_a_second_run(
    tmp_path: Path, models_dir: Path, settings_factory: Callable[..., DeviceIntelligenceSettings]
) -> None:
    app = create_app(settings_factory(tmp_path, models_dir, api_key="s3cret"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://di") as client:
            assert (await client.post("/api/predictions/train", json={})).status_code == 401
            assert (await client.post("/api/telemetry", json={})).status_code == 401
            key = {"X-HomeIQ-API-Key": "s3cret"}
            with app.state.locks.hold(TRAIN_LOCK):
                busy = await client.post("/api/predictions/train", json={}, headers=key)
                assert busy.status_code == 409
                assert (await client.get("/api/predictions/train/status")).json()["running"] is True
            serving = (await client.get("/api/predictions/models/version")).json()["version"]
            small = {"synthetic_count": 200, "days": 60, "seed": 3, "force": True}
            first, second = await asyncio.gather(
                client.post("/api/predictions/train", json=small, headers=key),
                client.post("/api/predictions/train", json=small, headers=key),
            )
            assert sorted([first.status_code, second.status_code]) == [200, 409]
            done = (first if first.status_code == 200 else second).json()
            # 200 devices are too few to pass the gates: registered, never promoted automatically.
            assert done["gates"]["passed"] is False
            assert done["promoted"] is False
            assert done["decision"] == "kept"
            assert done["reason"].startswith("quality gates FAILED")
            version = (await client.get("/api/predictions/models/version")).json()
            assert version["version"] == serving != done["version"]
            assert version["model_type"] == "lightgbm"
            status = (await client.get("/api/predictions/train/status")).json()
            assert status["last_training_status"] == "registered"


async def test_train_with_an_empty_body_uses_synthetic_defaults(empty_client: httpx.AsyncClient) -> None:
    response = await empty_client.post("/api/predictions/train")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "synthetic"
    assert body["promoted"] is True
    assert body["rule_baseline"]["pr_auc"] < body["metrics"]["pr_auc"]
    # What a report plots comes back compact: curves of <= 100 points, top-20 importances, lead days.
    assert len(response.content) < 50_000
    for block in (body["metrics"], body["rule_baseline"]):
        assert 2 <= len(block["pr_curve"]["recall"]) <= 100
        assert len(block["lead_days"]) == block["failure_level"]["detected"]
        assert block["calibration"]
    assert 0 < len(body["metrics"]["feature_importances"]) <= 20
    assert (await empty_client.post("/api/predictions/predict", json=GOOD)).status_code == 200
    status = (await empty_client.get("/api/predictions/models/status")).json()
    assert status["is_trained"] is True
    # The answer names the registered versions' artifacts; the status then describes the same files.
    for name, version in (
        ("failure_prediction", body["version"]),
        ("anomaly_detection", body["anomaly_version"]),
    ):
        entry = body["registry"][name]
        assert entry["version"] == version
        assert status["models"][name]["version"] == version
        assert entry["artifacts"] == status["models"][name]["artifacts"]
        assert all(len(a["sha256"]) == 64 and a["size_bytes"] > 0 for a in entry["artifacts"].values())
        assert "metrics" not in entry  # already in the answer once


async def test_train_takes_the_callers_gate_thresholds(empty_client: httpx.AsyncClient) -> None:
    bad = await empty_client.post("/api/predictions/train", json={"gate_thresholds": {"recall": 1.5}})
    assert bad.status_code == 422
    unknown = await empty_client.post("/api/predictions/train", json={"gate_thresholds": {"auc": 0.5}})
    assert unknown.status_code == 422
    body = {"synthetic_count": 300, "days": 90, "gate_thresholds": {"recall": 0.05, "f1_score": 0.05}}
    response = await empty_client.post("/api/predictions/train", json=body)
    assert response.status_code == 200, response.text
    checks = {c["metric"]: c["threshold"] for c in response.json()["gates"]["checks"]}
    assert checks["recall"] == 0.05
    assert checks["f1_score"] == 0.05
    assert checks["precision"] == 0.80
