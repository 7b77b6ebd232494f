"""Per-class probability multipliers for a classifier carried to another population, and how to choose them.

A model trained on generated homes meets real ones whose class mix (and more) differs; multiplying its
probabilities by one weight per class and taking the argmax corrects a prior shift. Candidate ways to pick
the weights, simplest first (`METHODS`):

- `none`: all ones (the model as served).
- `prior_shift`: labelled calibration homes' class frequencies / the prior the model was trained with.
- `label_shift_em`: Saerens, Latinne & Decaestecker (2002): EM on the *unlabelled* homes to be predicted,
  starting from the training prior; weights = estimated prior / training prior (uses no label of them).
- `shrunk_search`: coordinate search maximising macro-F1 minus `penalty` * sum(ln w)^2, the penalty
  (infinite = no calibration, 0 = the plain search) chosen by repeated stratified CV inside the
  calibration homes.
- `grid_search`: the plain coordinate search maximising macro-F1 on the calibration homes (overfits on
  ~40 homes with 4-14 a class; kept as a reported row).

`choose` picks one by a rule fixed in advance that reads the calibration homes only, the one-standard-
error rule: each method's mean out-of-fold macro-F1 over repeated stratified k-fold CV of the calibration
homes (the same folds for every method; each refitted on the training folds, the shrinkage strength
chosen again inside them, EM run on the held-out fold's probabilities); the simplest method within one
standard error (bootstrap over the calibration homes) of the best one is taken. With ~40 homes that
error is 0.05-0.07, so a method must clearly beat doing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

GRID = np.array([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0])
PENALTIES = (np.inf, 0.1, 0.03, 0.01, 0.0)
"""Shrinkage strengths of `shrunk_search`, strongest (no calibration) first: the one-standard-error rule
takes the first within one error of the best."""
METHODS = ("none", "prior_shift", "label_shift_em", "shrunk_search", "grid_search")
"""Simplest first: the one-standard-error rule takes the first within one error of the best."""
FOLDS, REPEATS = 4, 20  # the selection among methods
INNER_FOLDS, INNER_REPEATS = 3, 5  # the shrinkage strength, inside each training part
RESAMPLES = 200  # bootstrap over homes for the standard error of the one-standard-error rule

Fit = Callable[
    [NDArray[np.float64], NDArray[np.int64], NDArray[np.float64], np.random.Generator], NDArray[np.float64]
]
"""(calibration scores, their labels, scores of the homes to predict, rng) -> weights."""


def macro_f1(truth: NDArray[np.int64], pred: NDArray[np.int64], k: int) -> float:
    """Macro-F1 over the classes (< k) present in truth or prediction."""
    support = np.bincount(truth, minlength=k)[:k] + np.bincount(pred, minlength=k)[:k]
    hits = np.bincount(truth[truth == pred], minlength=k)[:k]
    present = support > 0
    return float((2 * hits[present] / support[present]).mean()) if present.any() else float("nan")


def search_weights(
    scores: NDArray[np.float64], truth: NDArray[np.int64], penalty: float = 0.0
) -> NDArray[np.float64]:
    """Coordinate search over `GRID` maximising macro-F1 - penalty * sum(ln w)^2; starts at 1 and keeps a
    weight unless a change strictly helps (penalty 0: the plain search; infinite: all ones)."""
    weights = np.ones(scores.shape[1])
    if np.isinf(penalty):
        return weights

    def objective(w: NDArray[np.float64]) -> float:
        fit = macro_f1(truth, np.argmax(scores * w, axis=1), scores.shape[1])
        return fit - penalty * float((np.log(w) ** 2).sum()) if penalty else fit

    current = objective(weights)
    for _ in range(3):
        for c in range(weights.size):
            for g in GRID:
                trial = weights.copy()
                trial[c] = g
                value = objective(trial)
                if value > current + 1e-9:
                    weights, current = trial, value
    return weights


def prior_shift_weights(truth: NDArray[np.int64], train_prior: NDArray[np.float64]) -> NDArray[np.float64]:
    """The calibration homes' class frequencies over the training prior (no search)."""
    frequencies = np.bincount(truth, minlength=train_prior.size) / truth.size
    return frequencies / train_prior


def em_weights(
    scores: NDArray[np.float64], train_prior: NDArray[np.float64], iterations: int = 1000, tol: float = 1e-8
) -> NDArray[np.float64]:
    """Label-shift EM (Saerens et al. 2002) on unlabelled homes' probabilities: re-estimate the prior from
    the posteriors it adjusts until it settles; weights = estimated prior / training prior."""
    prior = train_prior.copy()
    for _ in range(iterations):
        adjusted = scores * (prior / train_prior)
        total = adjusted.sum(axis=1, keepdims=True)
        adjusted = np.divide(adjusted, total, out=np.zeros_like(adjusted), where=total > 0)
        new = adjusted.mean(axis=0)
        new = new / new.sum()
        if np.abs(new - prior).max() < tol:
            prior = new
            break
        prior = new
    return prior / train_prior


def stratified_folds(
    truth: NDArray[np.int64], folds: int, repeats: int, rng: np.random.Generator
) -> list[list[tuple[NDArray[np.int64], NDArray[np.int64]]]]:
    """`repeats` partitions into stratified folds (no more folds than the smallest class has members)."""
    from sklearn.model_selection import StratifiedKFold

    k = max(2, min(folds, int(np.bincount(truth)[np.unique(truth)].min())))
    return [
        list(StratifiedKFold(k, shuffle=True, random_state=int(rng.integers(2**31))).split(truth, truth))
        for _ in range(repeats)
    ]


def out_of_fold(
    fit: Fit,
    scores: NDArray[np.float64],
    truth: NDArray[np.int64],
    partitions: list[list[tuple[NDArray[np.int64], NDArray[np.int64]]]],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """(partitions, homes) out-of-fold predictions, `fit` refitted on every training part."""
    preds = np.zeros((len(partitions), truth.size), dtype=np.int64)
    for pred, partition in zip(preds, partitions, strict=True):
        for train, held in partition:
            weights = fit(scores[train], truth[train], scores[held], rng)
            pred[held] = np.argmax(scores[held] * weights, axis=1)
    return preds


@dataclass(frozen=True)
class OneStandardError:
    """Which candidate the one-standard-error rule takes, and the figures it read."""

    chosen: Any
    means: dict[Any, float]
    best: Any
    standard_error: float

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {
            "mean_out_of_fold_macro_f1": {str(c): round(v, 3) for c, v in self.means.items()},
            "best": str(self.best),
            "standard_error_of_best": round(self.standard_error, 3),
            "chosen": str(self.chosen),
        }


def one_standard_error(
    truth: NDArray[np.int64], preds: dict[Any, NDArray[np.int64]], k: int, rng: np.random.Generator
) -> OneStandardError:
    """The first (simplest) candidate of `preds` whose mean out-of-fold macro-F1 is within one standard
    error of the best one's; the standard error is the best one's over `RESAMPLES` bootstrap resamples
    of the homes (its out-of-fold predictions kept)."""

    def mean_f1(pred: NDArray[np.int64], i: NDArray[np.int64]) -> float:
        return float(np.mean([macro_f1(truth[i], p[i], k) for p in pred]))

    every = np.arange(truth.size)
    means = {c: mean_f1(pred, every) for c, pred in preds.items()}
    best = max(means, key=means.__getitem__)
    resampled = [mean_f1(preds[best], rng.integers(0, truth.size, truth.size)) for _ in range(RESAMPLES)]
    se = float(np.std(resampled))
    chosen = next(c for c in preds if means[c] >= means[best] - se - 1e-9)
    return OneStandardError(chosen, means, best, se)


def shrinkage_choice(
    scores: NDArray[np.float64], truth: NDArray[np.int64], rng: np.random.Generator
) -> OneStandardError:
    """The penalty of `search_weights` by the one-standard-error rule over repeated stratified CV of these
    homes, `PENALTIES` strongest first."""
    partitions = stratified_folds(truth, INNER_FOLDS, INNER_REPEATS, rng)

    def fit(penalty: float) -> Fit:
        return lambda s, y, t, rng: search_weights(s, y, penalty)

    preds = {p: out_of_fold(fit(p), scores, truth, partitions, rng) for p in PENALTIES}
    return one_standard_error(truth, preds, scores.shape[1], rng)


def method_fits(train_prior: NDArray[np.float64]) -> dict[str, Fit]:
    """Every method of `METHODS` as a `Fit`."""
    return {
        "none": lambda s, y, t, rng: np.ones(s.shape[1]),
        "prior_shift": lambda s, y, t, rng: prior_shift_weights(y, train_prior),
        "label_shift_em": lambda s, y, t, rng: em_weights(t, train_prior),
        "shrunk_search": lambda s, y, t, rng: search_weights(s, y, shrinkage_choice(s, y, rng).chosen),
        "grid_search": lambda s, y, t, rng: search_weights(s, y),
    }


@dataclass(frozen=True)
class Selection:
    """Each method's weights for the homes to predict, the chosen method and what chose it."""

    weights: dict[str, NDArray[np.float64]]
    chosen: str
    methods: OneStandardError
    shrinkage: OneStandardError


def choose(
    calib: NDArray[np.float64],
    truth: NDArray[np.int64],
    target: NDArray[np.float64],
    train_prior: NDArray[np.float64],
    rng: np.random.Generator,
) -> Selection:
    """Fit every method on the calibration homes (`calib`, `truth`; EM on `target`'s unlabelled scores) and
    choose one by the one-standard-error rule over its out-of-fold macro-F1 inside the calibration homes
    (nested: the shrinkage strength is chosen again inside every training part)."""
    fits = method_fits(train_prior)
    partitions = stratified_folds(truth, FOLDS, REPEATS, rng)
    preds = {m: out_of_fold(fits[m], calib, truth, partitions, rng) for m in METHODS}
    methods = one_standard_error(truth, preds, calib.shape[1], rng)
    shrinkage = shrinkage_choice(calib, truth, rng)
    weights = {m: fits[m](calib, truth, target, rng) for m in METHODS if m != "shrunk_search"}
    weights["shrunk_search"] = search_weights(calib, truth, shrinkage.chosen)
    return Selection(weights, methods.chosen, methods, shrinkage)
