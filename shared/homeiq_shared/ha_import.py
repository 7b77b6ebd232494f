"""Import a Home Assistant config folder: recorder database and registries into a service's storage.

The recorder database is read read-only in chunks (see `ha_recorder`), each chunk validated and
stored idempotently (a second import of the same folder adds nothing), and the registries become
the home's snapshot. Nothing in the HA folder is ever written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from homeiq_shared import ha_recorder
from homeiq_shared.ha_events import StoreRows, normalise_batch, store_events
from homeiq_shared.ha_registries import read_registries
from homeiq_shared.ha_snapshots import upsert_snapshot

logger = logging.getLogger(__name__)

RECORDER_FILE = "home-assistant_v2.db"


@dataclass
class ImportReport:
    """What an import found and stored."""

    home_id: str
    schema_version: int | None
    areas: int
    devices: int
    entities: int
    states: int
    events: int
    first: str | None
    last: str | None
    stored_new: int
    skipped_malformed: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON responses and CLI tables."""
        return asdict(self)


def _next_chunk(chunks: Iterator[list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
    return next(chunks, None)


async def import_config_dir(
    config_dir: Path,
    session: AsyncSession,
    home_id: str,
    *,
    chunk_size: int = 50_000,
    store_rows: StoreRows = store_events,
) -> ImportReport:
    """Import `config_dir` (recorder DB and/or `.storage` registries) into the session's database."""
    started = time.perf_counter()
    if not config_dir.is_dir():
        raise ha_recorder.RecorderError(f"{config_dir} is not a folder")
    snapshot = read_registries(config_dir)
    recorder_path = config_dir / RECORDER_FILE
    if not recorder_path.exists() and not snapshot.devices:
        raise ha_recorder.RecorderError(f"{config_dir} has neither {RECORDER_FILE} nor .storage registries")
    if snapshot.devices or snapshot.areas:
        await upsert_snapshot(session, home_id, snapshot.areas, snapshot.devices, source="import")
    summary = None
    stored = skipped = 0
    if recorder_path.exists():
        conn = await asyncio.to_thread(ha_recorder.open_readonly, recorder_path)
        try:
            summary = await asyncio.to_thread(ha_recorder.summarize, conn)
            for reader in (ha_recorder.iter_state_changed, ha_recorder.iter_events):
                chunks = reader(conn, chunk_size)
                while (chunk := await asyncio.to_thread(_next_chunk, chunks)) is not None:
                    rows, problems = normalise_batch(chunk, home_id)
                    # A recorder row HA accepted but we cannot use (e.g. an odd entity id) is skipped and
                    # counted rather than failing a whole import.
                    skipped += len(problems)
                    stored += await store_rows(session, rows)
        finally:
            conn.close()
    report = ImportReport(
        home_id=home_id,
        schema_version=summary.schema_version if summary else None,
        areas=snapshot.counts["areas"],
        devices=snapshot.counts["devices"],
        entities=snapshot.counts["entities"],
        states=summary.states if summary else 0,
        events=summary.events if summary else 0,
        first=summary.first.isoformat() if summary and summary.first else None,
        last=summary.last.isoformat() if summary and summary.last else None,
        stored_new=stored,
        skipped_malformed=skipped,
        seconds=round(time.perf_counter() - started, 3),
    )
    logger.info("imported %s: %s", config_dir, report)
    return report


async def import_into_database(
    database_url: str,
    config_dir: Path,
    home_id: str,
    store_factory: Callable[[], StoreRows] | None = None,
) -> ImportReport:
    """Import `config_dir` straight into a service's database (seeding a fresh install without HTTP).

    `store_factory` builds the service's own way of storing a batch (device-intelligence derives
    its telemetry in the same transaction), as the service does for `/api/ha/import`.
    """
    from homeiq_shared.storage import create_tables, make_engine, make_sessionmaker

    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        sessions = make_sessionmaker(engine)
        store_rows = store_factory() if store_factory is not None else store_events
        async with sessions() as session:
            return await import_config_dir(config_dir, session, home_id, store_rows=store_rows)
    finally:
        await engine.dispose()
