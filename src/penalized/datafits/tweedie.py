"""Tweedie loss with log link, power <= 0 or >= 1.

``mu = exp(eta)``; for a power ``p`` other than 1 and 2::

    l(y, eta) = -y mu^(1 - p) / (1 - p) + mu^(2 - p) / (2 - p),

``p = 1`` is the Poisson loss ``mu - y eta`` and ``p = 2`` the Gamma loss
``y / mu + eta``. ``l - l_sat`` is half the Tweedie unit deviance (scikit-learn's
``HalfTweedieLoss``, glum's ``TweedieDistribution`` with log link).

For ``1 <= p <= 2`` the loss is convex in eta and the fit is certified by a duality gap
(the conjugate, closed form for p = 1 and 2, is solved per sample from eta by
safeguarded Halley iterations for 1 < p < 2). For p <= 0 and p > 2 the log link makes the
loss non-convex: the Newton models use the Fisher information ``mu^(2 - p)`` (positive)
and the solvers stop on the critical-point criterion.
"""

import numpy as np
from scipy.special import xlogy

from .base import Datafit
from .gamma import Gamma, check_positive
from .poisson import Poisson

__all__ = ["Tweedie"]


class Tweedie(Datafit):
    """Tweedie loss with log link: ``l(eta) = -y mu^(1-p)/(1-p) + mu^(2-p)/(2-p)``.

    Parameters
    ----------
    power : float
        0 (normal distribution; with the log link), 1 (Poisson), between 1 and 2
        (compound Poisson-Gamma), 2 (Gamma), above 2 (e.g. 3, inverse Gaussian), below 0
        (extreme stable, y real). Powers strictly between 0 and 1 have no distribution
        and raise ``ValueError`` (scikit-learn's domain).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Tweedie
    >>> round(Tweedie(1.5).value(np.array([1.0]), np.zeros(1), np.ones(1)), 6)
    4.0
    """

    name = "tweedie"
    family = "tweedie"

    def __init__(self, power):
        if isinstance(power, (bool, np.bool_)):
            raise TypeError(f"The 'power' parameter must be a real number, got {power!r}.")
        p = float(power)
        if not np.isfinite(p) or (0.0 < p < 1.0):
            raise ValueError(f"The 'power' parameter must be <= 0 or >= 1 (there is no "
                             f"Tweedie distribution with power in (0, 1)), got {power!r}.")
        self.power = p
        self.convex = 1.0 <= p <= 2.0
        self.deviance_name = f"Tweedie deviance (power {p:g})"

    def __repr__(self):
        return f"Tweedie(power={self.power!r})"

    # ----------------------------------------------------------------- per sample
    def loss(self, y, eta):
        p = self.power
        if p == 1.0:
            return Poisson.loss(y, eta)
        if p == 2.0:
            return Gamma.loss(y, eta)
        return (-y * np.exp((1.0 - p) * eta) / (1.0 - p)
                + np.exp((2.0 - p) * eta) / (2.0 - p))

    def derivatives(self, y, eta):
        """``(l', h)``: ``h`` is ``l''`` where the loss is convex, else the Fisher
        information ``mu^(2 - p)`` (the expected ``l''``, always positive)."""
        p = self.power
        a = np.exp((1.0 - p) * eta)  # mu^(1-p)
        b = a * np.exp(eta)  # mu^(2-p)
        g = b - y * a
        if self.convex:
            return g, (2.0 - p) * b - (1.0 - p) * y * a
        return g, b

    def grad(self, y, eta):
        return self.derivatives(y, eta)[0]

    def hess(self, y, eta):
        return self.derivatives(y, eta)[1]

    def conjugate(self, y, u):
        p = self.power
        if p == 1.0:
            return Poisson.conjugate(y, u)
        if p == 2.0:
            return Gamma.conjugate(y, u)
        if not self.convex:
            raise NotImplementedError(f"Tweedie(power={p:g}) is not convex: no conjugate.")
        y, u = np.broadcast_arrays(np.asarray(y, dtype=np.float64),
                                   np.asarray(u, dtype=np.float64))
        return self._conjugate_from(y, u, np.zeros(u.shape))

    def conjugate_at(self, y, eta, g, c):
        p = self.power
        if p in (1.0, 2.0) or not self.convex:
            return self.conjugate(y, c * g)
        y, eta, g = np.broadcast_arrays(np.asarray(y, dtype=np.float64),
                                        np.asarray(eta, dtype=np.float64), g)
        return self._conjugate_from(y, c * g, eta)

    def _conjugate_from(self, y, u, t0):
        """``l*(u) = u t - l(t)`` with ``l'(t) = u``, 1 < p < 2, per sample by
        :func:`~penalized.datafits._tweedie_conjugate.tweedie_conjugate` (safeguarded
        Halley iterations in ``t`` from ``t0``). For y = 0, ``u <= 0`` is the edge of the
        domain: ``l*(0) = 0``, +inf below."""
        from ._tweedie_conjugate import tweedie_conjugate

        def flat(a):
            return np.ascontiguousarray(np.ravel(a), dtype=np.float64)

        out = tweedie_conjugate(flat(y), flat(u), flat(t0), float(self.power))
        return out.reshape(np.shape(u))

    def saturated(self, y):
        p = self.power
        if p == 1.0:
            return Poisson.saturated(y)
        if p == 2.0:
            return Gamma.saturated(y)
        y = np.maximum(np.asarray(y, dtype=np.float64), 0.0)
        return -(y ** (2.0 - p)) / ((1.0 - p) * (2.0 - p))

    def deviance(self, y, eta):
        if self.power == 1.0:
            # Poisson: 2 (y log(y / mu) - y + mu), without the cancellation of l - l_sat
            mu = np.exp(eta)
            return 2.0 * (xlogy(y, y) - xlogy(y, mu) - y + mu)
        return super().deviance(y, eta)

    @staticmethod
    def link(mean):
        return np.log(max(float(mean), 1e-300))

    @staticmethod
    def inverse_link(eta):
        return np.exp(eta)

    def check_target(self, y):
        p = self.power
        who = f"Tweedie(power={p:g})"
        if p >= 2.0:
            return check_positive(y, who)
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError(f"y must be finite for {who}.")
        if p >= 1.0 and np.any(y < 0):
            raise ValueError(f"Some value(s) of y are negative: {who} needs y >= 0.")
        if not np.any(y > 0):
            raise ValueError(f"y must have a positive value for {who} with the log link "
                             "(the maximum-likelihood intercept would be -inf).")
        return y
