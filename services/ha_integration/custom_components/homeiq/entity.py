"""Entity bases: on the HA device a prediction describes, or on the service's own (diagnostic) device."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, SERVICE_NAMES
from .coordinator import AiCoordinator, DeviceCoordinator
from .issues import describe_drivers
from .payloads import DeviceRisk

if TYPE_CHECKING:
    from . import HomeIQConfigEntry


def service_device(entry: HomeIQConfigEntry, service: str, url: str) -> DeviceInfo:
    """The device standing for one HomeIQ service (model versions, home type, suggestions live there)."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_{service}")},
        name=SERVICE_NAMES[service],
        manufacturer="HomeIQ",
        model=service,
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=url,
    )


def ha_device(hass: HomeAssistant, device_id: str) -> DeviceInfo | None:
    """DeviceInfo that attaches an entity to an existing HA device (by its identifiers or connections)."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None or not (device.identifiers or device.connections):
        return None
    return DeviceInfo(identifiers=set(device.identifiers), connections=set(device.connections))


@callback
def new_device_entities[E](
    hass: HomeAssistant,
    coordinator: DeviceCoordinator,
    known: set[str],
    make: Callable[[str, DeviceInfo], E],
) -> list[E]:
    """One entity per HA device the service scores that has none yet (`known` remembers them)."""
    if coordinator.data is None:
        return []
    new = []
    for device_id in coordinator.data.risks.keys() - known:
        info = ha_device(hass, device_id)
        if info is not None:
            known.add(device_id)
            new.append(make(device_id, info))
    return new


class DeviceRiskEntity(CoordinatorEntity[DeviceCoordinator]):
    """An entity about one HA device that device-intelligence scores."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: DeviceCoordinator, device_id: str, device_info: DeviceInfo, key: str
    ) -> None:
        super().__init__(coordinator)
        self.device_id = device_id
        self._attr_device_info = device_info
        self._attr_unique_id = f"{coordinator.config_entry.entry_id}_{device_id}_{key}"
        self._attr_translation_key = key

    @property
    def risk(self) -> DeviceRisk | None:
        """The device's latest prediction (None when the service no longer lists it)."""
        data = self.coordinator.data
        return data.risks.get(self.device_id) if data else None

    def risk_attributes(self) -> dict[str, Any] | None:
        """What every entity of a device's risk shows: probability, risk level, horizon and drivers."""
        risk = self.risk
        if risk is None:
            return None
        return {
            "failure_probability": risk.failure_probability,
            "risk_level": risk.risk_level,
            "horizon_days": risk.horizon_days,
            "drivers": describe_drivers(risk),
        }

    @property
    def available(self) -> bool:
        """Available while the service answers and still knows the device."""
        data = self.coordinator.data
        return super().available and data is not None and self.device_id in data.risks


class ServiceEntity(CoordinatorEntity[AiCoordinator | DeviceCoordinator]):
    """An entity of a service's own device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: AiCoordinator | DeviceCoordinator, service: str, key: str) -> None:
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self._attr_device_info = service_device(entry, service, coordinator.client.base_url)
        self._attr_unique_id = f"{entry.entry_id}_{service}_{key}"
        self._attr_translation_key = key
