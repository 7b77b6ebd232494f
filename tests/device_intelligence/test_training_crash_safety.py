"""kill -9 of the device-intelligence service during `/train`: after a restart, production is unchanged
or the new pair complete, the registry verifies, and the run says what happened.

The service runs in a child process (uvicorn, the real app) whose training pauses at a chosen step
(the `paused_children` fixture); the test's `/train` request is in flight when it is killed there.
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.local_services import free_port
from homeiq_shared.model_registry import ModelRegistry

from ..conftest import PausedChildren, wait_healthy

FAILURE, ANOMALY = "failure_prediction", "anomaly_detection"

SERVICE = """
import sys
from pathlib import Path

import uvicorn

import device_intelligence.retraining as retraining
from device_intelligence.app import create_app
from device_intelligence.settings import DeviceIntelligenceSettings
from homeiq_shared.model_registry import ModelRegistry

data_dir, models_dir, port, stop = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

if stop == "training":
    real_train = retraining.train_and_evaluate

    def train_and_evaluate(*args, **kwargs):
        pause()
        return real_train(*args, **kwargs)

    retraining.train_and_evaluate = train_and_evaluate
elif stop == "promotion":
    real_promote = ModelRegistry.promote

    def promote(self, *args, **kwargs):
        pause()
        return real_promote(self, *args, **kwargs)

    ModelRegistry.promote = promote

settings = DeviceIntelligenceSettings(
    data_dir=data_dir, models_dir=models_dir, training_enabled=False, _env_file=None
)
uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""

# Small and quick; gates at 0 so that the first model of an empty registry is promoted.
TRAIN = {
    "source": "synthetic",
    "synthetic_count": 300,
    "days": 60,
    "seed": 7,
    "gate_thresholds": {"accuracy": 0.0, "precision": 0.0, "recall": 0.0, "f1_score": 0.0},
}


def _production(registry: ModelRegistry, name: str) -> str | None:
    entry = registry.production(name)
    return entry.version if entry is not None else None


def _verified(registry: ModelRegistry) -> None:
    for name in (FAILURE, ANOMALY):
        for version in registry.versions(name):
            for artifact in version.artifact_names:
                registry.read_artifact(name, version.version, artifact)  # raises on a sha256 mismatch


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=1) as executor:
        yield executor


def _kill_during_train(
    children: PausedChildren, pool: ThreadPoolExecutor, data: Path, models: Path, stop: str
) -> Future[Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service = children.spawn(SERVICE, str(data), str(models), str(port), stop)
    wait_healthy(base, service)
    in_flight = pool.submit(httpx.post, f"{base}/api/predictions/train", json=TRAIN, timeout=120)
    assert service.stdout is not None
    while not select.select([service.stdout], [], [], 0.2)[0]:
        if in_flight.done():
            answer = in_flight.result()
            pytest.fail(f"/train answered before its pause: {answer.status_code} {answer.text[:300]}")
    children.kill(children.until_paused(service))
    return in_flight


def _restarted(children: PausedChildren, data: Path, models: Path) -> dict[str, Any]:
    """Start the service again on the same folders; return its `/train/status`."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, children.spawn(SERVICE, str(data), str(models), str(port), "none"))
    status: dict[str, Any] = httpx.get(f"{base}/api/predictions/train/status", timeout=10).json()
    return status


def test_a_kill_during_training_keeps_production_and_marks_the_run_failed(
    tmp_path: Path, models_dir: Path, paused_children: PausedChildren, pool: ThreadPoolExecutor
) -> None:
    before = ModelRegistry(models_dir)
    serving = _production(before, FAILURE), _production(before, ANOMALY)
    versions = {name: [v.version for v in before.versions(name)] for name in (FAILURE, ANOMALY)}

    in_flight = _kill_during_train(paused_children, pool, tmp_path / "data", models_dir, "training")
    with pytest.raises(httpx.TransportError):
        in_flight.result(timeout=30)  # the client saw the connection drop, no answer

    status = _restarted(paused_children, tmp_path / "data", models_dir)
    after = ModelRegistry(models_dir)
    assert (_production(after, FAILURE), _production(after, ANOMALY)) == serving
    assert {name: [v.version for v in after.versions(name)] for name in (FAILURE, ANOMALY)} == versions
    _verified(after)
    assert status["last_training_status"] == "failed"
    assert "interrupted" in status["last_training_error"]


def test_a_kill_before_the_first_promotion_leaves_the_pair_registered_not_serving(
    tmp_path: Path, paused_children: PausedChildren, pool: ThreadPoolExecutor
) -> None:
    models = tmp_path / "models"
    in_flight = _kill_during_train(paused_children, pool, tmp_path / "data", models, "promotion")
    with pytest.raises(httpx.TransportError):
        in_flight.result(timeout=30)

    status = _restarted(paused_children, tmp_path / "data", models)
    after = ModelRegistry(models)
    [failure] = after.versions(FAILURE)
    [anomaly] = after.versions(ANOMALY)
    assert anomaly.metadata.get("paired_failure_version") == failure.version  # the pair is complete
    _verified(after)
    assert _production(after, FAILURE) is None  # nothing half-promoted serves
    assert _production(after, ANOMALY) is None
    # the run is recorded as what it left: a registered pair, production kept (there was none)
    assert status["last_training_status"] == "registered"
    assert status["last_run"]["version"] == failure.version
    assert "interrupted" in status["last_run"]["reason"]
