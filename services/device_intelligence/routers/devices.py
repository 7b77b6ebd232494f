"""`GET /api/devices/risk`: every device the service holds telemetry for, with its failure risk (read-only).

This is what the Home Assistant integration polls: the devices are the HA devices whose events the
service derived telemetry from, each scored as of its latest stored day, so HA needs to send no metrics.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query

from device_intelligence import repository
from device_intelligence.dependencies import ServingDep, SessionDep
from device_intelligence.serving import DeviceInput, predict_devices
from device_intelligence.telemetry import METRIC_NAMES
from device_intelligence.telemetry_features import HISTORY_DAYS
from homeiq_shared.contracts.home_views import DeviceRisks
from homeiq_shared.contracts.problems import problem_responses

router = APIRouter(prefix="/api/devices", tags=["devices"])
MAX_DEVICES = 10_000


@router.get("/risk", response_model=DeviceRisks, responses=problem_responses(422, 503))
async def device_risks(
    models: ServingDep,
    session: SessionDep,
    window_days: Annotated[int, Query(ge=1, le=365, description="List devices seen in these days")] = 7,
    limit: Annotated[int, Query(ge=1, le=MAX_DEVICES)] = 1_000,
) -> dict[str, Any]:
    """Each device with telemetry in the last `window_days` days, scored as of its latest stored day."""
    now = datetime.now(UTC)
    seen = await repository.devices_seen_since(session, now - timedelta(days=window_days), limit)
    hist = await repository.history(session, list(seen), HISTORY_DAYS + window_days, now)
    inputs = []
    for device_id, latest in seen.items():
        days, values = hist[device_id]
        today = repository.day_number(latest)
        at = np.flatnonzero(days == today)
        snapshot = values[at[-1]] if at.size else np.full(len(METRIC_NAMES), np.nan)
        keep = days <= today
        inputs.append(DeviceInput(device_id, snapshot, days[keep], values[keep], today))
    predictions = await asyncio.to_thread(predict_devices, models, inputs, now) if inputs else []
    for p in predictions:
        p["last_reading"] = seen[p["device_id"]]
    predictions.sort(key=lambda p: (-p["failure_probability"], p["device_id"]))
    return {
        "devices": predictions,
        "count": len(predictions),
        "model_version": models.version,
        "horizon_days": models.failure.horizon_days,
        "window_days": window_days,
    }
