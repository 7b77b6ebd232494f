"""Security by default: the key is checked before a body is read, bodies are limited, an exposed service
without a key refuses mutating calls, server paths are confined to the data folder and shown only with the key."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset

KEY = "s3cret-key"
WITH_KEY = {"X-HomeIQ-API-Key": KEY}
CHUNK = 1024


def _settings(tmp_path: Path, **extra: Any) -> AiAutomationSettings:
    return AiAutomationSettings.model_validate(
        {"data_dir": tmp_path / "data", "models_dir": tmp_path / "models", **extra}
    )


@asynccontextmanager
async def _client(settings: AiAutomationSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai", timeout=60) as client:
            yield app, client


class CountedBody:
    """A streamed request body (no Content-Length) that counts the chunks the server pulled."""

    def __init__(self, chunks: int, head: bytes = b'{"events": [') -> None:
        self.chunks = chunks
        self.head = head
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(self.chunks):
            self.pulled += 1
            yield self.head if i == 0 else b" " * CHUNK


def _event(i: int) -> dict[str, Any]:
    stamp = f"2024-01-01T00:{i % 60:02d}:00+00:00"
    state = {
        "entity_id": "light.k",
        "state": "on",
        "attributes": {},
        "last_changed": stamp,
        "last_updated": stamp,
    }
    return {
        "event_type": "state_changed",
        "time_fired": stamp,
        "data": {"entity_id": "light.k", "new_state": state},
    }


async def test_a_body_without_the_key_is_refused_before_it_is_read(tmp_path: Path) -> None:
    async with _client(_settings(tmp_path, api_key=KEY)) as (_, client):
        body = CountedBody(chunks=256)
        refused = await client.post(
            "/api/ha/events", content=body, headers={"content-type": "application/json"}
        )
        wrong = await client.post("/api/ha/events", json={"events": []}, headers={"X-HomeIQ-API-Key": "nope"})
        bearer = await client.post(
            "/api/ha/events", json={"events": [_event(0)]}, headers={"Authorization": f"Bearer {KEY}"}
        )
    assert refused.status_code == 401
    assert body.pulled == 0  # not one chunk of the body was read
    assert refused.headers["connection"] == "close"  # and the server will not read the rest either
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["detail"] == "missing or wrong API key (header X-HomeIQ-API-Key)"
    assert refused.headers["www-authenticate"] == "ApiKey"
    assert wrong.status_code == 401
    assert bearer.status_code == 200


async def test_bodies_above_the_route_limit_get_413_as_soon_as_the_length_says_so(tmp_path: Path) -> None:
    settings = _settings(tmp_path, api_key=KEY, max_body_bytes=2048, max_bulk_body_bytes=64 * 1024)
    events = json.dumps({"events": [_event(i) for i in range(40)]})  # ~10 KB: above 2 KB, below 64 KB
    assert 2048 < len(events) < 64 * 1024
    async with _client(settings) as (_, client):
        control = await client.post(
            "/api/synthetic-homes", content=json.dumps({"count": 1, "pad": "x" * 4000}), headers=WITH_KEY
        )
        bulk_ok = await client.post(
            "/api/ha/events", content=events, headers={**WITH_KEY, "content-type": "application/json"}
        )
        bulk_big = await client.post(
            "/api/ha/events",
            content=b" " * (65 * 1024),
            headers={**WITH_KEY, "content-type": "application/json"},
        )
        predict_big = await client.post("/api/home-type/predict", content=b" " * (65 * 1024))
        stored = (await client.get("/api/ha/summary")).json()["stored_events"]
    assert control.status_code == 413
    problem = control.json()
    assert problem["type"].endswith("/http-413")
    assert "2,048 bytes" in problem["detail"]
    assert "AI_AUTOMATION_MAX_BODY_BYTES" in problem["detail"]
    assert bulk_ok.status_code == 200, bulk_ok.text
    assert bulk_big.status_code == 413
    assert "AI_AUTOMATION_MAX_BULK_BODY_BYTES" in bulk_big.json()["detail"]
    assert predict_big.status_code == 413  # no key needed to predict, but the limit holds
    assert stored == bulk_ok.json()["stored"] > 0  # the refused bodies stored nothing


async def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(tmp_path: Path) -> None:
    settings = _settings(tmp_path, api_key=KEY, max_bulk_body_bytes=8 * CHUNK)
    async with _client(settings) as (_, client):
        body = CountedBody(chunks=1000)
        response = await client.post(
            "/api/ha/events", content=body, headers={**WITH_KEY, "content-type": "application/json"}
        )
        alive = await client.get("/api/ha/summary")
    assert response.status_code == 413
    assert response.json()["status"] == 413
    assert body.pulled <= 10  # stopped just past 8 KB, never read the 1 MB
    assert response.headers["connection"] == "close"
    assert alive.status_code == 200


async def test_bound_beyond_loopback_without_a_key_refuses_mutating_calls(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        async with _client(_settings(tmp_path, host="0.0.0.0")) as (_, client):
            refused = await client.post("/api/ha/events", json={"events": [_event(0)]})
            train = await client.post("/api/home-type/train", json={"dataset_id": "x"})
            predict = await client.post("/api/home-type/predict", json={"home": {}})
            health = await client.get("/health")
    assert refused.status_code == 403
    assert train.status_code == 403
    detail = refused.json()["detail"]
    assert "0.0.0.0" in detail
    assert "AI_AUTOMATION_API_KEY" in detail
    assert refused.json()["type"].endswith("/forbidden")
    assert predict.status_code != 403  # reading calls stay open
    security = health.json()["security"]
    assert security["bound_to"] == "network"
    assert security["mutating_calls"] == "refused"
    assert "AI_AUTOMATION_API_KEY" in security["warning"]
    assert any("SECURITY" in r.getMessage() and "0.0.0.0" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("extra", "bound_to", "mutating"),
    [
        ({"host": "0.0.0.0", "allow_remote_without_key": True}, "network", "open to the network"),
        ({"host": "127.0.0.1"}, "loopback", "open on loopback"),
        ({"host": "localhost", "api_key": ""}, "loopback", "open on loopback"),  # compose passes an empty key
        ({"host": "0.0.0.0", "api_key": KEY}, "network", "key required"),
    ],
)
async def test_loopback_the_opt_out_or_a_key_let_mutating_calls_through(
    tmp_path: Path, extra: dict[str, Any], bound_to: str, mutating: str
) -> None:
    async with _client(_settings(tmp_path, **extra)) as (_, client):
        stored = await client.post("/api/ha/events", json={"events": [_event(0)]}, headers=WITH_KEY)
        security = (await client.get("/health")).json()["security"]
    assert stored.status_code == 200, stored.text
    assert (security["bound_to"], security["mutating_calls"]) == (bound_to, mutating)


async def test_dataset_path_is_confined_and_a_refused_path_leaves_no_failed_run(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    settings = _settings(tmp_path, api_key=KEY)
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "escape").symlink_to(outside, target_is_directory=True)
    (settings.data_dir / "empty").mkdir()
    async with _client(settings) as (_, client):
        answers = {
            name: await client.post("/api/home-type/train", json={"dataset_path": path}, headers=WITH_KEY)
            for name, path in {
                "existing": "/etc",
                "missing": "/no/such/folder",
                "outside": str(outside),
                "symlink": str(settings.data_dir / "escape"),
                "dotdot": "../outside",
                "inside_empty": "empty",
                "inside_missing": str(settings.data_dir / "nope"),
            }.items()
        }
        status = (await client.get("/api/home-type/train/status")).json()
    for name in ("existing", "missing", "outside", "symlink", "dotdot"):
        assert answers[name].status_code == 403, (name, answers[name].text)
    details = {answers[n].json()["detail"] for n in ("existing", "missing", "outside", "symlink", "dotdot")}
    assert details == {
        "dataset_path must name a folder inside the service's data folder or a folder listed in "
        "AI_AUTOMATION_PATH_ROOTS"
    }  # one answer, whether the path exists or not
    assert answers["inside_empty"].status_code == 422
    assert answers["inside_missing"].status_code == 422
    assert status["last_run"] is None  # no probe left a failed run behind


async def test_path_roots_let_a_dataset_outside_the_data_folder_in(tmp_path: Path) -> None:
    root = tmp_path / "shared-datasets"
    generate_dataset(
        GeneratorOptions(count=2, days=1, seed=1, weather=False, carbon=False, pricing=False, calendar=False),
        root / "ds",
    )
    async with _client(_settings(tmp_path, api_key=KEY, path_roots=[root])) as (_, client):
        allowed = await client.post(
            "/api/home-type/train",
            json={"dataset_path": str(root / "ds"), "test_size": 0.5},
            headers=WITH_KEY,
        )
    assert allowed.status_code not in (403, 404), allowed.text


async def test_config_dir_is_confined_with_one_answer(tmp_path: Path) -> None:
    outside = tmp_path / "ha-config"
    (outside / ".storage").mkdir(parents=True)
    settings = _settings(tmp_path, api_key=KEY)
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "link").symlink_to(outside, target_is_directory=True)
    async with _client(settings) as (_, client):
        answers = [
            await client.post("/api/ha/import", json={"config_dir": path}, headers=WITH_KEY)
            for path in (
                "/etc",
                "/no/such/dir",
                str(outside),
                str(settings.data_dir / "link"),
                "../ha-config",
            )
        ]
        inside = await client.post("/api/ha/import", json={"config_dir": "missing"}, headers=WITH_KEY)
    assert [a.status_code for a in answers] == [403] * 5
    assert len({a.json()["detail"] for a in answers}) == 1
    assert "AI_AUTOMATION_PATH_ROOTS" in answers[0].json()["detail"]
    assert "exist" not in answers[0].text
    assert inside.status_code == 422


async def test_absolute_server_paths_are_shown_only_with_the_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path, api_key=KEY, home_type_cv_repeats=1)
    async with _client(settings) as (_, client):
        generated = await client.post(
            "/api/synthetic-homes",
            json={"count": 16, "days": 2, "seed": 11, "disable_weather": True, "disable_carbon": True,
                  "disable_pricing": True, "disable_calendar": True},
            headers=WITH_KEY,
        )  # fmt: skip
        dataset_id = generated.json()["dataset_id"]
        trained = await client.post(
            "/api/home-type/train",
            json={"dataset_id": dataset_id, "test_size": 0.25, "seed": 3},
            headers=WITH_KEY,
        )
        assert trained.status_code == 200, trained.text
        version = trained.json()["version"]
        anonymous = {
            "health": (await client.get("/health")).json(),
            "list": (await client.get("/api/synthetic-homes")).json(),
            "one": (await client.get(f"/api/synthetic-homes/{dataset_id}")).json(),
            "status": (await client.get("/api/home-type/train/status")).json(),
            "version": (await client.get(f"/api/home-type/models/{version}")).json(),
        }
        keyed = {
            "health": (await client.get("/health", headers=WITH_KEY)).json(),
            "list": (await client.get("/api/synthetic-homes", headers=WITH_KEY)).json(),
            "version": (await client.get(f"/api/home-type/models/{version}", headers=WITH_KEY)).json(),
        }
    absolute = str(tmp_path)
    for name, answer in anonymous.items():
        assert absolute not in json.dumps(answer), name
    shown = f"datasets/{dataset_id}"
    assert anonymous["health"]["checks"]["data_dir"]["path"] == "."
    assert anonymous["list"][0]["path"] == anonymous["one"]["path"] == shown
    assert anonymous["status"]["last_run"]["data"]["dataset"] == shown
    assert anonymous["version"]["metadata"]["training_data"]["dataset"] == shown
    dataset_folder = str((settings.datasets_dir / dataset_id).resolve())
    assert keyed["health"]["checks"]["data_dir"]["path"] == str(settings.data_dir)
    assert keyed["list"][0]["path"] == dataset_folder
    assert keyed["version"]["metadata"]["training_data"]["dataset"] == dataset_folder
