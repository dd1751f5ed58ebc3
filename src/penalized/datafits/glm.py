"""Per-sample GLM losses: logistic, Poisson and Huber.

Each loss is a function ``l_i(eta)`` of the linear predictor ``eta_i = x_i.w + b``
(plus an optional offset); the datafit is ``1/S sum_i s_i l_i(eta_i)``. Each class gives
the value, first and second derivatives in ``eta`` (used by the prox-Newton solver), the
convex conjugate ``l_i^*`` (for the duality-gap certificate: the dual point
``u_i = c l_i'(eta_i)`` with ``0 < c <= 1`` is always in the conjugate's domain), the
intercept-only optimum and the loss of the saturated model (the scale of ``tol``).
"""

import numpy as np
from scipy.special import expit, log_expit, xlogy

__all__ = ["Huber", "Logistic", "Poisson"]


class _GLMLoss:
    """Shared helpers; subclasses define the per-sample pieces."""

    name = ""

    def __repr__(self):
        return f"{type(self).__name__}()"

    def value(self, y, eta, s):
        """Weighted mean loss ``1/S sum_i s_i l_i(eta_i)``."""
        return float(s @ self.loss(y, eta)) / float(s.sum())

    def intercept_only(self, y, s):
        """The eta of the best constant model (used to initialize the intercept)."""
        return float(self.link(np.average(y, weights=s)))


class Logistic(_GLMLoss):
    """Binary logistic loss for y in {0, 1}: ``l(eta) = log(1 + exp(eta)) - y eta``.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Logistic
    >>> round(Logistic().value(np.array([0.0, 1.0]), np.zeros(2), np.ones(2)), 6)
    0.693147
    """

    name = "logistic"
    hess_bound = 0.25

    @staticmethod
    def loss(y, eta):
        return -log_expit(eta) + (1.0 - y) * eta

    @staticmethod
    def grad(y, eta):
        return expit(eta) - y

    @staticmethod
    def hess(y, eta):
        p = expit(eta)
        return p * (1.0 - p)

    @staticmethod
    def conjugate(y, u):
        # l*(u) = q log q + (1 - q) log(1 - q), q = u + y in [0, 1]
        q = np.clip(u + y, 0.0, 1.0)
        return xlogy(q, q) + xlogy(1.0 - q, 1.0 - q)

    @staticmethod
    def saturated(y):
        return np.zeros_like(y)

    @staticmethod
    def link(mu):
        mu = min(max(mu, 1e-12), 1 - 1e-12)
        return np.log(mu / (1.0 - mu))


class Poisson(_GLMLoss):
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
    def conjugate(y, u):
        q = np.maximum(u + y, 0.0)
        return xlogy(q, q) - q

    @staticmethod
    def saturated(y):
        return y - xlogy(y, y)

    @staticmethod
    def link(mu):
        return np.log(max(mu, 1e-12))


class Huber(_GLMLoss):
    """Huber loss of the residual ``r = y - eta`` with a fixed threshold ``epsilon``.

    ``l = r^2 / 2`` if ``|r| <= epsilon`` else ``epsilon |r| - epsilon^2 / 2``. Unlike
    scikit-learn's ``HuberRegressor``, no scale is estimated: ``epsilon`` is in the
    units of y (as in skglm).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Huber
    >>> Huber(1.0).loss(np.array([0.0, 3.0]), np.zeros(2))
    array([0. , 2.5])
    """

    name = "huber"
    hess_bound = 1.0
    # l'' is 0 beyond epsilon: a floor of 1e-3 keeps the working response of outliers
    # (eta - l'/l'') moderate, which float32 designs need; the line search does the rest
    hess_floor = 1e-3

    def __init__(self, epsilon=1.35):
        self.epsilon = epsilon

    def __repr__(self):
        return f"Huber(epsilon={self.epsilon!r})"

    def loss(self, y, eta):
        r = np.abs(y - eta)
        e = self.epsilon
        return np.where(r <= e, 0.5 * r * r, e * r - 0.5 * e * e)

    def grad(self, y, eta):
        return -np.clip(y - eta, -self.epsilon, self.epsilon)

    def hess(self, y, eta):
        return (np.abs(y - eta) <= self.epsilon).astype(np.float64)

    def conjugate(self, y, u):
        u = np.clip(u, -self.epsilon, self.epsilon)
        return u * y + 0.5 * u * u

    @staticmethod
    def saturated(y):
        return np.zeros_like(y)

    def intercept_only(self, y, s):
        return float(np.average(y, weights=s))

    @staticmethod
    def link(mu):
        return mu
