"""Huber loss of the residual ``r = y - eta`` with a fixed threshold ``epsilon``."""

import numpy as np

from .._validation import check_scalar
from .base import Datafit

__all__ = ["Huber", "weighted_median"]


def weighted_median(v, s):
    """The median of v under the weights s (the mean of the lower and upper weighted
    medians: ``np.median`` for equal weights; a weight of 2 is a repeated sample and a
    weight of 0 an absent one)."""
    order = np.argsort(v, kind="stable")
    v, cum = v[order], np.cumsum(s[order])
    half = 0.5 * cum[-1]
    lo = np.searchsorted(cum, half, side="left")
    hi = np.searchsorted(cum, half, side="right")
    return 0.5 * (float(v[lo]) + float(v[min(hi, v.size - 1)]))


class Huber(Datafit):
    """Huber loss of the residual ``r = y - eta`` with a fixed threshold ``epsilon``.

    ``l = r^2 / 2`` if ``|r| <= epsilon`` else ``epsilon |r| - epsilon^2 / 2``. Unlike
    scikit-learn's ``HuberRegressor``, no scale is estimated: ``epsilon`` is in the
    units of y (as in skglm).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Huber
    >>> Huber(1.0).loss(np.array([0.0, 3.0]), np.zeros(2))
    array([0. , 2.5])
    """

    name = "huber"
    family = "huber"
    deviance_name = "Huber deviance"
    hess_bound = 1.0
    # l'' is 0 beyond epsilon: a floor of 1e-3 keeps the working response of outliers
    # (eta - l'/l'') moderate, which float32 designs need; the line search does the rest
    hess_floor = 1e-3
    smooth = False  # l'' jumps at |r| = epsilon: its quadratic models are rough there

    def __init__(self, epsilon=1.35):
        self.epsilon = epsilon

    def __repr__(self):
        return f"Huber(epsilon={self.epsilon!r})"

    def loss(self, y, eta):
        r = np.abs(y - eta)
        e = self.epsilon
        return np.where(r <= e, 0.5 * r * r, e * r - 0.5 * e * e)

    def grad(self, y, eta):
        return -np.clip(y - eta, -self.epsilon, self.epsilon)

    def hess(self, y, eta):
        return (np.abs(y - eta) <= self.epsilon).astype(np.float64)

    def conjugate(self, y, u):
        u = np.clip(u, -self.epsilon, self.epsilon)
        return u * y + 0.5 * u * u

    def tol_scale(self, y, s, offset, fit_intercept):
        """What ``tol`` is relative to: the null model's mean loss with each sample's
        loss capped at 10 times the weighted median of the samples' losses
        (``epsilon^2 / 2``, the loss at the threshold, if that median is 0), so that one
        outlier, however large, cannot loosen its own stopping rule."""
        eta = self.null_eta(y, s, offset, fit_intercept)
        loss = self.loss(y, eta)
        live = s > 0
        med = weighted_median(loss[live], s[live]) if np.any(live) else 0.0
        cap = 10.0 * med if med > 0 else 0.5 * self.epsilon ** 2
        return float(s @ np.minimum(loss, cap)) / float(s.sum())

    def intercept_start(self, y, s):
        return float(np.average(y, weights=s))

    def check_target(self, y):
        check_scalar(self.epsilon, "epsilon", low=0.0, low_open=True)
        return np.asarray(y, dtype=np.float64)
