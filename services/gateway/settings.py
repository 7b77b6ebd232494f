"""Settings of the gateway pipeline (env prefix `GATEWAY_`, also read from `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from homeiq_shared import quality_gates
from homeiq_shared.settings import log_level_name

# The original pipeline's thresholds (DESIGN.md), from the one place both services take them too.
HOME_TYPE_THRESHOLDS: dict[str, float] = dict(quality_gates.HOME_TYPE_THRESHOLDS)
DEVICE_THRESHOLDS: dict[str, float] = dict(quality_gates.DEVICE_INTELLIGENCE_THRESHOLDS)


class GatewaySettings(BaseSettings):
    """Configuration of the gateway; every field is listed in `.env.example`."""

    # Empty values (GATEWAY_AI_URL= in .env, ${VAR:-} in compose) mean "use the default".
    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    ai_url: AnyHttpUrl | None = Field(
        default=None, description="ai-automation base URL; unset: use a local one on :8018 or start one"
    )
    device_url: AnyHttpUrl | None = Field(
        default=None, description="device-intelligence base URL; unset: use a local one on :8019 or start one"
    )
    ai_api_key: SecretStr | None = Field(default=None, description="X-HomeIQ-API-Key sent to ai-automation")
    device_api_key: SecretStr | None = Field(
        default=None, description="X-HomeIQ-API-Key sent to device-intelligence"
    )
    output_dir: Path = Field(default=Path("reports"), description="Where the report, HTML and manifest go")
    runs_dir: Path = Field(default=Path("runs"), description="Per-run folders of locally started services")
    homes: int = Field(default=200, ge=1, le=10_000, description="Synthetic homes to generate")
    days: int = Field(default=14, ge=1, le=366, description="Days of events per home")
    devices: int = Field(
        default=1000, ge=10, le=100_000, description="Synthetic devices for failure training"
    )
    device_days: int = Field(default=180, ge=30, le=730, description="Days of telemetry per synthetic device")
    seed: int = Field(default=42, ge=0, le=2**32 - 1, description="Seed of every generated dataset and split")
    test_size: float = Field(
        default=0.2, gt=0.0, lt=1.0, description="Held-out share of homes for home-type training"
    )
    startup_timeout_s: float = Field(
        default=60.0, gt=0, description="Deadline for a started service's /health"
    )
    request_timeout_s: float = Field(
        default=600.0, gt=0, description="Deadline of one HTTP call (training is slow)"
    )
    connect_timeout_s: float = Field(default=5.0, gt=0, description="TCP connect deadline of one HTTP call")
    min_free_disk_mb: int = Field(default=500, ge=0, description="Pre-flight fails below this much free disk")
    home_type_thresholds: dict[str, float] = Field(
        default_factory=lambda: dict(HOME_TYPE_THRESHOLDS),
        description="Gate on the binary home-type task (JSON object metric -> minimum)",
    )
    device_thresholds: dict[str, float] = Field(
        default_factory=lambda: dict(DEVICE_THRESHOLDS),
        description="Gate on the failure model (JSON object metric -> minimum)",
    )
    promote: bool = Field(
        default=False,
        description="Against running services, promote the trained models when their gates pass (services "
        "the pipeline starts itself always may)",
    )
    log_level: str = Field(default="WARNING", description="Logging level of the gateway")

    @field_validator("home_type_thresholds", "device_thresholds")
    @classmethod
    def _thresholds_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for metric, minimum in value.items():
            if not 0.0 <= minimum <= 1.0:
                raise ValueError(f"threshold for {metric} must be in [0, 1], got {minimum}")
        return value

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return log_level_name(value)


@lru_cache
def get_settings() -> GatewaySettings:
    """Settings read once from the environment and `.env` (tests build their own)."""
    return GatewaySettings()
