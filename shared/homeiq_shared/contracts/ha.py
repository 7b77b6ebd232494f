"""HTTP shapes of the `/api/ha/*` ingest answers both services give (`homeiq_shared.ha_api`)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class EventsAccepted(BaseModel):
    """`POST /api/ha/events`: how many events of the batch were new and how many were already stored."""

    received: int
    stored: int
    duplicates: int = Field(description="Events already stored (same home, entity, time and type)")
    home_id: str


class SnapshotStored(BaseModel):
    """`POST /api/ha/snapshot`: the snapshot stored as the home's latest."""

    home_id: str
    areas: int
    devices: int
    home_type: str | None = Field(description="The confirmed home type stored with it, if any")


class ImportReport(BaseModel):
    """`POST /api/ha/import`: what an import of an HA config folder found and stored."""

    home_id: str
    schema_version: int | None = Field(description="The recorder database's schema version")
    floors: int = Field(0, description="Floors in the floor registry")
    areas: int
    devices: int
    entities: int
    states: int
    events: int
    first: str | None = Field(description="Earliest imported time (UTC ISO-8601)")
    last: str | None
    stored_new: int
    skipped_malformed: int
    seconds: float
    warnings: list[str] = Field(
        default_factory=list, description="What the import noticed, e.g. a schema newer than the newest known"
    )


class HomeSummary(BaseModel):
    """One home with a stored snapshot."""

    home_id: str
    devices: int
    confirmed_home_type: str | None


class HaSummary(BaseModel):
    """`GET /api/ha/summary`: what has been accumulated."""

    events: int
    entities: int
    first: str | None = Field(description="Earliest stored event time (UTC ISO-8601)")
    last: str | None
    stored_events: int
    homes: list[HomeSummary]
