"""Import time of a Home Assistant recorder database of 1 million states (issue 6's figure).

Builds `home-assistant_v2.db` (schema v48, HA's quirks) with 1,000,000 state rows over 300 entities,
then imports it into a fresh ai-automation database (events only) and a fresh device-intelligence
database (events plus derived telemetry), each timed; a second import of the same folder is timed
too (it must add nothing). Writes bench/results/ha_import.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from device_intelligence.ingest.ha_events import TelemetryDeriver
from homeiq_shared.ha_import import import_into_database
from homeiq_shared.ha_recorder_writer import write_recorder_db

STATES = 1_000_000
ENTITIES = 300
RESULTS = Path(__file__).resolve().parent / "results" / "ha_import.json"


def _states() -> Iterator[dict[str, Any]]:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    step = timedelta(days=30) / STATES
    for i in range(STATES):
        entity = i % ENTITIES
        when = (start + step * i).isoformat()
        if entity % 3 == 0:
            entity_id, state = f"sensor.room_{entity}_temperature", f"{19 + (i % 50) / 10:.1f}"
        elif entity % 3 == 1:
            entity_id, state = f"light.room_{entity}", "on" if (i // ENTITIES) % 2 else "off"
        else:
            entity_id = f"binary_sensor.room_{entity}_motion"
            state = "unavailable" if i % 9973 == 0 else ("on" if (i // ENTITIES) % 2 else "off")
        yield {
            "new_state": {
                "entity_id": entity_id,
                "state": state,
                "attributes": {"friendly_name": entity_id},
                "last_changed": when,
                "last_updated": when,
                "context": {"id": f"c{i}"},
            }
        }


async def _timed(db_url: str, config: Path, store_factory: Any) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    report = await import_into_database(db_url, config, "bench", store_factory)
    return time.perf_counter() - started, report.to_dict()


def main() -> int:
    """Build the database, import it twice into each service's storage, record the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "ha-config"
        config.mkdir()
        t0 = time.perf_counter()
        write_recorder_db(config / "home-assistant_v2.db", _states(), schema_version=48)
        build = time.perf_counter() - t0
        size_mb = (config / "home-assistant_v2.db").stat().st_size / 1e6
        print(f"recorder database: {STATES:,} states, {size_mb:.0f} MB, built in {build:.1f} s", flush=True)
        runs: dict[str, Any] = {}
        for name, store_factory in (
            ("ai-automation (events)", None),
            ("device-intelligence (events + telemetry)", TelemetryDeriver),
        ):
            db_url = f"sqlite+aiosqlite:///{Path(tmp) / (name.split()[0] + '.db')}"
            first, report = asyncio.run(_timed(db_url, config, store_factory))
            second, again = asyncio.run(_timed(db_url, config, store_factory))
            runs[name] = {
                "first_import_s": round(first, 2),
                "states_per_s": round(STATES / first),
                "stored_new": report["stored_new"],
                "second_import_s": round(second, 2),
                "second_stored_new": again["stored_new"],
            }
            print(
                f"{name}: {first:.1f} s ({STATES / first:,.0f} states/s); again {second:.1f} s, "
                f"{again['stored_new']} new",
                flush=True,
            )
    table = [{"figure": "recorder database build (1M states, s)", "value": round(build, 1)}]
    for name, run in runs.items():
        table.append(
            {
                "figure": f"import 1M states into {name} (s)",
                "value": run["first_import_s"],
                "target": "seconds to minutes",
            }
        )
        table.append(
            {"figure": f"re-import, {name}: new rows", "value": run["second_stored_new"], "target": "0"}
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "ha_import",
                "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "load": os.getloadavg(),
                },
                "states": STATES,
                "entities": ENTITIES,
                "database_mb": round(size_mb, 1),
                "runs": runs,
                "table": table,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
