"""The feedback re-ranker on real homes, with the real installs as simulated owners
(writes bench/results/synergy_feedback.json).

No owner has answered a suggestion yet, so the owners here are the real-ha-homes calibration installs:
each sees the shipped prior's top `SHOWN` suggestions for its home and accepts exactly those its own
(hidden) automations link, dismissing the rest; they are the labels `feedback.py` would get if those
owners answered truthfully. Split: leave-one-home-out. For each held-out install the correction is fitted
(`fit_correction`, as the nightly job does) on the other installs' answers only (their statistics
features from the counts without them and without the held-out home); the held-out home is then ranked by
prior + correction and scored against its hidden automations (hit@k, MRR; means over homes), beside the
prior alone and the rule table's features alone. This asks one question: do other owners' answers improve
the ranking of a home they never saw? (The nightly job itself learns from one installation's owners,
whose next answers are its test part.)
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ai_automation.synergies.calibration import load_calibration_homes
from ai_automation.synergies.evaluation import HomeScore, labels, score_top, summarise
from ai_automation.synergies.feedback import L2, RULE_TABLE_WEIGHTS, fit_correction
from ai_automation.synergies.fit import LabelledHome, automation_only_counts, prepare, read_homes
from ai_automation.synergies.model import SynergyModel
from ai_automation.synergies.priors import KindCounts, sum_counts
from ai_automation.synergies.ranking import diverse_top, linear_score, with_rates
from results_file import EXTERNAL, machine, write_results

RESULTS = Path(__file__).resolve().parent / "results" / "synergy_feedback.json"
HOMES_DIR = EXTERNAL / "real-ha-homes" / "homes"
SHOWN = 30
K = (5, 10, 20)


def _answers(
    home: LabelledHome, total: KindCounts, held: LabelledHome
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What `home`'s owner answers to the prior's top `SHOWN` (features from counts without both homes)."""
    assert home.candidates is not None
    c = with_rates(home.candidates, SynergyModel(total - home.counts - held.counts).rates())
    prior = SynergyModel()
    scores = prior.base_score(c.features)
    shown = diverse_top(c, scores, SHOWN)
    y = labels(c.trigger[shown], c.action[shown], home.entities, home.links)
    return c.features[shown], y, scores[shown]


def main() -> None:
    started = time.perf_counter()
    homes = read_homes(load_calibration_homes(HOMES_DIR))
    extra = automation_only_counts(HOMES_DIR)
    total = sum_counts(h.counts for h in homes) + extra
    prepare(homes, total)
    labelled = [h for h in homes if h.links and h.candidates is not None]
    runs: dict[str, list[HomeScore]] = {"prior": [], "prior+feedback": [], "rule_table_features": []}
    answers_seen, accepted_seen = [], []
    for held in labelled:
        xs, ys, offsets = [], [], []
        for other in labelled:
            if other is held:
                continue
            x, y, off = _answers(other, total, held)
            xs.append(x)
            ys.append(y)
            offsets.append(off)
        x, y, off = np.vstack(xs), np.concatenate(ys), np.concatenate(offsets)
        answers_seen.append(len(y))
        accepted_seen.append(int(y.sum()))
        correction = fit_correction(x, y, off)
        assert held.candidates is not None
        c = with_rates(held.candidates, SynergyModel(total - held.counts).rates())
        prior = SynergyModel()
        with_feedback = prior.with_adjustment(correction, {})
        runs["prior"].append(score_top(c, prior.score(c), held.links, max(K), K))
        runs["prior+feedback"].append(score_top(c, with_feedback.score(c), held.links, max(K), K))
        runs["rule_table_features"].append(
            score_top(c, linear_score(c, RULE_TABLE_WEIGHTS), held.links, max(K), K)
        )
    groups = {"homes_with_links": 1, "i1_homes": 3}
    figures: dict[str, Any] = {}
    for group, least in groups.items():
        ids = [i for i, h in enumerate(labelled) if len(h.links) >= least]
        figures[group] = {name: summarise([scores[i] for i in ids], K) for name, scores in runs.items()}
    doc = {
        "benchmark": "synergy_feedback",
        "machine": machine(),
        "split_method": "leave-one-home-out over the calibration installs with linked automations; the "
        "correction is fitted on the other installs' simulated answers only",
        "owners": f"each install answers the prior's top {SHOWN}: accepted when its own automations link the "
        "pair, dismissed otherwise",
        "l2": L2,
        "homes": len(labelled),
        "answers_per_fit": {
            "mean": float(np.mean(answers_seen)),
            "accepted_mean": float(np.mean(accepted_seen)),
        },
        "figures": figures,
        "seconds": round(time.perf_counter() - started, 1),
        "table": [
            {
                "figure": f"{group}: {name}, hit@10 / MRR (LOHO, {by_name[name]['homes']:.0f} homes)",
                "value": f"{by_name[name]['hit@10']:.3f} / {by_name[name]['mrr']:.3f}",
                "target": "above prior" if name == "prior+feedback" else "",
            }
            for group, by_name in figures.items()
            for name in by_name
        ],
    }
    write_results(RESULTS, doc)
    print(f"answers per fit {np.mean(answers_seen):.0f} (accepted {np.mean(accepted_seen):.1f})")


if __name__ == "__main__":
    main()
