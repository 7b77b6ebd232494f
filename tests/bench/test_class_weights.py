"""The ways bench/bench_real_homes.py chooses the 4-class probability weights (bench/class_weights.py)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np
import pytest


@pytest.fixture(scope="module")
def cw(load_bench: Callable[[str, str], ModuleType]) -> ModuleType:
    return load_bench("class_weights", "bench_class_weights")


def test_macro_f1_averages_the_classes_present_in_truth_or_prediction(cw: ModuleType) -> None:
    truth = np.array([0, 0, 1, 1])
    pred = np.array([0, 1, 1, 3])
    # class 0: 2*1/(2+1); class 1: 2*1/(2+2); class 3: 0 (predicted, never true); class 2 absent
    assert cw.macro_f1(truth, pred, 4) == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)


def test_prior_shift_weights_are_the_calibration_frequencies_over_the_training_prior(cw: ModuleType) -> None:
    truth = np.array([0] * 5 + [1] * 3 + [2] * 2)
    prior = np.array([0.25, 0.25, 0.5])
    assert cw.prior_shift_weights(truth, prior) == pytest.approx([0.5 / 0.25, 0.3 / 0.25, 0.2 / 0.5])


def test_label_shift_em_recovers_a_known_prior_from_unlabelled_calibrated_posteriors(cw: ModuleType) -> None:
    rng = np.random.default_rng(0)
    means, train_prior, true_prior = (
        np.arange(4.0),
        np.array([3, 1, 3, 1]) / 8,
        np.array([0.1, 0.4, 0.1, 0.4]),
    )
    y = rng.choice(4, size=4000, p=true_prior)
    x = rng.normal(means[y], 0.7)
    # exact posteriors under the training prior, as a calibrated model trained there would give them
    posteriors = train_prior * np.exp(-((x[:, None] - means) ** 2) / (2 * 0.7**2))
    posteriors /= posteriors.sum(axis=1, keepdims=True)
    weights = cw.em_weights(posteriors, train_prior)
    assert weights * train_prior == pytest.approx(true_prior, abs=0.03)


def test_shrinkage_keeps_ones_when_the_probabilities_carry_no_signal(cw: ModuleType) -> None:
    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(4), 10)
    noise = rng.dirichlet(np.ones(4), truth.size)  # independent of the labels
    assert not np.allclose(cw.search_weights(noise, truth), 1.0)  # the plain search fits the noise
    chosen = cw.shrinkage_choice(noise, truth, np.random.default_rng(0)).chosen
    assert np.isinf(chosen)
    assert cw.search_weights(noise, truth, chosen) == pytest.approx(np.ones(4))


def test_the_rule_reads_only_the_calibration_homes_and_keeps_the_simplest_within_one_error(
    cw: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cw, "REPEATS", 3)
    monkeypatch.setattr(cw, "INNER_REPEATS", 2)
    rng = np.random.default_rng(1)
    truth = np.repeat(np.arange(4), 10)
    calib = rng.dirichlet(np.ones(4), truth.size)
    calib[np.arange(truth.size), truth] += 1.0  # informative and unbiased: nothing to correct
    calib /= calib.sum(axis=1, keepdims=True)
    target = rng.dirichlet(np.ones(4), 30)
    selection = cw.choose(calib, truth, target, np.full(4, 0.25), np.random.default_rng(0))
    assert selection.chosen == "none"
    assert set(selection.weights) == set(cw.METHODS)
    assert selection.weights["prior_shift"] == pytest.approx(np.ones(4))  # balanced = the training prior
    assert selection.weights["label_shift_em"] == pytest.approx(cw.em_weights(target, np.full(4, 0.25)))
    means = selection.methods.means
    assert means["none"] >= max(means.values()) - selection.methods.standard_error
