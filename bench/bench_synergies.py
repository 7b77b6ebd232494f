"""Synergy detection, cold start on real homes (writes bench/results/synergies.json).

Split: leave-one-home-out over the real-ha-homes calibration installs whose automations link a known
trigger entity to a known action entity. For each held-out home its automations are hidden; the
counts and every scorer are fitted on the other homes only (statistics features of a training home
from the homes other than it and the held-out one; the installs without a registry add their
automations' words and domains to the counts, they are never held out; a registry install's
automations that link no registry entity add theirs to that home's counts, held out with it). Scorers: a logistic
regression of all features, LightGBM lambdarank with and without the graph features, the
un-fitted rule weights; all through the same diversity rule (two suggestions per trigger / action
device). Figures are means over homes (grouped): P@k, R@k, hit@k (k = 5, 10, 20) and MRR, for all
such homes and for the I1 subset (>= 3 linked automations), beside the rule table of
../shared/acceptance/lib/synergy_eval.py (what I1 compares with) and a random ranking (mean of 20
seeds). Also: the shipped model (fitted on every home) on the same homes, in-sample (what I1
measures; not a generalisation figure), and the detect latency of a 200-device home.

HA's entity registry files settings (`config`) and readings about the device itself (`diagnostic`) apart;
the snapshots here carry that `entity_category` as HA's import, live link and integration send it. The
shipped prior is also scored on snapshots without it (names only, as I1's converter sends them), and the
share of its top 10 that touches such an entity is counted both ways, beside how often owners link them.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ai_automation.synergies.calibration import CalibrationHome, load_calibration_homes
from ai_automation.synergies.detect import detect
from ai_automation.synergies.evaluation import KS, HomeScore, pairs_at, score_ranking, score_top, summarise
from ai_automation.synergies.fit import (
    NO_GRAPH,
    LabelledHome,
    automation_only_counts,
    fit_ranker,
    fit_weights,
    prepare,
    read_homes,
)
from ai_automation.synergies.home import by_id
from ai_automation.synergies.model import PRIOR_WEIGHTS, SynergyModel
from ai_automation.synergies.priors import KindCounts, sum_counts
from ai_automation.synergies.ranking import FEATURES, Candidates, linear_score, with_rates
from results_file import EXTERNAL, SHARED, machine, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "synergies.json"
HOMES_DIR = EXTERNAL / "real-ha-homes" / "homes"
sys.path.insert(0, str(SHARED / "acceptance" / "lib"))
import synergy_eval  # noqa: E402  (the acceptance check's own rule table, read-only)

K = 20
RANDOM_SEEDS = 20


def _rule_table(home: LabelledHome, snapshot: dict[str, Any]) -> HomeScore:
    ents = by_id(home.entities)
    ranked = [(ents[t["entity_id"]], ents[a["entity_id"]]) for t, a in _rule_pairs(snapshot)]
    return score_ranking(ranked, home.links)


def _rule_pairs(snapshot: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    # synergy_eval.rule_table returns key sets; rebuild the entity pairs from its order
    by_eid = {e["entity_id"]: e for e in snapshot["devices"]}
    out = []
    for tk, ak in synergy_eval.rule_table(snapshot, K):
        t = next(k for k in tk if not k.startswith("device:"))
        a = next(k for k in ak if not k.startswith("device:"))
        out.append((by_eid[t], by_eid[a]))
    return out


def _random(home: LabelledHome, seed: int) -> HomeScore:
    assert home.candidates is not None
    order = list(range(len(home.candidates)))
    random.Random(seed).shuffle(order)
    return score_ranking(pairs_at(home.candidates, order[:K]), home.links)


def _mean_scores(scores: list[list[HomeScore]]) -> dict[str, float]:
    per_seed = [summarise(s) for s in scores]
    return {k: round(statistics.mean(d[k] for d in per_seed), 4) for k in per_seed[0]}


Scorer = Callable[[list[LabelledHome], LabelledHome, Candidates, KindCounts], NDArray[np.float64]]


def _linear(
    train: list[LabelledHome], held: LabelledHome, c: Candidates, extra: KindCounts
) -> NDArray[np.float64]:
    return linear_score(c, fit_weights(train, excluded=held.counts, extra=extra))


def _prior(
    train: list[LabelledHome], held: LabelledHome, c: Candidates, extra: KindCounts
) -> NDArray[np.float64]:
    return linear_score(c, PRIOR_WEIGHTS)  # hand-set weights; its statistics features are held-out


def _lightgbm(features: tuple[str, ...]) -> Scorer:
    def scorer(
        train: list[LabelledHome], held: LabelledHome, c: Candidates, extra: KindCounts
    ) -> NDArray[np.float64]:
        text = fit_ranker(train, excluded=held.counts, extra=extra, features=features)
        assert text is not None
        return SynergyModel(booster_text=text).score(c)

    return scorer


SCORERS: dict[str, Scorer] = {
    "prior": _prior,
    "lightgbm": _lightgbm(FEATURES),
    "lightgbm_no_graph": _lightgbm(NO_GRAPH),
    "linear": _linear,
}
SHIPPED = "prior"  # the scorer fit.py ships by default: keep equal to the LOHO winner below


def _without_categories(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as I1's converter sends it: no `entity_category` (the ranker reads names only)."""
    return {
        **snapshot,
        "devices": [{k: v for k, v in d.items() if k != "entity_category"} for d in snapshot["devices"]],
    }


def _categories(
    calibration: list[CalibrationHome], homes: list[LabelledHome], shipped: SynergyModel
) -> dict[str, Any]:
    """How often owners automate what HA files under config / diagnostic, and how often the shipped model's
    top 10 suggests it, with the declared category and without it (names only), over every install whose
    registry declares one (in sample: the prior's statistics read these installs' automations)."""
    used = {"config_or_diagnostic": [0, 0], "other": [0, 0]}  # [entities, entities an automation links]
    for home in homes:
        if not home.links:
            continue
        # the entities an automation names (a device reference alone stands for all of a device's entities)
        linked = {
            k for link in home.links for k in link.triggers | link.actions if not k.startswith("device:")
        }
        for e in home.entities:
            side = used["config_or_diagnostic" if e.category else "other"]
            side[0] += 1
            side[1] += e.entity_id in linked
    top = {"declared": [0, 0], "names_only": [0, 0]}  # [suggestions, suggestions touching one]
    for home in calibration:
        category = {d["entity_id"]: d.get("entity_category") for d in home.snapshot["devices"]}
        if not any(category.values()):
            continue
        for name, snapshot in (
            ("declared", home.snapshot),
            ("names_only", _without_categories(home.snapshot)),
        ):
            for found in detect(snapshot, shipped, limit=10):
                top[name][0] += 1
                top[name][1] += any(category.get(e) for e in found.trigger_entities + found.action_entities)
    return {
        "installs_with_automations_entities_linked": {
            k: {"entities": n, "linked": k_, "share": round(k_ / max(n, 1), 4)} for k, (n, k_) in used.items()
        },
        "top10_touching_one": {
            k: {"suggestions": n, "touching": k_, "share": round(k_ / max(n, 1), 3)}
            for k, (n, k_) in top.items()
        },
    }


def main() -> None:
    started = time.perf_counter()
    calibration = load_calibration_homes(HOMES_DIR)
    snapshots = {h.home_id: h.snapshot for h in calibration}
    homes = read_homes(calibration)
    extra = automation_only_counts(HOMES_DIR)
    total = sum_counts(h.counts for h in homes) + extra
    prepare(homes, total)
    labelled = [h for h in homes if h.links]
    results: dict[str, dict[str, list[HomeScore]]] = {
        name: {} for name in (*SCORERS, "rule_table", "shipped_in_sample")
    }
    random_runs: list[list[HomeScore]] = [[] for _ in range(RANDOM_SEEDS)]
    shipped = SynergyModel.load()
    for held in labelled:
        train = [h for h in homes if h is not held]
        assert held.candidates is not None
        held_out = with_rates(held.candidates, SynergyModel(total - held.counts).rates())
        for name, scorer in SCORERS.items():
            scores = scorer(train, held, held_out, extra)
            results[name][held.home_id] = [score_top(held_out, scores, held.links, K)]
        results["rule_table"][held.home_id] = [_rule_table(held, snapshots[held.home_id])]
        for seed in range(RANDOM_SEEDS):
            random_runs[seed].append(_random(held, seed))
        ents = by_id(held.entities)
        # in sample, as served: with the registries' entity_category, and names only (what I1 sends)
        for name, snapshot in (
            ("shipped_in_sample", snapshots[held.home_id]),
            ("shipped_in_sample_names_only", _without_categories(snapshots[held.home_id])),
        ):
            found = detect(snapshot, shipped, limit=K)
            ranked = [(ents[s.trigger_entities[0]], ents[s.action_entities[0]]) for s in found]
            results.setdefault(name, {})[held.home_id] = [score_ranking(ranked, held.links)]
    # the shipped prior again on snapshots without the declared categories, as I1 sends them
    bare = read_homes([replace(h, snapshot=_without_categories(h.snapshot)) for h in calibration])
    prepare(bare, sum_counts(h.counts for h in bare) + extra)
    for held in (h for h in bare if h.links):
        assert held.candidates is not None
        held_out = with_rates(held.candidates, SynergyModel(total - held.counts).rates())
        scores = SCORERS[SHIPPED]([], held, held_out, extra)
        results.setdefault(f"{SHIPPED}_names_only", {})[held.home_id] = [
            score_top(held_out, scores, held.links, K)
        ]
    categories = _categories(calibration, homes, shipped)
    groups = {"homes_with_links": 1, "i1_homes": 3}
    figures: dict[str, Any] = {}
    for group, least in groups.items():
        ids = [h.home_id for h in labelled if len(h.links) >= least]
        figures[group] = {name: summarise([runs[i][0] for i in ids]) for name, runs in results.items()}
        figures[group]["random"] = _mean_scores(
            [[run[j] for j, h in enumerate(labelled) if h.home_id in ids] for run in random_runs]
        )
    # detect latency: a 200-device home (4 rooms x motion, door, temperature, lights, switches...)
    devices = []
    for room in range(25):
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
    snapshot = {"home_id": "bench", "areas": [{"name": f"Room {r}"} for r in range(25)], "devices": devices}
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        detect(snapshot, shipped, limit=10)
        times.append((time.perf_counter() - t0) * 1000)
    p50 = float(np.percentile(times, 50))
    i1, allh = figures["i1_homes"], figures["homes_with_links"]
    best = max(SCORERS, key=lambda n: (allh[n]["hit@10"], allh[n]["mrr"]))

    linked, touching = (
        categories["installs_with_automations_entities_linked"],
        categories["top10_touching_one"],
    )

    def row(group: dict[str, Any], name: str) -> str:
        return f"{group[name]['hit@10']} / {group[name]['mrr']}"

    table = [
        {"figure": f"I1 homes ({int(i1[SHIPPED]['homes'])}), LOHO, shipped '{SHIPPED}' hit@10 / MRR",
         "value": row(i1, SHIPPED), "target": "hit@10 >= 0.45, MRR >= 0.25, both > rule table"},
        *({"figure": f"  {name} hit@10 / MRR", "value": row(i1, name), "target": ""}
          for name in (*SCORERS, "rule_table", "random") if name != SHIPPED),
        {"figure": f"all homes with links ({int(allh[SHIPPED]['homes'])}), LOHO, shipped hit@10 / MRR",
         "value": row(allh, SHIPPED), "target": ""},
        *({"figure": f"  {name} hit@10 / MRR", "value": row(allh, name), "target": ""}
          for name in (*SCORERS, "rule_table", "random") if name != SHIPPED),
        {"figure": f"  {SHIPPED} on snapshots without HA's entity_category (as I1 sends them): 16 homes / I1 homes",
         "value": f"{row(allh, SHIPPED + '_names_only')} / {row(i1, SHIPPED + '_names_only')}", "target": ""},
        {"figure": "LOHO winner on all homes with links (hit@10, then MRR)", "value": best, "target": SHIPPED},
        {"figure": "shipped model in-sample hit@10 / MRR, I1 homes: names only (what I1 sees) / with entity_category",
         "value": f"{row(i1, 'shipped_in_sample_names_only')} / {row(i1, 'shipped_in_sample')}", "target": ""},
        {"figure": "shipped top 10 touching an entity HA files under config / diagnostic: entity_category sent / names only "
                   f"(real automations link {linked['config_or_diagnostic']['share']:.2%} of such entities, {linked['other']['share']:.2%} of the others)",
         "value": f"{touching['declared']['share']:.3f} / {touching['names_only']['share']:.3f}", "target": "lower"},
        {"figure": "detect p50, 200-entity home (in-process, no events)", "value": f"{p50:.1f} ms", "target": "< 200 ms"},
    ]  # fmt: skip
    write_results(
        RESULTS,
        {
            "split": "leave-one-home-out over real-ha-homes installs with >= 1 linked automation; counts and "
            "scorers fitted on the other homes only; means over homes",
            "shipped": SHIPPED,
            "loho_winner": best,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "note": "the prior's weights are set by hand (4 hand weightings were tried on these same homes "
            "while building it, and the mirrored-pair diversity rule was added after reading its top-10 "
            "lists: its LOHO figure is optimistic by that selection; the same-named-family cap of the "
            "diversity rule was set equal to the per-entity cap (2) and compared with 1 on these homes); "
            "the fitted scorers are fitted per fold",
            "ks": list(KS),
            "figures": figures,
            "entity_category": categories,
            "per_home": {
                h.home_id: {
                    "links": len(h.links),
                    **{
                        name: {
                            "hit@10": results[name][h.home_id][0].hit[10],
                            "rr": round(results[name][h.home_id][0].rr, 4),
                        }
                        for name in (SHIPPED, "lightgbm", "rule_table")
                    },
                }
                for h in labelled
            },
            "detect_ms": {
                "p50": round(p50, 2),
                "p90": round(float(np.percentile(times, 90)), 2),
                "entities": 200,
            },
            "seconds": round(time.perf_counter() - started, 1),
            "machine": machine(),
            "table": table,
        },
    )


if __name__ == "__main__":
    main()
