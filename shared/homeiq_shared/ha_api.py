"""`/api/ha/*`: the Home Assistant ingestion endpoints both services mount.

The router reads what it needs from `app.state`, which both services' lifespans fill the same way:
`sessionmaker`, `settings` (for `api_key`), and optionally `ha_store_rows`, a service's own way of
storing a batch (`StoreRows`): device-intelligence stores the events and the telemetry it derives
from them in one transaction.
"""

from __future__ import annotations

from typing import Any, Self

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict
from sqlalchemy.ext.asyncio import AsyncSession

from homeiq_shared.app_state import ApiKeyDep, SessionDep
from homeiq_shared.contracts.ha import EventsAccepted, HaSummary, HomeSummary, ImportReport, SnapshotStored
from homeiq_shared.contracts.problems import problem_responses
from homeiq_shared.contracts.server_paths import ServerPath
from homeiq_shared.errors import InvalidInputError, NotFoundError
from homeiq_shared.ha_events import StoreRows, count_events, event_span, normalise_batch, store_events
from homeiq_shared.ha_import import import_config_dir
from homeiq_shared.ha_recorder import RecorderError
from homeiq_shared.ha_registries import RegistryError, area_kind, category_for
from homeiq_shared.ha_schema import MAX_ATTRIBUTES_BYTES, EntityId, PlainText
from homeiq_shared.ha_snapshots import HomeSnapshotRow, list_snapshots, upsert_snapshot
from homeiq_shared.home_types import HOME_TYPES
from homeiq_shared.request_guard import env_name
from homeiq_shared.security import confine_path
from homeiq_shared.settings import ServiceSettings

MAX_EVENTS_PER_BATCH = 50_000
HOME_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
BULK_PATHS = ("/api/ha/events", "/api/ha/snapshot")
"""Routes whose bodies may reach `max_bulk_body_bytes` (the others: `max_body_bytes`)."""


_EVENT_EXAMPLE: JsonDict = {
    "event_type": "state_changed",
    "time_fired": "2026-12-01T07:00:00+00:00",
    "data": {
        "entity_id": "light.kitchen",
        "old_state": {"entity_id": "light.kitchen", "state": "off"},
        "new_state": {
            "entity_id": "light.kitchen",
            "state": "on",
            "attributes": {"friendly_name": "Kitchen light"},
            "last_changed": "2026-12-01T07:00:00+00:00",
        },
    },
}


class EventBatch(BaseModel):
    """A batch of HA events as HA's event stream or websocket sends them."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"home_id": "default", "events": [_EVENT_EXAMPLE]}]}
    )

    home_id: str = Field("default", pattern=HOME_ID_PATTERN)
    events: list[dict[str, Any]] = Field(
        max_length=MAX_EVENTS_PER_BATCH,
        description=(
            f"At most {MAX_EVENTS_PER_BATCH} events; each state's attributes at most "
            f"{MAX_ATTRIBUTES_BYTES} bytes as JSON (HA's recorder limit); times timezone-aware "
            "ISO-8601 (or UNIX seconds) in 1970-2100"
        ),
    )


class AreaIn(BaseModel):
    """An area of a snapshot: HA area registry entry or home-file area."""

    model_config = ConfigDict(extra="allow")
    name: PlainText = Field(min_length=1, max_length=128)
    area_id: PlainText | None = Field(None, max_length=128)
    floor: PlainText | None = Field(None, max_length=128, description="The floor's name (HA floor registry)")
    floor_level: int | None = Field(
        None, ge=-100, le=500, description="The floor's level (0 ground, negative below ground)"
    )
    type: str | None = Field(None, pattern="^(indoor|outdoor)$")


class DeviceIn(BaseModel):
    """An entity of a snapshot: HA entity registry entry or home-file device record."""

    model_config = ConfigDict(extra="allow")
    entity_id: EntityId
    device_id: PlainText | None = Field(None, max_length=128)
    area: PlainText | None = Field(None, max_length=128)
    device_class: PlainText | None = Field(None, max_length=64)
    friendly_name: PlainText | None = Field(None, max_length=255)
    entity_category: PlainText | None = Field(
        None,
        max_length=32,
        description="HA's entity_category: `config` (a setting) or `diagnostic` (a reading about the device "
        "itself); automation suggestions rank such entities low. Other values are kept and read as none.",
    )


class SnapshotIn(BaseModel):
    """A home snapshot; `home_type` is set when the user confirmed what the home is."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "home_id": "default",
                    "areas": [{"name": "Kitchen"}],
                    "devices": [{"entity_id": "light.kitchen", "area": "Kitchen"}],
                    "timezone": "Europe/Berlin",
                }
            ]
        }
    )

    home_id: str = Field("default", pattern=HOME_ID_PATTERN)
    areas: list[AreaIn] = Field(default_factory=list, max_length=1_000)
    devices: list[DeviceIn] = Field(max_length=20_000)
    home_type: str | None = None
    timezone: PlainText | None = Field(None, max_length=64)


HALLWAY_SNAPSHOT: JsonDict = {
    "home_id": "default",
    "areas": [{"name": "Hallway"}],
    "devices": [
        {"entity_id": "binary_sensor.hall_motion", "device_class": "motion", "area": "Hallway"},
        {"entity_id": "light.hall", "area": "Hallway"},
    ],
}
"""The smallest home worth suggesting for (OpenAPI examples of the requests about one home)."""


class OneHomeIn(BaseModel):
    """A request about one home: a stored one (`home_id`) or a snapshot sent inline, exactly one."""

    home_id: str | None = Field(
        None, pattern=HOME_ID_PATTERN, description="A home stored by /api/ha/snapshot"
    )
    snapshot: SnapshotIn | None = Field(None, description="A body /api/ha/snapshot accepts")

    @model_validator(mode="after")
    def _one_home(self) -> Self:
        if (self.home_id is None) == (self.snapshot is None):
            raise ValueError("send exactly one of home_id (a stored home) and snapshot")
        return self


class ImportIn(BaseModel):
    """A server-side HA config folder to import."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"config_dir": "/config", "home_id": "default"}]}
    )

    config_dir: ServerPath
    home_id: str = Field("default", pattern=HOME_ID_PATTERN)


router = APIRouter(prefix="/api/ha", tags=["home assistant"])


def _store_rows(request: Request) -> StoreRows:
    """The service's way of storing a batch: `store_events`, or its own that also derives from it."""
    store: StoreRows = getattr(request.app.state, "ha_store_rows", store_events)
    return store


@router.post("/events", response_model=EventsAccepted, responses=problem_responses(401, 422))
async def ingest_events(
    batch: EventBatch, request: Request, session: SessionDep, _: ApiKeyDep
) -> EventsAccepted:
    """Store a batch of HA events; the whole batch is refused (nothing stored) when one is malformed."""
    rows, problems = normalise_batch(batch.events, batch.home_id)
    if problems:
        shown = "; ".join(f"events[{p.index}]: {p.reason}" for p in problems[:5])
        raise InvalidInputError(
            f"{len(problems)} of {len(batch.events)} events are malformed, nothing stored: {shown}",
            problems=[{"index": p.index, "reason": p.reason} for p in problems[:100]],
        )
    stored = await _store_rows(request)(session, rows)
    return EventsAccepted(
        received=len(rows), stored=stored, duplicates=len(rows) - stored, home_id=batch.home_id
    )


@router.post("/snapshot", response_model=SnapshotStored, responses=problem_responses(401, 422))
async def store_snapshot(snapshot: SnapshotIn, session: SessionDep, _: ApiKeyDep) -> SnapshotStored:
    """Store a home's areas and entities (and a confirmed home type) as its latest snapshot."""
    if snapshot.home_type is not None and snapshot.home_type not in HOME_TYPES:
        raise InvalidInputError(f"unknown home_type {snapshot.home_type!r}; known: {', '.join(HOME_TYPES)}")
    areas = [
        {
            **a.model_dump(exclude_none=True),
            "type": a.type or area_kind(a.name),
            "area_id": a.area_id or a.name,
        }
        for a in snapshot.areas
    ]
    devices = []
    for d in snapshot.devices:
        domain = d.entity_id.partition(".")[0]
        record = d.model_dump(exclude_none=True)
        record.setdefault("device_type", domain)
        record.setdefault("category", category_for(domain, d.device_class))
        devices.append(record)
    await upsert_snapshot(
        session,
        snapshot.home_id,
        areas,
        devices,
        confirmed_home_type=snapshot.home_type,
        timezone=snapshot.timezone,
    )
    return SnapshotStored(
        home_id=snapshot.home_id, areas=len(areas), devices=len(devices), home_type=snapshot.home_type
    )


@router.post("/import", response_model=ImportReport, responses=problem_responses(401, 403, 422))
async def import_folder(body: ImportIn, request: Request, session: SessionDep, _: ApiKeyDep) -> ImportReport:
    """Import a server-side HA config folder (recorder database and `.storage` registries).

    `config_dir` must lie inside the service's data folder or one of `path_roots` (symlinks
    resolved); anything else gets 403, the same answer whether or not it exists.
    """
    settings: ServiceSettings = request.app.state.settings
    roots = env_name(settings, "path_roots")
    folder = confine_path(body.config_dir, "config_dir", settings.data_dir, settings.path_roots, roots)
    try:
        report = await import_config_dir(folder, session, body.home_id, store_rows=_store_rows(request))
    except (RecorderError, RegistryError) as exc:
        raise InvalidInputError(str(exc)) from exc
    return ImportReport.model_validate(report.to_dict())


@router.get("/summary", response_model=HaSummary)
async def summary(session: SessionDep) -> HaSummary:
    """What has been accumulated: events, entities, time span and the homes with snapshots."""
    homes = await list_snapshots(session)
    return HaSummary(
        **(await event_span(session)),
        stored_events=await count_events(session),
        homes=[
            HomeSummary(home_id=h.home_id, devices=len(h.devices), confirmed_home_type=h.confirmed_home_type)
            for h in homes
        ],
    )


async def named_home(session: AsyncSession, body: OneHomeIn) -> tuple[str, dict[str, Any]]:
    """The home a request names: the snapshot it sends, else the one stored for `home_id` (404 without one)."""
    if body.snapshot is not None:
        return body.snapshot.home_id, body.snapshot.model_dump(exclude_none=True)
    row = await session.get(HomeSnapshotRow, str(body.home_id))
    if row is None:
        raise NotFoundError(f"no stored snapshot of home {body.home_id!r} (POST /api/ha/snapshot first)")
    return row.home_id, {"home_id": row.home_id, "areas": row.areas, "devices": row.devices}
