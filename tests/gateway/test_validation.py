"""Registry entries for the manifest: the trained version, from the services' answers, folder only if needed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.step_results import ModelRecord, RunResult, ServiceRecord, StepResult
from gateway.validation import registry_entry, registry_info

SHA = "cd" * 32


def _entry(version: str, **extra: Any) -> dict[str, Any]:
    return {
        "registry_name": "failure_prediction",
        "version": version,
        "artifacts": {"model.txt": {"sha256": SHA, "size_bytes": 7}},
        "training_data_fingerprint": "e" * 64,
        "library_versions": {"lightgbm": "4"},
        "feature_schema_version": "f-2",
        **extra,
    }


class FakeAi:
    """ai-automation that is never asked (no home-type model in these runs)."""

    async def model_info(self, task: str) -> dict[str, Any]:
        raise AssertionError(f"not expected: model_info({task})")


class FakeDevice:
    """device-intelligence whose `/models/status` is the given body."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = status

    async def models_status(self) -> dict[str, Any]:
        return self.status


def _run(trained_entry: dict[str, Any] | None = None, models_dir: Path | None = None) -> RunResult:
    run = RunResult("r1", datetime(2025, 1, 1, tzinfo=UTC), "cmd", {}, [StepResult("validation", "V")])
    model = ModelRecord(
        "failure_prediction", "Failure prediction", "device-intelligence", "failure_prediction", "v2"
    )
    if trained_entry is not None:
        model.metadata["registry_from_training"] = trained_entry
    run.models["failure_prediction"] = model
    run.services["device-intelligence"] = ServiceRecord(
        "device-intelligence", "http://x", models_dir is not None, models_dir=str(models_dir or "")
    )
    return run


async def test_the_training_answer_describes_the_trained_version() -> None:
    run = _run(trained_entry=_entry("v2"))
    status = {"models": {"failure_prediction": _entry("v2")}}
    [check] = await registry_info(FakeAi(), FakeDevice(status), run)  # type: ignore[arg-type]
    model = run.models["failure_prediction"]
    assert check.passed
    assert model.metadata["registry_source"] == "the training answer (HTTP)"
    assert model.artifacts == [
        {"file": "model.txt", "path": "failure_prediction/v2/model.txt", "sha256": SHA, "size_bytes": 7}
    ]
    assert model.metadata["registry"]["feature_schema_version"] == "f-2"


async def test_another_served_version_is_not_taken_for_the_trained_one() -> None:
    run = _run()  # an old service: no registry in the training answer; remote, so no folder either
    status = {"models": {"failure_prediction": _entry("v1")}}
    [check] = await registry_info(FakeAi(), FakeDevice(status), run)  # type: ignore[arg-type]
    assert not check.passed
    assert "describes version v1, not the trained v2" in check.detail
    assert run.models["failure_prediction"].artifacts == []


async def test_the_run_folder_is_read_only_when_no_answer_describes_the_version(tmp_path: Path) -> None:
    folder = tmp_path / "failure_prediction" / "v2"
    folder.mkdir(parents=True)
    meta = {"version": "v2", "artifacts": {"model.txt": {"sha256": SHA, "size_bytes": 7}},
            "training_data": {"fingerprint": "9" * 64}}  # fmt: skip
    (folder / "metadata.json").write_text(json.dumps(meta))
    run = _run(models_dir=tmp_path)
    status = {"models": {"failure_prediction": _entry("v1")}}
    [check] = await registry_info(FakeAi(), FakeDevice(status), run)  # type: ignore[arg-type]
    model = run.models["failure_prediction"]
    assert check.passed
    assert model.metadata["registry_source"].startswith("this run's registry folder")
    assert model.metadata["registry"]["training_data_fingerprint"] == "9" * 64


async def test_older_status_shape_with_full_metadata_still_counts() -> None:
    run = _run()
    meta = {"model_name": "failure_prediction", "version": "v2", "training_data": {"fingerprint": "a" * 64},
            "artifacts": {"model.txt": {"sha256": SHA, "size_bytes": 7}}}  # fmt: skip
    [check] = await registry_info(FakeAi(), FakeDevice({"model_metadata": meta}), run)  # type: ignore[arg-type]
    assert check.passed
    assert run.models["failure_prediction"].metadata["registry"]["training_data_fingerprint"] == "a" * 64


def test_ai_model_info_and_device_entries_normalise_alike() -> None:
    info = {"model_name": "home_type_full", "model_version": "v3", "training_date": "2025-01-01",
            "artifacts": {"model.skops": {"sha256": SHA}}, "training_data": {"fingerprint": "b" * 64},
            "library_versions": {"scikit-learn": "1"}, "feature_schema_version": "h-1"}  # fmt: skip
    entry = registry_entry(info)
    assert entry == {
        "registry_name": "home_type_full",
        "version": "v3",
        "created_at": "2025-01-01",
        "artifacts": {"model.skops": {"sha256": SHA}},
        "training_data_fingerprint": "b" * 64,
        "library_versions": {"scikit-learn": "1"},
        "feature_schema_version": "h-1",
    }
    assert registry_entry(None) == {}
