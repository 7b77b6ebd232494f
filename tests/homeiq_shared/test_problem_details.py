"""The shared problem handlers' last resorts: errors hostile input causes deep below a route are 4xx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from homeiq_shared.problem_details import PROBLEM_JSON, install_problem_handlers


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An app with only the problem handlers and routes that hand input to a parser and the file system."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/parse")
    async def parse(body: dict[str, str]) -> dict[str, int]:
        return {"depth": len(json.dumps(json.loads(body["text"])))}

    @app.get("/files/{name}")
    async def exists(name: str) -> dict[str, bool]:
        return {"exists": (tmp_path / name).exists()}

    @app.get("/broken")
    async def broken() -> None:
        raise PermissionError(13, "denied")  # the service's own OSError: still the 500

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_a_recursion_error_from_input_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/parse", json={"text": "[" * 100_000 + "]" * 100_000})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == "input nested too deeply"


async def test_a_name_too_long_for_the_file_system_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/files/" + "a" * 300)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_any_other_os_error_stays_a_500(client: httpx.AsyncClient) -> None:
    response = await client.get("/broken")
    assert response.status_code == 500
    assert response.json()["title"] == "Internal error"
