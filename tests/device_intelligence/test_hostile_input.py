"""Over-long ids in the URL and server paths in a body answer a 422 problem, never a 500."""

from __future__ import annotations

import httpx
import pytest

from homeiq_shared.problem_details import PROBLEM_JSON

LONG = "a" * 300  # over the 255 bytes a file name may have (ENAMETOOLONG)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", f"/api/predictions/models/{LONG}", None),
        ("GET", f"/api/predictions/models/versions/{LONG}", None),
        ("POST", f"/api/predictions/models/{LONG}/promote", None),
        ("POST", "/api/ha/import", {"config_dir": f"/tmp/{LONG}/{LONG}"}),
    ],
)
async def test_an_over_long_name_is_a_422_problem(
    empty_client: httpx.AsyncClient, method: str, url: str, body: dict[str, str] | None
) -> None:
    response = await empty_client.request(method, url, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
