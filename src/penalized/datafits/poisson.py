"""Poisson loss with log link: ``l(y, eta) = exp(eta) - y eta`` (y >= 0)."""

import numpy as np
from scipy.special import xlogy

from .base import Datafit

__all__ = ["Poisson"]


class Poisson(Datafit):
    """Poisson loss with log link: ``l(eta) = exp(eta) - y eta`` (y >= 0).

    Equals half the Poisson deviance up to a constant in eta.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Poisson
    >>> Poisson().value(np.array([1.0]), np.zeros(1), np.ones(1))
    1.0
    """

    name = "poisson"
    family = "poisson"
    deviance_name = "Poisson deviance"

    @staticmethod
    def loss(y, eta):
        return np.exp(eta) - y * eta

    @staticmethod
    def grad(y, eta):
        return np.exp(eta) - y

    @staticmethod
    def hess(y, eta):
        return np.exp(eta)

    @staticmethod
    def derivatives(y, eta):
        mu = np.exp(eta)
        return mu - y, mu

    @staticmethod
    def conjugate(y, u):
        q = np.maximum(u + y, 0.0)
        return xlogy(q, q) - q

    @staticmethod
    def saturated(y):
        return y - xlogy(y, y)

    @staticmethod
    def link(mean):
        return np.log(max(float(mean), 1e-12))

    @staticmethod
    def inverse_link(eta):
        return np.exp(eta)

    def check_target(self, y):
        y = np.asarray(y, dtype=np.float64)
        if np.any(y < 0):
            raise ValueError("Some value(s) of y are negative: y must be non-negative for "
                             "the Poisson datafit.")
        if not np.any(y > 0):
            raise ValueError("All values of y are zero: y must have a positive value for the "
                             "Poisson datafit (all-zero counts have no finite "
                             "maximum-likelihood fit).")
        return y
