"""Database access of ai-automation (routers call these, never the session directly)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ai_automation.tables import DatasetRecord, TrainingRunRecord


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


async def start_run(session: AsyncSession, trigger: str, task: str) -> TrainingRunRecord:
    """Record that a training run started (status `running` until finished)."""
    run = TrainingRunRecord(trigger=trigger, task=task, started_at=datetime.now(UTC), status="running")
    session.add(run)
    await session.commit()
    return run


async def finish_run(
    session: AsyncSession,
    run: TrainingRunRecord,
    *,
    status: str,
    version: str | None = None,
    promoted: bool = False,
    reason: str | None = None,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record how a run ended."""
    run.finished_at = datetime.now(UTC)
    run.status = status
    run.version = version
    run.promoted = promoted
    run.reason = reason
    run.summary = summary
    run.error = error
    await session.commit()


async def latest_run(session: AsyncSession, task: str) -> TrainingRunRecord | None:
    """The most recent run of a task, or None."""
    query = (
        select(TrainingRunRecord)
        .where(TrainingRunRecord.task == task)
        .order_by(TrainingRunRecord.id.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def fail_interrupted(session: AsyncSession) -> int:
    """Mark runs a stop left `running` as failed (called at start-up); return how many."""
    result = await session.execute(
        update(TrainingRunRecord)
        .where(TrainingRunRecord.status == "running")
        .values(status="failed", error="interrupted by a service stop", finished_at=datetime.now(UTC))
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
