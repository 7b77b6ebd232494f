"""API-key check for mutating endpoints (off when no key is configured)."""

from __future__ import annotations

import secrets

from fastapi import Request

from homeiq_shared.errors import UnauthorizedError

API_KEY_HEADER = "X-HomeIQ-API-Key"


def presented_key(request: Request) -> str | None:
    """The key a request carries, from the API-key header or an `Authorization: Bearer` header."""
    key = request.headers.get(API_KEY_HEADER)
    if key:
        return key
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def verify_api_key(request: Request, expected: str | None) -> None:
    """Raise `UnauthorizedError` unless `expected` is unset or the request presents it."""
    if not expected:
        return
    key = presented_key(request)
    if key is None or not secrets.compare_digest(key.encode(), expected.encode()):
        raise UnauthorizedError(f"missing or wrong API key (header {API_KEY_HEADER})")
