"""Explicit promotion and rollback: failed gates need force, pairs switch together, details stay readable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from homeiq_shared.contracts.versions import VersionDetail
from homeiq_shared.errors import ConflictError, NotFoundError
from homeiq_shared.model_registry import ModelRegistry
from homeiq_shared.version_control import promote_explicitly, rollback_explicitly, version_detail


def _version(registry: ModelRegistry, name: str, verdict: str | None, **extra: Any) -> str:
    meta: dict[str, Any] = {"trigger": "cli", **extra}
    if verdict is not None:
        meta["gates"] = {"passed": verdict == "PASSED", "verdict": verdict}
    return registry.register(name, {"model.txt": b"m"}, meta).version


def test_failed_gates_need_force_and_the_override_is_recorded(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    good, bad = _version(registry, "failure", "PASSED"), _version(registry, "failure", "FAILED")
    first = promote_explicitly(registry, "failure", good, actor="pipeline")
    assert (first["changed"], first["forced"], first["previous"], first["reason"]) == (
        True, False, None, "explicit promotion",
    )  # fmt: skip
    with pytest.raises(ConflictError, match="force"):
        promote_explicitly(registry, "failure", bad, actor="cli")
    assert registry.aliases("failure")["production"] == good
    forced = promote_explicitly(registry, "failure", bad, force=True, reason="reviewed", actor="cli")
    assert (forced["forced"], forced["previous"], forced["gates_verdict"]) == (True, good, "FAILED")
    history = registry.aliases("failure")["history"]
    assert [(h["actor"], h["forced"], h["reason"]) for h in history] == [
        ("pipeline", False, "explicit promotion"),
        ("cli", True, "reviewed"),
    ]
    # already production: nothing switches, so nothing is refused or recorded
    again = promote_explicitly(registry, "failure", bad)
    assert (again["changed"], len(registry.aliases("failure")["history"])) == (False, 2)
    # force on a version that passed overrides nothing: not recorded as forced
    assert promote_explicitly(registry, "failure", good, force=True)["forced"] is False


def test_a_paired_model_switches_with_the_same_actor_and_unknown_versions_switch_nothing(
    tmp_path: Path,
) -> None:
    registry = ModelRegistry(tmp_path)
    main, pair = _version(registry, "failure", "PASSED"), _version(registry, "anomaly", None)
    with pytest.raises(NotFoundError):
        promote_explicitly(registry, "failure", main, paired=[("anomaly", "v0042-20260101T000000Z")])
    assert registry.aliases("failure")["production"] is None
    switched = promote_explicitly(
        registry, "failure", main, reason="new pair", actor="api", paired=[("anomaly", pair)]
    )
    [other] = switched["paired"]
    assert (other["model"], other["version"], other["actor"], other["gates_verdict"]) == (
        "anomaly",
        pair,
        "api",
        None,
    )
    assert registry.aliases("anomaly")["history"][-1]["reason"] == f"paired with failure {main}: new pair"


def test_rollback_records_who_and_details_summarise_long_lists(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    keys = [f"home-{i}" for i in range(50)]
    v1 = _version(registry, "home_type_full", None, metrics={"gates": {"verdict": "PASSED"}}, keys=keys)
    v2 = _version(registry, "home_type_full", "FAILED")
    with pytest.raises(NotFoundError):
        rollback_explicitly(registry, "home_type_full")
    promote_explicitly(registry, "home_type_full", v1)
    promote_explicitly(registry, "home_type_full", v2, force=True)
    rolled = rollback_explicitly(registry, "home_type_full", actor="models.py")
    assert (rolled["version"], rolled["previous"], rolled["action"], rolled["actor"]) == (
        v1, v2, "rollback", "models.py",
    )  # fmt: skip
    detail = version_detail(registry, "home_type_full", v1)
    assert (detail["is_production"], detail["is_previous"], detail["gates_verdict"]) == (
        True,
        False,
        "PASSED",
    )
    assert detail["metadata"]["keys"] == "[50 items]"
    assert [s["action"] for s in detail["switches"]] == ["promote", "rollback"]


def test_details_carry_the_lineage_as_typed_fields(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    libraries = {"python": "3.11.9", "scikit-learn": "1.5.2"}
    v1 = _version(
        registry, "home_type_full", "PASSED", training_data={"fingerprint": "c" * 64, "homes": 200},
        feature_schema_version=3, library_versions=libraries,
    )  # fmt: skip
    detail = VersionDetail.model_validate(version_detail(registry, "home_type_full", v1))
    assert (detail.training_data_fingerprint, detail.feature_schema_version, detail.library_versions) == (
        "c" * 64, 3, libraries,
    )  # fmt: skip
    assert detail.metadata["training_data"]["fingerprint"] == "c" * 64  # still in the metadata too
    bare = VersionDetail.model_validate(
        version_detail(registry, "failure", _version(registry, "failure", None))
    )
    assert (bare.training_data_fingerprint, bare.feature_schema_version, bare.library_versions) == (
        None, None, None,
    )  # fmt: skip
