"""The separable elastic-net penalty with per-feature factors and box constraints.

One class covers L1, L2, elastic net, adaptive (weighted) lasso, unpenalized features
(factor 0), ``positive=True`` and general bounds::

    alpha * sum_j pf_j * ( l1_ratio * |w_j| + (1 - l1_ratio) / 2 * w_j^2 ),
    lower_j <= w_j <= upper_j   (lower_j <= 0 <= upper_j).

Solvers only see the per-feature arrays ``a = alpha * pf * l1_ratio`` (L1 weights),
``b = alpha * pf * (1 - l1_ratio)`` (L2 weights), ``lo`` and ``up``.
"""

from dataclasses import dataclass

import numpy as np

from .._validation import check_bounds, check_penalty_factor, check_scalar

__all__ = ["ElasticNet", "L1", "L2", "PenaltyArrays"]


@dataclass(frozen=True)
class PenaltyArrays:
    """Per-feature arrays of a separable elastic-net penalty (all float64)."""

    a: np.ndarray
    b: np.ndarray
    lo: np.ndarray
    up: np.ndarray

    def __post_init__(self):
        # Plain weighted L1 (no L2 part, no bounds, every feature penalized): the
        # per-iteration vector work of the solvers has short closed forms.
        plain = bool(np.all(self.b == 0) and np.all(self.a > 0)
                     and np.all(np.isinf(self.lo)) and np.all(np.isinf(self.up)))
        object.__setattr__(self, "plain_l1", plain)

    def scaled(self, ca, cb):
        """The arrays with ``a`` times ``ca`` and ``b`` times ``cb`` (ca > 0 keeps the
        plain-L1 flag, which is not recomputed: cheap along a path)."""
        out = object.__new__(PenaltyArrays)
        object.__setattr__(out, "a", self.a * ca)
        object.__setattr__(out, "b", self.b * cb)
        object.__setattr__(out, "lo", self.lo)
        object.__setattr__(out, "up", self.up)
        object.__setattr__(out, "plain_l1", self.plain_l1 and ca > 0)  # plain: b is 0
        return out

    @property
    def bounded(self):
        return bool(np.any(np.isfinite(self.lo)) or np.any(np.isfinite(self.up)))

    def value(self, w):
        """Penalty value at ``w``; ``inf`` when a bound is violated."""
        if self.plain_l1:
            return float(self.a @ np.abs(w))
        if np.any(w < self.lo) or np.any(w > self.up):
            return np.inf
        return float(self.a @ np.abs(w) + 0.5 * (self.b @ (w * w)))

    def kkt(self, w, grad):
        """Distance of ``-grad`` to the subdifferential of the penalty at ``w``.

        ``grad`` is the gradient of the smooth loss only; the L2 term is added here.
        """
        a, lo, up = self.a, self.lo, self.up
        if self.plain_l1:
            return np.where(w == 0, np.maximum(np.abs(grad) - a, 0.0),
                            np.abs(grad + a * np.sign(w)))
        g = grad + self.b * w
        m = -g
        hi = np.where(up > 0, a, np.inf)
        low = np.where(lo < 0, -a, -np.inf)
        d_zero = np.maximum(np.maximum(m - hi, low - m), 0.0)
        d_pos = np.where(w < up, np.abs(g + a), np.maximum(a + g, 0.0))
        d_neg = np.where(w > lo, np.abs(g - a), np.maximum(a - g, 0.0))
        return np.where(w == 0, d_zero, np.where(w > 0, d_pos, d_neg))

    def conjugate(self, v):
        """Sum over j of sup_{lo_j <= w <= up_j} v_j w - a_j |w| - b_j / 2 w^2."""
        if self.plain_l1:
            return 0.0 if np.all(np.abs(v) <= self.a) else np.inf
        a, b, lo, up = self.a, self.b, self.lo, self.up
        out = np.zeros_like(v)
        q = b > 0
        if np.any(q):
            vq, aq, bq = v[q], a[q], b[q]
            wst = np.clip(np.sign(vq) * np.maximum(np.abs(vq) - aq, 0.0) / bq, lo[q], up[q])
            out[q] = vq * wst - aq * np.abs(wst) - 0.5 * bq * wst * wst
        l1 = ~q
        if np.any(l1):
            vl, al, lol, upl = v[l1], a[l1], lo[l1], up[l1]
            with np.errstate(invalid="ignore"):
                t_up = np.where((upl > 0) & (vl > al), (vl - al) * upl, 0.0)
                t_lo = np.where((lol < 0) & (vl < -al), (vl + al) * lol, 0.0)
            out[l1] = t_up + t_lo
        return float(out.sum())

    def dual_scaling(self, v):
        """Largest c in (0, 1] such that c * v is in the domain of the conjugate."""
        a, b = self.a, self.b
        if self.plain_l1:
            worst = float(np.max(np.abs(v) / a))
            return 1.0 / worst if worst > 1.0 else 1.0
        m = (b == 0) & (a > 0)
        if not np.any(m):
            return 1.0
        vm, am = v[m], a[m]
        r_up = np.where(np.isinf(self.up[m]), vm / am, 0.0)
        r_lo = np.where(np.isinf(self.lo[m]), -vm / am, 0.0)
        worst = max(float(r_up.max()), float(r_lo.max()))
        return 1.0 / worst if worst > 1.0 else 1.0

    def clamp_dual(self, v):
        """Clamp a scaled ``v`` onto the conjugate's domain (rounding-level fix)."""
        if self.plain_l1:
            return np.clip(v, -self.a, self.a)
        m = (self.b == 0) & np.isinf(self.up)
        v = np.where(m, np.minimum(v, self.a), v)
        m = (self.b == 0) & np.isinf(self.lo)
        return np.where(m, np.maximum(v, -self.a), v)

    @property
    def unpenalized(self):
        """Features with no penalty at all (a = b = 0)."""
        return np.flatnonzero((self.a == 0) & (self.b == 0))


class ElasticNet:
    """Elastic-net penalty with per-feature factors and bounds.

    ``alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)`` subject to
    ``lower_bounds <= w <= upper_bounds``.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall strength (>= 0).
    l1_ratio : float, default=1.0
        Mix between L1 (1.0) and L2 (0.0).
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature; 0 leaves a feature unpenalized. Used as
        given (glmnet rescales its factors to sum to n_features; this does not).
    lower_bounds, upper_bounds : float or array-like, default=None
        Box constraints with ``lower <= 0 <= upper``; None means unbounded.
    positive : bool, default=False
        Shortcut for ``lower_bounds=0``.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.penalties import ElasticNet
    >>> pen = ElasticNet(alpha=0.5, l1_ratio=0.5)
    >>> arr = pen.arrays(3)
    >>> arr.a, arr.b
    (array([0.25, 0.25, 0.25]), array([0.25, 0.25, 0.25]))
    """

    def __init__(self, alpha=1.0, l1_ratio=1.0, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive

    def __repr__(self):
        return f"{type(self).__name__}(alpha={self.alpha!r}, l1_ratio={self.l1_ratio!r})"

    def arrays(self, n_features):
        """Validate the parameters and return :class:`PenaltyArrays`."""
        alpha = check_scalar(self.alpha, "alpha", low=0.0)
        l1_ratio = check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        pf = check_penalty_factor(self.penalty_factor, n_features)
        lo, up = check_bounds(self.lower_bounds, self.upper_bounds, n_features, self.positive)
        a = alpha * l1_ratio * pf
        b = alpha * (1.0 - l1_ratio) * pf
        return PenaltyArrays(a=a, b=b, lo=lo, up=up)


def L1(alpha=1.0, **kwargs):
    """Lasso penalty ``alpha * sum_j pf_j |w_j|`` (an :class:`ElasticNet` with l1_ratio=1).

    Examples
    --------
    >>> from penalized.penalties import L1
    >>> L1(0.1).arrays(2).a
    array([0.1, 0.1])
    """
    return ElasticNet(alpha, 1.0, **kwargs)


def L2(alpha=1.0, **kwargs):
    """Ridge penalty ``alpha/2 * sum_j pf_j w_j^2`` (an :class:`ElasticNet` with l1_ratio=0).

    Examples
    --------
    >>> from penalized.penalties import L2
    >>> L2(0.1).arrays(2).b
    array([0.1, 0.1])
    """
    return ElasticNet(alpha, 0.0, **kwargs)
