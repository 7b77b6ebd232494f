"""Repairs: raised while they hold, deleted as soon as they no longer do (one issue id per fact)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir

from .const import AI_SERVICE, DEVICE_SERVICE, DOMAIN, MAX_DRIVERS_SHOWN, SERVICE_NAMES, STALE_MODEL_DAYS
from .payloads import DeviceRisk, HomeType, ModelInfo

if TYPE_CHECKING:
    from . import HomeIQConfigEntry


def failure_issue_id(entry_id: str, device_id: str) -> str:
    """The issue of one device predicted to fail."""
    return f"device_failure_{entry_id}_{device_id}"


def _set(hass: HomeAssistant, issue_id: str, holds: bool, key: str, placeholders: dict[str, str]) -> None:
    if holds:
        ir.async_create_issue(
            hass, DOMAIN, issue_id, is_fixable=False, severity=ir.IssueSeverity.WARNING,
            translation_key=key, translation_placeholders=placeholders,
        )  # fmt: skip
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id)


def describe_drivers(risk: DeviceRisk) -> str:
    """The strongest drivers in words, e.g. `battery_level_slope_7d (+0.21), connection_drops_7d (+0.08)`."""
    shown = [f"{d.feature} ({d.contribution:+.2f})" for d in risk.drivers[:MAX_DRIVERS_SHOWN]]
    return ", ".join(shown) or "no single driver stands out"


def _stale(model: ModelInfo | None, now: datetime) -> bool:
    return (
        model is not None
        and model.training_date is not None
        and now - model.training_date > timedelta(days=STALE_MODEL_DAYS)
    )


@callback
def update_issues(hass: HomeAssistant, entry: HomeIQConfigEntry) -> None:
    """Sync the entry's repairs with what its coordinators know now."""
    runtime = entry.runtime_data
    now = datetime.now(UTC)
    for service, coordinator in (
        (DEVICE_SERVICE, runtime.device_coordinator),
        (AI_SERVICE, runtime.ai_coordinator),
    ):
        name = {"service": SERVICE_NAMES[service], "url": coordinator.client.base_url}
        reachable = coordinator.last_update_success
        _set(hass, f"unreachable_{entry.entry_id}_{service}", not reachable, "service_unreachable", name)
        if not reachable or coordinator.data is None:
            continue  # what a failed poll cannot tell stays as it was
        model = coordinator.data.model
        trained = model.training_date.date().isoformat() if model and model.training_date else "?"
        _set(hass, f"stale_model_{entry.entry_id}_{service}", _stale(model, now), "stale_model",
             name | {"trained": trained, "days": str(STALE_MODEL_DAYS)})  # fmt: skip
        _set(hass, f"no_model_{entry.entry_id}_{service}", coordinator.data.no_model, "no_model", name)
    if runtime.device_coordinator.last_update_success and runtime.device_coordinator.data is not None:
        _sync_failures(hass, entry, runtime.device_coordinator.data.risks)
    ai = runtime.ai_coordinator
    if ai.last_update_success and ai.data is not None:
        _sync_home_type_caveat(hass, entry, ai.data.home_type)


def _sync_failures(hass: HomeAssistant, entry: HomeIQConfigEntry, risks: dict[str, DeviceRisk]) -> None:
    devices = dr.async_get(hass)
    wanted: set[str] = set()
    for device_id, risk in risks.items():
        device = devices.async_get(device_id)
        if device is None or not risk.will_fail_within_horizon:
            continue
        issue_id = failure_issue_id(entry.entry_id, device_id)
        wanted.add(issue_id)
        _set(hass, issue_id, True, "device_failure", {
            "device": device.name_by_user or device.name or device_id,
            "probability": f"{risk.failure_probability:.0f}",
            "horizon": str(risk.horizon_days),
            "risk_level": risk.risk_level,
            "drivers": describe_drivers(risk),
            "advice": "; ".join(risk.recommendations[:3]) or "check the device",
        })  # fmt: skip
    prefix = f"device_failure_{entry.entry_id}_"
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and issue_id.startswith(prefix) and issue_id not in wanted:
            ir.async_delete_issue(hass, DOMAIN, issue_id)


def _sync_home_type_caveat(hass: HomeAssistant, entry: HomeIQConfigEntry, home: HomeType | None) -> None:
    """A home type that rests on little (areas that hold nothing, none declared) is a repair the owner
    can make: place the devices in their areas. Only when the service read HA's registries: nothing
    stored for the home yet, or no snapshot yet (devices from events), says nothing of its areas."""
    caveat = None
    if home is not None and home.devices_from == "snapshot" and home.caveats:
        caveat = home.caveats[0]
    _set(hass, f"home_type_caveat_{entry.entry_id}", caveat is not None, "home_type_caveat",
         {"home_type": home.home_type if home is not None else "", "caveat": caveat or ""})  # fmt: skip


@callback
def clear_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Delete every issue of an entry (on unload: an unloaded entry asserts nothing)."""
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and entry_id in issue_id:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
