"""Multinomial (softmax) loss over K classes.

For a linear predictor row ``eta_i`` (K values) and one-hot label ``y_i``::

    l_i(eta_i) = logsumexp(eta_i) - y_i . eta_i

Gradient ``softmax(eta_i) - y_i``; the conjugate at ``u = c (softmax(eta_i) - y_i)`` is
``sum_k q_k log q_k`` with ``q = y_i + u`` on the simplex (``0 < c <= 1``).
"""

import numpy as np
from scipy.special import xlogy

__all__ = ["Multinomial"]


class Multinomial:
    """Softmax cross-entropy ``logsumexp(eta_i) - y_i . eta_i`` for one-hot ``y`` (n x K).

    Parameters
    ----------
    grouped : bool, default=False
        With ``grouped=True`` the penalty treats each feature's K coefficients as one
        group (``a_j ||W_j||_2 + b_j/2 ||W_j||^2``, glmnet's ``type.multinomial =
        "grouped"``): a feature is selected for all classes or for none. Otherwise every
        coefficient is penalized on its own (glmnet's default, "ungrouped").

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Multinomial
    >>> Y = np.eye(3)
    >>> round(Multinomial().value(Y, np.zeros((3, 3)), np.ones(3)), 6)
    1.098612
    """

    name = "multinomial"

    def __init__(self, grouped=False):
        self.grouped = grouped

    def __repr__(self):
        return f"Multinomial(grouped={self.grouped!r})"

    @staticmethod
    def loss(Y, eta):
        # logsumexp(eta_i) - y_i . eta_i, shifted by the row maximum (plain numpy: this is
        # evaluated in every line-search step)
        m = eta.max(axis=1)
        lse = m + np.log(np.exp(eta - m[:, None]).sum(axis=1))
        return lse - np.einsum("ik,ik->i", Y, eta)

    def value(self, Y, eta, s):
        return float(s @ self.loss(Y, eta)) / float(s.sum())

    @staticmethod
    def proba(eta):
        e = np.exp(eta - eta.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    @staticmethod
    def conjugate(Y, U):
        q = np.clip(Y + U, 0.0, 1.0)
        return np.sum(xlogy(q, q), axis=1)

    @staticmethod
    def saturated(Y):
        return np.zeros(Y.shape[0])

    @staticmethod
    def intercept_only(Y, s):
        freq = np.clip(s @ Y / s.sum(), 1e-12, None)
        b = np.log(freq)
        return b - b.mean()
