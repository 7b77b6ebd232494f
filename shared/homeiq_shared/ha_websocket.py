"""Home Assistant's websocket API, for what REST does not give: the area, floor, device and entity registries.

The protocol (developers.home-assistant.io, "WebSocket API"): HA sends `auth_required`; the client
answers `{"type": "auth", "access_token": ...}`; HA says `auth_ok` (or `auth_invalid` and closes);
then each command `{"id": n, "type": "config/area_registry/list"}` gets a
`{"id": n, "type": "result", "success": true, "result": [...]}`. Floors exist from HA 2024.4; an
older HA answers `unknown_command`, read as "no floors".
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REGISTRY_COMMANDS = {
    "floors": "config/floor_registry/list",
    "areas": "config/area_registry/list",
    "devices": "config/device_registry/list",
    "entities": "config/entity_registry/list",
}
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Largest websocket message accepted (a big install's entity registry is a few MB)."""
MAX_SKIPPED_MESSAGES = 1_000
"""Messages of other ids tolerated while waiting for a result (HA sends none unless subscribed)."""
Registries = dict[str, list[dict[str, Any]]]


class HaWebsocketError(Exception):
    """Home Assistant's websocket API could not be reached, refused the token, or answered oddly."""


def websocket_url(base_url: str) -> str:
    """`http(s)://host:port[/prefix]` -> `ws(s)://host:port[/prefix]/api/websocket`."""
    parts = urlsplit(base_url.rstrip("/"))
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, f"{parts.path}/api/websocket", "", ""))


def _message(raw: str | bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HaWebsocketError(f"Home Assistant sent a message that is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise HaWebsocketError("Home Assistant sent a message that is not a JSON object")
    return value


async def fetch_registries(url: str, token: str, *, timeout: float = 30.0) -> Registries:
    """Authenticate at `url` (a `ws://.../api/websocket` address) and list the four registries."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    try:
        async with (
            asyncio.timeout(timeout),
            connect(url, max_size=MAX_MESSAGE_BYTES, open_timeout=timeout) as ws,
        ):
            hello = _message(await ws.recv())
            if hello.get("type") != "auth_required":
                raise HaWebsocketError(
                    f"expected auth_required from Home Assistant, got {hello.get('type')!r}"
                )
            await ws.send(json.dumps({"type": "auth", "access_token": token}))
            answer = _message(await ws.recv())
            if answer.get("type") == "auth_invalid":
                raise HaWebsocketError(
                    f"Home Assistant refused the token: {answer.get('message') or 'auth_invalid'}"
                )
            if answer.get("type") != "auth_ok":
                raise HaWebsocketError(f"expected auth_ok from Home Assistant, got {answer.get('type')!r}")
            out: Registries = {}
            for number, (name, command) in enumerate(REGISTRY_COMMANDS.items(), start=1):
                await ws.send(json.dumps({"id": number, "type": command}))
                for _ in range(MAX_SKIPPED_MESSAGES):
                    reply = _message(await ws.recv())
                    if reply.get("id") == number and reply.get("type") == "result":
                        break
                else:
                    raise HaWebsocketError(f"no result for {command}")
                if not reply.get("success"):
                    raw_error = reply.get("error")
                    error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
                    if name == "floors" and error.get("code") == "unknown_command":
                        out[name] = []  # HA before 2024.4 has no floor registry
                        continue
                    raise HaWebsocketError(f"{command} failed: {error.get('code')}: {error.get('message')}")
                result = reply.get("result")
                if not isinstance(result, list):
                    raise HaWebsocketError(f"{command} did not return a list")
                out[name] = [entry for entry in result if isinstance(entry, dict)]
            return out
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise HaWebsocketError(
            f"Home Assistant websocket {url} unreachable or closed: {exc or type(exc).__name__}"
        ) from exc
