"""Fixtures of the ai-automation tests: an app on a temporary SQLite file, driven in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset


def generated_homes(folder: Path, count: int, days: int, seed: int) -> list[dict[str, Any]]:
    """`count` generated homes (home files, without weather, carbon, prices or calendar) written to `folder`."""
    options = GeneratorOptions(
        count=count, days=days, seed=seed, weather=False, carbon=False, pricing=False, calendar=False
    )
    generate_dataset(options, folder)
    return [orjson.loads(p.read_bytes()) for p in sorted(folder.glob("home_*.json"))]


@pytest.fixture(scope="session")
def make_homes() -> Callable[[Path, int, int, int], list[dict[str, Any]]]:
    """`generated_homes` for test packages that cannot import this conftest."""
    return generated_homes


@pytest.fixture
def ai_settings(tmp_path: Path) -> AiAutomationSettings:
    """Settings pointing every folder at the test's own temporary directory."""
    return AiAutomationSettings(data_dir=tmp_path / "data", models_dir=tmp_path / "models", _env_file=None)


@asynccontextmanager
async def app_client(
    settings: AiAutomationSettings, timeout: float = 5.0
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to an app of these settings through ASGI, inside the app's lifespan."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai", timeout=timeout) as client:
            yield client


@pytest.fixture
async def ai_client(ai_settings: AiAutomationSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The app of `ai_settings`, driven in-process."""
    async with app_client(ai_settings) as client:
        yield client
