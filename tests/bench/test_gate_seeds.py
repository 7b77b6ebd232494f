"""bench/bench_gate_seeds.py: the seed ranges it reads and the gate it measures, the same at one seed."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def gs(load_bench: Callable[[str, str], ModuleType]) -> ModuleType:
    return load_bench("bench_gate_seeds", "bench_gate_seeds")


def test_seed_ranges_and_lists(gs: ModuleType) -> None:
    assert gs.seeds_of("42-45") == [42, 43, 44, 45]
    assert gs.seeds_of("42,44") == [42, 44]
    with pytest.raises(argparse.ArgumentTypeError):
        gs.seeds_of("45-42")


def test_the_summary_gives_mean_sd_and_min(gs: ModuleType) -> None:
    assert gs.summary([0.9, 0.92, 0.88]) == {"mean": 0.9, "sd": 0.02, "min": 0.88}
    assert gs.summary([0.91]) == {"mean": 0.91, "sd": 0.0, "min": 0.91}


def test_one_seed_trains_the_gated_binary_task_and_is_reproducible(gs: ModuleType, tmp_path: Path) -> None:
    first = gs.one_seed(7, 24, 2, tmp_path / "a")
    again = gs.one_seed(7, 24, 2, tmp_path / "b")
    assert first == again  # a seed is one fixed draw: two versions are compared on the same draws
    assert first["seed"] == 7
    assert 0.0 <= first["cv_accuracy"] <= 1.0
    assert 0.0 <= first["held_out_accuracy"] <= 1.0
    assert first["held_out_homes"] > 0
    assert isinstance(first["gates_passed"], bool)
