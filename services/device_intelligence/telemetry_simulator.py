"""Daily device-health telemetry for a simulated fleet, with degradation episodes before failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from device_intelligence.telemetry import METRIC_NAMES, M, TelemetryDataset

FAILURE_KINDS: tuple[str, ...] = (
    "battery_depletion",
    "connectivity_loss",
    "resource_exhaustion",
    "sensor_fault",
    "hardware_failure",
    "sudden",
)
_KIND_WEIGHTS = np.array([0.25, 0.25, 0.10, 0.10, 0.15, 0.15])

# category: (battery powered, allowed protocols, reports temperature, reports humidity, weight)
CATEGORIES: dict[str, tuple[bool, tuple[str, ...], bool, bool, float]] = {
    "motion_sensor": (True, ("zigbee", "zwave"), True, False, 0.20),
    "climate_sensor": (True, ("zigbee", "zwave", "wifi"), True, True, 0.14),
    "contact_sensor": (True, ("zigbee", "zwave"), True, False, 0.14),
    "lock": (True, ("zwave", "zigbee", "wifi"), False, False, 0.05),
    "switch": (False, ("zigbee", "zwave", "wifi"), False, False, 0.18),
    "light": (False, ("zigbee", "wifi"), False, False, 0.15),
    "thermostat": (False, ("wifi", "zwave"), True, True, 0.05),
    "camera": (False, ("wifi",), True, False, 0.06),
    "hub": (False, ("wifi",), True, False, 0.03),
}

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class SimulationOptions:
    """Arguments of one simulated fleet (the CLI's `--synthetic-count`, `--days`, `--seed`)."""

    n_devices: int = 1000
    days: int = 180
    failure_fraction: float = 0.15
    missing_metric_rate: float = 0.02
    missing_day_rate: float = 0.02
    outlier_rate: float = 0.006
    start_date: date = date(2025, 6, 1)

    def __post_init__(self) -> None:
        if self.n_devices < 1:
            raise ValueError("n_devices must be at least 1")
        if self.days < 14:
            raise ValueError("days must be at least 14")
        if not 0.0 <= self.failure_fraction <= 1.0:
            raise ValueError("failure_fraction must be within 0..1")


def _draw_devices(opts: SimulationOptions, rng: np.random.Generator) -> dict[str, Any]:
    names = list(CATEGORIES)
    weights = np.array([CATEGORIES[c][4] for c in names])
    cat_idx = rng.choice(len(names), size=opts.n_devices, p=weights / weights.sum())
    category = np.array([names[i] for i in cat_idx])
    protocol = np.array([CATEGORIES[c][1][rng.integers(len(CATEGORIES[c][1]))] for c in category])
    battery = np.array([CATEGORIES[c][0] for c in category])
    has_temp = np.array([CATEGORIES[c][2] for c in category])
    has_hum = np.array([CATEGORIES[c][3] for c in category])
    return {
        "category": category,
        "protocol": protocol,
        "battery": battery,
        "has_temp": has_temp,
        "has_hum": has_hum,
    }


def _draw_failures(
    opts: SimulationOptions, dev: dict[str, Any], rng: np.random.Generator
) -> tuple[IntArray, NDArray[np.str_], IntArray]:
    n = opts.n_devices
    fails = rng.random(n) < opts.failure_fraction
    wifi_mains = (dev["protocol"] == "wifi") & ~dev["battery"]
    allowed = np.stack(
        [dev["battery"], np.ones(n, bool), wifi_mains, dev["has_temp"], np.ones(n, bool), np.ones(n, bool)],
        axis=1,
    )
    w = allowed * _KIND_WEIGHTS
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    kind_idx = np.minimum((rng.random((n, 1)) > cum).sum(axis=1), len(FAILURE_KINDS) - 1)
    kind = np.where(fails, np.array(FAILURE_KINDS)[kind_idx], "")
    fday = np.where(fails, rng.integers(21, opts.days, size=n), -1)
    length = np.where(kind == "sudden", 0, rng.integers(5, 36, size=n))
    start = np.where(fails, np.maximum(fday - length, 0), -1)
    return fday.astype(np.int64), kind, start.astype(np.int64)


def col(a: NDArray[Any]) -> FloatArray:
    """A per-device vector as a (devices, 1) float column that broadcasts over days."""
    out: FloatArray = np.asarray(a, dtype=np.float64)[:, None]
    return out


def simulate_fleet(opts: SimulationOptions, rng: np.random.Generator) -> TelemetryDataset:
    """Simulate `opts.n_devices` devices observed daily for `opts.days` days (deterministic for `rng`)."""
    n, days = opts.n_devices, opts.days
    dev = _draw_devices(opts, rng)
    fday, fkind, estart = _draw_failures(opts, dev, rng)
    t = np.arange(days, dtype=np.float64)[None, :]
    shape = (n, days)
    wifi, zwave = dev["protocol"] == "wifi", dev["protocol"] == "zwave"
    camera = dev["category"] == "camera"
    weekday = (np.arange(days)[None, :] + opts.start_date.weekday()) % 7
    weekend = (weekday >= 5).astype(np.float64)

    # Episode progress s in [0, 1]: 0 outside an episode, rising to 1 on the failure day.
    ep_len = np.maximum(fday - estart, 1)
    s = np.clip((t - col(estart)) / col(ep_len), 0.0, 1.0)
    s = np.where(col(fday) >= 0, s, 0.0) ** col(rng.uniform(1.0, 2.5, n))
    sev = col(rng.uniform(0.6, 1.4, n))

    def in_kind(kind: str) -> FloatArray:
        return np.where(col(fkind == kind) > 0, s * sev, 0.0)

    bat, con, res = in_kind("battery_depletion"), in_kind("connectivity_loss"), in_kind("resource_exhaustion")
    sen, hw = in_kind("sensor_fault"), in_kind("hardware_failure")

    values = np.full((n, days, len(METRIC_NAMES)), np.nan)
    rt_base = np.where(wifi, 60.0, np.where(zwave, 180.0, 120.0)) * np.where(camera, 2.0, 1.0)
    rt_base = rt_base * rng.lognormal(0.0, 0.3, n)
    values[..., M["response_time"]] = (
        col(rt_base) * rng.lognormal(0.0, 0.25, shape) * (1 + 2.0 * con + 4.0 * res**2 + 1.5 * hw + 0.5 * bat)
    )
    err_base = np.exp(rng.normal(np.log(0.008), 0.6, n))
    err = col(err_base) * rng.lognormal(0.0, 0.4, shape) + 0.05 * con + 0.03 * res + 0.15 * hw**2 + 0.01 * sen
    values[..., M["error_rate"]] = np.clip(err, 0.0, 1.0)

    # Battery: slow drain, replaced by the owner at a personal low level (a harmless dip below 20 %).
    start_lvl = rng.uniform(40, 100, n)
    drain = 100.0 / rng.uniform(90, 540, n)
    replace_at = rng.uniform(5, 25, n)
    consumed = col(100 - start_lvl) + col(drain) * t
    level = 100.0 - np.mod(consumed, col(100 - replace_at))
    level_at_ep = np.take_along_axis(level, np.clip(estart, 0, days - 1)[:, None], axis=1)
    level = np.where(bat > 0, level_at_ep * (1 - np.clip(bat, 0, 1)) ** 1.5, level)
    level = np.asarray(np.round(np.clip(level + rng.normal(0, 0.8, shape), 0, 100)), dtype=np.float64)
    values[..., M["battery_level"]] = np.where(col(dev["battery"]) > 0, level, np.nan)

    sig_base = np.clip(rng.normal(-62, 8, n), -88, -35)
    values[..., M["signal_strength"]] = np.clip(
        col(sig_base) + rng.normal(0, 2.5, shape) - 18.0 * con - 3.0 * hw, -110, -20
    )
    use_base, use_week = rng.beta(2, 3, n), rng.normal(0, 0.12, n)
    values[..., M["usage_frequency"]] = np.clip(
        col(use_base) + col(use_week) * weekend + rng.normal(0, 0.05, shape) - 0.3 * hw, 0, 1
    )

    # Temperature and humidity: seasonal drift plus noise; sensor faults either drift or stick.
    season = np.sin(2 * np.pi * (t + rng.uniform(0, 365)) / 365.0)
    temp_base = np.where(camera | (dev["category"] == "hub"), rng.normal(38, 4, n), rng.normal(21, 1.5, n))
    temp = col(temp_base) + 2.5 * season + rng.normal(0, 0.4, shape) + 6.0 * res
    hum = col(rng.normal(46, 7, n)) - 6.0 * season + rng.normal(0, 2.5, shape)
    stuck = col((fkind == "sensor_fault") & (rng.random(n) < 0.5)) > 0
    drift_dir = col(rng.choice([-1.0, 1.0], n) * rng.uniform(4, 12, n))
    temp = np.where(~stuck, temp + drift_dir * sen, temp)
    hum = np.where(~stuck, hum + 2 * drift_dir * sen, hum)
    stuck_now = stuck & (s > 0)
    stuck_val_t = np.take_along_axis(temp, np.clip(estart, 0, days - 1)[:, None], axis=1)
    stuck_val_h = np.take_along_axis(hum, np.clip(estart, 0, days - 1)[:, None], axis=1)
    temp = np.where(stuck_now, np.round(stuck_val_t, 1), temp)
    hum = np.where(stuck_now, np.round(stuck_val_h), hum)
    values[..., M["temperature"]] = np.where(col(dev["has_temp"]) > 0, temp, np.nan)
    values[..., M["humidity"]] = np.where(col(dev["has_hum"]) > 0, np.clip(hum, 0, 100), np.nan)

    # Restarts and uptime (mains devices report uptime; the counter resets on each restart).
    p_restart = rng.uniform(0.005, 0.03, n)
    restarts = rng.poisson(col(p_restart) + 1.5 * res + 0.8 * hw)
    values[..., M["restart_count"]] = restarts
    never = -rng.integers(1, 60, n)[:, None]  # days since the restart before the window began
    last = np.maximum.accumulate(np.where(restarts > 0, np.arange(days)[None, :], never), axis=1)
    uptime = 24.0 * (np.arange(days)[None, :] - last) + rng.uniform(0, 24, shape)
    values[..., M["uptime_hours"]] = np.where(col(dev["battery"]) > 0, np.nan, uptime)

    drop_base = np.where(wifi, 0.4, 0.15) * rng.lognormal(0, 0.5, n)
    values[..., M["connection_drops"]] = rng.poisson(col(drop_base) + 4.0 * con + 0.5 * bat + 1.0 * hw)
    dtr_base = np.where(camera, rng.uniform(200, 800, n), rng.lognormal(np.log(5), 0.8, n))
    dtr = (
        col(dtr_base) * (1 + 0.3 * col(use_week) * weekend) * rng.lognormal(0, 0.15, shape) * (1 - 0.6 * res)
    )
    values[..., M["data_transfer_rate"]] = np.where(col(wifi) > 0, dtr, np.nan)

    _sudden_blip(values, fkind, fday, rng)
    _harmless_outliers(values, fday, opts.outlier_rate, rng)
    missing = rng.random(values.shape) < opts.missing_metric_rate
    values[missing] = np.nan

    # Rows exist before the failure day only (a failed device stops reporting), minus random gaps.
    alive = (col(fday) < 0) | (t < col(fday))
    present = alive & (rng.random(shape) >= opts.missing_day_rate)
    dev_idx, day_idx = np.nonzero(present)
    ids = np.array([f"device_{i:05d}" for i in range(n)])
    return TelemetryDataset(
        device_ids=ids,
        category=dev["category"],
        power=np.where(dev["battery"], "battery", "mains"),
        protocol=dev["protocol"],
        failure_day=fday,
        failure_kind=fkind,
        episode_start=estart,
        row_device=dev_idx.astype(np.int64),
        row_day=day_idx.astype(np.int64),
        values=values[dev_idx, day_idx],
        start_date=opts.start_date,
        info={"source": "synthetic", "n_devices": n, "days": days, "failure_fraction": opts.failure_fraction},
    )


def _sudden_blip(
    values: FloatArray, fkind: NDArray[np.str_], fday: IntArray, rng: np.random.Generator
) -> None:
    """Some sudden failures show one faint sign the day before; most show nothing."""
    idx = np.nonzero((fkind == "sudden") & (rng.random(fkind.shape[0]) < 0.3))[0]
    day = fday[idx] - 1
    values[idx, day, M["error_rate"]] += rng.uniform(0.01, 0.06, idx.shape[0])
    values[idx, day, M["connection_drops"]] += rng.integers(1, 4, idx.shape[0])


def _harmless_outliers(values: FloatArray, fday: IntArray, rate: float, rng: np.random.Generator) -> None:
    """One-day spikes on healthy days that would trip a threshold rule without meaning anything."""
    n, days, _ = values.shape
    for metric, low, high in (("error_rate", 0.11, 0.4), ("response_time", 2100, 5000)):
        hit = rng.random((n, days)) < rate
        values[..., M[metric]] = np.where(hit, rng.uniform(low, high, (n, days)), values[..., M[metric]])
    burst = rng.random((n, days)) < rate
    values[..., M["connection_drops"]] += np.where(burst, rng.integers(5, 15, (n, days)), 0)
