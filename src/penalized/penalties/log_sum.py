"""The log-sum penalty (Candes, Wakin and Boyd 2008).

Per coordinate, with ``t = |w|`` and level ``lam = alpha * pf``::

    P(t) = lam log(1 + t / eps),      P'(t) = lam / (eps + t).

Solved by reweighted L1 (majorize-minimize): each step is a weighted lasso on the core
engine with the weights ``P'(|w_j|)`` of the current iterate
(:mod:`penalized.solvers.reweighted`). Its derivative at 0 is ``lam / eps``: the alpha
that zeroes every coefficient is the lasso's times ``eps``.
"""

import numpy as np

from .._jit import njit
from ._fastmath import FASTMATH as _FM
from ._fastmath import INTERNAL
from ._spec import ConcaveSpec

__all__ = ["LogSum"]

KIND = 2


@njit(cache=True, fastmath=_FM, **INTERNAL)
def log_sum_value(t, lam, eps):
    """``P(t)`` for ``t >= 0``."""
    return lam * np.log1p(t / eps)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def log_sum_deriv(t, lam, eps):
    """``P'(t)`` for ``t >= 0``."""
    return lam / (eps + t)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def log_sum_half(z, L, lam, s, eps, bound):
    """The minimizer over ``0 <= y <= bound`` of ``phi(y) = L/2 y^2 - z y + P(s y)``.

    ``phi'(y) (eps + s y) = (L y - z)(eps + s y) + lam s`` is an upward parabola in y:
    phi decreases between its roots, so the only interior local minimum is the larger
    root; the answer is the better of it (clipped to the bound) and 0."""
    A = L * s
    B = L * eps - z * s
    C = lam * s - z * eps
    disc = B * B - 4.0 * A * C
    if disc < 0.0:
        return 0.0
    root = (-B + np.sqrt(disc)) / (2.0 * A)
    if root <= 0.0:
        return 0.0
    y = min(root, bound)
    f = 0.5 * L * y * y - z * y + lam * np.log1p(s * y / eps)
    return y if f < 0.0 else 0.0


class LogSum(ConcaveSpec):
    """Log-sum penalty ``alpha * sum_j pf_j log(1 + |w_j| / eps)``.

    A concave approximation of the number of nonzeros, solved by reweighted L1
    (majorize-minimize): every step is a warm-started weighted lasso (or weighted
    L1-GLM) on the core engine, which lowers the objective at every step and stops at
    a critical point.

    Parameters
    ----------
    eps : float, default=0.1
        Smoothing (> 0): below about ``eps`` the penalty is close to the lasso's
        ``|w| / eps``, above it grows like a logarithm.
    alpha : float, default=1.0
        Strength (>= 0); an estimator given this penalty sets it from its own ``alpha``.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature multiplying ``alpha``; 0 leaves a feature
        unpenalized.
    lower_bounds, upper_bounds : float or array-like, default=None
        Box constraints with ``lower <= 0 <= upper``; None means unbounded.
    positive : bool, default=False
        Shortcut for ``lower_bounds=0``.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.penalties import LogSum
    >>> pen = LogSum(eps=1.0, alpha=2.0).arrays(2)
    >>> round(pen.value(np.array([0.0, np.e - 1.0])), 12)
    2.0
    """

    _shape = ("eps", KIND, 0.0, None)

    def __init__(self, eps=0.1, *, alpha=1.0, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False):
        self.eps = eps
        self._set_options(alpha, penalty_factor, lower_bounds, upper_bounds, positive)
