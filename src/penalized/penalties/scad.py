"""The smoothly clipped absolute deviation penalty (SCAD, Fan and Li 2001).

Per coordinate, with ``t = |w|`` and level ``lam = alpha * pf``::

    P(t) = lam t                                          for t <= lam,
           (2 gamma lam t - t^2 - lam^2) / (2 (gamma - 1))  for lam < t <= gamma lam,
           lam^2 (gamma + 1) / 2                           beyond.

Its derivative is the lasso's ``lam`` up to ``lam``, falls linearly to 0 at ``gamma lam``.
"""

import numpy as np

from .._jit import njit
from ._fastmath import FASTMATH as _FM
from ._fastmath import INTERNAL
from ._halfline import piece_min
from ._spec import ConcaveSpec

__all__ = ["SCAD"]

KIND = 1


@njit(cache=True, fastmath=_FM)
def scad_value(t, lam, gamma):
    """``P(t)`` for ``t >= 0``."""
    if t <= lam:
        return lam * t
    if t <= gamma * lam:
        return (2.0 * gamma * lam * t - t * t - lam * lam) / (2.0 * (gamma - 1.0))
    return 0.5 * lam * lam * (gamma + 1.0)


@njit(cache=True, fastmath=_FM)
def scad_deriv(t, lam, gamma):
    """``P'(t)`` for ``t >= 0`` (``lam`` at 0)."""
    if t <= lam:
        return lam
    return max(gamma * lam - t, 0.0) / (gamma - 1.0)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def scad_half(z, L, lam, s, gamma, bound):
    """The minimizer over ``0 <= y <= bound`` of ``L/2 y^2 - z y + P(s y)``: the best of
    0 and the three pieces of ``P``."""
    g1 = gamma - 1.0
    y0, f0 = piece_min(z, L, s, 0.0, lam, 0.0, 0.0, lam, bound)
    y1, f1 = piece_min(z, L, s, -0.5 * lam * lam / g1, gamma * lam / g1, -1.0 / g1, lam,
                       gamma * lam, bound)
    y2, f2 = piece_min(z, L, s, 0.5 * lam * lam * (gamma + 1.0), 0.0, 0.0, gamma * lam,
                       np.inf, bound)
    best, fb = 0.0, 0.0
    if f0 < fb:
        best, fb = y0, f0
    if f1 < fb:
        best, fb = y1, f1
    if f2 < fb:
        best = y2
    return best


class SCAD(ConcaveSpec):
    """Smoothly clipped absolute deviation penalty ``sum_j P_{alpha pf_j, gamma}(|w_j|)``.

    ``P`` is the lasso's ``lam t`` up to ``lam``, a concave quadratic up to ``gamma lam``
    and the constant ``lam^2 (gamma + 1) / 2`` beyond.

    Parameters
    ----------
    gamma : float, default=3.7
        Concavity (> 2); 3.7 is Fan and Li's choice.
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
    >>> from penalized.penalties import SCAD
    >>> pen = SCAD(gamma=3.0, alpha=1.0).arrays(3)
    >>> pen.value(np.array([0.5, 2.0, 5.0]))  # 0.5 + 1.75 + 2.0
    4.25
    """

    _shape = ("gamma", KIND, 2.0, None)

    def __init__(self, gamma=3.7, *, alpha=1.0, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False):
        self.gamma = gamma
        self._set_options(alpha, penalty_factor, lower_bounds, upper_bounds, positive)
