"""The OpenAPI document and the `/docs` and `/redoc` pages both services serve, customised once here.

FastAPI's own document says what FastAPI assumes, not what these services answer: every error is an
`application/problem+json` `ProblemDetail` (see `problem_details`), including the 422 of a request that
fails validation, and the protected routes need the API key. `openapi_document` rewrites each
operation's errors accordingly and adds the ones any route may give (400 for an unreadable body, 401
on protected routes, 404 on routes that name a resource, 500 everywhere, 503 on writes, which may
find SQLite locked). The key's two forms are `securitySchemes` (the docs' Authorize button) through
the security dependencies of `app_state.ApiKeyDep`.

The docs pages load Swagger UI and ReDoc from the service itself (the assets the `fastapi-offline`
package ships), never from a CDN: a service on a home network without internet still documents itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

from homeiq_shared.contracts.problems import ProblemDetail
from homeiq_shared.problem_details import PROBLEM_JSON

DOCS_ASSETS_URL = "/docs-assets"
_ASSETS = Path(fastapi_offline.__file__).parent / "static"
_PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetail"}
_METHODS_WRITING = {"post", "put", "patch", "delete"}
_ERROR_DESCRIPTIONS = {
    "400": "The body is not readable JSON (or nested too deeply)",
    "401": "Missing or wrong API key (only when the service has one configured)",
    "404": "No such resource",
    "405": "Method not allowed (the `Allow` header names the allowed ones)",
    "409": "Conflict: the resource is busy (a training run holds it) or in the wrong state",
    "422": "The request failed validation: `errors` names each field",
    "500": "Unexpected server error; see the service log",
    "503": "Not ready to serve (no model yet, or the database is busy: see `Retry-After`)",
}


def _problem(code: str, existing: dict[str, Any] | None) -> dict[str, Any]:
    description = (existing or {}).get("description") or _ERROR_DESCRIPTIONS.get(code, "Error")
    if description in {"Validation Error", "Successful Response", "Additional Response"}:
        description = _ERROR_DESCRIPTIONS.get(code, description)
    return {"description": description, "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}}


def _is_problem(response: dict[str, Any]) -> bool:
    """Whether a declared error answer is a problem detail (not its own schema, as `/health`'s 503)."""
    content = response.get("content") or {}
    if not content or PROBLEM_JSON in content:
        return True
    schema = (content.get("application/json") or {}).get("schema") or {}
    return schema.get("$ref") in {_PROBLEM_REF["$ref"], "#/components/schemas/HTTPValidationError"}


def _document_errors(operation: dict[str, Any], method: str, path: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    wanted = {"500"}
    if "requestBody" in operation:
        wanted.add("400")
    if operation.get("security"):
        wanted.add("401")
    if "{" in path:
        wanted.add("404")
    if method in _METHODS_WRITING:
        wanted.add("503")
    for code in wanted - responses.keys():
        responses[code] = _problem(code, None)
    for code, response in list(responses.items()):
        if code[0] in "45" and _is_problem(response):
            responses[code] = _problem(code, response)
    operation["responses"] = dict(sorted(responses.items()))


def _body_example(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Give a JSON request body its schema's first example as the media type's `example`, the one Swagger UI
    fills "Try it out" with (else it makes its own: `additionalProp1`, `string` where a pattern is due)."""
    media = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if media is None or "example" in media or "examples" in media:
        return
    schema = media.get("schema") or {}
    for candidate in (schema, *schema.get("anyOf", ())):
        ref = candidate.get("$ref", "")
        resolved = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else candidate
        if resolved.get("examples"):
            media["example"] = resolved["examples"][0]
            return


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with every error a problem detail and the API key a security scheme."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["ProblemDetail"] = ProblemDetail.model_json_schema(ref_template="#/components/schemas/{model}")
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            _document_errors(operation, method, path)
            _body_example(operation, schemas)
    # nothing names FastAPI's own validation shapes any more
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = spec
    return spec


def install_docs(app: FastAPI) -> None:
    """Serve `/openapi.json` (from `openapi_document`), `/docs` and `/redoc` with their assets from the
    service itself, in place of FastAPI's pages (which load them from a CDN)."""
    cdn_pages = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url} - {None}
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in cdn_pages]
    app.docs_url = app.redoc_url = None
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=_ASSETS), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
        )

    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
