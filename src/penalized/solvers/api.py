"""Low-level entry points: ``solve`` and ``alpha_max``, and what paths and CV share with
them (input checks, the null model's gradient, the dispatch to an engine)."""

import numpy as np
from sklearn.utils import check_array

from .._validation import (
    check_bool,
    check_finite_sparse,
    check_int,
    check_no_overflow,
    check_penalty_factor,
    check_sample_weight,
    check_scalar,
    check_target_overflow,
)
from ..datafits.base import Datafit
from ..datafits.quadratic import Quadratic
from ..penalties.elastic_net import ElasticNet as ElasticNetPenalty
from ..penalties.separable import PenaltyArrays
from .design import Design
from .engine import choose_engine

__all__ = ["alpha_max", "check_datafit", "check_Xy", "null_gradient", "null_model", "solve",
           "solve_design"]


def check_Xy(X, y, multi=False):
    """X as F-ordered float32/float64 or CSC, y float64 (one-hot 2-D when ``multi``)."""
    X = check_array(X, accept_sparse="csc", dtype=[np.float64, np.float32], order="F",
                    input_name="X")
    check_finite_sparse(X)
    if isinstance(y, np.ndarray) and y.dtype.names is not None:
        raise ValueError("A structured y (event, time) needs the Cox datafit.")
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
    check_no_overflow(X)
    check_target_overflow(y)
    return X, y


def check_datafit(datafit):
    """The datafit (``Quadratic()`` for None); a clear error for anything else."""
    if datafit is None:
        return Quadratic()
    if not isinstance(datafit, Datafit):
        raise TypeError(f"datafit must be a penalized.datafits loss, got {datafit!r}.")
    return datafit


def check_offset(offset, n, datafit):
    """The offset as a float64 vector of length n (None stays None)."""
    if offset is None:
        return None
    if datafit.multi_output:
        raise ValueError("offset is not supported for the Multinomial datafit.")
    offset = check_array(offset, ensure_2d=False, dtype=np.float64, input_name="offset")
    if offset.shape != (n,):
        raise ValueError(f"offset must have shape ({n},), got {offset.shape}.")
    return offset


def solve(X, y, datafit=None, penalty=None, *, sample_weight=None, fit_intercept=True,
          tol=1e-4, max_iter=1000, coef_init=None, intercept_init=None, offset=None,
          standardize=False, verbose=0, direct="auto"):
    """Solve a penalized problem on (X, y) and return a :class:`SolveResult`.

    The problem is ``datafit(y, X w + b + offset) + penalty(w)``; with the default
    :class:`~penalized.datafits.Quadratic` datafit and an
    :class:`~penalized.penalties.ElasticNet` penalty this is::

        1/(2 S) sum_i s_i (y_i - offset_i - x_i.w - b)^2
          + alpha * sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),
        lower_j <= w_j <= upper_j.

    The engine is chosen by :func:`penalized.solvers.engine.choose_engine`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Dense X is used in place when F-ordered float32/float64; sparse X is
        converted to CSC, never densified.
    y : array-like of shape (n_samples,)
    datafit : penalized.datafits.Datafit, default=None
        The loss, from :mod:`penalized.datafits` (default ``Quadratic()``). Logistic
        needs y in {0, 1}, Binomial proportions in [0, 1], Poisson y >= 0, Gamma y > 0,
        Tweedie(power) y >= 0 or > 0 (power >= 2), Multinomial a one-hot y of shape
        (n_samples, n_classes), Cox a survival target (structured (event, time) or
        (n_samples, 2) [time, event]; no intercept, solved by the engine
        ``coupled_newton``). GLMs are solved by prox-Newton (IRLS) with the same
        certificate contract; their ``tol`` is relative to the loss of the
        intercept-only model above the saturated loss.
    penalty : penalty of penalized.penalties, default=None
        The penalty; default ``L1(1.0)``. Beyond the elastic net: ``MCP``, ``SCAD``,
        ``LogSum``, ``Lq`` (certified by a critical-point criterion, ``criterion="kkt"``
        in the result), ``GroupLasso``, ``SparseGroupLasso`` and, with the
        ``MultiTaskQuadratic`` datafit and a 2-D y, ``L21``; the engine is chosen from the
        penalty's family (:func:`penalized.solvers.engine.choose_engine`).
    sample_weight : array-like of shape (n_samples,), default=None
    fit_intercept : bool, default=True
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol`` times the datafit's scale
        (``sum_i s_i (y_i - ybar)^2 / S`` for least squares).
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs (over working sets).
    coef_init : array-like of shape (n_features,), default=None
        Warm start ((n_features, n_classes) for Multinomial).
    intercept_init : float or array-like, default=None
        Warm start of the intercept (GLMs only).
    offset : array-like of shape (n_samples,), default=None
        Known part of the linear predictor (not for Multinomial).
    standardize : bool, default=False
        glmnet's ``standardize=TRUE``: penalize the coefficients of the standardized
        features (weighted standard deviation 1; root mean square without intercept)
        and report them on the original scale. Implemented without copying X: the L1
        weights are multiplied by sd_j and the L2 weights by sd_j^2, which is the same
        problem. Bounds apply to the reported (original-scale) coefficients.
    verbose : int, default=0
    direct : {"auto", True, False}, default="auto"
        Use the closed form for least-squares problems with no L1 part and no bounds
        (False: coordinate descent).

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
    datafit = check_datafit(datafit)
    if penalty is None:
        penalty = ElasticNetPenalty(1.0, 1.0)
    if not hasattr(penalty, "arrays"):
        raise TypeError(f"penalty must be a penalized.penalties penalty, got {penalty!r}.")
    if datafit.coupled:  # a survival table (structured, [time, event]) as an (n, 3) array
        y = datafit.check_target(y)
    X, y = check_Xy(X, y, multi=datafit.target_ndim == 2)
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    tol = check_scalar(tol, "tol", low=0.0)
    max_iter = check_int(max_iter, "max_iter")
    sample_weight = check_sample_weight(sample_weight, X.shape[0])
    y = datafit.check_target(y)
    pen = penalty.arrays(X.shape[1])
    shape = (X.shape[1], y.shape[1]) if datafit.multi_output else (X.shape[1],)
    if coef_init is not None:
        coef_init = np.asarray(coef_init, dtype=np.float64)
        if coef_init.shape != shape:
            raise ValueError(f"coef_init must have shape {shape}, got {coef_init.shape}.")
    offset = check_offset(offset, X.shape[0], datafit)
    design = Design(X, sample_weight, fit_intercept)
    if check_bool(standardize, "standardize"):
        pen = pen.standardized(design.sqnorms())
    return solve_design(design, y, datafit, pen, tol=tol, max_iter=max_iter,
                        coef_init=coef_init, intercept_init=intercept_init, offset=offset,
                        verbose=verbose, direct=direct)


def solve_design(design, y, datafit, pen, *, tol, max_iter, coef_init=None,
                 intercept_init=None, offset=None, verbose=0, direct="auto", engine=None,
                 gram=None, warn=True, precompute="auto", seed=-1, max_steps=None):
    """Solve a validated problem (a Design and PenaltyArrays) with ``engine`` (chosen by
    :func:`~penalized.solvers.engine.choose_engine` when None, with ``precompute`` and
    ``seed >= 0``, random coordinate order); ``gram`` is the
    :class:`~penalized.solvers.least_squares.FullGram` of the design when known;
    ``max_steps`` caps the outer iterations of the GLM engines (their estimators'
    ``max_iter``)."""
    if engine is None:
        engine = choose_engine(design, datafit, pen, closed_form=direct is not False,
                               precompute=precompute, shuffle=seed >= 0)
    if engine in ("direct", "gram", "working_set"):
        from .least_squares import solve_least_squares

        if offset is not None:
            y = y - offset  # the offset of the squared loss is a shift of the target
        return solve_least_squares(design, y, pen, engine, tol=tol, max_iter=max_iter,
                                   coef_init=coef_init, verbose=verbose, gram=gram, warn=warn,
                                   seed=seed)
    kw = dict(tol=tol, max_iter=max_iter, coef_init=coef_init, intercept_init=intercept_init,
              verbose=verbose, warn=warn, max_steps=max_steps)
    if engine == "prox_newton":
        from .prox_newton import glm_solve

        return glm_solve(design, y, datafit, pen, offset=offset, **kw)
    if engine == "coupled_newton":
        from .coupled_newton import coupled_solve

        return coupled_solve(design, y, datafit, pen, offset=offset, **kw)
    if engine == "multinomial":
        from .multinomial import multinomial_solve

        return multinomial_solve(design, y, datafit, pen, **kw)
    if engine == "grouped_multinomial":
        from .grouped_multinomial import grouped_multinomial_solve

        return grouped_multinomial_solve(design, y, datafit, pen, **kw)
    # the penalties beyond the elastic net (imported on first use: a plain lasso never
    # loads them)
    from .penalty_engines import run_engine

    return run_engine(engine, design, y, datafit, pen, seed=seed, offset=offset, **kw)


def null_model(design, y, datafit, pen, offset=None):
    """The null model: the intercept (if fitted) and the unpenalized features fitted,
    every penalized coefficient at zero, as ``(coef, intercept, eta)`` (``coef`` of shape
    (p,) or (p, K); ``eta`` includes the offset). ``pen`` only says which features are
    unpenalized (and their bounds)."""
    s = design.s
    off = 0.0 if offset is None else offset
    unpen = pen.unpenalized
    shape = (design.p,) + tuple(np.shape(y)[1:]) if datafit.multi_output else (design.p,)
    coef = np.zeros(shape)
    if unpen.size == 0:
        eta = datafit.null_eta(y, s, off, design.center)
        b = np.average(eta - off, weights=s, axis=0) if design.center else np.zeros(shape[1:])
        return coef, (b if datafit.multi_output else float(b)), eta
    sub = design.subset(unpen)
    zero = PenaltyArrays(np.zeros(unpen.size), np.zeros(unpen.size), pen.lo[unpen],
                         pen.up[unpen])
    res = solve_design(sub, y, datafit, zero, tol=1e-10, max_iter=100_000, offset=offset,
                       warn=False)
    coef[unpen] = res.coef
    return coef, res.intercept, sub.predictor(res.coef, res.intercept, off)


def null_gradient(design, y, datafit, pen, offset=None):
    """Gradient in w of the datafit at the null model (:func:`null_model`); shape (p,)
    or (p, K). Constant columns get 0. ``pen`` only says which features are unpenalized
    (and their bounds)."""
    s, S = design.s, design.S
    datafit = datafit.bind(y, s)  # a coupled loss (Cox) reads its rows once
    eta = null_model(design, y, datafit, pen, offset)[2]
    g = datafit.grad(y, eta) * (s[:, None] if datafit.multi_output else s)
    if datafit.multi_output:
        grad = np.column_stack([design.rmatvec(g[:, k]) for k in range(g.shape[1])]) / S
    else:
        grad = design.rmatvec(g) / S
    grad[design.sqnorms() == 0] = 0.0
    return grad


def alpha_max(X, y, *, l1_ratio=1.0, sample_weight=None, fit_intercept=True,
              penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False):
    """Smallest ``alpha`` at which every penalized coefficient is exactly zero.

    For the objective of :func:`solve` this is
    ``max_j |xc_j' diag(s) r0| / (S * l1_ratio * pf_j)`` over features with
    ``pf_j > 0``, where ``r0`` is the residual of the fit on the intercept and the
    unpenalized features (only the sign allowed by the bounds counts), rounded up by a
    relative 1e-12 so that ``alpha = alpha_max`` gives exact zeros despite rounding (for
    float32 X, to the largest value the gradient's float32 rounding allows).

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
    X, y = check_Xy(X, y)
    l1_ratio = check_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    if l1_ratio == 0:
        raise ValueError("alpha_max is infinite for l1_ratio=0 (no L1 part): use l1_ratio > 0.")
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    sample_weight = check_sample_weight(sample_weight, X.shape[0])
    pf = check_penalty_factor(penalty_factor, X.shape[1])
    pen = ElasticNetPenalty(1.0, 1.0, pf, lower_bounds, upper_bounds, positive).arrays(X.shape[1])
    design = Design(X, sample_weight, fit_intercept)
    grad = null_gradient(design, y, Quadratic(), pen)
    if design.dtype == np.float64:
        return pen.alpha_max(grad, l1_ratio)
    # float32 X: the engines compute this gradient in float32, off by up to
    # (n + 2) eps32 sum_i |xc_ij s_i r0_i| / S (n products, their inputs rounded once):
    # alpha_max is its largest value over that interval (a fit at the float64 value left
    # a coefficient of -1.9e-8 where the engine's gradient was 3.7e-8 larger)
    s, S = design.s, design.S
    r0 = np.abs(Quadratic().grad(y, null_model(design, y, Quadratic(), pen)[2]) * s)
    absX = abs(design.X) if design.sparse else np.abs(design.X)
    err = (np.asarray(absX.T @ r0, dtype=np.float64).ravel() + np.abs(design.mu) * r0.sum())
    err *= (design.n + 2) * float(np.finfo(design.dtype).eps) / S
    return max(pen.alpha_max(grad + err, l1_ratio), pen.alpha_max(grad - err, l1_ratio))
