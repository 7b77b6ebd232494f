"""Settings base shared by both services (each service subclasses it with its own env prefix)."""

from __future__ import annotations

from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def log_level_name(value: str) -> str:
    """A logging level name in upper case; a `ValueError` names an unknown one."""
    level = value.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError(f"unknown log level {value!r}")
    return level


class ServiceSettings(BaseSettings):
    """Fields every HomeIQ service has; read through each service's cached `get_settings()`."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", validate_default=True, populate_by_name=True
    )

    host: str = Field("127.0.0.1", description="Interface to bind")
    port: int = Field(8000, ge=1, le=65535, description="Port to listen on")
    data_dir: Path = Field(Path("data"), description="Folder for the database and datasets")
    models_dir: Path = Field(Path("models"), description="Model registry root")
    database_url: str | None = Field(
        None, description="SQLAlchemy async URL; default: SQLite file in data_dir"
    )
    sqlite_busy_timeout_ms: int = Field(
        5000,
        ge=0,
        le=600_000,
        description="Milliseconds a SQLite write waits for another writer before answering 503",
    )
    api_key: SecretStr | None = Field(
        None, description="When set, mutating endpoints need header X-HomeIQ-API-Key (or a Bearer token)"
    )
    allow_remote_without_key: bool = Field(
        False,
        description="Accept mutating calls without an API key even when bound beyond loopback (unsafe opt-out)",
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1_024, description="Largest request body of a JSON control call (bytes; larger: 413)"
    )
    max_bulk_body_bytes: int = Field(
        67_108_864,
        ge=1_024,
        description="Largest body of a bulk route (HA events and snapshots, predict batches; bytes; larger: 413)",
    )
    keep_free_disk_mb: int = Field(
        1_024,
        ge=0,
        description="Disk (MiB) a request must leave free in the data folder (else 507 before work)",
    )
    memory_fraction: float = Field(
        0.8,
        gt=0,
        le=1,
        description="Share of the available memory one request may be estimated to use (else 507)",
    )
    path_roots: list[Path] = Field(
        default_factory=list,
        description="Server folders besides data_dir that config_dir and dataset_path may name (JSON list)",
    )
    log_level: str = Field("INFO", description="Logging level")
    timezone: str = Field("UTC", description="Local time zone for schedules (IANA name)")
    # One Home Assistant serves both services, so these two are read without the service's prefix.
    ha_url: str | None = Field(
        None,
        validation_alias=AliasChoices("HA_URL", "ha_url"),
        description="Live Home Assistant to pull history from (e.g. http://homeassistant.local:8123); off when empty",
    )
    ha_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("HA_TOKEN", "ha_token"), description="HA long-lived access token"
    )
    ha_pull_minutes: int = Field(15, ge=1, le=1440, description="Minutes between live HA history pulls")

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return log_level_name(value)

    def database_file_name(self) -> str:
        """File name of the default SQLite database (overridden per service)."""
        return "homeiq.db"

    def resolved_database_url(self) -> str:
        """The async database URL to use: the configured one or a SQLite file in `data_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / self.database_file_name()).resolve()}"


class NightlySettings(ServiceSettings):
    """Fields of a service that retrains on a nightly schedule (each service sets its own default schedule)."""

    training_enabled: bool = Field(True, description="Run the nightly retraining on its schedule")
    training_schedule: str = Field(
        "0 3 * * *", description="Crontab line of the nightly retraining (in `timezone`)"
    )
    keep_model_versions: int = Field(
        10, ge=1, description="Registry versions kept per model (pruned nightly)"
    )
    alias_history_limit: int = Field(
        200,
        ge=1,
        description="Alias switches kept per model in aliases.json; older ones move to aliases_history.jsonl",
    )
    event_retention_days: int = Field(
        90, ge=1, description="Days of raw HA events kept (purged by the nightly run)"
    )

    @field_validator("training_schedule")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"training_schedule {value!r} is not a crontab line: {exc}") from exc
        return value
