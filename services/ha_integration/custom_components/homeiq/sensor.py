"""Sensors: failure probability per device, the home's type, suggestions, model version and last training."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import AI_SERVICE, DEVICE_SERVICE
from .entity import DeviceRiskEntity, ServiceEntity, new_device_entities

if TYPE_CHECKING:
    from . import HomeIQConfigEntry


async def async_setup_entry(
    hass: HomeAssistant, entry: HomeIQConfigEntry, async_add_entities: AddEntitiesCallback
) -> None:
    """Service sensors now; a failure-probability sensor for each HA device as the service learns it."""
    runtime = entry.runtime_data
    device, ai = runtime.device_coordinator, runtime.ai_coordinator
    async_add_entities(
        [
            HomeTypeSensor(ai, AI_SERVICE, "home_type"),
            SuggestionsSensor(ai, AI_SERVICE, "suggestions"),
            *(
                ModelVersionSensor(c, s, "model_version")
                for c, s in ((ai, AI_SERVICE), (device, DEVICE_SERVICE))
            ),
            *(
                LastTrainingSensor(c, s, "last_training")
                for c, s in ((ai, AI_SERVICE), (device, DEVICE_SERVICE))
            ),
        ]
    )
    known: set[str] = set()

    @callback
    def add_new_devices() -> None:
        new = new_device_entities(hass, device, known, lambda device_id, info: FailureProbabilitySensor(
            device, device_id, info, "failure_probability"))  # fmt: skip
        if new:
            async_add_entities(new)

    add_new_devices()
    entry.async_on_unload(device.async_add_listener(add_new_devices))


class FailureProbabilitySensor(DeviceRiskEntity, SensorEntity):
    """Probability (%) that the device fails within the model's horizon, with the drivers and advice."""

    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_suggested_display_precision = 0

    @property
    def native_value(self) -> float | None:
        """The failure probability in percent."""
        risk = self.risk
        return risk.failure_probability if risk else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Risk level, horizon, drivers and advice (what the at-risk repair also says)."""
        risk, shared = self.risk, self.risk_attributes()
        if risk is None or shared is None:
            return None
        shared.pop("failure_probability")  # it is the state
        return {
            **shared,
            "recommendations": risk.recommendations,
            "confidence": risk.confidence,
            "anomaly_score": risk.anomaly_score,
            "history_days_used": risk.history_days_used,
            "last_reading": risk.last_reading.isoformat() if risk.last_reading else None,
            "model_version": risk.model_version,
        }


class HomeTypeSensor(ServiceEntity, SensorEntity):
    """The home's type as ai-automation's production model sees it, with its confidence."""

    @property
    def native_value(self) -> str | None:
        """apartment, condo, townhouse, single_family_house, cottage, ..."""
        data = self.coordinator.data
        home = getattr(data, "home_type", None)
        return home.home_type if home else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Confidence (0-1), every type's probability, the type the user confirmed, the model, and what the
        prediction could not lean on (`caveats`: e.g. areas that hold nothing)."""
        home = getattr(self.coordinator.data, "home_type", None)
        if home is None:
            return None
        return {
            "confidence": round(home.confidence, 3),
            "probabilities": {k: round(v, 3) for k, v in home.probabilities.items()},
            "confirmed_home_type": home.confirmed_home_type,
            "events_used": home.events_used,
            "model_version": home.model_version,
            "caveats": list(home.caveats),
        }


class SuggestionsSensor(ServiceEntity, SensorEntity):
    """How many automation suggestions ai-automation has for this home (unknown when not offered)."""

    _attr_state_class = SensorStateClass.MEASUREMENT

    @property
    def native_value(self) -> int | None:
        """The count of current suggestions."""
        suggestions = getattr(self.coordinator.data, "suggestions", None)
        return None if suggestions is None else len(suggestions)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The suggestions' titles and YAML."""
        suggestions = getattr(self.coordinator.data, "suggestions", None)
        if not suggestions:
            return None
        return {
            "suggestions": [
                {"title": s.title, "id": s.suggestion_id, "yaml": s.automation_yaml} for s in suggestions
            ]
        }


class ModelVersionSensor(ServiceEntity, SensorEntity):
    """The production model version the service serves (diagnostic)."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC

    @property
    def native_value(self) -> str | None:
        """The served version, e.g. v0003-20261207T020000Z."""
        model = self.coordinator.data.model if self.coordinator.data else None
        return model.model_version if model and model.is_loaded else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The registry name and whether its quality gates passed."""
        model = self.coordinator.data.model if self.coordinator.data else None
        return {"model_name": model.model_name, "gates": model.gates_verdict} if model else None


class LastTrainingSensor(ServiceEntity, SensorEntity):
    """When the served model was trained (diagnostic)."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_device_class = SensorDeviceClass.TIMESTAMP

    @property
    def native_value(self) -> datetime | None:
        """The served version's creation time."""
        model = self.coordinator.data.model if self.coordinator.data else None
        return model.training_date if model else None
