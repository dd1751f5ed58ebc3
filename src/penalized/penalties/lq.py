"""The Lq quasi-norm penalty, ``0 < q < 1`` (bridge regression).

Per coordinate, with ``t = |w|`` and level ``lam = alpha * pf``::

    P(t) = lam t^q,      P'(t) = lam q t^(q - 1)   (infinite at 0).

Every zero is a critical point (the derivative is infinite there), so reweighted L1
starts from the lasso at the same alpha and then reweights with ``P'(|w_j|)``: a
coefficient that reaches zero stays there (:mod:`penalized.solvers.reweighted`). The
alpha grid of a path is the lasso's.
"""

import numpy as np

from .._jit import njit
from ._fastmath import FASTMATH as _FM
from ._fastmath import INTERNAL
from ._spec import ConcaveSpec

__all__ = ["Lq"]

KIND = 3


@njit(cache=True, fastmath=_FM, **INTERNAL)
def lq_value(t, lam, q):
    """``P(t)`` for ``t >= 0``."""
    return lam * t ** q


@njit(cache=True, fastmath=_FM, **INTERNAL)
def lq_deriv(t, lam, q):
    """``P'(t)`` for ``t >= 0`` (infinite at 0)."""
    if t <= 0.0:
        return np.inf
    return lam * q * t ** (q - 1.0)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def lq_half(z, L, lam, s, q, bound):
    """The minimizer over ``0 <= y <= bound`` of ``phi(y) = L/2 y^2 - z y + lam (s y)^q``.

    ``phi'(y) = L y - z + c y^(q-1)`` (``c = lam q s^q``) is convex in y with its minimum
    at ``ym = (c (1 - q) / L)^(1 / (2 - q))``: when ``phi'(ym) < 0`` the local minimum of
    phi is the root of ``phi'`` above ``ym`` (Newton from the right converges
    monotonically); the answer is the better of it (clipped) and 0."""
    if z <= 0.0:
        return 0.0
    c = lam * q * s ** q
    ym = (c * (1.0 - q) / L) ** (1.0 / (2.0 - q))
    if L * ym - z + c * ym ** (q - 1.0) >= 0.0:
        return 0.0
    y = max(z / L, ym)  # phi'(z / L) >= 0: start right of the root
    for _ in range(100):
        g = L * y - z + c * y ** (q - 1.0)
        h = L - c * (1.0 - q) * y ** (q - 2.0)
        step = g / h
        y_new = max(y - step, ym)
        if abs(y_new - y) <= 1e-15 * y:
            y = y_new
            break
        y = y_new
    y = min(y, bound)
    f = 0.5 * L * y * y - z * y + lam * (s * y) ** q
    return y if f < 0.0 else 0.0


class Lq(ConcaveSpec):
    """Lq penalty ``alpha * sum_j pf_j |w_j|^q`` with ``0 < q < 1``.

    Closer to the number of nonzeros than the lasso as ``q -> 0``. Solved by reweighted
    L1 from the lasso solution at the same alpha (see :mod:`penalized.penalties.lq`).

    Parameters
    ----------
    q : float, default=0.5
        Exponent, in the open interval (0, 1).
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
    >>> from penalized.penalties import Lq
    >>> Lq(q=0.5, alpha=1.0).arrays(2).value(np.array([4.0, -9.0]))
    5.0
    """

    _shape = ("q", KIND, 0.0, 1.0)

    def __init__(self, q=0.5, *, alpha=1.0, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False):
        self.q = q
        self._set_options(alpha, penalty_factor, lower_bounds, upper_bounds, positive)
