"""Settings base shared by both services (each service subclasses it with its own env prefix)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Fields every HomeIQ service has; read through each service's cached `get_settings()`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", validate_default=True)

    host: str = Field("127.0.0.1", description="Interface to bind")
    port: int = Field(8000, ge=1, le=65535, description="Port to listen on")
    data_dir: Path = Field(Path("data"), description="Folder for the database and datasets")
    models_dir: Path = Field(Path("models"), description="Model registry root")
    database_url: str | None = Field(
        None, description="SQLAlchemy async URL; default: SQLite file in data_dir"
    )
    api_key: SecretStr | None = Field(
        None, description="When set, mutating endpoints need header X-HomeIQ-API-Key (or a Bearer token)"
    )
    log_level: str = Field("INFO", description="Logging level")
    timezone: str = Field("UTC", description="Local time zone for schedules (IANA name)")

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return level

    def database_file_name(self) -> str:
        """File name of the default SQLite database (overridden per service)."""
        return "homeiq.db"

    def resolved_database_url(self) -> str:
        """The async database URL to use: the configured one or a SQLite file in `data_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / self.database_file_name()).resolve()}"
