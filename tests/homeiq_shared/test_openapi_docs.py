"""Both services document themselves truthfully and offline: every error a problem detail, the API key a
security scheme, every example valid, and `/docs` and `/redoc` served with their own assets."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from ai_automation.app import create_app as create_ai
from ai_automation.settings import AiAutomationSettings
from device_intelligence.app import create_app as create_di
from device_intelligence.settings import DeviceIntelligenceSettings
from homeiq_shared import contracts, ha_api
from homeiq_shared.problem_details import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/ProblemDetail"


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


FACTORIES = pytest.mark.parametrize("factory", [_ai, _di], ids=["ai_automation", "device_intelligence"])


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


@FACTORIES
def test_every_4xx_and_5xx_is_documented_as_a_problem_detail(
    tmp_path: Path, factory: Callable[[Path], FastAPI]
) -> None:
    spec = factory(tmp_path).openapi()
    assert "ProblemDetail" in spec["components"]["schemas"]
    wrong = []
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        if path == "/health":  # its 503 is the Health answer itself, degraded
            responses = {c: r for c, r in responses.items() if c != "503"}
        assert "500" in responses, f"{method} {path}"
        for code, response in responses.items():
            if code[0] in "45":
                content = response.get("content", {})
                if list(content) != [PROBLEM_JSON] or content[PROBLEM_JSON]["schema"] != {
                    "$ref": PROBLEM_REF
                }:
                    wrong.append(f"{method.upper()} {path} {code}: {list(content)}")
        if "parameters" in operation or "requestBody" in operation:
            assert "422" in responses, f"{method} {path}"
        if "requestBody" in operation:
            assert "400" in responses, f"{method} {path}"
        if "{" in path:
            assert "404" in responses, f"{method} {path}"
    assert wrong == []


@FACTORIES
def test_the_api_key_is_a_security_scheme_required_by_the_protected_routes(
    tmp_path: Path, factory: Callable[[Path], FastAPI]
) -> None:
    spec = factory(tmp_path).openapi()
    schemes = spec["components"]["securitySchemes"]
    assert {"type": "apiKey", "in": "header", "name": "X-HomeIQ-API-Key"}.items() <= schemes["ApiKey"].items()
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["Bearer"].items()
    protected = {
        f"{method.upper()} {path}"
        for path, method, operation in _operations(spec)
        if operation.get("security") == [{"ApiKey": []}, {"Bearer": []}]
    }
    for path, method, operation in _operations(spec):
        if f"{method.upper()} {path}" in protected:
            assert "401" in operation["responses"]
    assert {"POST /api/ha/events", "POST /api/ha/import"} <= protected
    assert any("/promote" in p for p in protected)
    assert not any(p.startswith("GET ") for p in protected)  # reading needs no key


def _schema_examples(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for each `examples` of a schema and `example` of a media type."""
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list) and not isinstance(node.get("schema"), dict):
            for example in node["examples"]:
                yield where, {k: v for k, v in node.items() if k != "examples"}, example
        if "schema" in node and "example" in node:
            yield where, node["schema"], node["example"]
        if "schema" in node and isinstance(node.get("examples"), dict):  # named examples of a media type
            for name, example in node["examples"].items():
                yield f"{where}/{name}", node["schema"], example["value"]
        for key, value in node.items():
            yield from _schema_examples(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _schema_examples(value, f"{where}/{i}")


@FACTORIES
def test_every_documented_example_validates_against_its_schema(
    tmp_path: Path, factory: Callable[[Path], FastAPI]
) -> None:
    spec = factory(tmp_path).openapi()
    checked, invalid = 0, []
    for where, schema, example in _schema_examples(spec):
        validator = Draft202012Validator({**schema, "components": spec["components"]})
        errors = [e.message for e in validator.iter_errors(example)]
        checked += 1
        if errors:
            invalid.append(f"{where}: {errors[0]}")
    assert invalid == []
    assert checked > 15


def _models_with_examples() -> list[type[BaseModel]]:
    modules = [
        ha_api,
        *(
            importlib.import_module(f"homeiq_shared.contracts.{m.name}")
            for m in pkgutil.iter_modules(contracts.__path__)
        ),
    ]
    return [
        model
        for module in modules
        for model in vars(module).values()
        if isinstance(model, type)
        and issubclass(model, BaseModel)
        and model is not BaseModel
        and model.model_json_schema().get("examples")
    ]


@pytest.mark.parametrize("model", _models_with_examples(), ids=lambda m: m.__name__)
def test_each_request_example_is_accepted_by_its_model(model: type[BaseModel]) -> None:
    """The examples pass the model itself, not only its JSON schema (strict numbers, validators)."""
    for example in model.model_json_schema()["examples"]:
        model.model_validate_json(json.dumps(example))


@FACTORIES
def test_every_json_request_body_has_an_example(tmp_path: Path, factory: Callable[[Path], FastAPI]) -> None:
    """Without one Swagger UI makes its own (`additionalProp1`, `string` where a pattern is due): invalid."""
    spec = factory(tmp_path).openapi()
    missing = []
    for path, method, operation in _operations(spec):
        media = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if media is not None and "example" not in media and "examples" not in media:
            missing.append(f"{method.upper()} {path}")
    assert missing == []


@pytest.fixture(params=[_ai, _di], ids=["ai_automation", "device_intelligence"])
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = request.param(tmp_path)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_load_only_the_services_own_assets(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
    assert urls, html
    assert not [u for u in urls if "://" in u or u.startswith("//")], urls
    for url in urls:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0
    assert (await client.get("/openapi.json")).json()["openapi"].startswith("3.")


async def test_a_wrong_method_answers_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.put("/health")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_JSON
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET"}
