"""Importing an HA config folder stores its events and snapshot once, and never writes to HA's files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from homeiq_shared.ha_events import count_events
from homeiq_shared.ha_import import import_config_dir
from homeiq_shared.ha_recorder import RecorderError
from homeiq_shared.ha_snapshots import list_snapshots
from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


async def test_import_twice_adds_nothing_the_second_time(ha_config_dir: Path, tmp_path: Path) -> None:
    before = _digest(ha_config_dir)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    await create_tables(engine)
    async with make_sessionmaker(engine)() as session:
        first = await import_config_dir(ha_config_dir, session, "my-home", chunk_size=100)
        second = await import_config_dir(ha_config_dir, session, "my-home", chunk_size=100)
        stored = await count_events(session)
        snapshots = await list_snapshots(session)
    await engine.dispose()
    assert first.schema_version == 48
    assert (first.areas, first.devices, first.entities) == (2, 2, 3)
    assert first.states == 2 * 24 * 6 * 2 + 8
    assert first.stored_new == first.states
    assert second.stored_new == 0
    assert stored == first.states
    assert [s.home_id for s in snapshots] == ["my-home"]
    assert first.first is not None
    assert first.first.startswith("2026-11-01T00:00:00")
    assert _digest(ha_config_dir) == before


async def test_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    await create_tables(engine)
    async with make_sessionmaker(engine)() as session:
        with pytest.raises(RecorderError, match="neither"):
            await import_config_dir(tmp_path, session, "x")
        with pytest.raises(RecorderError, match="not a folder"):
            await import_config_dir(tmp_path / "absent", session, "x")
    await engine.dispose()


async def test_registries_without_a_database_or_an_entity_registry_store_the_areas(tmp_path: Path) -> None:
    config = tmp_path / "cfg"
    (config / ".storage").mkdir(parents=True)
    for key, data in (
        ("core.floor_registry", {"floors": [{"floor_id": "og", "name": "Obergeschoss", "level": 1}]}),
        ("core.area_registry", {"areas": [{"id": "bad", "name": "Badezimmer", "floor_id": "og"}]}),
        ("core.device_registry", {"devices": [{"id": "d1", "area_id": "bad"}]}),
    ):
        doc = {"version": 1, "minor_version": 2, "key": key, "data": data}
        (config / ".storage" / key).write_text(json.dumps(doc))
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    await create_tables(engine)
    async with make_sessionmaker(engine)() as session:
        report = await import_config_dir(config, session, "flat")
        (snapshot,) = await list_snapshots(session)
    await engine.dispose()
    assert (report.schema_version, report.floors, report.areas, report.devices, report.entities) == (
        None,
        1,
        1,
        1,
        0,
    )
    assert snapshot.areas[0]["floor"] == "Obergeschoss"
    assert snapshot.areas[0]["floor_level"] == 1
    assert snapshot.devices == []
