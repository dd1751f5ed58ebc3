"""CoxPH: penalized Cox proportional hazards (Breslow or Efron ties, strata, offsets)."""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._validation import (
    check_finite_no_overflow,
    check_finite_sparse,
    check_sample_weight,
    check_scalar,
)
from ..datafits import Cox
from ..datafits.cox import survival_target
from ._base import (
    PARAMS_PENALTY,
    build_penalty,
    check_fit_params,
    check_offset,
    decision,
    fit_problem,
    validate_fit_X,
    warm_coef,
)
from .glm import _STEP_EPOCHS

__all__ = ["CoxPH", "CoxPredictions", "concordance_index", "survival_data"]


def survival_data(est, X, y, strata, sample_weight, offset, datafit):
    """The validated (X, [time, event(, stratum)] target, sample_weight, offset) of a Cox
    estimator's ``fit`` (X as the engines read it: CSC or F-ordered float32/float64;
    the target checked by ``datafit``, which then knows it)."""
    if y is None:
        raise ValueError(f"{type(est).__name__} requires y to be passed, but the target y "
                         f"is None.")
    X = validate_fit_X(est, X)
    check_finite_sparse(X)
    check_finite_no_overflow(X, est)  # (one pass for both checks)
    n = X.shape[0]
    return (X, datafit.check_target(y, strata, n), check_sample_weight(sample_weight, n),
            check_offset(offset, n))


def concordance_index(y, risk, sample_weight=None, strata=None):
    """Harrell's concordance index of risk scores (higher risk, earlier event).

    Over the pairs (i, j) of a stratum where i has an event and j is known to outlive it
    (``t_j > t_i``, or ``t_j = t_i`` with j censored), the weighted fraction with
    ``risk_i > risk_j``, ties in risk counting one half; pair weight ``s_i s_j``.
    scikit-survival's ``concordance_index_censored`` (unweighted, one stratum).

    Parameters
    ----------
    y : structured array, array of shape (n_samples, 2) or (n_samples,)
        Survival target (see :class:`CoxPH`).
    risk : array-like of shape (n_samples,)
        Risk scores, e.g. ``CoxPH.predict``.
    sample_weight : array-like of shape (n_samples,), default=None
    strata : array-like of shape (n_samples,), default=None
        Only pairs within a stratum are compared.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.estimators.cox import concordance_index
    >>> concordance_index(np.array([[1.0, 1], [2.0, 1], [3.0, 0]]), [3.0, 2.0, 1.0])
    1.0
    """
    from ..datafits._cox_sums import concordance_pairs

    yy = survival_target(y, strata)
    risk = np.asarray(risk, dtype=np.float64).ravel()
    if risk.shape[0] != yy.shape[0] or not np.all(np.isfinite(risk)):
        raise ValueError(f"risk must be {yy.shape[0]} finite values.")
    w = check_sample_weight(sample_weight, yy.shape[0])
    w = np.ones(yy.shape[0]) if w is None else w
    conc, comp = concordance_pairs(yy[:, 0], yy[:, 1], risk, w, yy[:, 2])
    if comp <= 0:
        raise ValueError("No comparable pairs: the concordance index is undefined (every "
                         "event time is the largest of its stratum).")
    return float(conc / comp)


class CoxPredictions:
    """Predictions of a fitted Cox model from ``coef_`` and the baseline hazard (shared by
    :class:`CoxPH` and :class:`~penalized.model_selection.CoxPHCV`)."""

    def _set_baseline(self, X, yy, sample_weight, offset, strata, datafit, eta=None):
        """``strata_`` now; ``baseline_cumulative_hazard_`` and ``unique_times_`` at
        ``coef_`` on the training data when first read (Breslow's estimator re-sorts the
        training rows: a tenth of a 2000 x 100 fit that a model used for risk scores or
        the C-index never needs). ``eta``: the fit's linear predictor (offset included)
        when the solver gave it, else computed here."""
        self.strata_ = np.unique(strata) if strata is not None else np.array([0])
        if eta is None:
            eta = np.asarray(X @ np.asarray(self.coef_, dtype=np.float64),
                             dtype=np.float64).ravel()
            if offset is not None:
                eta = eta + offset
        # (copies: the estimate must not follow a later change of the caller's arrays)
        self._baseline_state = (datafit, np.array(yy, dtype=np.float64),
                                None if sample_weight is None else np.array(sample_weight),
                                eta)

    def _baseline(self):
        """``(baseline_cumulative_hazard_, unique_times_)``, computed on first use."""
        state = getattr(self, "_baseline_state", None)
        if state is None:
            check_is_fitted(self)  # NotFittedError (an AttributeError) before fit
            raise AttributeError("This Cox model has no baseline hazard.")
        if len(state) == 2:
            return state
        datafit, yy, sample_weight, eta = state
        base = datafit.bind(yy, sample_weight).baseline(yy, eta)
        done = ([(t, h) for _, t, h in base], np.unique(yy[yy[:, 1] == 1, 0]))
        self._baseline_state = done  # one tuple, replaced whole (readers in threads)
        return done

    @property
    def baseline_cumulative_hazard_(self):
        """Per stratum, the event times and Breslow's cumulative baseline hazard at them
        (at the fitted model, on the training data)."""
        return self._baseline()[0]

    @property
    def unique_times_(self):
        """The distinct event times of the training data."""
        return self._baseline()[1]

    def predict(self, X, offset=None):
        """Risk score (log relative hazard) ``X @ coef_ + offset``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return decision(self, X, offset)

    def _strata_codes(self, strata, n):
        if self.strata_.size == 1 and strata is None:
            return np.zeros(n, dtype=int)
        if strata is None:
            raise ValueError("The model was fitted with strata: pass the strata of X.")
        strata = np.asarray(strata)
        if strata.shape != (n,):
            raise ValueError(f"strata must have shape ({n},), got {strata.shape}.")
        codes = np.searchsorted(self.strata_, strata)
        codes = np.minimum(codes, self.strata_.size - 1)
        if not np.all(self.strata_[codes] == strata):
            raise ValueError("strata contains labels not seen in fit.")
        return codes

    def predict_cumulative_hazard(self, X, times=None, offset=None, strata=None):
        """Cumulative hazard ``H0(t) exp(eta)`` at ``times``, Breslow's baseline ``H0``
        of the sample's stratum.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        times : array-like of shape (n_times,), default=None
            Times to evaluate at (default ``unique_times_``).
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor.
        strata : array-like of shape (n_samples,), default=None
            Stratum labels of the rows of X (required when fitted with strata).

        Returns
        -------
        ndarray of shape (n_samples, n_times)
        """
        check_is_fitted(self)
        eta = self.predict(X, offset)
        times = (self.unique_times_ if times is None
                 else np.atleast_1d(np.asarray(times, dtype=np.float64)))
        if times.ndim != 1 or not np.all(np.isfinite(times)):
            raise ValueError("times must be a 1-D array of finite values.")
        codes = self._strata_codes(strata, eta.shape[0])
        out = np.empty((eta.shape[0], times.size))
        for k, (bt, bh) in enumerate(self.baseline_cumulative_hazard_):
            rows = codes == k
            if not np.any(rows):
                continue
            idx = np.searchsorted(bt, times, side="right")
            h0 = np.concatenate([[0.0], bh])[idx]
            with np.errstate(over="ignore"):
                risk = np.exp(eta[rows])[:, None]
            # before the first event time H0 = 0, whatever the risk (no inf * 0 = NaN)
            out[rows] = np.where(h0[None, :] > 0, risk * h0[None, :], 0.0)
        return out

    def predict_survival_function(self, X, times=None, offset=None, strata=None):
        """Survival probability ``exp(-H0(t) exp(eta))`` at ``times`` (see
        :meth:`predict_cumulative_hazard`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        times : array-like of shape (n_times,), default=None
            Times to evaluate at (default ``unique_times_``).
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor.
        strata : array-like of shape (n_samples,), default=None
            Stratum labels of the rows of X (required when fitted with strata).

        Returns
        -------
        ndarray of shape (n_samples, n_times)
        """
        return np.exp(-self.predict_cumulative_hazard(X, times, offset, strata))

    def score(self, X, y, sample_weight=None, offset=None, strata=None):
        """Harrell's concordance index of :meth:`predict` on (X, y) (see
        :func:`concordance_index`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : structured array, array of shape (n_samples, 2) or (n_samples,)
            Survival target, as in :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor.
        strata : array-like of shape (n_samples,), default=None
            Only pairs within a stratum are compared.

        Returns
        -------
        float
        """
        return concordance_index(y, self.predict(X, offset), sample_weight, strata)



class CoxPH(CoxPredictions, BaseEstimator):
    __doc__ = """Penalized Cox proportional hazards regression.

    Minimizes the weighted negative log partial likelihood over ``S = sum_i s_i`` plus
    the elastic-net penalty::

        1/S * sum_i s_i d_i (log(sum_{j in R_i} s_j exp(eta_j)) - eta_i)
          + alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),
        eta_i = x_i.w + offset_i,  lower_j <= w_j <= upper_j,

    ``d_i`` the event indicator, ``R_i`` the samples of i's stratum still at risk at
    ``t_i`` (``t_j >= t_i``); Breslow's ties as written, Efron's with ``ties="efron"``
    (see :mod:`penalized.datafits.cox`). This is glmnet's ``family="cox"`` objective
    with ``lambda = alpha`` (glmnet's ``alpha`` = ``l1_ratio``; glmnet rescales
    ``penalty.factor`` to sum to n_features), scikit-survival's
    ``CoxnetSurvivalAnalysis`` with ``alphas=[alpha]`` (Breslow), and at ``alpha=0``
    the partial likelihood of ``survival::coxph`` and lifelines' ``CoxPHFitter`` (whose
    ``penalizer`` multiplies an unscaled sum: ``penalizer = alpha * S``).

    Parameters
    ----------
    alpha : float, default=0.01
        Penalty strength (>= 0).
    l1_ratio : float, default=1.0
        Mix of L1 (1.0, the lasso: glmnet's default) and L2 (0.0).
    ties : {"breslow", "efron"}, default="breslow"
        Handling of tied event times (glmnet and scikit-survival: Breslow;
        ``survival::coxph`` and lifelines: Efron).
    efron_weights : {"frequency", "survival"}, default="frequency"
        How ``sample_weight`` enters Efron's tie correction (Breslow's ties are the same
        either way; see Notes): as numbers of copies of the rows (scikit-learn's
        meaning) or as ``survival::coxph`` and lifelines weigh them.
""" + PARAMS_PENALTY.replace("""    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b``. Dense and sparse X are centered
        implicitly (X is never copied or densified for this).
""", "") + """
    tol : float, default=1e-4
        Tolerance on the duality gap, relative to the scale given in Notes.
    max_iter : int, default=100
        Maximum number of prox-Newton steps (as the GLM regressors).
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    verbose : int, default=0
        Print the gap after each prox-Newton step when > 0.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Log hazard ratios.
    intercept_ : float
        Always 0.0: the partial likelihood does not change when eta shifts.
    dual_gap_ : float
        Duality gap at the returned solution (from an upper bound of the partial
        likelihood's conjugate: see Notes).
    n_iter_ : int
        Prox-Newton steps taken.
    strata_ : ndarray
        The strata labels seen in fit (one stratum: ``[0]``).
    baseline_cumulative_hazard_ : list of (ndarray, ndarray)
        Per stratum (in the order of ``strata_``): the event times, increasing, and the
        baseline cumulative hazard at them (Breslow's estimator at the fitted model;
        with ``ties="efron"`` the Efron-adjusted increments, as ``survival::survfit``).
    unique_times_ : ndarray
        Every event time of the training data, increasing (the default ``times`` of
        the predictions).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.

    Notes
    -----
    Solved by prox-Newton with the exact Hessian of the partial likelihood on a working
    set (the engine ``coupled_newton`` of :func:`penalized.solvers.engine.choose_engine`);
    glmnet and scikit-survival use its diagonal. Certificate: the duality gap with the
    dual point ``c * grad``, whose partial-likelihood conjugate is bounded above by
    that of one feasible split over the risk sets (exact at the optimum), so the gap
    never understates the distance to the optimum. The fit stops when it is at most
    ``tol`` times the null model's loss above the saturated one, else a
    ``ConvergenceWarning`` names the gap and tol. The model has no intercept (the
    partial likelihood does not change when eta shifts).

    Sample weights are case weights: a weight of 2 is a duplicated row (scikit-learn's
    meaning). With Efron's ties this makes a row's weight a number of tied events: an
    event time whose events weigh ``sw`` in total has ``ceil(sw)`` correction terms
    ``min(1, sw - r) log(W - (r / sw) D)``, so integer weights give exactly the fit of
    the repeated rows, and the correction depends on the scale of the weights (its
    cost grows with ``sw``). ``efron_weights="survival"`` gives ``survival::coxph``'s
    and lifelines' weighted Efron instead: ``m`` tied event rows give ``m`` terms
    weighted by their mean weight, invariant to rescaling the weights, but a
    duplicated row adds a tied event where a weight of 2 does not. Unit weights give
    Efron's partial likelihood either way.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized import CoxPH
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 4))
    >>> t = rng.exponential(np.exp(-X[:, 0]))
    >>> y = np.column_stack([np.minimum(t, 2.0), t < 2.0])  # [time, event]
    >>> model = CoxPH(alpha=0.01).fit(X, y)
    >>> bool(model.coef_[0] > 0.7), bool(model.score(X, y) > 0.7)
    (True, True)
    >>> model.predict_survival_function(X[:2], times=[0.5, 1.0]).shape
    (2, 2)
    """

    def __init__(self, alpha=0.01, *, l1_ratio=1.0, ties="breslow",
                 efron_weights="frequency", penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, standardize=False, tol=1e-4,
                 max_iter=100, warm_start=False, verbose=0):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.ties = ties
        self.efron_weights = efron_weights
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose

    def fit(self, X, y, sample_weight=None, offset=None, strata=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : structured array, array-like of shape (n_samples, 2) or (n_samples,)
            A structured array with fields (event, time) as scikit-survival's
            ``Surv.from_arrays`` (fields named ``event``/``status`` and ``time``, else
            event first); [time, event] per row as glmnet's ``Surv`` (an array, a list
            of pairs, or a two-column DataFrame, whose columns are taken by name when
            named ``event``/``status`` and ``time``); or 1-D times, every event
            observed. Times >= 0, events 0/1 (or bool); a missing value is an error.
        sample_weight : array-like of shape (n_samples,), default=None
            Case weights (a weight of 2 is a duplicated row; see ``efron_weights``).
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1).
        strata : array-like of shape (n_samples,), default=None
            Stratum labels: each stratum has its own baseline hazard (risk sets are
            within strata), as ``survival::strata`` and glmnet's ``stratifySurv``.

        Returns
        -------
        self : object
        """
        prm = check_fit_params(self)
        steps = prm.max_iter
        prm.max_iter = steps * _STEP_EPOCHS
        # no intercept: the design is centered only for standardize (standard deviations,
        # as glmnet)
        prm.fit_intercept = prm.standardize
        l1_ratio = check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        datafit = Cox(self.ties, self.efron_weights)
        X, yy, sample_weight, offset = survival_data(self, X, y, strata, sample_weight, offset,
                                                      datafit)
        res = fit_problem(X, yy, datafit, build_penalty(self, prm.alpha, l1_ratio), prm,
                          sample_weight=sample_weight,
                          coef_init=warm_coef(self, prm, (X.shape[1],)), offset=offset,
                          max_steps=steps)
        self.coef_ = res.coef.astype(X.dtype, copy=False)
        self.intercept_ = 0.0
        self.dual_gap_ = float(res.dual_gap)
        self.n_iter_ = max(int(res.n_steps), 1)
        self._set_baseline(X, yy, sample_weight, offset, strata, datafit, res.eta)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.required = True
        tags.target_tags.positive_only = True
        return tags
