"""Binomial loss for proportions: the logistic loss with y in [0, 1].

``l(y, eta) = log(1 + exp(eta)) - y eta`` with y the proportion of successes of a row
and its number of trials in the sample weight: the weighted mean over rows equals the
mean logistic loss over the expanded 0/1 trials (glmnet's ``family="binomial"`` with a
two-column count y, or proportions with the trials as weights).
"""

import numpy as np
from scipy.special import xlogy

from .logistic import Logistic

__all__ = ["Binomial"]


class Binomial(Logistic):
    """Logistic loss for proportions y in [0, 1]: ``l(eta) = log(1 + exp(eta)) - y eta``.

    The saturated loss is the entropy ``-(y log y + (1 - y) log(1 - y))`` (0 for 0/1 y),
    so the deviance is the binomial deviance of the proportions. Formulas, conjugate and
    kernels are those of :class:`~penalized.datafits.Logistic`.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Binomial
    >>> round(float(Binomial().deviance(np.array([0.5]), np.zeros(1))[0]), 12)
    0.0
    """

    name = "binomial"
    scorings = ("deviance", "mse", "mae")

    @staticmethod
    def saturated(y):
        y = np.asarray(y, dtype=np.float64)
        return -(xlogy(y, y) + xlogy(1.0 - y, 1.0 - y))

    def check_target(self, y):
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("y must be finite for the Binomial datafit.")
        if np.any(y < 0) or np.any(y > 1):
            raise ValueError("Some proportion(s) in y are outside [0, 1]: the Binomial "
                             f"datafit needs 0 <= y <= 1 (got min {float(np.min(y))!r}, "
                             f"max {float(np.max(y))!r}).")
        return y
