"""The L2,1 row penalty of a multi-task (multi-response) coefficient matrix.

For ``W`` of shape (n_features, n_tasks), row ``W_j`` the coefficients of feature j in
every task::

    alpha * sum_j pf_j ( l1_ratio ||W_j||_2 + (1 - l1_ratio) / 2 ||W_j||_2^2 ),

scikit-learn's ``MultiTaskElasticNet`` penalty (``MultiTaskLasso`` at ``l1_ratio=1``) and
glmnet's ``family="mgaussian"``: a feature is selected for every task or for none. The
solvers see :class:`RowArrays` (``a = alpha l1_ratio pf``, ``b = alpha (1 - l1_ratio) pf``).
The row formulas (numba scalars on a row), each written once: :func:`row_prox`,
:func:`row_kkt`.
"""

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from .._jit import njit
from ._spec import PenaltySpec
from .elastic_net import mixed_weights
from .separable import FASTMATH as _FM

__all__ = ["L21", "KernelRows", "RowArrays"]

KernelRows = namedtuple("KernelRows", "a b")


@njit(cache=True, fastmath=_FM)
def row_prox(u, L, a, b):
    """``u`` replaced in place by ``argmin_x L/2 ||x - u||^2 + a ||x||_2 + b/2 ||x||^2``."""
    nrm = 0.0
    for t in range(u.shape[0]):
        nrm += u[t] * u[t]
    nrm = np.sqrt(nrm)
    f = 0.0
    if L * nrm > a:
        f = (1.0 - a / (L * nrm)) * L / (L + b)
    for t in range(u.shape[0]):
        u[t] *= f


@njit(cache=True, fastmath=_FM)
def row_kkt(w, v, a, b):
    """Distance of ``v`` (minus the gradient of the loss) to the subdifferential of
    ``a ||w||_2 + b/2 ||w||^2`` at the row ``w``."""
    nrm = 0.0
    vn = 0.0
    for t in range(w.shape[0]):
        nrm += w[t] * w[t]
        vn += v[t] * v[t]
    if nrm == 0.0:
        return max(np.sqrt(vn) - a, 0.0)
    nrm = np.sqrt(nrm)
    out = 0.0
    for t in range(w.shape[0]):
        d = v[t] - a * w[t] / nrm - b * w[t]
        out += d * d
    return np.sqrt(out)


@dataclass(frozen=True)
class RowArrays:
    """Per-feature (row) weights of the L2,1 penalty: ``a`` of the row norms and ``b`` of
    their squares.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.penalties import L21
    >>> pen = L21(alpha=1.0).arrays(2)
    >>> pen.value(np.array([[3.0, 4.0], [0.0, 0.0]]))
    5.0
    """

    a: np.ndarray
    b: np.ndarray

    family = "rows"
    smooth = False
    plain_l1 = False
    bounded = False

    def __post_init__(self):
        for name in ("a", "b"):
            object.__setattr__(self, name, np.ascontiguousarray(getattr(self, name),
                                                                dtype=np.float64))
        object.__setattr__(self, "kernel", KernelRows(self.a, self.b))

    @property
    def lo(self):
        return np.full(self.a.size, -np.inf)

    @property
    def up(self):
        return np.full(self.a.size, np.inf)

    @property
    def unpenalized(self):
        return np.flatnonzero((self.a == 0) & (self.b == 0))

    def scaled(self, ca, cb=None):
        """The weights times ``(ca, cb)`` (``cb = ca`` when None)."""
        return RowArrays(self.a * ca, self.b * (ca if cb is None else cb))

    def standardized(self, sqnorms):
        """The penalty of the standardized features on the original scale."""
        return RowArrays(self.a * np.sqrt(sqnorms), self.b * sqnorms)

    def value(self, W):
        """``sum_j a_j ||W_j|| + b_j / 2 ||W_j||^2``."""
        sq = np.sum(np.asarray(W, dtype=np.float64) ** 2, axis=1)
        return float(self.a @ np.sqrt(sq) + 0.5 * self.b @ sq)

    def row_kkt(self, W, grad):
        """Per row, the distance of ``-grad`` to the subdifferential at ``W``."""
        W = np.asarray(W, dtype=np.float64)
        nrm = np.linalg.norm(W, axis=1)
        out = np.maximum(np.linalg.norm(grad, axis=1) - self.a, 0.0)
        nz = nrm > 0
        d = -grad[nz] - (self.a[nz] / nrm[nz])[:, None] * W[nz] - self.b[nz, None] * W[nz]
        out[nz] = np.linalg.norm(d, axis=1)
        return out

    def alpha_max(self, grad, l1_ratio=1.0):
        """Smallest ``alpha`` with every penalized row zero, for the loss gradient ``grad``
        (n_features, n_tasks) at the null model (this penalty at unit strength, ``a`` its
        weights at ``l1_ratio`` 1); rounded up by a relative 1e-12."""
        on = self.a > 0
        if not np.any(on):
            return 0.0 if np.all(self.b == 0) else np.inf
        mag = np.linalg.norm(np.asarray(grad, dtype=np.float64), axis=1)
        return float(np.max(mag[on] / (self.a[on] * l1_ratio))) * (1.0 + 1e-12)


class L21(PenaltySpec):
    """Multi-task elastic-net penalty on the rows of the coefficient matrix
    ``alpha * sum_j pf_j (l1_ratio ||W_j||_2 + (1 - l1_ratio)/2 ||W_j||_2^2)``.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength (>= 0).
    l1_ratio : float, default=1.0
        Mix of the row norms (1.0, the multi-task lasso) and their squares.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature (row); 0 leaves a feature unpenalized.

    Examples
    --------
    >>> from penalized.penalties import L21
    >>> L21(alpha=0.5, l1_ratio=0.5).arrays(2).a
    array([0.25, 0.25])
    """

    _accepts = ("penalty_factor",)

    def __init__(self, alpha=1.0, l1_ratio=1.0, penalty_factor=None):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor

    def arrays(self, n_features):
        """Validate the parameters and return :class:`RowArrays`."""
        return RowArrays(*mixed_weights(self, n_features))
