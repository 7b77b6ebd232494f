"""`POST /api/telemetry` (readings, idempotent per device and timestamp) and `POST /api/failures` (labels)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from device_intelligence import repository
from device_intelligence.dependencies import ApiKeyDep, SessionDep
from device_intelligence.telemetry import METRIC_NAMES
from homeiq_shared.contracts.devices import (
    FailureIn,
    FailureOut,
    TelemetryBatch,
    TelemetryReadingIn,
    TelemetryStored,
)

router = APIRouter(prefix="/api", tags=["telemetry"])

_EXAMPLE = {
    "device_id": "zigbee_motion_hall",
    "timestamp": "2025-06-01T08:00:00Z",
    "metrics": {"battery_level": 71, "signal_strength": -67, "error_rate": 0.01},
}


@router.post("/telemetry", response_model=TelemetryStored)
async def store_telemetry(
    session: SessionDep,
    _: ApiKeyDep,
    payload: dict[str, Any] = Body(openapi_examples={"single": {"value": _EXAMPLE}}),  # noqa: B008
) -> TelemetryStored:
    """Store one reading or `{"readings": [...]}` (all validated before anything is written)."""
    try:
        readings = (
            TelemetryBatch.model_validate(payload).readings
            if "readings" in payload
            else [TelemetryReadingIn.model_validate(payload)]
        )
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc
    rows = [
        {"device_id": r.device_id, "timestamp": r.timestamp}
        | {m: getattr(r.metrics, m) for m in METRIC_NAMES}
        for r in readings
    ]
    stored, duplicates = await repository.insert_readings(session, rows)
    return TelemetryStored(received=len(rows), stored=stored, duplicates=duplicates)


@router.post(
    "/failures",
    response_model=FailureOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": FailureOut, "description": "Already recorded for that time: the stored one"}},
)
async def record_failure(
    body: FailureIn, session: SessionDep, response: Response, _: ApiKeyDep
) -> FailureOut:
    """Record a confirmed failure (201), or return the one already recorded for that time (200)."""
    record, created = await repository.add_failure(
        session, body.device_id, body.failed_at, body.kind, body.notes
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return FailureOut(
        id=record.id,
        device_id=record.device_id,
        failed_at=record.failed_at,
        kind=record.kind,
        notes=record.notes,
        created=created,
    )
