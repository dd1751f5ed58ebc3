"""Squared-loss estimators: Lasso, ElasticNet, Ridge (scikit-learn's parameters and
meaning, plus penalized's own options under names scikit-learn does not use)."""

import numpy as np
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin

from .._validation import InvalidParameterError, check_sample_weight, check_scalar
from ..datafits import Quadratic
from ..solvers.design import Design
from ._base import (
    FitParams,
    build_penalty,
    check_bool,
    check_choice,
    check_copy_X,
    check_fit_params,
    check_int,
    check_offset,
    check_precompute,
    decision,
    fit_problem,
    selection_seed,
    sparse_coef,
    user_gram,
    validate_fit_data,
)

__all__ = ["ElasticNet", "Lasso", "Ridge"]

_NOTES = """
    Notes
    -----
    The engine (:func:`penalized.solvers.engine.choose_engine`) is the closed form for
    problems with no L1 part and no bounds, coordinate descent on the Gram matrix for tall
    designs when ``precompute`` allows it, and else working-set coordinate descent
    (residual updates, Anderson acceleration, active-set and support Newton steps).

    Stopping rule: the fit stops when the duality gap of the objective above is at
    most ``tol * sum_i s_i (y_i - ybar)^2 / S`` (``ybar`` the weighted mean of y with
    an intercept, 0 without), i.e. scikit-learn's rule ``gap <= tol * ||y||^2 / n``
    for the same objective, or when the gap reaches the level of floating-point
    rounding error. The gap at return is ``dual_gap_``; a ``ConvergenceWarning``
    naming the gap and tol is raised when ``max_iter`` epochs end the fit first.

    A 2-D ``y`` is fitted column by column (as scikit-learn does), with ``coef_`` of
    shape (n_targets, n_features). X is never modified (``copy_X`` changes nothing).

    ``penalty_factor`` is used as given; glmnet rescales its ``penalty.factor`` to sum to
    n_features, so glmnet with factors ``pf`` matches ``pf * n_features / sum(pf)`` here.
    glmnet's ``lambda`` equals ``alpha`` for the Gaussian family when y is not
    standardized (glmnet's ``standardize=FALSE``, ``alpha`` there = ``l1_ratio`` here).
"""

_CD_PARAMS = """
    precompute : "auto", bool or array-like of shape (n_features, n_features), \
default=False
        scikit-learn's: whether to use a precomputed Gram matrix ``X'X`` (the Gram
        engine); "auto" lets the engine chooser decide; an array is the user's ``X'X``
        (checked on one entry; centered here with an intercept, recomputed with a
        warning when sample weights change it, as scikit-learn does).
    copy_X : bool, default=True
        scikit-learn's; X is never modified here, so both values give the same fit.
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs (over all inner solves).
    tol : float, default=1e-4
        Tolerance on the duality gap, relative to the scale given in Notes.
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    random_state : int, RandomState instance or None, default=None
        Seed of the random coordinate order with ``selection="random"``.
    selection : {"cyclic", "random"}, default="cyclic"
        Coordinates visited in order, or in a random order drawn for each working set
        (scikit-learn's ``selection``).
    verbose : int, default=0
        Print the gap after each outer iteration when > 0.
"""

_OWN = """    positive : bool, default=False
        Force the coefficients to be non-negative (``lower_bounds=0``).
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative multiplier of ``alpha`` per feature; 0 leaves a feature
        unpenalized (penalized's option; glmnet's ``penalty.factor``).
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Bounds on the coefficients (lower <= 0 <= upper; None: unbounded).
    standardize : bool, default=False
        glmnet's ``standardize``: penalize the coefficients of the standardized features
        and report them on the original scale (no copy of X).
"""

_ATTRS = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients, in the dtype of X (float32 stays float32).
    sparse_coef_ : scipy.sparse.csr_matrix of shape (n_targets, n_features)
        ``coef_`` as a sparse matrix.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept (0.0 when ``fit_intercept=False``).
    dual_gap_ : float or ndarray of shape (n_targets,)
        Duality gap at the returned solution.
    n_iter_ : int or list of int
        Number of coordinate-descent epochs run (1 for the closed form).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.
"""


class _LinearBase(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Shared fit / predict of the squared-loss estimators; subclasses say how they read
    their parameters (``_problem``)."""

    def _problem(self, X, sample_weight):
        """(FitParams, l1_ratio, per-target internal alphas or a scalar, engine keywords)."""
        raise NotImplementedError

    def fit(self, X, y, sample_weight=None, check_input=True, offset=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. F-ordered float64/float32 arrays are used without a copy;
            sparse matrices are converted to CSC and never densified.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values; the columns of a 2-D y are fitted independently.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights ``s_i`` in the objective.
        check_input : bool, default=True
            scikit-learn's: False skips the validation of X and y (they must then be
            arrays in the expected format already).
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1): the model is
            fitted to ``y - offset`` (every column of a 2-D y). None means 0.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        # an (n, 1) y is fitted as 1-D, with scikit-learn's intercept_ of shape (1,)
        shape = getattr(y, "shape", None)  # not np.shape: y may refuse array functions
        column = (len(shape) == 2 if shape is not None
                  else isinstance(y, (list, tuple)) and np.ndim(y) == 2)
        colsq = None  # X's column sums of squares, from the finite check's pass
        if check_bool(check_input, "check_input"):
            X, y, colsq = validate_fit_data(self, X, y, multi_output=True,
                                            column_squares=True)
        y = np.asarray(y, dtype=np.float64)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        off = check_offset(offset, X.shape[0])
        prm, l1_ratio, alphas, engine = self._problem(X, sample_weight)
        Y = y[:, None] if y.ndim == 1 else y
        alphas = np.broadcast_to(np.asarray(alphas, dtype=np.float64), (Y.shape[1],))
        prev = getattr(self, "coef_", None) if prm.warm_start else None
        if prev is not None and np.shape(prev) != ((X.shape[1],) if y.ndim == 1
                                                    else (Y.shape[1], X.shape[1])):
            prev = None
        gram = engine.pop("gram_matrix", None)
        design = Design(X, sample_weight, prm.fit_intercept, raw_sqnorms=colsq)  # every target's
        results = []
        for t in range(Y.shape[1]):
            init = None if prev is None else np.atleast_2d(prev)[t]
            kw = dict(engine, design=design)
            if gram is not None:
                kw["gram"] = user_gram(gram, design, Y[:, t] if off is None else Y[:, t] - off)
            results.append(fit_problem(X, Y[:, t], Quadratic(),
                                       build_penalty(self, alphas[t], l1_ratio), prm,
                                       sample_weight=sample_weight, coef_init=init, offset=off,
                                       **kw))
        coef = np.array([r.coef for r in results])
        self.coef_ = (coef[0] if y.ndim == 1 else coef).astype(X.dtype, copy=False)
        intercepts = np.array([r.intercept for r in results], dtype=np.float64)
        gaps = np.array([r.dual_gap for r in results])
        iters = [int(r.n_iter) for r in results]
        if y.ndim == 1:
            self.intercept_, self.dual_gap_, self.n_iter_ = float(intercepts[0]), \
                float(gaps[0]), iters[0]
            if column:
                self.intercept_ = intercepts
        else:
            self.intercept_, self.dual_gap_, self.n_iter_ = intercepts, gaps, iters
        return self

    @property
    def sparse_coef_(self):
        """``coef_`` as a CSR matrix of shape (n_targets, n_features)."""
        return sparse_coef(self)

    def predict(self, X, offset=None):
        """Predict ``X @ coef_.T + intercept_ + offset``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1). None means 0.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        return decision(self, X, offset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags


class _CDLinear(_LinearBase):
    """Lasso and ElasticNet: scikit-learn's coordinate-descent parameters."""

    _l1_ratio_fixed = None

    def _problem(self, X, sample_weight):
        prm = check_fit_params(self)
        l1_ratio = (self._l1_ratio_fixed if self._l1_ratio_fixed is not None
                    else check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0))
        check_copy_X(self)
        precompute = check_precompute(self.precompute, X)
        engine = {"seed": selection_seed(self)}
        if isinstance(precompute, np.ndarray):
            engine.update(precompute=True, gram_matrix=precompute)
        else:
            engine["precompute"] = precompute
        return prm, l1_ratio, prm.alpha, engine


class ElasticNet(_CDLinear):
    __doc__ = """Linear regression with a combined L1 and L2 penalty.

    Minimizes::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2
          + alpha * sum_j pf_j * (l1_ratio * |w_j| + (1 - l1_ratio)/2 * w_j^2)

    subject to ``lower_bounds <= w <= upper_bounds``, with ``s`` the sample weights
    (ones by default), ``S = sum(s)`` and ``pf`` the penalty factors (ones by
    default). With default options this is exactly scikit-learn's ``ElasticNet``, whose
    parameters all mean the same here.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0); ``alpha=0`` is ordinary least squares, solved exactly
        (minimum norm when p > n).
    l1_ratio : float, default=0.5
        Mix of L1 (1.0) and L2 (0.0), in [0, 1].
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b`` (X is centered implicitly, never copied).
""" + _CD_PARAMS + _OWN + _ATTRS + _NOTES + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import ElasticNet
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = ElasticNet(alpha=0.01, l1_ratio=0.7).fit(X, y)
    >>> model.coef_.shape, bool(model.dual_gap_ <= 1e-4 * y.var())
    ((10,), True)
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, precompute=False,
                 max_iter=1000, copy_X=True, tol=1e-4, warm_start=False, positive=False,
                 random_state=None, selection="cyclic", penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, standardize=False, verbose=0):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.standardize = standardize
        self.verbose = verbose


class Lasso(_CDLinear):
    __doc__ = """Linear regression with an L1 penalty.

    Minimizes::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2 + alpha * sum_j pf_j * |w_j|

    subject to ``lower_bounds <= w <= upper_bounds``, with ``s`` the sample weights
    (ones by default), ``S = sum(s)`` and ``pf`` the penalty factors (ones by
    default). With default options this is exactly scikit-learn's ``Lasso``, whose
    parameters all mean the same here.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0); see :func:`penalized.alpha_max` for the smallest
        alpha giving all-zero coefficients. ``alpha=0`` is ordinary least squares,
        solved exactly (minimum norm when p > n).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b`` (X is centered implicitly, never copied).
""" + _CD_PARAMS + _OWN + _ATTRS + _NOTES + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import Lasso
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = Lasso(alpha=0.1).fit(X, y)
    >>> int((model.coef_ != 0).sum())
    7
    """

    _l1_ratio_fixed = 1.0

    def __init__(self, alpha=1.0, *, fit_intercept=True, precompute=False, copy_X=True,
                 max_iter=1000, tol=1e-4, warm_start=False, positive=False, random_state=None,
                 selection="cyclic", penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, standardize=False, verbose=0):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.standardize = standardize
        self.verbose = verbose


_RIDGE_SOLVERS = ("auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs")


class Ridge(_LinearBase):
    __doc__ = """Linear regression with an L2 penalty: scikit-learn's ``Ridge``.

    Minimizes scikit-learn's objective::

        sum_i s_i (y_i - x_i.w - b)^2 + alpha * sum_j pf_j * w_j^2

    subject to ``lower_bounds <= w <= upper_bounds`` (``s`` the sample weights, ones by
    default; ``pf`` the penalty factors, ones by default). This is penalized's
    mean-loss objective ``1/(2 S) sum_i s_i r_i^2 + (alpha / S)/2 sum_j pf_j w_j^2``
    (``S = sum(s)``): :class:`ElasticNet` with ``l1_ratio=0`` and ``alpha / S``. Without
    bounds the solution is computed in closed form (Cholesky, or the n x n dual system
    when p > n, or minimum-norm least squares when singular); with bounds, by
    coordinate descent.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Penalty strength (>= 0) on scikit-learn's scale; one per target for a 2-D y.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b``.
    copy_X : bool, default=True
        scikit-learn's; X is never modified here.
    max_iter : int, default=None
        Epochs of coordinate descent when bounds need it (None: 1000).
    tol : float, default=1e-4
        Tolerance on the duality gap of a coordinate-descent fit (the closed form is
        exact).
    solver : {"auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs"}, \
default="auto"
        scikit-learn's solver names, accepted for compatibility: every solver gives the
        same model here (the engine chooser decides how); as in scikit-learn,
        ``positive=True`` needs "auto" or "lbfgs".
    positive : bool, default=False
        Force the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        scikit-learn's (used by its "sag" and "saga" solvers); no effect here.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative multiplier of ``alpha`` per feature; 0 leaves a feature unpenalized.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Bounds on the coefficients (lower <= 0 <= upper; None: unbounded).
    standardize : bool, default=False
        glmnet's ``standardize``: penalize the coefficients of the standardized features.
    warm_start : bool, default=False
        Start from the previous solution when a coordinate-descent fit is refitted.
    verbose : int, default=0
        Print the gap after each outer iteration of a coordinate-descent fit.
""" + _ATTRS + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import Ridge
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = Ridge(alpha=1.0).fit(X, y)
    >>> round(model.score(X, y), 3)
    0.451
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True, max_iter=None, tol=1e-4,
                 solver="auto", positive=False, random_state=None, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, standardize=False, warm_start=False,
                 verbose=0):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.standardize = standardize
        self.warm_start = warm_start
        self.verbose = verbose

    def _problem(self, X, sample_weight):
        alpha = np.asarray(self.alpha, dtype=np.float64) if not isinstance(
            self.alpha, (str, bytes)) else None
        if alpha is None or alpha.ndim > 1 or not np.all(np.isfinite(alpha)):
            raise InvalidParameterError(
                f"The 'alpha' parameter of Ridge must be a non-negative float or an array "
                f"of them. Got {self.alpha!r} instead.")
        if np.any(alpha < 0):
            raise InvalidParameterError(
                f"The 'alpha' parameter of Ridge must be >= 0. Got {self.alpha!r} instead.")
        solver = check_choice(self.solver, "solver", _RIDGE_SOLVERS)
        positive = check_bool(self.positive, "positive")
        if positive and solver not in ("auto", "lbfgs"):
            raise ValueError(f"solver='{solver}' does not support positive fitting. Please "
                             "set the solver to 'auto' or 'lbfgs', or set `positive=False`")
        check_copy_X(self)
        S = float(np.sum(sample_weight)) if sample_weight is not None else float(X.shape[0])
        max_iter = 1000 if self.max_iter is None else check_int(self.max_iter, "max_iter")
        prm = FitParams(alpha=0.0, fit_intercept=check_bool(self.fit_intercept,
                                                            "fit_intercept"),
                        standardize=check_bool(self.standardize, "standardize"),
                        tol=check_scalar(self.tol, "tol", low=0.0), max_iter=max_iter,
                        warm_start=check_bool(self.warm_start, "warm_start"),
                        verbose=check_int(self.verbose, "verbose", low=0))
        # scikit-learn's sum-of-squares scale -> penalized's mean-loss scale
        return prm, 0.0, alpha / S, {}
