"""RFC 9457 problem details: the body of every error answer of both services."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProblemDetail(BaseModel):
    """`application/problem+json`: what went wrong, for people (`title`, `detail`) and code (`type`)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="A URI naming the kind of problem, e.g. https://homeiq.dev/problems/no-model"
    )
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str | None = Field(None, description="The request path")
    errors: list[dict[str, Any]] | None = Field(None, description="Per-field errors of a 422")


PROBLEM_RESPONSE: dict[str, Any] = {
    "model": ProblemDetail,
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}},
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the listed error statuses answer with a problem detail."""
    return dict.fromkeys(statuses, PROBLEM_RESPONSE)
