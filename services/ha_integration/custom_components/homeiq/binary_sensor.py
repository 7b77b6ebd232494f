"""Binary sensors: at risk (per HA device) and anomaly (per watched numeric sensor)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DEVICE_SERVICE
from .coordinator import DeviceCoordinator
from .entity import DeviceRiskEntity, ha_device, new_device_entities, service_device

if TYPE_CHECKING:
    from . import HomeIQConfigEntry


async def async_setup_entry(
    hass: HomeAssistant, entry: HomeIQConfigEntry, async_add_entities: AddEntitiesCallback
) -> None:
    """An at-risk sensor per HA device the service scores, an anomaly sensor per scored HA sensor."""
    coordinator = entry.runtime_data.device_coordinator
    devices: set[str] = set()
    sensors: set[str] = set()

    def at_risk(device_id: str, info: DeviceInfo) -> BinarySensorEntity:
        return AtRiskBinarySensor(coordinator, device_id, info, "at_risk")

    @callback
    def add_new() -> None:
        data = coordinator.data
        if data is None:
            return
        new = new_device_entities(hass, coordinator, devices, at_risk)
        for entity_id in data.sensors.keys() - sensors:
            sensors.add(entity_id)
            new.append(SensorAnomalyBinarySensor(hass, coordinator, entity_id))
        if new:
            async_add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


class AtRiskBinarySensor(DeviceRiskEntity, BinarySensorEntity):
    """On when device-intelligence predicts the device fails within its horizon."""

    _attr_device_class = BinarySensorDeviceClass.PROBLEM

    @property
    def is_on(self) -> bool | None:
        """The model's alert: probability at or above the threshold chosen on validation."""
        risk = self.risk
        return risk.will_fail_within_horizon if risk else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Probability, risk level, horizon and drivers."""
        return self.risk_attributes()


class SensorAnomalyBinarySensor(CoordinatorEntity[DeviceCoordinator], BinarySensorEntity):
    """On when the watched sensor's latest reading is anomalous for its own history (stuck, spike, drift)."""

    _attr_has_entity_name = True
    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    _attr_translation_key = "sensor_anomaly"

    def __init__(self, hass: HomeAssistant, coordinator: DeviceCoordinator, entity_id: str) -> None:
        super().__init__(coordinator)
        self.sensor_id = entity_id
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.entry_id}_{entity_id}_anomaly"
        registered = er.async_get(hass).async_get(entity_id)
        info: DeviceInfo | None = (
            ha_device(hass, registered.device_id) if registered and registered.device_id else None
        )
        self._attr_device_info = info or service_device(entry, DEVICE_SERVICE, coordinator.client.base_url)
        state = hass.states.get(entity_id)
        self._attr_translation_placeholders = {"sensor": state.name if state else entity_id}

    @property
    def available(self) -> bool:
        """Available while the service answers and the sensor has been scored."""
        data = self.coordinator.data
        return super().available and data is not None and self.sensor_id in data.sensors

    @property
    def is_on(self) -> bool | None:
        """The latest reading is flagged."""
        verdict = self.coordinator.data.sensors.get(self.sensor_id) if self.coordinator.data else None
        return verdict.anomalous_now if verdict else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The sensor, its latest score against the threshold, and the recent flagged spans."""
        verdict = self.coordinator.data.sensors.get(self.sensor_id) if self.coordinator.data else None
        if verdict is None:
            return None
        return {
            "sensor": self.sensor_id,
            "latest_score": verdict.latest_score,
            "threshold": verdict.threshold,
            "readings_scored": verdict.readings,
            "recent_spans": verdict.spans,
        }
