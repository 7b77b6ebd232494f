"""Settings of the device-intelligence service (env prefix `DEVICE_INTELLIGENCE_`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from homeiq_shared.settings import NightlySettings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DeviceIntelligenceSettings(NightlySettings):
    """Configuration of the device-intelligence service; every field is listed in `.env.example`."""

    model_config = SettingsConfigDict(env_prefix="DEVICE_INTELLIGENCE_", env_file=".env", extra="ignore")

    port: int = Field(default=8019, ge=1, le=65535, description="Port to listen on")
    data_dir: Path = Field(
        default=Path("data/device_intelligence"), description="Folder of the telemetry database"
    )
    models_dir: Path = Field(default=Path("models"), description="Model registry root")
    min_stored_devices: int = Field(
        default=20,
        ge=2,
        description="Stored telemetry is used for training (source=auto) from this many devices on",
    )
    training_schedule: str = Field(
        default="0 2 * * *", description="Crontab line of the nightly retraining (in `timezone`)"
    )
    full_retrain_weekday: str = Field(
        default="sun", description="Night of the weekly full retrain (mon..sun); other nights are incremental"
    )
    promotion_tolerance: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="A challenger may trail production by this much PR-AUC (same test rows) and be promoted",
    )
    nightly_synthetic_devices: int = Field(
        default=1000,
        ge=20,
        le=20_000,
        description="Fleet size of the nightly run; synthetic fills what real lacks",
    )
    nightly_days: int = Field(
        default=180, ge=30, le=1_000, description="Days simulated for the synthetic part"
    )
    nightly_seed: int = Field(
        default=42, ge=0, description="Base seed of the nightly run (plus the run's day number, recorded)"
    )
    telemetry_retention_days: int = Field(
        default=730, ge=1, description="Days of daily telemetry kept (derived aggregates outlive raw events)"
    )

    @field_validator("full_retrain_weekday")
    @classmethod
    def _valid_weekday(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in WEEKDAYS:
            raise ValueError(f"full_retrain_weekday {value!r} is not one of {', '.join(WEEKDAYS)}")
        return day

    def database_file_name(self) -> str:
        """SQLite file name inside `data_dir`."""
        return "device_intelligence.db"


@lru_cache
def get_settings() -> DeviceIntelligenceSettings:
    """Settings read once from the environment and `.env` (tests override this dependency)."""
    return DeviceIntelligenceSettings()
