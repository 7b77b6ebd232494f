"""ORM tables of the device-intelligence service: telemetry, failures, training runs, HA hourly partials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from homeiq_shared.run_table import TrainingRunColumns
from homeiq_shared.storage import Base, UtcDateTime


class TelemetryReading(Base):
    """One health reading of a device (NULL = metric not reported); unique on (device_id, timestamp)."""

    __tablename__ = "telemetry_readings"
    __table_args__ = (
        UniqueConstraint("device_id", "timestamp", name="uq_telemetry_device_time"),
        Index("ix_telemetry_time", "timestamp"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(128))
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)
    response_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    error_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    battery_level: Mapped[float | None] = mapped_column(Float, nullable=True)
    signal_strength: Mapped[float | None] = mapped_column(Float, nullable=True)
    usage_frequency: Mapped[float | None] = mapped_column(Float, nullable=True)
    temperature: Mapped[float | None] = mapped_column(Float, nullable=True)
    humidity: Mapped[float | None] = mapped_column(Float, nullable=True)
    uptime_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    restart_count: Mapped[float | None] = mapped_column(Float, nullable=True)
    connection_drops: Mapped[float | None] = mapped_column(Float, nullable=True)
    data_transfer_rate: Mapped[float | None] = mapped_column(Float, nullable=True)


class ConfirmedFailure(Base):
    """A failure an operator confirmed: the label retraining learns from."""

    __tablename__ = "confirmed_failures"
    __table_args__ = (UniqueConstraint("device_id", "failed_at", name="uq_failure_device_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(128), index=True)
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(64), default="confirmed")
    notes: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TrainingRun(TrainingRunColumns, Base):
    """One training run (API, nightly or CLI): `task` is the registry name trained; columns in `TrainingRunColumns`."""

    __tablename__ = "training_runs"


class HaHourlyPartial(Base):
    """Additive health figures of one device over one UTC hour, derived from stored HA events.

    Re-deriving a touched hour costs only that hour's events; a day's telemetry row is the merge of its hours.
    """

    __tablename__ = "ha_hourly_partials"
    __table_args__ = (UniqueConstraint("device_id", "hour_start", name="uq_partial_device_hour"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(128))
    hour_start: Mapped[int] = mapped_column(Integer)  # epoch seconds of the hour (UTC)
    changes: Mapped[int] = mapped_column(Integer)
    drops: Mapped[int] = mapped_column(Integer)
    returns: Mapped[int] = mapped_column(Integer)
    unavailable_seconds: Mapped[float] = mapped_column(Float)
    battery: Mapped[float | None] = mapped_column(Float, nullable=True)
    battery_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    signal_sum: Mapped[float] = mapped_column(Float)
    signal_n: Mapped[int] = mapped_column(Integer)
    temperature_sum: Mapped[float] = mapped_column(Float)
    temperature_n: Mapped[int] = mapped_column(Integer)
    humidity_sum: Mapped[float] = mapped_column(Float)
    humidity_n: Mapped[int] = mapped_column(Integer)
