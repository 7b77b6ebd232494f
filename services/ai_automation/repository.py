"""Database access of ai-automation (routers call these, never the session directly)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ai_automation.tables import DatasetRecord


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
