"""Home-type versions: promotion refused for failed gates unless forced (who and why recorded), rollback,
details, and two versions compared on the held-out homes of the second."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from ai_automation.app import create_app
from ai_automation.home_type.training import TrainingRequest, train_home_type
from ai_automation.home_type.versions import compare_home_type
from ai_automation.settings import AiAutomationSettings
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset
from homeiq_shared.model_registry import ModelRegistry

KEY = {"X-HomeIQ-API-Key": "test-key"}
NAME = "home_type_full"
RESERVED = {"model_name", "version", "created_at", "artifacts"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A registry with two full-task versions, each trained on its own small dataset (A, then B)."""
    base = tmp_path_factory.mktemp("versions")
    versions = []
    for seed in (11, 12):
        homes = base / f"homes-{seed}"
        generate_dataset(
            GeneratorOptions(
                count=16, days=2, seed=seed, weather=False, carbon=False, pricing=False, calendar=False
            ),
            homes,
        )
        job = TrainingRequest(dataset=homes, models_dir=base / "models", test_size=0.25, seed=3, cv_repeats=1)
        versions.append(train_home_type(job).version)
    return base / "models", versions[0], versions[1]


def _variant(registry: ModelRegistry, version: str, **changes: Any) -> str:
    """A new version with `version`'s artifact and `changes` laid over its metadata."""
    meta = {k: v for k, v in registry.metadata(NAME, version).items() if k not in RESERVED} | changes
    return registry.register(
        NAME, {"model.skops": registry.read_artifact(NAME, version, "model.skops")}, meta
    ).version


def _with_gates(registry: ModelRegistry, version: str, verdict: str) -> str:
    metrics = registry.metadata(NAME, version)["metrics"]
    return _variant(
        registry, version, metrics={**metrics, "gates": {"verdict": verdict, "passed": verdict == "PASSED"}}
    )


def test_compare_scores_both_versions_on_the_held_out_homes_of_b(trained: tuple[Path, str, str]) -> None:
    root, a, b = trained
    registry = ModelRegistry(root)
    out = compare_home_type(registry, "full", a, b)
    held_out = registry.metadata(NAME, b)["training_data"]["test_home_keys"]
    # A trained on other homes: every held-out home of B is in the common set
    assert out["common_set"]["homes"] == len(held_out) == out["b"]["recorded"]["test_homes"]
    assert out["b"]["on_common_set"]["accuracy"] == pytest.approx(out["b"]["recorded"]["accuracy"])
    assert set(out["a"]["on_common_set"]) == {"macro_f1", "accuracy"}
    assert out["note"] is None
    # the other way round: B's held-out homes are now A's, rebuilt from A's dataset
    back = compare_home_type(registry, "full", b, a)
    assert back["b"]["on_common_set"]["accuracy"] == pytest.approx(back["b"]["recorded"]["accuracy"])
    assert back["common_set"]["dataset"] != out["common_set"]["dataset"]


def test_compare_says_when_the_dataset_of_b_is_gone(tmp_path: Path, trained: tuple[Path, str, str]) -> None:
    root, a, b = trained
    shutil.copytree(root, tmp_path / "models")
    registry = ModelRegistry(tmp_path / "models")
    training = registry.metadata(NAME, b)["training_data"]
    gone = _variant(registry, b, training_data={**training, "dataset": str(tmp_path / "deleted")})
    out = compare_home_type(registry, "full", a, gone)
    assert out["common_set"] is None
    assert "no longer exists" in out["note"]
    assert out["a"]["on_common_set"] is None
    assert out["b"]["recorded"]["accuracy"] == registry.metadata(NAME, b)["metrics"]["accuracy"]


async def test_promote_needs_force_for_failed_gates_and_rollback_follows(
    tmp_path: Path, trained: tuple[Path, str, str]
) -> None:
    root, a, b = trained
    shutil.copytree(root, tmp_path / "models")
    registry = ModelRegistry(tmp_path / "models")
    failed, passed = _with_gates(registry, b, "FAILED"), _with_gates(registry, b, "PASSED")
    registry.promote(NAME, a, "set-up")
    settings = AiAutomationSettings(
        data_dir=tmp_path / "data", models_dir=tmp_path / "models", api_key="test-key", _env_file=None
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://ai", timeout=120) as client,
    ):
        url = f"/api/home-type/models/{failed}/promote"
        refused = await client.post(url, headers=KEY)
        assert refused.status_code == 409
        assert "quality gates" in refused.json()["detail"]
        assert registry.production(NAME).version == a  # type: ignore[union-attr]

        why = {"force": True, "reason": "checked by hand", "actor": "models.py"}
        forced = await client.post(url, headers=KEY, json=why)
        assert forced.status_code == 200
        body = forced.json()
        assert (body["model"], body["production"], body["previous"]) == (NAME, failed, a)
        assert (body["forced"], body["actor"], body["reason"], body["gates_verdict"]) == (
            True, "models.py", "checked by hand", "FAILED",
        )  # fmt: skip
        info = (await client.get("/api/home-type/model-info")).json()["model_info"]
        assert info["model_version"] == failed
        last = registry.aliases(NAME)["history"][-1]
        assert (last["version"], last["actor"], last["forced"], last["reason"]) == (
            failed, "models.py", True, "checked by hand",
        )  # fmt: skip
        detail = (await client.get(f"/api/home-type/models/{failed}")).json()
        assert detail["is_production"]
        assert [s["actor"] for s in detail["switches"]] == ["models.py"]
        assert detail["gates_verdict"] == "FAILED"

        ok = (await client.post(f"/api/home-type/models/{passed}/promote", headers=KEY)).json()
        assert (ok["production"], ok["forced"], ok["actor"]) == (passed, False, "api")

        assert (await client.post("/api/home-type/models/rollback")).status_code == 401
        rolled = await client.post(
            "/api/home-type/models/rollback", headers=KEY, json={"reason": "regression"}
        )
        assert rolled.status_code == 200
        assert (rolled.json()["production"], rolled.json()["previous"], rolled.json()["action"]) == (
            failed, passed, "rollback",
        )  # fmt: skip
        info = (await client.get("/api/home-type/model-info")).json()["model_info"]
        assert info["model_version"] == failed
        assert registry.aliases(NAME)["history"][-1]["reason"] == "regression"
        none_yet = await client.post("/api/home-type/models/rollback", params={"task": "binary"}, headers=KEY)
        assert none_yet.status_code == 404

        compared = await client.post("/api/home-type/models/compare", json={"a": a, "b": b, "task": "full"})
        assert compared.status_code == 200
        assert compared.json()["common_set"]["homes"] > 0
        bad = await client.post("/api/home-type/models/compare", json={"a": a, "b": "latest"})
        assert bad.status_code == 422
