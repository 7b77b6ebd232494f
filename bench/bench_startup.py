"""Start-up benchmark: every CLI's `--help` wall time, and each service's seconds from process start to
its first 200 on /health (empty registry, and with a production model, plus when that model is loaded).

Writes bench/results/startup.json (with a `table` for bench/run_all.py).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from results_file import machine, write_results

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "startup.json"
HELP_RUNS = 5
SERVE_RUNS = 3
POLL_S = 0.02
SERVICES = {"ai_automation": "AI_AUTOMATION_", "device_intelligence": "DEVICE_INTELLIGENCE_"}


def help_commands() -> dict[str, list[str]]:
    """Every script in scripts/ (new ones included) and `python -m` of both services, each with `--help`."""
    commands = {f"scripts/{s.name}": [str(s)] for s in sorted((ROOT / "scripts").glob("*.py"))}
    commands |= {f"python -m {package}": ["-m", package] for package in SERVICES}
    return {name: [sys.executable, *argv, "--help"] for name, argv in commands.items()}


def bench_help(cwd: Path) -> dict[str, dict[str, Any]]:
    """Median (and every run) of `--help` wall time per command, after one untimed run (bytecode written)."""
    out = {}
    for name, cmd in help_commands().items():
        subprocess.run(cmd, cwd=cwd, capture_output=True, check=True)
        runs = []
        for _ in range(HELP_RUNS):
            started = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, capture_output=True, check=True)
            runs.append(time.perf_counter() - started)
        out[name] = {"median_s": round(statistics.median(runs), 3), "runs_s": [round(r, 3) for r in runs]}
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _models_loaded(package: str, body: dict[str, Any]) -> bool:
    """Whether /health says the production model is loaded (and the start-up load is over)."""
    if package == "ai_automation":
        models = body.get("models", {})
        return not models.get("loading", False) and bool(models.get("loaded"))
    check = body["checks"]["models_loaded"]
    return bool(check["ok"]) and not check.get("loading", False)


def serve_once(package: str, models_dir: Path, work: Path, wait_for_model: bool) -> dict[str, float | None]:
    """Start the service on a fresh data folder: seconds to the first 200 on /health (and to the model loaded)."""
    data_dir = Path(tempfile.mkdtemp(dir=work, prefix=f"{package}-data-"))
    prefix = SERVICES[package]
    env = os.environ | {
        f"{prefix}DATA_DIR": str(data_dir),
        f"{prefix}MODELS_DIR": str(models_dir),
        f"{prefix}LOG_LEVEL": "WARNING",
    }
    port = _free_port()
    cmd = [sys.executable, "-m", package, "--host", "127.0.0.1", "--port", str(port)]
    started = time.perf_counter()
    server = subprocess.Popen(cmd, env=env, cwd=data_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    healthy: float | None = None
    loaded: float | None = None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            while time.perf_counter() - started < 120 and server.poll() is None:
                try:
                    response = client.get("/health")
                except httpx.HTTPError:
                    time.sleep(POLL_S)
                    continue
                now = time.perf_counter() - started
                if response.status_code == 200 and healthy is None:
                    healthy = now
                if healthy is not None and (not wait_for_model or _models_loaded(package, response.json())):
                    loaded = now if wait_for_model else None
                    break
                time.sleep(POLL_S)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    if healthy is None:
        raise RuntimeError(f"{package} never answered /health with 200: {err.decode()[-2000:]}")
    if wait_for_model and loaded is None:
        raise RuntimeError(f"{package} answered /health but never reported its model loaded")
    return {"health_200_s": round(healthy, 3), "model_loaded_s": None if loaded is None else round(loaded, 3)}


def device_registry(models_dir: Path) -> None:
    """A small failure + anomaly pair in production (promoted explicitly if its gates did not pass)."""
    from device_intelligence.retraining import RetrainOptions, retrain
    from homeiq_shared.model_registry import ModelRegistry

    registry = ModelRegistry(models_dir)
    result = retrain(registry, RetrainOptions(synthetic_count=300, days=90, seed=7, horizon_days=7))
    if not result.promoted and result.version and result.anomaly_version:
        registry.promote("failure_prediction", result.version, "bench_startup: explicit promotion")
        registry.promote("anomaly_detection", result.anomaly_version, "bench_startup: explicit promotion")


def home_type_registry(models_dir: Path) -> None:
    """A `full` home-type model on 40 generated homes in production (promoted explicitly if needed)."""
    from ai_automation.home_type.training import TrainingRequest, train_home_type
    from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset
    from homeiq_shared.model_registry import ModelRegistry

    dataset = models_dir.parent / "homes"
    options = GeneratorOptions(
        count=40, days=7, seed=42, weather=False, carbon=False, pricing=False, calendar=False
    )
    generate_dataset(options, dataset, overwrite=True)
    outcome = train_home_type(TrainingRequest(dataset=dataset, models_dir=models_dir, task="full", seed=42))
    if not outcome.promoted:
        ModelRegistry(models_dir).promote(
            outcome.model_name, outcome.version, "bench_startup: explicit promotion"
        )


def bench_serve(work: Path) -> dict[str, dict[str, Any]]:
    """Per service: median over fresh processes of the time to /health 200, empty and with a model."""
    trainers: dict[str, Callable[[Path], None]] = {
        "ai_automation": home_type_registry,
        "device_intelligence": device_registry,
    }
    out: dict[str, dict[str, Any]] = {}
    for package, train in trainers.items():
        empty = work / package / "empty-models"
        trained = work / package / "models"
        trained.mkdir(parents=True)
        train(trained)
        cold = [serve_once(package, empty, work, wait_for_model=False) for _ in range(SERVE_RUNS)]
        warm = [serve_once(package, trained, work, wait_for_model=True) for _ in range(SERVE_RUNS)]

        def median(runs: list[dict[str, float | None]], key: str) -> float:
            return round(statistics.median(float(r[key] or 0.0) for r in runs), 3)

        out[package] = {
            "empty_registry": {"health_200_s_median": median(cold, "health_200_s"), "runs": cold},
            "with_model": {
                "health_200_s_median": median(warm, "health_200_s"),
                "model_loaded_s_median": median(warm, "model_loaded_s"),
                "runs": warm,
            },
        }
    return out


def main() -> int:
    """Run both parts and write the results file."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        helps = bench_help(work)
        serve = bench_serve(work)
    table = [
        {"figure": f"`{name} --help`, median of {HELP_RUNS} (s)", "value": h["median_s"], "target": "< 1"}
        for name, h in helps.items()
    ]
    for package, s in serve.items():
        name = package.replace("_", "-")
        table += [
            {"figure": f"{name}: start to first /health 200, empty registry, median of {SERVE_RUNS} (s)", "value": s["empty_registry"]["health_200_s_median"], "target": "< 3"},
            {"figure": f"{name}: start to first /health 200, production model in the registry (s)", "value": s["with_model"]["health_200_s_median"], "target": "< 3"},
            {"figure": f"{name}: start to the model loaded (background thread, /health says) (s)", "value": s["with_model"]["model_loaded_s_median"], "target": ""},
        ]  # fmt: skip
    doc = {
        "benchmark": "startup",
        "machine": machine(),
        "help": helps,
        "serve": serve,
        "table": table,
    }
    write_results(RESULTS, doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
