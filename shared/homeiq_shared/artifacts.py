"""Model artifact formats (skops for scikit-learn, LightGBM text for boosters); never pickle."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import platform
import zipfile
from collections.abc import Iterator, Sequence
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homeiq_shared.errors import DomainError

if TYPE_CHECKING:
    import lightgbm

logger = logging.getLogger(__name__)

# Containers and numpy values every skops file of ours is made of.
_CONTAINER_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.slice",
    "builtins.str",
    "builtins.tuple",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.float32",
    "numpy.float64",
    "numpy.int32",
    "numpy.int64",
    "numpy.uint64",
    "numpy.random._generator.Generator",
    "numpy.random.mtrand.RandomState",
)

# The estimators the services persist, and the baselines they may persist with them.
_ESTIMATOR_TYPES: tuple[str, ...] = (
    "sklearn.dummy.DummyClassifier",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._iforest.IsolationForest",
    "sklearn.impute._base.MissingIndicator",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.ExtraTreeRegressor",
)

# Fitted internals of those estimators (found with skops.io.get_untrusted_types on real fits).
_INTERNAL_TYPES: tuple[str, ...] = (
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "sklearn._loss._loss.CyHalfMultinomialLoss",
    "sklearn._loss.link.Interval",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    # HistGradientBoosting with categorical_features wraps an OrdinalEncoder in a ColumnTransformer
    # whose FunctionTransformer holds functools.partial(check_array); nothing else is callable.
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.preprocessing._encoders.OrdinalEncoder",
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "functools.partial",
    "sklearn.utils.validation.check_array",
)

SKLEARN_TRUSTED_TYPES: tuple[str, ...] = _CONTAINER_TYPES + _ESTIMATOR_TYPES + _INTERNAL_TYPES
"""Every type a skops artifact of ours may contain; a file naming any other type is refused."""

_LIGHTGBM_HEADER = "tree\n"
_SKOPS_SCHEMA = "schema.json"


class ArtifactError(DomainError):
    """A stored model artifact cannot be used (wrong format, untrusted content, bad checksum)."""

    status = 500
    title = "Model artifact error"
    slug = "artifact-error"


class ArtifactIntegrityError(ArtifactError):
    """An artifact's bytes do not match the sha256 recorded at registration; it is never loaded."""

    title = "Model artifact integrity check failed"
    slug = "artifact-integrity"


class UntrustedArtifactError(ArtifactError):
    """A skops artifact names a type outside the trusted list; it is never loaded."""

    title = "Untrusted model artifact"
    slug = "artifact-untrusted"


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path | str) -> str:
    """Hex sha256 of the file at `path`, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dump_sklearn(obj: Any) -> bytes:
    """Serialise a scikit-learn object with skops (a zip of JSON schema + .npy arrays)."""
    import skops.io as sio  # here, not at the top: importing skops costs seconds at every start-up

    data: bytes = sio.dumps(obj)
    untrusted = sorted(set(skops_types(data)) - set(SKLEARN_TRUSTED_TYPES))
    if untrusted:
        # Refuse at save time too: a file we could not load later is worse than no file.
        raise UntrustedArtifactError(
            f"refusing to save {type(obj).__name__}: types outside SKLEARN_TRUSTED_TYPES: {untrusted}",
            untrusted_types=untrusted,
        )
    return data


def _iter_schema_types(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        module, cls = node.get("__module__"), node.get("__class__")
        if isinstance(module, str) and isinstance(cls, str):
            yield f"{module}.{cls}"
        for value in node.values():
            yield from _iter_schema_types(value)
    elif isinstance(node, list):
        for value in node:
            yield from _iter_schema_types(value)


def skops_types(data: bytes) -> list[str]:
    """Every fully qualified type (or function) name a skops file refers to, sorted and unique."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            schema = json.loads(archive.read(_SKOPS_SCHEMA))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ArtifactError(f"not a skops artifact (expected a zip with {_SKOPS_SCHEMA}): {exc}") from exc
    return sorted(set(_iter_schema_types(schema)))


def load_sklearn(data: bytes, trusted: Sequence[str] = SKLEARN_TRUSTED_TYPES) -> Any:
    """Load a skops artifact, refusing any file that names a type outside `trusted`."""
    if isinstance(trusted, str):
        raise TypeError("trusted must be a sequence of type names, not a single string")
    allowed = set(trusted)
    # Our own audit covers every node, including types skops would trust by default.
    untrusted = sorted(set(skops_types(data)) - allowed)
    if untrusted:
        logger.error("refusing skops artifact with untrusted types %s", untrusted)
        raise UntrustedArtifactError(
            f"refusing to load a skops artifact naming untrusted types: {untrusted}",
            untrusted_types=untrusted,
        )
    import skops.io as sio

    try:
        return sio.loads(data, trusted=sorted(allowed))
    except Exception as exc:  # skops raises UntrustedTypesFoundException, ValueError, TypeError...
        raise ArtifactError(f"skops artifact could not be loaded: {exc}") from exc


def dump_lightgbm(booster: lightgbm.Booster) -> bytes:
    """Serialise a LightGBM booster in its own text format (UTF-8)."""
    text: str = booster.model_to_string()
    return text.encode("utf-8")


def load_lightgbm(data: bytes) -> lightgbm.Booster:
    """Load a LightGBM booster from its text format; anything else is refused."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArtifactError("not a LightGBM text model (not UTF-8)") from exc
    if not text.startswith(_LIGHTGBM_HEADER):
        raise ArtifactError("not a LightGBM text model (missing 'tree' header)")
    import lightgbm  # here, not at the top: it imports scikit-learn (seconds at start-up)

    try:
        return lightgbm.Booster(model_str=text)
    except lightgbm.basic.LightGBMError as exc:
        raise ArtifactError(f"LightGBM model could not be parsed: {exc}") from exc


def library_versions() -> dict[str, str]:
    """Versions of Python and the ML libraries an artifact depends on, for its metadata."""
    versions = {"python": platform.python_version()}
    for dist in ("numpy", "scikit-learn", "lightgbm", "skops"):
        try:
            versions[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            versions[dist] = "not-installed"
    return versions
