"""Separable concave penalties (MCP, SCAD, log-sum, Lq) as per-feature arrays.

Each penalty is ``sum_j P(s_j |w_j|; lam_j, g)`` for a function ``P(t; lam, g)`` concave
and non-decreasing in ``t >= 0`` (``lam_j = alpha pf_j`` the level, ``g`` the shape
parameter: gamma, eps or q, ``s_j`` a scale: 1, or the feature's standard deviation with
``standardize``), subject to ``lo_j <= w_j <= up_j``. A penalty's file
(:mod:`~penalized.penalties.mcp`, ...) holds its specification and three numba scalars of
``t``: the value, the derivative and the coordinate update on the half-line. This module
dispatches on the penalty's kind code (one short branch per scalar) and gives:

* :func:`prox1d`: ``argmin_{lo <= w <= up} L/2 w^2 - z w + P(s |w|)`` (the exact global
  minimizer of the one-dimensional problem, convex or not);
* :func:`kkt1d`: the distance of ``-grad`` to the (Frechet) subdifferential at ``w``, that
  is the lasso's with the weight ``s P'(s |w|)`` (``lam s`` at 0 for MCP and SCAD);
* :class:`ConcaveArrays`: what the solvers see, with the array versions of the scalars,
  the weights of a reweighted-L1 step and ``alpha_max``.

There is no duality gap for a nonconvex problem: the solvers stop on the first-order
(critical-point) criterion ``sum_j kkt_j^2 / (2 L_j)``, the decrease that exact coordinate
steps could still make, to first order, summed over the coordinates as a duality gap sums
over them (``L_j`` the coordinate's curvature).
"""

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from .._jit import njit
from .._validation import check_bounds, check_penalty_factor, check_scalar
from ._fastmath import FASTMATH as _FM
from ._fastmath import INTERNAL
from .log_sum import log_sum_deriv, log_sum_half, log_sum_value
from .lq import lq_deriv, lq_half, lq_value
from .mcp import mcp_deriv, mcp_half, mcp_value
from .scad import scad_deriv, scad_half, scad_value
from .separable import PenaltyArrays
from .separable import kkt1d as _l1_kkt1d

__all__ = ["ConcaveArrays", "KernelConcave", "KINDS", "kkt1d", "prox1d", "value1d"]

KINDS = {"mcp": 0, "scad": 1, "log_sum": 2, "lq": 3}
_NAMES = {v: k for k, v in KINDS.items()}
# kinds the coordinate-descent engine takes (closed-form pieces); the others are solved
# by reweighted L1
CD_KINDS = (0, 1)
_WEIGHT_CAP = 1e6  # largest reweighting weight, relative to the largest level

# The arrays of a concave penalty as one numba argument: float64 arrays ``lam``, ``scale``,
# ``lo``, ``up`` of length p, the shape parameter ``g`` and the kind code (scalars).
KernelConcave = namedtuple("KernelConcave", "lam scale lo up g kind")


@njit(cache=True, fastmath=_FM, **INTERNAL)
def value_t(t, lam, g, kind):
    """``P(t; lam, g)`` for ``t >= 0``."""
    if kind == 0:
        return mcp_value(t, lam, g)
    if kind == 1:
        return scad_value(t, lam, g)
    if kind == 2:
        return log_sum_value(t, lam, g)
    return lq_value(t, lam, g)


@njit(cache=True, fastmath=_FM)
def deriv_t(t, lam, g, kind):
    """``P'(t; lam, g)`` for ``t >= 0`` (the right derivative at 0)."""
    if kind == 0:
        return mcp_deriv(t, lam, g)
    if kind == 1:
        return scad_deriv(t, lam, g)
    if kind == 2:
        return log_sum_deriv(t, lam, g)
    return lq_deriv(t, lam, g)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _half(z, L, lam, s, g, kind, bound):
    if kind == 0:
        return mcp_half(z, L, lam, s, g, bound)
    if kind == 1:
        return scad_half(z, L, lam, s, g, bound)
    if kind == 2:
        return log_sum_half(z, L, lam, s, g, bound)
    return lq_half(z, L, lam, s, g, bound)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def value1d(w, lam, s, lo, up, g, kind):
    """``P(s |w|)``; infinite outside the bounds."""
    if w < lo or w > up:
        return np.inf
    if lam == 0.0 or s == 0.0:
        return 0.0
    return value_t(s * abs(w), lam, g, kind)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def weight1d(w, lam, s, g, kind):
    """The weight of ``|w|`` in the tangent majorizer at ``w``: ``s P'(s |w|)``."""
    if lam == 0.0 or s == 0.0:
        return 0.0
    return s * deriv_t(s * abs(w), lam, g, kind)


@njit(cache=True, fastmath=_FM)
def prox1d(z, L, lam, s, lo, up, g, kind):
    """``argmin_{lo <= w <= up} L/2 w^2 - z w + P(s |w|)`` (``L > 0``): the better of the
    minimizers on each half-line and 0 (ties go to the smaller ``|w|``)."""
    if lam == 0.0 or s == 0.0:
        return min(max(z / L, lo), up)
    best, fb = 0.0, 0.0
    if up > 0.0:
        y = _half(z, L, lam, s, g, kind, up)
        if y > 0.0:
            f = 0.5 * L * y * y - z * y + value_t(s * y, lam, g, kind)
            if f < fb:
                best, fb = y, f
    if lo < 0.0:
        y = _half(-z, L, lam, s, g, kind, -lo)
        if y > 0.0:
            f = 0.5 * L * y * y + z * y + value_t(s * y, lam, g, kind)
            if f < fb:
                best = -y
    return best


@njit(cache=True, fastmath=_FM)
def kkt1d(w, grad, lam, s, lo, up, g, kind):
    """Distance of ``-grad`` to the subdifferential of ``P(s |.|)`` plus the normal cone of
    the box at ``w``: the lasso's distance with the weight ``s P'(s |w|)``."""
    return _l1_kkt1d(w, grad, weight1d(w, lam, s, g, kind), lo, up)


@njit(cache=True, fastmath=_FM)
def _value_all(w, pen):
    out = 0.0
    for j in range(w.shape[0]):
        out += value1d(w[j], pen.lam[j], pen.scale[j], pen.lo[j], pen.up[j], pen.g, pen.kind)
    return out


@njit(cache=True, fastmath=_FM)
def _kkt_all(w, grad, pen, out):
    for j in range(w.shape[0]):
        out[j] = kkt1d(w[j], grad[j], pen.lam[j], pen.scale[j], pen.lo[j], pen.up[j], pen.g,
                       pen.kind)


@njit(cache=True, fastmath=_FM)
def _weights_all(w, pen, out):
    for j in range(w.shape[0]):
        out[j] = weight1d(w[j], pen.lam[j], pen.scale[j], pen.g, pen.kind)


@njit(cache=True, fastmath=_FM)
def _prox_all(z, L, pen, out):
    for j in range(z.shape[0]):
        out[j] = prox1d(z[j], L, pen.lam[j], pen.scale[j], pen.lo[j], pen.up[j], pen.g,
                        pen.kind)


def _f64(x):
    return np.ascontiguousarray(x, dtype=np.float64)


@dataclass(frozen=True)
class ConcaveArrays:
    """Per-feature arrays of a separable concave penalty (see the module docstring):
    levels ``lam``, scales ``scale``, bounds ``lo`` and ``up``, the shape parameter ``g``
    and the ``kind`` code.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.penalties import MCP
    >>> pen = MCP(gamma=3.0, alpha=1.0).arrays(2)
    >>> pen.weights(np.array([0.0, 1.5]))  # P'(|w|): 1 at 0, 1 - 1.5 / 3
    array([1. , 0.5])
    """

    lam: np.ndarray
    scale: np.ndarray
    lo: np.ndarray
    up: np.ndarray
    g: float
    kind: int

    family = "concave"
    smooth = False
    plain_l1 = False

    def __post_init__(self):
        for name in ("lam", "scale", "lo", "up"):
            object.__setattr__(self, name, _f64(getattr(self, name)))
        object.__setattr__(self, "g", float(self.g))
        object.__setattr__(self, "kind", int(self.kind))
        object.__setattr__(self, "kernel", KernelConcave(self.lam, self.scale, self.lo, self.up,
                                                         self.g, self.kind))

    @property
    def name(self):
        return _NAMES[self.kind]

    @property
    def closed_form(self):
        """Whether its coordinate update is taken by the coordinate-descent engine (MCP and
        SCAD; log-sum and Lq are solved by reweighted L1)."""
        return self.kind in CD_KINDS

    @property
    def bounded(self):
        return bool(np.any(np.isfinite(self.lo)) or np.any(np.isfinite(self.up)))

    @property
    def unpenalized(self):
        """Features with no penalty (level or scale 0)."""
        return np.flatnonzero((self.lam == 0) | (self.scale == 0))

    # ------------------------------------------------------------------ transforms
    def _replace(self, **kw):
        fields = dict(lam=self.lam, scale=self.scale, lo=self.lo, up=self.up, g=self.g,
                      kind=self.kind)
        return ConcaveArrays(**(fields | kw))

    def scaled(self, c, _unused=None):
        """The penalty at ``c`` times the strength (levels ``c lam``)."""
        return self._replace(lam=self.lam * c)

    def standardized(self, sqnorms):
        """The penalty of the standardized features on the original scale: ``P`` of
        ``sd_j |w_j|`` (scales times the features' standard deviations)."""
        return self._replace(scale=self.scale * np.sqrt(sqnorms))

    def subset(self, cols):
        return self._replace(lam=self.lam[cols], scale=self.scale[cols], lo=self.lo[cols],
                             up=self.up[cols])

    # ---------------------------------------------------------------- evaluations
    def value(self, w):
        """Penalty value at ``w``; ``inf`` when a bound is violated."""
        return float(_value_all(_f64(w), self.kernel))

    def kkt(self, w, grad):
        """Distance of ``-grad`` (the smooth loss's gradient) to the subdifferential of
        the penalty plus the box's normal cone, per feature."""
        out = np.empty(self.lam.shape[0])
        _kkt_all(_f64(w), _f64(grad), self.kernel, out)
        return out

    def prox(self, z, L=1.0):
        """``argmin_{lo <= w <= up} L/2 w^2 - z w + P(s |w|)`` per feature (exact)."""
        out = np.empty(self.lam.shape[0])
        _prox_all(_f64(z), float(L), self.kernel, out)
        return out

    def weights(self, w):
        """``s_j P'(s_j |w_j|)``: the L1 weights of the tangent majorizer at ``w``."""
        out = np.empty(self.lam.shape[0])
        _weights_all(_f64(w), self.kernel, out)
        return out

    def majorizer(self, w, first=False):
        """The weighted-L1 :class:`~penalized.penalties.PenaltyArrays` of a reweighted-L1
        step at ``w``. A zero with an infinite weight (Lq) is held at zero by the bounds
        ``[0, 0]``; other weights are capped at ``_WEIGHT_CAP`` times the largest level
        (the engines' rounding floors scale with the largest weight). On the ``first`` step
        from a point without nonzeros, Lq takes the lasso's weights."""
        w = _f64(w)
        a = self.weights(w)
        level = self.lam * self.scale
        if first and self.kind == KINDS["lq"]:
            a = np.where(w == 0, level, a)
        held = ~np.isfinite(a)
        cap = _WEIGHT_CAP * max(float(np.max(level, initial=0.0)), 1e-300)
        a = np.where(held, level, np.minimum(a, cap))
        lo = np.where(held, 0.0, self.lo)
        up = np.where(held, 0.0, self.up)
        return PenaltyArrays(a, np.zeros_like(a), lo, up)

    def criterion(self, w, grad, curv):
        """The stopping criterion ``sum_j kkt_j^2 / (2 L_j)`` for the curvatures ``curv``
        (features without curvature are left out)."""
        k = self.kkt(w, grad)
        on = curv > 0
        return float(np.sum(k[on] ** 2 / (2.0 * curv[on])))

    def alpha_max(self, grad, _l1_ratio=1.0):
        """Smallest ``alpha`` at which 0 is a critical point of ``alpha * (this penalty)``
        with every penalized coefficient at zero, for the loss gradient ``grad`` at the
        null model (this penalty at unit strength): the lasso's, divided by ``P'(0)``
        (``eps`` times the lasso's for log-sum; the lasso's for Lq, whose reweighting
        starts from the lasso)."""
        d0 = float(deriv_t(0.0, 1.0, self.g, self.kind))
        if not np.isfinite(d0):
            d0 = 1.0
        a0 = self.lam * self.scale * d0
        return PenaltyArrays(a0, np.zeros_like(a0), self.lo, self.up).alpha_max(grad)


def _shape_param(spec, name, low, high):
    """The shape parameter ``name`` of ``spec``, checked to lie in ``(low, high)``."""
    value = check_scalar(getattr(spec, name), name, low=low, low_open=True)
    if high is not None and not value < high:
        raise ValueError(f"The '{name}' parameter of {type(spec).__name__} must be in the "
                         f"open interval ({low}, {high}), got {value!r}.")
    return value


def concave_arrays(spec, n_features, kind, shape_name, *, low, high=None):
    """Validate a concave penalty specification (its shape parameter ``shape_name`` in
    ``(low, high)``) and return its :class:`ConcaveArrays`."""
    g = _shape_param(spec, shape_name, low, high)
    alpha = check_scalar(spec.alpha, "alpha", low=0.0)
    pf = check_penalty_factor(spec.penalty_factor, n_features)
    lo, up = check_bounds(spec.lower_bounds, spec.upper_bounds, n_features, spec.positive)
    return ConcaveArrays(lam=alpha * pf, scale=np.ones(n_features), lo=lo, up=up, g=g, kind=kind)
