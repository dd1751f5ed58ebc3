"""Regularization paths: warm-started fits over a decreasing grid of alphas.

:func:`path` is the public entry point; :func:`alpha_grid` and :func:`fit_path` are what it
shares with the cross-validated estimators (which fit many paths on fixed folds).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._validation import check_bool, check_int, check_sample_weight, check_scalar
from .penalties.elastic_net import ElasticNet as ElasticNetPenalty
from .penalties.separable import PenaltyArrays
from .solvers.api import check_datafit, check_offset, check_Xy, null_gradient, solve_design
from .solvers.design import Design
from .solvers.engine import choose_engine, logistic_path_ok

__all__ = ["GLM_PATH_TOL", "PATH_TOL", "PathResult", "alpha_grid", "fit_path",
           "grid_from_gradient", "path", "unit_penalty"]

# Default tolerance of least-squares paths and cross-validation: their CV curves at the
# defaults are at least as accurate as scikit-learn's (whose stopping rule overshoots its
# tol of 1e-4); glmnet's default threshold is 1e-7 too. GLM paths keep 1e-4: prox-Newton
# steps converge quadratically and end well below it.
PATH_TOL = 1e-7
GLM_PATH_TOL = 1e-4


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
    n_steps : ndarray of shape (n_alphas,) or None
        Outer iterations of each GLM fit (prox-Newton steps; None for the least-squares
        engines).
    """

    alphas: np.ndarray
    coefs: object
    intercepts: np.ndarray
    dual_gaps: np.ndarray
    n_iters: np.ndarray
    df: np.ndarray
    dev_explained: np.ndarray
    converged: np.ndarray
    n_steps: np.ndarray = None

    def __post_init__(self):
        # a certificate is never negative: below zero is rounding error of P - D
        self.dual_gaps = np.maximum(np.asarray(self.dual_gaps, dtype=np.float64), 0.0)

    def coef_at(self, i):
        """Coefficients at the i-th alpha as a dense array."""
        if isinstance(self.coefs, list):
            return self.coefs[i]
        return self.coefs[:, [i]].toarray().ravel()


def unit_penalty(n_features, penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 positive=False):
    """The elastic-net penalty at alpha 1 with both parts at full weight: ``a = b = pf``
    (at ``l1_ratio`` r the penalty is ``alpha * (r a |w| + (1 - r) b w^2 / 2)``)."""
    arr = ElasticNetPenalty(1.0, 1.0, penalty_factor, lower_bounds, upper_bounds,
                            positive).arrays(n_features)
    return PenaltyArrays(arr.a, arr.a.copy(), arr.lo, arr.up)


def _mix(pen_unit, l1_ratio):
    """The unit penalty at ``l1_ratio`` (alpha 1)."""
    return pen_unit.scaled(l1_ratio, 1.0 - l1_ratio)


def alpha_grid(design, y, datafit, pen_unit, l1_ratio, n_alphas, eps, offset=None):
    """Decreasing grid ``geomspace(alpha_max, eps * alpha_max, n_alphas)``, ``alpha_max``
    the smallest alpha with every penalized coefficient at zero (1 when there is none)."""
    grad = null_gradient(design, y, datafit, pen_unit, offset)
    return grid_from_gradient(grad, pen_unit, l1_ratio, n_alphas, eps)


def grid_from_gradient(grad, pen_unit, l1_ratio, n_alphas, eps):
    """The grid of :func:`alpha_grid` from the null model's gradient ``grad`` (computed
    elsewhere, e.g. from sums reduced by :mod:`penalized.dask`)."""
    amax = _mix(pen_unit, 1.0).alpha_max(grad, l1_ratio)
    if not (np.isfinite(amax) and amax > 0):
        amax = 1.0
    return np.geomspace(amax, amax * eps, n_alphas) if n_alphas > 1 else np.array([amax])


def fit_path(design, y, datafit, pen_unit, grid, l1_ratio, *, tol, max_iter, verbose=0,
             offset=None, gram=None, deviance=True, precompute="auto", seed=-1,
             max_steps=None):
    """The warm-started path over the decreasing ``grid`` (penalty
    ``alpha * _mix(pen_unit, l1_ratio)``) on a validated design.

    ``precompute`` and ``seed`` are scikit-learn's ``precompute`` and the random
    coordinate order of ``selection="random"`` (``seed >= 0``: alpha by alpha on the
    working-set engine). ``max_steps`` caps the outer iterations of each GLM fit (their
    estimators' ``max_iter``).

    Least-squares paths over positive alphas run in one engine call; others fit alpha by
    alpha from the previous solution. ``gram`` is the least-squares
    :class:`~penalized.solvers.least_squares.FullGram` when known; ``deviance=False`` skips
    the deviance explained (NaN).
    """
    grid = np.asarray(grid, dtype=np.float64)
    mix = _mix(pen_unit, l1_ratio)
    engine = choose_engine(design, datafit, mix, path=True, precompute=precompute,
                           shuffle=seed >= 0)
    m = grid.size
    if (engine in ("direct", "gram", "working_set") and not verbose and m and grid.min() > 0
            and seed < 0):
        from .solvers.least_squares import least_squares_path

        target = y if offset is None else y - offset
        W, b0s, gaps, iters, conv, rss = least_squares_path(
            design, target, pen_unit, grid, l1_ratio, 1.0 - l1_ratio, engine, tol=tol,
            max_iter=max_iter, gram=gram)
        coefs = path_csc(W)
        values = rss / (2.0 * design.S)
        return PathResult(alphas=grid, coefs=coefs, intercepts=b0s, dual_gaps=gaps,
                          n_iters=iters, df=np.diff(coefs.indptr).astype(np.int64),
                          dev_explained=_dev_explained(design, target, datafit, values, None)
                          if deviance else np.full(m, np.nan), converged=conv)
    if logistic_path_ok(design, datafit, mix, y, grid, verbose, seed):
        from .solvers.logistic_path import logistic_path_fits

        *fits, steps, values = logistic_path_fits(design, y, datafit, mix, grid, tol=tol,
                                                  max_iter=max_iter, offset=offset,
                                                  max_steps=max_steps)
        return path_result(design, y, datafit, grid, fits, offset, deviance, steps,
                           values=values)
    coefs, intercepts, gaps, iters, conv, steps = [], [], [], [], [], []
    w0 = b0 = None
    for alpha in grid:
        res = solve_design(design, y, datafit, mix.scaled(alpha, alpha), tol=tol,
                           max_iter=max_iter, coef_init=w0, intercept_init=b0, offset=offset,
                           verbose=verbose, gram=gram, precompute=precompute, seed=seed,
                           max_steps=max_steps)
        w0, b0 = res.coef, res.intercept
        coefs.append(res.coef.copy())
        intercepts.append(np.copy(res.intercept))
        gaps.append(res.dual_gap)
        iters.append(res.n_iter)
        conv.append(res.converged)
        steps.append(res.n_steps)
    return path_result(design, y, datafit, grid, (coefs, intercepts, gaps, iters, conv), offset,
                       deviance, None if datafit.quadratic else steps)


_CSC_KERNEL_MIN = 1 << 16  # entries from which a path's CSC matrix is built by a kernel


def path_csc(W):
    """The CSC matrix of a path's dense coefficients ``W`` (features x alphas): on large
    paths by :func:`~penalized.solvers.kernels.arrays.dense_csc` (small ones stay on
    scipy: loading the kernel would cost more)."""
    if (W.dtype == np.float64 and W.flags.f_contiguous and W.size >= _CSC_KERNEL_MIN
            and W.size < np.iinfo(np.int32).max):
        from .solvers.kernels.arrays import dense_csc

        return sp.csc_matrix(dense_csc(W), shape=W.shape)
    return sp.csc_matrix(W)


def path_result(design, y, datafit, grid, fits, offset, deviance, steps=None, values=None):
    """The :class:`PathResult` of the per-alpha fits ``(coefs, intercepts, gaps, iters,
    converged)``: coefficients as a CSC matrix (a list of (p, k) arrays for multi-output
    datafits), degrees of freedom (nonzero features), deviance explained when asked (from
    the fits' mean losses ``values`` when known)."""
    coefs, intercepts, gaps, iters, conv = fits
    dev = (_dev_explained(design, y, datafit, values, (coefs, intercepts, offset)) if deviance
           else np.full(grid.size, np.nan))
    if datafit.multi_output:
        coef_out = coefs
        df = np.array([int(np.any(c != 0, axis=1).sum()) for c in coefs])
    else:
        W = np.empty((design.p, len(coefs)), order="F",
                     dtype=np.result_type(*coefs) if coefs else np.float64)
        for i, c in enumerate(coefs):
            W[:, i] = c
        coef_out = path_csc(W) if coefs else sp.csc_matrix((design.p, 0))
        df = np.diff(coef_out.indptr).astype(np.int64)
    return PathResult(alphas=grid, coefs=coef_out, intercepts=np.array(intercepts),
                      dual_gaps=np.array(gaps), n_iters=np.array(iters), df=df,
                      dev_explained=dev, converged=np.array(conv),
                      n_steps=None if steps is None else np.array(steps, dtype=int))


def _dev_explained(design, y, datafit, values, fits):
    """Fraction of the null model's excess loss explained at each path point, from the
    datafit's values (``values``) or from the fits ``(coefs, intercepts, offset)``
    (the offset also enters the null model)."""
    s = design.s
    datafit = datafit.bind(y, s)
    off = 0.0 if fits is None or fits[2] is None else fits[2]
    null = datafit.value(y, datafit.null_eta(y, s, off, design.center), s)
    sat = float(s @ datafit.saturated(y)) / design.S
    if values is None:
        coefs, intercepts, _ = fits
        values = np.array([datafit.value(y, design.predictor(w, b, off), s)
                           for w, b in zip(coefs, intercepts, strict=True)])
    elif np.any(np.isnan(values)):
        # the fits whose value is not known (NaN) from their predictors
        coefs, intercepts, _ = fits
        values = np.array(values, dtype=np.float64)
        for i in np.flatnonzero(np.isnan(values)):
            values[i] = datafit.value(y, design.predictor(coefs[i], intercepts[i], off), s)
    denom = null - sat
    if not denom > 0:
        return np.zeros(len(values))
    return 1.0 - (np.asarray(values) - sat) / denom


def path(X, y, datafit=None, *, l1_ratio=1.0, alphas=100, eps=1e-3, penalty_factor=None,
         lower_bounds=None, upper_bounds=None, positive=False, sample_weight=None,
         offset=None, fit_intercept=True, standardize=False, tol=None, max_iter=1000,
         verbose=0, penalty=None):
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
        For :class:`~penalized.datafits.Cox`, a survival target (structured (event,
        time) array or (n_samples, 2) [time, event]); its fits have no intercept.
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
    offset : array-like of shape (n_samples,), default=None
        Known part of the linear predictor (not for Multinomial).
    standardize : bool, default=False
        Penalize on the standardized scale (glmnet's default), as in :func:`solve`.
    tol : float, default=None
        Tolerance of every fit (duality gap relative to the datafit's scale, as in
        :func:`solve`). None means 1e-7 for the squared loss (tighter than a single fit's
        default, so that curves along the path, and CV curves, are accurate) and 1e-4
        for the GLMs (prox-Newton steps end well below it).
    max_iter, verbose
        Passed to each fit.
    penalty : penalty object, default=None
        A penalty of :mod:`penalized.penalties` beyond the elastic net (``MCP``, ``SCAD``,
        ``LogSum``, ``Lq``, ``GroupLasso``, ``SparseGroupLasso``, ``L21`` with the
        ``MultiTaskQuadratic`` datafit) in place of the elastic net (``l1_ratio`` is then
        not used; the object's ``alpha`` is replaced by each alpha of the grid, whose top
        is the penalty's own ``alpha_max``). ``penalty_factor``, the bounds and
        ``positive`` fill in what the object leaves unset. Every fit starts from the
        previous alpha's solution; ``dual_gaps`` holds the critical-point criterion for
        nonconvex penalties.

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
    datafit = check_datafit(datafit)
    if datafit.coupled:  # a survival table (structured, [time, event]) as an (n, 3) array
        y = datafit.check_target(y)
    X, y = check_Xy(X, y, multi=datafit.target_ndim == 2)
    y = datafit.check_target(y)
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    l1_ratio = check_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    eps = check_scalar(eps, "eps", low=0.0, low_open=True)
    if tol is None:
        tol = PATH_TOL if datafit.quadratic else GLM_PATH_TOL
    tol = check_scalar(tol, "tol", low=0.0)
    max_iter = check_int(max_iter, "max_iter")
    sample_weight = check_sample_weight(sample_weight, X.shape[0])
    offset = check_offset(offset, X.shape[0], datafit)
    design = Design(X, sample_weight, fit_intercept)
    if penalty is not None:
        from .penalty_paths import penalty_path_from_design

        return penalty_path_from_design(design, y, datafit, penalty, alphas, eps,
                                        dict(penalty_factor=penalty_factor,
                                             lower_bounds=lower_bounds,
                                             upper_bounds=upper_bounds, positive=positive),
                                        check_bool(standardize, "standardize"), tol=tol,
                                        max_iter=max_iter, offset=offset, verbose=verbose)
    pen_unit = unit_penalty(X.shape[1], penalty_factor, lower_bounds, upper_bounds, positive)
    if check_bool(standardize, "standardize"):
        pen_unit = pen_unit.standardized(design.sqnorms())
    if isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):
        n_alphas = check_int(alphas, "alphas")
        if l1_ratio == 0:
            raise ValueError("A generated alpha grid needs l1_ratio > 0; pass explicit alphas.")
        grid = alpha_grid(design, y, datafit, pen_unit, l1_ratio, n_alphas, eps, offset)
    else:
        grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
            raise ValueError("alphas must be a positive count or non-empty finite values >= 0.")
    return fit_path(design, y, datafit, pen_unit, grid, l1_ratio, tol=tol, max_iter=max_iter,
                    verbose=verbose, offset=offset)
