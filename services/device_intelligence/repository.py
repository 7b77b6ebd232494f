"""Database access of device-intelligence (routers call these, never the session directly)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from device_intelligence.tables import ConfirmedFailure, TelemetryReading, TrainingRun
from device_intelligence.telemetry import METRIC_NAMES, TelemetryDataset
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.run_table import RunTable, decision_of, open_run_table, upgrade_run_table
from homeiq_shared.storage import as_utc

EPOCH = date(1970, 1, 1)
History = tuple[np.ndarray, np.ndarray]  # (day numbers since EPOCH, daily values rows x METRIC_NAMES)


def day_number(ts: datetime) -> int:
    """UTC day number since 1970-01-01 (the day axis of stored telemetry)."""
    return (ts.astimezone(UTC).date() - EPOCH).days


async def count_readings(session: AsyncSession) -> int:
    """Number of stored telemetry readings."""
    return int(await session.scalar(select(func.count()).select_from(TelemetryReading)) or 0)


async def insert_readings(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Store readings in one transaction, skipping (device_id, timestamp) pairs already stored."""
    if not rows:
        return 0, 0
    before = await count_readings(session)
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(TelemetryReading).on_conflict_do_nothing(index_elements=["device_id", "timestamp"])
    await session.execute(statement, [dict(r) for r in rows])
    await session.commit()
    stored = await count_readings(session) - before
    return stored, len(rows) - stored


async def add_failure(
    session: AsyncSession, device_id: str, failed_at: datetime, kind: str, notes: str | None
) -> tuple[ConfirmedFailure, bool]:
    """Record a confirmed failure; the same (device, time) twice returns the first record unchanged."""
    existing = await session.scalar(
        select(ConfirmedFailure).where(
            ConfirmedFailure.device_id == device_id, ConfirmedFailure.failed_at == failed_at
        )
    )
    if existing is not None:
        return existing, False
    record = ConfirmedFailure(
        device_id=device_id, failed_at=failed_at, kind=kind, notes=notes, recorded_at=datetime.now(UTC)
    )
    session.add(record)
    await session.commit()
    return record, True


def _daily(rows: Iterable[Sequence[Any]]) -> dict[str, History]:
    """Group (device_id, timestamp, *metrics) rows into per-device daily means (NaN = not reported)."""
    per: dict[str, dict[int, list[list[float]]]] = {}
    for device_id, ts, *vals in rows:
        ts = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
        per.setdefault(device_id, {}).setdefault(day_number(ts), []).append(
            [np.nan if v is None else float(v) for v in vals]
        )
    out: dict[str, History] = {}
    for device_id, days in per.items():
        keys = sorted(days)
        with warnings.catch_warnings():  # an all-NaN column of a day is expected: it stays NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            values = np.array([np.nanmean(np.array(days[k]), axis=0) for k in keys], dtype=np.float64)
        out[device_id] = (np.array(keys, dtype=np.int64), values.reshape(len(keys), len(METRIC_NAMES)))
    return out


_COLUMNS = [TelemetryReading.device_id, TelemetryReading.timestamp] + [
    getattr(TelemetryReading, m) for m in METRIC_NAMES
]


async def history(
    session: AsyncSession, device_ids: Sequence[str], days: int, now: datetime
) -> dict[str, History]:
    """Daily history of the last `days` days for each of `device_ids` that has any stored reading."""
    since = now - timedelta(days=days)
    out: dict[str, History] = {}
    unique = sorted(set(device_ids))
    for lo in range(0, len(unique), 500):
        chunk = unique[lo : lo + 500]
        result = await session.execute(
            select(*_COLUMNS).where(
                TelemetryReading.device_id.in_(chunk), TelemetryReading.timestamp >= since
            )
        )
        out.update(_daily(result.all()))
    return out


async def load_dataset(session: AsyncSession) -> tuple[TelemetryDataset | None, dict[str, Any]]:
    """All stored telemetry and confirmed failures as a training dataset, with counts explaining it."""
    result = await session.execute(select(*_COLUMNS))
    daily = _daily(result.all())
    failures = (await session.execute(select(ConfirmedFailure))).scalars().all()
    stats = {"devices": len(daily), "confirmed_failures": len(failures)}
    if not daily:
        return None, stats
    first_day = min(int(d.min()) for d, _ in daily.values())
    ids = np.array(sorted(daily))
    fday = np.full(ids.size, -1, dtype=np.int64)
    kind = np.full(ids.size, "", dtype=object)
    index = {d: i for i, d in enumerate(ids)}
    for f in failures:
        i = index.get(f.device_id)
        if i is None:
            continue
        day = day_number(f.failed_at if f.failed_at.tzinfo else f.failed_at.replace(tzinfo=UTC)) - first_day
        if fday[i] < 0 or day < fday[i]:  # the first confirmed failure is the one to predict
            fday[i], kind[i] = day, f.kind
    devs, days_, vals = [], [], []
    for i, device_id in enumerate(ids):
        d, v = daily[str(device_id)]
        keep = (d - first_day < fday[i]) if fday[i] >= 0 else np.ones(d.size, dtype=bool)
        devs.append(np.full(int(keep.sum()), i, dtype=np.int64))
        days_.append(d[keep] - first_day)
        vals.append(v[keep])
    stats["failures_with_history"] = int(sum(1 for i in range(ids.size) if fday[i] > 0))
    dataset = TelemetryDataset(
        device_ids=ids,
        category=np.full(ids.size, "unknown"),
        power=np.full(ids.size, "unknown"),
        protocol=np.full(ids.size, "unknown"),
        failure_day=fday,
        failure_kind=np.array([str(k) for k in kind]),
        episode_start=np.full(ids.size, -1, dtype=np.int64),
        row_device=np.concatenate(devs),
        row_day=np.concatenate(days_).astype(np.int64),
        values=np.vstack(vals),
        start_date=EPOCH + timedelta(days=first_day),
        info={"source": "stored", "n_devices": int(ids.size)},
    )
    return dataset, stats


def runs(session: AsyncSession) -> RunTable:
    """The training-run table on `session` (start, finish, latest)."""
    return RunTable(session, TrainingRun)


async def latest_run(session: AsyncSession) -> TrainingRun | None:
    """The most recent training run, or None."""
    run = await runs(session).latest()
    assert run is None or isinstance(run, TrainingRun)
    return run


async def fail_interrupted(session: AsyncSession, registry: ModelRegistry | None = None) -> int:
    """At start-up: upgrade an older run table, settle runs a stop left `running`; return how many.

    With the registry, a run whose pair was registered before the stop is recorded as what serves:
    `promoted` when its failure version is production, `registered` when production was kept; the
    others are marked failed.
    """
    if registry is not None:
        await upgrade_run_table(session, TrainingRun)
        await _settle_interrupted(session, registry)
    return await open_run_table(session, TrainingRun, "interrupted: the service stopped during the run")


async def _settle_interrupted(session: AsyncSession, registry: ModelRegistry) -> None:
    """Runs left `running` that registered a failure version before the stop: record what serves.

    A run's versions are the failure versions with its trigger registered since it started (runs of
    one service never overlap: they hold the training lock).
    """
    from device_intelligence.failure.model import MODEL_NAME

    interrupted = (await session.scalars(select(TrainingRun).where(TrainingRun.status == "running"))).all()
    if not interrupted:
        return
    versions = registry.versions(MODEL_NAME)
    production = registry.aliases(MODEL_NAME).get("production")
    for run in interrupted:
        started = as_utc(run.started_at)
        mine = [
            v for v in versions
            if v.metadata.get("trigger") == run.trigger
            and started is not None and datetime.fromisoformat(v.created_at) >= started
        ]  # fmt: skip
        if not mine:
            continue
        serving = next((v for v in mine if v.version == production), None)
        version = (serving or mine[-1]).version
        what = f"promoted {version}, which serves" if serving else f"registered {version}; production kept"
        run.finished_at = datetime.now(UTC)
        run.status = "promoted" if serving else "registered"
        run.decision = decision_of(run.status)
        run.promoted = serving is not None
        run.version = version
        run.reason = run.error = f"interrupted: the service stopped after the run {what}"
    await session.commit()


async def purge_readings(session: AsyncSession, days: int, now: datetime) -> int:
    """Delete telemetry readings older than `days`; return how many went."""
    result = await session.execute(
        delete(TelemetryReading).where(TelemetryReading.timestamp < now - timedelta(days=days))
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def count_failures(session: AsyncSession) -> int:
    """Number of recorded confirmed failures."""
    return int(await session.scalar(select(func.count()).select_from(ConfirmedFailure)) or 0)


async def devices_seen_since(session: AsyncSession, since: datetime, limit: int) -> dict[str, datetime]:
    """Devices with a reading at or after `since` and each one's latest reading time (at most `limit`)."""
    latest = func.max(TelemetryReading.timestamp)
    result = await session.execute(
        select(TelemetryReading.device_id, latest)
        .where(TelemetryReading.timestamp >= since)
        .group_by(TelemetryReading.device_id)
        .order_by(latest.desc(), TelemetryReading.device_id)
        .limit(limit)
    )
    return {device_id: as_utc(ts) or ts for device_id, ts in result.all()}
