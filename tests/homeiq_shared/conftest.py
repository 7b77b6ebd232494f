"""Fixtures of the shared-library tests: a Home Assistant config folder built from HA's real formats."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from homeiq_shared.ha_recorder_writer import write_recorder_db

T0 = datetime(2026, 11, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def external_data(*parts: str) -> Path | None:
    """A folder of the reference data (`../shared/external-data` beside the checkout, or beside the folder
    holding a git worktree; `HOMEIQ_EXTERNAL_DATA` overrides), or None when it is not there."""
    candidates = [Path(os.environ["HOMEIQ_EXTERNAL_DATA"])] if os.environ.get("HOMEIQ_EXTERNAL_DATA") else []
    candidates += [ROOT.parent / "shared" / "external-data", ROOT.parent.parent / "shared" / "external-data"]
    for base in candidates:
        if base.joinpath(*parts).is_dir():
            return base.joinpath(*parts)
    return None


def ha_state_changed(
    entity_id: str, state: str, when: datetime, attributes: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A `state_changed` event as HA's event stream sends it (old_state filled in by the reader)."""
    obj = {
        "entity_id": entity_id,
        "state": state,
        "attributes": attributes or {},
        "last_changed": when.isoformat(),
        "last_updated": when.isoformat(),
        "context": {"id": f"{entity_id}-{when.timestamp()}", "parent_id": None, "user_id": None},
    }
    return {
        "event_type": "state_changed",
        "time_fired": when.isoformat(),
        "data": {"entity_id": entity_id, "old_state": None, "new_state": obj},
    }


def _store(folder: Path, key: str, data: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_text(json.dumps({"version": 1, "minor_version": 1, "key": key, "data": data}))


@pytest.fixture
def ha_config_dir(tmp_path: Path) -> Path:
    """A config folder with registries and a v48 recorder database of two days of a small home."""
    config = tmp_path / "ha-config"
    storage = config / ".storage"
    _store(
        storage,
        "core.area_registry",
        {"areas": [{"id": "kitchen", "name": "Kitchen"}, {"id": "hall", "name": "Hall"}]},
    )
    _store(
        storage,
        "core.device_registry",
        {
            "devices": [
                {"id": "d1", "area_id": "kitchen", "name": "Light"},
                {"id": "d2", "area_id": "hall", "name": "Motion"},
            ]
        },
    )
    _store(
        storage,
        "core.entity_registry",
        {
            "entities": [
                {"entity_id": "light.kitchen", "device_id": "d1"},
                {
                    "entity_id": "binary_sensor.hall_motion",
                    "device_id": "d2",
                    "original_device_class": "motion",
                },
                {"entity_id": "sensor.hall_motion_battery", "device_id": "d2", "device_class": "battery"},
            ]
        },
    )
    events = []
    for i in range(2 * 24 * 6):
        when = T0 + timedelta(minutes=10 * i)
        events.append(ha_state_changed("light.kitchen", "on" if i % 2 else "off", when))
        events.append(
            ha_state_changed(
                "binary_sensor.hall_motion", "on" if i % 3 else "off", when + timedelta(seconds=5)
            )
        )
        if i % 36 == 0:
            events.append(
                ha_state_changed(
                    "sensor.hall_motion_battery", str(90 - i // 36), when, {"unit_of_measurement": "%"}
                )
            )
    config.mkdir(exist_ok=True)
    write_recorder_db(config / "home-assistant_v2.db", events, schema_version=48)
    return config
