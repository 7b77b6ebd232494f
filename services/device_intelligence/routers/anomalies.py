"""`POST /api/anomalies/sensor`: find a stuck, spiking, drifting or flat sensor from its own readings."""

from __future__ import annotations

import asyncio
from collections import Counter

import numpy as np
from fastapi import APIRouter

from device_intelligence.anomaly.sensor_scoring import parse_state, score_stream, skipped_label, spans
from device_intelligence.dependencies import ServingDep
from homeiq_shared.contracts.devices import SensorReadingScore, SensorRequest, SensorResponse, SensorSpan
from homeiq_shared.errors import InvalidInputError

router = APIRouter(prefix="/api/anomalies", tags=["anomalies"])
METHOD = (
    "causal: each reading against its own past only. IsolationForest on trailing-window features "
    "(12 h, 48 h, 7 d, converted through the sampling interval) combined with a seasonal residual "
    "(same hour of the previous 7 days and of the same weekday of the previous 4 weeks, robust z, "
    "alarm after a minimum run)"
)


@router.post("/sensor", response_model=SensorResponse)
async def sensor(body: SensorRequest, models: ServingDep) -> SensorResponse:
    """Scores per numeric reading in input order (higher = more anomalous) and the flagged spans in time order.

    HA's `unavailable` / `unknown` and other non-numeric states are skipped and counted, not refused.
    """
    parsed = [parse_state(r.value) for r in body.readings]
    kept = [i for i, v in enumerate(parsed) if v is not None]
    skipped = Counter(skipped_label(r.value) for r, v in zip(body.readings, parsed, strict=True) if v is None)
    if len(kept) < 3:
        raise InvalidInputError(
            f"a stream needs at least 3 numeric readings; {len(kept)} of {len(body.readings)} are numbers",
            skipped=dict(skipped),
        )
    stamps = [body.readings[i].timestamp for i in kept]
    order = sorted(range(len(kept)), key=stamps.__getitem__)
    seconds = np.array([stamps[j].timestamp() for j in order], dtype=np.float64)
    values = np.array([parsed[kept[j]] for j in order], dtype=np.float64)
    anomaly = models.anomaly
    result = await asyncio.to_thread(score_stream, anomaly.stream, anomaly.seasonal, seconds, values)
    found = spans(values, result, anomaly.seasonal)
    rank = np.empty(len(order), dtype=np.int64)
    rank[np.array(order)] = np.arange(len(order))
    readings = [
        SensorReadingScore(
            timestamp=stamps[i],
            anomaly_score=round(float(result.score[rank[i]]), 4),
            is_anomaly=bool(result.flags[rank[i]]),
            forest_score=round(float(result.forest[rank[i]]), 4),
            seasonal_z=round(float(result.seasonal_z[rank[i]]), 3),
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
        for s in found
    ]
    return SensorResponse(
        entity_id=body.entity_id,
        unit=body.unit,
        readings=readings,
        spans=out_spans,
        threshold=round(anomaly.stream.threshold, 4),
        model_version=models.anomaly_version,
        skipped=sum(skipped.values()),
        skipped_states=dict(skipped),
        sampling_interval_seconds=round(result.interval_seconds, 3),
        method=METHOD,
    )
