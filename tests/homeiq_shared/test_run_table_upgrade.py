"""A database written by the previous version opens: the run tables gain their new columns, old rows keep their meaning."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ai_automation import repository as ai_repository
from ai_automation.tables import TrainingRunRecord
from device_intelligence import repository as di_repository
from device_intelligence.tables import TrainingRun
from homeiq_shared.run_table import run_view
from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker

# The DDL the previous version's create_all wrote (SQLAlchemy 2.0 on SQLite), verbatim.
OLD_AI = """
CREATE TABLE home_type_training_runs (
    id INTEGER NOT NULL, "trigger" VARCHAR(16) NOT NULL, task VARCHAR(16) NOT NULL,
    started_at DATETIME NOT NULL, finished_at DATETIME, status VARCHAR(16) NOT NULL,
    version VARCHAR(64), promoted BOOLEAN NOT NULL, reason TEXT, summary JSON, error TEXT,
    PRIMARY KEY (id)
);
CREATE INDEX ix_home_type_training_runs_task ON home_type_training_runs (task);
INSERT INTO home_type_training_runs VALUES
    (1, 'api', 'full', '2026-11-01 02:00:00', '2026-11-01 02:05:00', 'promoted', 'v0001', 1,
     'first model for this task, gates PASSED', '{"gates": "PASSED"}', NULL),
    (2, 'nightly', 'full', '2026-11-02 02:00:00', '2026-11-02 02:05:00', 'kept', 'v0002', 0,
     'macro-F1 0.700 < production v0001 0.800 - tolerance 0', NULL, NULL),
    (3, 'nightly', 'binary', '2026-11-03 02:00:00', NULL, 'running', NULL, 0, NULL, NULL, NULL);
"""

OLD_DI = """
CREATE TABLE training_runs (
    id INTEGER NOT NULL, "trigger" VARCHAR(16) NOT NULL, started_at DATETIME NOT NULL, finished_at DATETIME,
    status VARCHAR(16) NOT NULL, options JSON NOT NULL, version VARCHAR(64), promoted BOOLEAN NOT NULL,
    decision VARCHAR(500), summary JSON, error VARCHAR(2000), PRIMARY KEY (id)
);
INSERT INTO training_runs VALUES
    (1, 'api', '2026-11-01 02:00:00', '2026-11-01 02:05:00', 'registered', '{"seed": 1}', 'v0001', 0,
     'quality gates FAILED (precision 0.1 is below >= 0.8); not promoted', NULL, NULL),
    (2, 'nightly', '2026-11-02 02:00:00', '2026-11-02 02:05:00', 'failed', '{}', NULL, 0, NULL, NULL,
     'RuntimeError: power cut'),
    (3, 'nightly', '2026-11-03 02:00:00', '2026-11-03 02:05:00', 'promoted', '{}', 'v0002', 1,
     'gates PASSED and not worse than production v0001', NULL, NULL);
"""


def _old_database(path: Path, ddl: str) -> str:
    with sqlite3.connect(path) as conn:
        conn.executescript(ddl)
    return f"sqlite+aiosqlite:///{path}"


def _columns(path: Path, table: str) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


async def test_an_ai_automation_database_of_the_previous_version_opens(tmp_path: Path) -> None:
    path = tmp_path / "ai.db"
    engine = make_engine(_old_database(path, OLD_AI))
    await create_tables(engine)  # what start-up does: create_all leaves the existing table alone
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        assert await ai_repository.fail_interrupted(session) == 1  # upgrades, then fails run 3
        assert await ai_repository.fail_interrupted(session) == 0  # idempotent
    async with sessions() as session:
        views = {i: run_view(await session.get(TrainingRunRecord, i)) for i in (1, 2, 3)}
        table = ai_repository.runs(session)
        new_id = await table.start(trigger="api", task="full", options={"seed": 4})
        await table.finish(new_id, status="registered", reason="gates PASSED; registered only", version="v3")
        latest = run_view(await ai_repository.latest_run(session, "full"))
    await engine.dispose()
    assert {"decision", "options"} <= _columns(path, "home_type_training_runs")
    first, second, third = views[1], views[2], views[3]
    assert first is not None
    assert second is not None
    assert third is not None
    assert (first.decision, first.reason, first.gates) == (
        "promoted",
        "first model for this task, gates PASSED",
        "PASSED",
    )
    assert (second.status, second.decision) == ("kept", "kept")
    assert "< production" in (second.reason or "")
    assert (third.status, third.decision, third.reason) == (
        "failed",
        "failed",
        "interrupted by a service stop",
    )
    assert latest is not None
    assert (latest.id, latest.decision, latest.version, latest.options) == (new_id, "kept", "v3", {"seed": 4})


async def test_a_device_intelligence_database_of_the_previous_version_opens(tmp_path: Path) -> None:
    path = tmp_path / "di.db"
    engine = make_engine(_old_database(path, OLD_DI))
    await create_tables(engine)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        assert await di_repository.fail_interrupted(session) == 0
        views = {i: run_view(await session.get(TrainingRun, i)) for i in (1, 2, 3)}
    async with sessions() as session:
        assert await di_repository.fail_interrupted(session) == 0  # a second start-up changes nothing
        again = run_view(await session.get(TrainingRun, 1))
        table = di_repository.runs(session)
        new_id = await table.start(trigger="api", task="failure_prediction", options={"force": True})
        await table.finish(new_id, status="kept", reason="production model is current for this data")
        latest = run_view(await di_repository.latest_run(session))
    await engine.dispose()
    assert {"reason", "task"} <= _columns(path, "training_runs")
    registered, failed, promoted = views[1], views[2], views[3]
    assert registered is not None
    assert failed is not None
    assert promoted is not None
    # The words the old `decision` column held are the reason now; decision is what happened to production.
    assert (registered.status, registered.decision) == ("registered", "kept")
    assert (registered.reason or "").startswith("quality gates FAILED")
    assert registered.options == {"seed": 1}
    assert (failed.decision, failed.error) == ("failed", "RuntimeError: power cut")
    assert (promoted.decision, promoted.reason) == (
        "promoted",
        "gates PASSED and not worse than production v0001",
    )
    assert again == registered
    assert latest is not None
    assert (latest.id, latest.status, latest.decision, latest.task) == (
        new_id,
        "kept",
        "kept",
        "failure_prediction",
    )
