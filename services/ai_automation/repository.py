"""Database access of ai-automation (routers call these, never the session directly)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ai_automation.tables import DatasetRecord, TrainingRunRecord
from homeiq_shared.run_table import RunTable, open_run_table


async def add_dataset(session: AsyncSession, record: DatasetRecord) -> None:
    """Store a finished dataset's record."""
    session.add(record)
    await session.commit()


async def list_datasets(session: AsyncSession) -> Sequence[DatasetRecord]:
    """All datasets, newest first."""
    result = await session.scalars(select(DatasetRecord).order_by(DatasetRecord.created_at.desc()))
    return result.all()


async def get_dataset(session: AsyncSession, dataset_id: str) -> DatasetRecord | None:
    """One dataset by id, or None."""
    return await session.get(DatasetRecord, dataset_id)


def runs(session: AsyncSession) -> RunTable:
    """The home-type training-run table on `session` (start, finish, latest)."""
    return RunTable(session, TrainingRunRecord)


async def latest_run(session: AsyncSession, task: str) -> TrainingRunRecord | None:
    """The most recent run of a task, or None."""
    run = await runs(session).latest(task)
    assert run is None or isinstance(run, TrainingRunRecord)
    return run


async def fail_interrupted(session: AsyncSession) -> int:
    """At start-up: upgrade an older run table, mark runs a stop left `running` failed; return how many."""
    return await open_run_table(session, TrainingRunRecord, "interrupted by a service stop")
