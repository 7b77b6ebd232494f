"""RFC 9457 problem details: the one handler set both services install."""

from __future__ import annotations

import errno
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from homeiq_shared.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://homeiq.dev/problems/"
DATABASE_LOCKED_RETRY_AFTER_S = 2
"""`Retry-After` of the 503 answered while SQLite stays locked past its busy timeout."""


def problem_response(
    status: int,
    title: str,
    detail: str,
    slug: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build an `application/problem+json` response."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "ApiKey"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_detail(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = []
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = str(err.get("msg", "invalid"))
        errors.append({"loc": loc, "msg": msg, "type": err.get("type")})
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts[:5]) or "invalid request", errors


def database_locked(exc: BaseException) -> bool:
    """Whether `exc` is SQLite's "database is locked" (or "busy"), still held past the busy timeout."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return "database is locked" in text or "database is busy" in text


def _input_problem(exc: BaseException, path: str) -> JSONResponse | None:
    """The last-resort 4xx for an error hostile input causes below a route that did not refuse it itself:
    nesting too deep to parse (RecursionError) or a name too long for the file system (ENAMETOOLONG)."""
    if isinstance(exc, RecursionError):
        return problem_response(400, "Bad request", "input nested too deeply", "nesting-too-deep", path)
    if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
        return problem_response(
            422, "Invalid input", "a name or path in the request is too long", "invalid-input", path
        )
    return None


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem-details response."""

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return problem_response(exc.status, exc.title, exc.detail, exc.slug, request.url.path, **exc.extra)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        detail, errors = _validation_detail(exc)
        return problem_response(
            422, "Invalid input", detail, "invalid-input", request.url.path, errors=errors
        )

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        title = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}.get(
            exc.status_code, "HTTP error"
        )
        # Starlette's 405 carries `Allow` (RFC 9110 15.5.6): pass an exception's headers on
        headers = dict(exc.headers) if exc.headers else None
        return problem_response(
            exc.status_code, title, str(exc.detail), f"http-{exc.status_code}", request.url.path, headers
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s", request.url.path)
        return problem_response(
            500, "Internal error", "unexpected server error; see the service log", "internal"
        )

    async def on_database_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OperationalError)
        if database_locked(exc):
            logger.warning("database still locked after the busy timeout on %s", request.url.path)
            return problem_response(
                503,
                "Service unavailable",
                "the database is busy with another write; retry shortly",
                "database-locked",
                request.url.path,
                {"Retry-After": str(DATABASE_LOCKED_RETRY_AFTER_S)},
            )
        raise exc

    async def on_input_error(request: Request, exc: Exception) -> JSONResponse:
        answer = _input_problem(exc, request.url.path)
        if answer is None:
            raise exc  # any other OSError is the service's own: on to the 500 of `on_unexpected`
        return answer

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RecursionError, on_input_error)
    app.add_exception_handler(OSError, on_input_error)
    app.add_exception_handler(OperationalError, on_database_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
