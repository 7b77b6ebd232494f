"""API-key check for mutating endpoints (off when no key is configured) and the confinement of server paths."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path

from fastapi import Request

from homeiq_shared.errors import ForbiddenError, UnauthorizedError

API_KEY_HEADER = "X-HomeIQ-API-Key"
UNAUTHORIZED_DETAIL = f"missing or wrong API key (header {API_KEY_HEADER})"


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
        raise UnauthorizedError(UNAUTHORIZED_DETAIL)


def has_valid_key(request: Request, expected: str | None) -> bool:
    """True when a key is configured and the request presents it (who may see absolute server paths)."""
    key = presented_key(request)
    return bool(expected) and key is not None and secrets.compare_digest(key.encode(), str(expected).encode())


def confine_path(
    raw: str, field: str, data_dir: Path, extra_roots: Sequence[Path], roots_setting: str
) -> Path:
    """`raw` resolved (symlinks too; relative to `data_dir`) when inside `data_dir` or an extra root.

    Anything else raises `ForbiddenError` with one wording whether or not the path exists, so the
    answer never tells a caller what the server's disk holds.
    """
    path = Path(raw)
    try:
        resolved = (path if path.is_absolute() else data_dir / path).resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte: refused like any other
        resolved = None
    for root in (data_dir, *extra_roots):
        if resolved is not None and resolved.is_relative_to(root.resolve()):
            return resolved
    raise ForbiddenError(
        f"{field} must name a folder inside the service's data folder or a folder listed in {roots_setting}"
    )
