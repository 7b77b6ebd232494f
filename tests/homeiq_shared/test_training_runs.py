"""The one recorded training run: lock, record, train, reload, prune, finish - and what fails where."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from homeiq_shared.errors import ConflictError
from homeiq_shared.model_lock import ModelLocks
from homeiq_shared.run_table import RunTable, TrainingRunColumns, open_run_table, run_view
from homeiq_shared.storage import make_engine, make_sessionmaker
from homeiq_shared.training_runs import RunOutcome, run_recorded_training


class _Base(DeclarativeBase):
    """A metadata of its own, so this test's table never lands in a service's database."""


class Runs(TrainingRunColumns, _Base):
    """A run table as a service maps it."""

    __tablename__ = "test_training_runs"


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'runs.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    async with make_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


class Steps:
    """Records which steps ran, in order."""

    def __init__(self, promoted: bool) -> None:
        self.promoted = promoted
        self.calls: list[str] = []

    def train(self) -> dict[str, Any]:
        self.calls.append("train")
        return {"version": "v2", "promoted": self.promoted}

    def outcome(self, result: dict[str, Any]) -> RunOutcome:
        promoted = bool(result["promoted"])
        return RunOutcome(
            status="promoted" if promoted else "registered",
            promoted=promoted,
            version=str(result["version"]),
            reason="gates PASSED and not worse" if promoted else "quality gates FAILED; not promoted",
        )

    def reload(self) -> None:
        self.calls.append("reload")

    def prune(self) -> list[str]:
        self.calls.append("prune")
        return ["v0"]

    async def summarize(self, result: dict[str, Any], pruned: list[str]) -> dict[str, Any]:
        self.calls.append("summarize")
        return {
            "challenger_version": result["version"],
            "gates": "PASSED",
            "housekeeping": {"pruned": pruned},
        }


@pytest.mark.parametrize("promoted", [True, False])
async def test_a_run_is_recorded_with_its_decision_and_reloads_only_when_promoted(
    session: AsyncSession, promoted: bool
) -> None:
    steps, locks = Steps(promoted), ModelLocks()
    run = await run_recorded_training(
        lock=locks.hold("m"), runs=RunTable(session, Runs), trigger="api", task="full",
        options={"seed": 3}, train=steps.train, outcome=steps.outcome, reload=steps.reload,
        prune=steps.prune, summarize=steps.summarize,
    )  # fmt: skip
    assert not locks.is_held("m")
    expected = ["train", "reload", "prune", "summarize"] if promoted else ["train", "prune", "summarize"]
    assert steps.calls == expected
    assert run.outcome.decision == ("promoted" if promoted else "kept")
    assert run.pruned == ["v0"]
    view = run_view(await RunTable(session, Runs).latest("full"))
    assert view is not None
    assert view.id == run.run_id
    assert (view.status, view.decision, view.promoted) == (
        ("promoted", "promoted", True) if promoted else ("registered", "kept", False)
    )
    assert view.reason == run.outcome.reason
    assert (view.version, view.challenger_version, view.gates) == ("v2", "v2", "PASSED")
    assert view.housekeeping == {"pruned": ["v0"]}
    assert view.options == {"seed": 3}
    assert view.finished_at is not None
    assert view.started_at.tzinfo is not None
    answer = run.answer()
    assert (answer["run_id"], answer["decision"], answer["reason"]) == (
        run.run_id,
        view.decision,
        view.reason,
    )


async def test_a_failed_training_is_recorded_failed_and_raised(session: AsyncSession) -> None:
    steps, locks = Steps(True), ModelLocks()

    def blow_up() -> dict[str, Any]:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        await run_recorded_training(
            lock=locks.hold("m"), runs=RunTable(session, Runs), trigger="nightly", task="full",
            train=blow_up, outcome=steps.outcome, reload=steps.reload, prune=steps.prune,
        )  # fmt: skip
    assert steps.calls == []  # nothing reloaded or pruned
    assert not locks.is_held("m")
    view = run_view(await RunTable(session, Runs).latest())
    assert view is not None
    assert (view.status, view.decision, view.promoted, view.version) == ("failed", "failed", False, None)
    assert view.error == "RuntimeError: disk full" == view.reason


async def test_a_failure_after_training_keeps_the_registry_decision_with_the_error(
    session: AsyncSession,
) -> None:
    steps = Steps(True)

    def broken_reload() -> None:
        raise OSError("artifact unreadable")

    with pytest.raises(OSError, match="artifact unreadable"):
        await run_recorded_training(
            lock=None, runs=RunTable(session, Runs), trigger="api", task="full",
            train=steps.train, outcome=steps.outcome, reload=broken_reload, prune=steps.prune,
        )  # fmt: skip
    view = run_view(await RunTable(session, Runs).latest())
    assert view is not None
    assert (view.status, view.decision, view.version) == ("promoted", "promoted", "v2")
    assert view.error == "after training: OSError: artifact unreadable"


async def test_a_busy_lock_answers_conflict_before_anything_is_recorded(session: AsyncSession) -> None:
    steps, locks = Steps(True), ModelLocks()
    with locks.hold("m"), pytest.raises(ConflictError):
        await run_recorded_training(
            lock=locks.hold("m"), runs=RunTable(session, Runs), trigger="api", task="full",
            train=steps.train, outcome=steps.outcome,
        )  # fmt: skip
    assert steps.calls == []
    assert await RunTable(session, Runs).latest() is None


async def test_the_cli_path_is_the_same_function_without_a_store() -> None:
    steps = Steps(False)
    run = await run_recorded_training(
        lock=None, runs=None, trigger="cli", task="full", train=steps.train, outcome=steps.outcome
    )
    assert run.run_id is None
    assert run.result == {"version": "v2", "promoted": False}
    assert run.outcome.status == "registered"
    assert steps.calls == ["train"]


async def test_finish_is_typed_and_start_up_marks_interrupted_runs_failed(session: AsyncSession) -> None:
    table = RunTable(session, Runs)
    run_id = await table.start(trigger="nightly", task="full")
    with pytest.raises(TypeError):
        await table.finish(run_id, status="promoted", reason="x", promotd=True)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="not a finished run status"):
        await table.finish(run_id, status="running", reason=None)  # type: ignore[arg-type]
    assert await open_run_table(session, Runs, "interrupted by a stop") == 1
    view = run_view(await table.latest())
    assert view is not None
    assert (view.status, view.decision, view.reason) == ("failed", "failed", "interrupted by a stop")


def test_an_outcome_cannot_contradict_itself() -> None:
    with pytest.raises(ValueError, match="contradicts"):
        RunOutcome(status="promoted", promoted=False, version="v1", reason="x")
