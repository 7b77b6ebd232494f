"""Model registry: immutable versions, checksum before load, atomic promotion, rollback, pruning."""

from __future__ import annotations

import json
import math
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest

import homeiq_shared.model_registry as registry_module
from homeiq_shared.artifacts import ArtifactIntegrityError, dump_sklearn, load_sklearn, sha256_bytes
from homeiq_shared.errors import InvalidInputError, NotFoundError
from homeiq_shared.model_registry import ModelRegistry

META: dict[str, Any] = {
    "trigger": "cli",
    "feature_names": ["a", "b"],
    "feature_schema_version": 1,
    "metrics": {"accuracy": 0.9, "split_method": "group_kfold_by_home"},
}


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(tmp_path / "models", keep_last=3)


def _register(registry: ModelRegistry, content: bytes = b"model", name: str = "anomaly") -> str:
    return registry.register(name, {"model.txt": content}, META).version


def test_register_writes_an_immutable_version_with_full_metadata(registry: ModelRegistry) -> None:
    version = registry.register(
        "anomaly", {"model.skops": b"abc", "scaler.skops": b"xyz"}, {**META, "rows": np.int64(5)}
    )

    assert version.path == registry.root / "anomaly" / version.version
    assert registry_module._VERSION_RE.match(version.version)
    on_disk = json.loads((version.path / "metadata.json").read_text())
    assert on_disk == version.metadata
    assert on_disk["model_name"] == "anomaly"
    assert on_disk["version"] == version.version
    assert on_disk["created_at"].endswith("+00:00")
    assert on_disk["artifacts"]["model.skops"] == {"sha256": sha256_bytes(b"abc"), "size_bytes": 3}
    assert on_disk["trigger"] == "cli"
    assert on_disk["rows"] == 5
    assert on_disk["metrics"]["split_method"] == "group_kfold_by_home"
    assert registry.model_names() == ["anomaly"]


def test_versions_are_unique_sorted_and_never_overwritten(registry: ModelRegistry) -> None:
    first = _register(registry, b"one")
    second = _register(registry, b"two")

    assert first.startswith("v0001-")
    assert second.startswith("v0002-")
    assert [v.version for v in registry.versions("anomaly")] == [first, second]
    assert registry.read_artifact("anomaly", first, "model.txt") == b"one"
    assert registry.latest("anomaly") is not None
    assert registry.latest("anomaly").version == second  # type: ignore[union-attr]


def test_a_version_id_is_never_reused_after_its_folder_disappears(registry: ModelRegistry) -> None:
    _register(registry)
    second = _register(registry)
    (registry.root / "anomaly" / second / "model.txt").unlink()
    (registry.root / "anomaly" / second / "metadata.json").unlink()
    (registry.root / "anomaly" / second).rmdir()

    assert _register(registry).startswith("v0003-")


def test_concurrent_registrations_from_two_registries_never_collide(tmp_path: Path) -> None:
    registries = [ModelRegistry(tmp_path), ModelRegistry(tmp_path)]
    results: list[str] = []
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results.append(_register(registries[i % 2], f"m{i}".encode()))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(int(v[1:5]) for v in results)
    assert numbers == list(range(1, 13))
    contents = {registries[0].read_artifact("anomaly", v, "model.txt") for v in results}
    assert contents == {f"m{i}".encode() for i in range(12)}


def test_real_sklearn_model_round_trips_through_the_registry(registry: ModelRegistry) -> None:
    x = np.random.default_rng(0).normal(size=(50, 3))
    model = IsolationForest(n_estimators=5, random_state=0).fit(x)
    version = registry.register("anomaly", {"model.skops": dump_sklearn(model)}, META).version

    loaded = load_sklearn(registry.read_artifact("anomaly", version, "model.skops"))

    np.testing.assert_allclose(loaded.decision_function(x), model.decision_function(x))


def test_a_tampered_artifact_is_refused(registry: ModelRegistry) -> None:
    version = _register(registry, b"0123456789")
    path = registry.root / "anomaly" / version / "model.txt"
    data = bytearray(path.read_bytes())
    data[4] ^= 0x01
    path.write_bytes(bytes(data))

    with pytest.raises(ArtifactIntegrityError, match="sha256") as info:
        registry.read_artifact("anomaly", version, "model.txt")
    assert info.value.status == 500


def test_a_deleted_artifact_is_an_integrity_error(registry: ModelRegistry) -> None:
    version = _register(registry)
    (registry.root / "anomaly" / version / "model.txt").unlink()
    with pytest.raises(ArtifactIntegrityError, match="missing"):
        registry.read_artifact("anomaly", version, "model.txt")


def test_missing_versions_and_artifacts_are_not_found(registry: ModelRegistry) -> None:
    version = _register(registry)
    with pytest.raises(NotFoundError):
        registry.read_artifact("anomaly", "v0099-20260101T000000Z", "model.txt")
    with pytest.raises(NotFoundError):
        registry.read_artifact("anomaly", version, "other.txt")
    with pytest.raises(NotFoundError):
        registry.metadata("failure", version)
    with pytest.raises(InvalidInputError):
        registry.metadata("anomaly", "../../etc")


@pytest.mark.parametrize(
    ("name", "artifacts", "metadata"),
    [
        ("Bad-Name", {"m.txt": b"x"}, {}),
        ("../escape", {"m.txt": b"x"}, {}),
        ("ok", {"../m.txt": b"x"}, {}),
        ("ok", {"sub/m.txt": b"x"}, {}),
        ("ok", {"metadata.json": b"x"}, {}),
        ("ok", {}, {}),
        ("ok", {"m.txt": "not bytes"}, {}),
        ("ok", {"m.txt": b"x"}, {"version": "v9"}),
        ("ok", {"m.txt": b"x"}, {"trigger": "cron"}),
        ("ok", {"m.txt": b"x"}, {"obj": object()}),
    ],
)
def test_invalid_registrations_are_refused_and_leave_nothing(
    registry: ModelRegistry, name: str, artifacts: dict[str, Any], metadata: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInputError):
        registry.register(name, artifacts, metadata)
    assert not registry.root.exists() or registry.model_names() == []


def test_nan_metrics_are_stored_as_null(registry: ModelRegistry) -> None:
    version = registry.register("anomaly", {"m.txt": b"x"}, {"metrics": {"pr_auc": math.nan}})
    assert version.metadata["metrics"]["pr_auc"] is None


def test_a_crash_before_the_commit_rename_leaves_no_visible_version(
    registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def crashing_replace(src: Any, dst: Any) -> None:
        if Path(src).name.startswith(".tmp-"):
            raise OSError("disk died")
        real_replace(src, dst)

    monkeypatch.setattr("homeiq_shared.model_registry.os.replace", crashing_replace)
    with pytest.raises(OSError, match="disk died"):
        _register(registry)

    model_dir = registry.root / "anomaly"
    assert registry.versions("anomaly") == []
    assert [p.name for p in model_dir.iterdir() if p.name.startswith(".tmp-")] == []
    monkeypatch.undo()
    assert _register(registry).startswith("v0002-")  # the lost number is not reused


def test_leftover_temp_folders_are_ignored_and_old_ones_cleaned(registry: ModelRegistry) -> None:
    _register(registry)
    model_dir = registry.root / "anomaly"
    old = model_dir / ".tmp-deadbeef"
    fresh = model_dir / ".tmp-inprogress"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "model.txt").write_bytes(b"half")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))

    assert len(registry.versions("anomaly")) == 1
    _register(registry)

    assert not old.exists()
    assert fresh.exists()  # may belong to a registration still running
    assert len(registry.versions("anomaly")) == 2


def test_promote_and_rollback(registry: ModelRegistry) -> None:
    v1, v2, v3 = (_register(registry) for _ in range(3))
    assert registry.production("anomaly") is None

    registry.promote("anomaly", v1, "first model")
    registry.promote("anomaly", v2, "better macro-F1")
    assert registry.production("anomaly").version == v2  # type: ignore[union-attr]
    assert registry.previous("anomaly").version == v1  # type: ignore[union-attr]

    rolled = registry.rollback("anomaly")
    assert rolled.version == v1
    assert registry.production("anomaly").version == v1  # type: ignore[union-attr]
    assert registry.previous("anomaly").version == v2  # type: ignore[union-attr]

    aliases = json.loads((registry.root / "anomaly" / "aliases.json").read_text())
    assert [(h["version"], h["action"]) for h in aliases["history"]] == [
        (v1, "promote"),
        (v2, "promote"),
        (v1, "rollback"),
    ]
    assert aliases["history"][1]["reason"] == "better macro-F1"
    assert aliases["history"][1]["previous"] == v1
    assert [p.name for p in (registry.root / "anomaly").iterdir() if p.suffix == ".tmp"] == []
    assert v3 not in {aliases["production"], aliases["previous"]}


def test_promoting_an_unknown_version_or_rolling_back_without_previous_fails(registry: ModelRegistry) -> None:
    v1 = _register(registry)
    with pytest.raises(NotFoundError):
        registry.promote("anomaly", "v0042-20260101T000000Z", "typo")
    with pytest.raises(NotFoundError):
        registry.rollback("anomaly")
    registry.promote("anomaly", v1, "first")
    registry.promote("anomaly", v1, "again")  # already production: no change, previous stays empty
    with pytest.raises(NotFoundError, match="previous"):
        registry.rollback("anomaly")


def test_a_crash_while_promoting_keeps_the_old_aliases(
    registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1, v2 = _register(registry), _register(registry)
    registry.promote("anomaly", v1, "first")

    def crashing_replace(src: Any, dst: Any) -> None:
        raise OSError("power cut")

    monkeypatch.setattr("homeiq_shared.model_registry.os.replace", crashing_replace)
    with pytest.raises(OSError, match="power cut"):
        registry.promote("anomaly", v2, "second")
    monkeypatch.undo()

    assert registry.production("anomaly").version == v1  # type: ignore[union-attr]


def test_prune_keeps_the_last_versions_and_production_and_previous(registry: ModelRegistry) -> None:
    ids = [_register(registry) for _ in range(7)]
    registry.promote("anomaly", ids[0], "old but serving")
    registry.promote("anomaly", ids[1], "newer")

    removed = registry.prune("anomaly")

    assert removed == ids[2:4]
    remaining = [v.version for v in registry.versions("anomaly")]
    assert remaining == [ids[0], ids[1], *ids[4:]]
    assert registry.production("anomaly").version == ids[1]  # type: ignore[union-attr]
    assert registry.rollback("anomaly").version == ids[0]
    assert not any(p.name.startswith(".trash-") for p in (registry.root / "anomaly").iterdir())
    assert _register(registry).startswith("v0008-")


def test_switches_record_who_and_whether_gates_were_overridden(registry: ModelRegistry) -> None:
    v1, v2 = _register(registry), _register(registry)
    first = registry.promote("anomaly", v1, "first model")
    assert first is not None
    assert (first["actor"], first["forced"]) == ("unknown", False)  # callers that predate actor/forced
    second = registry.promote("anomaly", v2, "reviewed by hand", actor="models.py", forced=True)
    assert second is not None
    assert (second["previous"], second["actor"], second["forced"]) == (v1, "models.py", True)
    # already production: nothing recorded
    assert registry.promote("anomaly", v2, "again", actor="api") is None
    registry.rollback("anomaly", "bad night", actor="nightly")
    history = registry.aliases("anomaly")["history"]
    assert [(h["action"], h["actor"], h["forced"], h["reason"]) for h in history] == [
        ("promote", "unknown", False, "first model"),
        ("promote", "models.py", True, "reviewed by hand"),
        ("rollback", "nightly", False, "bad night"),
    ]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"gates": {"passed": True, "verdict": "PASSED"}}, True),
        ({"gates": {"passed": True, "verdict": "FAILED"}}, False),  # the verdict decides
        ({"gates": {"passed": False}}, False),
        ({"metrics": {"gates": {"verdict": "PASSED"}}}, True),  # home type keeps them in its metrics
        ({"metrics": {"gates": {"verdict": "FAILED"}}}, False),
        ({"gates": "PASSED"}, True),
        ({"metrics": {"accuracy": 0.9}}, None),
        ({}, None),
    ],
)
def test_gates_passed_reads_both_places(metadata: dict[str, Any], expected: bool | None) -> None:
    assert registry_module.gates_passed(metadata) is expected


def test_a_version_knows_whether_its_gates_passed(registry: ModelRegistry) -> None:
    failed = registry.register("anomaly", {"m.txt": b"x"}, {**META, "gates": {"verdict": "FAILED"}})
    assert failed.gates_passed is False
    assert registry.get("anomaly", _register(registry)).gates_passed is None
