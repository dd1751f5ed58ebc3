"""Squared loss on dask: one pass of sufficient statistics, then the in-memory engines.

One pass reduces, per cross-validation fold, the exact weighted moments of ``(x, y)``
(:mod:`penalized.dask._moments`): weight sums, weighted means of the columns and of y,
and the centered ``X'WX``, ``X'Wy`` and ``y'Wy``. Everything else runs on the client on
p x p matrices, with the engines the in-memory estimators use:

* a fit: the Gram engine (:func:`penalized.solvers.least_squares.gram_solve`), or the
  closed form (:func:`penalized.solvers.direct.ridge_from_gram`) without L1 part and
  bounds;
* a path: the Gram engine's path (:func:`penalized.model_selection._gram_cv.gram_stats_path`);
* cross-validation: each training fold's statistics are the merge of the other folds'
  (exact, no subtraction), its path as above, and the test fold's mean squared error
  from its own moments (no second pass); a test error that is not a function of the
  moments (``scoring="mae"``) takes a second pass.

When p is above :func:`gram_max_features`, the p x p statistics are not formed: the
fits fall back to :mod:`penalized.dask._fista` (a pass per iteration).
"""

import dask
import numpy as np

from ..model_selection._gram_cv import gram_stats_path, stats_problem
from ..solvers.direct import ridge_from_gram
from ..solvers.least_squares import FullGram, gram_solve, warn_cd
from ._moments import block_moments, fold_labels, gram_of, merge_folds, sse

__all__ = ["cv_errors_pass", "fit_stats", "gram_max_features", "moments_pass", "null_grad",
           "stats_path"]


def gram_max_features():
    """The largest p for which the fits reduce p x p statistics (dask config
    ``penalized.gram-max-features``, default 2048: 32 MB per matrix on the client, one
    matrix per fold)."""
    return int(dask.config.get("penalized.gram-max-features", 2048))


def _moments_block(block, i, extra, p):
    X, y, s, _, fid = block
    start, bounds = (None, None) if extra is None else extra
    labels = fold_labels(X.shape[0], start, bounds, fid)
    Z = np.empty((X.shape[0], p + 1), order="F")
    Z[:, :p] = X
    Z[:, p] = y
    if bounds is None and fid is None:
        return {0: block_moments(Z, s)}
    out = {}
    for k in np.unique(labels):
        rows = labels == k
        key = k.item() if hasattr(k, "item") else k
        out[key] = block_moments(Z[rows], None if s is None else s[rows])
    return out


def moments_pass(runner, fold_extra=None):
    """``{fold label: Moments}`` of ``(x, y)`` (one label, 0, without folds): one pass."""
    return runner.map_reduce(_moments_block, merge_folds, runner.blocks.p, extra=fold_extra)


def null_grad(G, q, pen_unit):
    """The gradient in w at the null model (intercept and unpenalized features fitted)."""
    U = pen_unit.unpenalized
    r = q.copy()
    if U.size:
        wU = np.linalg.pinv(G[np.ix_(U, U)], rcond=1e-12, hermitian=True) @ q[U]
        r -= G[:, U] @ wU
    return -r


def fit_stats(mom, p, center, alpha, l1_ratio, kw, dtype, coef_init=None):
    """One fit on the moments: ``(coef, intercept, gap, epochs)``."""
    G, q, yy, mu, ybar = gram_of(mom, p, center)
    pen = stats_problem(G, q, mu, dtype, kw).scaled(alpha * l1_ratio, alpha * (1 - l1_ratio))
    fg = FullGram.from_arrays(G, q, yy)
    tol_gap = kw["tol"] * yy
    w0 = coef_init
    if pen.smooth:  # the closed form, certified below (as the in-memory "direct" engine)
        w0 = ridge_from_gram(G, q, pen.b)
    w, gap, _, epochs, conv = gram_solve(fg, pen, w0, tol_gap=tol_gap, max_iter=kw["max_iter"],
                                         eps=float(np.finfo(dtype).eps))
    if not conv:
        warn_cd(kw["max_iter"], gap, tol_gap, kw["tol"], stacklevel=4)
    b = ybar - mu @ w if center else 0.0
    return w, float(b), gap, max(epochs, 1)


def stats_path(mom, p, center, grid, l1_ratio, kw, dtype):
    """The path on the moments: ``(W, intercepts, gaps, epochs, rss)``."""
    G, q, yy, mu, ybar = gram_of(mom, p, center)
    W, b, gaps, iters = gram_stats_path(G, q, yy, mu, ybar, center, dtype, grid, l1_ratio, kw)
    rss = sse(mom, p, W, b)
    return W, b, gaps, iters, rss


def _abs_block(block, i, extra, p, coefs, key_of):
    """Per fold: weighted sums of |y - eta| over its test rows for every path point."""
    X, y, s, _, fid = block
    start, bounds = (None, None) if extra is None else extra
    labels = fold_labels(X.shape[0], start, bounds, fid)
    out = {}
    for k in np.unique(labels):
        key = k.item() if hasattr(k, "item") else k
        rows = labels == k
        sk = np.ones(int(rows.sum())) if s is None else s[rows]
        for li, (W, b) in enumerate(coefs[key_of[key]]):
            err = np.abs(y[rows][:, None] - (X[rows] @ W + b))
            out[(li, key)] = sk @ err
    return out


def _add_dicts(a, b):
    out = dict(a)
    for k, v in b.items():
        out[k] = out[k] + v if k in out else v
    return out


def cv_errors_pass(runner, fold_extra, coefs, key_of):
    """``{(l1_ratio index, fold label): weighted absolute errors (m,)}``: one pass."""
    return runner.map_reduce(_abs_block, _add_dicts, runner.blocks.p, coefs, key_of,
                             extra=fold_extra)
