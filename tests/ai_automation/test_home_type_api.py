"""`/api/home-type`: train over HTTP, predict both shapes, versions and promotion, bad input, 409s and 503s."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ai_automation.app import create_app
from ai_automation.home_type.dataset import home_paths, read_home
from ai_automation.settings import AiAutomationSettings
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset

KEY = {"X-HomeIQ-API-Key": "test-key"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("api") / "homes"
    options = GeneratorOptions(
        count=16, days=2, seed=11, weather=False, carbon=False, pricing=False, calendar=False
    )
    generate_dataset(options, folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path, dataset: Path) -> AiAutomationSettings:
    return AiAutomationSettings(
        data_dir=tmp_path / "data",
        models_dir=tmp_path / "models",
        api_key="test-key",
        home_type_cv_repeats=1,
        path_roots=[tmp_path, dataset],  # the datasets these tests train on by dataset_path
        _env_file=None,
    )


@pytest.fixture
async def served(settings: AiAutomationSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai", timeout=120) as client:
            yield app, client


async def _train(client: httpx.AsyncClient, dataset: Path, **extra: Any) -> httpx.Response:
    body = {"dataset_path": str(dataset), "test_size": 0.25, "seed": 3, **extra}
    return await client.post("/api/home-type/train", json=body, headers=KEY)


async def _serve_trained(client: httpx.AsyncClient, trained: dict[str, Any], task: str = "full") -> None:
    """Put a small model whose gates failed into production explicitly (as an operator would, forced)."""
    if trained["promoted"]:
        return
    forced = await client.post(
        f"/api/home-type/models/{trained['version']}/promote",
        params={"task": task},
        json={"force": True, "reason": "test: serve a small model", "actor": "test"},
        headers=KEY,
    )
    assert forced.status_code == 200, forced.text


def _minimal(home: dict[str, Any]) -> dict[str, Any]:
    return {
        "areas": [{"name": a["name"]} for a in home["areas"]],
        "devices": [
            {"entity_id": d["entity_id"], "area": d.get("area"), "device_class": d.get("device_class")}
            for d in home["devices"]
        ],
    }


async def test_predict_before_training_is_a_503_problem(served: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = served
    response = await client.post(
        "/api/home-type/predict", json={"home": {"devices": [{"entity_id": "light.a"}]}}
    )
    assert response.status_code == 503  # "no model yet" is 503 in both services
    assert (
        response.json()["type"] == "https://homeiq.dev/problems/no-model"
    )  # the same type as device-intelligence
    assert response.headers["content-type"].startswith("application/problem+json")
    info = await client.get("/api/home-type/model-info")
    assert info.json()["model_info"]["is_loaded"] is False


async def test_train_then_predict_both_shapes(
    served: tuple[FastAPI, httpx.AsyncClient], dataset: Path, settings: AiAutomationSettings
) -> None:
    _, client = served
    assert (await client.post("/api/home-type/train", json={"dataset_path": str(dataset)})).status_code == 401
    response = await _train(client, dataset)
    assert response.status_code == 200, response.text
    trained = response.json()
    assert trained["version"].startswith("v0001")
    assert {"majority", "best_rule"} <= trained["baselines"].keys()
    assert "group_by_home" in trained["split_method"]
    # Promoted automatically only when its gates pass (the first model included).
    assert trained["promoted"] is (trained["gates"]["verdict"] == "PASSED")
    if not trained["promoted"]:
        assert "quality gates FAILED" in trained["reason"]
    await _serve_trained(client, trained)

    home = json.loads(home_paths(dataset)[0].read_bytes())  # the home file as generated
    answer = await client.post("/api/home-type/predict", json={"home": home})
    assert "predict;dur=" in answer.headers["server-timing"]
    full = answer.json()
    assert full["features_used"] == ["composition", "events"]
    columnar = read_home(home_paths(dataset)[0])
    assert isinstance(columnar["events"]["entity_id"], list), "read_home gives the columnar form"
    assert (await client.post("/api/home-type/predict", json={"home": columnar})).json() == full
    assert full["model_version"] == trained["version"]
    assert full["home_type"] in full["probabilities"]
    assert sum(full["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    minimal = (await client.post("/api/home-type/predict", json={"home": _minimal(home)})).json()
    assert minimal["features_used"] == ["composition"]
    assert full["caveats"] == []  # a generated home places its devices in its areas
    onboarding = {"areas": [{"name": "Living Room"}, {"name": "Kitchen"}, {"name": "Bedroom"}],
                  "devices": [{"entity_id": "light.lamp"}]}  # fmt: skip
    unused = (await client.post("/api/home-type/predict", json={"home": onboarding})).json()
    assert "onboarding" in unused["caveats"][0]

    batch = await client.post(
        "/api/home-type/predict", json={"homes": [_minimal(home), home], "task": "full"}
    )
    assert batch.json()["predictions"] == [minimal, full]

    info = (await client.get("/api/home-type/model-info", params={"task": "full"})).json()["model_info"]
    assert info["is_loaded"]
    assert info["model_version"] == trained["version"]
    assert info["metrics"]["baselines"]["best_rule"]["rule"]

    # A fresh app on the same registry serves the production model from start-up.
    app2 = create_app(settings)
    async with app2.router.lifespan_context(app2):
        transport = httpx.ASGITransport(app=app2)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai") as client2:
            again = await client2.post("/api/home-type/predict", json={"home": home})
    assert again.json() == full


async def test_bad_input_is_4xx_and_production_keeps_serving(
    served: tuple[FastAPI, httpx.AsyncClient], dataset: Path, tmp_path: Path
) -> None:
    _, client = served
    trained = await _train(client, dataset, task="binary")
    assert trained.status_code == 200
    await _serve_trained(client, trained.json(), "binary")
    good = {"home": {"areas": [{"name": "Kitchen"}], "devices": [{"entity_id": "light.kitchen", "area": "Kitchen"}]},
            "task": "binary"}  # fmt: skip
    before = await client.post("/api/home-type/predict", json=good)
    assert before.status_code == 200
    bad_predictions = [
        {"home": {"areas": [], "devices": []}, "task": "binary"},
        {"home": {"devices": [{"entity_id": "not an entity"}]}, "task": "binary"},
        {"homes": [good["home"], {"devices": [{"entity_id": "Light.X"}]}], "task": "binary"},
        {"home": good["home"], "homes": [good["home"]]},
        {"home": good["home"], "task": "octagon"},
        {"home": good["home"], "unexpected": 1},
    ]
    for body in bad_predictions:
        response = await client.post("/api/home-type/predict", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"]
    assert (
        "homes[1]" in (await client.post("/api/home-type/predict", json=bad_predictions[2])).json()["detail"]
    )
    (tmp_path / "empty").mkdir()
    one_class = tmp_path / "one_class"
    generate_dataset(
        GeneratorOptions(count=3, days=1, seed=4, home_types=("studio",), weather=False, carbon=False,
                         pricing=False, calendar=False),
        one_class,
    )  # fmt: skip
    bad_trainings = [
        ({"dataset_path": str(dataset), "test_size": 1.5}, 422),
        ({"dataset_path": str(dataset), "test_size": 0}, 422),
        ({"dataset_path": str(tmp_path / "missing")}, 422),
        ({"dataset_path": str(tmp_path / "empty")}, 422),
        ({"dataset_path": str(one_class), "task": "binary"}, 422),
        ({"dataset_id": "no-such-dataset"}, 404),
        ({"dataset_id": "x", "dataset_path": str(dataset)}, 422),
    ]
    for body, status in bad_trainings:
        response = await client.post("/api/home-type/train", json=body, headers=KEY)
        assert response.status_code == status, (body, response.text)
    after = await client.post("/api/home-type/predict", json=good)
    assert after.json() == before.json()


async def test_training_while_a_run_holds_the_lock_is_409(
    served: tuple[FastAPI, httpx.AsyncClient], dataset: Path
) -> None:
    app, client = served
    with app.state.locks.hold("home_type_full"):
        busy = await _train(client, dataset)
    assert busy.status_code == 409
    # The lock is per task: binary trains meanwhile; two concurrent full runs: exactly one wins.
    first, second = await asyncio.gather(_train(client, dataset), _train(client, dataset))
    assert sorted([first.status_code, second.status_code]) == [200, 409]


async def test_versions_and_promotion(served: tuple[FastAPI, httpx.AsyncClient], dataset: Path) -> None:
    _, client = served
    first = (await _train(client, dataset)).json()
    v1 = first["version"]
    second = (await _train(client, dataset, seed=9)).json()
    listed = (await client.get("/api/home-type/models", params={"task": "full"})).json()
    assert [v["version"] for v in listed["versions"]] == [v1, second["version"]]
    # on 16 homes the gates may fail either run: production is the last promoted one, if any
    promoted = [t["version"] for t in (first, second) if t["promoted"]]
    assert listed["production"] == (promoted[-1] if promoted else None)
    assert (await client.post(f"/api/home-type/models/{v1}/promote")).status_code == 401
    # force: a version whose gates failed is promoted only on purpose (recorded as forced)
    promoted = await client.post(
        f"/api/home-type/models/{v1}/promote", params={"task": "full"}, headers=KEY, json={"force": True}
    )
    assert promoted.status_code == 200
    assert promoted.json()["version"] == v1
    info = (await client.get("/api/home-type/model-info")).json()["model_info"]
    assert info["model_version"] == v1
    missing = await client.post("/api/home-type/models/v0099-20260101T000000Z/promote", headers=KEY)
    assert missing.status_code == 404
