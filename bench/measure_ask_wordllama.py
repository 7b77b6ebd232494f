"""Does `wordllama` (static embeddings shipped inside its wheel) help ask-in-words as a second scorer?
(writes bench/results/ask_wordllama.json)

wordllama is not a dependency: it is measured from a throwaway venv, in three steps.
    PYTHONPATH=shared:services:bench .venv/bin/python bench/measure_ask_wordllama.py dump /tmp/wl_texts.json
    uv venv /tmp/wl && uv pip install --python /tmp/wl/bin/python wordllama
    /tmp/wl/bin/python bench/measure_ask_wordllama.py embed /tmp/wl_texts.json /tmp/wl_sims.json
    PYTHONPATH=shared:services:bench .venv/bin/python bench/measure_ask_wordllama.py score /tmp/wl_sims.json
Same asks as bench_ask.py (every alias a request, its automation hidden). Compared on the same asks and
the same (shipped, in-sample) synergy ranker: BM25 alone, BM25 + wordllama similarity of the request to
each entity's name (weight 1, 2 and 4 shown: all of them, nothing picked afterwards), and wordllama
alone for template retrieval (R@1/R@5 against the library template of the real pair).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "ask_wordllama.json"
WEIGHTS = (1.0, 2.0, 4.0)


def _dump(out: Path) -> None:
    from ai_automation.ask.library import BUILTIN
    from ai_automation.synergies.calibration import load_calibration_homes
    from bench_ask import HOMES_DIR, asks_of

    homes = load_calibration_homes(HOMES_DIR)
    doc: dict[str, Any] = {
        "templates": {t.id: " ".join(w for w in t.doc if not w.startswith("@")) for t in BUILTIN}
    }
    doc["asks"] = []
    for home in homes:
        asks = asks_of(home)
        if not asks:
            continue
        names = {
            d["entity_id"]: " ".join(
                [d["entity_id"].partition(".")[2].replace("_", " "), d.get("area") or ""]
            )
            for d in home.snapshot["devices"]
        }
        for ask in asks:
            doc["asks"].append({"home_id": home.home_id, "request": ask.request, "names": names})
    out.write_text(json.dumps(doc))
    print(f"{len(doc['asks'])} asks written to {out}")


def _embed(src: Path, out: Path) -> None:
    import os

    import wordllama
    from wordllama import WordLlama

    wl = WordLlama.load(cache_dir=Path(os.path.dirname(wordllama.__file__)), disable_download=True)
    doc = json.loads(src.read_text())
    t_ids = list(doc["templates"])
    t_emb = wl.embed([doc["templates"][i] for i in t_ids])
    sims: list[dict[str, Any]] = []
    started = time.perf_counter()
    for ask in doc["asks"]:
        q = wl.embed([ask["request"]])
        ids = list(ask["names"])
        e = wl.embed([ask["names"][i] for i in ids])
        s = (e @ q[0]).tolist()
        ts = (t_emb @ q[0]).tolist()
        sims.append({"request": ask["request"], "home_id": ask["home_id"], "entities": dict(zip(ids, s, strict=True)),
                     "templates": dict(zip(t_ids, ts, strict=True))})  # fmt: skip
    per_query_ms = (time.perf_counter() - started) * 1000 / max(len(doc["asks"]), 1)
    out.write_text(json.dumps({"sims": sims, "per_ask_ms_incl_entity_names": per_query_ms}))
    print(f"embedded {len(sims)} asks, {per_query_ms:.2f} ms per ask (request + the home's entity names)")


def _score(src: Path) -> None:
    from ai_automation.ask import compose, slots
    from ai_automation.ask.slots import RoleScore
    from ai_automation.synergies.calibration import load_calibration_homes
    from ai_automation.synergies.model import SynergyModel
    from bench_ask import HOMES_DIR, asks_of, gold_templates
    from results_file import machine, write_results

    sims = json.loads(src.read_text())
    by_key = {(s["home_id"], s["request"]): s for s in sims["sims"]}
    homes = {h.home_id: h for h in load_calibration_homes(HOMES_DIR)}
    asks = [a for h in homes.values() for a in asks_of(h)]
    model = SynergyModel.load()
    original = slots.role_scores

    def run(weight: float) -> float:
        hits = 0
        for ask in asks:
            sim = by_key[(ask.home_id, ask.request)]["entities"]

            def boosted(
                *args: Any, sim: dict[str, float] = sim, **kwargs: Any
            ) -> tuple[list[RoleScore], list[RoleScore]]:
                trig, act = original(*args, **kwargs)

                def add(rs: list[RoleScore]) -> list[RoleScore]:
                    out = [RoleScore(r.entity, r.score + weight * max(sim.get(r.entity.entity_id, 0.0), 0.0),
                                     r.name, r.kind, r.example) for r in rs]  # fmt: skip
                    return sorted(out, key=lambda r: (-r.score, r.entity.entity_id))

                return add(trig), add(act)

            compose.role_scores = boosted  # type: ignore[assignment]
            try:
                answer = compose.suggest(ask.request, homes[ask.home_id].snapshot, model)
            finally:
                compose.role_scores = original
            hits += bool(
                set(answer.trigger_entities) & ask.triggers and set(answer.action_entities) & ask.actions
            )
        return round(hits / len(asks), 4)

    slot = {"bm25_only": run(0.0), **{f"bm25_plus_wordllama_w{w:g}": run(w) for w in WEIGHTS}}
    r1 = r5 = 0
    for ask in asks:
        gold = gold_templates(ask, homes[ask.home_id].snapshot)
        ts = by_key[(ask.home_id, ask.request)]["templates"]
        ranked = sorted(ts, key=lambda t: -ts[t])
        r1 += bool(gold & set(ranked[:1]))
        r5 += bool(gold & set(ranked[:5]))
    retrieval = {
        "wordllama_only_r@1": round(r1 / len(asks), 4),
        "wordllama_only_r@5": round(r5 / len(asks), 4),
    }
    best = max(v for k, v in slot.items() if k != "bm25_only")
    helps = best > slot["bm25_only"]
    table = [
        {"figure": "ask slot accuracy, BM25 only (shipped ranker, in-sample)", "value": slot["bm25_only"], "target": ""},
        {"figure": "  + wordllama entity similarity (w = 1 / 2 / 4)",
         "value": " / ".join(str(slot[f"bm25_plus_wordllama_w{w:g}"]) for w in WEIGHTS), "target": "> BM25 only"},
        {"figure": "  wordllama-only template retrieval R@1 / R@5",
         "value": f"{retrieval['wordllama_only_r@1']} / {retrieval['wordllama_only_r@5']}", "target": ""},
        {"figure": "  wordllama time per ask (request + the home's entity names)",
         "value": f"{sims['per_ask_ms_incl_entity_names']:.2f} ms", "target": ""},
    ]  # fmt: skip
    write_results(
        RESULTS,
        {
            "split": "the asks of bench_ask.py, shipped ranker (in-sample) for every variant; no weight picked",
            "asks": len(asks),
            "slot_accuracy": slot,
            "template_retrieval": retrieval,
            "helps": helps,
            "decision": "kept as a dependency" if helps else "left out (no measurable gain)",
            "machine": machine(),
            "table": table,
        },
    )


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "dump":
        _dump(Path(sys.argv[2]))
    elif mode == "embed":
        _embed(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        _score(Path(sys.argv[2]))
