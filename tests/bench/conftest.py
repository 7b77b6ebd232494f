"""Load bench/*.py scripts as modules for their tests, with bench/ on the path for their siblings."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def load_bench() -> Iterator[Callable[[str, str], ModuleType]]:
    """`load_bench(file stem, module name)`: the bench script as a module registered under that name (a
    dataclass looks its module up while being built); bench/ and the names are removed afterwards."""
    sys.path.insert(0, str(BENCH))  # `results_file`, `bench_real_homes`... sit beside the scripts
    names: list[str] = []

    def load(stem: str, name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{stem}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        names.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in names:
        sys.modules.pop(name, None)
    sys.path.remove(str(BENCH))
