"""Send an HA config folder to a running service over HTTP (`/api/ha/snapshot` and `/api/ha/events`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from homeiq_shared import ha_recorder
from homeiq_shared.ha_events import normalise_event
from homeiq_shared.ha_import import RECORDER_FILE
from homeiq_shared.ha_registries import read_registries
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
    """Read `config_dir` locally and post its snapshot and events in batches; return the totals."""
    headers = {API_KEY_HEADER: api_key} if api_key else {}
    totals = {"snapshot_devices": 0, "sent": 0, "stored": 0, "duplicates": 0, "skipped_malformed": 0}
    with httpx.Client(base_url=base_url, headers=headers, timeout=120, transport=transport) as client:
        snapshot = read_registries(config_dir)
        if snapshot.devices:
            body = {"home_id": home_id, "areas": snapshot.areas, "devices": snapshot.devices}
            client.post("/api/ha/snapshot", json=body).raise_for_status()
            totals["snapshot_devices"] = len(snapshot.devices)
        recorder = config_dir / RECORDER_FILE
        if not recorder.exists():
            return totals
        conn = ha_recorder.open_readonly(recorder)
        try:
            ha_recorder.schema_version(conn)
            for reader in (ha_recorder.iter_state_changed, ha_recorder.iter_events):
                for raw in reader(conn, batch_size):
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
        finally:
            conn.close()
    return totals
