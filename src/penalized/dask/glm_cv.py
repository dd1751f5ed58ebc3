"""LogisticRegressionCV on dask, and :func:`path` (squared loss and GLMs).

Cross-validated GLM paths are warm-started paths of distributed prox-Newton fits, one per
training fold (its test rows at weight 0) on the fold's own alpha grid (scikit-learn's
``Cs``: ``1 / (C S_train)``) or on penalized's ``alphas``, then one pass scores every
fold's test rows at every point with weighted sums (glmnet's measures, or the scorers
that are such sums: accuracy and log loss). Every Newton step is a pass over the data:
on data that does not fit in the workers' memory this is the expensive estimator
(``n_passes_`` says how many; fewer ``Cs`` or ``persist()``-ed data help).
"""

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_softmax

from .. import model_selection as _ms
from .._validation import check_bool, check_int, check_scalar
from ..model_selection import _logistic_cv_params as skp
from ..model_selection._cv import _RELAX_ATTRS, CVRun, FoldFit, grid_mix
from ..paths import PathResult, grid_from_gradient, unit_penalty
from ._base import FIT_NOTE, DaskMixin
from ._data import as_blocks, check_int_folds
from ._glm import (
    GLMProblem,
    _rows,
    class_moments,
    glm_fit,
    glm_moments_pass,
    merge_label_moments,
)
from ._least_squares import moments_pass, null_grad, stats_path
from ._moments import fold_labels, gram_of
from ._passes import Runner
from .glm import LogisticRegression, _binary_only, glm_setup, sqnorms_dead

__all__ = ["LogisticRegressionCV", "path"]

#: scikit-learn scorers that are weighted means over the test rows (one pass of sums)
SCORERS = ("accuracy", "neg_log_loss")


def _glm_path(runner, prob, pen_unit, grid, l1_ratio, kw, b0, dead):
    """Warm-started GLM fits over ``grid`` (``kw["max_steps"]`` Newton steps each): a
    :class:`PathResult` (multinomial intercepts centered, as in memory)."""
    out = []
    W = b = None
    for alpha in grid:
        pen = pen_unit.scaled(alpha * l1_ratio, alpha * (1 - l1_ratio))
        res, _ = glm_fit(runner, prob, pen, tol=kw["tol"], max_iter=kw["max_steps"], W0=W,
                         b0=b0 if b is None else b, dead=dead)
        W, b = res.coef, res.intercept
        out.append((np.copy(W), np.copy(b), res.dual_gap, res.n_iter))
    return _path_result(grid, out, prob.kind == "multinomial")


def _row_values(kind, name, datafit, y, eta):
    """Per test row and path point (n, m): glmnet's error ``name`` (``kind="measure"``),
    or what scikit-learn's scorer averages: 1 for a correct prediction ("accuracy", the
    prediction of ``LogisticRegression.predict``), the log of the clipped probability of
    the true class ("neg_log_loss", as ``log_loss``)."""
    if kind == "measure":
        return datafit.test_error(y, eta, name)
    multi = eta.ndim == 3
    if name == "accuracy":
        if multi:
            return (np.argmax(eta, axis=2) == np.argmax(y, axis=1)[:, None]).astype(float)
        return ((eta > 0) == (y[:, None] == 1)).astype(float)
    if multi:
        P = np.sum(np.exp(log_softmax(eta, axis=2)) * y[:, None, :], axis=2)
    else:
        p1 = expit(eta)
        P = np.where(y[:, None] == 1, p1, 1.0 - p1)
    eps = np.finfo(np.float64).eps
    return np.log(np.clip(P, eps, 1 - eps))


def _score_block(block, i, extra, prob, coefs, kind, name, weighted):
    """Per fold label: (sums of s * value (n_l1_ratios, n_alphas), sum of s) over its
    test rows, ``s`` the sample weights (no class weights) or ones."""
    X, y_raw, s, off, fid = block
    start, bounds = (None, None) if extra is None else extra
    labels = fold_labels(X.shape[0], start, bounds, fid)
    base = GLMProblem(prob.datafit, prob.kind, prob.classes, None, prob.mu, prob.center,
                      prob.S)
    X, y, s, _ = _rows(base, (X, y_raw, s if weighted else None, off, fid), i)
    out = {}
    for k in np.unique(labels):
        key = k.item() if hasattr(k, "item") else k
        rows = labels == k
        Xk, yk, sk = X[rows], y[rows], s[rows]
        sums = []
        for W, b in coefs[key]:
            eta = (np.einsum("np,mpk->nmk", Xk, W) if W.ndim == 3 else Xk @ W.T) + b
            sums.append(sk @ _row_values(kind, name, prob.datafit, yk, eta))
        out[key] = (np.array(sums), float(sk.sum()))
    return out


def _merge_scores(a, b):
    out = dict(a)
    for k, (e, w) in b.items():
        out[k] = (out[k][0] + e, out[k][1] + w) if k in out else (e, w)
    return out


@dataclass
class _DaskRun(CVRun):
    """A :class:`CVRun` without the rows: ``folds`` holds the fold labels (the refit
    reads their number), the total weight and the dtype come from the first pass."""

    S: float = None
    dtype_: object = None

    @property
    def dtype(self):
        return self.dtype_

    def total_weight(self):
        return self.S


_DASK_NOTE = """
    On dask the folds are contiguous blocks of rows (``cv`` None, an int or an unshuffled
    ``KFold``: scikit-learn's ``KFold(cv)``, not stratified: stratifying needs the labels
    on the client) or ``foldid``; each Newton step of each fold's path is a pass over the
    data (``max_iter`` counts them), and one more pass scores every fold's test rows.
    ``scoring`` may be None (accuracy), "accuracy" or "neg_log_loss" (weighted means over
    the test rows), or ``measure`` one of "deviance", "mse", "mae", "class". Refused by
    name before any pass: other scorers and callables, ``measure="auc"`` (ranks, not
    sums), ``relax=True``, ``grouped=True``, ``dual=True``, ``solver="liblinear"`` with
    ``fit_intercept=True`` (its penalized synthetic intercept), other splitters and
    ``groups``.
"""


class LogisticRegressionCV(DaskMixin, _ms.LogisticRegressionCV):
    __doc__ = (_ms.LogisticRegressionCV.__doc__.split("    Examples\n")[0].replace(
        "    Parameters\n", FIT_NOTE + _DASK_NOTE + """
    Parameters
""", 1) + """    Examples
    --------
    >>> import dask.array as da
    >>> from penalized.dask import LogisticRegressionCV
    >>> X = da.random.default_rng(0).standard_normal((600, 3), chunks=200)
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = LogisticRegressionCV(Cs=4, l1_ratios=(1.0,), cv=3, scoring="neg_log_loss",
    ...                            use_legacy_attributes=False).fit(X, y)
    >>> clf.scores_.shape, clf.coefs_paths_.shape
    ((3, 1, 4), (3, 1, 4, 1, 4))
""")

    def fit(self, X, y, sample_weight=None, *, foldid=None, **params):
        """Cross-validate every C (and l1_ratio) on dask data, select one and refit on
        all the data (see the class docstring for what dask refuses).

        Parameters
        ----------
        X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        y : dask.array.Array of shape (n_samples,) or str
            Class labels, or their column name.
        sample_weight : dask.array.Array of shape (n_samples,) or str, default=None
        foldid : dask.array.Array of shape (n_samples,) or str, default=None
            Fold label of each sample; overrides ``cv``.
        **params : dict
            Under metadata routing, ``sample_weight`` requested by the scorer; anything
            else (``groups``, other metadata) is refused.

        Returns
        -------
        self : object
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            l1_ratios, alphas, eps, relax, _ = self._check_params()
        for w in caught:  # scikit-learn's deprecation warnings, attributed to the caller
            warnings.warn(w.message, w.category, stacklevel=2)
        weighted = self._refuse(relax, sample_weight, foldid, params)
        if foldid is None:
            check_int_folds(self.cv)
        for name in _RELAX_ATTRS + ("mse_path_",):
            self.__dict__.pop(name, None)
        o = self._opts
        kw = self._path_kwargs()
        center = kw["fit_intercept"]
        blocks, runner = self._blocks(X, y, sample_weight, foldid=foldid, numeric_y=False)
        p = blocks.p
        extra = self._fold_extra(blocks, runner, foldid)
        first = glm_moments_pass(runner, "labels", extra)
        labels = sorted(first)
        if len(labels) < 2:
            raise ValueError("'foldid' must contain at least 2 distinct fold labels.")
        total_mom = merge_label_moments([first[k][0] for k in labels])
        counts = {}
        for k in labels:
            for c, v in first[k][1].items():
                counts[c] = counts.get(c, 0.0) + v
        self._check_classes(sorted(counts))
        prob, b0, L, dead = glm_setup(self, total_mom, counts, p, center, blocks.dtype,
                                      "labels", self.class_weight)
        K = len(prob.classes)
        self.classes_ = prob.classes
        if any(len(set().union(*(first[j][0] for j in labels if j != k))) < K
               for k in labels):
            raise ValueError("Every training fold must contain every class; use other "
                             "'foldid' or fewer folds ('cv').")
        scoring = self._check_scoring(prob.datafit)
        pen_raw = unit_penalty(p, kw["penalty_factor"], kw["lower_bounds"],
                               kw["upper_bounds"], kw["positive"])
        pen_unit = pen_raw.standardized(L) if kw["standardize"] else pen_raw
        # each training fold's moments (class-weighted): its total weight, centering,
        # standardization and constant columns, as in memory
        trains = {k: class_moments(merge_label_moments([first[j][0] for j in labels
                                                        if j != k]),
                                   prob.classes, prob.class_weight) for k in labels}
        if o["Cs"] is not None:
            grids, fold_grids = self._c_grids(prob.S, [trains[k].S for k in labels],
                                              len(l1_ratios))
        else:
            grids = np.tile(alphas, (len(l1_ratios), 1)) if not isinstance(alphas, int) \
                else self._null_grids(runner, prob, pen_unit, b0, dead, l1_ratios, alphas,
                                      eps)
            grids, fold_grids = self._shared_grids(grids, prob.S), None
        jobs, fits = [], []
        for li, r in enumerate(l1_ratios):
            for fi, k in enumerate(labels):
                mu = trains[k].m[:p].copy() if center else np.zeros(p)
                L_k, dead_k = sqnorms_dead(trains[k], p, center, blocks.dtype)
                pen_k = pen_raw.standardized(L_k) if kw["standardize"] else pen_raw
                fprob = GLMProblem(prob.datafit, prob.kind, prob.classes, prob.class_weight,
                                   mu, center, trains[k].S, fold=k, fold_extra=extra)
                grid = grids[li] if fold_grids is None else fold_grids[li][fi]
                jobs.append((li, fi))
                fits.append(FoldFit(None, path=_glm_path(runner, fprob, pen_k, grid, r, kw,
                                                         b0, dead_k)))
        coefs = {k: [skp.path_coefs(fits[li * len(labels) + fi].path)
                     for li in range(len(l1_ratios))] for fi, k in enumerate(labels)}
        name = skp.MEASURES[o["scoring"]] if o["kind"] == "measure" else (
            scoring or "accuracy")
        sums = runner.map_reduce(_score_block, _merge_scores, prob, coefs, o["kind"], name,
                                 weighted, extra=extra)
        scores = np.empty((len(l1_ratios), 1, grids.shape[1], len(labels)))
        for fi, k in enumerate(labels):
            e, w = sums[k]
            if not w > 0:
                raise ValueError("A test fold has zero total sample_weight; its score is "
                                 "undefined.")
            scores[:, 0, :, fi] = e / w
        self.scoring_, self.score_name_ = scoring, self._score_name(prob.datafit, scoring)
        self.n_folds_ = len(labels)
        gam = np.array([1.0])
        li, ai, gi = self._select(l1_ratios, grids, gam, scores, False)
        full = None
        if o["refit"]:
            full = _glm_path(runner, prob, pen_unit, grids[li], l1_ratios[li], kw, b0, dead)
        run = _DaskRun(X=None, y=None, y_fit=None, sw=None, sw_fit=None,
                       datafit=prob.datafit, kw=kw, folds=labels, l1_ratios=l1_ratios,
                       grids=grids, fold_grids=fold_grids, gam=gam, relax=False, jobs=jobs,
                       fits=fits, scores=scores, full_path=full, S=prob.S,
                       dtype_=blocks.dtype)
        self._refit(run, li, ai, gi)
        self._done(runner)
        return self

    def _refuse(self, relax, sample_weight, foldid, params):
        """Raise for what the distributed fit cannot honour, naming it (no pass made);
        return whether the test scores are weighted by ``sample_weight``."""
        o = self._opts
        if relax:
            raise ValueError("relax=True is not available on dask (the relaxed refits need "
                             "the training rows); fit penalized.LogisticRegressionCV in "
                             "memory.")
        if check_bool(self.grouped, "grouped"):
            raise ValueError("grouped=True is not available on dask; use penalized."
                             "LogisticRegressionCV in memory.")
        if check_bool(self.dual, "dual"):
            raise ValueError("dual=True is not available on dask: the distributed fit "
                             "solves the primal problem (the same model); use dual=False.")
        if o["synthetic"] is not None:
            raise ValueError(
                "solver='liblinear' with fit_intercept=True is not available on dask: "
                "liblinear's model penalizes a synthetic intercept feature "
                "(intercept_scaling), which the distributed fit does not add; use another "
                "solver name (unpenalized intercept) or fit_intercept=False.")
        if o["kind"] == "measure" and o["scoring"] == "auc":
            raise ValueError("measure='auc' is not available on dask: the AUC ranks the "
                             "test rows, it is not a sum over them; use 'deviance', "
                             "'mse', 'mae' or 'class'.")
        if o["kind"] == "scorer" and not (o["scoring"] is None or (
                isinstance(o["scoring"], str) and o["scoring"] in SCORERS)):
            what = "a callable" if callable(o["scoring"]) else repr(o["scoring"])
            raise ValueError(
                f"scoring={what} is not available on dask: the test scores are weighted "
                f"sums over the test rows, computed on the workers; use None (accuracy), "
                f"{', '.join(map(repr, SCORERS))}, or measure= one of 'deviance', 'mse', "
                "'mae', 'class'.")
        split, score = self._route(sample_weight, foldid, params)
        given = sorted(k for k, v in split.items() if v is not None)
        other = sorted(set(score) - {"sample_weight"})
        if given or other:
            raise ValueError(f"{', '.join(given + other)} cannot be passed to fit on dask: "
                             "the folds are contiguous blocks of rows or 'foldid', and the "
                             "scorers take only sample_weight.")
        if sample_weight is None:
            return False
        return o["kind"] == "measure" or o["scoring"] is None or "sample_weight" in score

    def _check_classes(self, classes):
        if len(classes) < 2:
            raise ValueError(
                "LogisticRegressionCV needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {classes[0]!r}.")
        if self._opts["solver"] == "liblinear":
            _binary_only(len(classes))
        cw = self.class_weight
        if isinstance(cw, dict) and not set(cw) <= set(classes):
            raise ValueError("The given class_weight dict must have the class labels as "
                             f"keys; classes={np.asarray(classes)} but key={cw.keys()}")

    @staticmethod
    def _null_grids(runner, prob, pen_unit, b0, dead, l1_ratios, n_alphas, eps):
        """penalized's generated grids: from the null model's gradient on all the data
        (one null fit, a grid per l1_ratio), as the in-memory ``cv_alpha_grid``."""
        null_pen = pen_unit.scaled(1.0, 0.0)
        free = null_pen.a > 0
        null_pen = type(null_pen)(null_pen.a, null_pen.b * 0, np.where(free, 0.0, null_pen.lo),
                                  np.where(free, 0.0, null_pen.up))
        _, st = glm_fit(runner, prob, null_pen, tol=1e-10, max_iter=100, b0=b0, dead=dead,
                        warn=False)
        grad = st["Xg"] / st["S"]
        grad[dead] = 0.0
        return np.array([grid_from_gradient(grad, pen_unit, *_mix(r, eps, n_alphas))
                         for r in l1_ratios])

    @property
    def _score_kind(self):
        """What ``score`` computes: the ``scoring`` scorer ("neg_log_loss" or the
        accuracy, as the in-memory ``score``)."""
        s = self.scoring
        return "neg_log_loss" if self.measure is None and isinstance(s, str) and \
            s == "neg_log_loss" else "accuracy"

    decision_function = LogisticRegression.decision_function
    predict_proba = LogisticRegression.predict_proba
    predict_log_proba = LogisticRegression.predict_log_proba
    predict = LogisticRegression.predict


def _mix(l1_ratio, eps, n_alphas):
    r, e = grid_mix(l1_ratio, eps)
    return r, n_alphas, e


def _path_result(grid, fits, multi):
    coefs = [f[0] for f in fits]
    W = coefs if multi else sp.csc_matrix(np.column_stack(coefs))
    df = np.array([int(np.any(c != 0, axis=1).sum()) if multi else int(np.count_nonzero(c))
                   for c in coefs])
    m = len(fits)
    b = np.array([f[1] for f in fits])
    if multi:
        b = b - b.mean(axis=1, keepdims=True)
    steps = np.array([f[3] for f in fits])
    return PathResult(alphas=np.asarray(grid, dtype=np.float64), coefs=W, intercepts=b,
                      dual_gaps=np.array([f[2] for f in fits]), n_iters=steps, df=df,
                      dev_explained=np.full(m, np.nan), converged=np.ones(m, dtype=bool),
                      n_steps=steps)


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

