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

Latency (issue 17: `POST /api/synergies/detect` p50 < 200 ms for a 200-device home with 30 days of
events): the generator draws at most ~60 devices per home, so the 200-device home is the 30-day homes
with the most devices put together (`big_home`: ~200 devices, ~900 entities, ~280,000 events). Measured
in-process (`detect` given the columns the stored path reads, and given the event rows) and over HTTP
(the real app through httpx's ASGI transport, the events stored in its SQLite file: the whole request).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from ai_automation.app import create_app
from ai_automation.settings import AiAutomationSettings
from ai_automation.synergies.cache import SynergyCache
from ai_automation.synergies.detect import detect
from ai_automation.synergies.history import HistoryOptions, changes_of, history_of, mine_habits
from ai_automation.synergies.model import SynergyModel
from ai_automation.synthesis.generator import GENERATOR_VERSION, GeneratorOptions, generate_dataset
from homeiq_shared.ha_api import MAX_EVENTS_PER_BATCH
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


def _devices(home: dict[str, Any]) -> int:
    return len({d["device_id"] for d in home["devices"] if d.get("device_id")})


def big_home(homes: list[dict[str, Any]], devices: int = 200) -> dict[str, Any]:
    """A home of at least `devices` devices and its month of events: the generated homes with the most
    devices put together (the generator draws at most ~60 devices per home, as the real homes it is
    calibrated on have). Each part keeps its areas, devices, events and planted routines; a repeated
    name gets HA's own suffix (`light.kitchen_2`, area "Kitchen 2"), so no word links the parts."""
    ranked = sorted(homes, key=lambda h: (-_devices(h), h["home_id"]))
    parts, total = [], 0
    for home in ranked:
        parts.append(home)
        total += _devices(home)
        if total >= devices:
            break
    out: dict[str, Any] = {"home_id": "home-200-devices", "areas": [], "devices": [], "events": [],
                           "labels": {"routines": []}, "parts": [h["home_id"] for h in parts]}  # fmt: skip
    taken_ids: set[str] = set()
    taken_areas: set[str] = set()
    for n, home in enumerate(parts, 1):
        ids: dict[str, str] = {}
        for entity_id in [d["entity_id"] for d in home["devices"]] + [
            e["entity_id"] for e in home["events"] if e.get("entity_id")
        ]:
            if entity_id not in ids:
                new = entity_id if n == 1 else f"{entity_id}_{n}"
                while new in taken_ids:
                    new += f"_{n}"
                ids[entity_id] = new
                taken_ids.add(new)
        areas: dict[str, str] = {}
        for area in home["areas"]:
            name = area["name"]
            while name in taken_areas:
                name = f"{name} {n}"
            areas[area["name"]] = name
            taken_areas.add(name)
            out["areas"].append({**area, "area_id": f"{area['area_id']}_{n}", "name": name})
        for d in home["devices"]:
            out["devices"].append({**d, "entity_id": ids[d["entity_id"]], "area": areas.get(d.get("area") or "", d.get("area")),
                                   "device_id": f"part{n}_{d['device_id']}" if d.get("device_id") else None})  # fmt: skip
        for event in home["events"]:
            event = dict(event)
            if event.get("entity_id"):
                event["entity_id"] = ids[event["entity_id"]]
            for key in ("new_state", "old_state"):
                if isinstance(event.get(key), dict) and event[key].get("entity_id") in ids:
                    event[key] = {**event[key], "entity_id": ids[event[key]["entity_id"]]}
            out["events"].append(event)
        for r in home["labels"]["routines"]:
            out["labels"]["routines"].append({**r, "trigger": ids.get(r["trigger"], r["trigger"]),
                                              "actions": [ids.get(a, a) for a in r["actions"]]})  # fmt: skip
    out["events"].sort(key=lambda e: e["time_fired"])
    return out


def _snapshot(home: dict[str, Any]) -> dict[str, Any]:
    return {
        "home_id": home["home_id"],
        "areas": [{"name": a["name"]} for a in home["areas"]],
        "devices": [
            {k: d[k] for k in ("entity_id", "device_class", "area", "device_id") if d.get(k) is not None}
            for d in home["devices"]
        ],
    }


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1)}  # fmt: skip


def detect_latency(home: dict[str, Any], repeats: int = 15) -> dict[str, Any]:
    """`detect` (cold start + history) in-process on a home's whole history: given its stored-path columns
    (`history_of`, what `stored_history` reads from the database) and given the event rows themselves."""
    snapshot = _snapshot(home)
    rows, _ = normalise_batch(home["events"], home["home_id"])
    columns = history_of(rows)
    model = SynergyModel.load()
    detect(snapshot, model, [], 10, columns)  # warm: the model's caches
    out: dict[str, Any] = {
        "entities": len(snapshot["devices"]),
        "devices": _devices(home),
        "events": len(rows),
    }
    for name, history in (("columns", columns), ("rows", rows)):
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            found = detect(snapshot, model, [], 10, history)
            times.append(1000 * (time.perf_counter() - started))
        out[name] = {**_percentiles(times), "habits": sum(s.pattern == "habit" for s in found)}
    return out


async def _http_latency(home: dict[str, Any], folder: Path, repeats: int, held_back: int) -> dict[str, Any]:
    settings = AiAutomationSettings(data_dir=folder / "data", models_dir=folder / "models", _env_file=None)
    app = create_app(settings)
    body = {"home_id": home["home_id"]}
    events = home["events"][:-held_back]
    later = home["events"][-held_back:]  # arrive between detects, as the live link forwards them
    step = max(1, held_back // repeats)
    out: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ai", timeout=300) as client:

            async def store(batch: list[dict[str, Any]]) -> None:
                for start in range(0, len(batch), MAX_EVENTS_PER_BATCH):
                    sent = {"home_id": home["home_id"], "events": batch[start : start + MAX_EVENTS_PER_BATCH]}
                    r = await client.post("/api/ha/events", json=sent)
                    assert r.status_code == 200, r.text[:300]

            async def detect_ms() -> tuple[float, dict[str, Any]]:
                started = time.perf_counter()
                r = await client.post("/api/synergies/detect", json=body)
                elapsed = 1000 * (time.perf_counter() - started)
                assert r.status_code == 200, r.text[:300]
                return elapsed, r.json()

            assert (await client.post("/api/ha/snapshot", json=_snapshot(home))).status_code == 200
            await store(events)
            await detect_ms()  # the model loaded, the first query planned
            cases: dict[str, list[float]] = {"first_read": [], "new_events": [], "unchanged": []}
            for n in range(repeats):
                app.state.synergy_cache = SynergyCache()  # as after a restart: nothing kept
                cases["first_read"].append((await detect_ms())[0])
                await store(later[n * step : (n + 1) * step])  # a few minutes of the home's events
                cases["new_events"].append((await detect_ms())[0])
                elapsed, answer = await detect_ms()
                cases["unchanged"].append(elapsed)
            for name, times in cases.items():
                out[name] = _percentiles(times)
    return {**out, "events_between_detects": step, "history_events": answer["history_events"],
            "habits": sum(s["pattern"] == "habit" for s in answer["suggestions"])}  # fmt: skip


def http_latency(home: dict[str, Any], repeats: int = 9, held_back: int = 450) -> dict[str, Any]:
    """`POST /api/synergies/detect {"home_id"}` for a stored home, the whole request through the real app
    (httpx over ASGI, its SQLite file holding the home's events): the stored-history query, `detect` in
    a thread, storing and listing the suggestions, the JSON. Three cases, each `repeats` times: the first
    detect of a process (nothing cached: the whole month read and grouped, every pair scored); the next
    one after `held_back / repeats` more of the home's events were stored (the steady state with the live
    link: only those rows are read, the scored pairs of the unchanged snapshot reused); and one with
    nothing new."""
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_http_latency(home, Path(tmp), repeats, held_back))


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
                big = big_home(homes)
                latency = {
                    "home_200_devices": {
                        **detect_latency(big),
                        "http": http_latency(big),
                        "parts": big["parts"],
                    },
                    "largest_generated_home": detect_latency(max(homes, key=lambda h: len(h["devices"]))),
                }
                print(latency, flush=True)
            figures[f"{days}d"] = {
                "history": evaluate(homes, HistoryOptions()),
                "co_occurrence_baseline": evaluate(homes, CO_OCCURRENCE),
            }
            print(days, figures[f"{days}d"], flush=True)
    big_200, small = latency["home_200_devices"], latency["largest_generated_home"]
    http = big_200["http"]
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
        {"figure": f"detect p50 / p95, {big_200['devices']} devices ({big_200['entities']} entities), 30 days "
                   f"({big_200['events']:,} events), in-process from the stored-path columns",
         "value": f"{big_200['columns']['p50_ms']} / {big_200['columns']['p95_ms']} ms", "target": "< 200 ms"},
        {"figure": "POST /api/synergies/detect p50 / p95, the same stored home over HTTP (ASGI, SQLite), "
                   f"after {big_200['http']['events_between_detects']} more events were stored (steady state)",
         "value": f"{http['new_events']['p50_ms']} / {http['new_events']['p95_ms']} ms", "target": "< 200 ms"},
        {"figure": "the same, nothing new since the last detect / the first detect of a process (nothing cached)",
         "value": f"{http['unchanged']['p50_ms']} / {http['first_read']['p50_ms']} ms (p50)", "target": ""},
        {"figure": f"detect p50, the same home from {big_200['events']:,} event rows (the inline-events path)",
         "value": f"{big_200['rows']['p50_ms']} ms", "target": ""},
        {"figure": f"detect p50, largest generated home ({small['devices']} devices, {small['entities']} entities, "
                   f"{small['events']:,} events), columns / rows",
         "value": f"{small['columns']['p50_ms']} / {small['rows']['p50_ms']} ms", "target": "< 200 ms"},
    ]  # fmt: skip
    write_results(
        RESULTS,
        {
            "split": f"generated homes, seed {SEED}, {HOMES} homes per history length (never used to set the "
            "defaults: the unit tests use seed 11 and hand-made streams)",
            "generator_version": GENERATOR_VERSION,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "defaults": HistoryOptions().__dict__,
            "figures": figures,
            "detect_latency": latency,
            "machine": machine(),
            "table": table,
        },
    )


if __name__ == "__main__":
    main()
