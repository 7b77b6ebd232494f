"""Fixtures of the device-intelligence tests: one small trained registry, apps on temporary folders."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from device_intelligence.app import create_app
from device_intelligence.retraining import RetrainOptions, RetrainResult, retrain
from device_intelligence.settings import DeviceIntelligenceSettings
from homeiq_shared.app_state import models_ready
from homeiq_shared.model_registry import ModelRegistry

EXTERNAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "external-data"
SMALL = RetrainOptions(synthetic_count=300, days=90, seed=7, horizon_days=7, trigger="cli")


@pytest.fixture
def small_options() -> RetrainOptions:
    """The options the session's small registry was trained with."""
    return SMALL


@pytest.fixture(scope="session")
def trained_registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RetrainResult]:
    """A registry with a small failure + anomaly model pair in production (trained once per session).

    300 devices are too few for the gates, so nothing is promoted automatically; the fixture promotes the
    pair explicitly, as an operator would with `scripts/models.py promote --force`.
    """
    root = tmp_path_factory.mktemp("registry")
    registry = ModelRegistry(root)
    result = retrain(registry, SMALL)
    assert result.version is not None
    assert result.anomaly_version is not None
    if not result.promoted:
        registry.promote("failure_prediction", result.version, "test fixture: explicit promotion")
        registry.promote("anomaly_detection", result.anomaly_version, "test fixture: explicit promotion")
    return root, result


@pytest.fixture
def models_dir(tmp_path: Path, trained_registry: tuple[Path, RetrainResult]) -> Path:
    """A private copy of the trained registry (tests may tamper with it or train into it)."""
    target = tmp_path / "models"
    shutil.copytree(trained_registry[0], target)
    return target


def make_settings(tmp_path: Path, models_dir: Path, **extra: object) -> DeviceIntelligenceSettings:
    """Settings pointing every folder at the test's own temporary directory."""
    return DeviceIntelligenceSettings.model_validate(
        {"data_dir": tmp_path / "data", "models_dir": models_dir, **extra}
    )


@pytest.fixture
def settings_factory() -> Callable[..., DeviceIntelligenceSettings]:
    """`make_settings` for tests that build their own app."""
    return make_settings


@pytest.fixture
async def di_client(tmp_path: Path, models_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client talking to an app that loaded the trained models, inside the app's lifespan."""
    app = create_app(make_settings(tmp_path, models_dir))
    async with app.router.lifespan_context(app):
        await models_ready(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://di") as client:
            yield client


@pytest.fixture
async def empty_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose registry is empty (no model trained yet)."""
    app = create_app(make_settings(tmp_path, tmp_path / "empty-models"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://di") as client:
            yield client
