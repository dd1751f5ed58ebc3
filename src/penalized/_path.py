"""Regularization paths: warm-started fits over a decreasing grid of alphas."""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._validation import check_bool, check_int, check_sample_weight, check_scalar
from .datafits.glm import Huber, Logistic, Poisson
from .datafits.multinomial import Multinomial
from .datafits.quadratic import Quadratic
from .penalties.elastic_net import ElasticNet as ElasticNetPenalty
from .penalties.elastic_net import PenaltyArrays
from .solvers._design import Design
from .solvers.api import _check_target, _check_Xy, solve_design, standardized
from .solvers.cd import CDCache, _warn_cd, dense_path, dense_path_ok
from .solvers.gram_cd import FullGram, full_gram_ok, gram_path

__all__ = ["PathResult", "path"]


@dataclass
class PathResult:
    """A fitted regularization path.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        Decreasing penalty strengths.
    coefs : scipy.sparse.csc_matrix of shape (n_features, n_alphas) or list
        Coefficients per alpha (a CSC matrix, one column per alpha; for the multinomial
        datafit a list of (n_features, n_classes) arrays).
    intercepts : ndarray of shape (n_alphas,) or (n_alphas, n_classes)
    dual_gaps : ndarray of shape (n_alphas,)
        Certificate of each fit.
    n_iters : ndarray of shape (n_alphas,)
    df : ndarray of shape (n_alphas,)
        Number of nonzero coefficients (features with a nonzero coefficient for K > 1).
    dev_explained : ndarray of shape (n_alphas,)
        Fraction of the null model's excess loss explained (R^2 for least squares).
    converged : ndarray of bool, shape (n_alphas,)
    """

    alphas: np.ndarray
    coefs: object
    intercepts: np.ndarray
    dual_gaps: np.ndarray
    n_iters: np.ndarray
    df: np.ndarray
    dev_explained: np.ndarray
    converged: np.ndarray

    def __post_init__(self):
        # a certificate is never negative: below zero is rounding error of P - D
        self.dual_gaps = np.maximum(np.asarray(self.dual_gaps, dtype=np.float64), 0.0)

    def coef_at(self, i):
        """Coefficients at the i-th alpha as a dense array."""
        if isinstance(self.coefs, list):
            return self.coefs[i]
        return self.coefs[:, [i]].toarray().ravel()


def _null_gradient(design, y, datafit):
    """Gradient of the datafit in w at the intercept-only (or zero) model."""
    s, S = design.s, design.S
    if isinstance(datafit, Quadratic):
        ybar = float(s @ y) / S if design.center else 0.0
        g = -(y - ybar)
    elif isinstance(datafit, Multinomial):
        b = datafit.intercept_only(y, s) if design.center else np.zeros(y.shape[1])
        g = datafit.proba(np.tile(b, (design.n, 1))) - y
        return np.column_stack([design.rmatvec(s * g[:, k]) for k in range(y.shape[1])]) / S
    else:
        from .solvers.prox_newton import _optimize_intercept

        eta = np.zeros(design.n)
        if design.center:
            eta += datafit.intercept_only(y, s)
            eta += _optimize_intercept(datafit, y, eta, s)
        g = datafit.grad(y, eta)
    return design.rmatvec(s * g) / S


def path(X, y, datafit=None, *, l1_ratio=1.0, alphas=100, eps=1e-3, penalty_factor=None,
         lower_bounds=None, upper_bounds=None, positive=False, sample_weight=None,
         fit_intercept=True, standardize=False, tol=1e-4, max_iter=1000, verbose=0,
         _grid_only=False, _deviance=True, _gram=None):
    """Fit a warm-started regularization path over decreasing alphas.

    Each fit minimizes the objective of :func:`penalized.solve` with an
    :class:`~penalized.penalties.ElasticNet` penalty at one alpha, starting from the
    previous solution; every fit is certified on all features by its duality gap (the
    working sets play the role of the strong rule, the certificate the one of the KKT
    check).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) (one-hot (n_samples, K) for Multinomial)
    datafit : datafit, default=None
        One of :mod:`penalized.datafits` (default ``Quadratic()``).
    l1_ratio : float, default=1.0
        Elastic-net mix; must be > 0 when ``alphas`` is a count.
    alphas : int or array-like, default=100
        A count of alphas, log-spaced from ``alpha_max`` (the smallest alpha giving all-zero
        coefficients) down to ``eps * alpha_max``, as scikit-learn; or explicit alphas
        (fitted in decreasing order).
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of a generated grid.
    penalty_factor, lower_bounds, upper_bounds, positive, sample_weight, fit_intercept
        As in :class:`penalized.Lasso`.
    standardize : bool, default=False
        Penalize on the standardized scale (glmnet's default), as in :func:`solve`.
    tol, max_iter, verbose
        Passed to each fit.

    Returns
    -------
    PathResult

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import path
    >>> X, y = load_diabetes(return_X_y=True)
    >>> res = path(X, y, alphas=20)
    >>> int(res.df[0]), int(res.df[-1]), bool(res.dev_explained[-1] > 0.5)
    (0, 10, True)
    """
    if datafit is None:
        datafit = Quadratic()
    multi = isinstance(datafit, Multinomial)
    X, y = _check_Xy(X, y, multi=multi)
    if not isinstance(datafit, (Quadratic, Logistic, Poisson, Huber, Multinomial)):
        raise TypeError(f"datafit must be a penalized.datafits loss, got {datafit!r}.")
    _check_target(datafit, y)
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    l1_ratio = check_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    eps = check_scalar(eps, "eps", low=0.0, low_open=True)
    tol = check_scalar(tol, "tol", low=0.0)
    max_iter = check_int(max_iter, "max_iter")
    sample_weight = check_sample_weight(sample_weight, X.shape[0])
    unit = ElasticNetPenalty(1.0, 1.0, penalty_factor, lower_bounds, upper_bounds, positive)
    design = Design(X, sample_weight, fit_intercept)
    standardize = check_bool(standardize, "standardize")
    arr = unit.arrays(X.shape[1])  # a = pf (l1_ratio 1); b = pf below, the unit L2 weights
    arr = PenaltyArrays(a=arr.a, b=arr.a.copy(), lo=arr.lo, up=arr.up)
    if standardize:
        arr = standardized(arr, design)
    if isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):
        n_alphas = check_int(alphas, "alphas")
        if l1_ratio == 0:
            raise ValueError("A generated alpha grid needs l1_ratio > 0; pass explicit alphas.")
        amax = _alpha_max(design, y, datafit, arr, l1_ratio)
        grid = np.geomspace(amax, amax * eps, n_alphas) if n_alphas > 1 else np.array([amax])
        if _grid_only:
            return grid
    else:
        grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
            raise ValueError("alphas must be a positive count or non-empty finite values >= 0.")
    coefs, intercepts, gaps, iters, conv = [], [], [], [], []
    w0 = b0 = None
    # the plain-L1 flag is that of the l1_ratio's mix, computed once
    pen_unit = PenaltyArrays(a=arr.a, b=arr.b if l1_ratio < 1 else np.zeros_like(arr.b),
                             lo=arr.lo, up=arr.up)
    cache = (CDCache(design, full_gram=True, gram_matrix=_gram)
             if isinstance(datafit, Quadratic) else None)
    if isinstance(datafit, Quadratic) and not verbose and grid.size and grid.min() > 0:
        # the whole path in one kernel call: tall dense designs on the Gram matrix, wide
        # dense ones by the active-set solver
        fast = _kernel_path(design, y, pen_unit, grid, l1_ratio, tol, max_iter, cache)
        if fast is not None:
            W, b0s, gaps, iters, conv, rss, null = fast
            dev = (1.0 - rss / null if null > 0 else np.zeros(grid.size)) if _deviance \
                else np.full(grid.size, np.nan)
            return PathResult(alphas=grid, coefs=sp.csc_matrix(W), intercepts=b0s,
                              dual_gaps=gaps, n_iters=iters, df=np.count_nonzero(W, axis=0),
                              dev_explained=dev, converged=conv)
    for alpha in grid:
        pen = pen_unit.scaled(alpha * l1_ratio, alpha * (1.0 - l1_ratio))
        res = solve_design(design, y, datafit, pen, tol=tol, max_iter=max_iter, coef_init=w0,
                           intercept_init=None if isinstance(datafit, Quadratic) else b0,
                           verbose=verbose, cache=cache)
        w0, b0 = res.coef, res.intercept
        coefs.append(res.coef.copy())
        intercepts.append(np.copy(res.intercept))
        gaps.append(res.dual_gap)
        iters.append(res.n_iter)
        conv.append(res.converged)
    if not _deviance:
        dev = np.full(len(coefs), np.nan)
    elif cache is not None and cache.full is not None:  # from the Gram matrix: O(p^2)
        fg = cache.full
        W = np.column_stack(coefs)
        rss = fg.yy - 2.0 * (fg.q @ W) + np.sum(W * (fg.G @ W), axis=0)
        dev = 1.0 - rss / fg.yy if fg.yy > 0 else np.zeros(len(coefs))
    else:
        dev = _dev_explained(design, y, datafit, coefs, intercepts)
    if multi:
        coef_out = coefs
        df = np.array([int(np.any(c != 0, axis=1).sum()) for c in coefs])
    else:
        coef_out = sp.csc_matrix(np.column_stack(coefs))
        df = np.array([int(np.count_nonzero(c)) for c in coefs])
    return PathResult(alphas=grid, coefs=coef_out, intercepts=np.array(intercepts),
                      dual_gaps=np.array(gaps), n_iters=np.array(iters), df=df,
                      dev_explained=dev, converged=np.array(conv))


def _kernel_path(design, y, pen_unit, grid, l1_ratio, tol, max_iter, cache):
    """A least-squares path in one numba call, when the design allows one: (W, intercepts,
    gaps, epochs, converged, weighted residual sums of squares, null sum), else None."""
    s, S = design.s, design.S
    ybar = float(s @ y) / S if design.center else 0.0
    null = float(s @ (y - ybar) ** 2)
    if full_gram_ok(design, pen_unit):
        cache.full = FullGram(design, y - ybar, cache.gram_matrix)
        eps = float(np.finfo(design.dtype).eps)
        fg = cache.full
        W, gaps, iters, conv = gram_path(fg.G, fg.q, fg.yy, pen_unit, grid, l1_ratio,
                                         1.0 - l1_ratio, tol_gap=tol * fg.yy,
                                         max_iter=max_iter, eps=eps)
        rss = fg.yy - 2.0 * (fg.q @ W) + np.sum(W * (fg.G @ W), axis=0)
        for i in np.flatnonzero(~conv):
            _warn_cd(max_iter, gaps[i], tol * fg.yy, tol, stacklevel=4)
        b0s = ybar - design.mu @ W if design.center else np.zeros(grid.size)
        return W, b0s, gaps, iters, conv, rss * S, null
    if dense_path_ok(design, pen_unit):
        return (*dense_path(design, y, pen_unit, grid, l1_ratio, 1.0 - l1_ratio, tol=tol,
                            max_iter=max_iter), null)
    return None


def _alpha_max(design, y, datafit, arr, l1_ratio):
    """Smallest alpha with all penalized coefficients zero (rounded up by 1e-12)."""
    grad = _null_gradient(design, y, datafit)
    mag = np.abs(grad) if grad.ndim == 1 else np.abs(grad).max(axis=1)
    if grad.ndim == 1:
        mag = np.maximum(np.where(arr.up > 0, np.maximum(-grad, 0.0), 0.0),
                         np.where(arr.lo < 0, np.maximum(grad, 0.0), 0.0))
    mag[design.sqnorms() == 0] = 0.0
    pen_on = arr.a > 0
    amax = float(np.max(mag[pen_on] / (arr.a[pen_on] * l1_ratio), initial=0.0))
    return amax * (1.0 + 1e-12) if amax > 0 else 1.0


def _dev_explained(design, y, datafit, coefs, intercepts):
    s, S = design.s, design.S
    X = design.X
    if isinstance(datafit, Quadratic):
        ybar = float(s @ y) / S if design.center else 0.0
        null = float(s @ (y - ybar) ** 2)
        W = sp.csc_matrix(np.column_stack(coefs))
        XW = (X @ W).toarray() if sp.issparse(X) else (W.T @ X.T).T
        R = y[:, None] - np.asarray(XW, dtype=np.float64) - np.asarray(intercepts)
        rss = s @ (R * R)
        return 1.0 - rss / null if null > 0 else np.zeros(len(coefs))
    if isinstance(datafit, Multinomial):
        b0 = datafit.intercept_only(y, s) if design.center else np.zeros(y.shape[1])
        null = datafit.value(y, np.tile(b0, (design.n, 1)), s)
        sat = 0.0
        vals = [datafit.value(y, np.asarray(X @ w) + b, s) for w, b in zip(coefs, intercepts,
                                                                           strict=True)]
    else:
        from .solvers.prox_newton import _optimize_intercept

        eta0 = np.zeros(design.n)
        if design.center:
            eta0 += datafit.intercept_only(y, s)
            eta0 += _optimize_intercept(datafit, y, eta0, s)
        sat = float(s @ datafit.saturated(y)) / S
        null = datafit.value(y, eta0, s)
        vals = [datafit.value(y, np.asarray(X @ w).ravel() + b, s)
                for w, b in zip(coefs, intercepts, strict=True)]
    denom = null - sat
    return np.array([1.0 - (v - sat) / denom if denom > 0 else 0.0 for v in vals])
