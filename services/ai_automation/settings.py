"""Settings of the ai-automation service (env prefix `AI_AUTOMATION_`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from homeiq_shared.settings import ServiceSettings


class AiAutomationSettings(ServiceSettings):
    """Configuration of the ai-automation service; every field is listed in `.env.example`."""

    model_config = SettingsConfigDict(env_prefix="AI_AUTOMATION_", env_file=".env", extra="ignore")

    port: int = Field(8018, ge=1, le=65535, description="Port to listen on")
    data_dir: Path = Field(Path("data/ai_automation"), description="Database and generated datasets")
    models_dir: Path = Field(Path("models"), description="Model registry root")
    max_generate_events: int = Field(
        50_000_000, ge=1, description="Refuse a /api/synthetic-homes request estimated above this many events"
    )
    home_type_cv_repeats: int = Field(
        3,
        ge=1,
        le=10,
        description="Repeats of the grouped 5-fold cross-validation when training the home-type model",
    )

    def database_file_name(self) -> str:
        """SQLite file name inside `data_dir`."""
        return "ai_automation.db"

    @property
    def datasets_dir(self) -> Path:
        """Folder holding one sub-folder per generated dataset."""
        return self.data_dir / "datasets"


@lru_cache
def get_settings() -> AiAutomationSettings:
    """Settings read once from the environment and `.env` (tests override this dependency)."""
    return AiAutomationSettings()
