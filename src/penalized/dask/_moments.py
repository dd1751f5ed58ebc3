"""Weighted moments of blocks of rows, merged exactly (Chan, Golub and LeVeque).

A block's :data:`Moments` are its weight sum ``S``, its weighted mean ``m`` and its
centered second moment ``M = sum_i s_i (z_i - m)(z_i - m)'`` of the rows
``z_i = (x_i, y_i)``. Two blocks merge without cancellation::

    S = Sa + Sb,  m = ma + (mb - ma) Sb / S,  M = Ma + Mb + (mb - ma)(mb - ma)' Sa Sb / S

so the least-squares statistics of any union of blocks (all rows, a training fold = the
other folds) are exact to rounding, whatever the means of the columns. Per-fold moments
are dicts ``{fold label: Moments}`` merged key by key.
"""

from collections import namedtuple

import numpy as np

__all__ = ["Moments", "block_moments", "fold_labels", "gram_of", "merge", "merge_folds",
           "sse", "weighted_sum"]

Moments = namedtuple("Moments", "S m M")


def block_moments(Z, s):
    """The :data:`Moments` of the rows of ``Z`` with weights ``s`` (None: ones)."""
    d = Z.shape[1]
    if Z.shape[0] == 0:
        return Moments(0.0, np.zeros(d), np.zeros((d, d)))
    if s is None:
        S = float(Z.shape[0])
        m = Z.mean(axis=0)
        Zc = Z - m
        return Moments(S, m, Zc.T @ Zc)
    S = float(s.sum())
    if not S > 0:
        return Moments(0.0, np.zeros(d), np.zeros((d, d)))
    m = (s @ Z) / S
    Zc = Z - m
    return Moments(S, m, (Zc * s[:, None]).T @ Zc)


def merge(a, b):
    """The moments of the union of two sets of rows."""
    if not b.S > 0:
        return a
    if not a.S > 0:
        return b
    S = a.S + b.S
    d = b.m - a.m
    return Moments(S, a.m + d * (b.S / S), a.M + b.M + np.outer(d, d) * (a.S * b.S / S))


def merge_folds(a, b):
    """Merge two ``{fold: Moments}`` dicts key by key."""
    out = dict(a)
    for k, v in b.items():
        out[k] = merge(out[k], v) if k in out else v
    return out


def weighted_sum(by_label, weight_of):
    """The moments of all rows from ``{label: Moments}``, each label's rows weighted by
    ``weight_of(label)`` (class weights: scaling the weights scales ``S`` and ``M``)."""
    out = None
    for label in sorted(by_label):
        mom, c = by_label[label], float(weight_of(label))
        mom = Moments(mom.S * c, mom.m, mom.M * c)
        out = mom if out is None else merge(out, mom)
    return out


def fold_labels(n_rows, start, bounds, fid):
    """Fold label of each row of a block: from ``foldid`` values, from contiguous folds
    (``bounds``: the end row of each fold, with the block's first row ``start``), or 0."""
    if fid is not None:
        return fid
    if bounds is None:
        return np.zeros(n_rows, dtype=np.int64)
    return np.searchsorted(bounds, start + np.arange(n_rows), side="right")


def gram_of(mom, p, center):
    """``(G, q, yy, mu, ybar)`` of the least-squares problem on the rows of ``mom``
    (moments of ``(x, y)``): the centered Gram matrix / S etc. (raw ones without
    intercept), as :class:`~penalized.model_selection._gram_cv.FoldGrams` gives them."""
    S = mom.S
    if center:
        M, mu, ybar = mom.M, mom.m[:p].copy(), float(mom.m[p])
    else:
        M, mu, ybar = mom.M + S * np.outer(mom.m, mom.m), np.zeros(p), 0.0
    return (M[:p, :p] / S, M[:p, p] / S, float(M[p, p]) / S, mu, ybar)


def sse(mom, p, W, b):
    """Weighted sums of squared errors ``sum_i s_i (y_i - x_i.w - b)^2`` on the rows of
    ``mom`` for each column of ``W`` (p x m) and intercept of ``b`` (m,)."""
    Mxx, Mxy, Myy = mom.M[:p, :p], mom.M[:p, p], mom.M[p, p]
    shift = mom.m[p] - b - mom.m[:p] @ W
    out = Myy - 2.0 * (Mxy @ W) + np.einsum("jm,jm->m", W, Mxx @ W) + mom.S * shift * shift
    return np.maximum(out, 0.0)
