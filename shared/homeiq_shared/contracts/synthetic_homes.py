"""HTTP request and response shapes of ai-automation (Pydantic lives at the edge only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class GenerateRequest(BaseModel):
    """Body of `POST /api/synthetic-homes`: the generator CLI's options."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"count": 10, "days": 30, "seed": 42, "gzip": False}]}
    )

    count: int = Field(10, ge=1, le=10_000, description="Number of homes")
    days: int = Field(30, ge=1, le=366, description="Days of events per home")
    seed: int = Field(42, ge=0, le=2**32 - 1, description="Seed; same seed and options give identical files")
    start_date: date | None = Field(None, description="First day (UTC); default: the generator's fixed date")
    home_types: list[str] | None = Field(None, min_length=1, description="Restrict the type mix")
    disable_weather: bool = False
    disable_carbon: bool = False
    disable_pricing: bool = False
    disable_calendar: bool = False
    workers: int = Field(1, ge=1, le=8, description="Parallel worker processes")
    gzip: bool = Field(False, description="Write home files as .json.gz")


class DatasetInfo(BaseModel):
    """A generated dataset: its id, where it lives and its summary."""

    dataset_id: str
    created_at: datetime
    path: str
    homes: int
    events: int
    options: dict[str, Any]
    summary: dict[str, Any] | None = None


class HomeFiles(BaseModel):
    """`GET /api/synthetic-homes/{dataset_id}/homes`: the first home files of a dataset, as written."""

    dataset_id: str
    total_homes: int = Field(ge=0, description="Home files the dataset folder holds")
    homes: list[dict[str, Any]] = Field(
        description="The first `limit` home files (by name), each the whole document (areas, devices, events)"
    )
