"""`/api/synthetic-homes`: generate over HTTP, list and describe; bad input is a 422 with nothing stored."""

from __future__ import annotations

import httpx

from ai_automation.settings import AiAutomationSettings


async def test_generate_list_and_describe(
    ai_client: httpx.AsyncClient, ai_settings: AiAutomationSettings
) -> None:
    created = await ai_client.post(
        "/api/synthetic-homes", json={"count": 3, "days": 1, "seed": 5, "disable_calendar": True}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    dataset_id = body["dataset_id"]
    assert body["homes"] == 3
    assert body["events"] == body["summary"]["totals"]["events"] > 0
    folder = ai_settings.datasets_dir / dataset_id
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("home_")) == [
        "home_001.json",
        "home_002.json",
        "home_003.json",
    ]
    listed = (await ai_client.get("/api/synthetic-homes")).json()
    assert [d["dataset_id"] for d in listed] == [dataset_id]
    described = (await ai_client.get(f"/api/synthetic-homes/{dataset_id}")).json()
    assert described["summary"]["seed"] == 5
    again = await ai_client.post(
        "/api/synthetic-homes", json={"count": 3, "days": 1, "seed": 5, "disable_calendar": True}
    )
    # same seed and options: byte-identical home files in the second dataset
    second = ai_settings.datasets_dir / again.json()["dataset_id"]
    assert (second / "home_002.json").read_bytes() == (folder / "home_002.json").read_bytes()


async def test_bad_requests_are_problem_details_and_store_nothing(
    ai_client: httpx.AsyncClient, ai_settings: AiAutomationSettings
) -> None:
    unknown_type = await ai_client.post(
        "/api/synthetic-homes", json={"count": 2, "days": 1, "home_types": ["castle"]}
    )
    assert unknown_type.status_code == 422
    assert "castle" in unknown_type.json()["detail"]
    extra = await ai_client.post("/api/synthetic-homes", json={"count": 2, "days": 1, "colour": "red"})
    assert extra.status_code == 422
    too_big = await ai_client.post("/api/synthetic-homes", json={"count": 10_000, "days": 366})
    assert too_big.status_code == 422
    assert "limit" in too_big.json()["detail"]
    assert (await ai_client.get("/api/synthetic-homes")).json() == []
    assert not any(ai_settings.datasets_dir.iterdir())
    assert (await ai_client.get("/api/synthetic-homes/ds-nope")).status_code == 404
    assert (await ai_client.get("/api/synthetic-homes/bad id!")).status_code == 422
