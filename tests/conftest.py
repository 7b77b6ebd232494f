"""Fixtures every test folder can use: child processes stopped at a chosen step and killed there.

A fault test runs real code in a child process whose script calls `pause()` at the step to hit: the
child writes "ready" to its stdout and blocks reading stdin, the test reads "ready" and kills it
with SIGKILL at exactly that point (no sleeps, no timing), or closes stdin to let it finish.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from gateway.local_services import free_port

# The Home Assistant integration's tests run on HA core under Python 3.13 (`make test-ha`, its own venv
# and services/ha_integration/pytest.ini), not in this suite.
collect_ignore = ["ha_integration/ha_core"]

PAUSE = textwrap.dedent(
    """
    import sys as _sys

    def pause():
        _sys.stdout.write("ready\\n")
        _sys.stdout.flush()
        _sys.stdin.read()  # blocks until the test kills this process (or closes stdin)
    """
)


class PausedChildren:
    """Start scripts (with `pause()` defined) in child processes; kill or release them at their pause."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def spawn(self, script: str, *args: str) -> subprocess.Popen[bytes]:
        """Run `script` with `args` in a child process; return at once."""
        proc = subprocess.Popen(
            [sys.executable, "-c", PAUSE + textwrap.dedent(script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=os.environ.copy(),
        )
        self.started.append(proc)
        return proc

    @staticmethod
    def until_paused(proc: subprocess.Popen[bytes], timeout_s: float = 120.0) -> subprocess.Popen[bytes]:
        """Block until the child reached `pause()` (at most `timeout_s`); return it (blocked there)."""
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
        if not ready:
            proc.kill()
            pytest.fail(f"the child did not reach its pause within {timeout_s} s")
        line = proc.stdout.readline()
        assert line == b"ready\n", f"the child ended before its pause: {line!r} (exit {proc.wait()})"
        return proc

    def start(self, script: str, *args: str) -> subprocess.Popen[bytes]:
        """Run `script` with `args`; return once it reached `pause()` (blocked there)."""
        return self.until_paused(self.spawn(script, *args))

    @staticmethod
    def kill(proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the child where it paused."""
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL

    @staticmethod
    def release(proc: subprocess.Popen[bytes]) -> bytes:
        """Let the child go on from its pause; return the rest of its stdout once it exited cleanly."""
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.close()
        rest = proc.stdout.read()
        assert proc.wait() == 0
        return rest

    def close(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()


@pytest.fixture
def paused_children() -> Iterator[PausedChildren]:
    """Children stopped at a chosen step; any still alive at the end of the test are killed."""
    if sys.platform == "win32":
        pytest.skip("SIGKILL is POSIX")
    children = PausedChildren()
    yield children
    children.close()


def wait_healthy(url: str, process: subprocess.Popen[bytes], deadline_s: float = 90.0, log: str = "") -> None:
    """Poll `url`/health until it answers 200 (a service starting up); fail when the process exits or
    the deadline passes, with `log` (a path) tail in the message."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if process.poll() is not None:
            pytest.fail(f"the service at {url} exited ({process.returncode}): {_tail(log)}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.1)  # between probes; returns at once if the service dies
    pytest.fail(f"the service at {url} did not become healthy within {deadline_s} s: {_tail(log)}")


def _tail(log: str) -> str:
    return Path(log).read_text(errors="replace")[-2000:] if log and Path(log).is_file() else ""


class _SignallingServer(uvicorn.Server):
    """A uvicorn server that says when its start-up is over, so a test waits for that and no longer."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.startup_done = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.startup_done.set()


@contextmanager
def serve(app: FastAPI, lifespan: Literal["on", "off"] = "off") -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a thread (real HTTP); yield its base URL.

    A real service needs `lifespan="on"` (its lifespan opens the registry and loads the models).
    """
    port = free_port()
    server = _SignallingServer(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # set the moment start-up ends (listening, or failed); 60 s only bounds a hang
    if not server.startup_done.wait(timeout=60) or not server.started:
        raise RuntimeError("the server did not start (see its log above), or not within 60 s")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


FUZZ_EXAMPLES = 20
"""Cases per API operation and mode (valid, invalid) in the bounded schemathesis runs, derandomized."""


def fuzz_labels(spec: dict[str, Any], *, leave_out: tuple[str, ...] = ()) -> list[str]:
    """Every operation of an OpenAPI document as "METHOD /path", except those left out."""
    labels = [f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item]
    return [label for label in labels if label not in leave_out]


def fuzz_operation(base_url: str, label: str, api_key: str) -> None:
    """Run generated cases (valid and invalid) of one operation of the served OpenAPI document against
    the running service, each held to `check_fuzzed_call`."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    spec = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
    method, path = label.split(" ", 1)
    operation = schemathesis.openapi.from_dict(spec)[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @settings(
        max_examples=FUZZ_EXAMPLES * 2,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def run(case: Any) -> None:
        check_fuzzed_call(case, base_url, api_key)

    run()


def check_fuzzed_call(case: Any, base_url: str, api_key: str) -> None:
    """Call one generated case and hold it to the contract: no unhandled 500, every status documented,
    the documented media type and schema, and every error a problem detail (4xx and 5xx)."""
    from schemathesis.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    response = case.call_and_validate(
        base_url=base_url,
        headers={"X-HomeIQ-API-Key": api_key},
        checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
        timeout=60,
    )
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code != 500, where
    if response.status_code >= 400:
        media = {k.lower(): v for k, v in response.headers.items()}.get("content-type", [""])  # values: lists
        assert media[0].startswith("application/problem+json"), where
        assert response.json()["status"] == response.status_code, where
