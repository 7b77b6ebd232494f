"""Config flow: both services' URLs and the API key, checked against `/health` and the key before saving."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import CannotConnect, HomeIQClient, HomeIQError, InvalidAuth
from .const import CONF_AI_URL, CONF_DEVICE_URL, DOMAIN

_LOGGER = logging.getLogger(__name__)
EXPECTED_SERVICE = {CONF_AI_URL: "ai-automation", CONF_DEVICE_URL: "device-intelligence"}

USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_AI_URL, default="http://127.0.0.1:8018"): str,
        vol.Required(CONF_DEVICE_URL, default="http://127.0.0.1:8019"): str,
        vol.Optional(CONF_API_KEY, default=""): str,
    }
)
REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_API_KEY): str})


def _normalise(url: str) -> str:
    return url.strip().rstrip("/")


async def validate(hass: HomeAssistant, data: Mapping[str, Any]) -> str | None:
    """None when both services answer `/health` and take the key; else the error key for the form."""
    session = async_get_clientsession(hass)
    for conf in (CONF_AI_URL, CONF_DEVICE_URL):
        client = HomeIQClient(session, data[conf], data.get(CONF_API_KEY, ""))
        try:
            health = await client.health()
            if EXPECTED_SERVICE[conf] not in str(health.get("service", "")):
                return "wrong_service"
            await client.check_key()
        except InvalidAuth:
            return "invalid_auth"
        except CannotConnect as exc:
            _LOGGER.debug("HomeIQ %s unreachable: %s", data[conf], exc)
            return "cannot_connect"
        except HomeIQError as exc:
            _LOGGER.warning("HomeIQ %s answered unexpectedly: %s", data[conf], exc)
            return "unknown"
    return None


class HomeIQConfigFlow(ConfigFlow, domain=DOMAIN):
    """One entry per (ai-automation URL, device-intelligence URL) pair."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for both URLs and the key; create the entry once both services answer and take the key."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**user_input, CONF_AI_URL: _normalise(user_input[CONF_AI_URL]),
                    CONF_DEVICE_URL: _normalise(user_input[CONF_DEVICE_URL])}  # fmt: skip
            await self.async_set_unique_id(f"{data[CONF_AI_URL]}|{data[CONF_DEVICE_URL]}".lower())
            self._abort_if_unique_id_configured()
            error = await validate(self.hass, data)
            if error is None:
                return self.async_create_entry(title="HomeIQ", data=data)
            errors["base"] = error
        schema = self.add_suggested_values_to_schema(USER_SCHEMA, user_input or {})
        return self.async_show_form(step_id="user", data_schema=schema, errors=errors)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """A service refused the key: ask for the new one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Check the new key against both services, then update the entry and reload it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            error = await validate(self.hass, {**entry.data, CONF_API_KEY: user_input[CONF_API_KEY]})
            if error is None:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_KEY: user_input[CONF_API_KEY]}
                )
            errors["base"] = error
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={
                "ai_url": entry.data[CONF_AI_URL],
                "device_url": entry.data[CONF_DEVICE_URL],
            },
        )
