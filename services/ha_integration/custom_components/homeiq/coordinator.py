"""One DataUpdateCoordinator per service: what device-intelligence and ai-automation know of this home."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.components.automation import DATA_COMPONENT as AUTOMATIONS
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import CannotConnect, HomeIQClient, HomeIQError, NoModel, NotOffered
from .const import AI_POLL, DEVICE_POLL, MAX_EXISTING_AUTOMATIONS
from .payloads import DeviceRisk, HomeType, ModelInfo, SensorVerdict, Suggestion
from .sensor_readings import SensorReadings

if TYPE_CHECKING:
    from . import HomeIQConfigEntry

_LOGGER = logging.getLogger(__name__)


@dataclass
class DeviceData:
    """device-intelligence's view: each known device's risk, the served model, the watched sensors."""

    risks: dict[str, DeviceRisk] = field(default_factory=dict)
    model: ModelInfo | None = None
    sensors: dict[str, SensorVerdict] = field(default_factory=dict)
    no_model: bool = False


@dataclass
class AiData:
    """ai-automation's view: the home's type, the served model, suggestions (None: not offered)."""

    home_type: HomeType | None = None
    model: ModelInfo | None = None
    suggestions: list[Suggestion] | None = None
    no_model: bool = False


async def _model_info(client: HomeIQClient, path: str, params: dict[str, Any]) -> ModelInfo | None:
    try:
        return ModelInfo.from_json(await client.get(path, params))
    except NotOffered:
        return None


class DeviceCoordinator(DataUpdateCoordinator[DeviceData]):
    """Polls `GET /api/devices/risk`, the failure model's info, and scores the watched sensors."""

    config_entry: HomeIQConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: HomeIQConfigEntry, client: HomeIQClient, readings: SensorReadings
    ) -> None:
        super().__init__(
            hass, _LOGGER, config_entry=entry, name="homeiq device-intelligence", update_interval=DEVICE_POLL
        )
        self.client = client
        self.readings = readings

    async def _async_update_data(self) -> DeviceData:
        data = DeviceData()
        try:
            data.model = await _model_info(
                self.client, "/api/predictions/model-info", {"model": "failure_prediction"}
            )
            try:
                answer = await self.client.get("/api/devices/risk")
                data.risks = {r["device_id"]: DeviceRisk.from_json(r) for r in answer["devices"]}
            except NoModel:
                data.no_model = True
            if not data.no_model:
                data.sensors = await self._score_sensors()
        except CannotConnect as exc:
            raise UpdateFailed(f"device-intelligence unreachable: {exc}") from exc
        except HomeIQError as exc:
            raise UpdateFailed(f"device-intelligence: {exc}") from exc
        return data

    async def _score_sensors(self) -> dict[str, SensorVerdict]:
        out: dict[str, SensorVerdict] = {}
        for entity_id, series in self.readings.ready().items():
            body = {
                "entity_id": entity_id,
                "unit": self.readings.units.get(entity_id),
                "readings": [{"timestamp": t.isoformat(), "value": v} for t, v in series],
            }
            try:
                out[entity_id] = SensorVerdict.from_json(
                    await self.client.post("/api/anomalies/sensor", body, key=False)
                )
            except NotOffered:
                return out
        return out


class AiCoordinator(DataUpdateCoordinator[AiData]):
    """Polls `GET /api/ha/home-type`, the home-type model's info and, when offered, synergy suggestions."""

    config_entry: HomeIQConfigEntry

    def __init__(self, hass: HomeAssistant, entry: HomeIQConfigEntry, client: HomeIQClient) -> None:
        super().__init__(
            hass, _LOGGER, config_entry=entry, name="homeiq ai-automation", update_interval=AI_POLL
        )
        self.client = client
        self.snapshot: dict[str, Any] | None = None

    async def _async_update_data(self) -> AiData:
        data = AiData()
        try:
            data.model = await _model_info(self.client, "/api/home-type/model-info", {"task": "full"})
            try:
                data.home_type = HomeType.from_json(await self.client.get("/api/ha/home-type"))
            except NoModel:
                data.no_model = True
            except NotOffered:
                data.home_type = None  # nothing stored for the home yet (or an older service)
            data.suggestions = await self._suggestions()
        except CannotConnect as exc:
            raise UpdateFailed(f"ai-automation unreachable: {exc}") from exc
        except HomeIQError as exc:
            raise UpdateFailed(f"ai-automation: {exc}") from exc
        return data

    def existing_automations(self) -> list[dict[str, Any]]:
        """The home's automations as HA loaded them: the service leaves the pairs they link out."""
        component = self.hass.data.get(AUTOMATIONS)
        if component is None:
            return []
        configs = (getattr(e, "raw_config", None) for e in component.entities)
        return [dict(c) for c in configs if isinstance(c, dict)][:MAX_EXISTING_AUTOMATIONS]

    async def _suggestions(self) -> list[Suggestion] | None:
        if self.snapshot is None:
            return None
        body = {"snapshot": self.snapshot, "existing_automations": self.existing_automations(), "limit": 10}
        try:
            answer = await self.client.post("/api/synergies/detect", body, key=True)
        except (NotOffered, NoModel):
            return None
        found = (Suggestion.from_json(s) for s in answer.get("suggestions", []))
        return [s for s in found if s.feedback != "dismissed"]  # the owner said no: not shown again
