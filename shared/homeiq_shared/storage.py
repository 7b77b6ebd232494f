"""SQLAlchemy async storage: engine creation, the declarative base and a real health probe."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Dialect, Table, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)


class Base(DeclarativeBase):
    """Declarative base for both services' ORM tables (each service has its own database)."""


class UtcDateTime(TypeDecorator[datetime]):
    """A time stored as UTC and read back timezone-aware UTC on every database.

    SQLite's DATETIME keeps no offset: `08:00+02:00` written as is would come back as 08:00 (UTC),
    two hours off. Aware times are converted to UTC before they are written; a naive time is taken
    as UTC (the services' own clocks are aware UTC; the HTTP edge refuses naive times).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a batch write or a training run holds the writer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long a SQLite statement waits for another connection's write lock before "database is locked"
(which the problem handlers answer as a 503 with `Retry-After`)."""


def _sqlite_busy_timeout(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    """A connect listener setting the busy timeout; installed first, as the other pragmas may wait too."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> AsyncEngine:
    """Create the async engine; for SQLite make sure the folder exists, enable WAL and wait up to
    `busy_timeout_ms` for another connection's write lock."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, pool_pre_ping=True)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _sqlite_busy_timeout(busy_timeout_ms), insert=True)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory bound to `engine` (objects stay usable after commit)."""
    return async_sessionmaker(engine, expire_on_commit=False)


ADDITIVE_UPGRADE = "additive_upgrade"
"""`__table_args__ = {"info": {ADDITIVE_UPGRADE: True}}`: `create_tables` adds the table's new columns and
indexes in place."""


def add_missing_columns(conn: Connection, table: Table) -> list[str]:
    """Give an existing table the columns a newer version declares; return the names added.

    `create_all` creates missing tables only; a database made by an older version keeps its tables as
    they were. A new column is added in place with its type only, so old rows read NULL: a table whose
    new column means something else for old rows rewrites them itself (as the training-run tables do).
    """
    inspector = inspect(conn)
    if not inspector.has_table(table.name):
        return []
    present = {c["name"] for c in inspector.get_columns(table.name)}
    missing = [column for column in table.columns if column.name not in present]
    quote = conn.dialect.identifier_preparer.quote
    for column in missing:
        kind = column.type.compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} {kind}"))
    return [column.name for column in missing]


def add_missing_indexes(conn: Connection, table: Table) -> list[str]:
    """Create the indexes a newer version declares on an existing table; return their names."""
    inspector = inspect(conn)
    if not inspector.has_table(table.name):
        return []
    present = {index["name"] for index in inspector.get_indexes(table.name)}
    missing = sorted(
        (index for index in table.indexes if index.name not in present), key=lambda i: str(i.name)
    )
    for index in missing:  # a big table takes a while: say so before, not only after
        logger.info("creating index %s on the existing table %s", index.name, table.name)
        index.create(conn, checkfirst=True)  # another process starting on the same database may be first
    return [str(index.name) for index in missing]


def _upgrade_flagged_tables(conn: Connection) -> list[str]:
    flagged = [table for table in Base.metadata.sorted_tables if table.info.get(ADDITIVE_UPGRADE)]
    return [f"{table.name}.{name}" for table in flagged for name in add_missing_columns(conn, table)] + [
        f"{table.name} index {name}" for table in flagged for name in add_missing_indexes(conn, table)
    ]


async def create_tables(engine: AsyncEngine) -> list[str]:
    """Create every table registered on `Base` that does not exist yet; upgrade the flagged ones in place.

    Returns the columns (`table.column`) and indexes (`table index name`) added to existing tables.
    Tables with an upgrade of their own (the training-run tables, which also rewrite old values) are not
    flagged.
    """
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        return await conn.run_sync(_upgrade_flagged_tables)


async def check_database(engine: AsyncEngine) -> dict[str, Any]:
    """Run a real query and report latency, or the error that stopped it."""
    started = time.perf_counter()
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def check_folder(path: Path) -> dict[str, Any]:
    """Check that a folder exists and is writable by writing and removing a probe file."""
    probe = path / ".health-probe"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return {"ok": False, "path": str(path), "error": str(exc)}
    return {"ok": True, "path": str(path)}


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time with its zone: SQLite hands times back without one; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
