"""Cross-validation engine shared by the ``*CV`` estimators.

Folds are fixed once and shared by every alpha (and every l1_ratio). One warm-started
path per (l1_ratio, fold) on the full-data alpha grid (or on a grid of the fold's own,
e.g. ``alpha = 1 / (C * S_train)`` for scikit-learn's ``Cs``) gives the test-fold linear
predictors; relaxed fits are computed here, the scores and the rules that pick alpha in
:mod:`._cv_select`.
"""

import numbers
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from joblib import delayed
from sklearn import get_config
from sklearn.base import BaseEstimator, is_classifier
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
    check_labels,
    check_sample_weight,
    check_scalar,
)
from ..estimators._base import validate_fit_data
from ..paths import PathResult, alpha_grid, fit_path, unit_penalty
from ..penalties.elastic_net import ElasticNet as ElasticNetPenalty
from ..solvers.api import solve
from ..solvers.design import Design
from ..solvers.engine import cv_on_gram_downdates
from ..solvers.least_squares import FullGram
from ._cv_offset import add_offset, cv_offset, fold_offsets
from ._cv_options import (  # noqa: F401 (re-exported)
    _check_alphas,
    _check_choice,
    _check_grid,
    alpha_rule,
    make_folds,
    path_kwargs,
)
from ._cv_select import fold_errors, interpolate, select, summarize
from ._gram_cv import FoldGrams, gram_fold_path
from ._threads import run_tasks

__all__ = ["fold_errors", "interpolate", "make_folds", "relaxed_path", "select", "summarize"]

_GATHER_MIN = 1 << 16  # entries from which a fold's rows are gathered by a kernel
_RELAX_RIDGE = 1e-6  # ridge of the relaxed GLM refits, relative to alpha_max
_GRID_MIN_L1 = 1e-3  # glmnet: alpha_max of a grid is computed with max(l1_ratio, 1e-3)
_RELAX_ATTRS = ("gammas_", "relax_cv_scores_", "relax_cv_mean_", "relax_cv_se_",
                "gamma_min_", "gamma_1se_", "relaxed_path_")

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


def cv_alpha_grid(X, y, sw, datafit, l1_ratio, n_alphas, eps, kw, offset=None):
    """Decreasing grid ``geomspace(alpha_max, eps * alpha_max, n_alphas)`` on (X, y).

    For ``l1_ratio < 1e-3`` (ridge), ``alpha_max`` is computed with ``l1_ratio=1e-3`` as
    glmnet does, and the grid spans ``eps * 1e-3`` of it: it ends where the lasso's grid
    ends.
    """
    l1_ratio, eps = grid_mix(l1_ratio, eps)
    design, pen_unit = fold_design(X, sw, kw)
    return alpha_grid(design, y, datafit, pen_unit, l1_ratio, n_alphas, eps, offset)


def grid_mix(l1_ratio, eps):
    """The (l1_ratio, eps) a CV grid is computed with: for ``l1_ratio < 1e-3`` (ridge)
    glmnet's top (``alpha_max`` at ``l1_ratio=1e-3``) and the lasso grid's bottom."""
    if l1_ratio < _GRID_MIN_L1:
        return _GRID_MIN_L1, eps * _GRID_MIN_L1
    return l1_ratio, eps


def rows_path(X, y, sw, datafit, grid, l1_ratio, kw, *, gram=None, deviance=True,
              offset=None):
    """The path on (X, y) over ``grid`` with the CV run's options (``gram``: the centered
    Gram matrix / S of X when known; ``kw["max_steps"]``: the GLM fits' step budget;
    ``offset``: of these rows)."""
    design, pen_unit = fold_design(X, sw, kw)
    fg = None
    if gram is not None:
        ybar = float(design.s @ y) / design.S if design.center else 0.0
        fg = FullGram(design, y - ybar, gram)
    return fit_path(design, y, datafit, pen_unit, grid, l1_ratio, tol=kw["tol"],
                    max_iter=kw["max_iter"], verbose=kw["verbose"], gram=fg,
                    deviance=deviance, offset=offset, precompute=kw.get("precompute", "auto"),
                    seed=kw.get("seed", -1), max_steps=kw.get("max_steps"))


def _rows(X, idx, cols=None, block=256):
    """The rows ``idx`` of X (on the columns ``cols``, all if None); dense ones
    F-ordered, in one copy (a numba gather for large contiguous float X, else by blocks
    of columns: ``asfortranarray(X[idx])`` makes two)."""
    if sp.issparse(X):
        return X[idx] if cols is None else X[idx][:, cols]
    idx = np.asarray(idx)
    idx = np.flatnonzero(idx) if idx.dtype == bool else idx
    every = cols is None
    cols = np.arange(X.shape[1]) if every else np.asarray(cols, dtype=np.int64)
    out = np.empty((idx.size, cols.size), dtype=X.dtype, order="F")
    if (X.dtype in (np.float32, np.float64) and (X.flags.f_contiguous or X.flags.c_contiguous)
            and idx.size and idx.size * cols.size >= _GATHER_MIN and idx.min() >= -X.shape[0]
            and idx.max() < X.shape[0]):
        from ..solvers.kernels.arrays import gather_rows

        gather_rows(X, np.where(idx < 0, idx + X.shape[0], idx).astype(np.int64), cols, out)
        return out
    for j in range(0, cols.size, block):
        out[:, j:j + block] = (X[idx, j:j + block] if every
                               else X[np.ix_(idx, cols[j:j + block])])
    return out


def support_predictor(X, rows, res):
    """:func:`linear_predictor` of the rows ``rows`` of a dense X, for a path with
    sparse coefficients: only the columns some path point uses are read (no copy of the
    test rows' whole width)."""
    W = res.coefs
    rows = np.asarray(rows)
    rows = np.flatnonzero(rows) if rows.dtype == bool else rows
    used = np.zeros(W.shape[0], dtype=bool)
    used[W.indices] = True
    supp = np.flatnonzero(used)
    pos = np.cumsum(used) - 1  # row of each used feature in the dense block
    Ws = np.zeros((supp.size, W.shape[1]))
    Ws[pos[W.indices], np.repeat(np.arange(W.shape[1]), np.diff(W.indptr))] = W.data
    Xs = np.asarray(_rows(X, rows, supp), dtype=np.float64)
    return Xs @ Ws + res.intercepts


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


def _relaxed_fit(X, y, sw, datafit, supp, w0, b0, ridge, kw, offset=None):
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
                intercept_init=b0 if glm else None, offset=offset)
    return res.coef, res.intercept


def relaxed_path(X, y, sw, datafit, res, kw, offset=None):
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
            wr, br = _relaxed_fit(X, y, sw, datafit, supp, w, b, ridge, kw, offset)
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


@dataclass
class FoldFit:
    """What one (l1_ratio, fold) job returns: the test rows' linear predictors (n_test,
    n_alphas[, K]) of the path and of its relaxed path, and, when the estimator keeps
    them (``_keep_fold_paths``), the two fitted paths."""

    eta: np.ndarray
    eta_relaxed: np.ndarray = None
    path: PathResult = None
    relaxed: PathResult = None


def _fold_job(X, y, sw, train, test, datafit, grid, l1_ratio, kw, relax, keep=False,
              offset=None):
    """Fit the path on one training fold; return its :class:`FoldFit` (the test rows'
    linear predictors include their offset)."""
    Xtr, ytr = _rows(X, train), y[train]
    swtr = None if sw is None else sw[train]
    otr, ote = fold_offsets(offset, train, test, y.ndim)
    res = rows_path(Xtr, ytr, swtr, datafit, grid, l1_ratio, kw, deviance=False, offset=otr)
    if not relax and not sp.issparse(X) and sp.issparse(res.coefs):
        return FoldFit(support_predictor(X, test, res) + ote, None, res if keep else None)
    Xte = _rows(X, test)
    rel = relaxed_path(Xtr, ytr, swtr, datafit, res, kw, otr) if relax else None
    return FoldFit(linear_predictor(Xte, res) + ote,
                   None if rel is None else linear_predictor(Xte, rel) + ote,
                   res if keep else None, rel if keep else None)


def _gram_fold_job(fg, X, train, test, grid, l1_ratio, kw):
    W, b = gram_fold_path(fg, train, test, grid, l1_ratio, kw)
    return FoldFit(np.asarray(X[test] @ W, dtype=np.float64) + b)


@dataclass
class CVRun:
    """One cross-validation run of a :class:`BaseCV` estimator, as its selection and refit
    read it. ``grids[l]`` is the full-data alpha grid of ``l1_ratios[l]`` (decreasing),
    ``fold_grids[l][f]`` fold f's own grid (None: every fold uses ``grids``);
    ``scores[l, g, a, f]`` the test score of every fold; ``fits`` the jobs' outputs in
    the order of ``jobs`` ((l, f) pairs)."""

    X: object
    y: np.ndarray
    y_fit: np.ndarray
    sw: np.ndarray
    sw_fit: np.ndarray
    datafit: object
    kw: dict
    folds: list
    l1_ratios: np.ndarray
    grids: np.ndarray
    fold_grids: object
    gam: np.ndarray
    relax: bool
    jobs: list
    fits: list
    scores: np.ndarray = None
    full_path: PathResult = None
    score_params: dict = None
    offset: np.ndarray = None  # of the rows of X (None: none, or in the squared loss's y)

    @property
    def dtype(self):
        """The dtype of the fitted coefficients (X's)."""
        return self.X.dtype

    def total_weight(self):
        """The total training weight ``S`` of all the rows (class weights included)."""
        return float(self.X.shape[0] if self.sw_fit is None else np.sum(self.sw_fit))


# ---------------------------------------------------------------------- base estimator
class BaseCV(BaseEstimator):
    """Shared fit of the CV estimators; subclasses set the datafit and the target."""

    _mse_path = False  # store scikit-learn's mse_path_ (least-squares CV estimators)
    _coordinate_order = False  # scikit-learn's selection / random_state (LassoCV, ...)
    _keep_fold_paths = False  # the jobs return their fitted paths (FoldFit.path)

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

    def fit(self, X, y, sample_weight=None, *, foldid=None, offset=None, **params):
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
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1), split by fold
            like X: the training rows' offsets enter the fits, the test rows' the test
            errors. Pass the same kind of offset to ``predict``.
        **params : dict
            ``groups``: group labels passed to the splitter's ``split`` (e.g.
            ``GroupKFold``). Under metadata routing, whatever the splitter requests
            (as scikit-learn's CV estimators).

        Returns
        -------
        self : object
        """
        run = self._cross_validate(X, y, sample_weight, foldid, params, offset)
        li, ai, gi = self._select(run.l1_ratios, run.grids, run.gam, run.scores, run.relax)
        self._refit(run, li, ai, gi)
        return self

    # ---------------------------------------------------------------- steps of fit
    def _path_kwargs(self):
        return path_kwargs(self)

    def _check_scoring(self, datafit):
        """The validated scoring (penalized's measure names)."""
        return _check_choice(self.scoring, "scoring", set(datafit.scorings))

    def _alpha_grids(self, X, y_fit, sw_fit, datafit, l1_ratios, alphas, eps, folds, kw,
                     offset=None):
        """(grids, fold_grids): the full-data grid of each l1_ratio, shared by the folds
        (fold_grids None), generated from ``alphas`` (a count) or given."""
        if isinstance(alphas, int):
            grids = np.array([cv_alpha_grid(X, y_fit, sw_fit, datafit, r, alphas, eps, kw,
                                            offset) for r in l1_ratios])
        else:
            grids = np.tile(alphas, (len(l1_ratios), 1))
        return grids, None

    def _cross_validate(self, X, y, sample_weight, foldid, params, offset=None):
        """Validate, fit the fold paths (and the full-data path beside them when it does
        not depend on the result) and score the test folds: a :class:`CVRun`."""
        l1_ratios, alphas, eps, relax, gammas = self._check_params()
        split_params, score_params = self._route(sample_weight, foldid, params)
        for name in _RELAX_ATTRS + ("mse_path_",):
            self.__dict__.pop(name, None)
        kw = self._path_kwargs()
        if is_classifier(self):
            check_labels(y)  # before scikit-learn's checks, which fail on them in sorting
        X, y = validate_fit_data(self, X, y, y_numeric=not is_classifier(self))
        sw = check_sample_weight(sample_weight, X.shape[0])
        y_fit, y_score, datafit, sw_fit = self._target(y, sw)
        y_fit, y_score, offset = cv_offset(offset, datafit, y_fit, y_score)
        X, kw = self._design(X, kw)
        scoring = self._check_scoring(datafit)
        folds = make_folds(self.cv, X, y, split_params.get("groups"), foldid,
                           is_classifier(self))
        if is_classifier(self):
            labels = y_score if y_score.ndim == 1 else np.argmax(y_score, axis=1)
            if any(np.unique(labels[tr]).size < len(self.classes_) for tr, _ in folds):
                raise ValueError("Every training fold must contain every class; use a "
                                 "stratified splitter ('cv' an int) or other 'foldid'.")
        grids, fold_grids = self._alpha_grids(X, y_fit, sw_fit, datafit, l1_ratios, alphas,
                                              eps, folds, kw, offset)

        def grid(li, fi):
            return grids[li] if fold_grids is None else fold_grids[li][fi]

        gam = gammas if relax else np.array([1.0])
        jobs = [(li, fi) for li in range(len(l1_ratios)) for fi in range(len(folds))]
        fg = None
        # tall dense least squares
        if (kw["precompute"] is not False and kw["seed"] < 0
                and cv_on_gram_downdates(X, datafit, fold_design(X, sw_fit, kw)[1], folds,
                                         relax)):
            fg = FoldGrams(X, y_fit, sw_fit, kw["fit_intercept"])
            tasks = [delayed(_gram_fold_job)(fg, X, folds[fi][0], folds[fi][1], grid(li, fi),
                                             l1_ratios[li], kw) for li, fi in jobs]
        else:
            tasks = [delayed(_fold_job)(X, y_fit, sw_fit, folds[fi][0], folds[fi][1],
                                        datafit, grid(li, fi), l1_ratios[li], kw, relax,
                                        self._keep_fold_paths, offset)
                     for li, fi in jobs]
        # with one l1_ratio the full-data path does not wait for the CV result: it runs
        # beside the folds (first: it is the largest job)
        full_first = len(l1_ratios) == 1 and self._refits()
        if full_first:
            tasks.insert(0, delayed(rows_path)(X, y_fit, sw_fit, datafit, grids[0],
                                               l1_ratios[0], kw,
                                               gram=None if fg is None else fg.A / fg.S,
                                               offset=offset))
        # threads: the kernels release the GIL, and nothing is copied to workers
        outs = run_tasks(tasks, self.n_jobs)
        run = CVRun(X=X, y=y, y_fit=y_fit, sw=sw, sw_fit=sw_fit, datafit=datafit, kw=kw,
                    folds=folds, l1_ratios=l1_ratios, grids=grids, fold_grids=fold_grids,
                    gam=gam, relax=relax, jobs=jobs, fits=outs[1:] if full_first else outs,
                    full_path=outs[0] if full_first else None, score_params=score_params,
                    offset=offset)
        # scores[l1_ratio, gamma, alpha, fold]; mse[l1_ratio, alpha, fold] of gamma = 1
        scores = np.empty((len(l1_ratios), gam.size, grids.shape[1], len(folds)))
        mse = np.empty((len(l1_ratios), grids.shape[1], len(folds)))
        for (li, fi), fit in zip(jobs, run.fits, strict=True):
            te = folds[fi][1]
            yt, st = y_score[te], None if sw is None else sw[te]
            scores[li, :, :, fi] = self._fold_scores(run, li, fi, fit, scoring, yt, st)
            if self._mse_path:
                mse[li, :, fi] = fold_errors(datafit, "mse", yt, fit.eta, st)
        if self._mse_path:
            self.mse_path_ = mse[0] if len(l1_ratios) == 1 else mse
        self.scoring_, self.score_name_ = scoring, self._score_name(datafit, scoring)
        self.n_folds_ = len(folds)
        run.scores = scores
        return run

    def _design(self, X, kw):
        """The design the paths are fitted on and their options (a hook)."""
        return X, kw

    def _refits(self):
        """Whether the selected model is refitted on all the data."""
        return True

    def _score_name(self, datafit, scoring):
        return datafit.score_name(scoring)

    def _fold_scores(self, run, li, fi, fit, scoring, y_test, sw_test):
        """Scores (n_gammas, n_alphas) of one fold's fit on its test rows."""
        out = np.empty((run.gam.size, fit.eta.shape[1]))
        for gi, g in enumerate(run.gam):
            e = fit.eta if g == 1 else fit.eta_relaxed if g == 0 else (
                g * fit.eta + (1 - g) * fit.eta_relaxed)
            out[gi] = fold_errors(run.datafit, scoring, y_test, e, sw_test)
        return out

    def _refit(self, run, li, ai, gi):
        """The full-data path of the selected l1_ratio, and the model at (alpha_, gamma_)."""
        X, kw = run.X, run.kw
        self.path_ = run.full_path if run.full_path is not None else rows_path(
            X, run.y_fit, run.sw_fit, run.datafit, run.grids[li], run.l1_ratios[li], kw,
            offset=run.offset)
        self.n_nonzero_ = np.asarray(self.path_.df)
        if run.relax:
            self.relaxed_path_ = relaxed_path(X, run.y_fit, run.sw_fit, run.datafit,
                                              self.path_, kw, run.offset)
        coef, intercept = self._blend(self.alpha_, self.gamma_)
        self._set_coef(coef, intercept, run.dtype)
        self.dual_gap_ = float(self.path_.dual_gaps[ai])
        self.n_iter_ = int(self.path_.n_iters[ai])

    def _route(self, sample_weight, foldid, params):
        """(the splitter's ``split`` arguments, the scorer's ``score`` arguments)."""
        return self._split_params(sample_weight, foldid, params), {}

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

    def _greater_is_better(self):
        """Whether the scores are scores (higher is better) rather than errors."""
        return False

    def _best(self, loss, scores):
        """(l1 index, (gamma index, alpha index)) of the minimum rule on the mean losses
        ``loss`` (n_l1_ratios, n_gammas, n_alphas): the first l1_ratio wins ties, as
        scikit-learn, then the largest alpha and the largest gamma."""
        best = None
        for li in range(loss.shape[0]):
            g0, a0 = select(loss[li], np.zeros_like(loss[li]))[0]
            if best is None or loss[li, g0, a0] < best[0]:
                best = (loss[li, g0, a0], li, (g0, a0))
        return best[1], best[2]

    def _select(self, l1_ratios, grids, gam, scores, relax):
        """Apply the selection rules; set the CV attributes; return (l1, alpha, gamma) idx."""
        mean, se = summarize(scores)
        loss = -mean if self._greater_is_better() else mean
        li, (g0, a0) = self._best(loss, scores)
        (g0, a0), (g1, a1) = select(loss[li], se[li], best=(g0, a0))
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

    def _decision(self, X, alpha=None, gamma=None, offset=None):
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32], reset=False)
        check_finite_sparse(X)
        if alpha is None and gamma is None:
            coef, b = self.coef_, self.intercept_
            coef = coef.T if coef.ndim == 2 else coef
        else:
            coef, b = self._coef_at(alpha, gamma)
        out = np.asarray(safe_sparse_dot(X, coef)) + b
        return add_offset(out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out, offset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
