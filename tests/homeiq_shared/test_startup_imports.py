"""Start-up stays light: the apps, the pipeline CLI and every CLI's `--help` path import no ML library.

scikit-learn alone takes seconds to import on a small machine. The services answer `/health` and the
CLIs answer `--help` without it; the functions that train, load or predict import it when called.
Each case runs in a fresh interpreter and reports which heavy packages ended up in `sys.modules`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "lightgbm", "skops", "scipy", "matplotlib", "pandas")
SCRIPTS = sorted((ROOT / "scripts").glob("*.py"))
MARK = "HEAVY-MODULES="


def heavy_after(code: str, cwd: Path) -> list[str]:
    """Run `code` in a fresh interpreter (a SystemExit, as `--help` raises, ends it normally); the heavy packages it loaded."""
    probe = (
        "import json, sys\ntry:\n"
        + textwrap.indent(textwrap.dedent(code).strip(), "    ")
        + "\nexcept SystemExit:\n    pass\n"
        + f"print({MARK!r} + json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert MARK in done.stdout, done.stdout[-3000:]
    loaded: list[str] = json.loads(done.stdout.rsplit(MARK, 1)[1])
    return loaded


@pytest.mark.parametrize("module", ["ai_automation.app", "device_intelligence.app", "gateway.cli"])
def test_importing_an_app_or_the_pipeline_cli_loads_no_ml_library(module: str, tmp_path: Path) -> None:
    assert heavy_after(f"import {module}", tmp_path) == []


@pytest.mark.parametrize("package", ["ai_automation", "device_intelligence", "gateway"])
def test_python_m_help_loads_no_ml_library(package: str, tmp_path: Path) -> None:
    code = f"""
        import runpy
        sys.argv = [{package!r}, "--help"]
        runpy.run_module({package!r}, run_name="__main__", alter_sys=True)
    """
    assert heavy_after(code, tmp_path) == []


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_every_script_help_loads_no_ml_library(script: Path, tmp_path: Path) -> None:
    code = f"""
        import runpy
        sys.argv = [{str(script)!r}, "--help"]
        runpy.run_path({str(script)!r}, run_name="__main__")
    """
    assert heavy_after(code, tmp_path) == []


def test_the_probe_sees_a_heavy_import(tmp_path: Path) -> None:
    # scipy's top level is cheap to import; it stands in for any of the heavy packages here
    assert heavy_after("import scipy", tmp_path) == ["scipy"]
