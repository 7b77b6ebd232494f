"""Smoke inputs the models never trained on, and the sanity checks their answers must pass."""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gateway.quality_checks import as_number
from gateway.step_results import Check

RISK_BANDS: tuple[tuple[float, str], ...] = (
    (80, "critical"),
    (60, "high"),
    (40, "medium"),
    (20, "low"),
    (0, "minimal"),
)
APARTMENT_LABEL = "apartment"
APARTMENT_TYPES = frozenset({"apartment", "condo", "studio"})  # the original binary task's grouping
HOLDOUT_LIMIT = 6


def task_label(home_type: object, task: str) -> str | None:
    """The label a home of `home_type` has in `task` (binary: apartment vs standard_home)."""
    if not isinstance(home_type, str):
        return None
    if task == "binary":
        return APARTMENT_LABEL if home_type in APARTMENT_TYPES else "standard_home"
    return home_type


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


def load_holdout_homes(dataset_path: str | None, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` home files of a dataset the models never saw, when its folder is readable here."""
    if not dataset_path:
        return []
    folder = Path(dataset_path)
    if not folder.is_dir():
        return []
    files = sorted(
        p for p in folder.iterdir() if p.name.startswith("home_") and p.name.endswith((".json", ".json.gz"))
    )
    homes = []
    for path in files[:limit]:
        raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        home = json.loads(raw)
        if isinstance(home, dict):
            homes.append(home)
    return homes


def home_prediction_checks(
    predictions: Sequence[Mapping[str, Any]], expected_count: int, task: str, expected_version: str | None
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
        label = pred.get("home_type")
        probs = pred.get("probabilities")
        confidence = as_number(pred.get("confidence"))
        versions.add(str(pred.get("model_version")))
        if not isinstance(label, str) or not label:
            problems.append(f"#{i}: no home_type")
            continue
        if not isinstance(probs, Mapping) or not probs:
            problems.append(f"#{i}: no probabilities")
            continue
        values = [as_number(v) for v in probs.values()]
        if any(v is None or not 0.0 <= v <= 1.0 for v in values):
            problems.append(f"#{i}: a probability outside [0, 1]")
            continue
        total = math.fsum(v for v in values if v is not None)
        if abs(total - 1.0) > 0.02:
            problems.append(f"#{i}: probabilities add up to {total:.3f}")
        if label not in probs:
            problems.append(f"#{i}: {label!r} is not among the classes {sorted(probs)}")
        if confidence is None or not 0.0 <= confidence <= 1.0:
            problems.append(f"#{i}: confidence {pred.get('confidence')!r} outside [0, 1]")
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


def apartment_probability(pred: Mapping[str, Any]) -> float | None:
    """P(apartment) of a binary prediction."""
    probs = pred.get("probabilities")
    return as_number(probs.get(APARTMENT_LABEL)) if isinstance(probs, Mapping) else None


def direction_check_homes(studio: Mapping[str, Any], house: Mapping[str, Any]) -> Check:
    """A two-room studio must look more like an apartment than a sixteen-room house."""
    p_studio, p_house = apartment_probability(studio), apartment_probability(house)
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


def risk_band(probability_percent: float) -> str:
    """The risk level the contract gives a failure probability in percent."""
    for floor, name in RISK_BANDS:
        if probability_percent >= floor:
            return name
    return "minimal"


def device_prediction_checks(name: str, pred: Mapping[str, Any]) -> list[str]:
    """Problems with one failure prediction (empty when sane)."""
    problems = []
    prob = as_number(pred.get("failure_probability"))
    if prob is None or not 0.0 <= prob <= 100.0:
        problems.append(f"{name}: failure_probability {pred.get('failure_probability')!r} not a percent")
    elif pred.get("risk_level") != risk_band(prob):
        problems.append(
            f"{name}: risk_level {pred.get('risk_level')!r} but {prob:.1f} % is {risk_band(prob)!r}"
        )
    if as_number(pred.get("anomaly_score")) is None:
        problems.append(f"{name}: anomaly_score {pred.get('anomaly_score')!r} is not a number")
    if not isinstance(pred.get("is_anomaly"), bool):
        problems.append(f"{name}: is_anomaly is not a boolean")
    confidence = as_number(pred.get("confidence"))
    if confidence is None or confidence < 0:
        problems.append(f"{name}: confidence {pred.get('confidence')!r} is not a non-negative number")
    if not isinstance(pred.get("recommendations"), list):
        problems.append(f"{name}: recommendations is not a list")
    if not pred.get("model_version"):
        problems.append(f"{name}: no model_version")
    return problems


def direction_check_devices(healthy: Mapping[str, Any], degraded: Mapping[str, Any]) -> Check:
    """A device failing on every metric must get a higher failure probability than a healthy one."""
    p_ok, p_bad = (
        as_number(healthy.get("failure_probability")),
        as_number(degraded.get("failure_probability")),
    )
    if p_ok is None or p_bad is None:
        return Check("degraded device riskier than a healthy one", False, "failure_probability missing")
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


def sensor_checks(answer: Mapping[str, Any], sent: int, spike: int) -> list[Check]:
    """One finite score per reading, in order, and the obvious spike among the flagged readings."""
    readings = answer.get("readings")
    if not isinstance(readings, list) or len(readings) != sent:
        got = len(readings) if isinstance(readings, list) else "no"
        return [Check("sensor: one score per reading", False, f"{got} scores for {sent} readings")]
    scores = [as_number(r.get("anomaly_score")) if isinstance(r, Mapping) else None for r in readings]
    finite = all(s is not None for s in scores)
    checks = [
        Check(
            "sensor: one score per reading",
            finite,
            f"{sent} readings scored" if finite else "a score is missing",
        )
    ]
    flagged = bool(isinstance(readings[spike], Mapping) and readings[spike].get("is_anomaly") is True)
    checks.append(
        Check(
            "sensor: a 68 °C spike in a 21 °C room is flagged",
            flagged,
            f"reading #{spike} flagged: {flagged}",
        )
    )
    return checks
