"""The adaptive lasso: a weighted lasso whose weights come from an initial fit."""

import numbers

import numpy as np

from .._validation import check_bounds, check_penalty_factor, check_scalar
from ..penalties.elastic_net import ElasticNet as ElasticNetPenalty
from ..solvers.design import Design
from ._base import PARAMS_PENALTY, PARAMS_SOLVER
from ._spec_base import SpecRegressor

__all__ = ["AdaptiveLasso"]

_INITS = ("ridge", "lasso", "ols")


class AdaptiveLasso(SpecRegressor):
    __doc__ = """Adaptive lasso (Zou 2006): a lasso weighted by an initial estimate.

    Minimizes::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2 + alpha * sum_j pf_j v_j |w_j|,
        v_j = 1 / |w0_j|^gamma,

    subject to ``lower_bounds <= w <= upper_bounds``, with ``w0`` the coefficients of an
    initial fit (``init``) on the same data, sample weights and intercept, ``s`` the
    sample weights, ``S = sum(s)`` and ``pf`` the penalty factors. A feature with
    ``w0_j = 0`` (infinite weight; also below ``1e-10`` times the largest ``|w0|``) stays
    at zero. Large initial coefficients are barely
    penalized, small ones heavily: the lasso's bias on large coefficients and its false
    positives shrink, and under conditions the selection is consistent (the oracle
    property). The second stage is a weighted :class:`penalized.Lasso` on the core
    engine, certified by its duality gap.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0) of the weighted lasso.
    gamma : float, default=1.0
        Exponent of the weights (> 0).
    init : {"ridge", "lasso", "ols"} or array-like of shape (n_features,), default="ridge"
        The initial estimate: a ridge fit (:class:`penalized.Ridge` at ``init_alpha``), a
        lasso fit (:class:`penalized.Lasso` at ``init_alpha``; its zeros stay zero),
        least squares (a ridge of ``1e-10`` times the mean feature variance: the
        minimum-norm solution when p > n), or given coefficients.
    init_alpha : float, default=None
        Strength of the initial ridge or lasso. None means ``1e-2`` times the mean
        (weighted) variance of the features for the ridge, and ``alpha`` for the lasso.
""" + PARAMS_PENALTY + PARAMS_SOLVER + """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    init_coef_ : ndarray of shape (n_features,)
        The initial estimate ``w0``.
    weights_ : ndarray of shape (n_features,)
        The adaptive weights ``v`` (``inf`` for features held at zero).
    dual_gap_ : float
        Duality gap of the weighted lasso at the returned solution.
    n_iter_ : int
        Coordinate-descent epochs of the weighted lasso.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.

    Notes
    -----
    With ``standardize=True`` both stages penalize the standardized coefficients (the
    weights come from the initial fit's standardized coefficients ``sd_j w0_j``). The
    scale of the weights depends on the initial fit, so the useful range of ``alpha``
    does too: choose it by cross-validation (:func:`penalized.path` with these weights as
    ``penalty_factor``, or a CV estimator with ``penalty_factor=pf * weights_``).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized import AdaptiveLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 10))
    >>> y = X @ np.r_[3.0, -2.0, np.zeros(8)] + 0.5 * rng.standard_normal(100)
    >>> model = AdaptiveLasso(alpha=0.05).fit(X, y)
    >>> np.flatnonzero(model.coef_)
    array([0, 1])
    """

    def __init__(self, alpha=1.0, *, gamma=1.0, init="ridge", init_alpha=None,
                 fit_intercept=True, penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 positive=False, standardize=False, tol=1e-4, max_iter=1000, warm_start=False,
                 verbose=0):
        self.alpha = alpha
        self.gamma = gamma
        self.init = init
        self.init_alpha = init_alpha
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

    def _initial(self, alpha, X, y, sample_weight, prm):
        from .linear import Lasso, Ridge

        init = self.init
        p = X.shape[1]
        if not isinstance(init, str):
            w0 = np.asarray(init, dtype=np.float64)
            if w0.shape != (p,) or not np.all(np.isfinite(w0)):
                raise ValueError(f"'init' as coefficients must be {p} finite values, got "
                                 f"shape {w0.shape}.")
            return w0
        if init not in _INITS:
            raise ValueError(f"The 'init' parameter must be one of {list(_INITS)} or "
                             f"coefficients, got {init!r}.")
        init_alpha = self.init_alpha
        if init_alpha is not None:
            if not isinstance(init_alpha, numbers.Real):
                raise TypeError(f"The 'init_alpha' parameter must be a real number, got "
                                f"{init_alpha!r}.")
            init_alpha = check_scalar(init_alpha, "init_alpha", low=0.0)
        common = dict(fit_intercept=prm.fit_intercept, standardize=prm.standardize,
                      tol=prm.tol, max_iter=prm.max_iter)
        if init == "lasso":
            model = Lasso(alpha if init_alpha is None else init_alpha, **common)
        else:
            design = Design(X, sample_weight, prm.fit_intercept)
            var = float(np.mean(design.sqnorms())) or 1.0
            if init == "ols":
                init_alpha = 1e-10 * var
            elif init_alpha is None:
                init_alpha = 1e-2 * var
            model = Ridge(init_alpha, **common)
        return np.asarray(model.fit(X, y, sample_weight=sample_weight).coef_, dtype=np.float64)

    def _penalty(self, alpha, X, y, sample_weight, prm):
        gamma = check_scalar(self.gamma, "gamma", low=0.0, low_open=True)
        p = X.shape[1]
        pf = check_penalty_factor(self.penalty_factor, p)
        lo, up = check_bounds(self.lower_bounds, self.upper_bounds, p, self.positive)
        w0 = self._initial(alpha, X, y, sample_weight, prm)
        scale = np.ones(p)
        if prm.standardize:
            scale = np.sqrt(Design(X, sample_weight, prm.fit_intercept).sqnorms())
        mag = np.abs(w0) * scale
        # a weight 1e10 times the smallest one is infinite in practice (and would set the
        # engines' rounding floors, which scale with the largest weight)
        held = mag <= 1e-10 * float(np.max(mag, initial=0.0))
        with np.errstate(divide="ignore"):
            v = np.where(held, np.inf, mag ** -gamma)
        self.init_coef_ = w0
        self.weights_ = v
        # (held: the weight is inf and the factor unused; pf * inf would be NaN for pf 0)
        return ElasticNetPenalty(alpha, 1.0, np.where(held, 1.0, pf * np.where(held, 1.0, v)),
                                 np.where(held, 0.0, lo), np.where(held, 0.0, up))
