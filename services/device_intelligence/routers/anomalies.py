"""`POST /api/anomalies/sensor`: find a stuck, spiking, drifting or flat sensor from its own readings."""

from __future__ import annotations

import asyncio

import numpy as np
from fastapi import APIRouter

from device_intelligence.dependencies import ServingDep
from device_intelligence.serving import score_sensor
from homeiq_shared.contracts.devices import SensorReadingScore, SensorRequest, SensorResponse, SensorSpan

router = APIRouter(prefix="/api/anomalies", tags=["anomalies"])


@router.post("/sensor", response_model=SensorResponse)
async def sensor(body: SensorRequest, models: ServingDep) -> SensorResponse:
    """Scores per reading in input order (higher = more anomalous) and the flagged spans in time order."""
    stamps = [r.timestamp for r in body.readings]
    order = sorted(range(len(stamps)), key=stamps.__getitem__)
    values = np.array([body.readings[i].value for i in order], dtype=np.float64)
    scores, flags, spans = await asyncio.to_thread(score_sensor, models, values)
    rank = np.empty(len(order), dtype=np.int64)
    rank[np.array(order)] = np.arange(len(order))
    readings = [
        SensorReadingScore(
            timestamp=stamps[i],
            anomaly_score=round(float(scores[rank[i]]), 4),
            is_anomaly=bool(flags[rank[i]]),
        )
        for i in range(len(stamps))
    ]
    out_spans = [
        SensorSpan(
            start=stamps[order[s["start"]]],
            end=stamps[order[s["end"]]],
            readings=s["end"] - s["start"] + 1,
            peak_score=s["peak_score"],
            kind=s["kind"],
        )
        for s in spans
    ]
    return SensorResponse(
        entity_id=body.entity_id,
        unit=body.unit,
        readings=readings,
        spans=out_spans,
        threshold=round(models.anomaly.stream.threshold, 4),
        model_version=models.anomaly_version,
    )
