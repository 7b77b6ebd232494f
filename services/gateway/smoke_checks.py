"""Smoke inputs the models never trained on, and the sanity checks their answers must pass."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.step_results import Check
from homeiq_shared.contracts.devices import PredictResponse, SensorResponse
from homeiq_shared.contracts.home_type import HomeTypePrediction
from homeiq_shared.home_types import binary_label

RISK_BANDS: tuple[tuple[float, str], ...] = (
    (80, "critical"),
    (60, "high"),
    (40, "medium"),
    (20, "low"),
    (0, "minimal"),
)
"""The original's fixed percent bands: an answer that carries no `risk_bands` (an older service) is read with them."""
_ALERTED = {"medium", "high", "critical"}
APARTMENT_LABEL = "apartment"
HOLDOUT_LIMIT = 6
HOLDOUT_CHECK = "hold-out homes (another seed, never trained on)"


def task_label(home: Mapping[str, Any], task: str) -> str | None:
    """The label of a generated home in `task` (binary: apartment vs standard_home), from its file."""
    labels = home.get("labels")
    home_type = labels.get("home_type") if isinstance(labels, Mapping) else None
    home_type = home_type if isinstance(home_type, str) else home.get("home_type")
    if not isinstance(home_type, str):
        return None
    return binary_label(home_type) if task == "binary" else home_type


def holdout_hits(
    homes: Sequence[Mapping[str, Any]], predictions: Sequence[HomeTypePrediction], task: str
) -> dict[str, int]:
    """How many hold-out homes were predicted as their own label (informational: too few homes to gate)."""
    truth = [task_label(h, task) for h in homes]
    hits = sum(p.home_type == t for p, t in zip(predictions, truth, strict=False))
    return {"homes": len(homes), "correct": hits}


def _minimal_home(name: str, rooms: Sequence[str], devices_per_room: int) -> dict[str, Any]:
    """A home in the minimal shape (areas and devices, no events), as a fresh HA install exports it."""
    kinds = [("light", None), ("sensor", "temperature"), ("binary_sensor", "motion"), ("switch", None)]
    devices = []
    for room in rooms:
        slug = room.lower().replace(" ", "_")
        for i in range(devices_per_room):
            domain, device_class = kinds[i % len(kinds)]
            device: dict[str, Any] = {"entity_id": f"{domain}.{slug}_{i}", "area": room}
            if device_class:
                device["device_class"] = device_class
            devices.append(device)
    return {"home_id": name, "areas": [{"name": r} for r in rooms], "devices": devices}


def constructed_homes() -> dict[str, dict[str, Any]]:
    """Two homes at the ends of the range: a studio flat and a large family house."""
    studio = _minimal_home("smoke-studio", ["Living Room", "Bathroom"], 3)
    house_rooms = [
        "Living Room", "Kitchen", "Dining Room", "Master Bedroom", "Bedroom 2", "Bedroom 3", "Bedroom 4",
        "Bathroom", "Bathroom 2", "Office", "Hallway", "Garage", "Basement", "Garden", "Laundry", "Attic",
    ]  # fmt: skip
    house = _minimal_home("smoke-house", house_rooms, 6)
    return {"studio": studio, "house": house}


def home_prediction_checks(
    predictions: Sequence[HomeTypePrediction], expected_count: int, task: str, expected_version: str | None
) -> list[Check]:
    """Each prediction names a class with a confidence and probabilities that add up to one."""
    checks = [
        Check(
            f"{task}: one prediction per home",
            len(predictions) == expected_count,
            f"{len(predictions)} predictions for {expected_count} homes",
        )
    ]
    problems: list[str] = []
    versions = set()
    for i, pred in enumerate(predictions):
        versions.add(str(pred.model_version))
        probs = pred.probabilities
        if not pred.home_type:
            problems.append(f"#{i}: no home_type")
            continue
        if not probs:
            problems.append(f"#{i}: no probabilities")
            continue
        if any(not (math.isfinite(v) and 0.0 <= v <= 1.0) for v in probs.values()):
            problems.append(f"#{i}: a probability outside [0, 1]")
            continue
        total = math.fsum(probs.values())
        if abs(total - 1.0) > 0.02:
            problems.append(f"#{i}: probabilities add up to {total:.3f}")
        if pred.home_type not in probs:
            problems.append(f"#{i}: {pred.home_type!r} is not among the classes {sorted(probs)}")
        if not (math.isfinite(pred.confidence) and 0.0 <= pred.confidence <= 1.0):
            problems.append(f"#{i}: confidence {pred.confidence!r} outside [0, 1]")
    checks.append(
        Check(
            f"{task}: answers are well-formed",
            not problems,
            "; ".join(problems[:4]) or "labels, confidences, probabilities sane",
        )
    )
    if expected_version is not None:
        ok = versions == {expected_version}
        checks.append(
            Check(
                f"{task}: served by the trained version",
                ok,
                f"model_version {sorted(versions)} vs trained {expected_version}",
            )
        )
    return checks


def direction_check_homes(studio: HomeTypePrediction, house: HomeTypePrediction) -> Check:
    """A two-room studio must look more like an apartment than a sixteen-room house."""
    p_studio, p_house = studio.probabilities.get(APARTMENT_LABEL), house.probabilities.get(APARTMENT_LABEL)
    if p_studio is None or p_house is None:
        return Check(
            "binary: studio more apartment-like than a large house", False, "no P(apartment) in the answers"
        )
    return Check(
        "binary: studio more apartment-like than a large house",
        p_studio > p_house,
        f"P(apartment) studio {p_studio:.2f} vs house {p_house:.2f}",
    )


def device_snapshots() -> dict[str, dict[str, float | None]]:
    """A healthy Zigbee battery sensor and the same kind of device deep in degradation.

    Metrics a battery sensor does not report (uptime, transfer rate) are missing, not zero.
    """
    healthy: dict[str, float | None] = {
        "response_time": 110.0, "error_rate": 0.004, "battery_level": 88.0, "signal_strength": -58.0,
        "usage_frequency": 0.4, "temperature": 21.5, "humidity": 44.0, "uptime_hours": None,
        "restart_count": 0.0, "connection_drops": 0.0, "data_transfer_rate": None,
    }  # fmt: skip
    degraded: dict[str, float | None] = {
        "response_time": 2600.0, "error_rate": 0.32, "battery_level": 4.0, "signal_strength": -97.0,
        "usage_frequency": 0.05, "temperature": 21.5, "humidity": 44.0, "uptime_hours": None,
        "restart_count": 6.0, "connection_drops": 14.0, "data_transfer_rate": None,
    }  # fmt: skip
    return {"healthy": healthy, "degraded": degraded}


def risk_band(probability_percent: float, pred: PredictResponse | None = None) -> str:
    """The risk level a failure probability in percent falls in: the answer's own bands, else the original's."""
    if pred is not None and pred.risk_bands is not None:
        bands = pred.risk_bands
        p = probability_percent / 100.0
        return next(
            (name for name in ("critical", "high", "medium", "low") if p >= getattr(bands, name)), "minimal"
        )
    for floor, name in RISK_BANDS:
        if probability_percent >= floor:
            return name
    return "minimal"


def device_prediction_checks(name: str, pred: PredictResponse) -> list[str]:
    """Problems with one failure prediction (empty when sane; the contract already checked the types)."""
    problems = []
    prob = pred.failure_probability
    if not (math.isfinite(prob) and 0.0 <= prob <= 100.0):
        problems.append(f"{name}: failure_probability {prob!r} not a percent")
    elif abs(prob - 100.0 * pred.probability) > 0.01:
        problems.append(f"{name}: failure_probability {prob} % is not 100 x probability {pred.probability}")
    elif pred.risk_level != risk_band(prob, pred):
        problems.append(
            f"{name}: risk_level {pred.risk_level!r} but {prob:.1f} % is {risk_band(prob, pred)!r}"
        )
    if pred.risk_bands is not None and pred.will_fail_within_horizon != (pred.risk_level in _ALERTED):
        problems.append(
            f"{name}: will_fail_within_horizon {pred.will_fail_within_horizon} but {pred.risk_level!r}"
        )
    if not math.isfinite(pred.anomaly_score):
        problems.append(f"{name}: anomaly_score {pred.anomaly_score!r} is not a number")
    if not (math.isfinite(pred.confidence) and pred.confidence >= 0):
        problems.append(f"{name}: confidence {pred.confidence!r} is not a non-negative number")
    if not pred.model_version:
        problems.append(f"{name}: no model_version")
    return problems


def direction_check_devices(healthy: PredictResponse, degraded: PredictResponse) -> Check:
    """A device failing on every metric must get a higher failure probability than a healthy one."""
    p_ok, p_bad = healthy.failure_probability, degraded.failure_probability
    return Check("degraded device riskier than a healthy one", p_bad > p_ok, f"{p_bad:.1f} % vs {p_ok:.1f} %")


def sensor_series(hours: int = 72) -> tuple[list[dict[str, Any]], int]:
    """A temperature sensor with a gentle daily cycle that spikes at one reading; returns the index."""
    start = datetime(2025, 1, 6, tzinfo=UTC)
    readings = []
    spike = hours - 6
    for h in range(hours):
        value = 21.0 + 1.5 * math.sin(2 * math.pi * h / 24)
        if h == spike:
            value = 68.0
        readings.append({"timestamp": (start + timedelta(hours=h)).isoformat(), "value": round(value, 2)})
    return readings, spike


def sensor_checks(answer: SensorResponse, sent: int, spike: int) -> list[Check]:
    """One finite score per reading, in order, and the obvious spike among the flagged readings."""
    readings = answer.readings
    if len(readings) != sent:
        return [Check("sensor: one score per reading", False, f"{len(readings)} scores for {sent} readings")]
    finite = all(math.isfinite(r.anomaly_score) for r in readings)
    checks = [
        Check(
            "sensor: one score per reading",
            finite,
            f"{sent} readings scored" if finite else "a score is not finite",
        )
    ]
    flagged = readings[spike].is_anomaly
    checks.append(
        Check(
            "sensor: a 68 °C spike in a 21 °C room is flagged",
            flagged,
            f"reading #{spike} flagged: {flagged}",
        )
    )
    return checks
