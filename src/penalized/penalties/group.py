"""Group and sparse-group lasso: a norm per group of features.

The sparse-group lasso of groups ``G_1, ..., G_m`` (a partition of the features) is::

    alpha * ( l1_ratio * sum_j pf_j |w_j| + (1 - l1_ratio) * sum_g wg_g ||w_{G_g}||_2 ),

the group lasso its ``l1_ratio = 0`` case (``alpha * sum_g wg_g ||w_{G_g}||_2``); a group
weight 0 leaves a group unpenalized (by its norm), ``positive=True`` adds ``w >= 0``. The
solvers see :class:`GroupArrays`: the groups as a permutation ``order`` of the features
and the offsets ``starts`` of each group in it, the norm weights ``wg`` (alpha included)
and the per-feature L1 weights ``a1``.

Block formulas (numba scalars on a group's contiguous buffer), each written once:

* :func:`block_prox`: ``argmin_x 1/2 ||x - u||^2 + sum_j a1_j |x_j| + ag ||x||_2`` (with
  ``x >= 0`` when positive) = soft-thresholding by ``a1`` (of ``u_+``), then shrinking
  the norm by ``ag`` (block soft-thresholding);
* :func:`block_kkt`: the distance of ``v`` (minus the gradient) to the subdifferential;
* :func:`block_dual_scale`: the largest ``c`` with ``||S_a1(c v)||_2 <= ag`` (``S`` the
  soft-thresholding, of ``v_+`` when positive): the dual point's scaling of the duality
  gap, and ``1 / alpha_max`` of the group.
"""

import numbers
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from .._jit import njit
from .._validation import check_bool, check_penalty_factor, check_scalar
from ._fastmath import INTERNAL
from ._spec import PenaltySpec
from .separable import FASTMATH as _FM

__all__ = ["GroupArrays", "GroupLasso", "KernelGroup", "SparseGroupLasso", "parse_groups"]

# The arrays of a group penalty as one numba argument: int64 ``order`` (p) and ``starts``
# (m + 1), float64 ``wg`` (m) and ``a1`` (p), and the bool ``positive``.
KernelGroup = namedtuple("KernelGroup", "order starts wg a1 positive")


@njit(cache=True, fastmath=_FM)
def block_prox(u, a1, ag, positive, step):
    """``u`` replaced in place by ``argmin_x 1/2 ||x - u||^2 + step (sum_j a1_j |x_j| +
    ag ||x||_2)`` (``x >= 0`` when positive)."""
    nrm = 0.0
    for k in range(u.shape[0]):
        x = u[k]
        t = step * a1[k]
        if positive:
            x = max(x - t, 0.0)
        elif x > t:
            x -= t
        elif x < -t:
            x += t
        else:
            x = 0.0
        u[k] = x
        nrm += x * x
    nrm = np.sqrt(nrm)
    shrink = 0.0
    if nrm > step * ag:
        shrink = 1.0 - step * ag / nrm
    for k in range(u.shape[0]):
        u[k] *= shrink


@njit(cache=True, fastmath=_FM)
def block_kkt(w, v, a1, ag, positive):
    """Distance of ``v`` (minus the gradient) to the subdifferential of
    ``sum_j a1_j |w_j| + ag ||w||_2`` (+ the normal cone of ``w >= 0``) at ``w``."""
    nrm = 0.0
    for k in range(w.shape[0]):
        nrm += w[k] * w[k]
    nrm = np.sqrt(nrm)
    out = 0.0
    if nrm == 0.0:  # v must be in {S_a1 part} + ag * unit ball
        for k in range(w.shape[0]):
            m = v[k] if positive else abs(v[k])
            d = max(m - a1[k], 0.0)
            out += d * d
        return max(np.sqrt(out) - ag, 0.0)
    for k in range(w.shape[0]):
        x = w[k]
        if x == 0.0:
            m = v[k] if positive else abs(v[k])
            d = max(m - a1[k], 0.0)
        else:
            sg = 1.0 if x > 0.0 else -1.0
            d = v[k] - a1[k] * sg - ag * x / nrm
        out += d * d
    return np.sqrt(out)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def block_value(w, a1, ag):
    """``sum_j a1_j |w_j| + ag ||w||_2``."""
    nrm = 0.0
    l1 = 0.0
    for k in range(w.shape[0]):
        nrm += w[k] * w[k]
        l1 += a1[k] * abs(w[k])
    return l1 + ag * np.sqrt(nrm)


@njit(cache=True, fastmath=_FM)
def block_dual_scale(v, a1, ag, positive):
    """The largest ``c >= 0`` with ``||S_a1(c v)||_2 <= ag`` (``inf`` when every ``c``
    qualifies): ``h(c) = sum_j (c m_j - a1_j)_+^2`` (``m = |v|``, or ``v_+``) is a
    nondecreasing piecewise quadratic, solved on the segment of its sorted breakpoints
    ``a1_j / m_j`` where it crosses ``ag^2``."""
    g = v.shape[0]
    m = np.empty(g)
    ac = np.empty(g)
    t = np.empty(g)
    k = 0
    for j in range(g):
        mj = max(v[j], 0.0) if positive else abs(v[j])
        if mj > 0.0:
            m[k] = mj
            ac[k] = a1[j]
            t[k] = a1[j] / mj
            k += 1
    if k == 0:
        return np.inf
    idx = np.argsort(t[:k])
    if ag <= 0.0:
        return t[idx[0]]
    A = 0.0
    B = 0.0
    C = 0.0
    target = ag * ag
    for q in range(k):
        jj = idx[q]
        A += m[jj] * m[jj]
        B += m[jj] * ac[jj]
        C += ac[jj] * ac[jj]
        hi = t[idx[q + 1]] if q + 1 < k else np.inf
        # on [t_q, hi] the active terms are the first q + 1: h(c) = A c^2 - 2 B c + C
        if not np.isfinite(hi) or A * hi * hi - 2.0 * B * hi + C >= target:
            disc = B * B - A * (C - target)
            return (B + np.sqrt(max(disc, 0.0))) / A
    return np.inf


def _f64(x):
    return np.ascontiguousarray(x, dtype=np.float64)


@njit(cache=True, fastmath=_FM)
def _value_all(w, pen):
    out = 0.0
    starts, order = pen.starts, pen.order
    for g in range(starts.shape[0] - 1):
        st, en = starts[g], starts[g + 1]
        wb = np.empty(en - st)
        ab = np.empty(en - st)
        for k in range(st, en):
            wb[k - st] = w[order[k]]
            ab[k - st] = pen.a1[order[k]]
        out += block_value(wb, ab, pen.wg[g])
    return out


@njit(cache=True, fastmath=_FM)
def _per_group(w, v, pen, what, out):
    """Per group: 0 the KKT distance at ``w`` for ``v = -grad``, 1 the dual scale of ``v``,
    2 the dual scale of ``v`` for the unit-strength alpha_max."""
    starts, order = pen.starts, pen.order
    for g in range(starts.shape[0] - 1):
        st, en = starts[g], starts[g + 1]
        wb = np.empty(en - st)
        vb = np.empty(en - st)
        ab = np.empty(en - st)
        for k in range(st, en):
            j = order[k]
            wb[k - st] = w[j]
            vb[k - st] = v[j]
            ab[k - st] = pen.a1[j]
        if what == 0:
            out[g] = block_kkt(wb, vb, ab, pen.wg[g], pen.positive)
        else:
            out[g] = block_dual_scale(vb, ab, pen.wg[g], pen.positive)


@dataclass(frozen=True)
class GroupArrays:
    """What the solvers see of a group penalty (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.penalties import GroupLasso
    >>> pen = GroupLasso(groups=2, weights=[1.0, 2.0]).arrays(4)
    >>> pen.value(np.array([3.0, 4.0, 0.0, -1.0]))  # 1 * 5 + 2 * 1
    7.0
    """

    order: np.ndarray
    starts: np.ndarray
    wg: np.ndarray
    a1: np.ndarray
    positive: bool = False

    family = "group"
    smooth = False
    plain_l1 = False

    def __post_init__(self):
        object.__setattr__(self, "order", np.ascontiguousarray(self.order, dtype=np.int64))
        object.__setattr__(self, "starts", np.ascontiguousarray(self.starts, dtype=np.int64))
        object.__setattr__(self, "wg", _f64(self.wg))
        object.__setattr__(self, "a1", _f64(self.a1))
        object.__setattr__(self, "positive", bool(self.positive))
        object.__setattr__(self, "kernel", KernelGroup(self.order, self.starts, self.wg,
                                                       self.a1, self.positive))

    @property
    def n_groups(self):
        return self.starts.size - 1

    @property
    def name(self):
        return "sparse group lasso" if np.any(self.a1 > 0) else "group lasso"

    @property
    def group_of(self):
        """The group of every feature."""
        out = np.empty(self.order.size, dtype=np.int64)
        out[self.order] = np.repeat(np.arange(self.n_groups), np.diff(self.starts))
        return out

    @property
    def lo(self):
        return np.full(self.order.size, 0.0 if self.positive else -np.inf)

    @property
    def up(self):
        return np.full(self.order.size, np.inf)

    @property
    def bounded(self):
        return self.positive

    @property
    def unpenalized(self):
        """Features with no penalty: those of groups with norm weight 0 and no L1 part."""
        free = (self.wg[self.group_of] == 0) & (self.a1 == 0)
        return np.flatnonzero(free)

    def scaled(self, c, _unused=None):
        """The penalty at ``c`` times the strength."""
        return GroupArrays(self.order, self.starts, self.wg * c, self.a1 * c, self.positive)

    def standardized(self, sqnorms):
        raise ValueError("standardize=True is not supported by group penalties (a group's "
                         "norm of standardized coefficients is not a group norm of the "
                         "coefficients); standardize X beforehand.")

    def value(self, w):
        """Penalty value at ``w`` (``inf`` for a negative coefficient when positive)."""
        w = _f64(w)
        if self.positive and np.any(w < 0):
            return np.inf
        return float(_value_all(w, self.kernel))

    def value_change(self, w, w_new):
        """``value(w_new) - value(w)`` from the coefficients' changes, group by group
        (``||a|| - ||b|| = (a - b).(a + b) / (||a|| + ||b||)``): exact to the rounding
        level of the change, not of the values."""
        w, w_new = _f64(w), _f64(w_new)
        if self.positive and np.any(w_new < 0):
            return np.inf
        d = w_new - w
        l1 = float(self.a1 @ (np.abs(w_new) - np.abs(w)))
        if self.order.size == 0:
            return l1
        o, heads = self.order, self.starts[:-1]
        dots = np.add.reduceat((d * (w_new + w))[o], heads)
        norms = (np.sqrt(np.add.reduceat((w_new * w_new)[o], heads))
                 + np.sqrt(np.add.reduceat((w * w)[o], heads)))
        with np.errstate(invalid="ignore", divide="ignore"):
            change = np.where(norms > 0, dots / norms, 0.0)
        return l1 + float(self.wg @ change)

    def group_kkt(self, w, grad):
        """Per group, the distance of ``-grad`` to the subdifferential at ``w``."""
        out = np.empty(self.n_groups)
        _per_group(_f64(w), -_f64(grad), self.kernel, 0, out)
        return out

    def dual_scales(self, v):
        """Per group, the largest ``c`` with ``c v_g`` in the group's dual ball."""
        out = np.empty(self.n_groups)
        _per_group(np.zeros(self.order.size), _f64(v), self.kernel, 1, out)
        return out

    def alpha_max(self, grad, _l1_ratio=1.0):
        """Smallest ``alpha`` at which every penalized group is zero at the null model's
        gradient ``grad`` (this penalty at unit strength): ``max_g 1 / c_g`` with ``c_g``
        the dual scale of ``-grad`` in group g (rounded up by a relative 1e-12)."""
        c = self.dual_scales(-_f64(grad))
        l1 = np.add.reduceat(self.a1[self.order], self.starts[:-1]) if self.order.size else 0.0
        pen = (self.wg > 0) | (l1 > 0)
        c = c[pen]
        if c.size == 0:
            return 0.0
        cmin = float(np.min(c))
        if cmin == 0.0:
            return np.inf
        return (1.0 / cmin if np.isfinite(cmin) else 0.0) * (1.0 + 1e-12)


def parse_groups(groups, n_features):
    """The groups as ``(order, starts)``: an int (contiguous groups of that size, the last
    one smaller when it does not divide n_features), a label per feature, or a list of
    index arrays that partitions the features. A ``ValueError`` names ``groups`` when they
    do not cover every feature exactly once."""
    if isinstance(groups, (bool, np.bool_)):
        raise TypeError(f"'groups' must be an int, labels or index arrays, got {groups!r}.")
    if isinstance(groups, numbers.Integral):
        size = int(groups)
        if size < 1:
            raise ValueError(f"'groups' as a group size must be >= 1, got {size}.")
        order = np.arange(n_features, dtype=np.int64)
        starts = np.append(np.arange(0, n_features, size), n_features).astype(np.int64)
        return order, starts
    if isinstance(groups, (list, tuple)) and len(groups) and all(
            np.ndim(g) == 1 and not isinstance(g, str) for g in groups):
        parts = [np.asarray(g) for g in groups]
        if any(p.size == 0 for p in parts):
            raise ValueError("'groups' has an empty group.")
        if any(not np.issubdtype(p.dtype, np.integer) for p in parts):
            raise ValueError("'groups' as index arrays must hold integer feature indices.")
        order = np.concatenate(parts).astype(np.int64)
        if np.any(order < 0) or np.any(order >= n_features):
            raise ValueError(f"'groups' has feature indices outside [0, {n_features}).")
        counts = np.bincount(order, minlength=n_features)
        if np.any(counts == 0):
            raise ValueError(f"'groups' do not cover every feature: features "
                             f"{np.flatnonzero(counts == 0)[:10].tolist()} are in no group "
                             f"(every one of the {n_features} features needs a group).")
        if np.any(counts > 1):
            raise ValueError(f"'groups' overlap: features "
                             f"{np.flatnonzero(counts > 1)[:10].tolist()} are in several groups.")
        starts = np.append(0, np.cumsum([p.size for p in parts])).astype(np.int64)
        return order, starts
    labels = np.asarray(groups)
    if labels.ndim != 1 or labels.shape[0] != n_features:
        raise ValueError(f"'groups' as labels must give one label per feature ({n_features}), "
                         f"got shape {labels.shape}.")
    _, inv = np.unique(labels, return_inverse=True)
    order = np.argsort(inv, kind="stable").astype(np.int64)
    starts = np.append(0, np.cumsum(np.bincount(inv))).astype(np.int64)
    return order, starts


def _group_weights(weights, starts):
    sizes = np.diff(starts).astype(np.float64)
    if weights is None:
        return np.sqrt(sizes)
    wg = np.asarray(weights, dtype=np.float64)
    if wg.ndim == 0:
        wg = np.full(sizes.size, float(wg))
    if wg.shape != sizes.shape:
        raise ValueError(f"'weights' must have one value per group ({sizes.size}), got shape "
                         f"{wg.shape}.")
    if not np.all(np.isfinite(wg)) or np.any(wg < 0):
        raise ValueError("'weights' must be finite and non-negative.")
    return wg.copy()


class GroupLasso(PenaltySpec):
    """Group lasso ``alpha * sum_g wg_g ||w_{G_g}||_2``: whole groups are zero or not.

    Parameters
    ----------
    groups : int, array-like of labels, or list of index arrays
        The groups: a group size (contiguous groups; the last is smaller when the size
        does not divide n_features), one label per feature, or a list of arrays of
        feature indices that partitions the features.
    weights : array-like of shape (n_groups,), default=None
        Non-negative weight of each group's norm (in the order of the groups: sorted
        labels, or the order of the list); None means ``sqrt(group size)``. 0 leaves a
        group unpenalized.
    alpha : float, default=1.0
        Strength (>= 0); an estimator given this penalty sets it from its own ``alpha``.
    positive : bool, default=False
        Force the coefficients to be non-negative (other bounds are not supported: a
        group's norm with a box has no closed-form block update).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.penalties import GroupLasso
    >>> pen = GroupLasso(groups=[0, 0, 1], alpha=0.5).arrays(3)
    >>> pen.wg  # 0.5 * sqrt(group sizes)
    array([0.70710678, 0.5       ])
    """

    _accepts = ("positive",)

    def __init__(self, groups, weights=None, *, alpha=1.0, positive=False):
        self.groups = groups
        self.weights = weights
        self.alpha = alpha
        self.positive = positive

    def arrays(self, n_features):
        """Validate the parameters and return :class:`GroupArrays`."""
        alpha = check_scalar(self.alpha, "alpha", low=0.0)
        order, starts = parse_groups(self.groups, n_features)
        wg = _group_weights(self.weights, starts)
        return GroupArrays(order, starts, alpha * wg, np.zeros(n_features),
                           check_bool(self.positive, "positive"))


class SparseGroupLasso(PenaltySpec):
    """Sparse-group lasso
    ``alpha * (l1_ratio sum_j pf_j |w_j| + (1 - l1_ratio) sum_g wg_g ||w_{G_g}||_2)``:
    sparse groups, and sparse coefficients inside the selected groups.

    Parameters
    ----------
    groups : int, array-like of labels, or list of index arrays
        As in :class:`GroupLasso`.
    l1_ratio : float, default=0.5
        Mix of the L1 part (1.0: the lasso) and the group part (0.0: the group lasso).
    weights : array-like of shape (n_groups,), default=None
        Weights of the groups' norms; None means ``sqrt(group size)``.
    alpha : float, default=1.0
        Strength (>= 0); an estimator given this penalty sets it from its own ``alpha``.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature of the L1 part; None means ones.
    positive : bool, default=False
        Force the coefficients to be non-negative.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.penalties import SparseGroupLasso
    >>> pen = SparseGroupLasso(groups=2, l1_ratio=0.5, weights=[1.0, 1.0]).arrays(4)
    >>> pen.value(np.array([3.0, 4.0, 0.0, 0.0]))  # 0.5 * 7 + 0.5 * 5
    6.0
    """

    _accepts = ("penalty_factor", "positive")

    def __init__(self, groups, l1_ratio=0.5, weights=None, *, alpha=1.0, penalty_factor=None,
                 positive=False):
        self.groups = groups
        self.l1_ratio = l1_ratio
        self.weights = weights
        self.alpha = alpha
        self.penalty_factor = penalty_factor
        self.positive = positive

    def arrays(self, n_features):
        """Validate the parameters and return :class:`GroupArrays`."""
        alpha = check_scalar(self.alpha, "alpha", low=0.0)
        l1_ratio = check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        order, starts = parse_groups(self.groups, n_features)
        wg = _group_weights(self.weights, starts)
        pf = check_penalty_factor(self.penalty_factor, n_features)
        return GroupArrays(order, starts, alpha * (1.0 - l1_ratio) * wg, alpha * l1_ratio * pf,
                           check_bool(self.positive, "positive"))
