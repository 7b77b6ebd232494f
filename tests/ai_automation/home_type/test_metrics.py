"""The one-rule baseline: the rule it states is the rule it applies."""

from __future__ import annotations

import numpy as np

from ai_automation.home_type.metrics import OneRuleBaseline


def test_two_classes_get_the_best_threshold_and_a_readable_rule() -> None:
    areas = np.array([[3.0], [4.0], [5.0], [6.0], [8.0], [9.0], [10.0], [12.0], [14.0]])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])
    rule = OneRuleBaseline().fit(areas, y)
    assert rule.describe(["area_count"], ["apartment", "standard_home"]) == (
        "area_count <= 7 -> apartment; area_count > 7 -> standard_home; area_count missing -> standard_home"
    )
    # a missing value, never seen in training, gets the majority class
    assert rule.predict(np.array([[7.0], [7.5], [np.nan]])).tolist() == [0, 1, 1]


def test_neighbouring_intervals_of_one_class_are_merged_without_changing_predictions() -> None:
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 100, size=(400, 1))
    y = np.digitize(x[:, 0], [50, 80])  # three classes over two cuts; quantile bins split them further
    rule = OneRuleBaseline(bins=8).fit(x, y)
    assert rule.edges_.size == 2, rule.edges_
    assert rule.describe(["f"], ["a", "b", "c"]).count("->") == 4, "three intervals and missing"
    probe = np.linspace(0, 100, 1001)[:, None]
    assert (rule.predict(probe) == np.digitize(probe[:, 0], rule.edges_, right=True)).all()
    assert np.allclose(rule.edges_, [50, 80], atol=13)


def test_a_rule_that_splits_on_missing_says_so() -> None:
    x = np.array([[1.0], [2.0], [3.0], [np.nan], [np.nan]])
    rule = OneRuleBaseline().fit(x, np.array([0, 0, 0, 1, 1]))
    assert rule.predict(x).tolist() == [0, 0, 0, 1, 1]
    assert rule.describe(["events_per_day"], ["apartment", "house"]) == (
        "events_per_day present -> apartment; events_per_day missing -> house"
    )


def test_an_unfitted_rule_has_no_fitted_attributes_and_fit_sets_them() -> None:
    rule = OneRuleBaseline()
    assert not hasattr(rule, "mapping_")
    x = np.array([[1.0], [2.0], [8.0], [9.0]])
    fitted = rule.fit(x, np.array([0, 0, 1, 1]))
    assert fitted is rule
    assert rule.feature_ == 0
    assert rule.predict(np.array([[1.5], [8.5], [np.nan]])).tolist()[:2] == [0, 1]
