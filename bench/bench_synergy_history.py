"""Synergies from the history: planted habits found, automated routines and chance left out
(writes bench/results/synergy_history.json).

Data: generated homes (generator 2.3+, seed 31, 100 homes) with 3, 7 and 30 days of history. The
generator plants habits by hand (motion in an area -> its first light switched on through the app,
user context) and labels them with the motion automations it runs (`labels.routines`); every other
light and switch change is made by hand at random (30 % through HA). Each home's events go the path
stored events take (`normalise_batch` -> origin from the context) into `mine_habits` at its defaults.

Figures, per history length: recall@10 of the planted habits (all, and those that happened >= 10
times), the share of found habits that were planted (precision; everything else is chance
co-occurrence or light-group echo), automated routines found (must be 0), the share of homes without
a planted habit where nothing is found, and the miner's time per home. Intervals: Wilson 95 %.
The baseline beside it is co-occurrence alone (support and confidence, no null, no test).
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from ai_automation.synergies.detect import detect
from ai_automation.synergies.history import HistoryOptions, changes_of, mine_habits
from ai_automation.synergies.model import SynergyModel
from ai_automation.synthesis.generator import GENERATOR_VERSION, GeneratorOptions, generate_dataset
from homeiq_shared.ha_events import normalise_batch
from results_file import machine, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "synergy_history.json"
HOMES, SEED = 100, 31
DAYS = (3, 7, 30)
# Co-occurrence alone: the same support and confidence floors, no day-shifted null, no test.
CO_OCCURRENCE = HistoryOptions(min_lift=0.0, max_p_value=1.0)


def wilson(hits: int, n: int) -> list[float] | None:
    """95 % Wilson interval of hits/n."""
    if n == 0:
        return None
    p, z = hits / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(centre - half, 3), round(centre + half, 3)]


def _ratio(hits: int, n: int) -> dict[str, Any]:
    return {"value": round(hits / n, 3) if n else None, "hits": hits, "n": n, "ci95": wilson(hits, n)}


def evaluate(homes: list[dict[str, Any]], options: HistoryOptions) -> dict[str, Any]:
    """Recall@10, precision, automated found and silence over `homes`."""
    planted = found_planted = planted10 = found10 = found_all = found_true = automated_found = 0
    quiet_homes = quiet = 0
    seconds = []
    for home in homes:
        rows, problems = normalise_batch(home["events"], home["home_id"])
        assert not problems, problems[:3]
        started = time.perf_counter()
        habits = mine_habits(changes_of(rows), options)[:10]
        seconds.append(time.perf_counter() - started)
        routines = home["labels"]["routines"]
        by_hand = {(r["trigger"], r["actions"][0]): r["occurrences"] for r in routines if r["by"] == "user"}
        automated = {(r["trigger"], a) for r in routines if r["by"] == "automation" for a in r["actions"]}
        pairs = {(h.trigger_entity, h.action_entity) for h in habits}
        planted += len(by_hand)
        found_planted += len(pairs & by_hand.keys())
        often = {k for k, n in by_hand.items() if n >= 10}
        planted10 += len(often)
        found10 += len(pairs & often)
        found_all += len(pairs)
        found_true += len(pairs & by_hand.keys())
        automated_found += len(pairs & automated)
        if not by_hand:
            quiet_homes += 1
            quiet += not pairs
    return {
        "recall_at_10": _ratio(found_planted, planted),
        "recall_at_10_happened_10_times": _ratio(found10, planted10),
        "precision": _ratio(found_true, found_all),
        "automated_routines_found": automated_found,
        "silent_without_a_habit": _ratio(quiet, quiet_homes),
        "mine_ms_p50": round(1000 * statistics.median(seconds), 1),
        "mine_ms_max": round(1000 * max(seconds), 1),
    }


def detect_latency(homes: list[dict[str, Any]], repeats: int = 15) -> dict[str, Any]:
    """`detect` (cold start + history) on the generated home with the most entities, its whole history."""
    home = max(homes, key=lambda h: len(h["devices"]))
    snapshot = {
        "home_id": home["home_id"],
        "areas": [{"name": a["name"]} for a in home["areas"]],
        "devices": [
            {k: d[k] for k in ("entity_id", "device_class", "area", "device_id") if d.get(k) is not None}
            for d in home["devices"]
        ],
    }
    rows, _ = normalise_batch(home["events"], home["home_id"])
    model = SynergyModel.load()
    detect(snapshot, model, [], 10, rows)  # warm: the model's caches
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        detect(snapshot, model, [], 10, rows)
        times.append(1000 * (time.perf_counter() - started))
    return {
        "entities": len(snapshot["devices"]),
        "events": len(rows),
        "p50_ms": round(statistics.median(times), 1),
    }


def main() -> None:
    """Generate, mine, score; write the results."""
    figures: dict[str, Any] = {}
    latency: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for days in DAYS:
            folder = Path(tmp) / f"d{days}"
            options = GeneratorOptions(count=HOMES, days=days, seed=SEED, weather=False, carbon=False,
                                       pricing=False, calendar=False)  # fmt: skip
            generate_dataset(options, folder)
            homes = [orjson.loads(p.read_bytes()) for p in sorted(folder.glob("home_*.json"))]
            if days == max(DAYS):
                latency = detect_latency(homes)
            figures[f"{days}d"] = {
                "history": evaluate(homes, HistoryOptions()),
                "co_occurrence_baseline": evaluate(homes, CO_OCCURRENCE),
            }
            print(days, figures[f"{days}d"], flush=True)
    month = figures["30d"]["history"]
    week = figures["7d"]["history"]
    table = [
        {"figure": "history habits recall@10, 30 days (planted by hand)",
         "value": f"{month['recall_at_10']['value']} {month['recall_at_10']['ci95']}", "target": ">= 0.9"},
        {"figure": "history habits precision, 30 days (co-occurrence alone: "
                   f"{figures['30d']['co_occurrence_baseline']['precision']['value']})",
         "value": f"{month['precision']['value']} {month['precision']['ci95']}", "target": ">= 0.8"},
        {"figure": "automated routines suggested from history, 30 days", "value": month["automated_routines_found"],
         "target": "0"},
        {"figure": "history habits recall@10, 7 days", "value": f"{week['recall_at_10']['value']}", "target": ""},
        {"figure": "history miner time per home, 30 days (p50)", "value": f"{month['mine_ms_p50']} ms", "target": ""},
        {"figure": f"detect p50 with 30 days of events ({latency['entities']} entities, {latency['events']:,} events, in-process)",
         "value": f"{latency['p50_ms']} ms", "target": "< 200 ms"},
    ]  # fmt: skip
    write_results(
        RESULTS,
        {
            "split": f"generated homes, seed {SEED}, {HOMES} homes per history length (never used to set the "
            "defaults: the unit tests use seed 11 and hand-made streams)",
            "generator_version": GENERATOR_VERSION,
            "defaults": HistoryOptions().__dict__,
            "figures": figures,
            "detect_latency": latency,
            "machine": machine(),
            "table": table,
        },
    )


if __name__ == "__main__":
    main()
