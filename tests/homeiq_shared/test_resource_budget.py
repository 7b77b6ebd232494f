"""Requests bounded by their estimated output: refused with 507 (estimate and limit said) before any work,
nothing stored; requests that fit go through. Reserves are set from the real free disk and memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ai_automation.app import create_app as create_ai
from ai_automation.routers.synthetic_homes import dataset_estimate
from ai_automation.settings import AiAutomationSettings
from device_intelligence.app import create_app as create_di
from device_intelligence.routers.training import training_estimate
from device_intelligence.settings import DeviceIntelligenceSettings
from homeiq_shared.contracts.devices import TrainRequest
from homeiq_shared.resource_budget import (
    GIB,
    Budget,
    Estimate,
    InsufficientResourcesError,
    available_memory_bytes,
    check,
    free_disk_bytes,
)

MIB = 1024**2


@asynccontextmanager
async def _serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client,
    ):
        yield client


def test_the_estimates_cover_what_the_hardening_report_measured() -> None:
    # count=1000, days=83 wrote 7.2 GB in 63 s and was on its way to ~42 GB
    assert dataset_estimate(1000, 83).disk_bytes >= 42 * 10**9
    assert dataset_estimate(1000, 83, gzip=True).disk_bytes < dataset_estimate(1000, 83).disk_bytes / 5
    # device training at 4,000 devices x 1,000 days hit 9 GB
    big = TrainRequest.model_validate({"synthetic_count": 4_000, "days": 1_000})
    assert training_estimate(big).memory_bytes >= 9 * 10**9
    stored = TrainRequest.model_validate({"source": "stored", "synthetic_count": 4_000, "days": 1_000})
    assert training_estimate(stored).memory_bytes < GIB  # stored data only: nothing synthesised


def test_check_names_the_estimate_the_room_and_the_setting(tmp_path: Path) -> None:
    free = free_disk_bytes(tmp_path)
    with pytest.raises(InsufficientResourcesError) as refused:
        check(Estimate("a big thing", disk_bytes=free + GIB), tmp_path, Budget(0, 0.8), "KEEP_FREE_DISK_MB")
    assert refused.value.status == 507
    assert refused.value.extra["resource"] == "disk"
    assert refused.value.extra["estimate_bytes"] == free + GIB
    assert "a big thing would write about" in refused.value.detail
    assert "KEEP_FREE_DISK_MB" in refused.value.detail
    check(Estimate("a small thing", disk_bytes=MIB), tmp_path, Budget(0, 0.8), "x")  # fits: no error
    # a folder not created yet is measured on its nearest existing parent
    assert free_disk_bytes(tmp_path / "not" / "yet") > 0


def test_memory_is_checked_against_what_is_available() -> None:
    available = available_memory_bytes()
    assert available is not None  # Linux: MemAvailable
    with pytest.raises(InsufficientResourcesError) as refused:
        check(Estimate("training", memory_bytes=available), Path("."), Budget(0, 0.5), "MEMORY_FRACTION")
    assert refused.value.extra["resource"] == "memory"
    check(Estimate("training", memory_bytes=MIB), Path("."), Budget(0, 0.5), "x")


@pytest.fixture
async def ai_no_room(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Path]]:
    """ai-automation whose disk reserve is all the disk there is now: any dataset would not fit."""
    data = tmp_path / "data"
    data.mkdir()
    reserve_mb = free_disk_bytes(data) // MIB
    settings = AiAutomationSettings(
        data_dir=data, models_dir=tmp_path / "models", keep_free_disk_mb=reserve_mb, _env_file=None
    )
    app = create_ai(settings)
    async with _serving(app) as client:
        yield client, settings.datasets_dir


async def test_a_dataset_that_would_not_fit_is_refused_before_anything_is_written(
    ai_no_room: tuple[httpx.AsyncClient, Path],
) -> None:
    client, datasets = ai_no_room
    answer = await client.post("/api/synthetic-homes", json={"count": 1000, "days": 83, "seed": 1})
    assert answer.status_code == 507
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"].endswith("/insufficient-resources")
    assert problem["resource"] == "disk"
    assert problem["estimate_bytes"] == dataset_estimate(1000, 83).disk_bytes
    assert "1,000 homes x 83 days" in problem["detail"]
    assert "AI_AUTOMATION_KEEP_FREE_DISK_MB" in problem["detail"]
    assert not datasets.exists() or not any(datasets.iterdir())  # nothing written
    assert (await client.get("/api/synthetic-homes")).json() == []  # nothing recorded


async def test_a_dataset_that_fits_is_generated(tmp_path: Path) -> None:
    settings = AiAutomationSettings(
        data_dir=tmp_path / "data", models_dir=tmp_path / "models", keep_free_disk_mb=0, _env_file=None
    )
    app = create_ai(settings)
    async with _serving(app) as client:
        answer = await client.post("/api/synthetic-homes", json={"count": 1, "days": 1, "seed": 1})
    assert answer.status_code == 201, answer.text


async def test_training_that_would_not_fit_in_memory_is_refused(tmp_path: Path) -> None:
    available = available_memory_bytes()
    assert available is not None
    request = {"source": "synthetic", "synthetic_count": 20_000, "days": 1_000}  # ~120 GB estimated
    fraction = min(1.0, training_estimate(TrainRequest.model_validate(request)).memory_bytes / available / 2)
    settings = DeviceIntelligenceSettings(
        data_dir=tmp_path / "data", models_dir=tmp_path / "models", memory_fraction=fraction, _env_file=None
    )
    app = create_di(settings)
    async with _serving(app) as client:
        answer = await client.post("/api/predictions/train", json=request)
        status = (await client.get("/api/predictions/train/status")).json()
    assert answer.status_code == 507, answer.text
    assert answer.json()["resource"] == "memory"
    assert "DEVICE_INTELLIGENCE_MEMORY_FRACTION" in answer.json()["detail"]
    assert status["last_run"] is None  # refused before a run was recorded
