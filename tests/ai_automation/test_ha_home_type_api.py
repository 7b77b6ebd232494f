"""`GET /api/ha/home-type`: the type of the home HA sent (snapshot + stored events), as HA's sensor reads it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ai_automation.home_type.dataset import home_paths, read_home
from ai_automation.settings import AiAutomationSettings
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset
from homeiq_shared.contracts.home_views import HomeTypeOfHome

from .conftest import app_client

KEY = {"X-HomeIQ-API-Key": "test-key"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ha-home") / "homes"
    options = GeneratorOptions(
        count=12, days=2, seed=5, weather=False, carbon=False, pricing=False, calendar=False
    )
    generate_dataset(options, folder)
    return folder


@pytest.fixture
async def client(tmp_path: Path, dataset: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = AiAutomationSettings(
        data_dir=tmp_path / "data",
        models_dir=tmp_path / "models",
        api_key="test-key",
        home_type_cv_repeats=1,
        path_roots=[dataset],
        _env_file=None,
    )
    async with app_client(settings, timeout=120) as c:
        yield c


async def test_the_stored_home_gets_a_type_with_its_confidence(
    client: httpx.AsyncClient, dataset: Path
) -> None:
    assert (await client.get("/api/ha/home-type")).status_code == 503  # no model yet
    trained = (
        await client.post("/api/home-type/train", json={"dataset_path": str(dataset), "seed": 3}, headers=KEY)
    ).json()
    if not trained["promoted"]:
        forced = await client.post(
            f"/api/home-type/models/{trained['version']}/promote",
            json={"force": True, "reason": "test: serve a small model", "actor": "test"},
            headers=KEY,
        )
        assert forced.status_code == 200, forced.text
    assert (await client.get("/api/ha/home-type")).status_code == 404  # nothing stored for the home

    home = read_home(home_paths(dataset)[0])
    snapshot = {
        "areas": [{"name": a["name"]} for a in home["areas"]],
        "devices": [{"entity_id": d["entity_id"], "area": d.get("area")} for d in home["devices"]],
    }
    assert (await client.post("/api/ha/snapshot", json=snapshot, headers=KEY)).status_code == 200
    start = datetime(2026, 12, 1, tzinfo=UTC)
    entity = home["devices"][0]["entity_id"]
    events = [
        {
            "event_type": "state_changed",
            "time_fired": (start + timedelta(minutes=10 * i)).isoformat(),
            "data": {
                "entity_id": entity,
                "new_state": {"entity_id": entity, "state": "on" if i % 2 else "off"},
            },
        }
        for i in range(20)
    ]
    assert (await client.post("/api/ha/events", json={"events": events}, headers=KEY)).status_code == 200

    response = await client.get("/api/ha/home-type")
    assert response.status_code == 200, response.text
    answer = HomeTypeOfHome.model_validate(response.json())
    assert answer.home_id == "default"
    assert answer.home_type in answer.probabilities
    assert answer.confidence == pytest.approx(max(answer.probabilities.values()), abs=1e-6)
    assert (answer.devices_from, answer.events_used, answer.confirmed_home_type) == ("snapshot", 20, None)
    assert answer.caveats == []  # the home's devices sit in its areas
    assert answer.model_version == trained["version"]
    assert (await client.get("/api/ha/home-type?home_id=bad%20id")).status_code == 422
