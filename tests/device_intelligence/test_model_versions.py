"""Model versions over HTTP: list, promote a kept version, roll back; the served model follows."""

from __future__ import annotations

from pathlib import Path

import httpx

from device_intelligence import anomaly_model, failure_model
from device_intelligence.app import create_app
from device_intelligence.nightly_training import TRAIN_LOCK
from homeiq_shared.model_registry import ModelRegistry

from .conftest import make_settings

RESERVED = {"model_name", "version", "created_at", "artifacts"}


def _second_version(models_dir: Path) -> tuple[str, str]:
    registry = ModelRegistry(models_dir)
    first = registry.production(failure_model.MODEL_NAME)
    assert first is not None
    files = {
        name: registry.read_artifact(first.model_name, first.version, name) for name in first.artifact_names
    }
    meta = {k: v for k, v in first.metadata.items() if k not in RESERVED}
    second = registry.register(first.model_name, files, meta)
    return first.version, second.version


async def test_promote_and_roll_back_switch_the_served_model(tmp_path: Path, models_dir: Path) -> None:
    first, second = _second_version(models_dir)
    app = create_app(make_settings(tmp_path, models_dir, api_key="k"))
    key = {"X-HomeIQ-API-Key": "k"}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://di") as http,
    ):
        listed = (await http.get("/api/predictions/models/versions")).json()
        assert [v["version"] for v in listed["versions"]] == [first, second]
        assert listed["production"] == first
        assert (await http.post(f"/api/predictions/models/{second}/promote")).status_code == 401
        promoted = (await http.post(f"/api/predictions/models/{second}/promote", headers=key)).json()
        assert promoted["production"] == second
        assert (await http.get("/api/predictions/models/version")).json()["version"] == second
        rolled = (await http.post("/api/predictions/models/rollback", headers=key)).json()
        assert rolled["production"] == first
        assert (await http.get("/api/predictions/models/version")).json()["version"] == first
        unknown = await http.post("/api/predictions/models/v0099-20260101T000000Z/promote", headers=key)
        assert unknown.status_code == 404
        with app.state.locks.hold(TRAIN_LOCK):
            busy = await http.post(f"/api/predictions/models/{second}/promote", headers=key)
        assert busy.status_code == 409
        anomaly = (
            await http.get(f"/api/predictions/models/versions?model={anomaly_model.MODEL_NAME}")
        ).json()
        assert len(anomaly["versions"]) == 1
        no_previous = await http.post(
            f"/api/predictions/models/rollback?model={anomaly_model.MODEL_NAME}", headers=key
        )
        assert no_previous.status_code == 404
        assert (await http.get("/api/predictions/models/versions?model=bogus")).status_code == 422
