"""Send an HA config folder to a running service over HTTP (`/api/ha/snapshot` and `/api/ha/events`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from homeiq_shared.ha_config_dir import open_config_dir
from homeiq_shared.ha_events import normalise_event
from homeiq_shared.security import API_KEY_HEADER


def send_config_dir(
    config_dir: Path,
    base_url: str,
    home_id: str,
    *,
    api_key: str | None = None,
    batch_size: int = 5_000,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """Read `config_dir` locally and post its snapshot and events in batches; return the totals.

    The recorder database is opened (version and layout checked) before anything is sent.
    """
    headers = {API_KEY_HEADER: api_key} if api_key else {}
    totals: dict[str, Any] = {
        "snapshot_areas": 0,
        "snapshot_devices": 0,
        "sent": 0,
        "stored": 0,
        "duplicates": 0,
        "skipped_malformed": 0,
    }
    with open_config_dir(config_dir) as folder:
        snapshot, reader = folder.snapshot, folder.reader
        with httpx.Client(base_url=base_url, headers=headers, timeout=120, transport=transport) as client:
            if snapshot.found:
                body = {"home_id": home_id, "areas": snapshot.areas, "devices": snapshot.devices}
                client.post("/api/ha/snapshot", json=body).raise_for_status()
                totals["snapshot_areas"] = len(snapshot.areas)
                totals["snapshot_devices"] = len(snapshot.devices)
            if reader is None:
                return totals
            totals["schema_version"] = reader.layout.version
            if reader.warnings:
                totals["warnings"] = "; ".join(reader.warnings)
            for read in (reader.iter_state_changed, reader.iter_events):
                for raw in read(batch_size):
                    # rows the service would refuse (HA accepted them, we cannot use them) are counted, not sent
                    chunk = [e for e in raw if isinstance(normalise_event(e, home_id), dict)]
                    totals["skipped_malformed"] += len(raw) - len(chunk)
                    if not chunk:
                        continue
                    response = client.post("/api/ha/events", json={"home_id": home_id, "events": chunk})
                    response.raise_for_status()
                    answer = response.json()
                    totals["sent"] += len(chunk)
                    totals["stored"] += int(answer["stored"])
                    totals["duplicates"] += int(answer["duplicates"])
    return totals
