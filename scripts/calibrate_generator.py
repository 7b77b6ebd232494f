"""Derive the generator's per-home-type statistics from real homes and write them as JSON.

Calibration split `v2` (the default, committed as synthesis/calibration_v2.json): the labelled real
installs (../shared/external-data/real-ha-homes) plus allenporter devices-v2, devices-v3 held out;
`v3` is the reverse. Area kinds come from the home-type classifier's `area_kind` (the same names ->
kinds the realism features use) and allenporter's free-text types from its `map_type`; this script is
where the generator and the classifier meet, as the bench does (the packages stay independent).

Usage: python scripts/calibrate_generator.py [--split v2|v3] [--output PATH] [--external-data DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AREA_KIND_FUNCTION = "ai_automation.home_type.semantics.area_kind"
APPLIED_AREA_CORRELATION = 0.0
AREA_CORRELATION_NOTE = (
    "fitted, not applied: with the fitted correlation generated house and flat registries overlap in "
    "area count as real ones do, and the pipeline's binary gate (cross-validated accuracy >= 0.90 on "
    "generated homes) fails (0.865 on 200 homes, seed 42); changing that gate is a project decision"
)
MEASURED_STEPS: dict[str, tuple[bool, str]] = {
    # table key: (whether the generator draws it, why), written as `<key>_applied` / `<key>_note`
    "empty_areas": (
        False,
        "measured, not applied: with declared empty areas drawn at these rates the domain AUC against the "
        "real installs fell (0.980 -> 0.956) but the calibration installs' house recall did not rise "
        "(0.789 -> 0.684-0.737) and the pipeline's binary gate on generated homes failed (cross-validated "
        "accuracy 0.935 -> 0.895 < 0.90); see README, real homes",
    ),
    "other_hardware": (
        True,
        "drawn: units per equipped area, entities per unit and their classes, pooled over the real installs "
        "that place a device; see README, real homes",
    ),
    "device_placement": (
        True,
        "drawn: each home's share of devices its registry places in an area, from the Beta fitted on the "
        "labelled installs; the devices left without one stay in their rooms in the simulation; see README, "
        "real homes",
    ),
    "floor_registry": (
        True,
        "drawn: whether the registry of a home whose areas are on two or more floors declares them (then "
        "every floor of the building, each area on its own; a home on one floor never does, as no labelled "
        "install declares a single floor), at the rate of the labelled installs with an area registry, "
        "applied to the multi-floor homes only (a lower bound of that conditional rate); see README, real "
        "homes",
    ),
    "lightless": (
        True,
        "drawn: whether a home's registry holds no light (no light device and no light among the hardware "
        "it places), at the rate of the labelled installs with a device registry; see README, real homes",
    ),
}
"""The statistics the table measures beyond the per-type ones, and whether each is drawn."""


def find_external_data(start: Path = ROOT) -> Path | None:
    """`shared/external-data` beside the checkout (or beside a folder of worktrees), if present."""
    for folder in (start, *start.parents):
        candidate = folder.parent / "shared" / "external-data"
        if (candidate / "real-ha-homes").is_dir():
            return candidate
    return None


def calibration_homes(external: Path, split: str) -> list:  # type: ignore[type-arg]
    """The calibration homes of a split: labelled real installs plus one allenporter folder."""
    from ai_automation.home_type.reference_homes import map_type
    from ai_automation.home_type.registry_view import declared_floors
    from ai_automation.home_type.semantics import area_kind
    from ai_automation.synthesis.calibration_sources import (
        load_allenporter,
        load_real_ha,
        registry_entity_counts,
    )

    counts = registry_entity_counts(external / "synthetic-home-registry")
    allenporter = external / "ha-datasets-allenporter" / f"devices-{split}"
    return load_real_ha(external / "real-ha-homes", area_kind, declared_floors) + load_allenporter(
        allenporter, counts, area_kind, map_type
    )


def build_table(external: Path, split: str) -> dict:  # type: ignore[type-arg]
    """The calibration table of `split` from the data under `external`."""
    from ai_automation.home_type.semantics import area_kind
    from ai_automation.synthesis.calibrated_layout import fit_area_correlation
    from ai_automation.synthesis.calibration import derive_table, parse_table
    from ai_automation.synthesis.home_types import ROOM_NAMES

    room_classes = {kind: area_kind(names[0]) for kind, names in ROOM_NAMES.items()}
    table = derive_table(calibration_homes(external, split), split, room_classes, AREA_KIND_FUNCTION)
    parsed = parse_table(table)
    real_sd = {t: float(s["areas"]["log_sd"]) for t, s in table["types"].items()}
    table["area_correlation_fitted"] = fit_area_correlation(parsed.types, real_sd, parsed.room_classes)
    table["area_correlation"] = APPLIED_AREA_CORRELATION
    table["area_correlation_note"] = AREA_CORRELATION_NOTE
    for key, (applied, note) in MEASURED_STEPS.items():
        table[f"{key}_applied"] = applied
        table[f"{key}_note"] = note
    return table


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, derive the table, write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split", choices=("v2", "v3"), default="v2", help="allenporter folder to calibrate on"
    )
    parser.add_argument("--output", type=Path, help="default: synthesis/calibration_<split>.json")
    parser.add_argument(
        "--external-data", type=Path, help="default: ../shared/external-data beside the checkout"
    )
    args = parser.parse_args(argv)
    sys.path[:0] = [str(ROOT / "services"), str(ROOT / "shared")]
    from ai_automation.synthesis.calibration import TABLE_PATH, write_table

    external = args.external_data or find_external_data()
    if external is None or not (external / "real-ha-homes").is_dir():
        print("external data not found: pass --external-data DIR (holding real-ha-homes/)", file=sys.stderr)
        return 2
    output = args.output or TABLE_PATH.with_name(f"calibration_{args.split}.json")
    table = build_table(external, args.split)
    write_table(table, output)
    print(f"{output}: {len(table['types'])} calibrated home types ({', '.join(table['types'])}); "
          f"priors kept for {', '.join(table['priors_kept']) or 'none'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
