"""The generator's command line, run as the original was: a subprocess with the original flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "generate_synthetic_homes.py"


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(SCRIPT), *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_the_original_command_line_works(tmp_path: Path) -> None:
    done = _run("--count", "10", "--days", "30", "--disable-calendar", "--output",
                "tests/datasets/synthetic_homes_10x30", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "tests" / "datasets" / "synthetic_homes_10x30"
    summary = orjson.loads((folder / "summary.json").read_bytes())
    assert summary["total_homes"] == 10
    assert summary["totals"]["events"] >= 50_000
    assert summary["totals"]["external_data_points"]["calendar"] == 0
    assert summary["totals"]["external_data_points"]["weather"] == 10 * 30 * 24
    assert summary["arguments"]["seed"] == 42
    assert sorted(p.name for p in folder.iterdir()) == [f"home_{i:03d}.json" for i in range(1, 11)] + [
        "summary.json"
    ]
    assert "events/s" in done.stdout


def test_seed_start_date_types_and_gzip(tmp_path: Path) -> None:
    done = _run("--count", "2", "--days", "1", "--seed", "5", "--start-date", "2025-03-30", "--home-types",
                "studio", "--gzip", "--workers", "1", "--enable-weather", "--output", tmp_path / "g", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = orjson.loads((tmp_path / "g" / "summary.json").read_bytes())
    assert summary["arguments"]["start_date"] == "2025-03-30"
    assert summary["home_types"] == {"studio": 2}
    assert sorted(p.name for p in (tmp_path / "g").glob("home_*")) == ["home_001.json.gz", "home_002.json.gz"]


@pytest.mark.parametrize(
    "args",
    [
        ["--count", "0"],
        ["--days", "-3"],
        ["--home-types", "castle"],
        ["--start-date", "yesterday"],
        ["--output", "{file}"],
        ["--output", "{file}/ds"],
    ],
)
def test_bad_input_exits_2_with_one_line_and_leaves_nothing(tmp_path: Path, args: list[str]) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "a_file").write_text("keep me")
    argv = [a.format(file=work / "a_file") for a in args]
    if "--output" not in argv:
        argv += ["--output", str(work / "ds")]
    if "--days" not in argv:
        argv += ["--days", "1"]
    done = _run(*argv, cwd=work)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "error" in done.stderr
    assert sorted(p.name for p in work.iterdir()) == ["a_file"]
    assert (work / "a_file").read_text() == "keep me"
