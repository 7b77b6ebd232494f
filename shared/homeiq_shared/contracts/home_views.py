"""What the services know of one Home Assistant home, as the HA integration reads it.

- `HomeTypeOfHome`: `GET /api/ha/home-type` (ai-automation), the stored home's type.
- `DeviceRisks`: `GET /api/devices/risk` (device-intelligence), every known device's failure risk.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from homeiq_shared.contracts.devices import PredictResponse


class HomeTypeOfHome(BaseModel):
    """The production home-type model's answer for a home built from its snapshot and stored events."""

    home_id: str
    home_type: str
    confidence: float = Field(description="Probability of the predicted type, 0-1")
    probabilities: dict[str, float]
    model_version: str | None
    confirmed_home_type: str | None = Field(description="The type the user confirmed, if any")
    devices_from: str = Field(description="snapshot (the registries) or events (no snapshot stored)")
    events_used: int = Field(description="Stored events of the window the features read")
    caveats: list[str] = Field(
        default_factory=list,
        description="What the prediction could not lean on, e.g. areas that hold nothing (HA's three "
        "onboarding areas left unused): the area features then describe names, not rooms",
    )


class DeviceRisk(PredictResponse):
    """A known device's failure prediction as of its latest stored day of telemetry."""

    last_reading: datetime = Field(description="UTC midnight of the device's latest stored telemetry day")


class DeviceRisks(BaseModel):
    """Every device with stored telemetry in the window, highest failure probability first."""

    devices: list[DeviceRisk]
    count: int
    model_version: str
    horizon_days: int
    window_days: int = Field(description="Devices with telemetry in the last this many days are listed")
