"""Artifact formats: real fitted models round trip; untrusted and pickled content is never loaded."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import homeiq_shared.artifacts as artifacts_module
from homeiq_shared.artifacts import (
    SKLEARN_TRUSTED_TYPES,
    ArtifactError,
    UntrustedArtifactError,
    dump_lightgbm,
    dump_sklearn,
    library_versions,
    load_lightgbm,
    load_sklearn,
    sha256_bytes,
    sha256_file,
    skops_types,
)
from homeiq_shared.errors import DomainError

SETSTATE_CALLS: list[str] = []


class Sneaky:
    """A type outside the trusted list that records any attempt to build it."""

    def __init__(self) -> None:
        self.payload = 1

    def __setstate__(self, state: dict[str, Any]) -> None:
        SETSTATE_CALLS.append("setstate")
        self.__dict__.update(state)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(120, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    return x, y


def _fitted(kind: str, x: np.ndarray, y: np.ndarray) -> Any:
    if kind == "isolation_forest":
        return IsolationForest(n_estimators=10, random_state=0).fit(x)
    if kind == "random_forest":
        return RandomForestClassifier(n_estimators=5, random_state=0).fit(
            x, np.where(y == 1, "flat", "house")
        )
    if kind == "hist_gradient_boosting":
        return HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(x, y)
    if kind == "hgb_categorical":
        xc = np.column_stack([x, np.arange(len(x)) % 3])
        return HistGradientBoostingClassifier(max_iter=5, categorical_features=[4]).fit(xc, y)
    x_missing = x.copy()
    x_missing[::5, 0] = np.nan
    pipe = Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler()), ("lr", LogisticRegression())])
    return pipe.fit(x_missing, y)


@pytest.mark.parametrize(
    "kind", ["isolation_forest", "random_forest", "hist_gradient_boosting", "hgb_categorical", "pipeline"]
)
def test_sklearn_models_round_trip_with_identical_predictions(
    kind: str, data: tuple[np.ndarray, np.ndarray]
) -> None:
    x, y = data
    model = _fitted(kind, x, y)
    x_eval = np.column_stack([x, np.arange(len(x)) % 3]) if kind == "hgb_categorical" else x

    blob = dump_sklearn(model)
    loaded = load_sklearn(blob, SKLEARN_TRUSTED_TYPES)

    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(x_eval), model.predict(x_eval))
    if kind == "isolation_forest":
        np.testing.assert_allclose(loaded.decision_function(x), model.decision_function(x))
    assert set(skops_types(blob)) <= set(SKLEARN_TRUSTED_TYPES)


def test_trusted_list_is_exactly_what_skops_does_not_trust_by_default_plus_our_estimators(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = data
    needed: set[str] = set()
    for kind in [
        "isolation_forest",
        "random_forest",
        "hist_gradient_boosting",
        "hgb_categorical",
        "pipeline",
    ]:
        needed |= set(sio.get_untrusted_types(data=sio.dumps(_fitted(kind, x, y))))
    assert needed <= set(SKLEARN_TRUSTED_TYPES)
    assert len(set(SKLEARN_TRUSTED_TYPES)) == len(SKLEARN_TRUSTED_TYPES)


def test_a_type_outside_the_explicit_list_is_refused_even_if_skops_trusts_it(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = data
    blob = sio.dumps(GaussianNB().fit(x, y))
    assert sio.get_untrusted_types(data=blob) == []  # skops alone would load it

    with pytest.raises(UntrustedArtifactError, match="GaussianNB"):
        load_sklearn(blob, SKLEARN_TRUSTED_TYPES)
    with pytest.raises(UntrustedArtifactError):
        dump_sklearn(GaussianNB().fit(x, y))


def test_an_untrusted_custom_class_is_never_instantiated() -> None:
    blob = sio.dumps({"model": Sneaky()})
    SETSTATE_CALLS.clear()

    with pytest.raises(UntrustedArtifactError, match="Sneaky") as info:
        load_sklearn(blob, SKLEARN_TRUSTED_TYPES)

    assert SETSTATE_CALLS == []
    assert isinstance(info.value, DomainError)
    assert any(name.endswith("Sneaky") for name in info.value.extra["untrusted_types"])


def test_a_narrower_trusted_list_refuses_what_it_does_not_name(data: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = data
    blob = dump_sklearn(_fitted("random_forest", x, y))
    without_tree = [name for name in SKLEARN_TRUSTED_TYPES if name != "sklearn.tree._tree.Tree"]

    with pytest.raises(UntrustedArtifactError, match=r"sklearn\.tree\._tree\.Tree"):
        load_sklearn(blob, without_tree)
    with pytest.raises(TypeError):
        load_sklearn(blob, "sklearn.tree._tree.Tree")


def test_a_pickle_payload_is_refused_and_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    # Protocol-0 pickle that would call os.system if anything unpickled it.
    payload = f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()

    with pytest.raises(ArtifactError, match="not a skops artifact"):
        load_sklearn(payload)
    with pytest.raises(ArtifactError, match="not a LightGBM text model"):
        load_lightgbm(payload)
    assert not marker.exists()


def test_no_module_has_a_pickle_path() -> None:
    source = Path(artifacts_module.__file__).read_text()
    registry_source = (Path(artifacts_module.__file__).parent / "model_registry.py").read_text()
    for text in (source, registry_source):
        assert not re.search(r"^\s*(import|from)\s+(pickle|joblib|cloudpickle|dill)\b", text, re.M)
        assert "pickle.load" not in text


def test_lightgbm_booster_round_trips_through_its_text_format(data: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = data
    params = {"objective": "binary", "num_leaves": 4, "min_data_in_leaf": 5, "verbose": -1, "seed": 1}
    booster = lightgbm.train(params, lightgbm.Dataset(x, label=y), num_boost_round=5)

    blob = dump_lightgbm(booster)
    loaded = load_lightgbm(blob)

    assert blob.startswith(b"tree\n")
    np.testing.assert_allclose(loaded.predict(x), booster.predict(x))


def test_load_lightgbm_refuses_garbage() -> None:
    with pytest.raises(ArtifactError):
        load_lightgbm(b"\xff\xfe not utf-8")
    with pytest.raises(ArtifactError):
        load_lightgbm(b"tree\nthis is not a model")


def test_sha256_helpers_match_hashlib(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    content = bytes(range(256)) * 5000
    path.write_bytes(content)

    assert sha256_bytes(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_file(path) == hashlib.sha256(content).hexdigest() == sha256_bytes(content)


def test_library_versions_names_every_library() -> None:
    versions = library_versions()
    assert set(versions) == {"python", "numpy", "scikit-learn", "lightgbm", "skops"}
    assert versions["numpy"] == np.__version__
    assert versions["lightgbm"] == lightgbm.__version__
