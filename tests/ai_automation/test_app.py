"""The ai-automation shell: health with real checks, problem details, API key on mutating endpoints."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ai_automation import app as app_module
from ai_automation import dependencies as dependencies_module
from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings
from homeiq_shared.app_state import models_ready

from ..homeiq_shared.fake_home_assistant import TOKEN, FakeHomeAssistant, running


async def test_health_reports_real_checks(ai_client: httpx.AsyncClient) -> None:
    response = await ai_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"  # the checks pass, but no model is served yet
    assert body["models"]["loaded"] == {"home_type_full": None, "home_type_binary": None}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["latency_ms"] >= 0
    assert body["checks"]["models_dir"]["ok"] is True


async def test_health_answers_while_the_models_load_and_model_requests_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def blocked_load(registry: Any) -> dict[str, Any]:
        release.wait(60)
        return {}

    monkeypatch.setattr(app_module, "load_production_models", blocked_load)
    waiting = asyncio.Event()  # set when a request reaches the wait for the models

    async def observed_models_ready(app: Any) -> None:
        waiting.set()
        await models_ready(app)

    monkeypatch.setattr(dependencies_module, "models_ready", observed_models_ready)
    settings = AiAutomationSettings(data_dir=tmp_path / "data", models_dir=tmp_path / "m", _env_file=None)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai") as client:
            try:
                during = await client.get("/health")
                info = asyncio.create_task(client.get("/api/home-type/model-info"))
                await asyncio.wait_for(waiting.wait(), timeout=60)  # the request is at the wait, not a clock
                waited = not info.done()
            finally:
                release.set()
            answered = (await info).json()["model_info"]
            after = (await client.get("/health")).json()
    assert during.status_code == 200
    assert during.json()["models"] == {
        "loading": True,
        "loaded": {"home_type_full": None, "home_type_binary": None},
        "error": None,
    }
    assert during.json()["status"] == "degraded"
    assert waited  # a request that needs the models waits for the start-up load
    assert answered["is_loaded"] is False
    assert after["models"] == {
        "loading": False,
        "loaded": {"home_type_full": None, "home_type_binary": None},
        "error": None,
    }


async def test_health_is_unhealthy_when_a_folder_is_not_usable(tmp_path: Path) -> None:
    blocker = tmp_path / "models-is-a-file"
    settings = AiAutomationSettings(data_dir=tmp_path / "data", models_dir=tmp_path / "m", _env_file=None)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        blocker.write_text("not a folder")
        settings.models_dir.rmdir()
        settings.models_dir.symlink_to(blocker)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai") as client:
            response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["checks"]["models_dir"]["ok"] is False


async def test_unknown_path_is_a_problem_detail(ai_client: httpx.AsyncClient) -> None:
    response = await ai_client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {"type", "title", "status", "detail"} <= response.json().keys()


async def test_validation_error_is_a_422_problem_detail(ai_client: httpx.AsyncClient) -> None:
    response = await ai_client.post("/api/synthetic-homes", json={"count": 0, "days": -1})
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert "count" in body["detail"]
    assert "days" in body["detail"]


@pytest.mark.parametrize(("headers", "expected"), [({}, 401), ({"X-HomeIQ-API-Key": "wrong"}, 401)])
async def test_mutating_endpoint_needs_the_configured_key(
    tmp_path: Path, headers: dict[str, str], expected: int
) -> None:
    settings = AiAutomationSettings(
        data_dir=tmp_path / "data", models_dir=tmp_path / "m", api_key="s3cret", _env_file=None
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai") as client:
            response = await client.post(
                "/api/synthetic-homes", json={"count": 1, "days": 1}, headers=headers
            )
            assert (await client.get("/health")).status_code == 200
    assert response.status_code == expected
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_health_shows_the_live_home_assistant_link(tmp_path: Path) -> None:
    """With HA_URL/HA_TOKEN set, the service pulls a (real, local) HA at start-up and `/health` says how it went."""
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    state = {"entity_id": "light.hall", "state": "on", "attributes": {}}
    fake = FakeHomeAssistant(
        history={"light.hall": [{**state, "last_changed": an_hour_ago, "last_updated": an_hour_ago}]},
        registries={
            "floors": [],
            "areas": [{"area_id": "hall", "name": "Hall"}],
            "devices": [{"id": "d1", "area_id": "hall"}, {"id": "d2", "area_id": None}],
            "entities": [{"entity_id": "light.hall", "device_id": "d1"}],
        },
    )
    async with running(fake):
        settings = AiAutomationSettings(
            data_dir=tmp_path / "data",
            models_dir=tmp_path / "models",
            ha_url=fake.url,
            ha_token=TOKEN,
            _env_file=None,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            await app.state.ha_live.attempted.wait()  # the first pull runs as the service starts
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://ai"
            ) as client:
                link = (await client.get("/health")).json()["ha_link"]
                summary = (await client.get("/api/ha/summary")).json()
    assert link["ok"] is True, link
    assert (link["entities"], link["areas"], link["devices"], link["registry_entities"]) == (1, 1, 2, 1)
    assert link["last_pull"] is not None
    assert link["last_error"] is None
    assert link["interval_minutes"] == 15
    assert summary["homes"][0]["devices"] == 1


async def test_health_has_no_live_link_when_ha_is_not_configured(ai_client: httpx.AsyncClient) -> None:
    assert (await ai_client.get("/health")).json()["ha_link"] is None
