"""The owners' feedback re-ranker: a small correction of the cold-start score, learned from accepted and
dismissed suggestions, and a gate that keeps it only when it ranks unseen feedback at least as well.

Every stored cold-start suggestion keeps the feature row it was ranked with (`payload["features"]`).
Feedback on those rows (accepted = 1, dismissed = 0) fits `score' = score + dw . x + db`: an L2-penalised
logistic regression over standardised features that takes the cold-start score as its offset, so with
little feedback the correction stays near zero and the ranking stays the cold-start one. Habits (their
evidence is the owner's own behaviour) and automations asked in words carry no feature row and are not
used. Always refitted from the shipped cold-start model, never stacked on the previous correction.
Graph features are kept as computed: 0 when the served model gives them no weight (detect skips them),
so the correction gives them none either.

Split: by time. The newest `TEST_SHARE` of the feedback (by when it was given) is the test part; the
rest trains. Gate, all of:
- the test part has both answers and the training part `MIN_PER_CLASS` of each;
- on the test part the challenger ranks accepted above dismissed (ROC AUC) at least as well as the
  served model (champion) and better than the rule table's own features alone (`RULE_TABLE_WEIGHTS`);
- where the real calibration installs are at hand (`calibration_figures`), its cold-start hit@10 and
  MRR on them stay above the rule table's (the readiness report's gate for this model).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from sklearn.metrics import roc_auc_score

from ai_automation.synergies.automations import links_of
from ai_automation.synergies.calibration import CalibrationHome
from ai_automation.synergies.evaluation import HomeScore, score_top, summarise
from ai_automation.synergies.home import by_id, entities_of
from ai_automation.synergies.model import SynergyModel
from ai_automation.synergies.ranking import FEATURES, build_candidates, linear_score

MIN_FEEDBACK = 20
MIN_PER_CLASS = 5
TEST_SHARE = 0.3
L2 = 10.0
"""Penalty on the standardised correction weights (the bias is free)."""
RULE_TABLE_WEIGHTS: dict[str, float] = {"sensor_pattern": 3.0, "same_area": 2.0, "shared_tokens": 1.0}
"""The hand-written table's features alone: the baseline every ranker must beat."""
SPLIT_METHOD = (
    f"time-ordered: the newest {TEST_SHARE:.0%} of the feedback (by when it was given) is the test part"
)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Answer:
    """One suggestion the owner answered: its feature row (None: none kept), the answer and when."""

    suggestion_id: str
    home_id: str
    features: Mapping[str, float] | None
    accepted: bool
    at: datetime


@dataclass
class FeedbackSet:
    """The usable answers as arrays, oldest first."""

    x: FloatArray
    y: FloatArray
    homes: list[str]
    without_features: int

    @classmethod
    def of(cls, answers: Sequence[Answer]) -> FeedbackSet:
        """Answers with a complete feature row of this code's `FEATURES`, by time."""
        usable = sorted(
            (a for a in answers if a.features is not None and all(f in a.features for f in FEATURES)),
            key=lambda a: (a.at, a.suggestion_id),
        )
        x = np.array([[float(a.features[f]) for f in FEATURES] for a in usable if a.features is not None])
        return cls(
            x.reshape(len(usable), len(FEATURES)),
            np.array([1.0 if a.accepted else 0.0 for a in usable]),
            [a.home_id for a in usable],
            len(answers) - len(usable),
        )

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def split(self) -> tuple[FeedbackSet, FeedbackSet]:
        """(older part, newest `TEST_SHARE`)."""
        cut = len(self) - max(1, math.ceil(TEST_SHARE * len(self)))
        return (
            FeedbackSet(self.x[:cut], self.y[:cut], self.homes[:cut], 0),
            FeedbackSet(self.x[cut:], self.y[cut:], self.homes[cut:], 0),
        )

    def counts(self) -> dict[str, int]:
        """Rows, accepted and dismissed."""
        accepted = int(self.y.sum())
        return {"rows": len(self), "accepted": accepted, "dismissed": len(self) - accepted}

    def shortfall(self) -> str | None:
        """Why these answers are too few to train on, or None when they suffice."""
        counts = self.counts()
        if counts["rows"] >= MIN_FEEDBACK and min(counts["accepted"], counts["dismissed"]) >= MIN_PER_CLASS:
            return None
        return (
            f"{counts['rows']} answered suggestions with a feature row ({counts['accepted']} accepted, "
            f"{counts['dismissed']} dismissed); training needs {MIN_FEEDBACK}, {MIN_PER_CLASS} of each"
        )


def fit_correction(x: FloatArray, y: FloatArray, offset: FloatArray, l2: float = L2) -> dict[str, float]:
    """Weights by feature name (+ `bias`) of the logistic correction on top of `offset`."""
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std

    def loss(theta: FloatArray) -> tuple[float, FloatArray]:
        w, b = theta[:-1], theta[-1]
        margin = offset + z @ w + b
        p = 1.0 / (1.0 + np.exp(-margin))
        value = float(np.sum(np.logaddexp(0.0, margin) - y * margin) + 0.5 * l2 * float(w @ w))
        residual = p - y
        return value, np.concatenate([z.T @ residual + l2 * w, [residual.sum()]])

    theta = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B").x
    w = theta[:-1] / std
    weights = {name: round(float(v), 8) for name, v in zip(FEATURES, w, strict=True)}
    weights["bias"] = round(float(theta[-1] - float(w @ mean)), 8)
    return weights


def _auc(y: FloatArray, scores: FloatArray) -> float:
    return round(float(roc_auc_score(y, scores)), 4)


def calibration_figures(model: SynergyModel, homes: Sequence[CalibrationHome], k: int = 10) -> dict[str, Any]:
    """Cold-start hit@k / MRR of `model` and of the rule table's features on the installs with
    automations (their automations hidden; in-sample for the shipped counts)."""
    ours: list[HomeScore] = []
    rule: list[HomeScore] = []
    rates = model.rates()
    for home in homes:
        entities = entities_of(home.snapshot)
        links = links_of(home.automations, by_id(entities))
        if not links:
            continue
        candidates = build_candidates(entities, rates)
        if len(candidates) == 0:
            continue
        ours.append(score_top(candidates, model.score(candidates), links, k, (k,)))
        rule.append(score_top(candidates, linear_score(candidates, RULE_TABLE_WEIGHTS), links, k, (k,)))
    return {"homes": len(ours), "model": summarise(ours, (k,)), "rule_table": summarise(rule, (k,))}


@dataclass
class RerankerResult:
    """A trained challenger with its figures and gate."""

    model: SynergyModel
    metrics: dict[str, Any]
    gates: dict[str, Any]
    training_data: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Whether every check of the gate held."""
        return bool(self.gates["verdict"] == "PASSED")


def _check(name: str, value: Any, threshold: Any, passed: bool) -> dict[str, Any]:
    return {"check": name, "value": value, "threshold": threshold, "passed": bool(passed)}


class NotEnoughFeedbackError(ValueError):
    """Too few answers with a feature row to train and test a correction."""


def train_reranker(
    data: FeedbackSet,
    base: SynergyModel,
    champion: SynergyModel,
    calibration: Sequence[CalibrationHome] = (),
) -> RerankerResult:
    """Fit the correction on the older feedback, test it on the newest, gate it (see the module doc).

    Raises `NotEnoughFeedbackError` when there is nothing worth fitting (the nightly run then skips).
    """
    short = data.shortfall()
    if short is not None:
        raise NotEnoughFeedbackError(short)
    counts = data.counts()
    train, test = data.split()
    checks: list[dict[str, Any]] = []
    figures: dict[str, Any] = {"split_method": SPLIT_METHOD, "train": train.counts(), "test": test.counts()}
    both_in_test = 0 < test.y.sum() < len(test)
    enough_in_train = min(train.counts()["accepted"], train.counts()["dismissed"]) >= MIN_PER_CLASS
    checks.append({"check": "both answers in the test part", "passed": bool(both_in_test)})
    checks.append(
        {"check": f">= {MIN_PER_CLASS} of each answer in the training part", "passed": enough_in_train}
    )
    adjustment = fit_correction(train.x, train.y, base.base_score(train.x)) if enough_in_train else None
    challenger = base.with_adjustment(
        adjustment, {"ranker_feedback": {"trained_on": train.counts(), "split_method": SPLIT_METHOD}}
    )
    if both_in_test:
        auc = {
            "challenger": _auc(test.y, challenger.score_features(test.x)),
            "champion": _auc(test.y, champion.score_features(test.x)),
            "cold_start": _auc(test.y, base.base_score(test.x)),
            "rule_table": _auc(test.y, linear_score(test.x, RULE_TABLE_WEIGHTS)),
        }
        figures["test_roc_auc"] = auc
        ours = auc["challenger"]
        checks.append(
            _check("test ROC AUC >= the champion's", ours, auc["champion"], ours >= auc["champion"])
        )
        checks.append(
            _check("test ROC AUC > the rule table's", ours, auc["rule_table"], ours > auc["rule_table"])
        )
    if calibration:
        cal = calibration_figures(challenger, calibration)
        figures["calibration_installs"] = cal
        got, rule = cal["model"], cal["rule_table"]
        checks.append(
            _check(
                "cold-start hit@10 and MRR on the calibration installs > the rule table's",
                [got.get("hit@10"), got.get("mrr")],
                [rule.get("hit@10"), rule.get("mrr")],
                bool(got) and got["hit@10"] > rule["hit@10"] and got["mrr"] > rule["mrr"],
            )
        )
    else:
        figures["calibration_installs"] = "not checked: no calibration installs configured"
    verdict = "PASSED" if all(c["passed"] for c in checks) else "FAILED"
    return RerankerResult(
        challenger,
        figures,
        {"verdict": verdict, "checks": checks},
        {**counts, "without_features": data.without_features, "homes": len(set(data.homes))},
    )
