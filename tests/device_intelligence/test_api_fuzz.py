"""A bounded schemathesis run against device-intelligence's own OpenAPI document, over real HTTP.

Every operation gets generated cases (valid and invalid, derandomized: the same cases each run) with
the API key: no unhandled 500, every answer documented and matching its schema, every error a problem
detail. The service serves a trained model pair (predictions answer), and its memory budget is set so
low that any synthetic training is refused with 507 at once (training itself is covered by its own
tests; here the refusal, like every other answer, must hold the contract). `POST /train/schedule` is
left out: it starts the nightly job in the background.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from device_intelligence.app import create_app
from device_intelligence.retraining import RetrainResult
from device_intelligence.settings import DeviceIntelligenceSettings

from ..conftest import fuzz_labels, fuzz_operation, serve

KEY = "fuzz-key-device-intelligence"
LABELS = fuzz_labels(
    create_app(DeviceIntelligenceSettings(_env_file=None)).openapi(),
    leave_out=("POST /api/predictions/train/schedule",),
)


@pytest.fixture(scope="module")
def di_url(
    tmp_path_factory: pytest.TempPathFactory, trained_registry: tuple[Path, RetrainResult]
) -> Iterator[str]:
    home = tmp_path_factory.mktemp("di-fuzz")
    shutil.copytree(trained_registry[0], home / "models")
    settings = DeviceIntelligenceSettings(
        data_dir=home / "data",
        models_dir=home / "models",
        api_key=KEY,
        training_enabled=False,
        memory_fraction=1e-6,
        _env_file=None,
    )
    with serve(create_app(settings), lifespan="on") as url:
        yield url


@pytest.mark.parametrize("label", LABELS)
def test_every_operation_holds_its_contract_under_generated_input(di_url: str, label: str) -> None:
    fuzz_operation(di_url, label, KEY)
