"""Metrics and baselines for the home-type classifier: per-class scores, macro-F1 intervals, one-rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from homeiq_shared.home_types import TASKS as TASKS
from homeiq_shared.home_types import binary_label


def task_label(home_type: str, task: str) -> str:
    """The label of a home type under a task (`binary`: apartment / standard_home; `full`: the type)."""
    if task == "full":
        return home_type
    if task == "binary":
        return binary_label(home_type)
    raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")


def classification_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro precision/recall/F1 (original names), per-class scores and the confusion matrix."""
    # here, not at the top: the app and the CLIs import this module, scikit-learn takes seconds to import
    from sklearn.metrics import classification_report, confusion_matrix, precision_recall_fscore_support

    true = np.asarray(y_true)
    pred = np.asarray(y_pred)
    present = sorted(set(true.tolist()) | set(pred.tolist()))
    p, r, f, _ = precision_recall_fscore_support(true, pred, labels=present, average="macro", zero_division=0)
    cp, cr, cf, cs = precision_recall_fscore_support(true, pred, labels=list(classes), zero_division=0)
    report = classification_report(true, pred, labels=list(classes), output_dict=True, zero_division=0)
    return {
        "accuracy": float((true == pred).mean()) if true.size else float("nan"),
        "precision": float(p),
        "recall": float(r),
        "f1_score": float(f),
        "macro_f1": float(f),
        "averaging": "macro over the classes present in truth or prediction",
        "per_class": {
            c: {"precision": float(cp[i]), "recall": float(cr[i]), "f1": float(cf[i]), "support": int(cs[i])}
            for i, c in enumerate(classes)
        },
        "classification_report": report,
        "confusion_matrix": confusion_matrix(true, pred, labels=list(classes)).tolist(),
    }


def macro_f1_from_confusion(conf: NDArray[np.float64]) -> NDArray[np.float64]:
    """Macro-F1 of one or many confusion matrices (..., K, K), over classes present in truth or prediction."""
    tp = np.diagonal(conf, axis1=-2, axis2=-1)
    truth = conf.sum(axis=-1)
    predicted = conf.sum(axis=-2)
    denom = truth + predicted
    present = denom > 0
    f1 = np.divide(2.0 * tp, denom, out=np.zeros_like(tp, dtype=np.float64), where=present)
    result: NDArray[np.float64] = f1.sum(axis=-1) / np.maximum(present.sum(axis=-1), 1)
    return result


@dataclass(frozen=True)
class BootstrapInterval:
    """Mean and 95 % percentile interval of a score over bootstrap resamples of homes and CV repeats."""

    mean: float
    low: float
    high: float
    resamples: int

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form."""
        return {"mean": self.mean, "ci95_low": self.low, "ci95_high": self.high, "resamples": self.resamples}


def bootstrap_macro_f1(
    y_true: NDArray[np.int64],
    predictions: dict[str, NDArray[np.int64]],
    n_classes: int,
    rng: np.random.Generator,
    resamples: int = 1000,
) -> dict[str, BootstrapInterval]:
    """Paired bootstrap over homes: `predictions[name]` is (repeats, homes) of out-of-fold class codes.

    Each resample draws homes with replacement and one CV repeat, so the interval covers both the
    sampling of homes and the randomness of the split; the same draws are used for every name so
    differences between names are paired.
    """
    n = y_true.size
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(np.float64)
    some = next(iter(predictions.values()))
    repeat = rng.integers(0, some.shape[0], size=resamples)
    out: dict[str, BootstrapInterval] = {}
    scores: dict[str, NDArray[np.float64]] = {}
    for name, pred in predictions.items():
        codes = y_true[None, :] * n_classes + pred  # (repeats, homes)
        conf = np.zeros((resamples, n_classes * n_classes))
        for r in range(pred.shape[0]):
            chosen = repeat == r
            if not chosen.any():
                continue
            # One weighted bincount per chosen resample, vectorised through a one-hot matrix.
            onehot = np.zeros((n, n_classes * n_classes))
            onehot[np.arange(n), codes[r]] = 1.0
            conf[chosen] = weights[chosen] @ onehot
        values = macro_f1_from_confusion(conf.reshape(resamples, n_classes, n_classes))
        scores[name] = values
        out[name] = _interval(values)
    if "model" in scores:
        for name, values in scores.items():
            if name != "model":
                out[f"model_minus_{name}"] = _interval(scores["model"] - values)
    return out


def _interval(values: NDArray[np.float64]) -> BootstrapInterval:
    low, high = np.percentile(values, [2.5, 97.5])
    return BootstrapInterval(float(values.mean()), float(low), float(high), int(values.size))


class OneRuleBaseline:
    """Holte's 1R: the single feature whose value intervals, each mapped to its majority class, fit best.

    Two classes: the best threshold of any one feature (e.g. `area_count <= 7 -> apartment`).
    More classes: up to `bins` quantile intervals of one feature, each predicting its majority class.
    """

    # Fitted attributes, set by `fit` only (scikit-learn's convention: an unfitted rule has none).
    feature_: int
    edges_: NDArray[np.float64]
    mapping_: NDArray[np.int64]

    def __init__(self, bins: int = 8) -> None:
        self.bins = bins

    def fit(self, x: NDArray[np.float64], y: NDArray[np.int64]) -> OneRuleBaseline:
        """Pick the feature and cut points with the best training accuracy (NaN counts as its own bin)."""
        n_classes = int(y.max()) + 1
        fallback = int(np.bincount(y, minlength=n_classes).argmax())
        best_correct = -1.0
        self.feature_, self.edges_ = 0, np.zeros(0)
        self.mapping_ = np.array([fallback, fallback], dtype=np.int64)
        for j in range(x.shape[1]):
            col = x[:, j]
            finite = np.isfinite(col)
            if finite.sum() < 2 or np.ptp(col[finite]) == 0:
                continue
            if n_classes == 2:
                edges = self._best_threshold(col[finite], y[finite])
            else:
                edges = np.unique(np.quantile(col[finite], np.linspace(0, 1, self.bins + 1)[1:-1]))
            bins = self._bins(col, edges)
            table = np.bincount(bins * n_classes + y, minlength=(edges.size + 2) * n_classes)
            table = table.reshape(edges.size + 2, n_classes)
            mapping = np.where(table.sum(axis=1) > 0, table.argmax(axis=1), fallback)
            correct = float(table.max(axis=1).sum())
            if correct > best_correct:
                best_correct = correct
                self.feature_, self.edges_, self.mapping_ = j, edges, mapping.astype(np.int64)
        self._merge_equal_neighbours()
        return self

    def _merge_equal_neighbours(self) -> None:
        """Drop cut points between intervals predicting the same class (same predictions, shorter rule)."""
        finite_map, nan_class = self.mapping_[:-1], self.mapping_[-1:]
        keep = finite_map[:-1] != finite_map[1:]
        self.edges_ = self.edges_[keep]
        self.mapping_ = np.concatenate([finite_map[:1], finite_map[1:][keep], nan_class])

    @staticmethod
    def _best_threshold(col: NDArray[np.float64], y: NDArray[np.int64]) -> NDArray[np.float64]:
        """Exhaustive search of `x <= t` for two classes, in O(n log n) with cumulative counts."""
        order = np.argsort(col, kind="stable")
        values = col[order]
        ones = np.cumsum(y[order])
        seen = np.arange(1, values.size + 1)
        total_ones = ones[-1]
        # Candidate cut after position i only where the value changes.
        cut = np.flatnonzero(values[:-1] < values[1:])
        left_ones, left_n = ones[cut], seen[cut]
        right_ones, right_n = total_ones - left_ones, values.size - left_n
        correct = np.maximum(left_ones, left_n - left_ones) + np.maximum(right_ones, right_n - right_ones)
        i = cut[int(np.argmax(correct))]
        return np.array([(values[i] + values[i + 1]) / 2.0])

    @staticmethod
    def _bins(col: NDArray[np.float64], edges: NDArray[np.float64]) -> NDArray[np.int64]:
        finite = np.isfinite(col)
        bins = np.searchsorted(edges, np.where(finite, col, np.inf), side="left")
        bins[~finite] = edges.size + 1
        return bins.astype(np.int64)

    def predict(self, x: NDArray[np.float64]) -> NDArray[np.int64]:
        """Apply the learnt intervals of the chosen feature."""
        result: NDArray[np.int64] = self.mapping_[self._bins(x[:, self.feature_], self.edges_)]
        return result

    def describe(self, names: Sequence[str], classes: Sequence[str]) -> str:
        """The rule as applied, e.g. `area_count <= 7.5 -> apartment; area_count > 7.5 -> standard_home;
        area_count missing -> standard_home` (a missing value gets its own class: the training majority
        when none was missing in training)."""
        name = names[self.feature_]
        present, missing = classes[int(self.mapping_[0])], classes[int(self.mapping_[-1])]
        if self.edges_.size == 0:
            if missing == present:
                return f"always {present}"
            return f"{name} present -> {present}; {name} missing -> {missing}"
        parts = []
        lower = None
        for i, edge in enumerate(self.edges_):
            span = f"{name} <= {edge:g}" if lower is None else f"{lower:g} < {name} <= {edge:g}"
            parts.append(f"{span} -> {classes[int(self.mapping_[i])]}")
            lower = edge
        parts.append(f"{name} > {lower:g} -> {classes[int(self.mapping_[len(self.edges_)])]}")
        parts.append(f"{name} missing -> {missing}")  # NaN (e.g. no events): its own interval
        return "; ".join(parts)
