"""Cross-validation engine shared by the ``*CV`` estimators.

Folds are fixed once and shared by every alpha (and every l1_ratio). One warm-started
path per (l1_ratio, fold) on the full-data alpha grid gives the test-fold linear
predictors; scores, means, standard errors, the minimum and one-standard-error rules,
relaxed fits and interpolation along the path are computed here.
"""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from joblib import delayed
from sklearn import get_config
from sklearn.base import BaseEstimator, is_classifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import check_cv
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import (
    check_bool,
    check_bounds,
    check_finite_sparse,
    check_int,
    check_sample_weight,
    check_scalar,
)
from ..estimators._base import selection_seed, validate_fit_data
from ..paths import PathResult, alpha_grid, fit_path, unit_penalty
from ..penalties.elastic_net import ElasticNet as ElasticNetPenalty
from ..solvers.api import solve
from ..solvers.design import Design
from ..solvers.engine import cv_on_gram_downdates
from ..solvers.least_squares import FullGram
from ._gram_cv import FoldGrams, gram_fold_path
from ._threads import run_tasks

__all__ = ["fold_errors", "interpolate", "make_folds", "relaxed_path", "select"]

_RELAX_RIDGE = 1e-6  # ridge of the relaxed GLM refits, relative to alpha_max
_GRID_MIN_L1 = 1e-3  # glmnet: alpha_max of a grid is computed with max(l1_ratio, 1e-3)
_RELAX_ATTRS = ("gammas_", "relax_cv_scores_", "relax_cv_mean_", "relax_cv_se_",
                "gamma_min_", "gamma_1se_", "relaxed_path_")

# ----------------------------------------------------------------------------- folds
def make_folds(cv, X, y, groups=None, foldid=None, classifier=False):
    """List of (train, test) index arrays: from ``foldid`` if given, else from ``cv``."""
    n = X.shape[0]
    if foldid is not None:
        foldid = np.asarray(foldid)
        if foldid.ndim != 1 or foldid.shape[0] != n:
            raise ValueError(f"'foldid' must have shape ({n},) (one fold label per sample), "
                             f"got shape {foldid.shape}.")
        labels = np.unique(foldid)
        if labels.size < 2:
            raise ValueError("'foldid' must contain at least 2 distinct fold labels.")
        return [(np.flatnonzero(foldid != k), np.flatnonzero(foldid == k)) for k in labels]
    if cv is None:
        cv = 5
    if isinstance(cv, (bool, np.bool_)):
        raise ValueError(f"The 'cv' parameter must be an int >= 2, a splitter or an "
                         f"iterable of (train, test) splits, got {cv!r}.")
    if isinstance(cv, numbers.Integral) and cv < 2:
        raise ValueError(f"The 'cv' parameter must be >= 2 folds, got {cv!r}.")
    splitter = check_cv(cv, y, classifier=classifier)
    folds = [(np.asarray(tr, dtype=np.intp), np.asarray(te, dtype=np.intp))
             for tr, te in splitter.split(X, y, groups)]
    if len(folds) < 2:
        raise ValueError(f"The 'cv' parameter must give at least 2 folds, got {len(folds)}.")
    if any(tr.size == 0 or te.size == 0 for tr, te in folds):
        raise ValueError("The 'cv' parameter gave a fold with an empty train or test set.")
    return folds


# ------------------------------------------------------------------------------ paths
def path_kwargs(est):
    """Keyword arguments of :func:`penalized.path` shared by every fit of a CV run."""
    return dict(penalty_factor=est.penalty_factor, lower_bounds=est.lower_bounds,
                upper_bounds=est.upper_bounds, positive=check_bool(est.positive, "positive"),
                fit_intercept=check_bool(est.fit_intercept, "fit_intercept"),
                standardize=check_bool(est.standardize, "standardize"),
                tol=check_scalar(est.tol, "tol", low=0.0),
                max_iter=check_int(est.max_iter, "max_iter"),
                verbose=_check_verbose(est.verbose),
                precompute=_cv_precompute(est), seed=_cv_seed(est))


def _check_verbose(value):
    """scikit-learn's ``verbose``: a bool or an int >= 0."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    return check_int(value, "verbose", low=0)


def _cv_precompute(est):
    """scikit-learn's ``precompute`` of the CV estimators: "auto" or a bool (a user Gram
    matrix cannot be split by fold)."""
    value = getattr(est, "precompute", "auto")
    if isinstance(value, str) and value == "auto":
        return "auto"
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if hasattr(value, "shape") or isinstance(value, (list, tuple)):
        raise ValueError("The 'precompute' parameter of a CV estimator cannot be a Gram "
                         "matrix: every training fold has its own X'X. Pass True to have "
                         "penalized compute them (by downdates of one all-rows Gram matrix).")
    raise ValueError("The 'precompute' parameter must be 'auto' or a bool, got "
                     f"{value!r}.")


def _cv_seed(est):
    """scikit-learn's ``selection`` / ``random_state``: -1 (cyclic) or the seed of the
    random coordinate order; the old rule values of ``selection`` mean cyclic."""
    if not hasattr(est, "random_state") or getattr(est, "selection", None) in _OLD_RULES:
        return -1
    return selection_seed(est)


_OLD_RULES = ("min", "1se")


def alpha_rule(est):
    """The rule that picks ``alpha_``: ``alpha_rule`` ("min" or "1se"), or the same
    value given under its old name ``selection`` (FutureWarning: ``selection`` is
    scikit-learn's coordinate order, "cyclic" or "random")."""
    old = getattr(est, "selection", None)
    if isinstance(old, str) and old in _OLD_RULES:
        warnings.warn(
            f"selection={old!r} as the alpha rule is deprecated: use alpha_rule={old!r}. "
            "'selection' is scikit-learn's coordinate order ('cyclic' or 'random').",
            FutureWarning, stacklevel=3)
        return old
    if old is not None and old != "deprecated" and not hasattr(est, "random_state"):
        raise ValueError(f"The 'selection' parameter (deprecated: use 'alpha_rule') must be "
                         f"'min' or '1se', got {old!r}.")
    return _check_choice(est.alpha_rule, "alpha_rule", {"min", "1se"})


def fold_design(X, sw, kw):
    """The Design of (training) rows and the unit penalty of a CV run on it (standardized
    on those rows when asked)."""
    if sw is not None and not np.sum(sw) > 0:
        raise ValueError("'sample_weight' must not be all zero on a training fold: at "
                         "least one weight of every training fold must be positive.")
    design = Design(X, sw, kw["fit_intercept"])
    pen_unit = unit_penalty(X.shape[1], kw["penalty_factor"], kw["lower_bounds"],
                            kw["upper_bounds"], kw["positive"])
    if kw["standardize"]:
        pen_unit = pen_unit.standardized(design.sqnorms())
    return design, pen_unit


def cv_alpha_grid(X, y, sw, datafit, l1_ratio, n_alphas, eps, kw):
    """Decreasing grid ``geomspace(alpha_max, eps * alpha_max, n_alphas)`` on (X, y).

    For ``l1_ratio < 1e-3`` (ridge), ``alpha_max`` is computed with ``l1_ratio=1e-3`` as
    glmnet does, and the grid spans ``eps * 1e-3`` of it: it ends where the lasso's grid
    ends.
    """
    l1_ratio, eps = grid_mix(l1_ratio, eps)
    design, pen_unit = fold_design(X, sw, kw)
    return alpha_grid(design, y, datafit, pen_unit, l1_ratio, n_alphas, eps)


def grid_mix(l1_ratio, eps):
    """The (l1_ratio, eps) a CV grid is computed with: for ``l1_ratio < 1e-3`` (ridge)
    glmnet's top (``alpha_max`` at ``l1_ratio=1e-3``) and the lasso grid's bottom."""
    if l1_ratio < _GRID_MIN_L1:
        return _GRID_MIN_L1, eps * _GRID_MIN_L1
    return l1_ratio, eps


def rows_path(X, y, sw, datafit, grid, l1_ratio, kw, *, gram=None, deviance=True):
    """The path on (X, y) over ``grid`` with the CV run's options (``gram``: the centered
    Gram matrix / S of X when known)."""
    design, pen_unit = fold_design(X, sw, kw)
    fg = None
    if gram is not None:
        ybar = float(design.s @ y) / design.S if design.center else 0.0
        fg = FullGram(design, y - ybar, gram)
    return fit_path(design, y, datafit, pen_unit, grid, l1_ratio, tol=kw["tol"],
                    max_iter=kw["max_iter"], verbose=kw["verbose"], gram=fg,
                    deviance=deviance, precompute=kw.get("precompute", "auto"),
                    seed=kw.get("seed", -1))


def _rows(X, idx, block=256):
    """The rows ``idx`` of X; dense ones F-ordered, gathered by blocks of columns (one
    copy, where ``asfortranarray(X[idx])`` makes two)."""
    if sp.issparse(X):
        return X[idx]
    idx = np.asarray(idx)
    idx = np.flatnonzero(idx) if idx.dtype == bool else idx
    out = np.empty((idx.size, X.shape[1]), dtype=X.dtype, order="F")
    for j in range(0, X.shape[1], block):
        out[:, j:j + block] = X[idx, j:j + block]
    return out


def _coef_stack(res):
    """Path coefficients as (n_features, n_alphas) or (n_features, n_alphas, K)."""
    if isinstance(res.coefs, list):
        return np.stack(res.coefs, axis=1)
    return res.coefs.toarray() if sp.issparse(res.coefs) else np.asarray(res.coefs)


def linear_predictor(X, res):
    """``X @ coef + intercept`` at every path point: (n, n_alphas) or (n, n_alphas, K)."""
    if sp.issparse(res.coefs) and not sp.issparse(X):
        # sparse coefficients times dense X: nnz(W) * n, not p * n * n_alphas
        eta = (res.coefs.T.tocsr() @ np.asarray(X, dtype=np.float64).T).T
        return np.asarray(eta) + res.intercepts
    W = _coef_stack(res)
    eta = np.asarray(safe_sparse_dot(X, W.reshape(W.shape[0], -1)), dtype=np.float64)
    return eta.reshape((X.shape[0],) + W.shape[1:]) + res.intercepts


def _relaxed_fit(X, y, sw, datafit, supp, w0, b0, ridge, kw):
    """Unpenalized refit on the columns ``supp`` (a tiny ridge for GLMs and bounds)."""
    Xs = X[:, supp]
    lo, up = check_bounds(kw["lower_bounds"], kw["upper_bounds"], X.shape[1], kw["positive"])
    lo, up = lo[supp], up[supp]
    bounded = np.any(np.isfinite(lo)) or np.any(np.isfinite(up))
    if datafit.quadratic and not bounded:
        Xs = Xs.toarray() if sp.issparse(Xs) else np.asarray(Xs, dtype=np.float64)
        s = np.ones(X.shape[0]) if sw is None else sw
        xm = np.average(Xs, axis=0, weights=s) if kw["fit_intercept"] else 0.0
        ym = np.average(y, weights=s) if kw["fit_intercept"] else 0.0
        q = np.sqrt(s)
        w = np.linalg.lstsq((Xs - xm) * q[:, None], (y - ym) * q, rcond=None)[0]
        return w, float(ym - np.dot(xm, w))
    pen = ElasticNetPenalty(ridge, 0.0, None, lo, up)
    glm = not datafit.quadratic
    res = solve(Xs, y, datafit, pen, sample_weight=sw, fit_intercept=kw["fit_intercept"],
                tol=kw["tol"], max_iter=kw["max_iter"], coef_init=w0[supp],
                intercept_init=b0 if glm else None)
    return res.coef, res.intercept


def relaxed_path(X, y, sw, datafit, res, kw):
    """The relaxed path: at each alpha, the unpenalized fit on that alpha's support."""
    W = _coef_stack(res)
    ridge = _RELAX_RIDGE * float(res.alphas[0])
    coefs, intercepts, cache = [], [], {}
    for i in range(W.shape[1]):
        w, b = W[:, i], res.intercepts[i]
        supp = w != 0 if w.ndim == 1 else np.any(w != 0, axis=1)
        key = np.packbits(supp).tobytes()
        if not supp.any():
            cache[key] = (np.zeros_like(w), np.copy(b))
        elif key not in cache:
            wr, br = _relaxed_fit(X, y, sw, datafit, supp, w, b, ridge, kw)
            full = np.zeros_like(w)
            full[supp] = wr
            cache[key] = (full, np.copy(br))
        coefs.append(cache[key][0])
        intercepts.append(cache[key][1])
    W = np.stack(coefs, axis=1)
    df = np.count_nonzero(W if W.ndim == 2 else np.any(W != 0, axis=2), axis=0)
    m = W.shape[1]
    out = coefs if isinstance(res.coefs, list) else sp.csc_matrix(W)
    return PathResult(alphas=res.alphas.copy(), coefs=out, intercepts=np.array(intercepts),
                      dual_gaps=np.full(m, np.nan), n_iters=np.zeros(m, dtype=int), df=df,
                      dev_explained=np.full(m, np.nan), converged=np.ones(m, dtype=bool))


def _fold_job(X, y, sw, train, test, datafit, grid, l1_ratio, kw, relax):
    """Fit the path on one training fold; return the test-fold linear predictors."""
    Xtr, ytr = _rows(X, train), y[train]
    swtr = None if sw is None else sw[train]
    res = rows_path(Xtr, ytr, swtr, datafit, grid, l1_ratio, kw, deviance=False)
    Xte = _rows(X, test)
    eta = linear_predictor(Xte, res)
    if not relax:
        return eta, None
    return eta, linear_predictor(Xte, relaxed_path(Xtr, ytr, swtr, datafit, res, kw))


def _gram_fold_job(fg, X, train, test, grid, l1_ratio, kw):
    W, b = gram_fold_path(fg, train, test, grid, l1_ratio, kw)
    return np.asarray(X[test] @ W, dtype=np.float64) + b, None


# ---------------------------------------------------------------------------- scoring
def fold_errors(datafit, scoring, y, eta, sw=None):
    """Weighted mean test error per alpha (lower is better); eta (n, m) or (n, m, K).

    ``y`` is the target (0/1 for binomial, one-hot for multinomial); the per-sample
    errors are the datafit's (:meth:`~penalized.datafits.Datafit.test_error`). AUC and
    accuracy are returned as ``1 - value``.
    """
    s = np.ones(eta.shape[0]) if sw is None else np.asarray(sw, dtype=np.float64)
    if s.sum() <= 0:
        raise ValueError("A test fold has zero total sample_weight; its error is undefined.")
    if scoring == "auc":
        if np.unique(y[s > 0]).size < 2:
            raise ValueError("scoring='auc' needs both classes in every test fold.")
        return np.array([1.0 - roc_auc_score(y, eta[:, j], sample_weight=sw)
                         for j in range(eta.shape[1])])
    return s @ datafit.test_error(y, eta, scoring) / s.sum()


def summarize(scores):
    """Mean and standard error over folds (last axis): ``std(ddof=1) / sqrt(n_folds)``."""
    n_folds = scores.shape[-1]
    # in units of the largest score: squared deviations of errors of 1e200 (y of 1e100)
    # overflowed to an infinite standard error
    top = np.max(np.abs(scores), axis=-1, keepdims=True)
    top = np.where(np.isfinite(top) & (top > 0), top, 1.0)
    se = (scores / top).std(axis=-1, ddof=1) * top[..., 0] / np.sqrt(n_folds)
    return scores.mean(axis=-1), se


def select(mean, se):
    """Indices ((g_min, a_min), (g_1se, a_1se)) on a (n_gammas, n_alphas) grid.

    Minimum: the smallest mean error (ties go to the largest alpha, then the largest
    gamma). One standard error: the largest alpha whose mean error is at most the minimum
    plus its standard error (glmnet's ``lambda.1se``), with the largest such gamma.
    """
    m = np.where(np.isfinite(mean), mean, np.inf)
    if not np.isfinite(m).any():
        raise ValueError("Every cross-validation error is NaN or infinite.")

    def largest(cand):
        a = int(np.flatnonzero(cand.any(axis=0))[0])
        return int(np.flatnonzero(cand[:, a])[-1]), a

    g0, a0 = largest(m == m.min())
    thr = m[g0, a0] + (se[g0, a0] if np.isfinite(se[g0, a0]) else 0.0)
    return (g0, a0), largest(m <= thr)


def interpolate(res, alpha):
    """Coefficients and intercept at ``alpha``, linear in log(alpha) between path points.

    Exact at the path's alphas; ``alpha`` beyond the path's ends is clipped to them.
    """
    alpha = check_scalar(alpha, "alpha", low=0.0)
    a = res.alphas
    if alpha >= a[0] or a.size == 1:
        return res.coef_at(0), res.intercepts[0]
    if alpha <= a[-1]:
        return res.coef_at(a.size - 1), res.intercepts[-1]
    j = int(np.searchsorted(-a, -alpha, side="left"))
    if a[j] == alpha:
        return res.coef_at(j), res.intercepts[j]
    i = j - 1
    if a[j] > 0:
        t = (np.log(a[i]) - np.log(alpha)) / (np.log(a[i]) - np.log(a[j]))
    else:
        t = (a[i] - alpha) / (a[i] - a[j])
    return ((1 - t) * res.coef_at(i) + t * res.coef_at(j),
            (1 - t) * res.intercepts[i] + t * res.intercepts[j])


# ---------------------------------------------------------------------- base estimator
def _check_choice(value, name, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"The '{name}' parameter must be one of {sorted(options)}, "
                         f"got {value!r}.")
    return value


def _check_grid(value, name, *, low=0.0, high=None):
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"The '{name}' parameter must be a non-empty 1-D array of finite "
                         f"values, got {value!r}.")
    if np.any(arr < low) or (high is not None and np.any(arr > high)):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"The '{name}' parameter must be {bound}, got {value!r}.")
    return arr


def _check_alphas(value):
    """An explicit alpha grid; a negative entry is named by index and value as
    scikit-learn does."""
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim == 1:
        for i, a in enumerate(arr):
            if a < 0:
                raise ValueError(f"alphas[{i}] == {a}, must be >= 0.0.")
    return _check_grid(arr, "alphas")


class BaseCV(BaseEstimator):
    """Shared fit of the CV estimators; subclasses set the datafit and the target."""

    _mse_path = False  # store scikit-learn's mse_path_ (least-squares CV estimators)

    def _l1_ratios(self):
        return _check_grid(self.l1_ratio, "l1_ratio", high=1.0)

    def _target(self, y, sample_weight):
        """Return (y_fit, y_score, datafit, training weights)."""
        raise NotImplementedError

    def _check_params(self):
        l1_ratios = self._l1_ratios()
        eps = check_scalar(self.eps, "eps", low=0.0, low_open=True)
        if isinstance(self.alphas, numbers.Integral) and not isinstance(self.alphas, bool):
            alphas = check_int(self.alphas, "alphas")
        else:
            alphas = np.sort(_check_alphas(self.alphas))[::-1]
        self._rule = alpha_rule(self)
        if hasattr(self, "copy_X"):
            check_bool(self.copy_X, "copy_X")  # X is never modified
        relax = check_bool(self.relax, "relax")
        gammas = np.unique(_check_grid(self.gammas, "gammas", high=1.0))
        if relax and np.any(l1_ratios != 1.0):
            raise ValueError("The 'relax' parameter needs the lasso (l1_ratio=1, or "
                             "penalty='l1'): the relaxed fit refits the lasso's support.")
        return l1_ratios, alphas, eps, relax, gammas

    def get_metadata_routing(self):
        """Metadata routing of this estimator, as scikit-learn's CV estimators: its own
        fit requests (``sample_weight``, ``foldid``), and the splitter's ``split``
        receives what it requests (``groups`` for ``GroupKFold``) without a
        ``set_fit_request``.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
        """
        cv = self.cv if self.cv is not None else 5
        splitter = check_cv(cv, classifier=is_classifier(self)) if not isinstance(
            cv, (bool, np.bool_)) else check_cv(5)
        return (MetadataRouter(owner=self).add_self_request(self)
                .add(splitter=splitter,
                     method_mapping=MethodMapping().add(caller="fit", callee="split")))

    def fit(self, X, y, sample_weight=None, *, foldid=None, **params):
        """Cross-validate the path, select alpha and refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights in the training objective and in the test-fold errors
            (weighted means over each test fold).
        foldid : array-like of shape (n_samples,), default=None
            Fold label of each sample (glmnet's ``foldid``); overrides ``cv``.
        **params : dict
            ``groups``: group labels passed to the splitter's ``split`` (e.g.
            ``GroupKFold``). Under metadata routing, whatever the splitter requests
            (as scikit-learn's CV estimators).

        Returns
        -------
        self : object
        """
        l1_ratios, alphas, eps, relax, gammas = self._check_params()
        groups = self._split_params(sample_weight, foldid, params).get("groups")
        for name in _RELAX_ATTRS + ("mse_path_",):
            self.__dict__.pop(name, None)
        kw = path_kwargs(self)
        X, y = validate_fit_data(self, X, y, y_numeric=not is_classifier(self))
        sw = check_sample_weight(sample_weight, X.shape[0])
        y_fit, y_score, datafit, sw_fit = self._target(y, sw)
        scoring = _check_choice(self.scoring, "scoring", set(datafit.scorings))
        folds = make_folds(self.cv, X, y, groups, foldid, is_classifier(self))
        if is_classifier(self):
            labels = y_score if y_score.ndim == 1 else np.argmax(y_score, axis=1)
            if any(np.unique(labels[tr]).size < len(self.classes_) for tr, _ in folds):
                raise ValueError("Every training fold must contain every class; use a "
                                 "stratified splitter ('cv' an int) or other 'foldid'.")
        if isinstance(alphas, int):
            grids = np.array([cv_alpha_grid(X, y_fit, sw_fit, datafit, r, alphas, eps, kw)
                              for r in l1_ratios])
        else:
            grids = np.tile(alphas, (len(l1_ratios), 1))
        gam = gammas if relax else np.array([1.0])
        jobs = [(li, fi) for li in range(len(l1_ratios)) for fi in range(len(folds))]
        fg = None
        # tall dense least squares
        if (kw["precompute"] is not False and kw["seed"] < 0
                and cv_on_gram_downdates(X, datafit, fold_design(X, sw_fit, kw)[1], folds,
                                         relax)):
            fg = FoldGrams(X, y_fit, sw_fit, kw["fit_intercept"])
            tasks = [delayed(_gram_fold_job)(fg, X, folds[fi][0], folds[fi][1], grids[li],
                                             l1_ratios[li], kw) for li, fi in jobs]
        else:
            tasks = [delayed(_fold_job)(X, y_fit, sw_fit, folds[fi][0], folds[fi][1],
                                        datafit, grids[li], l1_ratios[li], kw, relax)
                     for li, fi in jobs]
        # with one l1_ratio the full-data path does not wait for the CV result: it runs
        # beside the folds (first: it is the largest job)
        full_first = len(l1_ratios) == 1
        if full_first:
            tasks.insert(0, delayed(rows_path)(X, y_fit, sw_fit, datafit, grids[0],
                                               l1_ratios[0], kw,
                                               gram=None if fg is None else fg.A / fg.S))
        # threads: the kernels release the GIL, and nothing is copied to workers
        outs = run_tasks(tasks, self.n_jobs)
        full_path = outs.pop(0) if full_first else None
        # scores[l1_ratio, gamma, alpha, fold]; mse[l1_ratio, alpha, fold] of gamma = 1
        scores = np.empty((len(l1_ratios), gam.size, grids.shape[1], len(folds)))
        mse = np.empty((len(l1_ratios), grids.shape[1], len(folds)))
        for (li, fi), (eta, eta_rel) in zip(jobs, outs, strict=True):
            te = folds[fi][1]
            yt, st = y_score[te], None if sw is None else sw[te]
            for gi, g in enumerate(gam):
                e = eta if g == 1 else eta_rel if g == 0 else g * eta + (1 - g) * eta_rel
                scores[li, gi, :, fi] = fold_errors(datafit, scoring, yt, e, st)
            if self._mse_path:
                mse[li, :, fi] = fold_errors(datafit, "mse", yt, eta, st)
        if self._mse_path:
            self.mse_path_ = mse[0] if len(l1_ratios) == 1 else mse
        self.scoring_, self.score_name_ = scoring, datafit.score_name(scoring)
        self.n_folds_ = len(folds)
        li, ai, gi = self._select(l1_ratios, grids, gam, scores, relax)
        self.path_ = full_path if full_first else rows_path(
            X, y_fit, sw_fit, datafit, grids[li], self.l1_ratio_, kw)
        self.n_nonzero_ = np.asarray(self.path_.df)
        if relax:
            self.relaxed_path_ = relaxed_path(X, y_fit, sw_fit, datafit, self.path_, kw)
        coef, intercept = self._blend(self.alpha_, self.gamma_)
        self._set_coef(coef, intercept, X.dtype)
        self.dual_gap_ = float(self.path_.dual_gaps[ai])
        self.n_iter_ = int(self.path_.n_iters[ai])
        return self

    def _split_params(self, sample_weight, foldid, params):
        """The splitter's ``split`` arguments: routed under metadata routing, else
        ``groups`` if given; anything else is an error."""
        if get_config().get("enable_metadata_routing", False):
            extra = {} if foldid is None else {"foldid": foldid}
            routed = process_routing(self, "fit", sample_weight=sample_weight, **extra,
                                     **params)
            return dict(routed.splitter.split)
        unknown = sorted(set(params) - {"groups"})
        if unknown:
            raise TypeError(f"{type(self).__name__}.fit() got an unexpected keyword "
                            f"argument {unknown[0]!r}.")
        return {"groups": params.get("groups")}

    def _select(self, l1_ratios, grids, gam, scores, relax):
        """Apply the selection rules; set the CV attributes; return (l1, alpha, gamma) idx."""
        mean, se = summarize(scores)
        best = None
        for li in range(len(l1_ratios)):  # the first l1_ratio wins ties, as scikit-learn
            (g0, a0), (g1, a1) = select(mean[li], se[li])
            if best is None or mean[li, g0, a0] < best[0]:
                best = (mean[li, g0, a0], li, (g0, a0), (g1, a1))
        _, li, (g0, a0), (g1, a1) = best
        gi, ai = (g1, a1) if self._rule == "1se" else (g0, a0)
        self.l1_ratio_, self.l1_ratios_ = float(l1_ratios[li]), l1_ratios
        self.alphas_grid_, self.cv_scores_grid_ = grids, scores[:, gi]
        # scikit-learn's layout: (n_l1_ratios, n_alphas) when several l1_ratios
        self.alphas_ = grids[0] if len(l1_ratios) == 1 else grids
        self.cv_scores_ = scores[li, gi]
        self.cv_mean_, self.cv_se_ = mean[li, gi], se[li, gi]
        self.alpha_min_, self.alpha_1se_ = float(grids[li, a0]), float(grids[li, a1])
        self.alpha_, self.gamma_ = float(grids[li, ai]), float(gam[gi])
        if relax:
            self.gammas_, self.relax_cv_scores_ = gam, scores[li]
            self.relax_cv_mean_, self.relax_cv_se_ = mean[li], se[li]
            self.gamma_min_, self.gamma_1se_ = float(gam[g0]), float(gam[g1])
        return li, ai, gi

    def _coef_at(self, alpha=None, gamma=None):
        """(coef, intercept) of the path at ``alpha`` blended with the relaxed fit."""
        check_is_fitted(self, "path_")
        alpha = self.alpha_ if alpha is None else alpha
        if gamma is None:
            gamma = self.gamma_
        elif not hasattr(self, "relaxed_path_"):
            raise ValueError("The 'gamma' argument needs an estimator fitted with relax=True.")
        return self._blend(alpha, check_scalar(gamma, "gamma", low=0.0, high=1.0))

    def _blend(self, alpha, gamma):
        coef, b = interpolate(self.path_, alpha)
        if gamma < 1:
            coef_r, b_r = interpolate(self.relaxed_path_, alpha)
            coef, b = gamma * coef + (1 - gamma) * coef_r, gamma * b + (1 - gamma) * b_r
        return coef, b

    def _decision(self, X, alpha=None, gamma=None):
        check_is_fitted(self, "path_")
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32], reset=False)
        check_finite_sparse(X)
        if alpha is None and gamma is None:
            coef, b = self.coef_, self.intercept_
            coef = coef.T if coef.ndim == 2 else coef
        else:
            coef, b = self._coef_at(alpha, gamma)
        out = np.asarray(safe_sparse_dot(X, coef)) + b
        return out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
