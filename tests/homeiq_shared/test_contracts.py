"""One contract for both services: every route declares a typed 2xx answer, and with no model yet both
answer the same shapes (health degraded, model-info not loaded, empty version list) and 503 `no-model`
problem details wherever a model is needed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ai_automation.app import create_app as create_ai
from ai_automation.settings import AiAutomationSettings
from device_intelligence.app import create_app as create_di
from device_intelligence.settings import DeviceIntelligenceSettings
from homeiq_shared.app_state import models_ready
from homeiq_shared.contracts.health import Health
from homeiq_shared.contracts.model_info import ModelInfoResponse
from homeiq_shared.contracts.problems import ProblemDetail
from homeiq_shared.contracts.versions import VersionList


def _ai(tmp_path: Path) -> FastAPI:
    return create_ai(
        AiAutomationSettings(data_dir=tmp_path / "ai-data", models_dir=tmp_path / "ai-models", _env_file=None)
    )


def _di(tmp_path: Path) -> FastAPI:
    return create_di(
        DeviceIntelligenceSettings.model_validate(
            {"data_dir": tmp_path / "di-data", "models_dir": tmp_path / "di-models"}
        )
    )


def _typed(schema: dict[str, Any]) -> bool:
    return bool(schema.get("$ref") or schema.get("properties") or schema.get("items") or schema.get("anyOf"))


@pytest.mark.parametrize("factory", [_ai, _di], ids=["ai_automation", "device_intelligence"])
def test_every_route_declares_a_typed_2xx_answer(tmp_path: Path, factory: Callable[[Path], FastAPI]) -> None:
    paths = factory(tmp_path).openapi()["paths"]
    untyped = []
    for path, operations in paths.items():
        for method, operation in operations.items():
            schemas = [
                content.get("schema") or {}
                for code, response in operation.get("responses", {}).items()
                if code.startswith("2")
                for content in (response.get("content") or {}).values()
            ]
            if not any(_typed(s) for s in schemas):
                untyped.append(f"{method.upper()} {path}")
    assert untyped == []


def test_the_shared_routes_name_the_same_contracts(tmp_path: Path) -> None:
    ai, di = _ai(tmp_path).openapi()["paths"], _di(tmp_path).openapi()["paths"]

    def ref(paths: dict[str, Any], path: str, method: str = "get", code: str = "200") -> str:
        return str(paths[path][method]["responses"][code]["content"]["application/json"]["schema"]["$ref"])

    assert ref(ai, "/health") == ref(di, "/health") == "#/components/schemas/Health"
    assert ref(ai, "/health", code="503") == ref(di, "/health", code="503") == "#/components/schemas/Health"
    assert ref(ai, "/api/home-type/model-info") == ref(di, "/api/predictions/model-info")
    assert ref(ai, "/api/home-type/models") == ref(di, "/api/predictions/models")
    assert ref(di, "/api/predictions/models/versions") == ref(di, "/api/predictions/models")
    assert ref(ai, "/api/home-type/models/{version}") == ref(di, "/api/predictions/models/{version}")
    assert ref(di, "/api/predictions/models/versions/{version}") == ref(
        di, "/api/predictions/models/{version}"
    )
    for paths, prefix in ((ai, "/api/home-type/models"), (di, "/api/predictions/models")):
        assert ref(paths, f"{prefix}/rollback", "post") == "#/components/schemas/VersionSwitchResponse"
        assert (
            ref(paths, f"{prefix}/{{version}}/promote", "post")
            == "#/components/schemas/VersionSwitchResponse"
        )
        assert ref(paths, f"{prefix}/compare", "post") == "#/components/schemas/ComparisonResponse"
    for paths in (ai, di):
        for name in ("events", "snapshot", "import"):
            assert ref(paths, f"/api/ha/{name}", "post").startswith("#/components/schemas/")
        assert ref(paths, "/api/ha/summary") == "#/components/schemas/HaSummary"


@pytest.fixture
async def empty_services(tmp_path: Path) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Both services on empty registries (nothing trained yet), inside their lifespans."""
    apps = {"ai": _ai(tmp_path), "di": _di(tmp_path)}
    async with apps["ai"].router.lifespan_context(apps["ai"]), apps["di"].router.lifespan_context(apps["di"]):
        clients = {}
        for name, app in apps.items():
            await models_ready(app)
            clients[name] = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=f"http://{name}"
            )
        try:
            yield clients
        finally:
            for client in clients.values():
                await client.aclose()


async def test_without_a_model_both_answer_the_same_shapes(
    empty_services: dict[str, httpx.AsyncClient],
) -> None:
    ai, di = empty_services["ai"], empty_services["di"]
    for client, names in (
        (ai, {"home_type_full", "home_type_binary"}),
        (di, {"failure_prediction", "anomaly_detection"}),
    ):
        response = await client.get("/health")
        assert response.status_code == 200
        health = Health.model_validate(response.json())
        assert health.status == "degraded"
        assert set(health.checks) == {"database", "data_dir", "models_dir"}
        assert health.models.loaded == dict.fromkeys(names)
    for client, url, name in (
        (ai, "/api/home-type/model-info?task=binary", "home_type_binary"),
        (di, "/api/predictions/model-info?model=anomaly_detection", "anomaly_detection"),
    ):
        info = ModelInfoResponse.model_validate((await client.get(url)).json())
        assert (info.status, info.model_info.is_loaded, info.model_info.model_name) == (
            "success",
            False,
            name,
        )
        assert info.model_info.model_version is None
    for client, url, name in (
        (ai, "/api/home-type/models", "home_type_full"),
        (di, "/api/predictions/models", "failure_prediction"),
        (di, "/api/predictions/models/versions", "failure_prediction"),
    ):
        listed = VersionList.model_validate((await client.get(url)).json())
        assert (listed.model, listed.production, listed.previous, listed.versions) == (name, None, None, [])


async def test_no_model_yet_is_a_503_problem_on_both(empty_services: dict[str, httpx.AsyncClient]) -> None:
    ai, di = empty_services["ai"], empty_services["di"]
    home = {"areas": [{"name": "Kitchen"}], "devices": [{"entity_id": "light.kitchen", "area": "Kitchen"}]}
    device = {"device_id": "plug_1", "metrics": {"battery_level": 80}}
    answers = [
        await ai.post("/api/home-type/predict", json={"home": home}),
        await di.post("/api/predictions/predict", json=device),
        await di.post("/api/predictions/predict/batch", json={"devices": [device]}),
        await di.get("/api/predictions/models/version"),
    ]
    for response in answers:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = ProblemDetail.model_validate(response.json())
        assert problem.type == "https://homeiq.dev/problems/no-model"
        assert problem.status == 503
        assert "train" in problem.detail
