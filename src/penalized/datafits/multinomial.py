"""Multinomial (softmax) loss over K classes.

For a linear predictor row ``eta_i`` (K values) and one-hot label ``y_i``::

    l_i(eta_i) = logsumexp(eta_i) - y_i . eta_i

Gradient ``softmax(eta_i) - y_i``; the conjugate at ``u = c (softmax(eta_i) - y_i)`` is
``sum_k q_k log q_k`` with ``q = y_i + u`` on the simplex (``0 < c <= 1``). Rows of ``y``
and ``eta`` are samples; the intercepts are a K-vector (centered: the softmax is invariant
to a common shift).
"""

import numpy as np
from scipy.special import xlogy

from .base import Datafit

__all__ = ["Multinomial"]


class Multinomial(Datafit):
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
    family = "multinomial"
    multi_output = True
    hess_bound = 0.5
    scorings = ("deviance", "mse", "mae", "accuracy")
    deviance_name = "Multinomial deviance"

    def __init__(self, grouped=False):
        self.grouped = grouped  # (overrides Datafit.grouped)

    def __repr__(self):
        return f"Multinomial(grouped={self.grouped!r})"

    @staticmethod
    def loss(Y, eta):
        # logsumexp(eta_i) - y_i . eta_i, shifted by the row maximum (plain numpy: this is
        # evaluated in every line-search step)
        m = eta.max(axis=-1)
        lse = m + np.log(np.exp(eta - m[..., None]).sum(axis=-1))
        return lse - np.sum(Y * eta, axis=-1)

    @staticmethod
    def inverse_link(eta):
        """Class probabilities: the softmax of each row."""
        e = np.exp(eta - eta.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def grad(self, Y, eta):
        return self.inverse_link(eta) - Y

    def hess(self, Y, eta):
        """Diagonal of the per-sample Hessian, ``p_k (1 - p_k)``."""
        P = self.inverse_link(eta)
        return P * (1.0 - P)

    @staticmethod
    def conjugate(Y, U):
        q = np.clip(Y + U, 0.0, 1.0)
        return np.sum(xlogy(q, q), axis=-1)

    @staticmethod
    def saturated(Y):
        return np.zeros(Y.shape[:-1])

    def test_error(self, Y, eta, scoring):
        """As :meth:`Datafit.test_error`; ``"accuracy"`` is the misclassification
        indicator of the most probable class."""
        if scoring == "accuracy":
            return np.argmax(eta, axis=-1) != np.argmax(Y, axis=1)[:, None]
        return super().test_error(Y, eta, scoring)

    def check_target(self, Y):
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim != 2 or not (np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=1) == 1)):
            raise ValueError("y must be one-hot (rows of 0/1 summing to 1) for Multinomial.")
        return Y

    def intercept_start(self, Y, s):
        freq = np.clip(s @ Y / s.sum(), 1e-12, None)
        b = np.log(freq)
        return b - b.mean()

    def optimize_intercept(self, Y, eta, s, max_iter=50):
        """The K-vector d (sum 0) minimizing ``sum_i s_i l_i(eta_i + d)``: Newton, solved
        to the rounding level of the gradient ``s'(P - Y) / S``."""
        K = Y.shape[1]
        d = np.zeros(K)
        S = s.sum()

        def grad(dd):
            return s @ (self.inverse_link(eta + dd) - Y) / S

        g = grad(d)
        g_max = float(np.max(np.abs(g)))
        stalls = 0
        for _ in range(max_iter):
            if g_max <= 1e-15 or stalls >= 2:
                break  # converged, or the gradient is at its rounding level
            P = self.inverse_link(eta + d)
            H = (P * s[:, None]).T @ P
            H = (np.diag(s @ P) - H) / S
            step = np.linalg.lstsq(H + np.full((K, K), 1.0 / K), g, rcond=None)[0]
            step -= step.mean()
            # near the optimum a Newton step lowers the loss by ~g^2 / H, below its rounding
            # level: accept a step that shrinks the gradient, else backtrack on the loss
            f0 = float(s @ self.loss(Y, eta + d))
            t = 1.0
            while t > 1e-10:
                g_t = grad(d - t * step)
                g_t_max = float(np.max(np.abs(g_t)))
                if g_t_max < g_max or float(s @ self.loss(Y, eta + d - t * step)) < f0:
                    break
                t *= 0.5
            if t <= 1e-10:
                break  # no step lowers the loss or the gradient: optimal to rounding
            stalls = 0 if g_t_max < g_max else stalls + 1
            d = d - t * step
            g, g_max = g_t, g_t_max
        return d - d.mean()
