"""A real PostgreSQL for the storage and API tests: the machine's cluster, a fresh role and database per session.

The session fixture starts the Debian cluster when it is down (`pg_ctlcluster <version> <name> start
-- --wait`, which needs root; pg_ctl returns once the server says it is ready), checks it with one
`pg_isready`, creates a role and a database with a random name through
`runuser -u postgres -- psql`, yields the asyncpg URL and drops both at the end (and stops the cluster
again if it started it). Without PostgreSQL, without root or when the cluster does not start, every
test here is skipped with the reason: a machine lacking PostgreSQL is not a failure of the project.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from ai_automation.app import create_app as create_ai_app
from ai_automation.settings import AiAutomationSettings
from device_intelligence.app import create_app as create_di_app
from device_intelligence.settings import DeviceIntelligenceSettings

PREFERRED_CLUSTER = ("15", "main")
READY_WITHIN_S = 30.0
COMMAND_TIMEOUT_S = 60.0
DROP_ALL = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"


@dataclass(frozen=True)
class Cluster:
    """One line of `pg_lsclusters`."""

    version: str
    name: str
    port: int
    online: bool


def _run(*args: str, timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """Run a command (cwd "/": the postgres user may not be allowed into the checkout); a timeout is a failure."""
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd="/", check=False)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", f"{args[0]} timed out after {timeout:.0f} s")


def _clusters() -> list[Cluster]:
    listed = _run("pg_lsclusters", "--no-header")
    clusters = []
    for line in listed.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2].isdigit():
            clusters.append(Cluster(fields[0], fields[1], int(fields[2]), fields[3].startswith("online")))
    return clusters


def _pick(clusters: list[Cluster]) -> Cluster | None:
    for cluster in clusters:
        if (cluster.version, cluster.name) == PREFERRED_CLUSTER:
            return cluster
    return clusters[0] if clusters else None


def _accepts_connections(port: int) -> bool:
    """One `pg_isready` probe (the start above already waited for the server: no polling here)."""
    return _run("pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port), "-t", "2").returncode == 0


def _psql(port: int, *statements: str) -> subprocess.CompletedProcess[str]:
    commands = [arg for statement in statements for arg in ("-c", statement)]
    return _run("runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", str(port), *commands)  # fmt: skip


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The asyncpg URL of a fresh database owned by a fresh role on the machine's PostgreSQL."""
    missing = [
        tool for tool in ("pg_lsclusters", "pg_ctlcluster", "pg_isready", "runuser") if not shutil.which(tool)
    ]
    if missing:
        pytest.skip(f"PostgreSQL server tools not installed (missing {', '.join(missing)})")
    if os.geteuid() != 0:
        pytest.skip("starting the PostgreSQL cluster and creating a role needs root (run as root)")
    cluster = _pick(_clusters())
    if cluster is None:
        pytest.skip("PostgreSQL is installed but has no cluster (pg_lsclusters lists none)")
    started_here = False
    if not cluster.online:
        # pg_ctl waits for the server's own "ready" (postmaster.pid), for at most READY_WITHIN_S
        wait = ("--", "--wait", f"--timeout={READY_WITHIN_S:.0f}")
        start = _run(
            "pg_ctlcluster", cluster.version, cluster.name, "start", *wait, timeout=READY_WITHIN_S + 30
        )
        started_here = start.returncode == 0
        if not started_here and not any(
            c.online for c in _clusters() if (c.version, c.name) == (cluster.version, cluster.name)
        ):
            pytest.skip(
                f"pg_ctlcluster {cluster.version} {cluster.name} start failed: {start.stderr.strip()}"
            )
    try:
        yield from _fresh_database(cluster)
    finally:
        if started_here:
            _run("pg_ctlcluster", cluster.version, cluster.name, "stop")


def _fresh_database(cluster: Cluster) -> Iterator[str]:
    if not _accepts_connections(cluster.port):
        pytest.skip(f"PostgreSQL {cluster.version}/{cluster.name} does not accept connections on port {cluster.port}")  # fmt: skip
    name = f"homeiq_test_{secrets.token_hex(6)}"
    password = secrets.token_hex(16)
    created = _psql(
        cluster.port,
        f"CREATE ROLE {name} LOGIN PASSWORD '{password}'",
        f"CREATE DATABASE {name} OWNER {name}",
    )
    try:
        if created.returncode != 0:
            pytest.skip(f"could not create a test role and database: {created.stderr.strip()}")
        yield f"postgresql+asyncpg://{name}:{password}@127.0.0.1:{cluster.port}/{name}"
    finally:
        _psql(cluster.port, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"DROP ROLE IF EXISTS {name}")


@pytest.fixture
async def pg_url(postgres_url: str) -> str:
    """The session database, emptied for this test (every table dropped: each app creates its own)."""
    conn = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(DROP_ALL)
    finally:
        await conn.close()
    return postgres_url


@pytest.fixture
def ai_pg_settings(tmp_path: Path, pg_url: str) -> AiAutomationSettings:
    """ai-automation settings on the PostgreSQL database (folders in the test's temporary directory; no
    nightly schedule, so a test running at the scheduled minute sees only its own runs)."""
    return AiAutomationSettings(
        data_dir=tmp_path / "data",
        models_dir=tmp_path / "models",
        database_url=pg_url,
        training_enabled=False,
        _env_file=None,
    )


@pytest.fixture
def di_pg_settings(tmp_path: Path, pg_url: str) -> DeviceIntelligenceSettings:
    """device-intelligence settings on the PostgreSQL database, with an empty model registry."""
    return DeviceIntelligenceSettings(
        data_dir=tmp_path / "data",
        models_dir=tmp_path / "empty-models",
        database_url=pg_url,
        training_enabled=False,
        _env_file=None,
    )


@pytest.fixture
async def ai_pg(ai_pg_settings: AiAutomationSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The ai-automation app on PostgreSQL and a client talking to it through ASGI, inside its lifespan."""
    app = create_ai_app(ai_pg_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai") as client:
            yield app, client


@pytest.fixture
async def di_pg(
    di_pg_settings: DeviceIntelligenceSettings,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The device-intelligence app on PostgreSQL and a client talking to it through ASGI, inside its lifespan."""
    app = create_di_app(di_pg_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://di") as client:
            yield app, client


def empty_database(url: str) -> None:
    """Drop every table of the session database (each app creates its own at start-up)."""
    import asyncio

    async def drop() -> None:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(DROP_ALL)
        finally:
            await conn.close()

    asyncio.run(drop())
