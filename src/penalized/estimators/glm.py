"""GLM regressors: PoissonRegressor (log link) and HuberRegressor (robust)."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from .._validation import check_sample_weight, check_scalar
from ..datafits import Huber, Poisson
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

__all__ = ["HuberRegressor", "PoissonRegressor"]

_ATTRS = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    dual_gap_ : float
        Duality gap at the returned solution.
    n_iter_ : int
        Coordinate-descent epochs run over all prox-Newton steps.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.
"""


class _GLMRegressor(RegressorMixin, BaseEstimator):

    _stop_crit = False  # also store the certificate as stop_crit_ (it may be a KKT one)

    def _datafit(self):
        raise NotImplementedError

    def _check_y(self, y):
        return y

    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor ``eta`` (a fixed coefficient of 1), e.g.
            the log of an exposure for log-link models. None means 0.

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight, offset)

    def _fit(self, X, y, sample_weight, offset, exposure=None):
        prm = check_fit_params(self)
        l1_ratio = check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        datafit = self._datafit()
        X, y = validate_fit_data(self, X, y)
        y = self._check_y(np.asarray(y, dtype=np.float64))
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        offset = check_offset(offset, X.shape[0], exposure)
        res = fit_problem(X, y, datafit, build_penalty(self, prm.alpha, l1_ratio), prm,
                          sample_weight=sample_weight,
                          coef_init=warm_coef(self, prm, (X.shape[1],)), offset=offset)
        self.coef_ = res.coef.astype(X.dtype, copy=False)
        self.intercept_ = float(res.intercept)
        # the certificate: a duality gap (convex losses) or the scaled KKT criterion
        if datafit.convex:
            self.dual_gap_ = float(res.dual_gap)
        else:
            self.__dict__.pop("dual_gap_", None)
        if self._stop_crit:
            self.stop_crit_ = float(res.dual_gap)
        self.n_iter_ = int(res.n_iter)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class PoissonRegressor(_GLMRegressor):
    __doc__ = """Poisson regression (log link) with an elastic-net penalty.

    Minimizes::

        1/S * sum_i s_i (exp(eta_i) - y_i eta_i)
          + alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),
        eta_i = x_i.w + b + offset_i,  lower_j <= w_j <= upper_j,

    i.e. half the mean Poisson deviance plus the penalty: with ``l1_ratio=0`` this is
    exactly scikit-learn's ``PoissonRegressor(alpha)``; glmnet's ``family="poisson"``
    with ``lambda = alpha`` (and glmnet's ``alpha`` = ``l1_ratio`` here).

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0), as in scikit-learn's PoissonRegressor.
    l1_ratio : float, default=0.0
        Mix of L1 (1.0) and L2 (0.0).
""" + PARAMS_PENALTY + PARAMS_SOLVER + _ATTRS + """
    Notes
    -----
    Solved by prox-Newton (IRLS): each step is a weighted least-squares problem solved
    by working-set coordinate descent, followed by an Armijo line search on the true
    objective. The fit stops when the duality gap is at most ``tol`` times the excess
    loss of the intercept-only model over the saturated model (half the null deviance
    divided by the number of samples).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized import PoissonRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3))
    >>> y = rng.poisson(np.exp(0.5 * X[:, 0]))
    >>> model = PoissonRegressor(alpha=0.01, l1_ratio=1.0).fit(X, y)
    >>> bool(model.coef_[0] > 0.3)
    True
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.0, fit_intercept=True, penalty_factor=None,
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

    def _datafit(self):
        return Poisson()

    def _check_y(self, y):
        if np.any(y < 0):
            raise ValueError("Some value(s) of y are negative: PoissonRegressor needs y >= 0.")
        if not np.any(y > 0):
            raise ValueError("All values of y are zero: PoissonRegressor needs a positive "
                             "count (the maximum-likelihood intercept would be -inf).")
        return y

    def fit(self, X, y, sample_weight=None, offset=None, exposure=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Counts (>= 0).
        sample_weight : array-like of shape (n_samples,), default=None
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor ``eta`` (a fixed coefficient of 1), e.g.
            the log of an exposure for log-link models. None means 0.
        exposure : array-like of shape (n_samples,), default=None
            Positive exposures (time at risk, population...): ``log(exposure)`` is added
            to the offset, so ``exp(eta)`` models the count over the exposure.

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight, offset, exposure)

    def predict(self, X, offset=None, exposure=None):
        """Predicted mean ``exp(X @ coef_ + intercept_ + offset)`` (times ``exposure``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor ``eta`` (a fixed coefficient of 1), e.g.
            the log of an exposure for log-link models. None means 0.
        exposure : array-like of shape (n_samples,), default=None
            Positive exposures of the rows of X (their log is added to the offset).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return np.exp(decision(self, X, offset, exposure))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


class HuberRegressor(_GLMRegressor):
    __doc__ = """Robust linear regression: Huber loss with an elastic-net penalty.

    Minimizes::

        1/S * sum_i s_i H_eps(y_i - x_i.w - b - offset_i)
          + alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),

    with ``H_eps(r) = r^2/2`` for ``|r| <= epsilon`` and ``epsilon |r| - epsilon^2/2``
    otherwise.

    ``epsilon`` is a fixed threshold in the units of y (as in skglm). scikit-learn's
    ``HuberRegressor`` instead estimates a scale ``sigma`` jointly and applies epsilon to
    ``r / sigma``, with an unscaled sum of losses and an L2 penalty only; the two agree
    when sigma is known: scikit-learn's fit with its ``scale_`` gives the same
    coefficients as this estimator with ``epsilon * scale_``, up to alpha's scaling.

    Parameters
    ----------
    alpha : float, default=1e-4
        Penalty strength (>= 0).
    epsilon : float, default=1.35
        Threshold between the quadratic and the linear part (> 0), in units of y.
    l1_ratio : float, default=0.0
        Mix of L1 (1.0) and L2 (0.0).
""" + PARAMS_PENALTY + PARAMS_SOLVER + _ATTRS + """
    Notes
    -----
    Solved by prox-Newton: each step is a weighted least-squares problem (weight 1 for
    residuals inside ``epsilon``, a small floor outside) solved by working-set coordinate
    descent, with an Armijo line search. The fit stops when the duality gap is at most
    ``tol`` times the loss of the intercept-only model.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized import HuberRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 2)); y = 2 * X[:, 0] + 0.1 * rng.standard_normal(100)
    >>> y[:5] += 50  # outliers
    >>> round(float(HuberRegressor(epsilon=0.5).fit(X, y).coef_[0]), 1)
    2.0
    """

    def __init__(self, alpha=1e-4, *, epsilon=1.35, l1_ratio=0.0, fit_intercept=True,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                 standardize=False, tol=1e-4, max_iter=1000, warm_start=False, verbose=0):
        self.alpha = alpha
        self.epsilon = epsilon
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

    def _datafit(self):
        return Huber(check_scalar(self.epsilon, "epsilon", low=0.0, low_open=True))

    def predict(self, X, offset=None):
        """Predict ``X @ coef_ + intercept_ + offset``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor ``eta`` (a fixed coefficient of 1), e.g.
            the log of an exposure for log-link models. None means 0.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return decision(self, X, offset)
