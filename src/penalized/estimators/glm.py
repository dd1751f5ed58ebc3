"""GLM regressors: PoissonRegressor (log link) and the fit every single-response GLM
regressor shares (GammaRegressor, TweedieRegressor, BinomialRegressor)."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from .._validation import check_sample_weight, check_scalar
from ..datafits import Poisson
from ._base import (
    PARAMS_OPTIONS,
    build_penalty,
    check_choice,
    check_fit_params,
    check_offset,
    configured_penalty,
    decision,
    fit_problem,
    store_certificate,
    validate_fit_data,
    warm_coef,
)

__all__ = ["PoissonRegressor"]

SOLVERS = ("lbfgs", "newton-cholesky")
_STEP_EPOCHS = 2000  # CD epochs one prox-Newton step may use (max_iter counts the steps)

_ATTRS = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    dual_gap_ : float
        Duality gap at the returned solution (not set for a nonconvex ``penalty``).
    stop_crit_ : float
        Nonconvex ``penalty`` objects only: the critical-point criterion at the returned
        solution (see :class:`penalized.MCPRegression`).
    n_iter_ : int
        Prox-Newton steps taken (scikit-learn: iterations of its solver).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.
"""

PARAMS_OFFSET = """
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor ``eta`` (a fixed coefficient of 1), e.g.
            the log of an exposure for log-link models. None means 0."""


class _GLMRegressor(RegressorMixin, BaseEstimator):
    """The shared fit: ``max_iter`` counts prox-Newton steps, ``solver`` takes
    scikit-learn's names (``_solvers``; None: the class has no ``solver``)."""

    _stop_crit = False  # also store stop_crit_ for a convex fit (beside dual_gap_)
    _solvers = SOLVERS

    def _datafit(self):
        raise NotImplementedError

    def _target(self, y, sample_weight):
        """The targets the datafit sees (validated y, float64); BinomialRegressor scales
        its ``y_range`` to proportions."""
        return y

    def _penalty(self, alpha, l1_ratio):
        """The elastic net, or the ``penalty`` object of the classes that take one."""
        penalty = getattr(self, "penalty", None)
        if penalty is None:
            return build_penalty(self, alpha, l1_ratio)
        if l1_ratio != 0:
            raise ValueError(
                f"'l1_ratio' mixes the elastic net and has no effect with a penalty object "
                f"({penalty!r}): leave it at 0 (got l1_ratio={self.l1_ratio!r}).")
        return configured_penalty(self, alpha)

    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None""" + PARAMS_OFFSET + """

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight, offset)

    def _fit(self, X, y, sample_weight, offset, exposure=None):
        if self._solvers is not None:
            check_choice(self.solver, "solver", self._solvers)
        prm = check_fit_params(self)
        steps = prm.max_iter
        prm.max_iter = steps * _STEP_EPOCHS
        l1_ratio = check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        datafit = self._datafit()
        X, y = validate_fit_data(self, X, y)
        y = np.asarray(y, dtype=np.float64)  # checked by the datafit (fit_problem)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        y = self._target(y, sample_weight)
        offset = check_offset(offset, X.shape[0], exposure)
        res = fit_problem(X, y, datafit, self._penalty(prm.alpha, l1_ratio), prm,
                          sample_weight=sample_weight,
                          coef_init=warm_coef(self, prm, (X.shape[1],)), offset=offset,
                          max_steps=steps)
        self.coef_ = res.coef.astype(X.dtype, copy=False)
        self.intercept_ = float(res.intercept)
        # the certificate: a duality gap, or the critical-point criterion of a non-convex
        # loss or penalty (stop_crit_)
        store_certificate(self, res)
        if self._stop_crit:
            self.stop_crit_ = float(res.dual_gap)
        self.n_iter_ = max(int(res.n_steps), 1)
        return self

    def _d2(self, X, y, sample_weight, power, **predict_kw):
        """D^2 (scikit-learn's score of its GLMs): ``1 - D(y, predict(X)) / D(y, mean)``,
        the fraction of the Tweedie deviance of ``power`` explained."""
        from sklearn.metrics import d2_tweedie_score

        return float(d2_tweedie_score(y, self.predict(X, **predict_kw),
                                      sample_weight=sample_weight, power=power))

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
    with ``lambda = alpha`` (and glmnet's ``alpha`` = ``l1_ratio`` here). ``offset`` (and
    ``log(exposure)``) of ``fit`` and ``predict`` default to 0.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0), as in scikit-learn's PoissonRegressor.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b``.
    solver : {"lbfgs", "newton-cholesky"}, default="lbfgs"
        scikit-learn's solver names: both give the same model; the fit itself is always
        penalized's prox-Newton.
    max_iter : int, default=100
        Maximum number of prox-Newton steps (scikit-learn: iterations of its solver).
    tol : float, default=1e-4
        Tolerance on the duality gap, relative to the scale given in Notes.
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    verbose : int, default=0
        Print the gap after each prox-Newton step when > 0.
    l1_ratio : float, default=0.0
        Mix of L1 (1.0) and L2 (0.0); penalized's option (scikit-learn: L2 only).
"""[:-1] + PARAMS_OPTIONS + """    penalty : penalty object, default=None
        penalized's option: a penalty of :mod:`penalized.penalties` in place of the
        elastic net (``l1_ratio`` must then stay 0), e.g. ``GroupLasso(groups)`` or
        ``MCP(gamma=3)`` (grpreg's and ncvreg's ``family="poisson"``), at the strength
        ``alpha`` (the object's own ``alpha`` is replaced), with ``penalty_factor``, the
        bounds and ``positive`` of this estimator filled in where the object leaves them
        unset. Nonconvex penalties are solved by reweighted L1 and certified by a
        critical-point criterion (``stop_crit_`` instead of ``dual_gap_``), group
        penalties by prox-Newton with block updates.
""" + _ATTRS + """
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
    >>> exposure = rng.uniform(0.5, 2.0, 200)
    >>> y = rng.poisson(exposure * np.exp(0.5 * X[:, 0]))
    >>> model = PoissonRegressor(alpha=0.01, l1_ratio=1.0).fit(X, y, exposure=exposure)
    >>> bool(model.coef_[0] > 0.3), model.predict(X[:2], exposure=exposure[:2]).shape
    (True, (2,))
    """

    def __init__(self, *, alpha=1.0, fit_intercept=True, solver="lbfgs", max_iter=100,
                 tol=1e-4, warm_start=False, verbose=0, l1_ratio=0.0, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, positive=False, standardize=False,
                 penalty=None):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.penalty = penalty
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose

    def _datafit(self):
        return Poisson()

    def fit(self, X, y, sample_weight=None, offset=None, exposure=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Counts (>= 0).
        sample_weight : array-like of shape (n_samples,), default=None""" + PARAMS_OFFSET + """
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)""" + PARAMS_OFFSET + """
        exposure : array-like of shape (n_samples,), default=None
            Positive exposures of the rows of X (their log is added to the offset).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return np.exp(decision(self, X, offset, exposure))

    def score(self, X, y, sample_weight=None, offset=None, exposure=None):
        """D^2, the fraction of Poisson deviance explained (scikit-learn's score for its
        GLMs): ``1 - D(y, predict(X)) / D(y, weighted mean of y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        offset, exposure : array-like of shape (n_samples,), default=None
            As in :meth:`predict`.

        Returns
        -------
        score : float
        """
        return self._d2(X, y, sample_weight, 1, offset=offset, exposure=exposure)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags
