"""Registry round trip with tampering refused, promotion rules, and the original CLI line."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from device_intelligence.anomaly import model as anomaly_model
from device_intelligence.failure import model as failure_model
from device_intelligence.retraining import RetrainOptions, RetrainResult, retrain
from device_intelligence.serving import load_production
from homeiq_shared.artifacts import ArtifactIntegrityError
from homeiq_shared.model_registry import ModelRegistry

ROOT = Path(__file__).resolve().parents[2]


def test_round_trip_predicts_like_the_trained_model(models_dir: Path) -> None:
    registry = ModelRegistry(models_dir)
    models = load_production(registry)
    assert models is not None
    meta = registry.metadata(failure_model.MODEL_NAME, models.version)
    assert meta["model_type"] == "lightgbm"
    assert meta["rule_baseline"]["pr_auc"] is not None
    assert (
        registry.metadata(anomaly_model.MODEL_NAME, models.anomaly_version)["model_type"]
        == "isolation_forest"
    )
    x = np.full((1, len(models.failure.feature_names)), np.nan)
    assert 0.0 <= float(models.failure.predict(x)[0]) <= 1.0


def test_tampered_artifact_is_refused(models_dir: Path) -> None:
    registry = ModelRegistry(models_dir)
    version = registry.production(failure_model.MODEL_NAME)
    assert version is not None
    path = version.path / failure_model.BOOSTER_FILE
    path.write_bytes(path.read_bytes().replace(b"tree", b"tre3", 1))
    with pytest.raises(ArtifactIntegrityError):
        load_production(registry)


def test_without_force_a_current_production_model_is_kept(
    models_dir: Path, small_options: RetrainOptions
) -> None:
    registry = ModelRegistry(models_dir)
    before = registry.production(failure_model.MODEL_NAME)
    result = retrain(registry, small_options)
    assert result.status == "kept"
    assert registry.production(failure_model.MODEL_NAME) == before


def test_incremental_update_is_compared_with_production(
    models_dir: Path, small_options: RetrainOptions
) -> None:
    registry = ModelRegistry(models_dir)
    result = retrain(registry, replace(small_options, seed=8, mode="incremental", trigger="nightly"))
    assert result.production_metrics is not None  # challenger and production scored on the same rows
    assert result.status in {"promoted", "registered"}
    meta = registry.metadata(failure_model.MODEL_NAME, result.version or "")
    assert meta["training_mode"] == "incremental"
    assert meta["decision"]["reason"] == result.reason


def test_original_cli_line(tmp_path: Path) -> None:
    line = ["--force", "--verbose", "--synthetic-data", "--synthetic-count", "1000"]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_models.py"), *line],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    registry = ModelRegistry(tmp_path / "models")
    prod = registry.production(failure_model.MODEL_NAME)
    assert prod is not None
    meta = prod.metadata
    assert meta["gates"]["passed"] == (proc.returncode == 0)
    assert meta["training_data"]["rows"]["devices"] == 1000
    assert meta["horizon_days"] == 7
    assert all(len(a["sha256"]) == 64 for a in meta["artifacts"].values())
    assert "Quality gates" in proc.stdout
    assert "rule baseline" in proc.stdout
    json.dumps(meta)


@pytest.mark.parametrize("argv", [["--synthetic-count", "-5"], ["--days", "abc"], ["--no-such-flag"]])
def test_cli_bad_arguments_exit_2(argv: list[str]) -> None:
    spec = importlib.util.spec_from_file_location("train_models_cli", ROOT / "scripts" / "train_models.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(argv) == 2


def test_result_is_json_ready(trained_registry: tuple[Path, RetrainResult]) -> None:
    result = trained_registry[1]
    # Plain JSON: no numpy scalar, no NaN or infinity, nothing that needs a custom encoder.
    back = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert back["version"] == result.version
    assert back["metrics"]["recall"] == result.metrics["recall"]
    assert back["gates"]["verdict"] in ("PASSED", "FAILED")
