"""CoxPHCV: penalized Cox regression with alpha chosen by cross-validation.

The partial likelihood is not a sum over samples, so a test fold has no per-sample
deviance: the ``"deviance"`` score is glmnet's (Verweij and van Houwelingen, 1993), the
full-data partial-likelihood deviance of the fold's training fit minus its deviance on the
training rows, per unit event weight of the fold; ``"cindex"`` is Harrell's C on the
test rows. Fold means are weighted by the folds' event weights, as ``cv.glmnet``.
"""

import numbers

import numpy as np
from joblib import delayed
from sklearn.base import BaseEstimator

from .._validation import (
    check_bool,
    check_int,
    check_scalar,
)
from ..datafits import Cox
from ..estimators.cox import CoxPredictions, concordance_index, survival_data
from ..estimators.glm import _STEP_EPOCHS
from ._cv import (
    _check_choice,
    _check_grid,
    _coef_stack,
    _rows,
    cv_alpha_grid,
    linear_predictor,
    make_folds,
    rows_path,
    select,
)
from ._threads import run_tasks

__all__ = ["CoxPHCV"]


def _kwargs(est):
    return dict(penalty_factor=est.penalty_factor, lower_bounds=est.lower_bounds,
                upper_bounds=est.upper_bounds, positive=check_bool(est.positive, "positive"),
                # centered design: standardize by standard deviations (glmnet); the Cox
                # engine fits no intercept
                fit_intercept=True, standardize=check_bool(est.standardize, "standardize"),
                tol=check_scalar(est.tol, "tol", low=0.0),
                # max_iter counts prox-Newton steps, as CoxPH's (a budget of 1000 CD epochs
                # shared by a fit's steps ran out on small folds at small alphas: a 9 x 8
                # fold needs 2537 epochs in 7 steps)
                max_iter=check_int(est.max_iter, "max_iter") * _STEP_EPOCHS,
                max_steps=check_int(est.max_iter, "max_iter"),
                verbose=check_int(est.verbose, "verbose", low=0))


def _fold(X, y, sw, offset, train, test, datafit, grid, l1_ratio, kw, scoring):
    """Scores of one fold at every alpha: deviance difference per unit event weight, or
    1 - C on the test rows."""
    otr = None if offset is None else offset[train]
    swtr = None if sw is None else sw[train]
    res = rows_path(_rows(X, train), y[train], swtr, datafit, grid, l1_ratio, kw,
                    deviance=False, offset=otr)
    if scoring == "cindex":
        eta = linear_predictor(_rows(X, test), res)
        swte = None if sw is None else sw[test]
        out = []
        for j in range(eta.shape[1]):
            try:
                out.append(1.0 - concordance_index(y[test], eta[:, j], swte))
            except ValueError:  # no comparable pair in the fold: no information
                out.append(0.5)
        return np.array(out)
    W = _coef_stack(res)
    eta_full = np.asarray(X @ W, dtype=np.float64) + (0.0 if offset is None
                                                      else offset[:, None])
    full = datafit.bind(y, sw)
    ytr = y[train]
    part = datafit.bind(ytr, swtr)
    return np.array([full.deviance_total(y, eta_full[:, j], sw)
                     - part.deviance_total(ytr, eta_full[train, j], swtr)
                     for j in range(W.shape[1])])


class CoxPHCV(CoxPredictions, BaseEstimator):
    """Penalized Cox regression with alpha chosen by cross-validation.

    For each alpha of the grid the model minimizes the objective of
    :class:`penalized.CoxPH` (the weighted negative log partial likelihood over
    ``S = sum(s)`` plus ``alpha * P(w)``, glmnet's ``family="cox"`` with
    ``lambda = alpha``), on every training fold and on all the data.

    Parameters
    ----------
    l1_ratio : float, default=1.0
        Mix of L1 (1.0, the lasso) and L2 (0.0).
    alphas : int or array-like, default=100
        Number of alphas of the grid, log-spaced from ``alpha_max`` (the smallest alpha
        with every penalized coefficient at zero, on all the data) down to
        ``eps * alpha_max``; or explicit alphas.
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of a generated grid.
    cv : int, cross-validation splitter or iterable, default=5
        ``KFold(k)`` for an int (no shuffling), a splitter or (train, test) splits.
    scoring : {"deviance", "cindex"}, default="deviance"
        ``"deviance"``: glmnet's ``type.measure="deviance"`` (Verweij and van
        Houwelingen): for fold k, ``D(full data, w_-k) - D(training rows, w_-k)`` with
        ``D`` the partial-likelihood deviance (weights as given) and ``w_-k`` the fit
        without fold k, divided by the fold's event weight. ``"cindex"``: ``1 - C``,
        Harrell's concordance on the test rows (glmnet's ``type.measure="C"``; a fold
        without a comparable pair scores 0.5).
    alpha_rule : {"min", "1se"}, default="min"
        Which alpha becomes ``alpha_``: the minimum mean error (``alpha_min_``) or the
        largest alpha within one standard error of it (``alpha_1se_``, glmnet's
        ``lambda.1se``).
    ties : {"breslow", "efron"}, default="breslow"
        Handling of tied event times.
    efron_weights : {"frequency", "survival"}, default="frequency"
        How ``sample_weight`` enters Efron's tie correction, as :class:`penalized.CoxPH`.
    penalty_factor, lower_bounds, upper_bounds, positive, standardize
        As in :class:`penalized.CoxPH`.
    tol : float, default=1e-4
        Tolerance of every fit on the path (duality gap, as :class:`penalized.CoxPH`).
    max_iter : int, default=100
        Maximum number of prox-Newton steps of each fit (as :class:`penalized.CoxPH`).
    n_jobs : int, default=None
        Folds fitted in parallel by joblib threads; None means 1.
    verbose : int, default=0
        Verbosity of the fits.

    Attributes
    ----------
    alpha_, alpha_min_, alpha_1se_ : float
        The selected alpha and the alphas of the two rules.
    alphas_ : ndarray of shape (n_alphas,)
        The alpha grid, decreasing.
    cv_scores_ : ndarray of shape (n_alphas, n_folds)
        Error of every fold at every alpha (lower is better).
    cv_mean_, cv_se_ : ndarray of shape (n_alphas,)
        Mean over folds weighted by their event weights, and glmnet's standard error
        ``sqrt(weighted mean of (score - mean)^2 / (n_folds - 1))``.
    score_name_ : str
    scoring_ : str
    n_folds_ : int
    path_ : PathResult
        The path on all the data.
    coef_ : ndarray of shape (n_features,)
        Coefficients at ``alpha_``.
    intercept_ : float
        Always 0.0.
    dual_gap_ : float
    n_iter_ : int
    n_nonzero_ : ndarray of shape (n_alphas,)
    strata_, baseline_cumulative_hazard_, unique_times_
        As :class:`penalized.CoxPH`, at ``alpha_``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.model_selection import CoxPHCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 6))
    >>> t = rng.exponential(np.exp(-X[:, 0]))
    >>> y = np.column_stack([np.minimum(t, 2.0), t < 2.0])
    >>> model = CoxPHCV(alphas=20, cv=3).fit(X, y)
    >>> bool(model.coef_[0] > 0.5), model.cv_mean_.shape
    (True, (20,))
    """

    def __init__(self, *, l1_ratio=1.0, alphas=100, eps=1e-3, cv=5, scoring="deviance",
                 alpha_rule="min", ties="breslow", efron_weights="frequency",
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                 standardize=False, tol=1e-4, max_iter=100, n_jobs=None, verbose=0):
        self.l1_ratio = l1_ratio
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.alpha_rule = alpha_rule
        self.ties = ties
        self.efron_weights = efron_weights
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    def fit(self, X, y, sample_weight=None, *, groups=None, foldid=None, offset=None,
            strata=None):
        """Cross-validate the path, select alpha and refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : structured array, array of shape (n_samples, 2) or (n_samples,)
            Survival target, as :meth:`penalized.CoxPH.fit`.
        sample_weight : array-like of shape (n_samples,), default=None
        groups : array-like of shape (n_samples,), default=None
            Group labels passed to the splitter's ``split``.
        foldid : array-like of shape (n_samples,), default=None
            Fold label of each sample (glmnet's ``foldid``); overrides ``cv``.
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor, split by fold like X.
        strata : array-like of shape (n_samples,), default=None
            Stratum labels (split by fold like X).

        Returns
        -------
        self : object
        """
        l1_ratio = check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        eps = check_scalar(self.eps, "eps", low=0.0, low_open=True)
        scoring = _check_choice(self.scoring, "scoring", {"deviance", "cindex"})
        _check_choice(self.alpha_rule, "alpha_rule", {"min", "1se"})
        datafit = Cox(self.ties, self.efron_weights)
        kw = _kwargs(self)
        X, yy, sw, offset = survival_data(self, X, y, strata, sample_weight, offset, datafit)
        n = X.shape[0]
        if isinstance(self.alphas, numbers.Integral) and not isinstance(self.alphas, bool):
            grid = cv_alpha_grid(X, yy, sw, datafit, l1_ratio,
                                 check_int(self.alphas, "alphas"), eps, kw, offset)
        else:
            grid = np.sort(_check_grid(self.alphas, "alphas"))[::-1]
        folds = make_folds(self.cv, X, yy[:, 1], groups, foldid)
        tasks = [delayed(rows_path)(X, yy, sw, datafit, grid, l1_ratio, kw, offset=offset)]
        tasks += [delayed(_fold)(X, yy, sw, offset, tr, te, datafit, grid, l1_ratio, kw,
                                 scoring) for tr, te in folds]
        outs = run_tasks(tasks, self.n_jobs)
        self.path_ = outs.pop(0)
        s = np.ones(n) if sw is None else sw
        fold_w = np.array([float(s[te] @ yy[te, 1]) for _, te in folds])
        scores = np.column_stack(outs)  # (n_alphas, n_folds)
        if scoring == "deviance":
            scores = scores / np.where(fold_w > 0, fold_w, np.nan)
        self._summarize(grid, scores, fold_w, scoring)
        ai = int(np.flatnonzero(grid == self.alpha_)[0])
        self.coef_ = self.path_.coef_at(ai).astype(X.dtype, copy=False)
        self.intercept_ = 0.0
        self.dual_gap_ = float(self.path_.dual_gaps[ai])
        self.n_iter_ = int(self.path_.n_iters[ai])
        self.n_nonzero_ = np.asarray(self.path_.df)
        self._set_baseline(X, yy, sw, offset, strata, datafit)
        return self

    def _summarize(self, grid, scores, fold_w, scoring):
        ok = np.isfinite(scores) & (fold_w > 0)
        wts = np.where(ok, fold_w, 0.0)
        tot = wts.sum(axis=1)
        mean = np.where(tot > 0, np.sum(np.where(ok, scores, 0.0) * wts, axis=1)
                        / np.where(tot > 0, tot, 1.0), np.inf)
        nf = ok.sum(axis=1)
        var = np.sum(np.where(ok, (scores - mean[:, None]) ** 2, 0.0) * wts, axis=1) / \
            np.where(tot > 0, tot, 1.0)
        se = np.sqrt(var / np.maximum(nf - 1, 1))
        (_, a0), (_, a1) = select(mean[None, :], se[None, :])
        self.alphas_, self.cv_scores_ = grid, scores
        self.cv_mean_, self.cv_se_ = mean, se
        self.alpha_min_, self.alpha_1se_ = float(grid[a0]), float(grid[a1])
        self.alpha_ = self.alpha_min_ if self.alpha_rule == "min" else self.alpha_1se_
        self.scoring_ = scoring
        self.score_name_ = ("Partial-likelihood deviance" if scoring == "deviance"
                            else "1 - C-index")
        self.n_folds_ = scores.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.required = True
        tags.target_tags.positive_only = True
        return tags
