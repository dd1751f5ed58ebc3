"""The minimax concave penalty (MCP, Zhang 2010).

Per coordinate, with ``t = |w|`` and level ``lam = alpha * pf``::

    P(t) = lam t - t^2 / (2 gamma)     for t <= gamma lam,
           gamma lam^2 / 2             beyond (constant: large coefficients are not shrunk).

Its derivative ``max(lam - t / gamma, 0)`` starts at the lasso's ``lam`` and falls to 0
at ``gamma lam``. The coordinate update is closed-form (firm thresholding; the pieces
below, minimized by :func:`penalized.penalties.concave.prox1d`).
"""

import numpy as np

from .._jit import njit
from ._fastmath import FASTMATH as _FM
from ._fastmath import INTERNAL
from ._halfline import piece_min
from ._spec import ConcaveSpec

__all__ = ["MCP"]

KIND = 0


@njit(cache=True, fastmath=_FM)
def mcp_value(t, lam, gamma):
    """``P(t)`` for ``t >= 0``."""
    if t <= gamma * lam:
        return lam * t - 0.5 * t * t / gamma
    return 0.5 * gamma * lam * lam


@njit(cache=True, fastmath=_FM)
def mcp_deriv(t, lam, gamma):
    """``P'(t)`` for ``t >= 0`` (the right derivative ``lam`` at 0)."""
    return max(lam - t / gamma, 0.0)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def mcp_half(z, L, lam, s, gamma, bound):
    """The minimizer over ``0 <= y <= bound`` of ``L/2 y^2 - z y + P(s y)``: the best of
    0 and the two pieces ``P(t) = lam t - t^2 / (2 gamma)`` on ``[0, gamma lam]`` and
    ``gamma lam^2 / 2`` beyond."""
    y0, f0 = piece_min(z, L, s, 0.0, lam, -1.0 / gamma, 0.0, gamma * lam, bound)
    y1, f1 = piece_min(z, L, s, 0.5 * gamma * lam * lam, 0.0, 0.0, gamma * lam, np.inf,
                       bound)
    best, fb = 0.0, 0.0
    if f0 < fb:
        best, fb = y0, f0
    if f1 < fb:
        best = y1
    return best


class MCP(ConcaveSpec):
    """Minimax concave penalty ``sum_j P_{alpha pf_j, gamma}(|w_j|)``.

    ``P_{lam, gamma}(t) = lam t - t^2 / (2 gamma)`` for ``t <= gamma lam`` and
    ``gamma lam^2 / 2`` beyond: the lasso near zero, no shrinkage of coefficients above
    ``gamma lam``. ``gamma -> inf`` gives the lasso; least-squares problems with
    ``gamma`` times the smallest eigenvalue of ``X'X / n`` above 1 are strictly convex.

    Parameters
    ----------
    gamma : float, default=3.0
        Concavity (> 1); smaller is closer to hard thresholding.
    alpha : float, default=1.0
        Strength (>= 0); an estimator given this penalty sets it from its own ``alpha``.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature multiplying ``alpha`` (ncvreg's
        ``penalty.factor``); 0 leaves a feature unpenalized.
    lower_bounds, upper_bounds : float or array-like, default=None
        Box constraints with ``lower <= 0 <= upper``; None means unbounded.
    positive : bool, default=False
        Shortcut for ``lower_bounds=0``.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.penalties import MCP
    >>> pen = MCP(gamma=2.0, alpha=1.0).arrays(3)
    >>> pen.value(np.array([0.5, -1.0, 4.0]))  # 0.4375 + 0.75 + 1.0
    2.1875
    """

    _shape = ("gamma", KIND, 1.0, None)

    def __init__(self, gamma=3.0, *, alpha=1.0, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False):
        self.gamma = gamma
        self._set_options(alpha, penalty_factor, lower_bounds, upper_bounds, positive)
