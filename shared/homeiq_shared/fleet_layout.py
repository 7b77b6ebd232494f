"""Where a fleet dataset keeps its Parquet parts: one folder per table, hive partitions by home type and shard.

The generator (ai_automation.fleet) writes this layout and device intelligence (device_intelligence.fleet)
reads it; both agree through these names only. Plain paths, no Parquet library: the default install
imports this module without the `[fleet]` extra.
"""

from __future__ import annotations

from pathlib import Path

# Tables of a generated fleet (one row per event, device entity, area, home, failure episode, context point).
HOME_TABLES: tuple[str, ...] = (
    "homes",
    "events",
    "devices",
    "areas",
    "failure_episodes",
    "weather",
    "carbon_intensity",
    "pricing",
    "calendar",
)
DEVICE_DAYS = "device_days"  # derived by device intelligence: one row per device and UTC day, with features
SCORES = "scores"  # written by the fleet scorer
SUMMARY_FILE = "summary.json"
COMPRESSION = "zstd"


def part_path(root: Path, table: str, home_type: str, shard: int) -> Path:
    """The one Parquet file of `table` for the homes of `home_type` in block `shard`."""
    return root / table / f"home_type={home_type}" / f"shard={shard:05d}" / "part-0.parquet"


def part_key(path: Path, root: Path) -> tuple[str, int]:
    """(home_type, shard) of a part written by `part_path`, read back from its hive folders."""
    rel = path.relative_to(root).parts
    return rel[1].partition("=")[2], int(rel[2].partition("=")[2])


def table_parts(root: Path, table: str) -> list[Path]:
    """Every part of `table`, in a stable order (home type, then shard)."""
    return sorted((root / table).glob("home_type=*/shard=*/part-*.parquet"))
