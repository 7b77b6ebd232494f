"""Compose parity: start each service exactly as docker-compose.yml would (its command and resolved
environment), with only the port and volume paths remapped, then `/health`, its healthcheck, and a `/predict`."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from gateway.local_services import free_port

from ..conftest import wait_healthy

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = {"ai-automation": "AI_AUTOMATION_", "device-intelligence": "DEVICE_INTELLIGENCE_"}
CONTAINER_PORTS = {"ai-automation": "8018", "device-intelligence": "8019"}
_VAR = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def _example_env() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key] = value.strip().strip('"')  # .env quoting, as docker-compose reads it
    return values


def resolved_compose() -> dict[str, Any]:
    """The compose file as `docker-compose --env-file .env.example config` resolves it (or the same
    `${VAR:-default}` interpolation done here when the binary is missing)."""
    binary = shutil.which("docker-compose")
    if binary:
        out = subprocess.run(
            [binary, "--env-file", ".env.example", "config"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        data = yaml.safe_load(out)
    else:
        env = _example_env()
        text = _VAR.sub(
            lambda m: env.get(m.group(1)) or (m.group(2) or ""), (ROOT / "docker-compose.yml").read_text()
        )
        data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def remap(name: str, service: dict[str, Any], port: int, home: Path) -> tuple[list[str], dict[str, str]]:
    """The service's command and environment with the port, bind address and volume paths made local."""
    prefix, container_port = PREFIXES[name], CONTAINER_PORTS[name]
    command = [str(c) for c in service["command"]]
    assert command[:2] == ["python", "-m"]
    command[0] = sys.executable
    command = [str(port) if c == container_port else "127.0.0.1" if c == "0.0.0.0" else c for c in command]
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
    compose_env = {k: "" if v is None else str(v) for k, v in service["environment"].items()}
    volumes = {v.split(":")[1]: home / v.split(":")[0] for v in service["volumes"]}
    for key, value in compose_env.items():
        if key == f"{prefix}PORT":
            value = str(port)
        elif key == f"{prefix}HOST":
            value = "127.0.0.1"
        elif value in volumes:
            value = str(volumes[value])
        env[key] = value
    for folder in volumes.values():
        folder.mkdir(parents=True, exist_ok=True)
    return command, env


@contextmanager
def running(name: str, service: dict[str, Any], home: Path) -> Iterator[tuple[str, int]]:
    """Start one compose service's command locally; yield its URL and port; always stop it."""
    port = free_port()
    command, env = remap(name, service, port, home)
    log = (home / "service.log").open("wb")
    process = subprocess.Popen(command, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process, log=str(home / "service.log"))
        yield url, port
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def healthcheck_passes(service: dict[str, Any], name: str, port: int) -> bool:
    """Run the compose healthcheck's own command here, pointed at the remapped port."""
    test = [str(t) for t in service["healthcheck"]["test"]]
    assert test[0] == "CMD"
    argv = [
        sys.executable if t == "python" else t.replace(f":{CONTAINER_PORTS[name]}/", f":{port}/")
        for t in test[1:]
    ]
    return subprocess.run(argv, capture_output=True, timeout=15, check=False).returncode == 0


async def serve_small_model(
    client: httpx.AsyncClient, trained: dict[str, Any], prefix: str, params: dict[str, str]
) -> None:
    """A few homes or devices are too few for the gates: put the version in production explicitly."""
    if trained["promoted"]:
        return
    body = {"force": True, "reason": "compose parity test: serve a small model", "actor": "test"}
    forced = await client.post(f"{prefix}/{trained['version']}/promote", params=params, json=body)
    assert forced.status_code == 200, forced.text


async def predict_home(url: str) -> dict[str, Any]:
    """Generate a few homes, train the binary task, then predict one minimal home."""
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        made = await client.post("/api/synthetic-homes", json={"count": 30, "days": 3, "seed": 42})
        assert made.status_code == 201, made.text
        trained = await client.post(
            "/api/home-type/train", json={"dataset_id": made.json()["dataset_id"], "task": "binary"}
        )
        assert trained.status_code == 200, trained.text
        await serve_small_model(client, trained.json(), "/api/home-type/models", {"task": "binary"})
        home = {
            "areas": [{"name": "Living Room"}],
            "devices": [{"entity_id": "light.lamp", "area": "Living Room"}],
        }
        answer = await client.post("/api/home-type/predict", json={"home": home, "task": "binary"})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


async def predict_device(url: str) -> dict[str, Any]:
    """Train on a little synthetic telemetry, then predict one device."""
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        trained = await client.post(
            "/api/predictions/train",
            json={"source": "synthetic", "synthetic_count": 200, "days": 60, "seed": 42, "force": True},
        )
        assert trained.status_code == 200, trained.text
        await serve_small_model(client, trained.json(), "/api/predictions/models", {})
        answer = await client.post(
            "/api/predictions/predict",
            json={"device_id": "sensor.parity", "metrics": {"battery_level": 50.0}},
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def test_each_compose_service_runs_locally_with_its_compose_environment(tmp_path: Path) -> None:
    services = resolved_compose()["services"]
    ai_home, device_home = tmp_path / "ai", tmp_path / "device"
    ai_home.mkdir()
    device_home.mkdir()
    with (
        running("ai-automation", services["ai-automation"], ai_home) as (ai_url, ai_port),
        running("device-intelligence", services["device-intelligence"], device_home) as (dev_url, dev_port),
    ):
        assert healthcheck_passes(services["ai-automation"], "ai-automation", ai_port)
        assert healthcheck_passes(services["device-intelligence"], "device-intelligence", dev_port)

        async def both() -> tuple[dict[str, Any], dict[str, Any]]:
            return await asyncio.gather(predict_home(ai_url), predict_device(dev_url))

        home, device = asyncio.run(both())
    assert home["home_type"] in home["probabilities"]
    assert 0.0 <= device["failure_probability"] <= 100.0
    # The named volumes became the services' data and model folders.
    assert any((ai_home / "ai_automation_models").iterdir())
    assert any((device_home / "device_intelligence_models").iterdir())
    assert (device_home / "device_intelligence_data" / "device_intelligence.db").exists()
