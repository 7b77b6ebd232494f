"""HTTP client of one HomeIQ service (aiohttp, HA's shared session): the API key goes in a header only."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from .const import API_KEY_HEADER, REQUEST_TIMEOUT_S


class HomeIQError(Exception):
    """A call to a HomeIQ service failed."""


class CannotConnect(HomeIQError):
    """The service could not be reached, timed out or answered 5xx."""


class InvalidAuth(HomeIQError):
    """The service refused the API key (401/403)."""


class NotOffered(HomeIQError):
    """The service does not offer this route (404 on a route, an older service version)."""


class NoModel(HomeIQError):
    """The service answered 503 `no-model`: nothing trained is served yet."""


class BadRequest(HomeIQError):
    """The service refused the request's body (4xx other than auth): retrying it will not help."""


class HomeIQClient:
    """Calls one service; reading calls send no key, mutating calls send it in `X-HomeIQ-API-Key`."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, api_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._api_key = api_key

    def __repr__(self) -> str:  # never the key, even in a log line or a traceback
        return f"HomeIQClient({self.base_url!r})"

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET `path`; the parsed JSON answer."""
        return await self._call("GET", path, params=params)

    async def post(self, path: str, body: dict[str, Any], *, key: bool = True) -> Any:
        """POST `body` as JSON (with the key unless `key` is false); the parsed JSON answer."""
        return await self._call("POST", path, json=body, key=key)

    async def health(self) -> dict[str, Any]:
        """`GET /health` (200 healthy/degraded; 503 unhealthy still answers with the checks)."""
        try:
            return dict(await self.get("/health"))
        except NoModel:
            raise CannotConnect("the service reports itself unhealthy") from None

    async def check_key(self) -> None:
        """Send an empty event batch: 401 when the key is wrong, stores nothing when it is right."""
        await self.post("/api/ha/events", {"events": []})

    async def _call(self, method: str, path: str, *, key: bool = False, **kwargs: Any) -> Any:
        headers = {API_KEY_HEADER: self._api_key} if key and self._api_key else {}
        url = f"{self.base_url}{path}"
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                async with self._session.request(method, url, headers=headers, **kwargs) as response:
                    status = response.status
                    if status < 400:
                        return await response.json(content_type=None)
                    detail = await _detail(response)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise CannotConnect(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        message = f"{method} {path}: {status} {detail}"
        if status in (401, 403):
            raise InvalidAuth(message)
        if status == 404:
            raise NotOffered(message)
        if status == 503 and "no-model" in detail:
            raise NoModel(message)
        if status >= 500 or status in (408, 409, 429):
            raise CannotConnect(message)
        raise BadRequest(message)


async def _detail(response: aiohttp.ClientResponse) -> str:
    """A problem detail's `type` and `detail` (the services answer RFC 9457), else the text's start."""
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return (await response.text())[:200]
    if isinstance(body, dict):
        return f"{body.get('type', '')} {body.get('detail', '')}".strip()[:300]
    return str(body)[:200]
