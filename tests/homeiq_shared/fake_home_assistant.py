"""A real local server speaking Home Assistant's protocols, for the live-link tests.

One `websockets` server on 127.0.0.1: `/api/websocket` runs HA's websocket API (auth_required ->
auth -> auth_ok or auth_invalid -> `config/*_registry/list` results), and plain HTTP requests get
HA's REST answers (`/api/states`, `/api/history/period/<start>`) with the bearer-token check.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

TOKEN = "long-lived-token"


@dataclass
class FakeHomeAssistant:
    """What the fake serves and what it was asked."""

    history: dict[str, list[dict[str, Any]]]
    registries: dict[str, list[dict[str, Any]]]
    floors_supported: bool = True
    received: list[dict[str, Any]] = field(default_factory=list)
    rest_calls: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        """The `HA_URL` of this fake."""
        return f"http://127.0.0.1:{self.port}"

    def _rest(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.startswith("/api/websocket"):
            return None  # go on with the websocket handshake
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return connection.respond(HTTPStatus.UNAUTHORIZED, "401: Unauthorized")
        parts = urlsplit(request.path)
        self.rest_calls.append(parts.path)
        if parts.path == "/api/states":
            body: Any = [rows[-1] for rows in self.history.values()]
        elif parts.path.startswith("/api/history/period/"):
            query = parse_qs(parts.query)
            lo = datetime.fromisoformat(unquote(parts.path.rsplit("/", 1)[1]))
            hi = datetime.fromisoformat(query["end_time"][0])
            wanted = query["filter_entity_id"][0].split(",")
            chosen = [
                [s for s in self.history[e] if lo <= datetime.fromisoformat(s["last_updated"]) <= hi]
                for e in wanted
            ]
            body = [rows for rows in chosen if rows]
        else:
            return connection.respond(HTTPStatus.NOT_FOUND, "404: Not Found")
        response = connection.respond(HTTPStatus.OK, json.dumps(body))
        response.headers["Content-Type"] = "application/json"
        return response

    async def _websocket(self, ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "auth_required", "ha_version": "2025.4.4"}))
        auth = json.loads(await ws.recv())
        self.received.append(auth)
        if auth.get("type") != "auth" or auth.get("access_token") != TOKEN:
            await ws.send(json.dumps({"type": "auth_invalid", "message": "Invalid access token or password"}))
            return
        await ws.send(json.dumps({"type": "auth_ok", "ha_version": "2025.4.4"}))
        async for raw in ws:
            message = json.loads(raw)
            self.received.append(message)
            name = {"floor": "floors", "area": "areas", "device": "devices", "entity": "entities"}[
                message["type"].removeprefix("config/").removesuffix("_registry/list")
            ]
            reply: dict[str, Any] = {"id": message["id"], "type": "result"}
            if name == "floors" and not self.floors_supported:
                reply.update(success=False, error={"code": "unknown_command", "message": "Unknown command."})
            else:
                reply.update(success=True, result=self.registries[name])
            await ws.send(json.dumps({"id": 999, "type": "event", "event": {}}))  # noise a client must skip
            await ws.send(json.dumps(reply))


@asynccontextmanager
async def running(fake: FakeHomeAssistant) -> AsyncIterator[FakeHomeAssistant]:
    """Serve `fake` on a free local port while the block runs."""
    async with serve(fake._websocket, "127.0.0.1", 0, process_request=fake._rest) as server:
        fake.port = next(iter(server.sockets)).getsockname()[1]
        yield fake
