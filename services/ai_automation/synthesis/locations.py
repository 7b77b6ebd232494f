"""Where synthetic homes are: time zones with their climate zone, grid region and electricity tariffs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Climate:
    """Hourly weather parameters of a climate zone (annual mean and swing, daily range, humidity)."""

    name: str
    annual_mean: float
    seasonal_swing: float
    daily_range: float
    humidity: float
    wetness: float


@dataclass(frozen=True)
class GridRegion:
    """Carbon intensity and wholesale price parameters of a power grid region."""

    name: str
    base_intensity: float
    solar_share: float
    wind_share: float
    fixed_price: float
    spot_scale: float
    tou_peak: tuple[int, int]


@dataclass(frozen=True)
class Location:
    """A home's place: IANA zone, country, coordinates, climate, grid and the tariffs offered there."""

    timezone: str
    country: str
    latitude: float
    longitude: float
    climate: Climate
    grid: GridRegion
    currency: str
    tariffs: tuple[str, ...]
    tariff_weights: tuple[float, ...]


CLIMATES = {
    "temperate": Climate("temperate", 10.4, 7.6, 7.0, 78.0, 0.30),
    "continental": Climate("continental", 11.5, 13.0, 9.0, 66.0, 0.25),
    "mediterranean": Climate("mediterranean", 17.0, 6.5, 9.5, 62.0, 0.12),
    "arid": Climate("arid", 23.5, 10.0, 13.0, 32.0, 0.05),
    "subtropical": Climate("subtropical", 18.5, 5.0, 7.5, 70.0, 0.22),
}

GRIDS = {
    "germany": GridRegion("germany", 380.0, 0.14, 0.30, 0.38, 1.05, (17, 21)),
    "great_britain": GridRegion("great_britain", 170.0, 0.06, 0.35, 0.27, 1.00, (16, 19)),
    "netherlands": GridRegion("netherlands", 330.0, 0.14, 0.28, 0.34, 1.00, (17, 21)),
    "spain": GridRegion("spain", 150.0, 0.24, 0.25, 0.22, 0.90, (18, 22)),
    "us_northeast": GridRegion("us_northeast", 270.0, 0.05, 0.05, 0.24, 0.55, (14, 19)),
    "us_midwest": GridRegion("us_midwest", 470.0, 0.04, 0.18, 0.16, 0.40, (13, 19)),
    "california": GridRegion("california", 220.0, 0.30, 0.08, 0.32, 0.65, (16, 21)),
    "us_southwest": GridRegion("us_southwest", 390.0, 0.20, 0.05, 0.14, 0.45, (15, 20)),
    "australia_nsw": GridRegion("australia_nsw", 620.0, 0.18, 0.10, 0.33, 1.10, (14, 20)),
}

_L = Location
LOCATIONS: tuple[Location, ...] = (
    _L("Europe/Berlin", "DE", 52.5, 13.4, CLIMATES["temperate"], GRIDS["germany"], "EUR",
       ("dynamic", "time_of_use", "fixed"), (0.35, 0.15, 0.5)),
    _L("Europe/London", "GB", 51.5, -0.1, CLIMATES["temperate"], GRIDS["great_britain"], "GBP",
       ("dynamic", "time_of_use", "fixed"), (0.25, 0.35, 0.4)),
    _L("Europe/Amsterdam", "NL", 52.4, 4.9, CLIMATES["temperate"], GRIDS["netherlands"], "EUR",
       ("dynamic", "fixed"), (0.45, 0.55)),
    _L("Europe/Madrid", "ES", 40.4, -3.7, CLIMATES["mediterranean"], GRIDS["spain"], "EUR",
       ("dynamic", "time_of_use", "fixed"), (0.4, 0.4, 0.2)),
    _L("America/New_York", "US", 40.7, -74.0, CLIMATES["continental"], GRIDS["us_northeast"], "USD",
       ("time_of_use", "fixed"), (0.3, 0.7)),
    _L("America/Chicago", "US", 41.9, -87.6, CLIMATES["continental"], GRIDS["us_midwest"], "USD",
       ("dynamic", "fixed"), (0.2, 0.8)),
    _L("America/Los_Angeles", "US", 34.05, -118.2, CLIMATES["mediterranean"], GRIDS["california"], "USD",
       ("time_of_use", "fixed"), (0.7, 0.3)),
    _L("America/Phoenix", "US", 33.4, -112.1, CLIMATES["arid"], GRIDS["us_southwest"], "USD",
       ("time_of_use", "fixed"), (0.5, 0.5)),
    _L("Australia/Sydney", "AU", -33.9, 151.2, CLIMATES["subtropical"], GRIDS["australia_nsw"], "AUD",
       ("time_of_use", "dynamic", "fixed"), (0.5, 0.2, 0.3)),
)  # fmt: skip
LOCATION_WEIGHTS: tuple[float, ...] = (0.2, 0.15, 0.08, 0.07, 0.16, 0.1, 0.12, 0.05, 0.07)
LOCATION_BY_ZONE: dict[str, Location] = {loc.timezone: loc for loc in LOCATIONS}
