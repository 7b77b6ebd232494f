"""The training-run table both services keep: one column set, one typed store, and the upgrade of older tables.

Each service maps `TrainingRunColumns` onto its own table (`home_type_training_runs` in ai-automation,
`training_runs` in device-intelligence); the rows mean the same thing in both:

- `status`: `running`, then `promoted` (a new version now serves), `registered` (a new version was
  registered, production kept), `kept` (nothing trained: production is current for this data) or `failed`.
- `decision`: what happened to production: `promoted`, `kept` or `failed` (NULL while running).
- `reason`: why, in words (the promotion rule that decided, or what failed).

Tables are created with `create_all`, which never alters an existing table, so `upgrade_run_table`
(run at start-up by `open_run_table`) adds what an older version's table lacks: ai-automation's table had
no `decision` and no `options`; device-intelligence's had no `task` and no `reason`, and its `decision`
column held the reason's words, which move to `reason` while `decision` is derived from status and promoted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, cast, get_args

from sqlalchemy import JSON, Boolean, Integer, String, Table, Text, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from homeiq_shared.contracts.training import TrainingRunView
from homeiq_shared.storage import UtcDateTime, add_missing_columns, as_utc

RunTrigger = Literal["api", "nightly", "cli"]
RunStatus = Literal["running", "promoted", "registered", "kept", "failed"]
FinishedStatus = Literal["promoted", "registered", "kept", "failed"]
Decision = Literal["promoted", "kept", "failed"]

_DECISIONS: dict[str, Decision] = {
    "promoted": "promoted",
    "registered": "kept",
    "kept": "kept",
    "failed": "failed",
}


def decision_of(status: str) -> Decision | None:
    """The production decision a finished status stands for (None while running or for an unknown status)."""
    return _DECISIONS.get(status)


class TrainingRunColumns:
    """The columns of a training-run table (a mixin: each service names its own table)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trigger: Mapped[str] = mapped_column(String(16))
    task: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


def _now() -> datetime:
    return datetime.now(UTC)


def error_text(exc: BaseException) -> str:
    """How a run records the exception that ended it."""
    return f"{type(exc).__name__}: {exc}"


class RunTable:
    """Start, finish and read the runs of one `TrainingRunColumns` table through a session."""

    def __init__(self, session: AsyncSession, table: type[TrainingRunColumns]) -> None:
        self.session = session
        self.table = table

    async def start(self, *, trigger: RunTrigger, task: str, options: Mapping[str, Any] | None = None) -> int:
        """Record that a run started (status `running`); return its id."""
        run = self.table()
        run.trigger, run.task, run.started_at, run.status = trigger, task, _now(), "running"
        run.promoted, run.options = False, dict(options or {})
        self.session.add(run)
        await self.session.commit()
        return run.id

    async def finish(
        self,
        run_id: int,
        *,
        status: FinishedStatus,
        reason: str | None,
        version: str | None = None,
        promoted: bool = False,
        summary: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Record how a run ended; `decision` follows from `status`."""
        if status not in get_args(FinishedStatus):
            raise ValueError(f"not a finished run status: {status!r}")
        run = await self.session.get(self.table, run_id)
        if run is None:
            raise LookupError(f"no training run {run_id}")
        run.finished_at, run.status, run.decision = _now(), status, decision_of(status)
        run.reason, run.version, run.promoted = reason, version, promoted
        run.summary = None if summary is None else dict(summary)
        run.error = error
        await self.session.commit()

    async def record_failure(
        self, *, trigger: RunTrigger, task: str, exc: BaseException, options: Mapping[str, Any] | None = None
    ) -> int:
        """Record a run that failed before training started (no data, a full disk); return its id."""
        run_id = await self.start(trigger=trigger, task=task, options=options)
        await self.finish(run_id, status="failed", reason=error_text(exc), error=error_text(exc))
        return run_id

    async def latest(self, task: str | None = None) -> TrainingRunColumns | None:
        """The most recent run (of `task` when given), or None."""
        query = select(self.table).order_by(self.table.id.desc()).limit(1)
        if task is not None:
            query = query.where(self.table.task == task)
        return cast("TrainingRunColumns | None", await self.session.scalar(query))


def _upgrade(conn: Connection, table: Table) -> list[str]:
    """Add the columns an older table lacks, then give old rows the values they mean; return the added names."""
    missing = add_missing_columns(conn, table)
    present = {c.name for c in table.columns} - set(missing)
    preparer = conn.dialect.identifier_preparer
    if "reason" in missing and "decision" in present:
        # The previous device-intelligence table kept the reason's words in `decision`.
        conn.execute(text(f"UPDATE {preparer.quote(table.name)} SET reason = decision"))
    if "reason" in missing or "decision" in missing:
        conn.execute(
            text(
                f"UPDATE {preparer.quote(table.name)} SET decision = CASE "
                "WHEN status = 'running' THEN NULL "
                "WHEN promoted THEN 'promoted' "
                "WHEN status = 'failed' THEN 'failed' "
                "ELSE 'kept' END"
            )
        )
    return missing


async def upgrade_run_table(session: AsyncSession, table: type[TrainingRunColumns]) -> list[str]:
    """Bring a table made by an older version to the current columns (idempotent); return the columns added."""
    mapped = inspect(table).local_table
    conn = await session.connection()
    added = await conn.run_sync(_upgrade, mapped)
    await session.commit()
    return added


async def open_run_table(session: AsyncSession, table: type[TrainingRunColumns], error: str) -> int:
    """At start-up: upgrade an older table, then mark runs a stop left `running` failed; return how many."""
    await upgrade_run_table(session, table)
    result = await session.execute(
        update(table)
        .where(table.status == "running")
        .values(status="failed", decision="failed", reason=error, error=error, finished_at=_now())
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def run_view(run: TrainingRunColumns | None) -> TrainingRunView | None:
    """A stored run as `/train/status` shows it; the figures come from the summary the run recorded."""
    if run is None:
        return None
    summary = run.summary or {}
    started = as_utc(run.started_at)
    assert started is not None
    return TrainingRunView(
        id=run.id,
        trigger=run.trigger,
        task=run.task,
        started_at=started,
        finished_at=as_utc(run.finished_at),
        status=run.status,
        decision=decision_of(run.status) if run.decision is None else cast("Decision", run.decision),
        reason=run.reason,
        version=run.version,
        promoted=bool(run.promoted),
        challenger_version=summary.get("challenger_version", run.version),
        champion_version=summary.get("champion_version"),
        gates=summary.get("gates"),
        metrics=summary.get("metrics"),
        data=summary.get("data"),
        housekeeping=summary.get("housekeeping"),
        options=run.options,
        error=run.error,
        mode=summary.get("mode"),
        unlabelled_homes=summary.get("unlabelled_homes"),
    )
