"""Weighted least squares: value, gradient and the Fenchel dual used as certificate.

For residuals r = yc - Xc w (centered problem, weights s, S = sum(s))::

    F(w) = 1/(2 S) sum_i s_i r_i^2

The dual of ``min_w F(w) + g(w)`` for a separable penalty g, over residual-space
points theta, is::

    D(theta) = 1/S sum_i s_i (yc_i theta_i - theta_i^2 / 2) - sum_j g_j^*(v_j),
    v = Xc' diag(s) theta / S,

and the gap ``P(w) - D(theta)`` at ``theta = r`` (made feasible by projection onto
the unpenalized columns and scaling for pure-L1 features) is a certificate: it is >= 0
and bounds ``P(w) - P*``. D is (1/S)-strongly concave in the s-weighted norm, which
gives the gap-safe sphere ``||theta - theta*||_s <= sqrt(2 S gap)``.
"""

import numpy as np

__all__ = ["Quadratic"]


class Quadratic:
    """Squared loss ``1/(2 S) sum_i s_i (y_i - x_i w - b)^2`` (S = sum of weights).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Quadratic
    >>> Quadratic().value(np.array([1.0, -1.0]), np.ones(2))
    0.5
    """

    name = "quadratic"

    def __repr__(self):
        return "Quadratic()"

    @staticmethod
    def value(r, s):
        """Loss value at residual ``r`` with weights ``s``."""
        return float(s @ (r * r)) / (2.0 * float(s.sum()))

    @staticmethod
    def gradient(design, r):
        """Gradient of the loss with respect to w: ``-Xc' diag(s) r / S``."""
        return -design.rmatvec(design.s * r) / design.S


class DualProjector:
    """Projects residual-space points onto {theta : A' diag(s) theta = 0, 1' diag(s) theta = 0}.

    A holds some unpenalized columns (centered when there is an intercept); the
    weighted pseudo-inverse is cached per set of columns, so repeated calls with the
    same set cost one n x k product.
    """

    def __init__(self, design):
        self.design = design
        self._key = None
        self._A = self._pinv = None

    def __call__(self, theta, cols=()):
        d = self.design
        if d.center:
            theta = theta - float(d.s @ theta) / d.S
        cols = np.asarray(cols, dtype=np.int64)
        if cols.size == 0:
            return theta
        key = cols.tobytes()
        if key != self._key:
            A = d.columns(cols)
            sq = np.sqrt(d.s)
            self._A = A
            self._pinv = np.linalg.pinv(A * sq[:, None], rcond=1e-10) * sq[None, :]
            self._key = key
        return theta - self._A @ (self._pinv @ theta)


def _projected_columns(pen, w, v):
    """Unpenalized features whose dual constraint must hold with equality (v_j = 0).

    Those strictly inside their bounds, and those at a bound whose gradient pushes
    towards an infinite side (the conjugate would be infinite otherwise). Unpenalized
    features resting on a finite bound keep their one-sided constraint.
    """
    free = pen.unpenalized
    if free.size == 0:
        return free
    wf, vf, lo, up = w[free], v[free], pen.lo[free], pen.up[free]
    at_bound = (wf == lo) | (wf == up)
    pushes_out = (np.isinf(up) & (vf > 0)) | (np.isinf(lo) & (vf < 0))
    return free[~at_bound | pushes_out]


def duality_gap(design, yc, w, r, v, pen, projector):
    """Return (gap, primal, dual, theta, v_theta) for the weighted quadratic problem.

    ``v`` must be ``Xc' diag(s) r / S`` for the current residual ``r``.
    """
    s, S = design.s, design.S
    primal = float(s @ (r * r)) / (2.0 * S) + pen.value(w)
    cols = _projected_columns(pen, w, v)
    theta = projector(r, cols)
    if cols.size:
        v = design.rmatvec(s * theta) / S
        v[cols] = 0.0
    c = pen.dual_scaling(v)
    if c != 1.0:
        theta = theta * c
        v = v * c
    v = pen.clamp_dual(v)
    dual = float(s @ (yc * theta - 0.5 * theta * theta)) / S - pen.conjugate(v)
    return primal - dual, primal, dual, theta, v
