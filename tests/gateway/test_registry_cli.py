"""`models.py`: list, show, compare, promote and roll back, on a registry folder and on a served service."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ai_automation.app import create_app
from ai_automation.home_type.training import TrainingRequest, train_home_type
from ai_automation.settings import AiAutomationSettings
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset
from gateway.local_services import free_port
from gateway.registry_cli import main
from homeiq_shared.model_registry import ModelRegistry

from ..conftest import serve
from .conftest import Stubs

NAME = "home_type_full"


@pytest.fixture(scope="module")
def home_registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """Two home-type versions trained on two small datasets, and a third: B's model with FAILED gates."""
    base = tmp_path_factory.mktemp("cli")
    trained = []
    for seed in (21, 22):
        generate_dataset(
            GeneratorOptions(
                count=16, days=2, seed=seed, weather=False, carbon=False, pricing=False, calendar=False
            ),
            base / f"homes-{seed}",
        )
        request = TrainingRequest(
            base / f"homes-{seed}", base / "models", test_size=0.25, seed=5, cv_repeats=1
        )
        trained.append(train_home_type(request).version)
    return base / "models", trained[0], trained[1]


def _setup(tmp_path: Path, home_registry: tuple[Path, str, str]) -> tuple[ModelRegistry, str, str, str]:
    """A private registry: A production, B with its gates marked PASSED, and a copy of B marked FAILED."""
    root, a, b = home_registry
    shutil.copytree(root, tmp_path / "models")
    registry = ModelRegistry(tmp_path / "models")
    versions = []
    for verdict in ("PASSED", "FAILED"):
        meta = {
            k: v
            for k, v in registry.metadata(NAME, b).items()
            if k not in {"model_name", "version", "created_at", "artifacts"}
        }
        meta["metrics"] = {**meta["metrics"], "gates": {"verdict": verdict, "passed": verdict == "PASSED"}}
        artifact = registry.read_artifact(NAME, b, "model.skops")
        versions.append(registry.register(NAME, {"model.skops": artifact}, meta).version)
    registry.promote(NAME, a, "set-up")
    return registry, a, versions[0], versions[1]


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_help_answers_before_anything_heavy_is_imported() -> None:
    code = (
        "import sys\nfrom gateway.registry_cli import main\nrc = main(['--help'])\n"
        "heavy = {'numpy', 'httpx', 'sklearn', 'lightgbm', 'ai_automation', 'device_intelligence'}\n"
        "print(rc, sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "0 []"
    assert "promote" in out
    script = Path(__file__).resolve().parents[2] / "scripts" / "models.py"
    assert subprocess.run([sys.executable, str(script), "--help"], capture_output=True).returncode == 0


def test_folder_mode(
    tmp_path: Path, home_registry: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    registry, a, passed, failed = _setup(tmp_path, home_registry)
    folder = ["--models-dir", str(registry.root)]
    assert main(["list", *folder, "--json"]) == 0  # the folder holds one model: --model is inferred
    listed = _json(capsys)
    assert (listed["model"], listed["production"]) == (NAME, a)
    assert [v["gates_verdict"] for v in listed["versions"][2:]] == ["PASSED", "FAILED"]

    assert main(["promote", failed, *folder]) == 1
    assert "quality gates" in capsys.readouterr().err
    assert registry.aliases(NAME)["production"] == a
    assert main(["promote", failed, "--force", "--reason", "reviewed by hand", *folder]) == 0
    assert failed in capsys.readouterr().out
    last = registry.aliases(NAME)["history"][-1]
    assert (last["version"], last["actor"], last["forced"], last["reason"]) == (
        failed,
        "models.py",
        True,
        "reviewed by hand",
    )
    assert main(["--actor", "ops", "promote", passed, *folder, "--model", NAME]) == 0
    assert registry.aliases(NAME)["history"][-1]["actor"] == "ops"
    assert main(["rollback", *folder]) == 0
    assert registry.aliases(NAME)["production"] == failed
    capsys.readouterr()
    assert main(["show", failed, *folder, "--json"]) == 0
    shown = _json(capsys)
    assert (shown["is_production"], [s["action"] for s in shown["switches"]]) == (
        True,
        ["promote", "rollback"],
    )
    assert main(["compare", a, passed, *folder]) == 2  # rebuilding held-out data needs the service: --url
    assert "--url" in capsys.readouterr().err

    assert main(["show", "v0099-20260101T000000Z", *folder]) == 2
    assert main(["list"]) == 2  # neither --models-dir nor --url
    assert main(["list", "--models-dir", str(tmp_path / "nowhere")]) == 2
    assert main(["compare", a, passed, *folder, "--model", "anomaly_detection"]) == 2
    assert main(["promote", failed, "--reason", "", *folder]) == 2


def test_url_mode_against_a_served_service(
    tmp_path: Path,
    home_registry: tuple[Path, str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry, a, passed, failed = _setup(tmp_path, home_registry)
    settings = AiAutomationSettings(
        data_dir=tmp_path / "data", models_dir=registry.root, api_key="secret", _env_file=None
    )
    monkeypatch.delenv("HOMEIQ_API_KEY", raising=False)
    with serve(create_app(settings), lifespan="on") as url:
        where = ["--url", url, "--model", NAME]
        assert main(["list", *where, "--json"]) == 0
        assert [v["version"] for v in _json(capsys)["versions"]] == [a, home_registry[2], passed, failed]
        assert main(["promote", failed, "--force", *where]) == 1  # no API key: 401
        assert "401" in capsys.readouterr().err
        assert main(["promote", failed, *where, "--api-key", "secret"]) == 1  # gates failed: 409
        monkeypatch.setenv("HOMEIQ_API_KEY", "secret")
        assert main(["promote", failed, "--force", "--reason", "over HTTP", *where, "--json"]) == 0
        switched = _json(capsys)
        assert (switched["production"], switched["forced"], switched["actor"]) == (failed, True, "models.py")
        assert main(["show", failed, *where, "--json"]) == 0
        assert _json(capsys)["switches"][-1]["reason"] == "over HTTP"
        assert main(["rollback", *where]) == 0
        assert registry.aliases(NAME)["production"] == a
        assert "rolled back to" in capsys.readouterr().out
        assert main(["compare", a, passed, *where, "--json"]) == 0
        compared = _json(capsys)
        assert compared["common_set"]["homes"] == compared["b"]["recorded"]["test_homes"]
        assert main(["compare", a, passed, *where]) == 0  # the table
        assert "common set" in capsys.readouterr().out
        assert main(["show", "v0099-20260101T000000Z", *where]) == 2
        assert main(["list", "--url", url]) == 2  # which model?
    assert main(["list", "--url", f"http://127.0.0.1:{free_port()}", "--model", NAME, "--timeout", "2"]) == 3


def test_a_failing_service_exits_3(stubs: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    with stubs.serve(stubs.ai(fail=frozenset({"/api/home-type/models"}))) as url:
        assert main(["list", "--url", url, "--model", NAME]) == 3
    assert "500" in capsys.readouterr().err


def test_folder_mode_promotes_a_failure_version_with_its_anomaly_pair_and_checks_sha256(
    tmp_path: Path,
) -> None:
    registry = ModelRegistry(tmp_path / "models")
    gates = {"gates": {"verdict": "PASSED", "passed": True}}
    failure = registry.register("failure_prediction", {"model.txt": b"booster"}, gates).version
    anomaly = registry.register(
        "anomaly_detection", {"device_health.skops": b"forest"}, {**gates, "paired_failure_version": failure}
    ).version
    folder = ["--models-dir", str(registry.root), "--model", "failure_prediction"]
    assert main(["promote", failure, *folder]) == 0
    assert registry.aliases("failure_prediction")["production"] == failure
    assert registry.aliases("anomaly_detection")["production"] == anomaly  # switched with its pair
    second = registry.register("failure_prediction", {"model.txt": b"booster 2"}, gates)
    (second.path / "model.txt").write_bytes(b"tampered")
    assert main(["promote", second.version, *folder]) == 1  # its artifact no longer matches its sha256
    assert registry.aliases("failure_prediction")["production"] == failure


def test_folder_mode_promotes_a_pair_in_one_alias_write_and_rolls_the_pair_back(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path / "models")
    gates = {"gates": {"verdict": "PASSED", "passed": True}}
    pairs = []
    for tag in (b"1", b"2"):
        failure = registry.register("failure_prediction", {"model.txt": b"booster " + tag}, gates).version
        anomaly = registry.register(
            "anomaly_detection", {"device_health.skops": b"forest " + tag},
            {**gates, "paired_failure_version": failure},
        ).version  # fmt: skip
        pairs.append((failure, anomaly))
    folder = ["--models-dir", str(registry.root), "--model", "failure_prediction"]
    for failure, _ in pairs:
        assert main(["promote", failure, *folder]) == 0
    aliases = registry.aliases("failure_prediction")
    assert (aliases["production"], aliases["paired"]) == (pairs[1][0], {"anomaly_detection": pairs[1][1]})

    assert main(["rollback", *folder]) == 0

    assert registry.production("failure_prediction").version == pairs[0][0]  # type: ignore[union-attr]
    served = registry.paired_production("failure_prediction", "anomaly_detection")
    assert served is not None
    assert served.version == pairs[0][1]
    assert registry.production("anomaly_detection").version == pairs[0][1]  # type: ignore[union-attr]
