"""Registry crash safety: a model set switches in one write, kills mid-write leave nothing half-done.

The fault tests run the real registry in a child process (the `paused_children` fixture) that wraps
`os.replace` so that it pauses at the chosen step; the test kills it there with SIGKILL (no sleeps),
then reopens the registry.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from homeiq_shared.artifacts import sha256_bytes
from homeiq_shared.model_registry import ALIASES_FILE, HISTORY_ARCHIVE_FILE, ModelRegistry

from ..conftest import PausedChildren

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock are POSIX")

FAILURE, ANOMALY = "failure_prediction", "anomaly_detection"
META = {"trigger": "cli", "feature_names": ["a"], "feature_schema_version": 1}

CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from homeiq_shared.model_registry import ModelRegistry

    root, step, stop = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    real_replace = os.replace

    def replace(src, dst):
        src, dst = Path(src), Path(dst)
        if stop == "before-version-rename" and src.name.startswith(".tmp-"):
            pause()
        if stop == "before-alias-commit" and dst == root / "failure_prediction" / "aliases.json":
            pause()
        real_replace(src, dst)
        if stop == "after-alias-commit" and dst == root / "failure_prediction" / "aliases.json":
            pause()

    os.replace = replace
    registry = ModelRegistry(root)
    meta = {"trigger": "cli", "feature_names": ["a"], "feature_schema_version": 1}
    if step == "register":
        registry.register("failure_prediction", {"model.txt": b"X" * 1_000_000, "extra.txt": b"y"}, meta)
    elif step == "promote-pair":
        f, a = sys.argv[4], sys.argv[5]
        registry.promote("failure_prediction", f, "new pair", actor="child", paired={"anomaly_detection": a})
    sys.stdout.write("done\\n")
    """
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "models"


def _stop_at(
    children: PausedChildren, root: Path, step: str, stop: str, *args: str
) -> subprocess.Popen[bytes]:
    """A child registry writer blocked at `stop` of `step`."""
    return children.start(CHILD, str(root), step, stop, *args)


def _pair(registry: ModelRegistry, tag: bytes) -> tuple[str, str]:
    f = registry.register(FAILURE, {"model.txt": b"failure " + tag}, META).version
    a = registry.register(ANOMALY, {"model.txt": b"anomaly " + tag}, META | {"paired_failure_version": f})
    return f, a.version


def _verified(registry: ModelRegistry, name: str, version: str) -> None:
    for artifact in registry.get(name, version).artifact_names:
        registry.read_artifact(name, version, artifact)  # raises on a sha256 mismatch


def _leftovers(root: Path) -> list[str]:
    return sorted(
        f"{d.name}/{c.name}"
        for d in root.iterdir()
        if d.is_dir()
        for c in d.iterdir()
        if c.name.startswith((".tmp-", ".trash-", ".aliases."))
    )


def test_a_kill_during_registration_leaves_no_version_and_the_temp_folder_goes_at_open(
    root: Path, paused_children: PausedChildren
) -> None:
    registry = ModelRegistry(root)
    kept, _ = _pair(registry, b"old")
    registry.promote(FAILURE, kept, "set-up")
    for _ in range(3):
        paused_children.kill(_stop_at(paused_children, root, "register", "before-version-rename"))
        # the next writer's open already removed the one before: one temp folder (1 MB) and its lock file
        assert len(_leftovers(root)) == 2

    reopened = ModelRegistry(root)

    assert _leftovers(root) == []
    assert [v.version for v in reopened.versions(FAILURE)] == [kept]  # no partial version visible
    assert reopened.production(FAILURE).version == kept  # type: ignore[union-attr]
    _verified(reopened, FAILURE, kept)
    fresh = reopened.register(FAILURE, {"model.txt": b"after"}, META)  # numbering goes on
    assert fresh.number == 5  # the counter moved at each killed registration: an id is never reused


def test_opening_the_registry_keeps_the_temp_folder_of_a_registration_in_progress(
    root: Path, paused_children: PausedChildren
) -> None:
    ModelRegistry(root).register(ANOMALY, {"model.txt": b"a"}, META)
    proc = _stop_at(paused_children, root, "register", "before-version-rename")
    in_progress = _leftovers(root)
    assert len(in_progress) == 2

    ModelRegistry(root)  # another process opens the registry meanwhile

    assert _leftovers(root) == in_progress
    assert paused_children.release(proc) == b"done\n"  # let the writer finish
    assert _leftovers(root) == []
    [done] = ModelRegistry(root).versions(FAILURE)
    _verified(ModelRegistry(root), FAILURE, done.version)


@pytest.mark.parametrize("stop", ["before-alias-commit", "after-alias-commit"])
def test_a_kill_during_pair_promotion_serves_the_old_pair_or_the_new_one_complete(
    root: Path, paused_children: PausedChildren, stop: str
) -> None:
    registry = ModelRegistry(root)
    old_f, old_a = _pair(registry, b"old")
    registry.promote(FAILURE, old_f, "set-up", paired={ANOMALY: old_a})
    new_f, new_a = _pair(registry, b"new")

    paused_children.kill(_stop_at(paused_children, root, "promote-pair", stop, new_f, new_a))
    reopened = ModelRegistry(root)

    expected = (old_f, old_a) if stop == "before-alias-commit" else (new_f, new_a)
    served = reopened.production(FAILURE), reopened.paired_production(FAILURE, ANOMALY)
    assert (served[0].version, served[1].version) == expected  # type: ignore[union-attr]
    # the companion's own alias file names the same version (repaired at open when the kill came
    # between the commit and its rewrite), so listings agree with what serves
    assert reopened.production(ANOMALY).version == expected[1]  # type: ignore[union-attr]
    _verified(reopened, FAILURE, expected[0])
    _verified(reopened, ANOMALY, expected[1])
    assert _leftovers(root) == []


def test_a_pair_is_one_alias_write_and_rolls_back_whole(root: Path) -> None:
    registry = ModelRegistry(root)
    f1, a1 = _pair(registry, b"1")
    f2, a2 = _pair(registry, b"2")
    registry.promote(FAILURE, f1, "first", paired={ANOMALY: a1})
    entry = registry.promote(FAILURE, f2, "second", actor="nightly", paired={ANOMALY: a2})

    aliases = registry.aliases(FAILURE)
    assert (aliases["production"], aliases["paired"]) == (f2, {ANOMALY: a2})
    assert (aliases["previous"], aliases["previous_paired"]) == (f1, {ANOMALY: a1})
    assert entry is not None
    assert entry["paired"] == {ANOMALY: a2}
    companion = registry.aliases(ANOMALY)
    assert (companion["production"], companion["previous"], companion["led_by"]) == (a2, a1, FAILURE)
    assert companion["history"][-1]["reason"] == f"paired with {FAILURE} {f2}: second"

    back = registry.rollback(FAILURE, "bad night", actor="api")

    assert back.version == f1
    assert registry.paired_production(FAILURE, ANOMALY).version == a1  # type: ignore[union-attr]
    assert registry.production(ANOMALY).version == a1  # type: ignore[union-attr]
    assert registry.aliases(FAILURE)["previous_paired"] == {ANOMALY: a2}
    # pruning never removes a version the set names
    registry.keep_last = 1
    registry.prune(ANOMALY)
    assert {v.version for v in registry.versions(ANOMALY)} == {a1, a2}


def test_promoting_the_companion_alone_changes_the_served_pair(root: Path) -> None:
    registry = ModelRegistry(root)
    f1, a1 = _pair(registry, b"1")
    registry.promote(FAILURE, f1, "first", paired={ANOMALY: a1})
    other = registry.register(ANOMALY, {"model.txt": b"retuned"}, META).version

    registry.promote(ANOMALY, other, "retuned thresholds")

    assert registry.paired_production(FAILURE, ANOMALY).version == other  # type: ignore[union-attr]
    assert registry.production(FAILURE).version == f1  # type: ignore[union-attr]


def test_an_old_registry_of_two_alias_files_serves_the_same_pair_and_rolls_back_to_it(root: Path) -> None:
    registry = ModelRegistry(root)
    f1, a1 = _pair(registry, b"1")
    f2, a2 = _pair(registry, b"2")
    for name, version in ((FAILURE, f1), (ANOMALY, a1)):  # as written before pairs were recorded
        (root / name / ALIASES_FILE).write_text(
            json.dumps({"production": version, "previous": None, "history": [{"version": version}]})
        )
    reopened = ModelRegistry(root)
    assert reopened.paired_production(FAILURE, ANOMALY).version == a1  # type: ignore[union-attr]

    reopened.promote(FAILURE, f2, "new pair", paired={ANOMALY: a2})
    assert reopened.aliases(FAILURE)["previous_paired"] == {ANOMALY: a1}  # what served with f1
    reopened.rollback(FAILURE)

    assert reopened.paired_production(FAILURE, ANOMALY).version == a1  # type: ignore[union-attr]
    assert reopened.production(ANOMALY).version == a1  # type: ignore[union-attr]


def test_the_alias_history_keeps_the_last_switches_and_archives_the_older_ones(root: Path) -> None:
    registry = ModelRegistry(root, history_limit=3)
    versions = [registry.register(FAILURE, {"model.txt": bytes([i])}, META).version for i in range(3)]
    for i in range(7):
        registry.promote(FAILURE, versions[i % 3], f"switch {i}")

    aliases = registry.aliases(FAILURE)
    assert [h["reason"] for h in aliases["history"]] == ["switch 4", "switch 5", "switch 6"]
    assert aliases["history_archived"] == 4
    archived = registry.archived_history(FAILURE)
    assert [h["reason"] for h in archived] == ["switch 0", "switch 1", "switch 2", "switch 3"]
    assert (root / FAILURE / HISTORY_ARCHIVE_FILE).is_file()
    assert aliases["production"] == versions[0]
    assert registry.get(FAILURE, versions[0]).metadata["artifacts"]["model.txt"]["sha256"] == sha256_bytes(
        bytes([0])
    )
    with pytest.raises(ValueError, match="history_limit"):
        ModelRegistry(root, history_limit=0)
