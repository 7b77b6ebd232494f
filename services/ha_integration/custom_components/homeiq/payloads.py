"""The services' answers the integration reads, parsed into dataclasses (no Home Assistant import here).

They mirror `homeiq_shared.contracts` (the project's suite checks the field names against those Pydantic
models), so the integration installs by copying one folder and needs no extra requirement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml


def _alias(automation_yaml: str) -> str | None:
    """The `alias:` of a one-automation YAML (a list of one item, or the mapping itself)."""
    try:
        loaded = yaml.safe_load(automation_yaml)
    except yaml.YAMLError:
        return None
    first = loaded[0] if isinstance(loaded, list) and loaded else loaded
    alias = first.get("alias") if isinstance(first, dict) else None
    return str(alias) if alias else None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Driver:
    """One feature pushing a device's failure probability up (SHAP contribution)."""

    feature: str
    contribution: float


@dataclass(frozen=True)
class DeviceRisk:
    """`homeiq_shared.contracts.home_views.DeviceRisk`: a device's failure prediction."""

    device_id: str
    failure_probability: float
    risk_level: str
    will_fail_within_horizon: bool
    horizon_days: int
    anomaly_score: float
    is_anomaly: bool
    confidence: float
    recommendations: list[str]
    drivers: list[Driver]
    history_days_used: int
    model_version: str
    last_reading: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeviceRisk:
        """Parse one entry of `GET /api/devices/risk`."""
        return cls(
            device_id=str(data["device_id"]),
            failure_probability=float(data["failure_probability"]),
            risk_level=str(data["risk_level"]),
            will_fail_within_horizon=bool(data["will_fail_within_horizon"]),
            horizon_days=int(data["horizon_days"]),
            anomaly_score=float(data["anomaly_score"]),
            is_anomaly=bool(data["is_anomaly"]),
            confidence=float(data["confidence"]),
            recommendations=[str(r) for r in data.get("recommendations", [])],
            drivers=[Driver(str(d["feature"]), float(d["contribution"])) for d in data.get("drivers", [])],
            history_days_used=int(data["history_days_used"]),
            model_version=str(data["model_version"]),
            last_reading=_time(data.get("last_reading")),
        )


@dataclass(frozen=True)
class ModelInfo:
    """`homeiq_shared.contracts.model_info.ModelInfo`: the served production model (if any)."""

    is_loaded: bool
    model_name: str
    model_version: str | None
    training_date: datetime | None
    gates_verdict: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelInfo:
        """Parse the `model_info` of a `GET .../model-info` envelope."""
        info = data["model_info"]
        return cls(
            is_loaded=bool(info["is_loaded"]),
            model_name=str(info["model_name"]),
            model_version=info.get("model_version"),
            training_date=_time(info.get("training_date")),
            gates_verdict=info.get("gates_verdict"),
        )


@dataclass(frozen=True)
class HomeType:
    """`homeiq_shared.contracts.home_views.HomeTypeOfHome`: the type of the home HA sent."""

    home_type: str
    confidence: float
    probabilities: dict[str, float]
    model_version: str | None
    confirmed_home_type: str | None
    events_used: int
    caveats: tuple[str, ...] = ()
    devices_from: str = "snapshot"
    """snapshot: the registries HA sent; events: no snapshot stored, the entities its events name."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HomeType:
        """Parse `GET /api/ha/home-type`."""
        return cls(
            home_type=str(data["home_type"]),
            confidence=float(data["confidence"]),
            probabilities={str(k): float(v) for k, v in data["probabilities"].items()},
            model_version=data.get("model_version"),
            confirmed_home_type=data.get("confirmed_home_type"),
            events_used=int(data.get("events_used", 0)),
            caveats=tuple(str(c) for c in data.get("caveats") or ()),  # absent from older services
            devices_from=str(data.get("devices_from") or "snapshot"),
        )


@dataclass(frozen=True)
class SensorVerdict:
    """`homeiq_shared.contracts.devices.SensorResponse`, reduced to what an anomaly binary sensor shows."""

    entity_id: str
    anomalous_now: bool
    latest_score: float
    threshold: float
    spans: list[dict[str, Any]]
    readings: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SensorVerdict:
        """Parse `POST /api/anomalies/sensor`: anomalous now when the latest reading is flagged."""
        readings = data["readings"]
        latest = max(readings, key=lambda r: r["timestamp"])
        return cls(
            entity_id=str(data["entity_id"]),
            anomalous_now=bool(latest["is_anomaly"]),
            latest_score=float(latest["anomaly_score"]),
            threshold=float(data["threshold"]),
            spans=[dict(s) for s in data.get("spans", [])][-5:],
            readings=len(readings),
        )


@dataclass(frozen=True)
class Suggestion:
    """A synergy or ask-in-words suggestion of ai-automation (when the service offers them)."""

    title: str
    automation_yaml: str
    trigger_entities: list[str] = field(default_factory=list)
    action_entities: list[str] = field(default_factory=list)
    suggestion_id: str | None = None
    feedback: str | None = None  # "accepted" / "dismissed" once the owner said so

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Suggestion:
        """Parse one suggestion; the title falls back to its entities."""
        triggers = [str(e) for e in data.get("trigger_entities") or []]
        actions = [str(e) for e in data.get("action_entities") or []]
        automation_yaml = str(data.get("automation_yaml") or "")
        title = (
            data.get("title") or _alias(automation_yaml) or f"{', '.join(triggers)} -> {', '.join(actions)}"
        )
        sid = data.get("suggestion_id") or data.get("id")
        feedback = data.get("feedback")
        return cls(
            str(title),
            automation_yaml,
            triggers,
            actions,
            str(sid) if sid else None,
            str(feedback) if feedback else None,
        )
