"""ORM tables of the ai-automation service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from homeiq_shared.run_table import TrainingRunColumns
from homeiq_shared.storage import Base, UtcDateTime


class DatasetRecord(Base):
    """A synthetic dataset generated through the API (its files live in `datasets_dir/<dataset_id>`)."""

    __tablename__ = "synthetic_datasets"

    dataset_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    homes: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(1024))


class TrainingRunRecord(TrainingRunColumns, Base):
    """One home-type training run (API, nightly or CLI): `task` is the home-type task; columns in `TrainingRunColumns`."""

    __tablename__ = "home_type_training_runs"


class SynergySuggestionRecord(Base):
    """A suggestion `POST /api/synergies/detect` returned, and the owner's feedback on it."""

    __tablename__ = "synergy_suggestions"

    suggestion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    home_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    feedback: Mapped[str | None] = mapped_column(String(16), nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AskSuggestionRecord(Base):
    """An automation `POST /api/automations/suggest` returned for a request in words, and the owner's
    feedback on it (the synergy feedback route takes its `ask-` id too)."""

    __tablename__ = "ask_suggestions"

    suggestion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    home_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    request: Mapped[str] = mapped_column(String(1000))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    feedback: Mapped[str | None] = mapped_column(String(16), nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
