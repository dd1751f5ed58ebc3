"""Gamma loss with log link: ``l(y, eta) = y exp(-eta) + eta`` (y > 0)."""

import numpy as np

from .base import Datafit

__all__ = ["Gamma"]


def check_positive(y, who):
    """y as float64 if every value is finite and > 0, else a ``ValueError`` naming it."""
    y = np.asarray(y, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"y must be finite for {who}.")
    if np.any(y <= 0):
        raise ValueError(f"Some value(s) of y are not positive: {who} needs y > 0 "
                         f"(min y = {float(np.min(y))!r}).")
    return y


class Gamma(Datafit):
    """Gamma loss with log link: ``l(eta) = y exp(-eta) + eta`` (y > 0).

    Half the Gamma deviance up to a constant in eta: ``l - l_sat`` with
    ``l_sat = 1 + log y`` is ``log(mu / y) + y / mu - 1``, ``mu = exp(eta)`` (glmnet's
    ``family=Gamma(link="log")``, scikit-learn's ``HalfGammaLoss``, glum's
    ``GammaDistribution`` with log link).

    The conjugate is closed form: with ``q = 1 - u``, ``l*(u) = q (log(q / y) - 1)`` for
    ``q >= 0`` (+inf for ``q < 0``); the dual point ``u = c l'(eta)`` has
    ``q = 1 - c + c y / mu > 0`` for every ``0 < c <= 1``, so the duality gap is always
    finite.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Gamma
    >>> round(Gamma().value(np.array([1.0, 2.0]), np.zeros(2), np.ones(2)), 6)
    1.5
    """

    name = "gamma"
    family = "Gamma"
    deviance_name = "Gamma deviance"

    @staticmethod
    def loss(y, eta):
        return y * np.exp(-eta) + eta

    @staticmethod
    def grad(y, eta):
        return 1.0 - y * np.exp(-eta)

    @staticmethod
    def hess(y, eta):
        return y * np.exp(-eta)

    @staticmethod
    def derivatives(y, eta):
        t = y * np.exp(-eta)
        return 1.0 - t, t

    @staticmethod
    def conjugate(y, u):
        q = 1.0 - np.asarray(u, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(q > 0, q * (np.log(q / y) - 1.0), 0.0)
        return np.where(q < 0, np.inf, out)

    @staticmethod
    def saturated(y):
        return 1.0 + np.log(y)

    @staticmethod
    def link(mean):
        return np.log(max(float(mean), 1e-300))

    @staticmethod
    def inverse_link(eta):
        return np.exp(eta)

    def check_target(self, y):
        return check_positive(y, "the Gamma datafit")
