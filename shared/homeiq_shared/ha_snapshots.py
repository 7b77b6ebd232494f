"""Home snapshots from Home Assistant: areas, devices and entities, with a home type the user confirmed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from homeiq_shared.storage import Base, UtcDateTime


class HomeSnapshotRow(Base):
    """The latest known composition of one real home (replaced by each new snapshot)."""

    __tablename__ = "ha_home_snapshots"

    home_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    areas: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    devices: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    confirmed_home_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


async def upsert_snapshot(
    session: AsyncSession,
    home_id: str,
    areas: list[dict[str, Any]],
    devices: list[dict[str, Any]],
    *,
    confirmed_home_type: str | None = None,
    timezone: str | None = None,
    source: str = "api",
) -> HomeSnapshotRow:
    """Store the snapshot of `home_id`, keeping an earlier confirmed type when this one has none."""
    row = await session.get(HomeSnapshotRow, home_id)
    if row is None:
        row = HomeSnapshotRow(home_id=home_id)
        session.add(row)
    row.areas = areas
    row.devices = devices
    row.confirmed_home_type = confirmed_home_type or row.confirmed_home_type
    row.timezone = timezone or row.timezone
    row.source = source
    row.updated_at = datetime.now(UTC)
    await session.commit()
    return row


async def list_snapshots(session: AsyncSession) -> Sequence[HomeSnapshotRow]:
    """Every stored home snapshot."""
    return (await session.scalars(select(HomeSnapshotRow).order_by(HomeSnapshotRow.home_id))).all()
