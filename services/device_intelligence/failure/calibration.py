"""Probability calibration of a booster's scores, fitted on the validation devices and stored as JSON knots.

The calibrator is a centred isotonic regression: scikit-learn's `IsotonicRegression` (what
`CalibratedClassifierCV(FrozenEstimator(model), method="isotonic")` fits for a binary model) on the
validation devices' raw scores, then linear interpolation through the centre of each of its constant
steps, anchored at (0, 0) and (1, 1). Between the knots the map is strictly increasing, so the ranking
of devices (and PR-AUC) is that of the raw score, while the probabilities follow the observed failure
rates; a plain isotonic step function would tie devices it cannot tell apart.

Stored as two lists of floats (`knots_x`, `knots_y`): nothing executable is ever loaded.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
METHOD = (
    "centred isotonic (sklearn IsotonicRegression on the validation devices, interpolated through step "
    "centres; end steps bounded by the rule of succession)"
)
ECE_BINS = 10
ECE_DEFINITION = (
    f"expected calibration error: over {ECE_BINS} equal-width probability bins, the row-weighted mean of "
    "|mean predicted - observed failure rate|"
)


@dataclass(frozen=True)
class Calibrator:
    """A monotone map from a raw score in 0..1 to a calibrated probability (identity when no knots)."""

    knots_x: tuple[float, ...] = (0.0, 1.0)
    knots_y: tuple[float, ...] = (0.0, 1.0)
    method: str = "none"

    def apply(self, raw: FloatArray) -> FloatArray:
        """Calibrated probabilities of raw scores."""
        out: FloatArray = np.interp(np.asarray(raw, dtype=np.float64), self.knots_x, self.knots_y)
        return out

    def to_json(self) -> dict[str, Any]:
        """The stored form (plain numbers)."""
        return {"method": self.method, "knots_x": list(self.knots_x), "knots_y": list(self.knots_y)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Calibrator:
        """Rebuild from the stored form; None (a model stored before calibration) is the identity."""
        if not data:
            return cls()
        xs = tuple(float(v) for v in data["knots_x"])
        ys = tuple(float(v) for v in data["knots_y"])
        if len(xs) != len(ys) or len(xs) < 2 or any(b <= a for a, b in itertools.pairwise(xs)):
            raise ValueError("calibration knots must be two equally long lists with increasing x")
        if any(b < a for a, b in itertools.pairwise(ys)) or not 0.0 <= ys[0] <= ys[-1] <= 1.0:
            raise ValueError("calibration knots must map onto non-decreasing probabilities in 0..1")
        return cls(xs, ys, str(data.get("method", METHOD)))


def fit_calibrator(raw: FloatArray, y: NDArray[Any]) -> Calibrator:
    """Fit on validation scores and labels; the identity when the labels hold one class only."""
    from sklearn.isotonic import IsotonicRegression

    labels = np.asarray(y, dtype=np.float64)
    if raw.size == 0 or not 0 < labels.sum() < labels.size:
        return Calibrator()
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, labels)
    fitted = np.asarray(iso.predict(raw), dtype=np.float64)
    steps = np.unique(fitted)
    centres = np.array([raw[fitted == v].mean() for v in steps])
    # Never certain: the end steps are bounded by the rule of succession on their own rows (8 failures
    # out of 8 validation rows says 0.9, not 1.0) as far as the neighbouring step allows, and the (1, .)
    # anchor stays below 1.
    top = fitted == steps[-1]
    n_top, k_top = float(top.sum()), float(labels[top].sum())
    bottom = fitted == steps[0]
    ys_steps = steps.copy()
    # Each bound stays strictly between the neighbouring steps, so the map stays strictly increasing.
    below = (steps[-2] + steps[-1]) / 2 if steps.size > 1 else 0.0
    ys_steps[-1] = max(min(steps[-1], (k_top + 1) / (n_top + 2)), below)
    above = (steps[0] + ys_steps[1]) / 2 if steps.size > 1 else 1.0
    ys_steps[0] = min(max(steps[0], 1.0 / (float(bottom.sum()) + 2)), above)
    anchor = max(1.0 - 0.5 / (n_top + 2), (float(ys_steps[-1]) + 1.0) / 2)
    xs, ys = np.r_[0.0, centres, 1.0], np.r_[0.0, ys_steps, anchor]
    keep = np.r_[True, np.diff(xs) > 1e-12]  # a step centred at 0 replaces the anchor
    keep[-1] = True
    xs, ys = xs[keep], ys[keep]
    if np.diff(xs).min() <= 0:  # the last step centred at 1: drop the anchor
        xs, ys = xs[:-1], ys[:-1]
    return Calibrator(tuple(float(v) for v in xs), tuple(float(v) for v in ys), METHOD)


def expected_calibration_error(y: NDArray[Any], p: FloatArray, bins: int = ECE_BINS) -> float | None:
    """ECE over equal-width bins (see `ECE_DEFINITION`); None without rows."""
    if p.size == 0:
        return None
    labels = np.asarray(y, dtype=np.float64)
    which = np.clip(np.digitize(p, np.linspace(0, 1, bins + 1)[1:-1]), 0, bins - 1)
    total = sum(
        float(sel.sum()) * abs(float(p[sel].mean()) - float(labels[sel].mean()))
        for sel in (which == b for b in range(bins))
        if sel.any()
    )
    return total / p.size
