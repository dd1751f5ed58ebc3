"""A numba helper of the concave penalties' coordinate updates: the minimum of a quadratic
on an interval of the half-line (one piece of a piecewise-quadratic penalty)."""

import numpy as np

from .._jit import njit
from ._fastmath import FASTMATH as _FM
from ._fastmath import INTERNAL


@njit(cache=True, fastmath=_FM, **INTERNAL)
def piece_min(z, L, s, c0, c1, c2, t0, t1, bound):
    """``(y, f)``: the minimum ``f`` over ``y`` in ``[t0 / s, t1 / s] & [0, bound]`` of
    ``L/2 y^2 - z y + c0 + c1 (s y) + c2 (s y)^2 / 2`` (the piece ``[t0, t1]`` of a
    penalty ``P(t) = c0 + c1 t + c2 t^2 / 2`` at ``t = s y``); ``f = inf`` when the
    interval is empty."""
    ya = t0 / s
    yb = min(t1 / s, bound)
    if not ya <= yb:
        return 0.0, np.inf
    A = L + c2 * s * s
    B = c1 * s - z
    if A > 0.0:
        y = min(max(-B / A, ya), yb)
    else:  # a concave piece: the better end
        fa = 0.5 * A * ya * ya + B * ya
        fb = 0.5 * A * yb * yb + B * yb if np.isfinite(yb) else -np.inf
        y = ya if fa <= fb else yb
    if not np.isfinite(y):
        return y, -np.inf
    return y, 0.5 * A * y * y + B * y + c0
