"""The bounded schemathesis runs of both services (tests/*/test_api_fuzz.py) with their database on
PostgreSQL: NUL characters, odd times and every other generated input must end in a documented
answer there too (PostgreSQL refuses some of what SQLite stores). One service at a time, each on the
emptied session database; no models are served (predictions answer their documented 503)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ai_automation.app import create_app as create_ai
from ai_automation.settings import AiAutomationSettings
from device_intelligence.app import create_app as create_di
from device_intelligence.settings import DeviceIntelligenceSettings

from ..conftest import fuzz_labels, fuzz_operation, serve
from .conftest import empty_database

KEY = "fuzz-key-on-postgres"
SERVICES: dict[str, tuple[Any, Any, dict[str, Any], str]] = {
    # name: app factory, settings class, settings that keep generated requests quick, operation left out
    "ai-automation": (
        create_ai, AiAutomationSettings, {"max_generate_events": 3_000}, "POST /api/home-type/train/schedule",
    ),
    "device-intelligence": (
        create_di, DeviceIntelligenceSettings, {"memory_fraction": 1e-6}, "POST /api/predictions/train/schedule",
    ),
}  # fmt: skip
CASES = [
    (name, label)
    for name, (factory, settings, _, left_out) in SERVICES.items()
    for label in fuzz_labels(factory(settings(_env_file=None)).openapi(), leave_out=(left_out,))
]


@pytest.fixture(scope="module")
def served(
    request: pytest.FixtureRequest, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The service named by the test's parameter, on PostgreSQL, over real HTTP."""
    factory, settings_class, quick, _ = SERVICES[request.param]
    empty_database(postgres_url)
    home = tmp_path_factory.mktemp("pg-fuzz")
    settings = settings_class(
        data_dir=home / "data",
        models_dir=home / "models",
        database_url=postgres_url,
        api_key=KEY,
        training_enabled=False,
        _env_file=None,
        **quick,
    )
    with serve(factory(settings), lifespan="on") as url:
        yield url


@pytest.mark.parametrize(("served", "label"), CASES, indirect=["served"])
def test_every_operation_holds_its_contract_on_postgres(served: str, label: str) -> None:
    fuzz_operation(served, label, KEY)
