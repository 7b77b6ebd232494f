"""Settings of the ai-automation service (env prefix `AI_AUTOMATION_`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from homeiq_shared.home_types import TASKS
from homeiq_shared.settings import NightlySettings


class AiAutomationSettings(NightlySettings):
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

    training_enabled: bool = Field(True, description="Run the nightly home-type retraining on its schedule")
    training_schedule: str = Field(
        "0 3 * * *", description="Crontab line of the nightly retraining (in `timezone`)"
    )
    nightly_tasks: str = Field(
        "full",
        description="Comma-separated home-type tasks the nightly run retrains, in order (full, binary)",
    )
    promotion_tolerance: float = Field(
        0.01,
        ge=0.0,
        le=1.0,
        description="A challenger may trail production by this much macro-F1 (same held-out homes) and be promoted",
    )
    nightly_synthetic_homes: int = Field(
        200, ge=10, le=10_000, description="Homes generated for the nightly run when no dataset exists yet"
    )
    nightly_days: int = Field(14, ge=1, le=365, description="Days of those generated homes")
    nightly_seed: int = Field(42, ge=0, description="Seed of the nightly generation and train/test split")
    synergy_calibration_dir: Path | None = Field(
        None,
        description="Optional: a folder of real-ha-homes calibration installs (`homes/*.json`); when set, the "
        "nightly synergy re-ranker must also keep its cold-start hit@10 and MRR on them above the rule table",
    )

    @field_validator("synergy_calibration_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("nightly_tasks")
    @classmethod
    def _valid_tasks(cls, value: str) -> str:
        tasks = [t.strip() for t in value.split(",") if t.strip()]
        unknown = [t for t in tasks if t not in TASKS]
        if not tasks or unknown:
            raise ValueError(f"nightly_tasks {value!r}: use a comma list of {', '.join(TASKS)}")
        return ",".join(dict.fromkeys(tasks))

    @property
    def nightly_task_list(self) -> list[str]:
        """The tasks of `nightly_tasks`, in order."""
        return self.nightly_tasks.split(",")

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
