"""Synergy history evidence on generated homes with planted routines (writes bench/results/synergy_history.json).

Each generated home is the 200-entity bench home (25 rooms: motion, door, temperature, power, two
lights, a plug, a speaker) with 30 days of `state_changed` events: motion and doors at random times,
every light and plug also switched by hand at random times (random co-occurrence), and planted
routines: in 6 rooms the owner switches a light by hand 15-90 s after the motion on 70 % of its
evening triggers; in 3 other rooms an existing automation does the same (parent context: must never
be evidence). Figures over 10 seeds: recall@10 of the manual routines among the history suggestions,
the share of history suggestions (default lift threshold) that are planted routines, the same with
3 and 6 days of history, and the detect p50 with the 30 days of events (in process).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ai_automation.synergies.detect import detect
from ai_automation.synergies.model import SynergyModel
from results_file import machine, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "synergy_history.json"
START = datetime(2026, 11, 1, tzinfo=UTC)
ROOMS = 25
SEEDS = 10


def snapshot() -> dict[str, Any]:
    devices = []
    for room in range(ROOMS):
        area = f"Room {room}"
        devices += [
            {"entity_id": f"binary_sensor.r{room}_motion", "device_class": "motion", "area": area},
            {"entity_id": f"binary_sensor.r{room}_door", "device_class": "door", "area": area},
            {"entity_id": f"sensor.r{room}_temperature", "device_class": "temperature", "area": area},
            {"entity_id": f"sensor.r{room}_power", "device_class": "power", "area": area},
            {"entity_id": f"light.r{room}_ceiling", "area": area},
            {"entity_id": f"light.r{room}_lamp", "area": area},
            {"entity_id": f"switch.r{room}_plug", "area": area},
            {"entity_id": f"media_player.r{room}_speaker", "area": area},
        ]
    return {"home_id": "hist", "areas": [{"name": f"Room {r}"} for r in range(ROOMS)], "devices": devices}


def _event(entity_id: str, when: datetime, new: str, user: str | None, parent: str | None) -> dict[str, Any]:
    old = "off" if new == "on" else "on"
    return {
        "event_type": "state_changed",
        "time_fired": when.isoformat(),
        "data": {
            "entity_id": entity_id,
            "old_state": {"entity_id": entity_id, "state": old},
            "new_state": {"entity_id": entity_id, "state": new},
        },
        "context": {"id": f"{entity_id}{when.timestamp()}", "user_id": user, "parent_id": parent},
    }


def history(seed: int, days: int) -> tuple[list[dict[str, Any]], set[tuple[str, str]]]:
    """The events of a generated home and its planted manual routines (trigger, action)."""
    rng = random.Random(seed)
    rooms = rng.sample(range(ROOMS), 9)
    manual_rooms, automated_rooms = rooms[:6], rooms[6:]
    planted = {
        (f"binary_sensor.r{r}_motion", f"light.r{r}_{rng.choice(['ceiling', 'lamp'])}") for r in manual_rooms
    }
    automated = {(f"binary_sensor.r{r}_motion", f"light.r{r}_ceiling") for r in automated_rooms}
    events = []
    for day in range(days):
        base = START + timedelta(days=day)
        for room in range(ROOMS):
            for kind, per_day in (("motion", 6), ("door", 3)):
                for _ in range(per_day):
                    on = base + timedelta(seconds=rng.randint(0, 86_000))
                    events.append(_event(f"binary_sensor.r{room}_{kind}", on, "on", None, None))
                    events.append(
                        _event(f"binary_sensor.r{room}_{kind}", on + timedelta(seconds=90), "off", None, None)
                    )
            for entity in (f"light.r{room}_ceiling", f"light.r{room}_lamp", f"switch.r{room}_plug"):
                for _ in range(2):  # by hand at random times: chance co-occurrence only
                    when = base + timedelta(seconds=rng.randint(0, 86_000))
                    events.append(_event(entity, when, rng.choice(["on", "off"]), "owner", None))
            evening = base + timedelta(hours=19, seconds=rng.randint(0, 7_200))
            events.append(_event(f"binary_sensor.r{room}_motion", evening, "on", None, None))
            events.append(
                _event(f"binary_sensor.r{room}_motion", evening + timedelta(seconds=120), "off", None, None)
            )
            for trigger, action in planted | automated:
                if trigger == f"binary_sensor.r{room}_motion" and rng.random() < 0.7:
                    when = evening + timedelta(seconds=rng.randint(15, 90))
                    by_hand = (trigger, action) in planted
                    events.append(
                        _event(action, when, "on", "owner" if by_hand else None, None if by_hand else "auto")
                    )
    return events, planted


def _score(model: SynergyModel, days: int) -> dict[str, float]:
    recall, precision, found_any = [], [], []
    for seed in range(SEEDS):
        events, planted = history(seed, days)
        out = detect(snapshot(), model, limit=10, events=events)
        from_history = [
            (s.trigger_entities[0], s.action_entities[0]) for s in out if s.evidence["source"] == "history"
        ]
        recall.append(len(set(from_history) & planted) / len(planted))
        precision.append(len(set(from_history) & planted) / len(from_history) if from_history else 1.0)
        found_any.append(float(bool(from_history)))
    return {
        "recall@10": round(statistics.mean(recall), 3),
        "planted_share": round(statistics.mean(precision), 3),
        "homes_with_history_suggestions": round(statistics.mean(found_any), 3),
    }


def main() -> None:
    model = SynergyModel.load()
    figures = {f"{days}_days": _score(model, days) for days in (30, 6, 3)}
    events, _ = history(0, 30)
    snap = snapshot()
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        detect(snap, model, limit=10, events=events)
        times.append((time.perf_counter() - t0) * 1000)
    p50 = float(np.percentile(times, 50))
    f30 = figures["30_days"]
    table = [
        {"figure": f"history recall@10 of planted manual routines, 30 days ({SEEDS} seeds)", "value": f30["recall@10"], "target": ">= 0.9"},
        {"figure": "history suggestions that are planted routines, default lift", "value": f30["planted_share"], "target": ">= 0.8"},
        {"figure": "6 days of history: recall@10 / planted share", "value": f"{figures['6_days']['recall@10']} / {figures['6_days']['planted_share']}", "target": ""},
        {"figure": "3 days of history: recall@10 / planted share", "value": f"{figures['3_days']['recall@10']} / {figures['3_days']['planted_share']}", "target": ""},
        {"figure": f"detect p50, 200-entity home with 30 days of events ({len(events)} events, in process)", "value": f"{p50:.0f} ms", "target": "< 200 ms"},
    ]  # fmt: skip
    write_results(
        RESULTS,
        {
            "split": "generated homes (seeds 0-9) with planted manual and automated routines",
            "figures": figures,
            "detect_ms_with_events": {"p50": round(p50, 1), "events": len(events)},
            "machine": machine(),
            "table": table,
        },
    )


if __name__ == "__main__":
    main()
