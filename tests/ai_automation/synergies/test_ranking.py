"""Candidates, features, statistics and the model file of the synergy ranker, on small hand-built homes."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from ai_automation.synergies.calibration import CalibrationHome
from ai_automation.synergies.fit import read_homes
from ai_automation.synergies.home import entities_of
from ai_automation.synergies.model import SynergyModel, ranker_file
from ai_automation.synergies.priors import KindCounts, KindRates, count_automations, name_words
from ai_automation.synergies.ranking import FEATURES, GRAPH_FEATURES, build_candidates, diverse_top

AUTOMATIONS = [
    {
        "triggers": [{"trigger": "state", "entity_id": "binary_sensor.hall_motion"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall_x12"}}],
    },
    {
        "trigger": {"platform": "state", "entity_id": ["binary_sensor.porch_motion", "sun.sun"]},
        "action": [{"service": "light.turn_on", "entity_id": "light.porch"}],
    },
    {"triggers": [{"trigger": "time", "at": "07:00"}], "actions": [{"action": "script.turn_on"}]},
]


def _pair(c: object, entities: list, t: str, a: str) -> int:
    ids = [e.entity_id for e in entities]
    trig, act = c.trigger.tolist(), c.action.tolist()  # type: ignore[attr-defined]
    return next(i for i in range(len(trig)) if ids[trig[i]] == t and ids[act[i]] == a)


def test_name_words_drop_the_anonymised_placeholders_and_numbers() -> None:
    assert name_words("light.x12_kitchen_2") == {"kitchen"}
    assert name_words("binary_sensor.hall_motion") == {"hall", "motion"}


def test_automations_without_a_registry_count_their_words_and_domains() -> None:
    counts = count_automations(AUTOMATIONS)
    assert counts.link_domains == {"binary_sensor>light": 1.5, "sun>light": 0.5}
    assert counts.trigger_words["motion"] == pytest.approx(
        1.5
    )  # 1 + 1/2 (the porch automation has 2 triggers)
    assert counts.action_words["porch"] == 1.0
    assert counts.link_trigger_domains["binary_sensor"] == pytest.approx(1.5)
    # the time-triggered automation names no entity: it links nothing
    assert sum(counts.link_action_domains.values()) == pytest.approx(2.0)
    restored = KindCounts.from_json(counts.to_json())
    assert restored.trigger_words == counts.trigger_words


def test_words_of_real_triggers_lift_a_candidate_trigger() -> None:
    counts = count_automations(AUTOMATIONS)
    counts.entity_words.update({"motion": 4, "hall": 10, "battery": 40, "porch": 3})
    rates = KindRates(counts)
    assert rates.trigger_words({"hall", "motion"}) > 0 > rates.trigger_words({"battery"})
    assert rates.trigger_words({"never_seen"}) == 0.0


HOME = {
    "home_id": "r",
    "areas": [{"name": "Hallway"}, {"name": "Office"}],
    "devices": [
        {"entity_id": "binary_sensor.hall_motion", "device_class": "motion", "area": "Hallway", "device_id": "m1"},
        {"entity_id": "sensor.hall_motion_illuminance", "device_class": "illuminance", "area": "Hallway", "device_id": "m1"},
        {"entity_id": "light.hall", "area": "Hallway", "device_id": "l1"},
        {"entity_id": "light.hall_lamp", "area": "Hallway", "device_id": "l2"},
        {"entity_id": "light.desk_x7", "area": "Office", "device_id": "l3"},
        {"entity_id": "switch.x7_charger", "area": "Office", "device_id": "s1"},
        {"entity_id": "input_select.house_mode"},
    ],
}  # fmt: skip


def test_one_device_counts_once_in_the_diversity_rule() -> None:
    entities = entities_of(HOME)
    c = build_candidates(entities, SynergyModel.load().rates())
    scores = np.zeros(len(c))
    for t in ("binary_sensor.hall_motion", "sensor.hall_motion_illuminance"):
        for a in ("light.hall", "light.hall_lamp"):
            scores[_pair(c, entities, t, a)] = 10.0
    top = diverse_top(c, scores, 3, per_entity=2)
    triggers = [entities[int(c.trigger[i])].device_id for i in top]
    assert triggers.count("m1") == 2  # the motion sensor's two entities are one sensor


def test_rare_shared_words_weigh_more_than_a_shared_area() -> None:
    entities = entities_of(HOME)
    c = build_candidates(entities, SynergyModel.load().rates())
    aa = c.column("adamic_adar")
    rare = _pair(c, entities, "light.desk_x7", "switch.x7_charger")  # a word two entities share + area
    area_only = _pair(
        c, entities, "binary_sensor.hall_motion", "light.hall_lamp"
    )  # "hall" (4 entities) + area
    assert aa[rare] > aa[area_only] > 0
    assert c.column("same_device")[_pair(c, entities, "binary_sensor.hall_motion", "light.hall")] == 0
    assert c.column("sensor_pattern")[area_only] == 1.0
    assert ((c.column("neighbours_1") >= -1e-9) & (c.column("neighbours_1") <= 1 + 1e-9)).all()
    assert np.isfinite(c.features).all()


def test_a_big_home_still_pairs_its_likeliest_trigger_and_action() -> None:
    entities = entities_of(HOME)
    small = build_candidates(entities, SynergyModel.load().rates(), limit=1)  # force the sparse path
    ids = {
        (entities[int(t)].entity_id, entities[int(a)].entity_id)
        for t, a in zip(small.trigger, small.action, strict=False)
    }
    # no area, no word, no device in common: only the statistics' top triggers x actions bring it in
    assert ("input_select.house_mode", "light.desk_x7") in ids
    assert ("binary_sensor.hall_motion", "light.hall") in ids


def _booster(features: list[str]) -> str:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, len(features)))
    y = (x[:, 0] > 0).astype(float)
    data = lgb.Dataset(x, label=y, feature_name=features)
    params = {"objective": "binary", "num_leaves": 3, "verbose": -1, "num_threads": 1, "deterministic": True}
    return str(lgb.train(params, data, num_boost_round=5).model_to_string())


def test_a_lightgbm_ranker_round_trips_as_text_and_scores(tmp_path: Path) -> None:
    entities = entities_of(HOME)
    base = SynergyModel.load()
    model = SynergyModel(base.counts, dict(base.weights), {"ranker": "lightgbm"}, _booster(list(FEATURES)))
    path = tmp_path / "m.json"
    model.save(path)
    assert ranker_file(path).read_text().startswith("tree")
    loaded = SynergyModel.load(path)
    assert loaded.ranker_name == "lightgbm"
    c = build_candidates(entities, loaded.rates())
    assert np.allclose(loaded.score(c), model.score(c))
    SynergyModel(base.counts, dict(base.weights), {"ranker": "prior"}).save(path)
    assert not ranker_file(path).exists()
    assert SynergyModel.load(path).ranker_name == "prior"


def test_graph_features_are_computed_only_for_a_scorer_that_weighs_them() -> None:
    entities = entities_of(HOME)
    prior = SynergyModel.load()
    assert not prior.uses_graph  # the shipped prior: structure and statistics only
    full = build_candidates(entities, prior.rates())
    lean = build_candidates(entities, prior.rates(), graph=False)
    graph = [FEATURES.index(f) for f in GRAPH_FEATURES]
    assert full.features[:, graph].any()
    assert not lean.features[:, graph].any()
    assert np.array_equal(prior.score(full), prior.score(lean))  # same scores, same ranking
    booster = SynergyModel(booster_text=_booster(list(FEATURES)))
    assert booster.uses_graph
    assert not SynergyModel(
        booster_text=_booster([f for f in FEATURES if f not in GRAPH_FEATURES])
    ).uses_graph
    assert prior.with_adjustment({"two_hop": 0.5}, {}).uses_graph


def test_a_ranker_on_features_this_code_does_not_compute_is_refused() -> None:
    model = SynergyModel(booster_text=_booster(["same_area", "not_a_feature"]))
    with pytest.raises(ValueError, match="not_a_feature"):
        model.score(build_candidates(entities_of(HOME), model.rates()))


def test_two_lights_following_each_other_are_suggested_once() -> None:
    entities = entities_of(HOME)
    c = build_candidates(entities, SynergyModel.load().rates())
    scores = np.zeros(len(c))
    scores[_pair(c, entities, "light.hall", "light.hall_lamp")] = 10.0
    scores[_pair(c, entities, "light.hall_lamp", "light.hall")] = 9.0
    top = diverse_top(c, scores, 2)
    pairs = {(entities[int(c.trigger[i])].entity_id, entities[int(c.action[i])].entity_id) for i in top}
    assert ("light.hall", "light.hall_lamp") in pairs
    assert ("light.hall_lamp", "light.hall") not in pairs


def test_covered_is_link_covers_for_every_candidate() -> None:
    from ai_automation.synergies.automations import links_of
    from ai_automation.synergies.home import by_id, entities_of
    from ai_automation.synergies.model import SynergyModel
    from ai_automation.synergies.ranking import build_candidates, covered

    snapshot = {
        "areas": [{"name": "Hall"}, {"name": "Kitchen"}],
        "devices": [
            {"entity_id": "binary_sensor.hall_motion", "device_class": "motion", "area": "Hall", "device_id": "m1"},
            {"entity_id": "sensor.hall_lux", "device_class": "illuminance", "area": "Hall", "device_id": "m1"},
            {"entity_id": "light.hall", "area": "Hall"},
            {"entity_id": "light.kitchen", "area": "Kitchen", "device_id": "k1"},
            {"entity_id": "switch.kitchen_fan", "area": "Kitchen", "device_id": "k1"},
            {"entity_id": "binary_sensor.kitchen_door", "device_class": "door", "area": "Kitchen"},
        ],
    }  # fmt: skip
    automations = [
        {"triggers": [{"trigger": "state", "entity_id": "binary_sensor.hall_motion"}],
         "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}]},
        {"triggers": [{"trigger": "state", "entity_id": "binary_sensor.kitchen_door"}],
         "actions": [{"action": "light.turn_on", "target": {"device_id": "k1"}}]},
    ]  # fmt: skip
    entities = entities_of(snapshot)
    links = links_of(automations, by_id(entities))
    candidates = build_candidates(entities, SynergyModel.load().rates())
    expected = [
        any(link.covers(entities[int(t)], entities[int(a)]) for link in links)
        for t, a in zip(candidates.trigger, candidates.action, strict=True)
    ]
    assert covered(candidates, links).tolist() == expected
    assert 2 <= sum(expected) < len(expected)


def test_a_big_homes_pairs_are_those_sharing_a_word_an_area_or_a_device_plus_the_likeliest() -> None:
    """The sparse path against a plain reference: the same pairs, ordered by (trigger, action)."""
    entities = entities_of(HOME)
    rates = SynergyModel.load().rates()
    got = build_candidates(entities, rates, limit=1, graph=False)
    full = build_candidates(entities, rates, graph=False)  # every pair: the reference picks from these
    everything = list(zip(full.trigger.tolist(), full.action.tolist(), strict=True))
    candidates = {(t, a) for t, a in zip(got.trigger.tolist(), got.action.tolist(), strict=True)}
    sharing = {
        (t, a)
        for t, a in everything
        if entities[t].tokens & entities[a].tokens
        or (entities[t].area is not None and entities[t].area == entities[a].area)
        or (entities[t].device_id is not None and entities[t].device_id == entities[a].device_id)
    }
    pairs = list(zip(got.trigger.tolist(), got.action.tolist(), strict=True))
    assert pairs == sorted(pairs)
    assert sharing <= candidates  # every pair sharing something is a candidate
    assert len(pairs) == len(set(pairs))


def test_one_family_of_same_named_entities_fills_two_slots_not_the_top() -> None:
    rooms = ("kitchen", "garage", "office", "attic", "porch")
    home = {
        "home_id": "dnd",
        "devices": [{"entity_id": f"switch.{r}_do_not_disturb_switch"} for r in rooms]
        + [
            {"entity_id": "binary_sensor.porch_motion", "device_class": "motion"},
            {"entity_id": "light.porch"},
        ],
    }
    entities = entities_of(home)
    c = build_candidates(entities, SynergyModel.load().rates())
    ids = [e.entity_id for e in entities]
    scores = np.zeros(len(c))
    for i in range(len(c)):
        t, a = ids[int(c.trigger[i])], ids[int(c.action[i])]
        if "disturb" in t and "disturb" in a:
            scores[i] = 10.0  # every switch -> every other switch outranks the motion light
        elif (t, a) == ("binary_sensor.porch_motion", "light.porch"):
            scores[i] = 5.0
    top = diverse_top(c, scores, 3)
    pairs = [(ids[int(c.trigger[i])], ids[int(c.action[i])]) for i in top]
    assert sum(1 for t, a in pairs if "disturb" in t and "disturb" in a) == 2  # not 3 of 20 such pairs
    assert pairs[2] == ("binary_sensor.porch_motion", "light.porch")  # the next idea gets the third slot


def test_registry_homes_count_the_words_of_automations_their_registry_cannot_resolve() -> None:
    snapshot = {"home_id": "h", "devices": [{"entity_id": "binary_sensor.hall_motion", "device_class": "motion"},
                                            {"entity_id": "light.hall_x12"}]}  # fmt: skip
    yaml_helper = {  # an input_boolean defined in YAML has no registry entry
        "triggers": [{"trigger": "state", "entity_id": "input_boolean.guest_mode"}],
        "actions": [{"action": "script.turn_on", "target": {"entity_id": "script.welcome"}}],
    }
    motion_light = {
        "triggers": [{"trigger": "state", "entity_id": "binary_sensor.hall_motion"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall_x12"}}],
    }
    home = CalibrationHome("h", snapshot, [motion_light, yaml_helper])
    (read,) = read_homes([home])
    assert len(read.links) == 1  # only the motion light resolves to registry entities
    assert read.counts.link_domains["input_boolean>script"] == 1.0
    assert read.counts.trigger_words["guest"] == 1.0
    assert read.counts.action_words["welcome"] == 1.0
    # the resolved automation is counted once, through its registry entities
    assert read.counts.link_domains["binary_sensor>light"] == 1.0
    assert read.counts.pairs["binary_sensor:motion>light"] == 1.0
    assert read.counts.homes == 1


_FINGERPRINT = """
import hashlib, json, sys
from ai_automation.synergies.automations import links_of
from ai_automation.synergies.home import by_id, entities_of
from ai_automation.synergies.model import SynergyModel
from ai_automation.synergies.priors import count_home
from ai_automation.synergies.ranking import build_candidates
home = json.loads(sys.argv[1])
entities = entities_of(home)
counts = count_home(entities, links_of(json.loads(sys.argv[2]), by_id(entities)))
features = build_candidates(entities, SynergyModel(counts).rates()).features
print(hashlib.sha256(features.tobytes() + json.dumps(counts.to_json()).encode()).hexdigest())
"""


def test_features_and_counts_are_the_same_whatever_the_hash_seed() -> None:
    """Sets of strings iterate in an order set by Python's hash seed; sums over them must not follow it (the
    fitted rankers' figures moved from run to run when they did)."""
    import json
    import os
    import subprocess
    import sys

    # names sharing several words of different rarity: sums of their idf logs are inexact in floating point
    words = [
        "kitchen",
        "hall",
        "desk",
        "north",
        "south",
        "lamp",
        "strip",
        "ceiling",
        "porch",
        "garden",
        "upper",
    ]
    devices = [
        {
            "entity_id": f"{domain}.{words[i % 11]}_{words[(3 * i + 1) % 11]}_{words[(7 * i + 2) % 11]}",
            "area": f"A{i % 4}",
        }
        for i in range(24)
        for domain in ("light", "binary_sensor", "switch")
    ]
    home = {"home_id": "h", "devices": devices}
    autos = [{"triggers": [{"entity_id": [d["entity_id"] for d in devices[i : i + 3]]}],
              "actions": [{"target": {"entity_id": [d["entity_id"] for d in devices[i + 3 : i + 10]]}}]}
             for i in range(0, 60, 7)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    prints = {
        subprocess.run(
            [sys.executable, "-c", _FINGERPRINT, json.dumps(home), json.dumps(autos)],
            env={**env, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True, timeout=120,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }  # fmt: skip
    assert len(prints) == 1, prints
