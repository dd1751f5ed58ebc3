"""Squared-loss estimators: Lasso, ElasticNet, Ridge."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from .._validation import check_sample_weight, check_scalar
from ..datafits import Quadratic
from ._base import (
    PARAMS_PENALTY,
    PARAMS_SOLVER,
    build_penalty,
    check_fit_params,
    check_offset,
    decision,
    fit_problem,
    validate_fit_data,
    warm_coef,
)

__all__ = ["ElasticNet", "Lasso", "Ridge"]

_NOTES = """
    Notes
    -----
    Solver: working-set coordinate descent (residual updates, or Gram updates when
    n_samples is large relative to the working set) with Anderson acceleration and
    gap-safe screening; a closed-form solve for problems with no L1 part and no bounds.

    Stopping rule: the fit stops when the duality gap of the objective above is at
    most ``tol * sum_i s_i (y_i - ybar)^2 / S`` (``ybar`` the weighted mean of y with
    an intercept, 0 without), i.e. scikit-learn's rule ``gap <= tol * ||y||^2 / n``
    for the same objective, or when the gap reaches the level of floating-point
    rounding error. The gap at return is ``dual_gap_``; a ``ConvergenceWarning``
    naming the gap and tol is raised when ``max_iter`` epochs end the fit first.

    ``penalty_factor`` is used as given; glmnet rescales its ``penalty.factor`` to sum to
    n_features, so glmnet with factors ``pf`` matches ``pf * n_features / sum(pf)`` here.
    glmnet's ``lambda`` equals ``alpha`` for the Gaussian family when y is not
    standardized (glmnet's ``standardize=FALSE``, ``alpha`` there = ``l1_ratio`` here).
"""

_PARAMS_COMMON = PARAMS_PENALTY + PARAMS_SOLVER + """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients, in the dtype of X (float32 stays float32).
    intercept_ : float
        Intercept (0.0 when ``fit_intercept=False``).
    dual_gap_ : float
        Duality gap at the returned solution.
    n_iter_ : int
        Number of coordinate-descent epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.
"""


class _LinearBase(RegressorMixin, BaseEstimator):
    """Shared fit / predict for the squared-loss estimators."""

    _l1_ratio_fixed = None  # set by Lasso (1.0) and Ridge (0.0)

    def _l1_ratio(self):
        if self._l1_ratio_fixed is not None:
            return self._l1_ratio_fixed
        return check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)

    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. F-ordered float64/float32 arrays are used without a copy;
            sparse matrices are converted to CSC and never densified.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights ``s_i`` in the objective.
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1): the model is
            fitted to ``y - offset``. None means 0.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        prm = check_fit_params(self)
        l1_ratio = self._l1_ratio()
        X, y = validate_fit_data(self, X, y)
        y = np.asarray(y, dtype=np.float64)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        penalty = build_penalty(self, prm.alpha, l1_ratio)
        res = fit_problem(X, y, Quadratic(), penalty, prm, sample_weight=sample_weight,
                          coef_init=warm_coef(self, prm, (X.shape[1],)),
                          offset=check_offset(offset, X.shape[0]))
        self.coef_ = res.coef.astype(X.dtype, copy=False)
        self.intercept_ = float(res.intercept)
        self.dual_gap_ = float(res.dual_gap)
        self.n_iter_ = int(res.n_iter)
        return self

    def predict(self, X, offset=None):
        """Predict ``X @ coef_ + intercept_ + offset``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1). None means 0.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return decision(self, X, offset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class ElasticNet(_LinearBase):
    __doc__ = """Linear regression with a combined L1 and L2 penalty.

    Minimizes::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2
          + alpha * sum_j pf_j * (l1_ratio * |w_j| + (1 - l1_ratio)/2 * w_j^2)

    subject to ``lower_bounds <= w <= upper_bounds``, with ``s`` the sample weights
    (ones by default), ``S = sum(s)`` and ``pf`` the penalty factors (ones by
    default). With default options this is exactly scikit-learn's ``ElasticNet``.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0).
    l1_ratio : float, default=0.5
        Mix of L1 (1.0) and L2 (0.0), in [0, 1].
""" + _PARAMS_COMMON + _NOTES + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import ElasticNet
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = ElasticNet(alpha=0.01, l1_ratio=0.7).fit(X, y)
    >>> model.coef_.shape, bool(model.dual_gap_ <= 1e-4 * y.var())
    ((10,), True)
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, positive=False, standardize=False, tol=1e-4,
                 max_iter=1000, warm_start=False, verbose=0):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose


class Lasso(_LinearBase):
    __doc__ = """Linear regression with an L1 penalty.

    Minimizes::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2 + alpha * sum_j pf_j * |w_j|

    subject to ``lower_bounds <= w <= upper_bounds``, with ``s`` the sample weights
    (ones by default), ``S = sum(s)`` and ``pf`` the penalty factors (ones by
    default). With default options this is exactly scikit-learn's ``Lasso``.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0); see :func:`penalized.alpha_max` for the smallest
        alpha giving all-zero coefficients.
""" + _PARAMS_COMMON + _NOTES + """
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

    def __init__(self, alpha=1.0, *, fit_intercept=True, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, positive=False, standardize=False, tol=1e-4,
                 max_iter=1000, warm_start=False, verbose=0):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose


class Ridge(_LinearBase):
    __doc__ = """Linear regression with an L2 penalty.

    Minimizes::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2 + alpha/2 * sum_j pf_j * w_j^2

    subject to ``lower_bounds <= w <= upper_bounds``. ``alpha`` is on the scale of the
    mean loss (as for Lasso and ElasticNet here): it equals scikit-learn's
    ``Ridge(alpha=alpha * S)`` (``S = n_samples`` without weights), whose loss is the
    unscaled sum of squares. Without bounds the solution is computed in closed form
    (Cholesky on the normal equations, or on the n x n dual system when
    p > n); with bounds, by coordinate descent.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0).
""" + _PARAMS_COMMON + _NOTES + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import Ridge
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = Ridge(alpha=0.01).fit(X, y)
    >>> model.coef_.shape
    (10,)
    """

    _l1_ratio_fixed = 0.0

    def __init__(self, alpha=1.0, *, fit_intercept=True, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, positive=False, standardize=False, tol=1e-4,
                 max_iter=1000, warm_start=False, verbose=0):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
