"""Cross-validated least-squares paths of tall dense designs on downdated Gram matrices.

For n_samples >> n_features every fold's path is solved on its p x p Gram matrix by the
Gram engine (:mod:`penalized.solvers.least_squares`; the engine chooser decides: see
:func:`~penalized.solvers.engine.cv_on_gram_downdates`). Instead of one
``X_train' X_train`` per fold (and a copy of the training rows), the Gram matrix of all
rows is computed once, centered at the overall weighted mean, and each fold subtracts its
test rows' part (``n_test p^2`` flops) and recenters at the training mean by a rank-one
correction, which is exact algebra and numerically benign because the training and
overall means are close.
"""

import numpy as np

from ..paths import unit_penalty
from ..solvers.least_squares import FullGram, gram_path, warn_cd

__all__ = ["FoldGrams", "gram_fold_path", "gram_stats_path", "stats_problem"]


class FoldGrams:
    """The centered Gram matrix of all rows, and each fold's downdate of it."""

    def __init__(self, X, y, sample_weight, fit_intercept):
        self.s = (np.ones(X.shape[0]) if sample_weight is None
                  else np.asarray(sample_weight, dtype=np.float64))
        self.S = float(self.s.sum())
        self.unweighted = sample_weight is None
        self.center = bool(fit_intercept)
        self.dtype = X.dtype
        self.y = y
        self.m0 = self.s @ X / self.S if self.center else np.zeros(X.shape[1])
        self.Xc = np.asfortranarray(X, dtype=np.float64) - self.m0
        if sample_weight is None:
            self.A = self.Xc.T @ self.Xc
        else:
            Xw = self.Xc * np.sqrt(self.s)[:, None]
            self.A = Xw.T @ Xw

    def fold(self, train, test):
        """(G, q, yy, mu, ybar) of the training rows: the centered Gram matrix divided by
        the training weight, ``Xc' s yc / S``, ``yc' s yc / S``, the column means and the
        mean of y (zeros without intercept)."""
        s, y = self.s, self.y
        Xt, st = self.Xc[test], s[test]
        S_tr = float(s[train].sum())
        if not S_tr > 0:
            raise ValueError("'sample_weight' must not be all zero on a training fold: at "
                             "least one weight of every training fold must be positive.")
        A_tr = self.A - (Xt.T @ Xt if self.unweighted else (Xt * st[:, None]).T @ Xt)
        ybar = float(s[train] @ y[train]) / S_tr if self.center else 0.0
        if self.center:
            d = -(st @ Xt) / S_tr  # training mean of Xc (the weighted sum over all is 0)
            G = A_tr / S_tr - np.outer(d, d)
        else:
            d = np.zeros(self.Xc.shape[1])
            G = A_tr / S_tr
        u = s * (y - ybar)
        u[test] = 0.0
        q = self.Xc.T @ u / S_tr
        yy = float(u[train] @ (y[train] - ybar)) / S_tr
        return G, q, yy, self.m0 + d, ybar


def gram_fold_path(fg, train, test, grid, l1_ratio, kw):
    """Coefficients (p x m) and intercepts (m,) of the fold's path on ``grid``."""
    G, q, yy, mu, ybar = fg.fold(train, test)
    return gram_stats_path(G, q, yy, mu, ybar, fg.center, fg.dtype, grid, l1_ratio, kw)[:2]


def stats_problem(G, q, mu, dtype, kw):
    """The unit penalty (standardized when asked) of a least-squares problem given by its
    statistics; zeroes the constant columns of ``G`` and ``q`` in place (as
    ``Design.sqnorms``: no information on these rows)."""
    L = np.diag(G).copy()
    eps = float(np.finfo(dtype).eps)
    dead = L <= (64 * eps * (np.abs(mu) + np.sqrt(np.maximum(L, 0.0)))) ** 2
    L[dead] = 0.0
    G[dead, :] = 0.0
    G[:, dead] = 0.0
    q[dead] = 0.0
    pen_unit = unit_penalty(G.shape[0], kw["penalty_factor"], kw["lower_bounds"],
                            kw["upper_bounds"], kw["positive"])
    if kw["standardize"]:
        pen_unit = pen_unit.standardized(L)
    return pen_unit


def gram_stats_path(G, q, yy, mu, ybar, center, dtype, grid, l1_ratio, kw):
    """``(W (p x m), intercepts, gaps, epochs)`` of the path on ``grid`` from a fold's
    statistics (as :meth:`FoldGrams.fold` returns them, or reduced elsewhere, e.g. by
    :mod:`penalized.dask`); ``G`` and ``q`` are modified (see :func:`stats_problem`)."""
    pen_unit = stats_problem(G, q, mu, dtype, kw)
    eps = float(np.finfo(dtype).eps)
    tol_gap = kw["tol"] * yy
    W, gaps, iters, conv = gram_path(FullGram.from_arrays(G, q, yy), pen_unit, grid,
                                     l1_ratio, 1.0 - l1_ratio, tol_gap=tol_gap,
                                     max_iter=kw["max_iter"], eps=eps)
    if not conv.all():
        warn_cd(kw["max_iter"], float(gaps[~conv].max()), tol_gap, kw["tol"], stacklevel=4)
    b = ybar - mu @ W if center else np.zeros(len(grid))
    return W, b, gaps, iters
