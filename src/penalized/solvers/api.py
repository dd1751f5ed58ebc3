"""Low-level entry points: ``solve`` and ``alpha_max``."""

import numpy as np
from sklearn.utils import check_array

from .._validation import (
    check_bool,
    check_finite_sparse,
    check_int,
    check_penalty_factor,
    check_sample_weight,
    check_scalar,
)
from ..datafits.glm import Huber, Logistic, Poisson
from ..datafits.multinomial import Multinomial
from ..datafits.quadratic import DualProjector, Quadratic, duality_gap
from ..penalties.elastic_net import ElasticNet as ElasticNetPenalty
from ..penalties.elastic_net import PenaltyArrays
from ._design import Design
from .cd import SolveResult, cd_solve
from .direct import ridge_direct
from .group import grouped_multinomial_solve
from .multinomial import multinomial_solve
from .prox_newton import glm_solve

__all__ = ["alpha_max", "solve", "solve_design"]


def _check_Xy(X, y, multi=False):
    X = check_array(X, accept_sparse="csc", dtype=[np.float64, np.float32], order="F",
                    input_name="X")
    check_finite_sparse(X)
    y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
    if multi and y.ndim != 2:
        raise ValueError(f"y must be one-hot of shape (n_samples, n_classes), got {y.shape}.")
    if not multi and y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: X has "
            f"{X.shape[0]} and y has {y.shape[0]}."
        )
    return X, y


def standardized(pen, design):
    """Penalty arrays equivalent to standardizing the columns of X (see ``solve``)."""
    sd = np.sqrt(design.sqnorms())
    return PenaltyArrays(pen.a * sd, pen.b * sd * sd, pen.lo, pen.up)


def _check_target(datafit, y):
    """Targets outside a loss's domain give NaN or meaningless fits: refuse them."""
    if isinstance(datafit, Logistic) and not np.all((y == 0) | (y == 1)):
        raise ValueError("y must be 0 or 1 for the Logistic datafit.")
    if isinstance(datafit, Poisson):
        if np.any(y < 0):
            raise ValueError("y must be non-negative for the Poisson datafit.")
        if not np.any(y > 0):
            raise ValueError("y must have a positive value for the Poisson datafit "
                             "(all-zero counts have no finite maximum-likelihood fit).")
    if isinstance(datafit, Multinomial) and not (
            np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1)):
        raise ValueError("y must be one-hot (rows of 0/1 summing to 1) for Multinomial.")
    if isinstance(datafit, Huber):
        check_scalar(datafit.epsilon, "epsilon", low=0.0, low_open=True)


def solve(X, y, datafit=None, penalty=None, *, sample_weight=None, fit_intercept=True,
          tol=1e-4, max_iter=1000, coef_init=None, intercept_init=None, offset=None,
          standardize=False, verbose=0, direct="auto", _validated=False):
    """Solve a penalized problem on (X, y) and return a :class:`SolveResult`.

    The problem is ``datafit(y, X w + b) + penalty(w)``; with the default
    :class:`~penalized.datafits.Quadratic` datafit and an
    :class:`~penalized.penalties.ElasticNet` penalty this is::

        1/(2 S) sum_i s_i (y_i - x_i.w - b)^2
          + alpha * sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),
        lower_j <= w_j <= upper_j.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Dense X is used in place when F-ordered float32/float64; sparse X is
        converted to CSC, never densified.
    y : array-like of shape (n_samples,)
    datafit : {Quadratic, Logistic, Poisson, Huber, Multinomial}, default=None
        The loss, from :mod:`penalized.datafits` (default ``Quadratic()``). Logistic
        needs y in {0, 1}, Poisson y >= 0, Multinomial a one-hot y of shape
        (n_samples, n_classes). GLMs are solved by prox-Newton (IRLS) with the same
        certificate contract; their ``tol`` is relative to the loss of the
        intercept-only model above the saturated loss.
    penalty : penalized.penalties.ElasticNet, default=None
        The penalty; default ``L1(1.0)``.
    sample_weight : array-like of shape (n_samples,), default=None
    fit_intercept : bool, default=True
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * sum_i s_i (y_i - ybar)^2 / S``.
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs (over working sets).
    coef_init : array-like of shape (n_features,), default=None
        Warm start ((n_features, n_classes) for Multinomial).
    intercept_init : float or array-like, default=None
        Warm start of the intercept (GLMs only).
    offset : array-like of shape (n_samples,), default=None
        Known part of the linear predictor (GLMs with a per-sample loss only).
    standardize : bool, default=False
        glmnet's ``standardize=TRUE``: penalize the coefficients of the standardized
        features (weighted standard deviation 1; root mean square without intercept)
        and report them on the original scale. Implemented without copying X: the L1
        weights are multiplied by sd_j and the L2 weights by sd_j^2, which is the same
        problem. Bounds apply to the reported (original-scale) coefficients.
    verbose : int, default=0
    direct : {"auto", True, False}, default="auto"
        Use the closed-form solver for problems with no L1 part and no bounds.

    Returns
    -------
    SolveResult
        ``coef``, ``intercept``, ``dual_gap``, ``n_iter``, ``converged``...

    Examples
    --------
    >>> import numpy as np
    >>> from penalized import solve
    >>> from penalized.penalties import L1
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 5)); y = X[:, 0] + 0.1 * rng.standard_normal(50)
    >>> res = solve(X, y, penalty=L1(0.1))
    >>> res.converged, int(np.count_nonzero(res.coef))
    (True, 1)
    """
    if datafit is None:
        datafit = Quadratic()
    if not isinstance(datafit, (Quadratic, Logistic, Poisson, Huber, Multinomial)):
        raise TypeError(f"datafit must be a penalized.datafits loss, got {datafit!r}.")
    if penalty is None:
        penalty = ElasticNetPenalty(1.0, 1.0)
    if not hasattr(penalty, "arrays"):
        raise TypeError(f"penalty must be a penalized.penalties penalty, got {penalty!r}.")
    multi = isinstance(datafit, Multinomial)
    if not _validated:
        X, y = _check_Xy(X, y, multi=multi)
        fit_intercept = check_bool(fit_intercept, "fit_intercept")
        tol = check_scalar(tol, "tol", low=0.0)
        max_iter = check_int(max_iter, "max_iter")
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        _check_target(datafit, y)
    pen = penalty.arrays(X.shape[1])
    shape = (X.shape[1], y.shape[1]) if multi else (X.shape[1],)
    if coef_init is not None:
        coef_init = np.asarray(coef_init, dtype=np.float64)
        if coef_init.shape != shape:
            raise ValueError(f"coef_init must have shape {shape}, got {coef_init.shape}.")
    if offset is not None:
        if multi or isinstance(datafit, Quadratic):
            raise ValueError("offset is supported for Logistic, Poisson and Huber datafits.")
        offset = check_array(offset, ensure_2d=False, dtype=np.float64, input_name="offset")
        if offset.shape != (X.shape[0],):
            raise ValueError(f"offset must have shape ({X.shape[0]},), got {offset.shape}.")
    design = Design(X, sample_weight, fit_intercept)
    if check_bool(standardize, "standardize"):
        pen = standardized(pen, design)
    return solve_design(design, y, datafit, pen, tol=tol, max_iter=max_iter,
                        coef_init=coef_init, intercept_init=intercept_init, offset=offset,
                        verbose=verbose, direct=direct)


def solve_design(design, y, datafit, pen, *, tol, max_iter, coef_init=None,
                 intercept_init=None, offset=None, verbose=0, direct="auto", cache=None):
    """Dispatch a validated problem (a Design and PenaltyArrays) to its solver.

    ``cache`` (a :class:`~penalized.solvers.cd.CDCache` for the quadratic datafit) is
    reused across calls on the same design, e.g. along a path.
    """
    multi = isinstance(datafit, Multinomial)
    if multi:
        if check_bool(datafit.grouped, "grouped"):
            return grouped_multinomial_solve(design, y, datafit, pen, tol=tol,
                                             max_iter=max_iter, coef_init=coef_init,
                                             intercept_init=intercept_init, verbose=verbose)
        return multinomial_solve(design, y, datafit, pen, tol=tol, max_iter=max_iter,
                                 coef_init=coef_init, intercept_init=intercept_init,
                                 verbose=verbose)
    if not isinstance(datafit, Quadratic):
        return glm_solve(design, y, datafit, pen, offset=offset, tol=tol, max_iter=max_iter,
                         coef_init=coef_init, intercept_init=intercept_init, verbose=verbose)
    use_direct = (direct is True or direct == "auto") and not pen.bounded and np.all(pen.a == 0)
    if use_direct:
        res = _solve_direct(design, y, pen, tol)
        if res is not None:
            return res
    return cd_solve(design, y, pen, tol=tol, max_iter=max_iter, coef_init=coef_init,
                    verbose=verbose, cache=cache)


def _solve_direct(design, y, pen, tol):
    s, S = design.s, design.S
    ybar = float(s @ y) / S if design.center else 0.0
    yc = y - ybar
    w = ridge_direct(design, yc, pen.b)
    if w is None:
        return None
    L = design.sqnorms()
    w[(L == 0) & (pen.b == 0)] = 0.0
    r = yc - design.matvec(w)
    v = design.rmatvec(s * r) / S
    gap, primal, *_ = duality_gap(design, yc, w, r, v, pen, DualProjector(design))
    tol_gap = tol * float(s @ (yc * yc)) / S
    intercept = ybar - float(design.mu @ w) if design.center else 0.0
    return SolveResult(coef=w, intercept=intercept, dual_gap=max(float(gap), 0.0),
                       tol_gap=tol_gap, n_iter=1, converged=True, primal=float(primal))


def alpha_max(X, y, *, l1_ratio=1.0, sample_weight=None, fit_intercept=True,
              penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False):
    """Smallest ``alpha`` at which every penalized coefficient is exactly zero.

    For the objective of :func:`solve` this is
    ``max_j |xc_j' diag(s) r0| / (S * l1_ratio * pf_j)`` over features with
    ``pf_j > 0``, where ``r0`` is the residual of the fit on the intercept and the
    unpenalized features (only the sign allowed by the bounds counts), rounded up by a
    relative 1e-12 so that ``alpha = alpha_max`` gives exact zeros despite rounding.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    l1_ratio : float, default=1.0
        Must be > 0 (with no L1 part no finite alpha zeroes the coefficients).
    sample_weight, fit_intercept, penalty_factor, lower_bounds, upper_bounds, positive
        As in :class:`penalized.Lasso`.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from penalized import alpha_max, Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((30, 4)); y = X @ [1.0, 0, 0, 2.0]
    >>> amax = alpha_max(X, y)
    >>> bool(np.all(Lasso(alpha=amax).fit(X, y).coef_ == 0))
    True
    """
    X, y = _check_Xy(X, y)
    l1_ratio = check_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    if l1_ratio == 0:
        raise ValueError("alpha_max is infinite for l1_ratio=0 (no L1 part): use l1_ratio > 0.")
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    sample_weight = check_sample_weight(sample_weight, X.shape[0])
    pf = check_penalty_factor(penalty_factor, X.shape[1])
    pen = ElasticNetPenalty(1.0, 1.0, pf, lower_bounds, upper_bounds, positive).arrays(X.shape[1])
    design = Design(X, sample_weight, fit_intercept)
    s, S = design.s, design.S
    ybar = float(s @ y) / S if design.center else 0.0
    r = y - ybar
    r = DualProjector(design)(r, np.flatnonzero(pf == 0))
    v = design.rmatvec(s * r) / S
    L = design.sqnorms()
    v[L == 0] = 0.0
    v_up = np.where(pen.up > 0, np.maximum(v, 0.0), 0.0)
    v_lo = np.where(pen.lo < 0, np.maximum(-v, 0.0), 0.0)
    viol = np.maximum(v_up, v_lo)
    m = pf > 0
    if not np.any(m):
        return 0.0
    # rounded up by a relative 1e-12 so that fitting at exactly alpha_max gives exact
    # zeros despite rounding differences between this product and the solver's sums
    return float(np.max(viol[m] / (pf[m] * l1_ratio))) * (1.0 + 1e-12)
