"""Risk bands that follow a model's operating point (its alert threshold), and non-contradictory advice.

The original banded a percent at fixed 20/40/60/80 while alerts fired at a threshold chosen elsewhere,
so a device flagged to fail could be `minimal` or `low`. Here the alert threshold t starts `medium`:
every alerted device is `medium` or above and every other device `low` or `minimal`.
- low: t / 2 (raised risk, below the alert)
- medium: t (the alert threshold: `will_fail_within_horizon`)
- high: max(0.6, t), critical: max(0.8, t) (the original's calibrated 60 % and 80 %)
"""

from __future__ import annotations

from collections.abc import Mapping

RISK_ORDER: tuple[str, ...] = ("critical", "high", "medium", "low")
ORIGINAL_BANDS: dict[str, float] = {"critical": 0.8, "high": 0.6, "medium": 0.4, "low": 0.2}
BANDS_DEFINITION = (
    "probability (0-1) lower bounds: low = t/2, medium = t (the alert threshold), high = max(0.6, t), "
    "critical = max(0.8, t); below low: minimal"
)


def risk_bands(threshold: float) -> dict[str, float]:
    """The lower probability bound of each band for an alert threshold `threshold` (0-1)."""
    t = float(threshold)
    return {
        "critical": round(max(ORIGINAL_BANDS["critical"], t), 6),
        "high": round(max(ORIGINAL_BANDS["high"], t), 6),
        "medium": round(t, 6),
        "low": round(t / 2.0, 6),
    }


def risk_level(probability: float, bands: Mapping[str, float]) -> str:
    """The highest band whose lower bound `probability` reaches, else minimal."""
    return next((name for name in RISK_ORDER if probability >= bands[name]), "minimal")


NORMAL = "Device operating normally"
ANOMALY = "Health metrics are unusual for this fleet (anomaly): investigate the device"


def advice(
    probability: float,
    threshold: float,
    driver_lines: list[str],
    is_anomaly: bool,
    bands: Mapping[str, float],
) -> list[str]:
    """Recommendations, most important first; "operating normally" only when nothing else is said."""
    recs: list[str] = []
    if probability >= threshold:
        recs.append(f"Failure likely within the horizon ({probability:.0%}): schedule maintenance")
    recs += driver_lines
    if is_anomaly:
        recs.append(ANOMALY)
    if not recs:
        if probability >= bands["low"]:
            recs.append(
                f"Failure risk slightly raised ({probability:.0%}, below the alert): keep an eye on it"
            )
        else:
            recs.append(NORMAL)
    return recs
