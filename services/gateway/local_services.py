"""Start both services as local uvicorn subprocesses for one run, wait on /health, and stop them."""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

logger = logging.getLogger(__name__)

_POLL_S = 0.1
_STOP_GRACE_S = 10.0
_PORT_ATTEMPTS = 3


@dataclass(frozen=True)
class ServiceSpec:
    """How to run one service: its display name, module (`python -m`) and settings env prefix."""

    name: str
    module: str
    env_prefix: str


AI_AUTOMATION = ServiceSpec("ai-automation", "ai_automation", "AI_AUTOMATION_")
DEVICE_INTELLIGENCE = ServiceSpec("device-intelligence", "device_intelligence", "DEVICE_INTELLIGENCE_")


class LocalServiceError(RuntimeError):
    """A local service could not be started or did not become healthy in time."""


@dataclass
class LocalService:
    """One running subprocess and where it keeps its files."""

    spec: ServiceSpec
    port: int
    api_key: str
    home: Path
    process: subprocess.Popen[bytes]
    started_at: float = field(default_factory=time.monotonic)
    ready_after_s: float | None = None

    @property
    def url(self) -> str:
        """Base URL on loopback."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        """The service's data folder (SQLite file, datasets)."""
        return self.home / "data"

    @property
    def models_dir(self) -> Path:
        """The service's model registry."""
        return self.home / "models"

    @property
    def log_path(self) -> Path:
        """stdout and stderr of the subprocess."""
        return self.home / "service.log"

    def log_tail(self, lines: int = 8) -> str:
        """The last lines of the service log (for error messages)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_environment(spec: ServiceSpec, home: Path, api_key: str, port: int) -> dict[str, str]:
    """The child's environment: ours without the service's own variables, then an isolated setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(spec.env_prefix)}
    p = spec.env_prefix
    env.update(
        {
            f"{p}HOST": "127.0.0.1",
            f"{p}PORT": str(port),
            f"{p}DATA_DIR": str((home / "data").resolve()),
            f"{p}MODELS_DIR": str((home / "models").resolve()),
            f"{p}API_KEY": api_key,
            f"{p}LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class LocalServiceSet:
    """The services started for one run; `stop()` ends every one of them, whatever happened."""

    def __init__(self, run_dir: Path, startup_timeout_s: float = 60.0, python: str = sys.executable) -> None:
        self.run_dir = run_dir
        self.startup_timeout_s = startup_timeout_s
        self.python = python
        self.services: dict[str, LocalService] = {}
        atexit.register(self.stop)

    def _spawn(self, spec: ServiceSpec, api_key: str) -> LocalService:
        home = self.run_dir / spec.module
        (home / "data").mkdir(parents=True, exist_ok=True)
        (home / "models").mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = service_environment(spec, home, api_key, port)
        command = [self.python, "-m", spec.module, "--host", "127.0.0.1", "--port", str(port)]
        with (home / "service.log").open("ab") as log:
            # Own session: a Ctrl-C in the terminal reaches the gateway, which then stops the child itself.
            process = subprocess.Popen(
                command, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        logger.info("started %s (pid %s) on port %s", spec.name, process.pid, port)
        service = LocalService(spec, port, api_key, home, process)
        self.services[spec.name] = service
        return service

    async def _wait_healthy(self, service: LocalService) -> bool:
        """Poll `/health` until 200 (True), the process exits (False), or the deadline passes (raise)."""
        deadline = time.monotonic() + self.startup_timeout_s
        async with httpx.AsyncClient(timeout=httpx.Timeout(2.0, connect=0.5)) as client:
            while time.monotonic() < deadline:
                if service.process.poll() is not None:
                    return False
                try:
                    response = await client.get(f"{service.url}/health")
                    if response.status_code == 200:
                        service.ready_after_s = time.monotonic() - service.started_at
                        return True
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(_POLL_S)
        raise LocalServiceError(
            f"{service.spec.name} did not answer /health with 200 within {self.startup_timeout_s:.0f} s"
            f" (log {service.log_path}):\n{service.log_tail()}"
        )

    async def start(self, spec: ServiceSpec) -> LocalService:
        """Start one service on a free port and return once its `/health` says healthy."""
        api_key = secrets.token_urlsafe(24)
        for _attempt in range(_PORT_ATTEMPTS):
            service = self._spawn(spec, api_key)
            if await self._wait_healthy(service):
                return service
            tail = service.log_tail()
            self._stop_one(service)
            # Another process may have taken the port between our probe and the bind: try another.
            if "address already in use" not in tail.lower():
                raise LocalServiceError(
                    f"{spec.name} exited with code {service.process.returncode} before becoming healthy"
                    f" (log {service.log_path}):\n{tail}"
                )
        raise LocalServiceError(f"{spec.name}: no free port after {_PORT_ATTEMPTS} attempts")

    async def start_all(self, specs: list[ServiceSpec]) -> list[LocalService]:
        """Start several services at once; if one fails, the others are stopped too."""
        try:
            return list(await asyncio.gather(*(self.start(s) for s in specs)))
        except BaseException:
            self.stop()
            raise

    @staticmethod
    def _stop_one(service: LocalService) -> None:
        process = service.process
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            process.terminate()
        try:
            process.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop within %.0f s, killing it", service.spec.name, _STOP_GRACE_S)
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                process.kill()
            process.wait(timeout=_STOP_GRACE_S)
        logger.info("stopped %s (exit %s)", service.spec.name, process.returncode)

    def stop(self) -> None:
        """Stop every started service (idempotent; also registered with atexit)."""
        for service in list(self.services.values()):
            try:
                self._stop_one(service)
            except Exception:  # keep stopping the others
                logger.exception("could not stop %s", service.spec.name)

    def all_stopped(self) -> bool:
        """True when no started subprocess is still running."""
        return all(s.process.poll() is not None for s in self.services.values())
