"""`GET /health` of both services: one shape, one rule for `status`.

- `unhealthy` (HTTP 503): a check failed (database, data or models folder).
- `degraded` (HTTP 200): the checks pass but a production model is not served (none trained yet,
  still loading after start-up, or it failed to load: `models.error` says which).
- `healthy` (HTTP 200): the checks pass and every model the service serves is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

HealthStatus = Literal["healthy", "degraded", "unhealthy"]


class Check(BaseModel):
    """One dependency check; checks add their own figures (latency; `path` only for callers with the key)."""

    model_config = ConfigDict(extra="allow")

    ok: bool
    error: str | None = None


class ServedModels(BaseModel):
    """What the service serves now: registry name -> production version served (null when none)."""

    loading: bool = Field(description="True while the production models still load after start-up")
    loaded: dict[str, str | None]
    error: str | None = Field(None, description="Why the production models could not be loaded, if so")

    @property
    def all_loaded(self) -> bool:
        """Every model this service serves has a version loaded."""
        return not self.loading and bool(self.loaded) and all(self.loaded.values())


class SecurityStatus(BaseModel):
    """How the service protects its mutating calls (see the README's Security section)."""

    api_key: bool = Field(description="An API key is configured (mutating calls need it)")
    bound_to: Literal["loopback", "network"] = Field(description="Where the service listens")
    mutating_calls: Literal["key required", "open on loopback", "refused", "open to the network"]
    warning: str | None = Field(None, description="Set when the service is exposed: what to change")
    max_body_bytes: int = Field(description="Body limit of JSON control calls")
    max_bulk_body_bytes: int = Field(description="Body limit of the bulk routes (events, snapshots, predict)")


class HaLinkStatus(BaseModel):
    """The live Home Assistant link (`HA_URL`/`HA_TOKEN`): its last pull, its last error, what HA holds."""

    ok: bool = Field(description="The last pull read both the registries and the history")
    interval_minutes: int = Field(description="Minutes between pulls")
    last_attempt: datetime | None = Field(None, description="When the last pull ran (UTC)")
    last_pull: datetime | None = Field(None, description="When the last fully successful pull ran (UTC)")
    last_error: str | None = Field(
        None, description="Why the last failed pull failed (it may be old: see last_error_at)"
    )
    last_error_at: datetime | None = None
    entities: int | None = Field(
        None, description="Entities HA had at the last successful pull (`/api/states`)"
    )
    areas: int | None = Field(None, description="Areas in HA's area registry at the last successful pull")
    devices: int | None = Field(
        None, description="Devices in HA's device registry at the last successful pull"
    )
    registry_entities: int | None = Field(None, description="Enabled entities of HA's entity registry")


class Health(BaseModel):
    """The answer of `GET /health`."""

    service: str
    version: str = Field(description="The service's package version")
    status: HealthStatus
    checks: dict[str, Check]
    models: ServedModels
    storage: dict[str, Any] | None = Field(
        description="Row counts and sizes (null when the database is down)"
    )
    security: SecurityStatus | None = Field(None, description="API key, bind address and body limits")
    ha_link: HaLinkStatus | None = Field(
        None, description="The live Home Assistant link; null when HA_URL and HA_TOKEN are not set"
    )


def health_status(checks: Mapping[str, Check], models: ServedModels) -> HealthStatus:
    """The one rule both services apply (see the module docstring)."""
    if not all(c.ok for c in checks.values()):
        return "unhealthy"
    return "healthy" if models.all_loaded else "degraded"
