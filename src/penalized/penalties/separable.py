"""Separable penalties as per-feature arrays: what every solver and kernel sees.

A penalty object (:class:`~penalized.penalties.ElasticNet`, ...) is a user-facing
specification; ``penalty.arrays(n_features)`` validates it and returns
:class:`PenaltyArrays`, the per-feature weights of::

    sum_j ( a_j |w_j| + b_j / 2 w_j^2 ),   lo_j <= w_j <= up_j   (lo_j <= 0 <= up_j)

Each formula of this penalty is written once, as a numba scalar function of one
coordinate (``prox1d``, ``kkt1d``, ``conjugate1d``, ``value1d``). The kernels call the
scalars inside their loops; :class:`PenaltyArrays` evaluates the same scalars over all
features through compiled array loops for the Python solvers. Kernels receive the arrays
bundled as a :data:`KernelPenalty` named tuple (one argument, not four).
"""

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from .._jit import njit
from ._fastmath import FASTMATH, INTERNAL

__all__ = ["KernelPenalty", "PenaltyArrays", "conjugate1d", "kkt1d", "prox1d", "value1d"]

# The arrays of a penalty as one numba argument (fields are float64 arrays of length p).
KernelPenalty = namedtuple("KernelPenalty", "a b lo up")


@njit(cache=True, fastmath=FASTMATH)
def prox1d(z, L, a, b, lo, up):
    """argmin_w L/2 w^2 - z w + a|w| + b/2 w^2 subject to lo <= w <= up."""
    den = L + b
    if den <= 0.0:
        return 0.0
    if z > a:
        w = (z - a) / den
    elif z < -a:
        w = (z + a) / den
    else:
        return 0.0
    if w > up:
        w = up
    elif w < lo:
        w = lo
    return w


@njit(cache=True, fastmath=FASTMATH)
def kkt1d(w, grad, a, lo, up):
    """Distance of -grad to a * d|w| + N_[lo, up](w) (grad includes the L2 term)."""
    if w == 0.0:
        hi = a if up > 0.0 else np.inf
        low = -a if lo < 0.0 else -np.inf
        m = -grad
        if m > hi:
            return m - hi
        if m < low:
            return low - m
        return 0.0
    if w > 0.0:
        if w < up:
            return abs(grad + a)
        return max(0.0, a + grad)
    if w > lo:
        return abs(grad - a)
    return max(0.0, a - grad)


@njit(cache=True, fastmath=FASTMATH, **INTERNAL)
def value1d(w, a, b, lo, up):
    """``a |w| + b/2 w^2``, infinite outside the bounds."""
    if w < lo or w > up:
        return np.inf
    return a * abs(w) + 0.5 * b * w * w


@njit(cache=True, fastmath=FASTMATH, **INTERNAL)
def conjugate1d(v, a, b, lo, up):
    """``sup_{lo <= w <= up} v w - a |w| - b/2 w^2`` for a ``v`` in the domain (for a
    pure-L1 coordinate with an infinite bound on the side of ``v``: ``|v| <= a``)."""
    if b > 0.0:
        m = abs(v) - a
        w = 0.0
        if m > 0.0:
            w = m / b if v > 0.0 else -m / b
        w = min(max(w, lo), up)
        return v * w - a * abs(w) - 0.5 * b * w * w
    out = 0.0
    if up > 0.0 and v > a:
        out += (v - a) * up
    if lo < 0.0 and v < -a:
        out += (v + a) * lo
    return out


@njit(cache=True, fastmath=FASTMATH, **INTERNAL)
def domain_ratio1d(v, a, b, lo, up):
    """How far ``v`` lies outside the conjugate's domain: ``|v| / a`` when it exceeds ``a``
    on a side where a pure-L1 coordinate has an infinite bound (``c v`` is in the domain
    for ``c <= a / |v|``), else 0."""
    if b == 0.0 and a > 0.0:
        if v > a and np.isinf(up):
            return v / a
        if v < -a and np.isinf(lo):
            return -v / a
    return 0.0


@njit(cache=True, fastmath=FASTMATH, **INTERNAL)
def clamped_conjugate1d(vt, a, b, lo, up):
    """:func:`conjugate1d` of ``vt`` clamped onto the domain (a rounding-level correction
    after the dual scaling)."""
    if b == 0.0:
        if np.isinf(up) and vt > a:
            vt = a
        if np.isinf(lo) and vt < -a:
            vt = -a
    return conjugate1d(vt, a, b, lo, up)


@njit(cache=True, fastmath=FASTMATH)
def dual_scaling(v, pen):
    """Largest c in (0, 1] with ``c v`` in the conjugate's domain: for pure-L1 features
    with an infinite bound on one side, ``c v_j`` on that side must be at most ``a_j``."""
    worst = 1.0
    for j in range(v.shape[0]):
        worst = max(worst, domain_ratio1d(v[j], pen.a[j], pen.b[j], pen.lo[j], pen.up[j]))
    return 1.0 / worst


@njit(cache=True, fastmath=FASTMATH)
def conjugate_sum(v, c, pen):
    """``sum_j conjugate1d(c v_j)``, each ``c v_j`` clamped onto the domain."""
    out = 0.0
    for j in range(v.shape[0]):
        out += clamped_conjugate1d(c * v[j], pen.a[j], pen.b[j], pen.lo[j], pen.up[j])
    return out


@njit(cache=True, fastmath=FASTMATH, **INTERNAL)
def penalty_gap_terms(w, v, pen):
    """(value at w, dual scaling c of v, conjugate sum at c v). A zero ``w_j`` adds 0 to
    the value (``lo_j <= 0 <= up_j``), and a coordinate without an L2 part and with
    ``|v_j| <= a_j`` adds 0 to the conjugate at every ``c <= 1``: only the others are
    read twice (on dexter's 20,000 features, mostly zeros, the full passes over the four
    arrays were a tenth of a CV fit)."""
    p = w.shape[0]
    pa, pb, plo, pup = pen.a, pen.b, pen.lo, pen.up
    val = 0.0
    worst = 1.0
    rest = np.empty(p, dtype=np.int64)
    k = 0
    for j in range(p):
        a, b, wj, vj = pa[j], pb[j], w[j], v[j]
        if wj != 0.0:
            val += value1d(wj, a, b, plo[j], pup[j])
        if b != 0.0 or not abs(vj) <= a:  # (a NaN reaches the sums)
            rest[k] = j
            k += 1
            worst = max(worst, domain_ratio1d(vj, a, b, plo[j], pup[j]))
    c = 1.0 / worst
    conj = 0.0
    for t in range(k):
        j = rest[t]
        conj += clamped_conjugate1d(c * v[j], pa[j], pb[j], plo[j], pup[j])
    return val, c, conj


@njit(cache=True, fastmath=FASTMATH)
def penalty_gap_terms_call(w, v, pen):
    """:func:`penalty_gap_terms` called from Python (``PenaltyArrays.gap_terms``); the
    kernels' certificates call it directly, without a CPython wrapper (``INTERNAL``)."""
    return penalty_gap_terms(w, v, pen)


@njit(cache=True, fastmath=FASTMATH)
def _kkt_all(w, grad, pen, out):
    for j in range(w.shape[0]):
        b = pen.b[j]
        out[j] = kkt1d(w[j], grad[j] + b * w[j], pen.a[j], pen.lo[j], pen.up[j])


@njit(cache=True, fastmath=FASTMATH)
def _value_all(w, pen):
    out = 0.0
    for j in range(w.shape[0]):
        out += value1d(w[j], pen.a[j], pen.b[j], pen.lo[j], pen.up[j])
    return out


@njit(cache=True, fastmath=FASTMATH)
def _value_change(w, w_new, pen):
    out = 0.0
    for j in range(w.shape[0]):
        if w_new[j] != w[j]:
            a, b, lo, up = pen.a[j], pen.b[j], pen.lo[j], pen.up[j]
            out += value1d(w_new[j], a, b, lo, up) - value1d(w[j], a, b, lo, up)
    return out


def _f64(x):
    return np.ascontiguousarray(x, dtype=np.float64)


@dataclass(frozen=True)
class PenaltyArrays:
    """Per-feature arrays of a separable elastic-net penalty (all float64); see the
    module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.penalties import L1
    >>> pen = L1(0.5).arrays(2)
    >>> pen.value(np.array([1.0, -2.0])), pen.kkt(np.zeros(2), np.array([0.2, -1.0]))
    (1.5, array([0. , 0.5]))
    """

    a: np.ndarray
    b: np.ndarray
    lo: np.ndarray
    up: np.ndarray

    family = "separable"  # which rows of choose_engine's table apply

    def __post_init__(self):
        for name in ("a", "b", "lo", "up"):
            object.__setattr__(self, name, _f64(getattr(self, name)))
        object.__setattr__(self, "kernel", KernelPenalty(self.a, self.b, self.lo, self.up))

    # ----------------------------------------------------------------- properties
    @property
    def plain_l1(self):
        """Weighted L1 only: no L2 part, no bounds, every feature penalized."""
        return bool(np.all(self.b == 0) and np.all(self.a > 0)
                    and np.all(np.isinf(self.lo)) and np.all(np.isinf(self.up)))

    @property
    def bounded(self):
        return bool(np.any(np.isfinite(self.lo)) or np.any(np.isfinite(self.up)))

    @property
    def smooth(self):
        """No L1 part and no bounds: the problem is smooth (closed form for least squares)."""
        return not self.bounded and not np.any(self.a > 0)

    @property
    def unpenalized(self):
        """Features with no penalty at all (a = b = 0)."""
        return np.flatnonzero((self.a == 0) & (self.b == 0))

    # ------------------------------------------------------------------ transforms
    def scaled(self, ca, cb):
        """The arrays with ``a`` times ``ca`` and ``b`` times ``cb``."""
        return PenaltyArrays(self.a * ca, self.b * cb, self.lo, self.up)

    def standardized(self, sqnorms):
        """The penalty of the standardized features on the original scale: ``a`` times
        the features' standard deviations, ``b`` times their variances ``sqnorms``."""
        return PenaltyArrays(self.a * np.sqrt(sqnorms), self.b * sqnorms, self.lo, self.up)

    def subset(self, cols):
        """The penalty of the features ``cols``."""
        return PenaltyArrays(self.a[cols], self.b[cols], self.lo[cols], self.up[cols])

    # ---------------------------------------------------------------- evaluations
    def value(self, w):
        """Penalty value at ``w``; ``inf`` when a bound is violated."""
        return float(_value_all(_f64(w), self.kernel))

    def value_change(self, w, w_new):
        """``value(w_new) - value(w)`` summed coordinate by coordinate: exact to the
        rounding level of the change, not of the values (a Newton step near the optimum
        changes the penalty far below the rounding level of its value)."""
        return float(_value_change(_f64(w), _f64(w_new), self.kernel))

    def kkt(self, w, grad):
        """Distance of ``-grad`` to the subdifferential of the penalty at ``w``
        (``grad`` is the gradient of the smooth loss only; the L2 term is added here)."""
        out = np.empty(self.a.shape[0])
        _kkt_all(_f64(w), _f64(grad), self.kernel, out)
        return out

    def criterion(self, w, grad, curv):
        """The critical-point criterion ``sum_j kkt_j^2 / (2 L_j)`` of a loss with
        gradient ``grad`` and coordinate curvatures ``curv`` (``L_j = curv_j + b_j``,
        the L2 part included; coordinates without curvature are left out)."""
        k = self.kkt(w, grad)
        L = np.asarray(curv, dtype=np.float64) + self.b
        on = L > 0
        return float(np.sum(k[on] ** 2 / (2.0 * L[on])))

    def dual_scaling(self, v):
        """Largest c in (0, 1] such that ``c * v`` is in the domain of the conjugate."""
        return float(dual_scaling(_f64(v), self.kernel))

    def gap_terms(self, w, v):
        """``(value(w), c, conjugate(v, c))`` with ``c = dual_scaling(v)``: the penalty's
        parts of a duality gap at the primal point ``w`` and dual direction ``v``, in one
        compiled call."""
        val, c, conj = penalty_gap_terms_call(_f64(w), _f64(v), self.kernel)
        return float(val), float(c), float(conj)

    def conjugate(self, v, c=1.0):
        """``sum_j sup_{lo_j <= w <= up_j} c v_j w - a_j |w| - b_j / 2 w^2``, with ``c v``
        clamped onto the conjugate's domain (use ``c = dual_scaling(v)``)."""
        return float(conjugate_sum(_f64(v), float(c), self.kernel))

    def alpha_max(self, grad, l1_ratio=1.0):
        """Smallest ``alpha`` at which ``alpha * (this penalty)`` has all-zero penalized
        coefficients, given the loss gradient ``grad`` at the null model ((p,) or (p, K);
        this penalty at unit strength, ``a`` its L1 weights at ``l1_ratio`` 1).

        Only the sign the bounds allow counts; rounded up by a relative 1e-12 so that a
        fit at exactly ``alpha_max`` gives exact zeros despite rounding. 0 when nothing
        is penalized, inf when no feature has an L1 part.
        """
        grad = np.asarray(grad, dtype=np.float64)
        if grad.ndim == 2:
            mag = np.abs(grad).max(axis=1)
        else:
            mag = np.maximum(np.where(self.up > 0, np.maximum(-grad, 0.0), 0.0),
                             np.where(self.lo < 0, np.maximum(grad, 0.0), 0.0))
        on = self.a > 0
        if not np.any(on):
            return 0.0 if np.all(self.b == 0) else np.inf
        return float(np.max(mag[on] / (self.a[on] * l1_ratio))) * (1.0 + 1e-12)
