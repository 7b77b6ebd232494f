"""The HA integration parses the services' answers with its own dataclasses (it installs as one folder):
their fields must be the contracts' fields, and a real answer must parse. Its own tests run on HA core
(`make test-ha`, Python 3.13); this one runs here, on the contracts."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from homeiq_shared.contracts.devices import SensorResponse
from homeiq_shared.contracts.home_views import DeviceRisk, HomeTypeOfHome
from homeiq_shared.contracts.model_info import ModelInfo
from homeiq_shared.contracts.synergies import SuggestionOut

PAYLOADS = (
    Path(__file__).resolve().parents[2] / "services/ha_integration/custom_components/homeiq/payloads.py"
)


def _payloads() -> ModuleType:
    spec = importlib.util.spec_from_file_location("homeiq_payloads", PAYLOADS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_field_the_integration_reads_is_in_its_contract() -> None:
    payloads = _payloads()
    for mine, contract in (
        (payloads.DeviceRisk, DeviceRisk),
        (payloads.ModelInfo, ModelInfo),
        (payloads.HomeType, HomeTypeOfHome),
    ):
        fields = {f.name for f in dataclasses.fields(mine)}
        assert fields <= set(contract.model_fields), (mine.__name__, fields - set(contract.model_fields))
    assert {"entity_id", "readings", "spans", "threshold"} <= set(SensorResponse.model_fields)


def test_a_contract_answer_parses() -> None:
    payloads = _payloads()
    answer = DeviceRisk(
        device_id="dev", probability=0.915, failure_probability=91.5, risk_level="critical", will_fail_within_horizon=True,
        horizon_days=7, anomaly_score=0.6, is_anomaly=True, confidence=0.8, recommendations=["Replace the battery"],
        drivers=[{"feature": "battery_level_slope_7d", "contribution": 0.4}], history_days_used=14,
        used_snapshot_only=False, predicted_at=datetime.now(UTC), model_version="v1",
        last_reading=datetime(2026, 12, 6, tzinfo=UTC),
    )  # fmt: skip
    parsed = payloads.DeviceRisk.from_json(answer.model_dump(mode="json"))
    assert parsed.failure_probability == 91.5
    assert parsed.drivers[0].feature == "battery_level_slope_7d"
    assert parsed.last_reading == datetime(2026, 12, 6, tzinfo=UTC)


def test_a_synergy_suggestion_parses_with_its_alias_as_title_and_its_feedback() -> None:
    payloads = _payloads()
    fields = {f.name for f in dataclasses.fields(payloads.Suggestion)} - {"title", "suggestion_id"}
    assert fields <= set(SuggestionOut.model_fields), fields - set(SuggestionOut.model_fields)
    answer = SuggestionOut(
        id="syn-0123456789abcdef", home_id="default", score=0.7, rank=1, pattern="motion_light",
        trigger_entities=["binary_sensor.hall_motion"], action_entities=["light.hall"], evidence={},
        automation_yaml="- id: syn-0123456789abcdef\n  alias: Hall motion turns on the hall light\n",
        feedback="dismissed",
    )  # fmt: skip
    parsed = payloads.Suggestion.from_json(answer.model_dump(mode="json"))
    assert parsed.title == "Hall motion turns on the hall light"
    assert parsed.suggestion_id == "syn-0123456789abcdef"
    assert parsed.feedback == "dismissed"
    assert payloads.Suggestion.from_json({"automation_yaml": ": not yaml: ["}).title == " -> "
