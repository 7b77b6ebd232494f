"""The synthetic home file (`home_NNN.json`) and dataset `summary.json`, as Pydantic models.

The home file keeps the original generator's top-level fields (`home_id`, `home_type`,
`size_category`, `home_index`, `metadata`, `generated_at`, `areas`, `devices`, `events`,
`external_data`) and adds `timezone`, `location`, `seed`, `generator_version`, `floors` and
ground-truth `labels`. Carbon-intensity and dynamic-price forecasts appear once per day (on the
00:00 UTC point), not on every point.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from homeiq_shared.ha_schema import EntityId, HomeEvent, UtcDatetime

HomeType = Literal[
    "single_family_house",
    "apartment",
    "condo",
    "townhouse",
    "cottage",
    "studio",
    "multi_story",
    "ranch_house",
]
SizeCategory = Literal["small", "medium", "large", "extra_large"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Floor(_Strict):
    """A floor of the home (HA floor registry: id, name, level)."""

    floor_id: str
    name: str
    level: int


class Area(_Strict):
    """A room or outdoor area."""

    area_id: str
    name: str
    type: Literal["indoor", "outdoor"]
    floor: str | None = Field(None, description="Its floor's id; none when the registry declares no floors")
    description: str


class Device(_Strict):
    """One HA entity (the original kept one record per entity); `device_id` groups a device's entities."""

    entity_id: EntityId
    device_id: str | None
    friendly_name: str
    name: str
    device_type: str
    device_class: str | None
    unit_of_measurement: str | None
    area: str | None
    category: Literal["security", "climate", "lighting", "appliances", "monitoring", "presence", "automation"]
    power_source: Literal["battery", "mains", "virtual"]
    protocol: str
    attributes: dict[str, Any]

    @model_validator(mode="after")
    def _domain(self) -> Device:
        if self.entity_id.split(".", 1)[0] != self.device_type:
            raise ValueError("device_type must be the entity's HA domain")
        return self


class HomeDescription(_Strict):
    """`metadata.home`, as in the original."""

    name: str
    type: HomeType
    size_category: SizeCategory
    description: str


class HomeMetadata(_Strict):
    """The original's `metadata` wrapper."""

    home: HomeDescription


class Location(_Strict):
    """Where the home is: country, climate zone, grid region and electricity tariff."""

    country: str
    climate_zone: str
    grid_region: str
    tariff: Literal["fixed", "time_of_use", "dynamic"]
    currency: str
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class FailureEpisode(_Strict):
    """Ground truth: a device that degrades from `start` and is unavailable from `failure_time`."""

    entity_id: EntityId
    device_id: str
    kind: Literal["battery_depletion", "connectivity_loss", "sensor_stuck", "sensor_drift"]
    start: UtcDatetime
    failure_time: UtcDatetime
    end: UtcDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> FailureEpisode:
        if not self.start <= self.failure_time or (self.end is not None and self.end <= self.failure_time):
            raise ValueError("episode times must be ordered: start <= failure_time < end")
        return self


class Routine(_Strict):
    """Ground truth: the household's routine "trigger -> actions", run by hand through HA or by an automation."""

    trigger: EntityId
    trigger_state: str
    actions: list[EntityId] = Field(min_length=1)
    action_state: str
    by: Literal["user", "automation"]
    occurrences: int = Field(ge=0, description="how often it happened in the history")


class Labels(_Strict):
    """Ground-truth labels for the models: the home type, injected failure episodes, planted routines."""

    home_type: HomeType
    failure_episodes: list[FailureEpisode]
    routines: list[Routine] = Field(default_factory=list)


class WeatherPoint(_Strict):
    """Hourly weather."""

    timestamp: UtcDatetime
    temperature: float = Field(ge=-60, le=60)
    condition: Literal["sunny", "cloudy", "rainy", "snowy"]
    humidity: float = Field(ge=0, le=100)
    precipitation: float = Field(ge=0)


class CarbonPoint(_Strict):
    """15-minute grid carbon intensity (gCO2/kWh); `forecast` (next 24 h) only once per day."""

    timestamp: UtcDatetime
    intensity: float = Field(gt=0)
    renewable_percentage: float = Field(ge=0, le=100)
    forecast: list[float] | None = Field(default=None, min_length=96, max_length=96)


class PricePoint(_Strict):
    """Hourly electricity price; dynamic tariffs carry the next 24 day-ahead prices once per day."""

    timestamp: UtcDatetime
    price_per_kwh: float
    pricing_tier: Literal["peak", "mid-peak", "off-peak", "flat"]
    region: str
    tariff: Literal["fixed", "time_of_use", "dynamic"]
    forecast: list[float] | None = Field(default=None, min_length=24, max_length=24)


class CalendarEntry(_Strict):
    """A household calendar entry tied to presence."""

    timestamp: UtcDatetime
    event_type: Literal["work", "commute", "routine", "travel", "errand"]
    summary: str
    location: str
    presence_state: Literal["home", "away", "leaving", "returning"]


class ExternalData(_Strict):
    """Context series; a disabled source is an empty list."""

    weather: list[WeatherPoint]
    carbon_intensity: list[CarbonPoint]
    pricing: list[PricePoint]
    calendar: list[CalendarEntry]


class HomeFile(_Strict):
    """One synthetic home: structure, HA event history, context data and labels."""

    home_id: str = Field(pattern=r"^home_\d{3,}$")
    home_type: HomeType
    size_category: SizeCategory
    home_index: int = Field(ge=1)
    metadata: HomeMetadata
    generated_at: UtcDatetime
    timezone: str
    location: Location
    seed: int = Field(ge=0)
    generator_version: str
    floors: list[Floor]
    areas: list[Area]
    devices: list[Device]
    labels: Labels
    events: list[HomeEvent]
    external_data: ExternalData

    @model_validator(mode="after")
    def _references(self) -> HomeFile:
        entity_ids = [d.entity_id for d in self.devices]
        if len(entity_ids) != len(set(entity_ids)):
            raise ValueError("entity ids must be unique")
        known = set(entity_ids)
        floors = {f.floor_id for f in self.floors}
        if any(a.floor is not None and a.floor not in floors for a in self.areas):
            raise ValueError("an area's floor must be a declared floor")
        areas = {a.name for a in self.areas}
        if any(d.area is not None and d.area not in areas for d in self.devices):
            raise ValueError("every device area must be an area of the home")
        missing = {e.entity_id for e in self.events} - known
        if missing:
            raise ValueError(f"events refer to unknown entities: {sorted(missing)[:5]}")
        if any(ep.entity_id not in known for ep in self.labels.failure_episodes):
            raise ValueError("failure episodes must refer to entities of the home")
        if any({r.trigger, *r.actions} - known for r in self.labels.routines):
            raise ValueError("routines must refer to entities of the home")
        if self.labels.home_type != self.home_type or self.metadata.home.type != self.home_type:
            raise ValueError("home_type, metadata.home.type and labels.home_type must agree")
        return self


class FileEntry(_Strict):
    """One file of the dataset with its checksum."""

    name: str
    home_id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)


class Totals(_Strict):
    """Dataset totals."""

    homes: int
    home_types: dict[str, int]
    size_categories: dict[str, int]
    devices: int
    entities: int
    events: int
    events_by_type: dict[str, int]
    external_data_points: dict[str, int]
    failure_episodes: int
    bytes: int


class DatasetSummary(_Strict):
    """`summary.json`: arguments, seed, versions, totals and per-file sha256 (regenerable byte for byte)."""

    generator: str
    generator_version: str
    generated_at: UtcDatetime
    arguments: dict[str, Any]
    seed: int
    versions: dict[str, str]
    total_homes: int
    home_types: dict[str, int]
    size_categories: dict[str, int]
    totals: Totals
    files: list[FileEntry]
    notes: dict[str, str]
