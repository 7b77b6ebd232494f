"""The ASGI guard both services put in front of their routes: API key and body size, before any body is read.

A route that depends on the API key (`ApiKeyDep`) is checked here from its headers alone, so a
caller without the key gets its 401 at once however large the body it sends. When no key is set
and the service listens beyond loopback, those routes answer 403 (unless
`allow_remote_without_key` says otherwise). Every body is limited: `max_body_bytes` for JSON
control calls, `max_bulk_body_bytes` for the bulk routes a service names; a `Content-Length`
above the limit is refused at once and a streamed body is counted as it arrives (413), never
read whole into memory first.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homeiq_shared.app_state import require_api_key
from homeiq_shared.contracts.health import SecurityStatus
from homeiq_shared.errors import ForbiddenError, UnauthorizedError
from homeiq_shared.problem_details import problem_response
from homeiq_shared.security import API_KEY_HEADER, UNAUTHORIZED_DETAIL, has_valid_key
from homeiq_shared.settings import ServiceSettings

logger = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    """True when `host` is a loopback address or name (what nothing outside the machine reaches)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def env_name(settings: ServiceSettings, field: str) -> str:
    """The environment variable of a setting of this service (its prefix + the field name)."""
    return f"{settings.model_config.get('env_prefix', '')}{field.upper()}"


def configured_key(settings: ServiceSettings) -> str | None:
    """The API key mutating calls need, or None (unset or empty: compose passes an empty value)."""
    if settings.api_key is None:
        return None
    return settings.api_key.get_secret_value() or None


def security_status(settings: ServiceSettings) -> SecurityStatus:
    """How mutating calls are protected with these settings (the `security` entry of `/health`)."""
    loopback = is_loopback(settings.host)
    warning = None
    if configured_key(settings):
        mutating = "key required"
    elif loopback:
        mutating = "open on loopback"
    elif settings.allow_remote_without_key:
        mutating = "open to the network"
        warning = (
            f"listening on {settings.host} without an API key and {env_name(settings, 'allow_remote_without_key')}"
            f"=true: anyone who reaches this port can import data, train and promote models; set {env_name(settings, 'api_key')}"
        )
    else:
        mutating = "refused"
        warning = (
            f"listening on {settings.host} without an API key: mutating calls are refused (403) until "
            f"{env_name(settings, 'api_key')} is set"
        )
    return SecurityStatus(
        api_key=configured_key(settings) is not None,
        bound_to="loopback" if loopback else "network",
        mutating_calls=mutating,
        warning=warning,
        max_body_bytes=settings.max_body_bytes,
        max_bulk_body_bytes=settings.max_bulk_body_bytes,
    )


def warn_if_exposed(settings: ServiceSettings) -> None:
    """Log loudly at start-up when the service listens beyond loopback without an API key."""
    status = security_status(settings)
    if status.warning:
        logger.warning("SECURITY: %s", status.warning)


def header_key(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The API key raw ASGI headers carry (`X-HomeIQ-API-Key`, else `Authorization: Bearer`)."""
    wanted = API_KEY_HEADER.lower().encode()
    bearer = None
    for name, value in headers:
        if name == wanted and value:
            return value.decode("latin-1")
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            bearer = value[7:].decode("latin-1").strip()
    return bearer


def key_matches(presented: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented key with the configured one."""
    return presented is not None and secrets.compare_digest(presented.encode(), expected.encode())


def _closing(response: JSONResponse) -> JSONResponse:
    """A refusal sent before the body is read: close the connection so the server never reads that body."""
    response.headers["connection"] = "close"
    return response


def _needs_key(dependant: Dependant) -> bool:
    return any(d.call is require_api_key or _needs_key(d) for d in dependant.dependencies)


class RequestGuard:
    """ASGI middleware: key check of protected routes and body limits, before the app reads a byte."""

    def __init__(
        self,
        app: ASGIApp,
        routes: Sequence[BaseRoute] = (),
        bulk_paths: Sequence[str] = (),
        settings: ServiceSettings | None = None,
    ) -> None:
        self.app = app
        self.protected = [r for r in routes if isinstance(r, APIRoute) and _needs_key(r.dependant)]
        self.bulk_paths = frozenset(bulk_paths)
        self.settings = settings

    def _settings(self, scope: Scope) -> ServiceSettings | None:
        state = getattr(scope.get("app"), "state", None)
        found = getattr(state, "settings", None) if state is not None else None
        return found if isinstance(found, ServiceSettings) else self.settings

    def _is_protected(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] is Match.FULL for route in self.protected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse what the settings forbid from the headers alone; count the body the app reads."""
        settings = self._settings(scope)
        if scope["type"] != "http" or settings is None:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if self._is_protected(scope):
            refusal = self._refusal(settings, scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        setting = "max_bulk_body_bytes" if path in self.bulk_paths else "max_body_bytes"
        limit: int = getattr(settings, setting)
        detail = (
            f"the request body is larger than {limit:,} bytes, the limit of {path} "
            f"(setting {env_name(settings, setting)})"
        )
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _closing(problem_response(413, "Payload too large", detail, "http-413", path))(
                scope, receive, send
            )
            return
        body = _LimitedBody(receive, send, limit, detail)
        await self.app(scope, body.receive, body.send)

    def _refusal(self, settings: ServiceSettings, scope: Scope) -> JSONResponse | None:
        expected = configured_key(settings)
        if expected is not None:
            if key_matches(header_key(scope["headers"]), expected):
                return None
            error: UnauthorizedError | ForbiddenError = UnauthorizedError(UNAUTHORIZED_DETAIL)
        elif is_loopback(settings.host) or settings.allow_remote_without_key:
            return None
        else:
            error = ForbiddenError(
                f"this service listens on {settings.host} (beyond loopback) without an API key, so mutating "
                f"calls are refused: set {env_name(settings, 'api_key')} to a long random value and send it "
                f"in the {API_KEY_HEADER} header, or bind 127.0.0.1 "
                f"({env_name(settings, 'host')}; {env_name(settings, 'allow_remote_without_key')}=true "
                "accepts them anyway, unsafe)"
            )
        return _closing(problem_response(error.status, error.title, error.detail, error.slug, scope["path"]))


class _LimitedBody:
    """`receive` that counts the body and raises 413 once it passes `limit` (before it is all in memory);
    `send` then closes the connection so the server stops reading the rest of the body."""

    def __init__(self, receive: Receive, send: Send, limit: int, detail: str) -> None:
        self._receive, self._send = receive, send
        self.limit, self.detail = limit, detail
        self.received = 0
        self.overflowed = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.overflowed = True
                raise HTTPException(413, self.detail)
        return message

    async def send(self, message: Message) -> None:
        if self.overflowed and message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
        await self._send(message)


def display_path(path: Path | str, data_dir: Path) -> str:
    """A server path as shown to a caller without the key: relative to the data folder, else its last part."""
    resolved = Path(path).resolve()
    root = data_dir.resolve()
    if resolved.is_relative_to(root):
        return resolved.relative_to(root).as_posix() or "."
    return resolved.name


PATH_KEYS = frozenset({"path", "dataset", "training_set", "config_dir", "dataset_path"})
"""Keys whose string values name server folders in stored metadata, run records and answers."""


def shows_paths(request: Request) -> bool:
    """True when the caller presents the configured API key: only then are absolute server paths shown."""
    settings: ServiceSettings = request.app.state.settings
    return has_valid_key(request, configured_key(settings))


def hide_paths(value: Any, data_dir: Path) -> Any:
    """`value` (JSON-like) with every absolute path under a `PATH_KEYS` key shown as `display_path` does."""
    if isinstance(value, dict):
        return {
            k: display_path(v, data_dir)
            if k in PATH_KEYS and isinstance(v, str) and Path(v).is_absolute()
            else hide_paths(v, data_dir)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [hide_paths(v, data_dir) for v in value]
    return value
