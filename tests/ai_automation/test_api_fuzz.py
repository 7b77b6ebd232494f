"""A bounded schemathesis run against ai-automation's own OpenAPI document, over real HTTP.

Every operation gets generated cases (valid and invalid, derandomized: the same cases each run) with
the API key: no unhandled 500, every answer documented and matching its schema, every error a problem
detail. The service serves a promoted binary and full home-type model trained on a small dataset it
generated (so predictions answer), and caps generation at a few home-days so that generated requests
stay quick. `POST /train/schedule` is left out: it starts the nightly job in the background.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings

from ..conftest import fuzz_labels, fuzz_operation, serve

KEY = "fuzz-key-ai-automation"
HEADERS = {"X-HomeIQ-API-Key": KEY}
LABELS = fuzz_labels(
    create_app(AiAutomationSettings(_env_file=None)).openapi(),
    leave_out=("POST /api/home-type/train/schedule",),
)


def _promoted_model(client: httpx.Client, dataset_id: str, task: str) -> None:
    trained = client.post("/api/home-type/train", json={"dataset_id": dataset_id, "task": task, "seed": 1})
    assert trained.status_code == 200, trained.text
    body = trained.json()
    if not body["promoted"]:  # small data: gates may fail; an operator would force it like this
        forced = client.post(
            f"/api/home-type/models/{body['version']}/promote",
            params={"task": task},
            json={"force": True, "reason": "fuzz fixture"},
        )
        assert forced.status_code == 200, forced.text


@pytest.fixture(scope="module")
def ai_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("ai-fuzz")
    folders = {"data_dir": home / "data", "models_dir": home / "models", "api_key": KEY}
    setup = AiAutomationSettings(**folders, training_enabled=False, home_type_cv_repeats=1, _env_file=None)
    with (
        serve(create_app(setup), lifespan="on") as url,
        httpx.Client(base_url=url, headers=HEADERS, timeout=300) as client,
    ):
        made = client.post("/api/synthetic-homes", json={"count": 24, "days": 1, "seed": 3})
        assert made.status_code == 201, made.text
        for task in ("binary", "full"):
            _promoted_model(client, made.json()["dataset_id"], task)
    # the same folders, served with generation capped at 5 home-days (generated requests stay quick)
    fuzzed = setup.model_copy(update={"max_generate_events": 3_000})
    with serve(create_app(fuzzed), lifespan="on") as url:
        yield url


@pytest.mark.parametrize("label", LABELS)
def test_every_operation_holds_its_contract_under_generated_input(ai_url: str, label: str) -> None:
    fuzz_operation(ai_url, label, KEY)
