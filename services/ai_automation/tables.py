"""ORM tables of the ai-automation service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from homeiq_shared.storage import Base


class DatasetRecord(Base):
    """A synthetic dataset generated through the API (its files live in `datasets_dir/<dataset_id>`)."""

    __tablename__ = "synthetic_datasets"

    dataset_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    homes: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(1024))


class TrainingRunRecord(Base):
    """One home-type training run (API or nightly) with its champion/challenger decision."""

    __tablename__ = "home_type_training_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trigger: Mapped[str] = mapped_column(String(16))
    task: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
