"""bench/bench_real_homes_seeds.py: one seed's figures are one fixed draw, read as the single-set bench reads them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT.parent / "shared" / "external-data" / "real-ha-homes"


@pytest.fixture(scope="module")
def rs(load_bench: Callable[[str, str], ModuleType]) -> ModuleType:
    if not EXTERNAL.is_dir():
        pytest.skip("../shared/external-data is not beside the checkout")
    return load_bench("bench_real_homes_seeds", "bench_real_homes_seeds")


def test_one_seed_reads_the_installs_and_the_domain_and_is_reproducible(
    rs: ModuleType, tmp_path: Path
) -> None:
    import bench_real_homes

    real = bench_real_homes.real_installs()
    placed = [h for h in real if h["areas"] and any("area" in d for d in h["devices"])]
    placed_x = bench_real_homes.composition(placed)
    houses_x = bench_real_homes.composition([h for h in placed if h["label"] == "single_family_house"])
    first = rs.one_seed(7, real, placed_x, houses_x, tmp_path / "a", homes=40, days=1)
    again = rs.one_seed(7, real, placed_x, houses_x, tmp_path / "b", homes=40, days=1)
    assert first == again  # a seed is one fixed draw: two versions are compared on the same draws
    assert first["seed"] == 7
    houses = sum(h["binary_label"] == "house_like" for h in real)
    for key in ("house_recall", "house_recall_without_floors"):
        assert first[key] * houses == pytest.approx(round(first[key] * houses), abs=0.02)  # k of 19 houses
    assert first["apartments_right"] in (0, 1)
    assert 0.5 <= first["domain_auc_placed"] <= 1.0  # 40 generated homes against the real ones
    assert 0.0 <= first["domain_auc_single_family"] <= 1.0
