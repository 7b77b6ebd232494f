"""The household's calendar, written from the same schedule that drives presence and devices."""

from __future__ import annotations

import numpy as np
import orjson

from ai_automation.synthesis.event_encoding import iso_strings
from ai_automation.synthesis.household_rhythm import Rhythm

US = 1_000_000
_TRIP_HOURS = 20.0


def household_calendar(rhythm: Rhythm, names: list[str], start_s: int, days: int) -> tuple[bytes, int]:
    """Calendar entries: commutes and work, errands, trips, and morning/evening routines."""
    grid = rhythm.grid
    stamp = grid.bin_start * US
    end_us = (start_s + days * 86400) * US
    rows: list[tuple[int, str, str, str, str]] = []
    for p, name in enumerate(names):
        home = rhythm.home[p].astype(np.int8)
        step = np.diff(home, prepend=home[0])
        leaves, arrives = np.nonzero(step == -1)[0], np.nonzero(step == 1)[0]
        for b in leaves.tolist():
            nxt = arrives[arrives > b]
            hours = ((nxt[0] if nxt.size else grid.n_bins) - b) * 300 / 3600.0
            weekday = int(grid.weekday[b]) < 5
            who = name.title()
            if hours >= _TRIP_HOURS:
                rows.append((int(stamp[b]), "travel", f"{who}: trip", "Away", "away"))
            elif hours >= 5.0 and weekday and rhythm.archetypes[p] in ("commuter", "school"):
                place = "Office" if rhythm.archetypes[p] == "commuter" else "School"
                rows.append(
                    (
                        int(stamp[b]) - 10 * 60 * US,
                        "commute",
                        f"{who}: commute to {place.lower()}",
                        "Car",
                        "leaving",
                    )
                )
                rows.append((int(stamp[b]) + 25 * 60 * US, "work", f"{who}: {place.lower()}", place, "away"))
                if nxt.size:
                    back = int(stamp[nxt[0]])
                    rows.append((back - 30 * 60 * US, "commute", f"{who}: commute home", "Car", "returning"))
            else:
                rows.append((int(stamp[b]), "errand", f"{who}: errands", "Town", "away"))
        awake = rhythm.awake[p].astype(np.int8)
        up = np.nonzero(np.diff(awake, prepend=awake[0]) == 1)[0]
        hours_up = grid.local_hour[up]
        for b in up[(hours_up >= 4.5) & (hours_up < 11.5)].tolist():
            rows.append((int(stamp[b]), "routine", f"{name.title()}: morning routine", "Home", "home"))
    rows = sorted(r for r in rows if (start_s * US) <= r[0] < end_us)
    times = np.array([r[0] for r in rows], dtype=np.int64)
    stamps = iso_strings(times)
    records = [
        {"timestamp": ts, "event_type": r[1], "summary": r[2], "location": r[3], "presence_state": r[4]}
        for ts, r in zip(stamps, rows, strict=True)
    ]
    return orjson.dumps(records), len(records)
