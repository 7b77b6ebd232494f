"""Hostile input answers a 4xx problem, never a 500: over-long names, too-deep JSON, wrong methods."""

from __future__ import annotations

import httpx
import pytest

from homeiq_shared.problem_details import PROBLEM_JSON

LONG = "a" * 300  # over the 255 bytes a file name may have (ENAMETOOLONG)
DEEP = b"[" * 100_000 + b"]" * 100_000


def _problem(response: httpx.Response, *statuses: int) -> dict[str, object]:
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, object] = response.json()
    assert body["status"] == response.status_code
    return body


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", f"/api/synthetic-homes/{LONG}"),
        ("GET", f"/api/synthetic-homes/{LONG}/homes"),
        ("GET", f"/api/home-type/models/{LONG}"),
        ("POST", f"/api/home-type/models/{LONG}/promote"),
    ],
)
async def test_an_over_long_id_in_the_path_is_a_422(
    ai_client: httpx.AsyncClient, method: str, url: str
) -> None:
    _problem(await ai_client.request(method, url), 422)


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/ha/import", {"config_dir": f"/tmp/{LONG}"}),
        ("/api/home-type/train", {"dataset_path": f"/tmp/{LONG}/x"}),
    ],
)
async def test_an_over_long_server_path_is_a_422(
    ai_client: httpx.AsyncClient, url: str, body: dict[str, str]
) -> None:
    problem = _problem(await ai_client.post(url, json=body), 422)
    assert "255" in str(problem["detail"])


@pytest.mark.parametrize("where", ["metadata", "areas"])
async def test_too_deep_json_on_predict_is_a_422(ai_client: httpx.AsyncClient, where: str) -> None:
    value = DEEP if where == "metadata" else b"[" + DEEP + b"]"
    body = b'{"home": {"' + where.encode() + b'": ' + value + b"}}"
    response = await ai_client.post(
        "/api/home-type/predict", content=body, headers={"content-type": "application/json"}
    )
    problem = _problem(response, 422)
    assert "nested too deeply" in str(problem["detail"])


async def test_too_deep_json_on_a_validated_body_is_a_4xx(ai_client: httpx.AsyncClient) -> None:
    """FastAPI parses these bodies with `json.loads`, whose RecursionError the handlers turn into a 400."""
    body = b'{"a": ' + DEEP + b', "b": "v0001-20261201T030000Z"}'
    response = await ai_client.post(
        "/api/home-type/models/compare", content=body, headers={"content-type": "application/json"}
    )
    _problem(response, 400, 422)


async def test_a_wrong_method_is_a_405_naming_the_allowed_ones(ai_client: httpx.AsyncClient) -> None:
    response = await ai_client.delete("/api/home-type/predict")
    _problem(response, 405)
    assert response.headers["allow"] == "POST"
