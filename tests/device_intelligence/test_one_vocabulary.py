"""Both services with trained models answer health, model-info, version list and detail with the same contract
classes, expose every artifact with its sha256 (the gateway reads no service file), and roll back to an explicit
version recording who and why. Lives beside the device-intelligence fixtures (its trained registry)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ai_automation.app import create_app as create_ai
from ai_automation.home_type.training import TrainingRequest, train_home_type
from ai_automation.settings import AiAutomationSettings
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset
from device_intelligence.app import create_app as create_di
from homeiq_shared.app_state import models_ready
from homeiq_shared.contracts.health import Health
from homeiq_shared.contracts.model_info import ModelInfoResponse
from homeiq_shared.contracts.versions import ArtifactInfo, VersionDetail, VersionList, VersionSwitchResponse
from homeiq_shared.model_registry import ModelRegistry

from .conftest import make_settings
from .test_model_versions import copy_version

KEY = {"X-HomeIQ-API-Key": "k"}


@dataclass
class Services:
    """Clients of both services and their registry folders."""

    ai: httpx.AsyncClient
    di: httpx.AsyncClient
    ai_models: Path
    di_models: Path


@pytest.fixture(scope="module")
def ai_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with one small full-task home-type model in production."""
    base = tmp_path_factory.mktemp("ai")
    options = GeneratorOptions(
        count=16, days=2, seed=11, weather=False, carbon=False, pricing=False, calendar=False
    )
    generate_dataset(options, base / "homes")
    job = TrainingRequest(
        dataset=base / "homes", models_dir=base / "models", test_size=0.25, seed=3, cv_repeats=1
    )
    version = train_home_type(job).version
    registry = ModelRegistry(base / "models")
    if registry.aliases("home_type_full").get("production") != version:
        registry.promote("home_type_full", version, "test fixture: explicit promotion", forced=True)
    return base / "models"


@pytest.fixture
async def services(tmp_path: Path, models_dir: Path, ai_models: Path) -> AsyncIterator[Services]:
    """Both services on their trained registries (private copies), inside their lifespans."""
    shutil.copytree(ai_models, tmp_path / "ai-models")
    ai = create_ai(
        AiAutomationSettings(
            data_dir=tmp_path / "ai-data", models_dir=tmp_path / "ai-models", api_key="k", _env_file=None
        )
    )
    di = create_di(make_settings(tmp_path, models_dir, api_key="k"))
    async with ai.router.lifespan_context(ai), di.router.lifespan_context(di):
        await models_ready(ai)
        await models_ready(di)
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=ai), base_url="http://ai", timeout=120) as a,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=di), base_url="http://di", timeout=120) as d,
        ):
            yield Services(a, d, tmp_path / "ai-models", models_dir)


def _on_disk(root: Path, name: str, version: str) -> list[ArtifactInfo]:
    folder = root / name / version
    return [
        ArtifactInfo(
            name=p.name, sha256=hashlib.sha256(p.read_bytes()).hexdigest(), size_bytes=p.stat().st_size
        )
        for p in sorted(folder.iterdir())
        if p.name != "metadata.json"
    ]


async def test_both_services_answer_the_same_contracts(services: Services) -> None:
    ai, di = services.ai, services.di
    roots = {"ai": services.ai_models, "di": services.di_models}
    for client, prefix, query, name, root in (
        (ai, "/api/home-type", "task=full", "home_type_full", roots["ai"]),
        (di, "/api/predictions", "model=failure_prediction", "failure_prediction", roots["di"]),
        (di, "/api/predictions", "model=anomaly_detection", "anomaly_detection", roots["di"]),
    ):
        health = Health.model_validate((await client.get("/health")).json())
        assert health.status in {"healthy", "degraded"}
        served = health.models.loaded[name]
        assert served is not None

        info = ModelInfoResponse.model_validate((await client.get(f"{prefix}/model-info?{query}")).json())
        assert (info.model_info.is_loaded, info.model_info.model_name, info.model_info.model_version) == (
            True, name, served,
        )  # fmt: skip
        assert info.model_info.artifacts == _on_disk(root, name, served)
        assert info.model_info.gates_verdict in (
            {None} if name == "anomaly_detection" else {"PASSED", "FAILED"}
        )
        assert info.model_info.metrics

        listed = VersionList.model_validate((await client.get(f"{prefix}/models?{query}")).json())
        assert listed.model == name
        assert listed.production == served
        current = next(v for v in listed.versions if v.version == served)
        assert current.is_production
        assert current.headline
        assert all(isinstance(v, int | float) or v is None for v in current.headline.values())

        detail = VersionDetail.model_validate((await client.get(f"{prefix}/models/{served}?{query}")).json())
        assert (detail.model, detail.version, detail.is_production) == (name, served, True)
        assert detail.artifacts == _on_disk(root, name, served)
    assert (await ai.get("/api/home-type/models?task=full")).json()["versions"][0]["headline"].keys() >= {
        "macro_f1_cv", "macro_f1", "accuracy",
    }  # fmt: skip
    failure = (await di.get("/api/predictions/models")).json()["versions"][0]["headline"]
    assert failure.keys() >= {"pr_auc", "precision", "recall", "f1_score", "accuracy"}
    assert (await di.get("/api/predictions/models/versions")).json() == (
        await di.get("/api/predictions/models")
    ).json()


async def test_rollback_to_an_explicit_version_records_who_and_why(
    services: Services,
) -> None:
    for client, prefix, name, root in (
        (services.ai, "/api/home-type/models", "home_type_full", services.ai_models),
        (services.di, "/api/predictions/models", "failure_prediction", services.di_models),
    ):
        registry = ModelRegistry(root)
        first = registry.aliases(name)["production"]
        second = copy_version(registry, name, first)
        third = copy_version(registry, name, first)
        for version in (second, third):
            promoted = await client.post(f"{prefix}/{version}/promote", headers=KEY, json={"force": True})
            assert promoted.status_code == 200, promoted.text
        why = {"version": first, "actor": "pipeline", "reason": "regression on the common set"}
        rolled = await client.post(f"{prefix}/rollback", headers=KEY, json=why)
        assert rolled.status_code == 200, rolled.text
        body = VersionSwitchResponse.model_validate(rolled.json())
        assert (body.production, body.previous, body.action, body.actor, body.reason) == (
            first, third, "rollback", "pipeline", why["reason"],
        )  # fmt: skip
        last = registry.aliases(name)["history"][-1]
        assert (last["version"], last["action"], last["actor"], last["reason"]) == (
            first, "rollback", "pipeline", why["reason"],
        )  # fmt: skip
        missing = await client.post(
            f"{prefix}/rollback", headers=KEY, json={"version": "v9999-20260101T000000Z"}
        )
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        default = (await client.post(f"{prefix}/rollback", headers=KEY)).json()
        assert (default["production"], default["previous"]) == (third, first)  # the previous production again
