"""bench/bench_context_realism.py: the real series are read as their files say, the day grouping keeps
whole days only, and the domain classifier says chance for one distribution and tells two apart."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from ai_automation.synthesis.external_data import BE_2023_PROFILE


@pytest.fixture(scope="module")
def cr(load_bench: Callable[[str, str], ModuleType]) -> ModuleType:
    return load_bench("bench_context_realism", "bench_context_realism")


@pytest.fixture
def data(cr: ModuleType) -> None:
    """The tests that read the real files: skipped when ../shared/external-data is not beside the checkout."""
    if not cr.TRY_FILE.is_file():
        pytest.skip("../shared/external-data is not beside the checkout")


@pytest.mark.usefixtures("data")
def test_the_try_year_is_hourly_from_midnight_utc(cr: ModuleType) -> None:
    t, rh = cr.read_try()
    assert t.shape == rh.shape == (8760,)
    # the file's first row is 00:00-01:00 CET on 1 January (23:00 UTC the day before): it moves to the end
    assert t[-1] == pytest.approx(2.1)
    assert t[0] == pytest.approx(1.0)  # 01:00-02:00 CET = 00:00-01:00 UTC
    assert 9.0 < t.mean() < 12.0
    assert rh.min() >= 1
    assert rh.max() <= 100


@pytest.mark.usefixtures("data")
def test_prices_are_whole_local_days_in_eur_per_mwh(cr: ModuleType) -> None:
    prices, doy = cr.read_prices()
    assert prices.shape == (363, 24)  # the 23-hour day of March and the 25-hour day of October left out
    assert 85 not in doy.tolist()  # 26 March 2023, the spring-forward day
    assert np.all(np.diff(doy) > 0)
    assert prices[0, 0] == pytest.approx(-4.39, abs=0.01)
    # the generator's profile is this year's mean by hour, as the module docstring says (in sample)
    assert np.corrcoef(prices.mean(axis=0), BE_2023_PROFILE)[0, 1] > 0.95


@pytest.mark.usefixtures("data")
def test_carbon_day_by_half_hour_utc(cr: ModuleType) -> None:
    day = cr.read_carbon()
    assert day.shape == (48,)
    assert day[2] == 81  # 01:00Z, the file's first row
    assert day.min() >= 60
    assert day.max() <= 220


def test_local_days_drop_the_dst_days(cr: ModuleType) -> None:
    hourly = np.arange(365 * 24, dtype=np.float64)
    days, doy = cr.local_days(hourly, "Europe/Berlin", cr.YEAR_START)
    assert days.shape[1] == 24
    assert 85 not in doy.tolist()
    assert 302 not in doy.tolist()  # 29 October 2023, fall-back
    assert days[0, 0] == 23  # local midnight of 1 January is 23:00 UTC: hour 0 of the window is 01:00 local
    assert np.all(np.diff(days, axis=1) == 1)


def test_domain_auc_is_chance_for_one_distribution_and_high_for_two(
    cr: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cr, "RESAMPLES", 50)  # the interval's resamples: enough to order its ends
    rng = np.random.default_rng(0)
    weeks = np.repeat(np.arange(30), 7)
    same = cr.domain_auc(rng.normal(size=(210, 3)), weeks, rng.normal(size=(210, 3)), weeks, rng)
    apart = cr.domain_auc(rng.normal(size=(210, 3)), weeks, rng.normal(1.5, 1.0, (210, 3)), weeks, rng)
    assert 0.35 < same["auc"]["value"] < 0.65
    assert apart["auc"]["value"] > 0.9
    assert apart["auc"]["ci95_low"] <= apart["auc"]["value"] <= apart["auc"]["ci95_high"]
    top = cr.telling_features(rng.normal(size=(100, 2)), np.c_[rng.normal(size=100), rng.normal(3, 1, 100)],
                              ("noise", "shifted"))  # fmt: skip
    assert top[0]["feature"] == "shifted"
    assert top[0]["auc"] > 0.95


@pytest.mark.usefixtures("data")
def test_the_bdew_profile_is_a_workday_shape(cr: ModuleType) -> None:
    october = cr.read_h0(10)
    assert october.shape == (24,)
    assert october.mean() == pytest.approx(1.0)
    assert int(october.argmax()) in (18, 19, 20)  # the evening peak
    assert october[:5].mean() < 0.7  # the night


@pytest.mark.usefixtures("data")
def test_cooking_follows_the_household_not_the_clock(cr: ModuleType) -> None:
    # generator 2.7: the whole-home meters' cooking comes with the household's own day (its kitchen
    # busyness when someone is awake at home); with fixed 900 W windows at 06:30-08 and 17:30-20 this
    # sample's workday profile correlated 0.80 with BDEW H0 and its midday sat at 0.70 of the mean
    profile, meters, month = cr.household_load(seed=9, homes=60, days=7)
    assert meters >= 3
    summary = cr.load_summary(profile, cr.read_h0(month))
    assert summary["shape_correlation"] > 0.88
    assert summary["generated"]["midday_11_14"] > 0.8


def test_fit_tries_every_point_on_the_calibration_weeks_and_restores_the_constants(cr: ModuleType) -> None:
    from ai_automation.synthesis import external_data

    before = (external_data.WIND_CUT, external_data.SYNOPTIC_SD, external_data.SYNOPTIC_HOURS)
    weather = external_data.location_weather(1, "Europe/Berlin", cr.YEAR_START, 2)
    seen = []

    def domain(part: Callable[..., np.ndarray], rng: np.random.Generator) -> dict[str, Any]:
        weeks = np.arange(4)
        seen.append(part(weeks).tolist())
        # the point's constants are in force while it is judged, and the cached series rebuilt
        assert external_data.location_weather(1, "Europe/Berlin", cr.YEAR_START, 2) is not weather
        return {"auc": {"value": external_data.WIND_CUT / 1000 + external_data.SYNOPTIC_SD}}

    grids = ({"WIND_CUT": (100.0, 200.0)}, {("SYNOPTIC_SD", "SYNOPTIC_HOURS"): ((1.0, 10.0),)})
    rows = cr.fit(grids, domain)
    assert [r["calibration_auc"] for r in rows] == [
        pytest.approx(0.1 + before[1]),
        pytest.approx(0.2 + before[1]),
        pytest.approx(before[0] / 1000 + 1.0),
    ]
    assert rows[2]["SYNOPTIC_HOURS"] == 10.0
    assert seen == [[True, False, True, False]] * 3  # the even weeks only
    assert before == (external_data.WIND_CUT, external_data.SYNOPTIC_SD, external_data.SYNOPTIC_HOURS)
    assert external_data.location_weather(1, "Europe/Berlin", cr.YEAR_START, 2).temperature.tolist() == (
        weather.temperature.tolist()
    )
