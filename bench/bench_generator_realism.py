"""Realism of the generator before and after its calibration, against real homes, per calibration split.

For each split (calibrated on real installs + allenporter devices-v2, devices-v3 held out; then the
reverse) it reports the realism figures (area count, bathroom share, outdoor share of flats, bedrooms,
device-kind rates of houses, plain vs dimmable lights, devices per area) of: the real calibration homes,
the held-out allenporter homes, the generator before calibration (git revision `--before`, run in a
subprocess from an exported tree) and after (with that split's table), generated with the held-out
homes' type mix; plus a domain classifier's AUC (generated vs held-out, the classifier's composition
features, 5-fold CV). Writes bench/results/generator_realism.json.

Usage: python bench/bench_generator_realism.py [--before main] [--per-home 20]
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "generator_realism.json"
SEED = 16


def dump_layouts(types: list[str], seed: int, table_path: str | None) -> list[dict[str, Any]]:
    """Generated homes (areas, device kinds, minimal entity records) for the given type list."""
    from ai_automation.synthesis.home_builder import home_rng
    from ai_automation.synthesis.layout import build_layout

    kwargs: dict[str, Any] = {}
    if table_path:
        from ai_automation.synthesis.calibration import parse_table

        kwargs["table"] = parse_table(json.loads(Path(table_path).read_text(encoding="utf-8")))
    out = []
    for i, home_type in enumerate(types, start=1):
        lay = build_layout(i, home_type, home_rng(seed, i), **kwargs)
        # where the registry shows each device (its records' area; -1 when it left the device in no
        # area, generator 2.5 on), not where the simulation put it
        index = {a["name"]: j for j, a in enumerate(lay.areas)}
        shown: dict[str, int] = {}
        for r in lay.records:
            if r.get("device_id"):
                shown.setdefault(str(r["device_id"]), index.get(r.get("area") or "", -1))
        out.append(
            {
                "home_type": home_type,
                "areas": [a["name"] for a in lay.areas],
                "devices": [
                    [shown.get(d, -1), k] for d, k in zip(lay.device_ids, lay.device_kinds, strict=True)
                ],
                "records": [
                    {"entity_id": r["entity_id"], "area": r["area"], "device_class": r["device_class"]}
                    for r in lay.records
                ],
            }
        )
    return out


def _script() -> Any:
    """The calibration script's functions (find_external_data, calibration_homes...) as a namespace."""
    return SimpleNamespace(**runpy.run_path(str(ROOT / "scripts" / "calibrate_generator.py")))


def _before_tree(rev: str, scratch: Path) -> Path:
    """The generator of git revision `rev`, exported (services and shared) into `scratch`."""
    blob = subprocess.run(
        ["git", "archive", rev, "services", "shared"], cwd=ROOT, capture_output=True, check=True
    )
    with tarfile.open(fileobj=BytesIO(blob.stdout)) as tar:
        tar.extractall(scratch, filter="data")
    return scratch


def _generate(types: list[str], tree: Path | None, table: Path | None, scratch: Path) -> list[dict[str, Any]]:
    if tree is None:
        return dump_layouts(types, SEED, str(table) if table else None)
    out = scratch / "dump.json"
    env = {**os.environ, "PYTHONPATH": f"{tree / 'services'}:{tree / 'shared'}"}
    args = [sys.executable, __file__, "--dump", str(out), "--types", ",".join(types)]
    subprocess.run(args, env=env, check=True)
    result: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
    return result


def _as_cal(generated: list[dict[str, Any]], area_kind: Any) -> list[Any]:
    from ai_automation.synthesis.calibration_sources import CalDevice, CalHome

    out = []
    for g in generated:  # as a registry shows it: the areas holding a device, the others declared empty
        used = sorted({a for a, _ in g["devices"] if a >= 0})
        position = {a: j for j, a in enumerate(used)}
        kinds = [area_kind(n) for n in g["areas"]]
        devices = tuple(CalDevice(position.get(a), k, 1) for a, k in g["devices"])
        empty = tuple(k for j, k in enumerate(kinds) if j not in position)
        out.append(CalHome("generated", g["home_type"], tuple(kinds[a] for a in used), devices,
                           lights_known=True, empty_areas=empty))  # fmt: skip
    return out


def _domain_auc(generated: list[dict[str, Any]], real: list[dict[str, Any]]) -> float:
    """5-fold CV ROC AUC of a random forest telling generated from real homes (composition features)."""
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from ai_automation.home_type.features import COMPOSITION, extract_features, group_columns

    cols = group_columns([COMPOSITION])
    homes = [{"home_id": f"g{i}", "areas": [{"name": n} for n in g["areas"]], "devices": g["records"]}
             for i, g in enumerate(generated)] + real  # fmt: skip
    x = np.nan_to_num(np.array([extract_features(h).values[cols] for h in homes]), nan=-1.0)
    y = np.array([0] * len(generated) + [1] * len(real))
    model = RandomForestClassifier(n_estimators=200, class_weight="balanced", random_state=0, n_jobs=1)
    proba = cross_val_predict(
        model, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=0), method="predict_proba"
    )
    return round(float(roc_auc_score(y, proba[:, 1])), 3)


def run(before: str, per_home: int) -> dict[str, Any]:
    """Every split's table of figures."""
    script = _script()
    import yaml

    from ai_automation.home_type.reference_homes import load_device_registry, map_type, to_minimal_home
    from ai_automation.home_type.semantics import area_kind
    from ai_automation.synthesis.calibration import TABLE_PATH, realism_statistics
    from ai_automation.synthesis.calibration_sources import load_allenporter, registry_entity_counts

    external = script.find_external_data()
    if external is None:
        raise SystemExit("../shared/external-data not found")
    counts = registry_entity_counts(external / "synthetic-home-registry")
    registry = load_device_registry(external / "synthetic-home-registry")
    splits = {}
    with tempfile.TemporaryDirectory(prefix="realism_") as tmp:
        tree = _before_tree(before, Path(tmp) / "before")
        for split, held in (("v2", "v3"), ("v3", "v2")):
            folder = external / "ha-datasets-allenporter" / f"devices-{held}"
            held_out = load_allenporter(folder, counts, area_kind, map_type)
            real_min = []
            for path in sorted(folder.glob("*.yaml")):
                doc = yaml.safe_load(path.read_text(encoding="utf-8"))
                if map_type(str(doc.get("type", "")))[0] is not None:
                    real_min.append(to_minimal_home(doc, registry))
            types = [h.home_type for h in held_out for _ in range(per_home)]
            gen = {
                "before": _generate(types, tree, None, Path(tmp)),
                "after": _generate(types, None, TABLE_PATH.with_name(f"calibration_{split}.json"), Path(tmp)),
            }
            splits[split] = {
                "held_out": f"allenporter devices-{held}",
                "held_out_types": dict(Counter(h.home_type for h in held_out)),
                "figures": {
                    "real_calibration_homes": realism_statistics(script.calibration_homes(external, split)),
                    "held_out_real": realism_statistics(held_out),
                    **{k: realism_statistics(_as_cal(v, area_kind)) for k, v in gen.items()},
                },
                "domain_auc_generated_vs_held_out": {k: _domain_auc(v, real_min) for k, v in gen.items()},
            }
    return splits


def main() -> int:
    """Run the benchmark (or, with --dump, only write generated layouts for another revision)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="git revision of the uncalibrated generator")
    parser.add_argument("--per-home", type=int, default=20, help="generated homes per held-out real home")
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--types", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        args.dump.write_text(json.dumps(dump_layouts(args.types.split(","), SEED, None)), encoding="utf-8")
        return 0
    sys.path[:0] = [str(ROOT / "services"), str(ROOT / "shared")]
    splits = run(args.before, args.per_home)
    rev = subprocess.run(
        ["git", "rev-parse", "--short", args.before], cwd=ROOT, capture_output=True, text=True
    )
    result = {
        "benchmark": "generator_realism",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "before_revision": rev.stdout.strip(),
        "per_held_out_home": args.per_home,
        "area_kinds_from": "ai_automation.home_type.semantics.area_kind (English names; others count as 'other')",
        "splits": splits,
    }
    RESULTS.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for split, body in splits.items():
        figs = body["figures"]
        print(f"calibrated on {split}, held out: {body['held_out']} {body['held_out_types']}")
        cols = list(figs)
        print(f"  {'figure':<32}" + "".join(f"{c:>24}" for c in cols))
        for key in figs[cols[0]]:
            print(f"  {key:<32}" + "".join(f"{figs[c][key]!s:>24}" for c in cols))
        print(f"  domain AUC generated vs held-out: {body['domain_auc_generated_vs_held_out']}")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
