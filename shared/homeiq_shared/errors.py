"""Domain exceptions, each mapped to one HTTP status; `problem_details` turns them into responses.

Kept free of web-framework imports: feature-extraction worker processes import this module.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of the errors raised below the routers; each maps to one HTTP status."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInputError(DomainError):
    """The request is well-formed JSON but its content cannot be used."""

    status = 422
    title = "Invalid input"
    slug = "invalid-input"


class NotFoundError(DomainError):
    """The named resource (dataset, model version, device) does not exist."""

    status = 404
    title = "Not found"
    slug = "not-found"


class ConflictError(DomainError):
    """The resource is busy (a training run already holds the lock) or in the wrong state."""

    status = 409
    title = "Conflict"
    slug = "conflict"


class UnauthorizedError(DomainError):
    """A mutating endpoint was called without the configured API key."""

    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class ForbiddenError(DomainError):
    """The call is refused whoever makes it: no API key while exposed, or a server path outside the allowed roots."""

    status = 403
    title = "Forbidden"
    slug = "forbidden"


class ServiceUnavailableError(DomainError):
    """A dependency (model, database) is not ready to serve the request."""

    status = 503
    title = "Service unavailable"
    slug = "service-unavailable"


class NoModelError(ServiceUnavailableError):
    """No production model is served yet (none trained and promoted, or it failed to load): 503 on both
    services, everywhere a route needs a model."""

    title = "No model yet"
    slug = "no-model"
