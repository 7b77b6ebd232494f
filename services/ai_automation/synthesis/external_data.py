"""Context series in the original shapes: hourly weather, 15-minute carbon intensity, hourly prices.

Series are seeded by (seed, place) so homes in the same city share weather and homes on the
same grid share carbon intensity and wholesale prices, whatever the worker that builds them.
Weather peaks in the local afternoon, has seasons and persistent conditions; carbon intensity
has a night trough and an evening peak (GB data); dynamic prices follow the 2023 Belgian
day-ahead mean-by-hour profile with a solar dip and wind-driven negative hours. Forecasts are
stored once per day (on the 00:00 UTC point) instead of on every point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import orjson

from ai_automation.synthesis.event_encoding import iso_strings
from ai_automation.synthesis.household_rhythm import utc_offsets
from ai_automation.synthesis.locations import LOCATIONS, Location

US = 1_000_000
# ENTSO-E Belgium 2023 mean day-ahead price by local hour, EUR/MWh (calibration.md).
BE_2023_PROFILE = np.array([93, 85, 82, 76, 75, 81, 96, 113, 119, 110, 98, 89,
                            83, 75, 74, 78, 88, 106, 123, 134, 129, 117, 111, 99], dtype=np.float64)  # fmt: skip
_STREAM = {"weather": 1, "grid": 2, "calendar": 3}


@dataclass(frozen=True)
class Weather:
    """Hourly weather of one place: arrays for the simulator and ready-made JSON for the home file."""

    temperature: np.ndarray
    humidity: np.ndarray
    cloud: np.ndarray
    json: bytes
    points: int


def _rng(seed: int, stream: str, key: str) -> np.random.Generator:
    tag = int.from_bytes(key.encode()[:16].ljust(16, b"\0"), "little")
    return np.random.default_rng(np.random.SeedSequence([seed, _STREAM[stream], tag]))


def persistent_noise(rng: np.random.Generator, n: int, timescale: float) -> np.ndarray:
    """Unit-variance noise correlated over `timescale` steps (white noise through an exponential kernel)."""
    width = int(4 * timescale) + 1
    kernel = np.exp(-np.arange(width) / timescale)
    raw = np.convolve(rng.normal(0.0, 1.0, n + width), kernel, mode="full")[width : width + n]
    out: np.ndarray = raw / math.sqrt(float((kernel**2).sum()))
    return out


def _normal_quantile(p: float) -> float:
    lo, hi = -8.0, 8.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _season(start_s: int, steps: int, step_s: int, latitude: float) -> np.ndarray:
    """-1 in mid-winter, +1 in mid-summer, for the hemisphere of `latitude`."""
    day = (start_s + step_s * np.arange(steps)) / 86400.0
    doy = (day + 4) % 365.2425  # days since 1 Jan (1970-01-01 is day 0 of the year)
    wave = -np.cos(2 * np.pi * (doy - 22.0) / 365.2425)
    out: np.ndarray = wave if latitude >= 0 else -wave
    return out


def _solar_hour(start_s: int, steps: int, step_s: int, longitude: float) -> np.ndarray:
    out: np.ndarray = (((start_s + step_s * np.arange(steps)) % 86400) / 3600.0 + longitude / 15.0) % 24.0
    return out


PEAK_SOLAR_HOUR = 15.0
"""Solar hour of the daily temperature maximum. Not fitted: the reference year's hour convention (a
value at the hour or the mean of the hour before) is uncertain by up to an hour."""
RANGE_SEASONALITY = 0.45
"""The daily range grows with the sun: x (1 - this) in mid-winter, x (1 + this) in mid-summer (was 0)."""
HOURLY_JITTER = 0.05
"""degC of independent hourly noise on top of the smooth parts (was 0.3)."""
RH_PER_DEGREE = 0.051
"""Share of the climate's mean relative humidity lost per degC of the daily cycle: the air dries as it
warms, and by the same proportion in a dry climate as in a damp one (was 1.2 % points per degC,
0.015 of temperate's 78 %; 4 % points per degC there now)."""
SYNOPTIC_SD = 3.0
SYNOPTIC_HOURS = 60.0
"""Weather systems: degC and time scale of the slow temperature anomaly. Left as they were: the grid's
lowest point (4.0 degC, 90 h) led by less than its interval and cost the pipeline gate a seed."""
# RANGE_SEASONALITY, HOURLY_JITTER and RH_PER_DEGREE were chosen on the even weeks of the DWD test
# reference year for Essen, the odd ones testing (bench/bench_context_realism.py --fit-weather); they
# apply to every climate zone, as the sun drives them everywhere, while each zone keeps its own mean,
# swing, range and humidity


@lru_cache(maxsize=32)
def location_weather(seed: int, timezone: str, start_s: int, days: int) -> Weather:
    """Hourly weather of a place over the window (cached per process)."""
    loc = next(loc for loc in LOCATIONS if loc.timezone == timezone)
    clim = loc.climate
    rng = _rng(seed, "weather", timezone)
    hours = days * 24
    season = _season(start_s, hours, 3600, loc.latitude)
    solar = _solar_hour(start_s, hours, 3600, loc.longitude)
    wet = persistent_noise(rng, hours, 20.0) + 0.35 * (season < 0) * (clim.wetness > 0.2)
    cloudiness = 1.0 / (1.0 + np.exp(-1.6 * (wet + 0.3)))
    anomaly = SYNOPTIC_SD * persistent_noise(rng, hours, SYNOPTIC_HOURS)
    daily = (
        0.5 * clim.daily_range * (1.0 + RANGE_SEASONALITY * season)
        * np.cos(2 * np.pi * (solar - PEAK_SOLAR_HOUR) / 24.0) * (1.0 - 0.55 * cloudiness)
    )  # fmt: skip
    temperature = (
        clim.annual_mean
        + clim.seasonal_swing * season
        + daily
        + anomaly
        + rng.normal(0.0, HOURLY_JITTER, hours)
    )
    z_rain = _normal_quantile(1.0 - clim.wetness)
    z_cloud = _normal_quantile(max(0.05, 1.0 - clim.wetness - 0.35))
    rainy = wet > z_rain
    condition = np.where(rainy, np.where(temperature < 0.5, 3, 2), np.where(wet > z_cloud, 1, 0))
    humidity = np.clip(
        clim.humidity * (1.0 - RH_PER_DEGREE * daily) + 12.0 * wet + rng.normal(0.0, 2.0, hours), 12.0, 100.0
    )
    precipitation = np.where(
        rainy, np.round((wet - z_rain) * np.where(condition == 3, 0.8, 2.5) + 0.1, 1), 0.0
    )
    temperature, humidity = np.round(temperature, 1), np.round(humidity, 1)
    names = ("sunny", "cloudy", "rainy", "snowy")
    stamps = iso_strings((start_s + 3600 * np.arange(hours)) * US)
    records = [
        {"timestamp": ts, "temperature": t, "condition": names[c], "humidity": h, "precipitation": p}
        for ts, t, c, h, p in zip(stamps, temperature.tolist(), condition.tolist(), humidity.tolist(),
                                  precipitation.tolist(), strict=True)
    ]  # fmt: skip
    cloud = np.clip(cloudiness + 0.15 * (condition >= 2), 0.0, 1.0)
    for arr in (temperature, humidity, cloud):
        arr.flags.writeable = False
    return Weather(temperature, humidity, cloud, orjson.dumps(records), hours)


@lru_cache(maxsize=32)
def _grid_drivers(
    seed: int, grid: str, latitude: float, longitude: float, start_s: int, days: int
) -> tuple[np.ndarray, np.ndarray]:
    """15-minute wind (0..1) and solar (0..1) availability shared by carbon and prices of one grid."""
    rng = _rng(seed, "grid", grid)
    n = days * 96
    wind = 1.0 / (1.0 + np.exp(-1.3 * (persistent_noise(rng, n, 96.0 * 1.5) - 0.2)))
    season = _season(start_s, n, 900, latitude)
    solar_h = _solar_hour(start_s, n, 900, longitude)
    day_len = 12.0 + 3.5 * season * (abs(latitude) / 50.0)
    sun = np.clip(np.cos(np.pi * (solar_h - 12.5) / day_len), 0.0, None) ** 1.5
    clouds = 1.0 / (1.0 + np.exp(-1.5 * persistent_noise(rng, n, 48.0)))
    solar = sun * (0.55 + 0.45 * season) * (1.0 - 0.7 * clouds)
    return wind, solar


def _local_hours(loc: Location, start_s: int, steps: int, step_s: int) -> np.ndarray:
    offsets = np.repeat(utc_offsets(loc.timezone, start_s, steps * step_s // 3600 + 1), 3600 // step_s)[
        :steps
    ]
    local = start_s + step_s * np.arange(steps) + offsets
    out: np.ndarray = (local % 86400) / 3600.0
    return out


def carbon_intensity(seed: int, loc: Location, start_s: int, days: int) -> tuple[bytes, int]:
    """15-minute carbon intensity (gCO2/kWh) and renewable share; a 96-value forecast once per day."""
    grid = loc.grid
    wind, solar = _grid_drivers(seed, grid.name, loc.latitude, loc.longitude, start_s, days)
    n = days * 96
    rng = _rng(seed, "grid", grid.name + "/ci")
    hour = _local_hours(loc, start_s, n, 900)
    shape = (1.0 + 0.22 * np.exp(-((hour - 19.5) ** 2) / 5.0) + 0.07 * np.exp(-((hour - 8.0) ** 2) / 3.0)
             - 0.18 * np.exp(-((hour - 3.5) ** 2) / 6.0))  # fmt: skip
    season = _season(start_s, n, 900, loc.latitude)
    intensity = grid.base_intensity * shape * (1.0 - 0.12 * season)
    intensity *= 1.0 - 1.4 * grid.wind_share * (wind - 0.4) - 1.5 * grid.solar_share * solar
    intensity = np.clip(intensity * (1.0 + 0.03 * rng.normal(0.0, 1.0, n)), 15.0, None)
    renewable = np.clip(95.0 - 75.0 * intensity / (grid.base_intensity * 1.35), 2.0, 95.0)
    intensity, renewable = np.round(intensity, 1), np.round(renewable, 1)
    error = (
        1.0
        + persistent_noise(rng, n + 96, 16.0) * np.tile(np.linspace(0.01, 0.09, 96), n // 96 + 2)[: n + 96]
    )
    padded = np.append(intensity, intensity[-96:])
    stamps = iso_strings((start_s + 900 * np.arange(n)) * US)
    records: list[dict[str, object]] = [
        {"timestamp": ts, "intensity": i, "renewable_percentage": r}
        for ts, i, r in zip(stamps, intensity.tolist(), renewable.tolist(), strict=True)
    ]
    for k in range(0, n, 96):
        records[k]["forecast"] = np.round(padded[k : k + 96] * error[k : k + 96], 1).tolist()
    return orjson.dumps(records), n


PRICE_LEVEL_SD = 0.22
"""Spread of the slow (days) price level, log scale."""
WIND_CUT = 250.0
SOLAR_CUT = 130.0
"""EUR/MWh off the price at full wind beyond the threshold and at full midday sun."""
SURPLUS_REFERENCE_START = 1_672_531_200
"""2023-01-01 00:00 UTC: the year over which the mean renewable surplus by local hour is taken."""


def _surplus(wind_q: np.ndarray, solar_q: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Hourly price cut (EUR/MWh) from wind beyond a threshold and from midday sun (deeper at weekends,
    when demand is low), from the 15-minute availabilities."""
    wind_h = wind_q.reshape(-1, 4).mean(axis=1)
    solar_h = solar_q.reshape(-1, 4).mean(axis=1)
    out: np.ndarray = WIND_CUT * np.clip(wind_h - 0.55, 0.0, None) ** 1.2 + SOLAR_CUT * solar_h**2 * (
        1.0 + 0.4 * (weekday >= 5)
    )
    return out


def _weekday(start_s: int, n: int) -> np.ndarray:
    out: np.ndarray = ((start_s + 3600 * np.arange(n)) // 86400 + 3) % 7
    return out


@lru_cache(maxsize=16)
def mean_surplus_by_hour(loc: Location) -> np.ndarray:
    """The renewable surplus a year brings on average at each local hour of `loc`'s grid (the
    generator's own drivers over 2023 at a fixed seed). The Belgian profile is the mean price *with*
    the renewables of its year, so `spot_prices` adds this back before it takes the hour's own surplus
    off: the drivers move prices around the profile (below it on sunny or windy days, above it on dull
    calm ones) instead of below it on average."""
    days = 364
    wind, solar = _grid_drivers(0, loc.grid.name, loc.latitude, loc.longitude, SURPLUS_REFERENCE_START, days)
    surplus = _surplus(wind, solar, _weekday(SURPLUS_REFERENCE_START, days * 24))
    hour = _local_hours(loc, SURPLUS_REFERENCE_START, days * 24, 3600).astype(np.int64)
    out: np.ndarray = np.bincount(hour, weights=surplus, minlength=24) / np.bincount(hour, minlength=24)
    out.flags.writeable = False
    return out


def spot_prices(seed: int, loc: Location, start_s: int, days: int) -> np.ndarray:
    """Hourly day-ahead price (currency/MWh) of the home's grid: the ENTSO-E BE 2023 mean by local hour
    on a slow level, moved by the grid's wind and sun around it, plus noise."""
    grid = loc.grid
    wind, solar = _grid_drivers(seed, grid.name, loc.latitude, loc.longitude, start_s, days)
    rng = _rng(seed, "grid", grid.name + "/price")
    n = days * 24
    hour = _local_hours(loc, start_s, n, 3600).astype(np.int64)
    weekday = _weekday(start_s, n)
    level = np.exp(PRICE_LEVEL_SD * persistent_noise(rng, n, 24.0 * 4))
    base = (BE_2023_PROFILE[hour] + mean_surplus_by_hour(loc)[hour]) * level * (1.0 - 0.12 * (weekday >= 5))
    spot = (base - _surplus(wind, solar, weekday) + rng.normal(0.0, 7.0, n)) * grid.spot_scale
    out: np.ndarray = np.clip(spot, -250.0, 900.0)
    return out


def pricing(seed: int, loc: Location, tariff: str, start_s: int, days: int) -> tuple[bytes, int]:
    """Hourly price per kWh with tier, region and tariff; dynamic tariffs carry the day-ahead forecast."""
    n = days * 24
    grid = loc.grid
    hour = _local_hours(loc, start_s, n, 3600).astype(np.int64)
    weekday = _weekday(start_s, n)
    if tariff == "dynamic":
        price = spot_prices(seed, loc, start_s, days) / 1000.0
        day_rank = np.argsort(np.argsort(price.reshape(-1, 24), axis=1), axis=1).ravel()
        tier = np.where(day_rank >= 18, 0, np.where(day_rank < 6, 2, 1))
    elif tariff == "time_of_use":
        lo, hi = grid.tou_peak
        peak = (hour >= lo) & (hour < hi) & (weekday < 5)
        off = (hour < 7) | (hour >= 23) | ((weekday >= 5) & ~((hour >= lo) & (hour < hi)))
        tier = np.where(peak, 0, np.where(off, 2, 1))
        price = grid.fixed_price * np.array([1.6, 1.0, 0.62])[tier]
    else:
        tier = np.full(n, 3)
        price = np.full(n, grid.fixed_price)
    names = ("peak", "mid-peak", "off-peak", "flat")
    stamps = iso_strings((start_s + 3600 * np.arange(n)) * US)
    rounded = np.round(price, 4)
    records: list[dict[str, object]] = [
        {"timestamp": ts, "price_per_kwh": p, "pricing_tier": names[t], "region": grid.name, "tariff": tariff}
        for ts, p, t in zip(stamps, rounded.tolist(), tier.tolist(), strict=True)
    ]
    if tariff == "dynamic":
        for k in range(0, n, 24):
            records[k]["forecast"] = rounded[k : k + 24].tolist()
    return orjson.dumps(records), n


@lru_cache(maxsize=64)
def grid_series(
    seed: int, timezone: str, tariff: str, start_s: int, days: int
) -> tuple[bytes, int, bytes, int]:
    """Carbon and pricing JSON of a place and tariff (cached per process)."""
    loc = next(loc for loc in LOCATIONS if loc.timezone == timezone)
    carbon, n_carbon = carbon_intensity(seed, loc, start_s, days)
    prices, n_prices = pricing(seed, loc, tariff, start_s, days)
    return carbon, n_carbon, prices, n_prices
