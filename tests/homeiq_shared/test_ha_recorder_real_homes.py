"""Every real recorder database of the calibration homes (`real-ha-homes/recorder`): from v30 on they import
with every state `index.json` counts, older ones are refused naming their version; the file is unchanged
and nothing is created beside it. Skipped, with the reason, when the reference data is not beside the checkout.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from homeiq_shared.ha_events import count_events, normalise_batch
from homeiq_shared.ha_import import import_config_dir
from homeiq_shared.ha_recorder import OLDEST_SUPPORTED_SCHEMA, UnsupportedSchemaError, open_readonly
from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker

from .conftest import external_data

RECORDER = external_data("real-ha-homes", "recorder")
DATABASES = sorted(RECORDER.glob("*.db")) if RECORDER else []
INDEX: dict[str, dict[str, Any]] = (
    {row["file"]: row for row in json.loads((RECORDER / "index.json").read_text())} if RECORDER else {}
)


def _version(db: Path) -> int:
    match = re.search(r"__v(\d+)\.db$", db.name)
    assert match, db.name
    return int(match.group(1))


def _copy(db: Path, tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "config"
    folder.mkdir(parents=True)
    path = folder / "home-assistant_v2.db"
    shutil.copyfile(db, path)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _untouched(path: Path, digest: str) -> None:
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert [p.name for p in path.parent.iterdir()] == [path.name]


@pytest.mark.skipif(not DATABASES, reason="real-ha-homes/recorder is not beside the checkout")
@pytest.mark.parametrize("db", DATABASES, ids=[d.name for d in DATABASES])
def test_real_recorder_database(db: Path, tmp_path: Path) -> None:
    version = _version(db)
    path, digest = _copy(db, tmp_path)
    if version < OLDEST_SUPPORTED_SCHEMA:
        with pytest.raises(
            UnsupportedSchemaError, match=rf"schema v{version} is older than the supported v30"
        ):
            open_readonly(path)
        _untouched(path, digest)
        return
    expected = INDEX[db.name]
    with open_readonly(path) as reader:
        summary = reader.summarize()
        states = [e for chunk in reader.iter_state_changed(chunk_size=2_000) for e in chunk]
        others = [e for chunk in reader.iter_events(chunk_size=2_000) for e in chunk]
    assert summary.schema_version == expected["schema_version"] == version
    assert summary.states == len(states) == expected["n_states"]
    assert summary.warnings == []
    assert summary.events == len(others)
    if expected["first"]:
        assert summary.first is not None
        assert summary.first.isoformat()[:19] == str(expected["first"]).replace(" ", "T")[:19]
    rows, problems = normalise_batch(states + others, "real")
    # anonymized copies keep HA's own rows: at most a stray value HA accepted and we refuse
    assert len(problems) <= max(2, len(states) // 100), problems[:3]
    assert len(rows) + len(problems) == len(states) + len(others)
    _untouched(path, digest)


@pytest.mark.skipif(not DATABASES, reason="real-ha-homes/recorder is not beside the checkout")
async def test_real_databases_import_into_a_service_store(tmp_path: Path) -> None:
    """Through the service's import (storage included) for one database of each supported layout version."""
    picked: dict[int, Path] = {}
    for db in DATABASES:
        version = _version(db)
        if version >= OLDEST_SUPPORTED_SCHEMA and (
            version not in picked or INDEX[db.name]["n_states"] < INDEX[picked[version].name]["n_states"]
        ):
            picked[version] = db
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'svc.db'}")
    await create_tables(engine)
    total = 0
    async with make_sessionmaker(engine)() as session:
        for version, db in sorted(picked.items()):
            path, digest = _copy(db, tmp_path / f"v{version}")
            report = await import_config_dir(path.parent, session, f"home-v{version}", chunk_size=500)
            assert report.schema_version == version
            assert report.states == INDEX[db.name]["n_states"]
            assert report.stored_new + report.skipped_malformed >= report.states
            total += report.stored_new
            _untouched(path, digest)
        assert await count_events(session) == total
    await engine.dispose()
