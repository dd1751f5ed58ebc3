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
    """Projects residual-space points onto {theta : A' diag(s) theta = 0}.

    A holds the unpenalized columns (centered when there is an intercept). Built
    once per solve; an empty A makes it the identity (apart from centering).
    """

    def __init__(self, design, unpenalized):
        self.design = design
        self.cols = unpenalized
        if unpenalized.size:
            A = design.columns(unpenalized)
            sq = np.sqrt(design.s)
            self.A = A
            self.pinv = np.linalg.pinv(A * sq[:, None], rcond=1e-10) * sq[None, :]
        else:
            self.A = None

    def __call__(self, theta):
        d = self.design
        changed = False
        if d.center:
            theta = theta - float(d.s @ theta) / d.S
        if self.A is not None:
            theta = theta - self.A @ (self.pinv @ theta)
            changed = True
        return theta, changed


def duality_gap(design, yc, w, r, v, pen, projector):
    """Return (gap, primal, dual, theta, v_theta) for the weighted quadratic problem.

    ``v`` must be ``Xc' diag(s) r / S`` for the current residual ``r``.
    """
    s, S = design.s, design.S
    primal = float(s @ (r * r)) / (2.0 * S) + pen.value(w)
    theta, changed = projector(r)
    if changed:
        v = design.rmatvec(s * theta) / S
        v[projector.cols] = 0.0
    c = pen.dual_scaling(v)
    if c != 1.0:
        theta = theta * c
        v = v * c
    v = pen.clamp_dual(v)
    dual = float(s @ (yc * theta - 0.5 * theta * theta)) / S - pen.conjugate(v)
    return primal - dual, primal, dual, theta, v
