"""LogisticRegressionCV on dask, and :func:`path` (squared loss and GLMs).

Cross-validated GLM paths are warm-started paths of distributed prox-Newton fits, one per
training fold (its test rows at weight 0), then one pass scores every fold's test rows
at every alpha. Every Newton step is a pass over the data: on data that does not fit in
the workers' memory this is the expensive estimator (``n_passes_`` says how many; fewer
``alphas`` or ``persist()``-ed data help).
"""

import numpy as np
import scipy.sparse as sp

from .. import model_selection as _ms
from .._validation import check_bool, check_int, check_scalar
from ..model_selection._cv import _check_choice, grid_mix, path_kwargs
from ..paths import PathResult, grid_from_gradient, unit_penalty
from ._base import FIT_NOTE, DaskMixin
from ._data import as_blocks
from ._glm import (
    GLMProblem,
    _rows,
    class_moments,
    glm_fit,
    glm_moments_pass,
    merge_label_moments,
)
from ._least_squares import moments_pass, null_grad, stats_path
from ._moments import gram_of
from ._passes import Runner
from .glm import LogisticRegression, glm_setup, sqnorms_dead

__all__ = ["LogisticRegressionCV", "path"]


def _glm_path(runner, prob, pen_unit, grid, l1_ratio, kw, b0, dead):
    """Warm-started GLM fits over ``grid``: list of (coef, intercept, gap, n_iter)."""
    out = []
    W = b = None
    for alpha in grid:
        pen = pen_unit.scaled(alpha * l1_ratio, alpha * (1 - l1_ratio))
        res, _ = glm_fit(runner, prob, pen, tol=kw["tol"], max_iter=kw["max_iter"], W0=W,
                         b0=b0 if b is None else b, dead=dead)
        W, b = res.coef, res.intercept
        out.append((np.copy(W), np.copy(b), res.dual_gap, res.n_iter))
    return out


def _score_block(block, i, extra, prob, fits, scoring):
    """Per fold label: (sum of s * test error per alpha, sum of s) over its test rows."""
    from ._moments import fold_labels

    X, y_raw, s, off, fid = block
    start, bounds = (None, None) if extra is None else extra
    labels = fold_labels(X.shape[0], start, bounds, fid)
    base = GLMProblem(prob.datafit, prob.kind, prob.classes, None, prob.mu, prob.center,
                      prob.S)
    X, y, s, off = _rows(base, (X, y_raw, s, off, fid), i)
    out = {}
    for k in np.unique(labels):
        key = k.item() if hasattr(k, "item") else k
        rows = labels == k
        etas = []
        for W, b, _, _ in fits[key]:
            e = X[rows] @ W + b
            if off is not None:
                e = e + (off[rows][:, None] if e.ndim == 2 else off[rows])
            etas.append(e)
        eta = np.stack(etas, axis=1)
        err = prob.datafit.test_error(y[rows], eta, scoring)
        out[key] = (s[rows] @ err, float(s[rows].sum()))
    return out


def _merge_scores(a, b):
    out = dict(a)
    for k, (e, w) in b.items():
        out[k] = (out[k][0] + e, out[k][1] + w) if k in out else (e, w)
    return out


class LogisticRegressionCV(DaskMixin, _ms.LogisticRegressionCV):
    __doc__ = (_ms.LogisticRegressionCV.__doc__.split("    Examples\n")[0].replace(
        "    Parameters\n", FIT_NOTE + """
    On dask the folds are contiguous blocks of rows (``cv`` an int: ``KFold(cv)``, not
    stratified: stratifying needs the labels on the client) or ``foldid``; each Newton
    step of each fold's path is a pass over the data.

    Parameters
""", 1) + """    Examples
    --------
    >>> import dask.array as da
    >>> from penalized.dask import LogisticRegressionCV
    >>> X = da.random.default_rng(0).standard_normal((600, 3), chunks=200)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = LogisticRegressionCV(penalty="l1", alphas=5, cv=3).fit(X, y)
    >>> clf.cv_scores_.shape
    (5, 3)
""")

    def fit(self, X, y, sample_weight=None, *, foldid=None):
        """Cross-validate the path on dask data, select alpha and refit on all the data.

        Parameters
        ----------
        X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        y : dask.array.Array of shape (n_samples,) or str
        sample_weight : dask.array.Array of shape (n_samples,) or str, default=None
        foldid : dask.array.Array of shape (n_samples,) or str, default=None

        Returns
        -------
        self : object
        """
        l1_ratios, alphas, eps, relax, _ = self._check_params()
        if relax or check_bool(self.grouped, "grouped"):
            raise ValueError("relax=True and grouped=True are not available on dask.")
        kw = path_kwargs(self)
        center = kw["fit_intercept"]
        scoring = _check_choice(self.scoring, "scoring", {"deviance", "mse", "mae",
                                                          "accuracy"})
        blocks, runner = self._blocks(X, y, sample_weight, foldid=foldid, numeric_y=False)
        p = blocks.p
        extra = self._fold_extra(blocks, runner, foldid)
        first = glm_moments_pass(runner, "labels", extra)
        labels = sorted(first)
        total_mom, counts = None, {}
        for k in labels:
            mom, cnt = first[k]
            total_mom = merge_label_moments([mom] if total_mom is None else [total_mom, mom])
            for c, v in cnt.items():
                counts[c] = counts.get(c, 0.0) + v
        prob, b0, L, dead = glm_setup(self, total_mom, counts, p, center, blocks.dtype,
                                      "labels", self.class_weight)
        K = len(prob.classes)
        if K < 2:
            raise ValueError("LogisticRegressionCV needs samples of at least 2 classes.")
        self.classes_ = prob.classes
        pen_raw = unit_penalty(p, kw["penalty_factor"], kw["lower_bounds"],
                               kw["upper_bounds"], kw["positive"])
        pen_unit = pen_raw.standardized(L) if kw["standardize"] else pen_raw
        grids = []
        for r in l1_ratios:
            if isinstance(alphas, int):
                null_pen = pen_unit.scaled(1.0, 0.0)
                null_pen = type(null_pen)(null_pen.a, null_pen.b * 0, np.where(
                    null_pen.a > 0, 0.0, null_pen.lo), np.where(null_pen.a > 0, 0.0,
                                                                null_pen.up))
                _, st = glm_fit(runner, prob, null_pen, tol=1e-10, max_iter=100, b0=b0,
                                dead=dead, warn=False)
                grad = st["Xg"] / st["S"]
                grad[dead] = 0.0
                r2, eps2 = grid_mix(r, eps)
                grids.append(grid_from_gradient(grad, pen_unit, r2, alphas, eps2))
            else:
                grids.append(np.asarray(alphas))
        grids = np.array(grids)
        scores = np.empty((len(l1_ratios), 1, grids.shape[1], len(labels)))
        for li, r in enumerate(l1_ratios):
            fits = {}
            for k in labels:
                # the training rows' moments (class-weighted): their centering, and the
                # standardization and constant columns of the fold, as in memory
                tr_mom = class_moments(merge_label_moments(
                    [first[j][0] for j in labels if j != k]), prob.classes, prob.class_weight)
                mu = tr_mom.m[:p].copy() if center else np.zeros(p)
                L_k, dead_k = sqnorms_dead(tr_mom, p, center, blocks.dtype)
                pen_k = pen_raw.standardized(L_k) if kw["standardize"] else pen_raw
                fprob = GLMProblem(prob.datafit, prob.kind, prob.classes, prob.class_weight,
                                   mu, center, tr_mom.S, fold=k, fold_extra=extra)
                fits[k] = _glm_path(runner, fprob, pen_k, grids[li], r, kw, b0, dead_k)
            sc = runner.map_reduce(_score_block, _merge_scores, prob, fits, scoring,
                                   extra=extra)
            for fi, k in enumerate(labels):
                e, w = sc[k]
                scores[li, 0, :, fi] = e / w
        self.scoring_, self.score_name_ = scoring, prob.datafit.score_name(scoring)
        self.n_folds_ = len(labels)
        li, ai, _ = self._select(l1_ratios, grids, np.array([1.0]), scores, False)
        full = _glm_path(runner, prob, pen_unit, grids[li], self.l1_ratio_, kw, b0, dead)
        self.path_ = _path_result(grids[li], full, K > 2)
        self.n_nonzero_ = np.asarray(self.path_.df)
        coef, intercept = self._blend(self.alpha_, self.gamma_)
        if K > 2:
            intercept = intercept - np.mean(intercept)
        self._set_coef(coef, intercept, blocks.dtype)
        self.dual_gap_ = float(self.path_.dual_gaps[ai])
        self.n_iter_ = int(self.path_.n_iters[ai])
        self._done(runner)
        return self

    _score_kind = "accuracy"
    decision_function = LogisticRegression.decision_function
    predict_proba = LogisticRegression.predict_proba
    predict_log_proba = LogisticRegression.predict_log_proba
    predict = LogisticRegression.predict


def _path_result(grid, fits, multi):
    coefs = [f[0] for f in fits]
    W = coefs if multi else sp.csc_matrix(np.column_stack(coefs))
    df = np.array([int(np.any(c != 0, axis=1).sum()) if multi else int(np.count_nonzero(c))
                   for c in coefs])
    m = len(fits)
    return PathResult(alphas=np.asarray(grid, dtype=np.float64), coefs=W,
                      intercepts=np.array([f[1] for f in fits]),
                      dual_gaps=np.array([f[2] for f in fits]),
                      n_iters=np.array([f[3] for f in fits]), df=df,
                      dev_explained=np.full(m, np.nan), converged=np.ones(m, dtype=bool))


def path(X, y, *, l1_ratio=1.0, alphas=100, eps=1e-3, sample_weight=None,
         fit_intercept=True, standardize=False, penalty_factor=None, lower_bounds=None,
         upper_bounds=None, positive=False, tol=1e-7, max_iter=1000, verbose=0):
    """The least-squares regularization path on dask data, from one pass.

    The objective and the grid are those of :func:`penalized.path` with the squared loss;
    the path runs on the client by the Gram engine on the statistics of one pass.

    Parameters
    ----------
    X : dask.array.Array or dask.dataframe.DataFrame
    y : dask.array.Array or str
    l1_ratio, alphas, eps, sample_weight, fit_intercept, standardize, penalty_factor,
    lower_bounds, upper_bounds, positive, tol, max_iter, verbose
        As in :func:`penalized.path`.

    Returns
    -------
    PathResult

    Examples
    --------
    >>> import dask.array as da
    >>> from penalized.dask import path
    >>> X = da.random.default_rng(0).standard_normal((1000, 4), chunks=250)
    >>> y = X[:, 0] - 2 * X[:, 1]
    >>> res = path(X, y, alphas=10)
    >>> int(res.df[0]), int(res.df[-1])
    (0, 2)
    """
    blocks = as_blocks(X, y, sample_weight)
    runner = Runner(blocks, verbose)
    kw = dict(penalty_factor=penalty_factor, lower_bounds=lower_bounds,
              upper_bounds=upper_bounds, positive=check_bool(positive, "positive"),
              standardize=check_bool(standardize, "standardize"),
              tol=check_scalar(tol, "tol", low=0.0), max_iter=check_int(max_iter, "max_iter"))
    center = check_bool(fit_intercept, "fit_intercept")
    l1_ratio = check_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    mom = moments_pass(runner)[0]
    p = blocks.p
    if isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):
        from ..model_selection._gram_cv import stats_problem

        G, q, _, mu, _ = gram_of(mom, p, center)
        pen_unit = stats_problem(G, q, mu, blocks.dtype, kw)
        if l1_ratio == 0:
            raise ValueError("A generated alpha grid needs l1_ratio > 0; pass explicit alphas.")
        grid = grid_from_gradient(null_grad(G, q, pen_unit), pen_unit, l1_ratio,
                                  check_int(alphas, "alphas"), eps)
    else:
        grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
    W, b, gaps, iters, rss = stats_path(mom, p, center, grid, l1_ratio, kw, blocks.dtype)
    yy = mom.M[p, p] if center else mom.M[p, p] + mom.S * mom.m[p] ** 2
    res = PathResult(alphas=grid, coefs=sp.csc_matrix(W), intercepts=b, dual_gaps=gaps,
                     n_iters=iters, df=np.count_nonzero(W, axis=0),
                     dev_explained=1.0 - rss / yy if yy > 0 else np.zeros(grid.size),
                     converged=np.ones(grid.size, dtype=bool))
    res.n_passes = runner.n_passes
    return res

