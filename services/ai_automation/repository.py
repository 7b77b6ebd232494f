"""Database access of ai-automation (routers call these, never the session directly)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ai_automation.tables import (
    AskSuggestionRecord,
    DatasetRecord,
    SynergySuggestionRecord,
    TrainingRunRecord,
)
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


async def store_suggestions(session: AsyncSession, records: Sequence[SynergySuggestionRecord]) -> None:
    """Store a detect run's suggestions; one seen before keeps its feedback and gets the new score."""
    for record in records:
        old = await session.get(SynergySuggestionRecord, record.suggestion_id)
        if old is None:
            session.add(record)
        else:
            old.score, old.rank, old.payload, old.created_at = (
                record.score,
                record.rank,
                record.payload,
                record.created_at,
            )
    await session.commit()


async def list_suggestions(
    session: AsyncSession, home_id: str | None, limit: int
) -> Sequence[SynergySuggestionRecord]:
    """Stored suggestions (of one home when given), newest run first, then by rank."""
    query = select(SynergySuggestionRecord)
    if home_id is not None:
        query = query.where(SynergySuggestionRecord.home_id == home_id)
    query = query.order_by(SynergySuggestionRecord.created_at.desc(), SynergySuggestionRecord.rank).limit(
        limit
    )
    return (await session.scalars(query)).all()


async def answered_suggestions(session: AsyncSession, limit: int) -> Sequence[SynergySuggestionRecord]:
    """The detected suggestions their owners answered (accepted or dismissed), newest answers first."""
    query = (
        select(SynergySuggestionRecord)
        .where(SynergySuggestionRecord.feedback.is_not(None))
        .order_by(SynergySuggestionRecord.feedback_at.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def store_ask(session: AsyncSession, record: AskSuggestionRecord) -> AskSuggestionRecord:
    """Store an asked-for automation; the same id asked again keeps its feedback and gets the new payload."""
    old = await session.get(AskSuggestionRecord, record.suggestion_id)
    if old is None:
        session.add(record)
    else:
        old.payload, old.created_at, old.request = record.payload, record.created_at, record.request
    await session.commit()
    return old or record


async def set_feedback(
    session: AsyncSession, suggestion_id: str, feedback: str
) -> SynergySuggestionRecord | AskSuggestionRecord | None:
    """Record the owner's feedback on a stored suggestion (a synergy's `syn-` id or an ask's `ask-` id);
    None when there is no such suggestion."""
    record: SynergySuggestionRecord | AskSuggestionRecord | None
    if suggestion_id.startswith("ask-"):
        record = await session.get(AskSuggestionRecord, suggestion_id)
    else:
        record = await session.get(SynergySuggestionRecord, suggestion_id)
    if record is None:
        return None
    record.feedback = feedback
    record.feedback_at = datetime.now(UTC)
    await session.commit()
    return record
