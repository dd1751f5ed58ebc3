"""GLM regressors: PoissonRegressor (log link)."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from .._validation import check_sample_weight, check_scalar
from ..datafits import Poisson
from ._base import (
    PARAMS_OPTIONS,
    build_penalty,
    check_choice,
    check_fit_params,
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


class _GLMRegressor(RegressorMixin, BaseEstimator):

    def _datafit(self):
        raise NotImplementedError

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        check_choice(self.solver, "solver", SOLVERS)
        prm = check_fit_params(self)
        steps = prm.max_iter
        prm.max_iter = steps * _STEP_EPOCHS
        l1_ratio = check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        datafit = self._datafit()
        X, y = validate_fit_data(self, X, y)
        y = np.asarray(y, dtype=np.float64)  # checked by the datafit (fit_problem)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        if self.penalty is None:
            penalty = build_penalty(self, prm.alpha, l1_ratio)
        elif l1_ratio != 0:
            raise ValueError(
                f"'l1_ratio' mixes the elastic net and has no effect with a penalty object "
                f"({self.penalty!r}): leave it at 0 (got l1_ratio={self.l1_ratio!r}).")
        else:
            penalty = configured_penalty(self, prm.alpha)
        res = fit_problem(X, y, datafit, penalty, prm, sample_weight=sample_weight,
                          coef_init=warm_coef(self, prm, (X.shape[1],)), max_steps=steps)
        self.coef_ = res.coef.astype(X.dtype, copy=False)
        self.intercept_ = float(res.intercept)
        store_certificate(self, res)
        self.n_iter_ = max(int(res.n_steps), 1)
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
        eta_i = x_i.w + b,  lower_j <= w_j <= upper_j,

    i.e. half the mean Poisson deviance plus the penalty: with ``l1_ratio=0`` this is
    exactly scikit-learn's ``PoissonRegressor(alpha)``; glmnet's ``family="poisson"``
    with ``lambda = alpha`` (and glmnet's ``alpha`` = ``l1_ratio`` here).

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
    >>> y = rng.poisson(np.exp(0.5 * X[:, 0]))
    >>> model = PoissonRegressor(alpha=0.01, l1_ratio=1.0).fit(X, y)
    >>> bool(model.coef_[0] > 0.3)
    True
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

    def predict(self, X):
        """Predicted mean ``exp(X @ coef_ + intercept_)``."""
        return np.exp(decision(self, X))

    def score(self, X, y, sample_weight=None):
        """D^2, the fraction of Poisson deviance explained (scikit-learn's score for its
        GLMs): ``1 - D(y, predict(X)) / D(y, weighted mean of y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        from sklearn.metrics import d2_tweedie_score

        return float(d2_tweedie_score(y, self.predict(X), sample_weight=sample_weight,
                                      power=1))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags
