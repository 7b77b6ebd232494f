"""Generate N homes as a Dask job: one task per block of homes, each writing its own Parquet parts.

Each home is built by the local generator's own code from its (seed, home index) stream, so a block's
rows do not depend on which worker builds it, and a fleet holds the same rows as `generate_dataset`
with the same options. `summary.json` is the local generator's (its `files[]` name and hash each home's
JSON document as the local generator would write it, so a local run can verify a fleet) plus a `fleet`
section listing the Parquet parts.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from ai_automation.fleet.home_tables import events_table, home_rows, to_table
from ai_automation.synthesis.dataset_writer import (
    OutputPathError,
    check_output,
    publish,
    staging_folder,
    write_json,
)
from ai_automation.synthesis.generator import (
    GeneratorInputError,
    GeneratorOptions,
    dataset_summary,
    home_jobs,
    tune_allocator,
)
from ai_automation.synthesis.home_builder import HomeJob, render_home
from homeiq_shared.fleet_cluster import Progress, batches, gather_in_order
from homeiq_shared.fleet_layout import COMPRESSION, HOME_TABLES, SUMMARY_FILE, part_path

DEFAULT_BLOCK_HOMES = 25
MAX_BLOCK_HOMES = 1_000


def generate_block(jobs: list[HomeJob], shard: int, root: str) -> dict[str, Any]:
    """Build the homes of one block and write one Parquet part per (table, home type); their statistics."""
    tune_allocator()
    tables: dict[str, dict[str, list[pa.Table]]] = {}
    homes: list[dict[str, Any]] = []
    for job in jobs:
        rendered = render_home(job)
        document = b"".join(rendered.parts)
        homes.append(
            rendered.stats | {"sha256": hashlib.sha256(document).hexdigest(), "bytes": len(document)}
        )
        per_table = tables.setdefault(job.home_type, {t: [] for t in HOME_TABLES})
        home = orjson.loads(rendered.header) | {"external_data": orjson.loads(rendered.external)}
        for name, rows in home_rows(home).items():
            per_table[name].append(to_table(name, rows))
        per_table["events"].append(events_table(home["home_id"], rendered.event_chunks))
    parts = []
    for home_type, per_table in sorted(tables.items()):
        for name in HOME_TABLES:
            path = part_path(Path(root), name, home_type, shard)
            path.parent.mkdir(parents=True, exist_ok=True)
            table = pa.concat_tables(per_table[name])
            pq.write_table(table, path, compression=COMPRESSION)
            parts.append(
                {"path": str(path.relative_to(root)), "rows": table.num_rows, "bytes": path.stat().st_size}
            )
    return {"homes": homes, "parts": parts}


def generate_fleet(
    client: Any,
    options: GeneratorOptions,
    output_dir: Path,
    block_homes: int = DEFAULT_BLOCK_HOMES,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Generate the fleet into `output_dir` (published atomically) and return its summary.

    Blocks are consecutive home indices, `block_homes` each, so the parts depend on the options and
    the block size only, never on the number of workers. With a remote cluster the workers need the
    project installed and `output_dir` on a file system they share.
    """
    if isinstance(block_homes, bool) or not 1 <= block_homes <= MAX_BLOCK_HOMES:
        raise GeneratorInputError(f"block size must be 1 to {MAX_BLOCK_HOMES} homes, got {block_homes!r}")
    try:
        target = check_output(Path(output_dir), overwrite)
    except OutputPathError as exc:
        raise GeneratorInputError(str(exc)) from exc
    started = time.perf_counter()
    with staging_folder(target) as staging:
        blocks = batches(home_jobs(options, staging), block_homes)
        futures = client.map(
            generate_block, blocks, range(len(blocks)), root=str(staging), pure=False, retries=1
        )
        results = gather_in_order(
            client,
            futures,
            "generate",
            lambda r: f"(+{sum(sum(h['events'].values()) for h in r['homes']):,} events)",
            progress,
        )
        summary = dataset_summary(options, [h for r in results for h in r["homes"]])
        parts = [p for r in results for p in r["parts"]]
        seconds = time.perf_counter() - started
        summary["fleet"] = {
            "format": f"parquet ({COMPRESSION}), hive partitions home_type=<type>/shard=<block>",
            "block_homes": block_homes,
            "blocks": len(blocks),
            "tables": list(HOME_TABLES),
            "parts": sorted(parts, key=lambda p: str(p["path"])),
            "parquet_bytes": sum(int(p["bytes"]) for p in parts),
            "files_note": "files[] and totals.bytes describe each home's JSON document as the local "
            "generator writes it (same seed, same sha256); the rows are in the Parquet parts",
        }
        write_json(staging / SUMMARY_FILE, summary)
        publish(staging, target)
    summary["fleet"]["seconds"] = round(
        seconds, 3
    )  # reported to the caller only: the file stays reproducible
    return summary
