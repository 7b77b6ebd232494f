"""`GET /api/synthetic-homes/{id}/homes`: a dataset's first home files over HTTP (`.json` or `.json.gz`),
a validated `limit`, and problem details for an unknown dataset or one whose files are gone."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx

from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings
from homeiq_shared.contracts.synthetic_homes import HomeFiles


async def _generate(client: httpx.AsyncClient, **options: Any) -> str:
    body = {"count": 5, "days": 1, "seed": 11, "disable_calendar": True, **options}
    created = await client.post("/api/synthetic-homes", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["dataset_id"])


async def test_the_first_homes_whole_and_as_written(
    ai_client: httpx.AsyncClient, ai_settings: AiAutomationSettings
) -> None:
    dataset_id = await _generate(ai_client)
    answer = await ai_client.get(f"/api/synthetic-homes/{dataset_id}/homes")
    assert answer.status_code == 200, answer.text
    files = HomeFiles.model_validate(answer.json())
    assert (files.dataset_id, files.total_homes, len(files.homes)) == (dataset_id, 5, 3)  # default limit 3
    folder = ai_settings.datasets_dir / dataset_id
    on_disk = [json.loads((folder / f"home_00{i}.json").read_text()) for i in (1, 2, 3)]
    assert files.homes == on_disk  # the files themselves, in name order
    assert all(h["events"] and h["labels"]["home_type"] for h in files.homes)
    two = HomeFiles.model_validate(
        (await ai_client.get(f"/api/synthetic-homes/{dataset_id}/homes", params={"limit": 2})).json()
    )
    assert two.homes == on_disk[:2]
    assert two.total_homes == 5
    many = HomeFiles.model_validate(
        (await ai_client.get(f"/api/synthetic-homes/{dataset_id}/homes", params={"limit": 20})).json()
    )
    assert len(many.homes) == 5  # fewer files than asked: all of them


async def test_gzipped_home_files_are_read_too(
    ai_client: httpx.AsyncClient, ai_settings: AiAutomationSettings
) -> None:
    dataset_id = await _generate(ai_client, count=2, gzip=True)
    folder = ai_settings.datasets_dir / dataset_id
    assert sorted(p.name for p in folder.glob("home_*")) == ["home_001.json.gz", "home_002.json.gz"]
    answer = await ai_client.get(f"/api/synthetic-homes/{dataset_id}/homes", params={"limit": 5})
    assert answer.status_code == 200, answer.text
    files = HomeFiles.model_validate(answer.json())
    assert files.total_homes == 2
    assert files.homes == [json.loads(gzip.decompress((folder / "home_001.json.gz").read_bytes())),
                           json.loads(gzip.decompress((folder / "home_002.json.gz").read_bytes()))]  # fmt: skip


async def test_limit_is_validated(ai_client: httpx.AsyncClient) -> None:
    dataset_id = await _generate(ai_client, count=1)
    for bad in (0, -1, 21, "many"):
        answer = await ai_client.get(f"/api/synthetic-homes/{dataset_id}/homes", params={"limit": bad})
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_unknown_gone_or_malformed_datasets_are_problem_details(
    ai_client: httpx.AsyncClient, ai_settings: AiAutomationSettings
) -> None:
    unknown = await ai_client.get("/api/synthetic-homes/ds-nope/homes")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert "ds-nope" in unknown.json()["detail"]
    assert (await ai_client.get("/api/synthetic-homes/bad id!/homes")).status_code == 422
    dataset_id = await _generate(ai_client, count=2)
    for path in (ai_settings.datasets_dir / dataset_id).glob("home_*"):
        path.unlink()  # as the gateway prunes a run's home files (summary.json stays)
    gone = await ai_client.get(f"/api/synthetic-homes/{dataset_id}/homes")
    assert gone.status_code == 404
    assert "no home files" in gone.json()["detail"]


def test_the_route_declares_its_contract(ai_settings: AiAutomationSettings) -> None:
    operation = create_app(ai_settings).openapi()["paths"]["/api/synthetic-homes/{dataset_id}/homes"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/HomeFiles"}
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["default"], limit["schema"]["minimum"], limit["schema"]["maximum"]) == (3, 1, 20)
    assert "404" in operation["responses"]
