"""Squared loss: ``l(y, eta) = (y - eta)^2 / 2``.

Its quadratic model is itself, so the least-squares engines solve it directly (no
prox-Newton); the certificate is the duality gap of :mod:`penalized.solvers.certificate`
(with the dual point ``theta = y - eta`` made feasible there).
"""

import numpy as np

from .base import Datafit

__all__ = ["Quadratic"]


class Quadratic(Datafit):
    """Squared loss ``1/(2 S) sum_i s_i (y_i - eta_i)^2`` (S = sum of weights).

    ``tol`` is relative to ``sum_i s_i (y_i - ybar)^2 / S`` (twice the null model's
    loss): scikit-learn's scaling of the Lasso's stopping rule.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Quadratic
    >>> Quadratic().value(np.array([1.0, -1.0]), np.zeros(2), np.ones(2))
    0.5
    """

    name = "quadratic"
    family = "gaussian"
    quadratic = True
    hess_bound = 1.0
    deviance_name = "Mean squared error"

    @staticmethod
    def loss(y, eta):
        r = y - eta
        return 0.5 * r * r

    @staticmethod
    def grad(y, eta):
        return eta - y

    @staticmethod
    def hess(y, eta):
        return np.ones_like(eta)

    @staticmethod
    def conjugate(y, u):
        # sup_t u t - (y - t)^2 / 2 = u y + u^2 / 2
        return u * y + 0.5 * u * u

    def optimize_intercept(self, y, eta, s):
        return float(s @ (y - eta)) / float(s.sum())

    def tol_scale(self, y, s, offset, fit_intercept):
        return 2.0 * super().tol_scale(y, s, offset, fit_intercept)
