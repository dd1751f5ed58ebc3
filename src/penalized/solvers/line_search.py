"""The step along a (prox-)Newton direction, shared by the GLM engines.

A Newton engine solves a quadratic model of the objective ``F = f + penalty`` and moves
from ``w`` toward the model's solution ``w_new``: ``w_t = w + t (w_new - w)``. The
predicted decrease ``delta = f'(w; w_new - w) + penalty(w_new) - penalty(w) < 0`` and
the objective ``F(w_t)`` decide the step:

* Armijo backtracking: the first ``t`` in 1, 1/2, ..., 2^-39 with
  ``F(w_t) <= F(w) + sigma t delta`` (``sigma = 1e-4``); for a majorization step (the model
  bounds F from above) any decrease will do;
* a predicted decrease below the objective's rounding level (``|delta| <= 16 eps |F|``)
  cannot be checked against F: such steps are taken when the duality gap at the point
  they reach is smaller (:class:`RoundingSteps`), else the caller solves its model more
  accurately.
"""

import numpy as np

__all__ = ["ARMIJO", "RoundingSteps", "Along", "backtrack", "below_rounding", "design_eps"]

ARMIJO = 1e-4
_EPS = float(np.finfo(float).eps)
_HALVINGS = 40


def design_eps(design):
    """The machine epsilon of the design's products: float32 X gives float32 predictors,
    whose changes below eps32 |F| are not measurable (and never below float64's)."""
    return max(float(np.finfo(design.dtype).eps), _EPS)


def below_rounding(decrease, f0, eps=_EPS):
    """Whether the predicted decrease is below the rounding level of the objective f0
    (``eps``: the machine epsilon of the design's products, float64 by default)."""
    return -decrease <= 16 * eps * abs(f0)


class Along:
    """The objective ``sum_i s_i loss(y_i, eta_i + t d_eta_i) / S + pen(w + t dw)`` as a
    function of the step t; ``eta_t`` is the predictor of the last step evaluated (the
    object a datafit that caches its sums for a predictor evaluates next)."""

    def __init__(self, loss, y, s, S, pen, w, dw, eta, d_eta):
        self.loss, self.y, self.s, self.S, self.pen = loss, y, s, S, pen
        self.w, self.dw, self.eta, self.d_eta = w, dw, eta, d_eta
        self.eta_t = None

    def __call__(self, t):
        self.eta_t = self.eta + t * self.d_eta
        return (float(self.s @ self.loss.loss(self.y, self.eta_t)) / self.S
                + self.pen.value(self.w + t * self.dw))


def backtrack(objective, f0, decrease, majorize=False):
    """The step ``t`` (1, 1/2, ... 2^-39) whose ``objective(t)`` passes Armijo's test
    against ``f0 + ARMIJO t decrease`` (any decrease below ``f0`` when ``majorize``), or
    None when none does."""
    t = 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(_HALVINGS):
            f_t = objective(t)
            if (f_t < f0) if majorize else (f_t <= f0 + ARMIJO * t * decrease):
                return t
            t *= 0.5
    return None


class RoundingSteps:
    """Steps below the objective's rounding level are judged by the duality gap at the
    point they reach: ``take(gap, new_gap)`` says whether to take one from a point whose
    gap is ``gap`` to one whose gap is ``new_gap``, which it does when the gap shrinks and
    ``new_gap`` is under half the gap reached by the last such step taken. That memory is
    kept across the ordinary steps in between: a trusted step that raised the objective,
    undone by ordinary steps, was otherwise retaken in a cycle until max_iter epochs; with
    it, the trusted steps of a solve are at most about ``log2(first gap / tol)``.

    The gap is first order in the distance to the optimum and the objective second order:
    near the optimum (a KKT residual of 1e-10 is an objective 1e-20 above its minimum) only
    the gap still measures progress. Judged by the gap before the step instead (taken
    when under half the gap before the last trusted step), a step from 7.4e-10 to 1.2e-10
    was refused because the last one had been taken at 1.2e-9, and the solve stopped at a
    gap of 7.4e-10 against tol 6.9e-11."""

    def __init__(self):
        self.gap = np.inf

    def take(self, gap, new_gap):
        if new_gap < gap and new_gap < 0.5 * self.gap:
            self.gap = new_gap
            return True
        return False
