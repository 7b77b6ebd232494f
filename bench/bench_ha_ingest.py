"""Benchmark: an hour of a busy home's HA events into device-intelligence (store + derive telemetry)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from device_intelligence.app import create_app
from device_intelligence.settings import DeviceIntelligenceSettings

EVENTS_PER_HOUR = 36_000
BATCH = 5_000
ENTITIES = (
    [f"light.room_{i}" for i in range(100)]
    + [f"sensor.room_{i}_temperature" for i in range(80)]
    + [f"sensor.room_{i}_battery" for i in range(20)]
)


def _event(entity_id: str, state: str, at: datetime, attributes: dict[str, Any]) -> dict[str, Any]:
    obj = {"entity_id": entity_id, "state": state, "attributes": attributes,
           "last_changed": at.isoformat(), "last_updated": at.isoformat(),
           "context": {"id": f"c{entity_id}{at.timestamp()}"}}  # fmt: skip
    return {"event_type": "state_changed", "time_fired": at.isoformat(), "context": obj["context"],
            "data": {"entity_id": entity_id, "old_state": None, "new_state": obj}}  # fmt: skip


def hour_of_events(start: datetime) -> list[dict[str, Any]]:
    """EVENTS_PER_HOUR events spread over an hour across 200 entities (lights, temperatures, batteries)."""
    out = []
    for i in range(EVENTS_PER_HOUR):
        at = start + timedelta(seconds=i * 3600 / EVENTS_PER_HOUR)
        entity = ENTITIES[i % len(ENTITIES)]
        if entity.endswith("_battery"):
            out.append(_event(entity, str(100 - i % 50), at, {"device_class": "battery"}))
        elif entity.startswith("sensor."):
            out.append(_event(entity, f"{20 + (i % 7) * 0.1:.1f}", at, {"device_class": "temperature"}))
        else:
            out.append(_event(entity, "on" if i % 2 else "off", at, {}))
    return out


async def measure(prefill_hours: int) -> dict[str, Any]:
    """Post `prefill_hours` hours first, then time one more hour posted in batches of BATCH."""
    folder = Path(tempfile.mkdtemp())
    settings = DeviceIntelligenceSettings.model_validate(
        {"data_dir": folder / "data", "models_dir": folder / "models", "training_enabled": False}
    )
    app = create_app(settings)
    t0 = datetime(2026, 11, 2, tzinfo=UTC)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://di", timeout=600) as client:
            for hour in range(prefill_hours + 1):
                events = hour_of_events(t0 + timedelta(hours=hour))
                started, derive = time.perf_counter(), 0.0
                for lo in range(0, len(events), BATCH):
                    response = await client.post("/api/ha/events", json={"events": events[lo : lo + BATCH]})
                    response.raise_for_status()
                    derive += app.state.ha_store_rows.last_seconds
                wall = time.perf_counter() - started
            storage = (await client.get("/health")).json()["storage"]
    return {
        "hour_index": prefill_hours,
        "events": EVENTS_PER_HOUR,
        "batch": BATCH,
        "wall_seconds": round(wall, 2),
        "events_per_second": round(EVENTS_PER_HOUR / wall),
        "telemetry_derivation_seconds": round(derive, 2),
        "stored_events": storage["ha_events"],
        "database_bytes": storage["database_bytes"],
    }


def main() -> int:
    """Measure the first hour of a day and an hour late in the day; print and write the figures."""
    figures = {
        "benchmark": "ha_ingest",
        "what": "POST /api/ha/events over ASGI in-process: validate, store idempotently, derive telemetry",
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average": os.getloadavg(),
        },
        "runs": [asyncio.run(measure(h)) for h in (0, 12)],
    }
    figures["table"] = [
        {
            "figure": f"ingest one busy hour ({run['events']:,} HA events), hour {run['hour_index']} of a day: events/s",
            "value": run["events_per_second"],
            "target": "an hour in seconds",
        }
        for run in figures["runs"]
    ]
    print(json.dumps(figures, indent=2))
    out = Path(__file__).parent / "results" / "ha_ingest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
