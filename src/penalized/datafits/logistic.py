"""Binary logistic loss: ``l(y, eta) = log(1 + exp(eta)) - y eta`` for y in {0, 1}.

The per-sample formulas are written once, as numba scalar functions (``logistic_loss1``
and ``expit``, both from ``exp(-|eta|)``, and ``logistic_conjugate1``): the Python class
evaluates them through compiled array loops (one pass gives ``l'`` and ``l''`` together,
another the loss and ``l'`` for a duality gap), and the logistic kernel of
:mod:`penalized.solvers.kernels.logistic` calls the same scalars.
"""

import numpy as np

from .._jit import njit
from ..penalties._fastmath import INTERNAL
from .base import Datafit

__all__ = ["Logistic", "logistic_loss1"]


@njit(cache=True, **INTERNAL)
def _expit_t(e, t):
    """``1 / (1 + exp(-e))`` from ``t = exp(-|e|)`` (no overflow)."""
    return 1.0 / (1.0 + t) if e >= 0.0 else t / (1.0 + t)


@njit(cache=True)
def expit(e):
    """``1 / (1 + exp(-e))`` without overflow."""
    return _expit_t(e, np.exp(-abs(e)))


@njit(cache=True, **INTERNAL)
def xlogx(q):
    return q * np.log(q) if q > 0.0 else 0.0


@njit(cache=True)
def logistic_conjugate1(y, u):
    """``l*(u) = q log q + (1 - q) log(1 - q)`` with ``q = u + y`` clipped to [0, 1]."""
    q = min(max(u + y, 0.0), 1.0)
    return xlogx(q) + xlogx(1.0 - q)


@njit(cache=True, **INTERNAL)
def _loss_t(y, e, t):
    """``softplus(e) - y e`` from ``t = exp(-|e|)``, for y in [0, 1], as
    ``e (1 - y) + log1p(t)`` for e > 0 and ``-e y + log1p(t)`` otherwise: two nonnegative
    terms, exact to their own rounding (``1 - y`` is exact for y near 1). The difference
    form loses ``eps |e|`` to cancellation, above the loss itself on nearly separable data
    (|e| of 30, losses of 1e-13): prox-Newton steps then failed their line search at the
    noise, and a fit stalled above its target. No branch on y (one per label cost 40%
    more on a9a's random labels)."""
    return (e * (1.0 - y) if e > 0.0 else -e * y) + np.log1p(t)


@njit(cache=True)
def logistic_loss1(y, e):
    """The loss of one sample (:func:`_loss_t`)."""
    return _loss_t(y, e, np.exp(-abs(e)))


@njit(cache=True)
def _loss(y, eta):
    out = np.empty(eta.shape[0])
    for i in range(eta.shape[0]):
        out[i] = logistic_loss1(y[i], eta[i])
    return out


@njit(cache=True)
def _loss_grad(y, eta):
    """The loss and ``l'`` of every sample, sharing one exp per sample."""
    out = np.empty(eta.shape[0])
    g = np.empty(eta.shape[0])
    for i in range(eta.shape[0]):
        e = eta[i]
        t = np.exp(-abs(e))
        out[i] = _loss_t(y[i], e, t)
        g[i] = _expit_t(e, t) - y[i]
    return out, g


@njit(cache=True)
def _derivatives(y, eta):
    g = np.empty(eta.shape[0])
    h = np.empty(eta.shape[0])
    for i in range(eta.shape[0]):
        p = expit(eta[i])
        g[i] = p - y[i]
        h[i] = p * (1.0 - p)
    return g, h


@njit(cache=True)
def _conjugate(y, u):
    out = np.empty(u.shape[0])
    for i in range(u.shape[0]):
        out[i] = logistic_conjugate1(y[i], u[i])
    return out


def _apply(kernel, y, x):
    """``kernel`` on the broadcast of y and x (any shapes), as flat float64 arrays."""
    if (type(y) is np.ndarray and type(x) is np.ndarray and y.ndim == 1
            and y.shape == x.shape and y.dtype == np.float64 and x.dtype == np.float64
            and y.flags.c_contiguous and x.flags.c_contiguous):
        # the engines' vectors: straight to the kernel (the general route below cost
        # 10 us a call, np.broadcast_arrays 30 us: 2 ms of a 7 ms fit on leukemia)
        return kernel(y, x)
    y, x = np.broadcast_arrays(np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64))
    out = kernel(np.ascontiguousarray(y).ravel(), np.ascontiguousarray(x).ravel())
    if isinstance(out, tuple):
        return tuple(o.reshape(x.shape) for o in out)
    return out.reshape(x.shape)


class Logistic(Datafit):
    """Binary logistic loss for y in {0, 1}: ``l(eta) = log(1 + exp(eta)) - y eta``.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.datafits import Logistic
    >>> round(Logistic().value(np.array([0.0, 1.0]), np.zeros(2), np.ones(2)), 6)
    0.693147
    """

    name = "logistic"
    family = "binomial"
    hess_bound = 0.25
    newton_kernel = True
    scorings = ("deviance", "mse", "mae", "accuracy", "auc")
    deviance_name = "Binomial deviance"

    @staticmethod
    def loss(y, eta):
        return _apply(_loss, y, eta)

    @staticmethod
    def derivatives(y, eta):
        return _apply(_derivatives, y, eta)

    @staticmethod
    def loss_grad(y, eta):
        return _apply(_loss_grad, y, eta)

    def grad(self, y, eta):
        return self.derivatives(y, eta)[0]

    def hess(self, y, eta):
        return self.derivatives(y, eta)[1]

    @staticmethod
    def conjugate(y, u):
        return _apply(_conjugate, y, u)

    @staticmethod
    def link(mean):
        mean = min(max(float(mean), 1e-12), 1 - 1e-12)
        return np.log(mean / (1.0 - mean))

    @staticmethod
    def inverse_link(eta):
        return np.exp(-np.logaddexp(0.0, -eta))

    def test_error(self, y, eta, scoring):
        """As :meth:`Datafit.test_error`; ``"mse"`` and ``"mae"`` sum over both classes (as
        glmnet: twice the binary Brier score), ``"accuracy"`` is the misclassification
        indicator. (``"auc"`` is not per sample: the CV engine ranks the fold.)"""
        if scoring == "accuracy":
            return (eta > 0) != (y[:, None] > 0.5)
        err = super().test_error(y, eta, scoring)
        return 2.0 * err if scoring in ("mse", "mae") else err

    def check_target(self, y):
        y = np.asarray(y, dtype=np.float64)
        if not np.all((y == 0) | (y == 1)):
            raise ValueError("y must be 0 or 1 for the Logistic datafit.")
        return y
