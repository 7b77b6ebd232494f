"""Home-type training: split by home, baselines, cross-seed evaluation, registry checks, the original CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ai_automation.home_type import cli as home_type_cli
from ai_automation.home_type.dataset import (
    DatasetError,
    FeatureTable,
    build_feature_table,
    home_paths,
    read_home,
)
from ai_automation.home_type.evaluation import evaluate
from ai_automation.home_type.features import COMPOSITION, EVENTS
from ai_automation.home_type.metrics import task_label
from ai_automation.home_type.model import HomeTypeModel, ModelIncompatibleError, load_model
from ai_automation.home_type.reference_homes import load_reference_homes, map_type
from ai_automation.home_type.training import TrainingRequest, train_home_type
from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset
from homeiq_shared.artifacts import ArtifactIntegrityError
from homeiq_shared.model_registry import ModelRegistry

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT.parent / "shared" / "external-data" / "ha-datasets-allenporter"


def make_dataset(
    folder: Path, count: int, seed: int, days: int = 2, home_types: tuple[str, ...] | None = None
) -> Path:
    """A tiny dataset from the real generator (no external data: the classifier does not read it)."""
    options = GeneratorOptions(
        count=count,
        days=days,
        seed=seed,
        home_types=home_types,
        weather=False,
        carbon=False,
        pricing=False,
        calendar=False,
    )
    generate_dataset(options, folder)
    return folder


@pytest.fixture(scope="module")
def homes_a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("seed3") / "homes", 24, seed=3)


@pytest.fixture(scope="module")
def homes_train(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Enough homes for a forest over ~90 features: the calibrated generator's house/flat overlap is
    # the real one (small cottages, flats with a terrace), which 24 homes cannot learn.
    return make_dataset(tmp_path_factory.mktemp("seed3_train") / "homes", 80, seed=3)


@pytest.fixture(scope="module")
def homes_b(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("seed4") / "homes", 40, seed=4)


def test_no_test_home_or_copy_of_one_reaches_training(homes_a: Path, tmp_path: Path) -> None:
    folder = tmp_path / "with_duplicate"
    shutil.copytree(homes_a, folder)
    first = home_paths(folder)[0]
    shutil.copy(first, folder / "home_999.json")  # the same home twice under another name
    table = build_feature_table(folder, augment=2, rng=np.random.default_rng(0))
    ev = evaluate(table, "full", test_size=0.25, seed=7, repeats=2)

    def keys(rows: np.ndarray) -> set[str]:
        return {table.home_keys[int(s)] for s in table.source[rows]}

    assert not table.is_copy[ev.test_rows].any(), "augmented copies never enter a test split"
    assert keys(ev.train_rows).isdisjoint(keys(ev.test_rows))
    assert table.is_copy[ev.train_rows].sum() == 2 * np.unique(table.source[ev.train_rows]).size
    for train_rows, test_rows in ev.cv_splits:
        assert keys(train_rows).isdisjoint(keys(test_rows))
        assert not table.is_copy[test_rows].any()
    dup = [i for i, hid in enumerate(table.home_ids) if table.home_keys[i] == table.home_keys[0]]
    assert len(dup) == 2, "the duplicated file is recognised as the same home"
    assert "group_by_home" in ev.results["split_method"]


def test_baselines_are_computed_beside_the_model(homes_a: Path) -> None:
    table = build_feature_table(homes_a)
    ev = evaluate(table, "binary", test_size=0.25, seed=3, repeats=2)
    r = ev.results
    assert r["classes"] == ["apartment", "standard_home"]
    majority, rule = r["baselines"]["majority"], r["baselines"]["best_rule"]
    assert majority["rule"].startswith("always ")
    assert "<=" in rule["rule"]
    assert "->" in rule["rule"]
    truth = [task_label(t, "binary") for t in table.home_types]
    share = max(truth.count(c) for c in set(truth)) / len(truth)
    assert majority["cv"]["accuracy"] == pytest.approx(share, abs=0.15)
    for block in (r["cross_validation"]["macro_f1"], majority["cv"]["macro_f1"], rule["cv"]["macro_f1"]):
        assert block["ci95_low"] <= block["mean"] <= block["ci95_high"]
    assert {"accuracy", "precision", "recall", "f1_score", "macro_f1"} <= majority.keys()
    assert r["estimate_quality"].startswith("WEAK")
    assert set(r["per_class"]) == set(r["classes"])


@pytest.fixture(scope="module")
def binary_model(homes_train: Path, tmp_path_factory: pytest.TempPathFactory) -> HomeTypeModel:
    models = tmp_path_factory.mktemp("binary") / "models"
    outcome = train_home_type(
        TrainingRequest(dataset=homes_train, models_dir=models, task="binary", seed=1, cv_repeats=2)
    )
    return load_model(ModelRegistry(models), "binary", outcome.version)


def test_model_from_one_seed_is_evaluated_on_homes_of_another(
    binary_model: HomeTypeModel, homes_b: Path
) -> None:
    model = binary_model
    homes = [read_home(p) for p in home_paths(homes_b)]
    predictions = model.predict_homes(homes)
    truth = [task_label(h["home_type"], "binary") for h in homes]
    accuracy = np.mean([p.home_type == t for p, t in zip(predictions, truth, strict=True)])
    majority = max(truth.count(c) for c in set(truth)) / len(truth)
    assert all(p.features_used == (COMPOSITION, EVENTS) for p in predictions)
    assert accuracy >= majority, f"cross-seed accuracy {accuracy:.2f} below the majority rate {majority:.2f}"
    composition_only = model.predict_homes([{**h, "events": []} for h in homes[:3]])
    assert all(p.features_used == (COMPOSITION,) for p in composition_only)


def test_reference_homes_are_mapped_and_classified_from_composition(binary_model: HomeTypeModel) -> None:
    if not REFERENCE.is_dir():
        pytest.skip("../shared/external-data is not beside the checkout")
    assert map_type("Studio apartment") == ("studio", False)
    assert map_type("Terraced house") == ("townhouse", False)
    assert map_type("Log cabin") == ("cottage", True)
    assert map_type("Farmhouse") == (None, False)
    refs = load_reference_homes(REFERENCE)
    assert len(refs) == 79
    assert {r.binary_label for r in refs} == {"apartment", "standard_home"}
    predictions = binary_model.predict_homes([r.home for r in refs])
    assert all(p.features_used == (COMPOSITION,) for p in predictions)
    assert {p.home_type for p in predictions} <= {"apartment", "standard_home"}


def loaded_params(registry: ModelRegistry, version: str) -> dict[str, object]:
    """get_params() of the stored full-feature forest, as JSON would record it."""
    params = load_model(registry, "full", version).full.get_params()
    return {k: v for k, v in params.items() if k != "n_jobs"}


def test_registry_round_trip_refuses_a_tampered_artifact(homes_b: Path, tmp_path: Path) -> None:
    # a promoted first model is needed: on 24 homes the full task's macro-F1 gate holds at some draws
    # only (generator 2.5: seed 3 fails it by 0.03), so the 40-home dataset
    outcome = train_home_type(
        TrainingRequest(dataset=homes_b, models_dir=tmp_path / "models", task="full", cv_repeats=2)
    )
    assert outcome.promoted
    assert "first model" in outcome.reason
    registry = ModelRegistry(tmp_path / "models")
    promoted = registry.aliases("home_type_full")["history"][-1]
    assert (promoted["actor"], promoted["forced"]) == ("automatic (cli)", False)
    meta = registry.metadata("home_type_full", outcome.version)
    assert meta["feature_schema_version"]
    assert len(meta["feature_names"]) > 22
    assert meta["training_data"]["fingerprint"]
    assert meta["library_versions"]["scikit-learn"]
    # The recorded hyperparameters are the fitted forest's own.
    params = meta["hyperparameters"]
    assert {k: params[k] for k in loaded_params(registry, outcome.version)} == loaded_params(
        registry, outcome.version
    )
    assert "group_by_home" in meta["split_method"]
    home = read_home(home_paths(homes_b)[0])
    loaded = load_model(registry, "full")
    assert loaded.predict_homes([home])[0] == outcome.model.predict_homes([home])[0]

    second = train_home_type(
        TrainingRequest(dataset=homes_b, models_dir=tmp_path / "models", task="full", cv_repeats=2)
    )
    assert second.promoted  # the same data: not worse than production on the same held-out homes
    assert "not worse" in second.reason or ">=" in second.reason
    artifact = outcome.artifact_path
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    os.chmod(artifact, 0o644)
    artifact.write_bytes(bytes(data))
    with pytest.raises(ArtifactIntegrityError):
        load_model(registry, "full", outcome.version)
    meta_path = second.artifact_path.parent / "metadata.json"
    doc = json.loads(meta_path.read_text())
    doc["feature_names"] = doc["feature_names"][::-1]
    os.chmod(meta_path, 0o644)
    meta_path.write_text(json.dumps(doc))
    with pytest.raises(ModelIncompatibleError):
        load_model(registry, "full")


def test_one_class_and_bad_split_are_refused(tmp_path: Path) -> None:
    one = make_dataset(tmp_path / "one", 4, seed=5, days=1, home_types=("apartment",))
    with pytest.raises(DatasetError, match="two classes"):
        train_home_type(TrainingRequest(dataset=one, models_dir=tmp_path / "m", task="binary"))
    with pytest.raises(DatasetError, match="between 0 and 1"):
        train_home_type(TrainingRequest(dataset=one, models_dir=tmp_path / "m", test_size=1.0))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no home"):
        train_home_type(TrainingRequest(dataset=tmp_path / "empty", models_dir=tmp_path / "m"))


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "services"), str(ROOT / "shared")])}
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_home_type_classifier.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_original_cli_line(homes_a: Path, tmp_path: Path) -> None:
    shutil.copytree(homes_a, tmp_path / "tests" / "datasets" / "synthetic_homes_10x30")
    done = _cli(
        tmp_path, "--synthetic-homes", "tests/datasets/synthetic_homes_10x30",
        "--output", "models/home_type_classifier_10x30.pkl", "--test-size", "0.2",
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr  # 1 = trained but a quality gate failed
    stem = tmp_path / "models" / "home_type_classifier_10x30"
    assert not stem.with_suffix(".pkl").exists(), "no pickle is ever written"
    results = json.loads(Path(f"{stem}_results.json").read_text())
    for key in ("accuracy", "precision", "recall", "f1_score", "cv_accuracy_mean", "cv_accuracy_std",
                "training_samples", "test_samples", "classification_report", "confusion_matrix",
                "feature_names", "class_names", "top_feature_importances", "split_method", "baselines", "gates"):  # fmt: skip
        assert key in results, key
    assert Path(f"{stem}.skops").stat().st_size > 0
    assert json.loads(Path(f"{stem}_metadata.json").read_text())["trigger"] == "cli"
    assert (tmp_path / "models" / "home_type_full").is_dir(), "registered in the default registry"
    assert f"{stem}_results.json" in done.stdout.replace("\n", "")


def test_cli_bad_input_exits_2(homes_a: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = _cli(tmp_path, "--synthetic-homes", "missing-folder", "--models-dir", "m")
    assert done.returncode == 2
    assert "does not exist" in done.stderr
    (tmp_path / "empty").mkdir()
    for args in (
        ["--synthetic-homes", str(tmp_path / "empty")],
        ["--synthetic-homes", str(homes_a), "--test-size", "1.5"],
        ["--synthetic-homes", str(homes_a), "--test-size", "0"],
        ["--synthetic-homes", str(homes_a), "--task", "binary", "--augment", "-1"],
    ):
        assert home_type_cli.main([*args, "--models-dir", str(tmp_path / "m")]) == 2, args
        assert "error" in capsys.readouterr().err.lower()
    assert not (tmp_path / "m").exists(), "nothing is registered for bad input"


def test_feature_cache_survives_concurrent_writers(tmp_path: Path) -> None:
    """Both tasks train on one dataset at once: one featurises it, the others read its cache."""
    from concurrent.futures import ThreadPoolExecutor

    from ai_automation.synthesis.generator import GeneratorOptions, generate_dataset

    dataset = tmp_path / "homes"
    generate_dataset(
        GeneratorOptions(count=6, days=1, seed=9, weather=False, carbon=False, pricing=False), dataset
    )
    cache = tmp_path / "cache"
    seen: dict[int, set[str]] = {i: set() for i in range(4)}

    def build(i: int) -> FeatureTable:
        return build_feature_table(dataset, progress=lambda d, n, name: seen[i].add(name), cache_dir=cache)

    with ThreadPoolExecutor(4) as pool:
        tables = list(pool.map(build, range(4)))
    assert all(np.array_equal(t.X, tables[0].X, equal_nan=True) for t in tables)
    assert sorted(names == {"feature cache"} for names in seen.values()) == [False, True, True, True]
    assert [p.suffix for p in cache.iterdir()] == [".npz"]
    # a cache folder that cannot be written only costs time
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    assert build_feature_table(dataset, cache_dir=blocked / "sub").X.shape == tables[0].X.shape


def test_packed_forest_matches_scikit_learn_including_missing_values() -> None:
    from sklearn.ensemble import RandomForestClassifier

    from ai_automation.home_type.packed_forest import PackedForest

    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 6))
    y = (x[:, 0] + rng.normal(scale=0.5, size=300) > 0).astype(int) + (x[:, 1] > 1)
    x[rng.random(x.shape) < 0.1] = np.nan  # trained with NaN: each split learnt where missing goes
    forest = RandomForestClassifier(n_estimators=25, class_weight="balanced", random_state=0).fit(x, y)
    packed = PackedForest.of(forest)
    probe = np.vstack([x, np.full((1, 6), np.nan), rng.normal(scale=5, size=(50, 6))])
    assert np.allclose(packed.predict_proba(probe), forest.predict_proba(probe), rtol=0, atol=1e-12)
    assert np.allclose(packed.predict_proba(probe[:1]), forest.predict_proba(probe[:1]), rtol=0, atol=1e-12)
    clean = RandomForestClassifier(n_estimators=10, random_state=1).fit(np.nan_to_num(x), y)
    # a forest that never saw NaN still routes it as scikit-learn does
    assert np.allclose(PackedForest.of(clean).predict_proba(probe), clean.predict_proba(probe), atol=1e-12)
    with pytest.raises(ValueError, match="6 features"):
        packed.predict_proba(probe[:, :5])


def test_a_home_file_with_unusable_times_is_skipped_not_fatal(homes_a: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(homes_a, folder)
    victim = home_paths(folder)[0]
    home = json.loads(victim.read_bytes())
    for event in home["events"]:
        event["timestamp"] = 1704067200000  # epoch milliseconds
    victim.write_text(json.dumps(home))
    table = build_feature_table(folder)
    assert table.n_homes == len(home_paths(homes_a)) - 1
    assert any(victim.name in reason and "milliseconds" in reason for reason in table.skipped)


@pytest.mark.parametrize(
    ("areas", "placed", "said"),
    [
        (["Living Room", "Kitchen", "Bedroom"], False, "HA's three onboarding ones"),
        (
            ["Wohnzimmer", "Küche", "Schlafzimmer"],
            False,
            "HA's three onboarding ones",
        ),  # in any tabled language
        (["Living Room", "Kitchen", "Bedroom", "Garage", "Office"], False, "none of the 5 declared areas"),
        ([], False, "no area is declared"),
        (["Living Room", "Kitchen", "Bedroom"], True, None),
    ],
)
def test_a_prediction_says_what_it_cannot_lean_on(
    binary_model: HomeTypeModel, areas: list[str], placed: bool, said: str | None
) -> None:
    # 16 of the 36 unlabelled real installs are HA's onboarding areas with nothing in them: their area
    # features describe names, and the answer says so beside the type
    devices = [
        {"entity_id": "light.lamp", "area": areas[0] if placed else None},
        {"entity_id": "sensor.hall_temperature", "device_class": "temperature"},
    ]
    prediction = binary_model.predict_homes([{"areas": [{"name": n} for n in areas], "devices": devices}])[0]
    assert prediction.to_dict()["caveats"] == list(prediction.caveats)
    if said is None:
        assert prediction.caveats == ()
    else:
        assert len(prediction.caveats) == 1
        assert said in prediction.caveats[0]
