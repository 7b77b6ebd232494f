"""The real-homes figures over several generated sets (writes bench/results/real_homes_seeds.json).

`bench_real_homes.py` and the F1-real-homes check train on one generated set (400 homes x 7 days,
seed 21), so each of their figures is one draw: the installs' house recall moves by one house (0.053)
and the domain AUC by a few hundredths when only the generator's draws change. This bench repeats the
two figures a generator change is judged on at every seed of a range, with the same code:
- the labelled installs' house-like recall and apartment-like homes right (the binary model as F1
  trains it; with the floors the registries declare, and without them as F1's predict bodies carry
  none);
- the domain AUC, generated vs the installs that place an entity (the same forest, grouped CV).
Each seed's set is generated, used and deleted (one on disk at a time).

Usage: PYTHONPATH=shared:services:bench .venv/bin/python bench/bench_real_homes_seeds.py [--seeds 21-25]
(about 2 min per seed on 2 cores)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ai_automation.home_type.dataset import build_feature_table
from ai_automation.home_type.features import FEATURE_SCHEMA_VERSION
from ai_automation.synthesis.generator import GENERATOR_VERSION, GeneratorOptions, generate_dataset
from bench_gate_seeds import seeds_of, summary
from bench_real_homes import (
    COMP,
    DAYS,
    HOMES,
    calibration_installs,
    composition,
    domain_auc,
    real_installs,
    train,
)
from results_file import load_average, machine, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "real_homes_seeds.json"


def one_seed(
    seed: int,
    real: list[dict[str, Any]],
    placed_x: NDArray[np.float64],
    single_family_x: NDArray[np.float64],
    folder: Path,
    homes: int = HOMES,
    days: int = DAYS,
) -> dict[str, Any]:
    """Generate one set at `seed`, train the binary model as F1 does and read the figures. `placed_x` and
    `single_family_x`: the composition rows of the installs placing an entity and of those labelled
    single-family (the same at every seed, so computed once)."""
    dataset = folder / "homes"
    options = GeneratorOptions(
        count=homes, days=days, seed=seed, weather=False, carbon=False, pricing=False, calendar=False
    )
    generate_dataset(options, dataset)
    installs = calibration_installs(train(dataset, folder / "models", "binary"), real)
    table = build_feature_table(dataset)
    generated = table.X[:, COMP]
    domain = domain_auc(generated, placed_x, np.random.default_rng(seed))
    # like for like: generated single-family houses against the installs labelled so (in sample)
    types = np.array([table.home_types[i] for i in table.source])
    like = domain_auc(generated[types == "single_family_house"], single_family_x, np.random.default_rng(seed))
    bare = installs["without_floors"]
    return {
        "seed": seed,
        "house_recall": installs["house_like"]["recall"],
        "apartments_right": installs["apartment_like"]["right"],
        "house_recall_without_floors": bare["house_like"]["recall"],
        "apartments_right_without_floors": bare["apartment_like"]["right"],
        "domain_auc_placed": domain["auc"]["value"],
        "domain_auc_single_family": like["auc"]["value"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=seeds_of, default=seeds_of("21-25"), help="a range (21-25) or a list")
    args = parser.parse_args()
    load = load_average()
    started = time.perf_counter()
    real = real_installs()
    placed = [h for h in real if h["areas"] and any("area" in d for d in h["devices"])]
    placed_x = composition(placed)
    single_family_x = composition([h for h in placed if h["label"] == "single_family_house"])
    houses = sum(h["binary_label"] == "house_like" for h in real)
    flats = sum(h["binary_label"] == "apartment_like" for h in real)
    rows = []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory(prefix="bench-real-seeds-") as tmp:
            rows.append(one_seed(seed, real, placed_x, single_family_x, Path(tmp)))
        print(rows[-1], flush=True)
    span = f"{args.seeds[0]}-{args.seeds[-1]}" if len(args.seeds) > 1 else str(args.seeds[0])

    def spread(key: str) -> dict[str, float]:
        values = [float(r[key]) for r in rows]
        return summary(values) | {"max": round(max(values), 4)}

    figures = {
        key: spread(key)
        for key in (
            "house_recall",
            "house_recall_without_floors",
            "domain_auc_placed",
            "domain_auc_single_family",
        )
    }
    right = [r["apartments_right"] for r in rows]
    right_bare = [r["apartments_right_without_floors"] for r in rows]
    write_results(
        RESULTS,
        {
            "benchmark": "real_homes_seeds",
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "generator_version": GENERATOR_VERSION,
            "feature_schema_version": FEATURE_SCHEMA_VERSION,
            "split": f"per seed: {HOMES} generated homes x {DAYS} days, the binary model as F1-real-homes trains "
            f"it, judged on the {houses} house-like and {flats} apartment-like labelled installs (every one, "
            f"the model never saw a real home); domain AUC vs the {len(placed)} installs placing an entity, "
            "StratifiedGroupKFold 5 by home, out of fold",
            "seeds": rows,
            "figures": figures,
            "seconds": round(time.perf_counter() - started, 1),
            "machine": machine(load),
            "table": [
                {
                    "figure": f"installs' house-like recall over generator seeds {span}: mean / SD / min / max "
                    f"({houses} houses)",
                    "value": " / ".join(
                        str(figures["house_recall"][k]) for k in ("mean", "sd", "min", "max")
                    ),
                    "target": ">= 0.90",
                },
                {
                    "figure": f"the same without the registries' floors (as F1-real-homes sends them), seeds {span}",
                    "value": " / ".join(
                        str(figures["house_recall_without_floors"][k]) for k in ("mean", "sd", "min", "max")
                    ),
                    "target": ">= 0.90",
                },
                {
                    "figure": f"installs' apartment-like homes right per seed, {span} (with / without floors)",
                    "value": f"{right} / {right_bare} of {flats}",
                    "target": "all",
                },
                {
                    "figure": f"domain AUC vs the {len(placed)} installs placing an entity over seeds {span}: "
                    "mean / SD / min / max",
                    "value": " / ".join(
                        str(figures["domain_auc_placed"][k]) for k in ("mean", "sd", "min", "max")
                    ),
                    "target": "<= 0.75",
                },
                {
                    "figure": "domain AUC like for like, generated single-family houses vs the installs labelled "
                    f"single-family that place an entity (in sample) over seeds {span}: mean / SD / min / max",
                    "value": " / ".join(
                        str(figures["domain_auc_single_family"][k]) for k in ("mean", "sd", "min", "max")
                    ),
                    "target": "<= 0.75",
                },
            ],
        },
    )


if __name__ == "__main__":
    main()
