"""Settings of the device-intelligence service (env prefix `DEVICE_INTELLIGENCE_`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from homeiq_shared.settings import ServiceSettings


class DeviceIntelligenceSettings(ServiceSettings):
    """Configuration of the device-intelligence service; every field is listed in `.env.example`."""

    model_config = SettingsConfigDict(env_prefix="DEVICE_INTELLIGENCE_", env_file=".env", extra="ignore")

    port: int = Field(default=8019, ge=1, le=65535, description="Port to listen on")
    data_dir: Path = Field(
        default=Path("data/device_intelligence"), description="Folder of the telemetry database"
    )
    models_dir: Path = Field(default=Path("models"), description="Model registry root")
    keep_model_versions: int = Field(default=10, ge=1, description="Registry versions kept per model (prune)")
    min_stored_devices: int = Field(
        default=20,
        ge=2,
        description="Stored telemetry is used for training (source=auto) from this many devices on",
    )

    def database_file_name(self) -> str:
        """SQLite file name inside `data_dir`."""
        return "device_intelligence.db"


@lru_cache
def get_settings() -> DeviceIntelligenceSettings:
    """Settings read once from the environment and `.env` (tests override this dependency)."""
    return DeviceIntelligenceSettings()
