"""Cross-validated estimators of the penalties beyond the elastic net.

One engine (:class:`PenaltyCV`) for every penalty: folds fixed once, the alpha grid from
the penalty's own ``alpha_max`` on all the data, one warm-started path per fold
(:func:`penalized.penalty_paths.fit_penalty_path`), the test errors of the datafit, the
minimum and one-standard-error rules, a refit path on all the data. It reuses the folds,
scoring, selection and interpolation of :mod:`penalized.model_selection._cv`; the
subclasses only say which penalty (and which target); the multi-task ones are in
:mod:`penalized.model_selection.multitask_cv`.
"""

import numbers

import numpy as np
from joblib import delayed
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import (
    check_bool,
    check_finite_sparse,
    check_int,
    check_no_overflow,
    check_sample_weight,
    check_scalar,
    check_target_overflow,
)
from ..datafits.quadratic import Quadratic
from ..estimators._base import PARAMS_PENALTY, check_copy_X
from ..paths import PATH_TOL
from ..penalties.group import GroupLasso as GroupLassoPenalty
from ..penalties.group import SparseGroupLasso as SparseGroupLassoPenalty
from ..penalties.mcp import MCP
from ..penalties.scad import SCAD
from ..penalty_paths import explicit_grid, fit_penalty_path, penalty_grid, unit_arrays
from ..solvers.design import Design
from ._cv import (
    _check_choice,
    _check_grid,
    _rows,
    alpha_rule,
    fold_errors,
    interpolate,
    linear_predictor,
    make_folds,
    select,
    summarize,
)
from ._cv_options import _cv_seed
from ._threads import run_tasks

__all__ = ["GroupLassoCV", "MCPRegressionCV", "PenaltyCV", "SCADRegressionCV",
           "SparseGroupLassoCV"]

_OPTIONS = ("penalty_factor", "lower_bounds", "upper_bounds", "positive")


class PenaltyCV(BaseEstimator):
    """Shared fit of the CV estimators of this module; subclasses give ``_specs`` (the
    penalties, one per ``l1_ratio``) and the datafit."""

    _datafit_class = Quadratic
    multi_output = False
    _coordinate_order = False  # scikit-learn's selection / random_state (multi-task)

    def _specs(self):
        """``[(l1_ratio or None, penalty specification)]``."""
        raise NotImplementedError

    def _options(self):
        return {name: getattr(self, name) for name in _OPTIONS if hasattr(self, name)}

    def _unit(self, spec, design, standardize):
        pen = unit_arrays(spec, design.p, **self._options())
        return pen.standardized(design.sqnorms()) if standardize else pen

    def fit(self, X, y, sample_weight=None, *, groups=None, foldid=None):
        """Cross-validate the path, select alpha and refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights in the training objective and in the test-fold errors.
        groups : array-like of shape (n_samples,), default=None
            Group labels of the samples passed to the splitter's ``split`` (e.g.
            ``GroupKFold``); not the groups of features.
        foldid : array-like of shape (n_samples,), default=None
            Fold label of each sample (glmnet's ``foldid``); overrides ``cv``.

        Returns
        -------
        self : object
        """
        specs = self._specs()
        eps = check_scalar(self.eps, "eps", low=0.0, low_open=True)
        if isinstance(self.alphas, numbers.Integral) and not isinstance(self.alphas, bool):
            n_alphas = check_int(self.alphas, "alphas")
        else:
            n_alphas = None
            fixed = explicit_grid(_check_grid(self.alphas, "alphas"))
        rule = alpha_rule(self, stacklevel=3)
        # scikit-learn's coordinate order and copy_X, where the class takes them (as
        # LassoCV: the old rule values of ``selection`` warn and mean cyclic)
        seed = _cv_seed(self)
        if hasattr(self, "copy_X"):
            check_copy_X(self)
        fit_intercept = check_bool(self.fit_intercept, "fit_intercept")
        standardize = check_bool(getattr(self, "standardize", False), "standardize")
        tol = check_scalar(self.tol, "tol", low=0.0)
        max_iter = check_int(self.max_iter, "max_iter")
        verbose = check_int(self.verbose, "verbose", low=0)
        X, y = validate_data(self, X, y, accept_sparse="csc", dtype=[np.float64, np.float32],
                             order="F", y_numeric=True, multi_output=self.multi_output)
        check_finite_sparse(X)
        check_no_overflow(X)
        check_target_overflow(y)
        datafit = self._datafit_class()
        y = datafit.check_target(np.asarray(y, dtype=np.float64))
        if self.multi_output and y.ndim != 2:
            raise ValueError(f"{type(self).__name__} needs y of shape (n_samples, n_tasks), "
                             f"got shape {y.shape}.")
        sw = check_sample_weight(sample_weight, X.shape[0])
        scoring = _check_choice(self.scoring, "scoring", set(datafit.scorings))
        folds = make_folds(self.cv, X, y, groups, foldid)
        design = Design(X, sw, fit_intercept)
        units = [self._unit(spec, design, standardize) for _, spec in specs]
        if n_alphas is not None:
            grids = np.array([penalty_grid(design, y, datafit, u, n_alphas, eps) for u in units])
        else:
            grids = np.tile(fixed, (len(specs), 1))
        fit_kw = dict(tol=tol, max_iter=max_iter, verbose=verbose, seed=seed)
        jobs = [(si, fi) for si in range(len(specs)) for fi in range(len(folds))]
        tasks = [delayed(_fold_job)(self, X, y, sw, folds[fi], datafit, specs[si][1], grids[si],
                                    fit_intercept, standardize, fit_kw) for si, fi in jobs]
        single = len(specs) == 1
        if single:  # the full-data path runs beside the folds
            tasks.insert(0, delayed(fit_penalty_path)(design, y, datafit, units[0], grids[0],
                                                      **fit_kw))
        outs = run_tasks(tasks, self.n_jobs)
        full = outs.pop(0) if single else None
        scores = np.empty((len(specs), grids.shape[1], len(folds)))
        mse = np.empty_like(scores)
        for (si, fi), eta in zip(jobs, outs, strict=True):
            te = folds[fi][1]
            st = None if sw is None else sw[te]
            scores[si, :, fi] = fold_errors(datafit, scoring, y[te], eta, st)
            mse[si, :, fi] = fold_errors(datafit, "mse", y[te], eta, st)
        mean, se = summarize(scores)
        best = None
        for si in range(len(specs)):  # the first one wins ties
            (_, a0), (_, a1) = select(mean[si][None], se[si][None])
            if best is None or mean[si, a0] < best[0]:
                best = (mean[si, a0], si, a0, a1)
        _, si, a0, a1 = best
        ai = a1 if rule == "1se" else a0
        ratio = specs[si][0]
        if ratio is not None:
            self.l1_ratio_ = float(ratio)
        # scikit-learn's layout: one grid, or one row per l1_ratio
        self.alphas_, self.alphas_grid_ = (grids[si] if single else grids), grids
        self.cv_scores_, self.cv_mean_, self.cv_se_ = scores[si], mean[si], se[si]
        self.mse_path_ = mse[si] if single else mse
        self.alpha_min_, self.alpha_1se_ = float(grids[si, a0]), float(grids[si, a1])
        self.alpha_ = float(grids[si, ai])
        self.scoring_, self.score_name_ = scoring, datafit.score_name(scoring)
        self.n_folds_ = len(folds)
        self.path_ = full if single else fit_penalty_path(design, y, datafit, units[si],
                                                          grids[si], **fit_kw)
        self.n_nonzero_ = np.asarray(self.path_.df)
        coef, b = self.path_.coef_at(ai), self.path_.intercepts[ai]
        self.coef_ = np.ascontiguousarray(coef.T if coef.ndim == 2 else coef).astype(
            X.dtype, copy=False)
        self.intercept_ = (np.asarray(b, dtype=np.float64).astype(X.dtype, copy=False)
                           if self.multi_output else float(b))
        certificate = float(self.path_.dual_gaps[ai])
        if self._nonconvex:
            self.stop_crit_ = certificate
        else:
            self.dual_gap_ = certificate
        self.n_iter_ = int(self.path_.n_iters[ai])
        return self

    _nonconvex = False

    def predict(self, X, alpha=None):
        """Predict with the selected model, or at ``alpha`` of the path (coefficients
        interpolated linearly in ``log(alpha)`` between the path's points).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        alpha : float, default=None
            Any alpha >= 0; None means ``alpha_``.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_tasks)
        """
        check_is_fitted(self, "path_")
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32], reset=False)
        check_finite_sparse(X)
        if alpha is None:
            coef = self.coef_.T if self.coef_.ndim == 2 else self.coef_
            b = self.intercept_
        else:
            coef, b = interpolate(self.path_, alpha)
        return np.asarray(X @ coef) + b

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        if self.multi_output:
            tags.target_tags.multi_output = True
            tags.target_tags.single_output = False
        return tags


def _fold_job(est, X, y, sw, fold, datafit, spec, grid, fit_intercept, standardize, fit_kw):
    """The path on one training fold; the test fold's linear predictors."""
    train, test = fold
    swtr = None if sw is None else sw[train]
    if swtr is not None and not np.sum(swtr) > 0:
        raise ValueError("'sample_weight' must not be all zero on a training fold.")
    design = Design(_rows(X, train), swtr, fit_intercept)
    res = fit_penalty_path(design, y[train], datafit, est._unit(spec, design, standardize),
                           grid, deviance=False, **fit_kw)
    return linear_predictor(_rows(X, test), res)


# ---------------------------------------------------------------------------- docs
_CV_PARAMS = """
    alphas : int or array-like, default=100
        Number of alphas of the grid, log-spaced from the penalty's ``alpha_max`` on all
        the data (the smallest alpha with every penalized coefficient, group or row at
        zero) down to ``eps * alpha_max``; or the explicit alphas (sorted decreasing).
        The same grid is used for every fold.
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of a generated grid.
    cv : int, cross-validation splitter or iterable, default=5
        An int ``k`` >= 2 for ``KFold(k)`` (no shuffling), a splitter (``groups`` of
        ``fit`` is passed to its ``split``) or an iterable of (train, test) index arrays;
        ``foldid`` in ``fit`` overrides it.
    scoring : {"mse", "mae", "deviance"}, default="mse"
        Test error (for several tasks, averaged over them; ``"deviance"`` sums the
        squared errors over the tasks).
    alpha_rule : {"min", "1se"}, default="min"
        Which alpha becomes ``alpha_``: the minimum mean error (``alpha_min_``) or the
        largest alpha within one standard error of it (``alpha_1se_``, glmnet's
        ``lambda.1se``).
"""

_SOLVER = """
    tol : float, default=1e-7
        Tolerance of every fit on the path (the single-alpha estimator's certificate and
        scale), tighter than a single fit's default as for :class:`penalized.LassoCV`.
    max_iter : int, default=1000
        Maximum number of epochs of each fit.
    n_jobs : int, default=None
        Number of folds fitted in parallel by threads (``None`` means 1).
    verbose : int, default=0
        Verbosity of the fits.
"""

_ATTRS = """
    alpha_ : float
        The selected alpha (``alpha_min_`` or ``alpha_1se_``).
    alpha_min_, alpha_1se_ : float
        The alphas of the minimum and one-standard-error rules.
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratios, n_alphas)
        The alpha grid, decreasing; one row per l1_ratio when several are cross-validated
        (scikit-learn's layout).
    cv_scores_ : ndarray of shape (n_alphas, n_folds)
        Test error of every fold at every alpha.
    cv_mean_, cv_se_ : ndarray of shape (n_alphas,)
        Mean over folds and standard error ``std(ddof=1) / sqrt(n_folds)``.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Mean squared error of every fold at every alpha (scikit-learn's layout; averaged
        over the tasks).
    score_name_, scoring_ : str
    n_folds_ : int
    n_nonzero_ : ndarray of shape (n_alphas,)
        Nonzero coefficients (features with a nonzero for several tasks) along
        ``path_``.
    path_ : PathResult
        The path on all the data over ``alphas_``; its ``dual_gaps`` are the fits'
        certificates. ``plot_path(model.path_)`` draws it.
    n_iter_ : int
        Epochs of the full-data fit at ``alpha_``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.
"""

_NOTES = """
    Notes
    -----
    The alpha grid is computed once on all the data; each fold fits a warm-started path
    on its training samples over that grid and scores its test samples (weighted means
    with ``sample_weight``). The model is then refitted on all the data: ``path_`` is that
    path and ``coef_`` its point at ``alpha_``. The minimum rule breaks ties toward the
    larger alpha.
"""


def _doc(summary, objective, params, attrs, example, cv_params=_CV_PARAMS, solver=_SOLVER):
    return (summary + "\n\n    Each fit on the path minimizes::\n\n" + objective +
            "\n    Parameters\n    ----------" + params + cv_params + solver +
            "\n    Attributes\n    ----------" + attrs + _ATTRS + _NOTES +
            "\n    Examples\n    --------\n" + example)


# ------------------------------------------------------------------------ nonconvex
_CONCAVE_ATTRS = """
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    stop_crit_ : float
        Critical-point criterion of the full-data fit at ``alpha_`` (see
        :class:`penalized.MCPRegression`).
"""


class _ConcaveCV(RegressorMixin, PenaltyCV):
    _nonconvex = True
    _spec_class = None

    def _specs(self):
        return [(None, self._spec_class(self.gamma))]


class MCPRegressionCV(_ConcaveCV):
    __doc__ = _doc(
        "MCP regression with alpha chosen by cross-validation (ncvreg's ``cv.ncvreg``).",
        "        1/(2 S) sum_i s_i (y_i - x_i.w - b)^2 + sum_j MCP(|w_j|; alpha pf_j, gamma)\n"
        "\n    as :class:`penalized.MCPRegression`; along the path every fit starts from the\n"
        "    previous alpha's solution (the critical point that continues the path).\n",
        """
    gamma : float, default=3.0
        Concavity (> 1).
""" + PARAMS_PENALTY, _CONCAVE_ATTRS, """\
    >>> import numpy as np
    >>> from penalized.model_selection import MCPRegressionCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 10))
    >>> y = X @ np.r_[3.0, -2.0, np.zeros(8)] + rng.standard_normal(100)
    >>> model = MCPRegressionCV(alphas=20, cv=5).fit(X, y)
    >>> np.flatnonzero(model.coef_), model.cv_mean_.shape
    (array([0, 1]), (20,))
""")

    _spec_class = MCP

    def __init__(self, *, gamma=3.0, alphas=100, eps=1e-3, cv=5, scoring="mse",
                 alpha_rule="min", fit_intercept=True, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, standardize=False, tol=PATH_TOL,
                 max_iter=1000, n_jobs=None, verbose=0):
        self.gamma = gamma
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.alpha_rule = alpha_rule
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose


class SCADRegressionCV(_ConcaveCV):
    __doc__ = _doc(
        "SCAD regression with alpha chosen by cross-validation.",
        "        1/(2 S) sum_i s_i (y_i - x_i.w - b)^2 + sum_j SCAD(|w_j|; alpha pf_j, gamma)\n"
        "\n    as :class:`penalized.SCADRegression`, warm-started along the path.\n",
        """
    gamma : float, default=3.7
        Concavity (> 2).
""" + PARAMS_PENALTY, _CONCAVE_ATTRS, """\
    >>> import numpy as np
    >>> from penalized.model_selection import SCADRegressionCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 10))
    >>> y = X @ np.r_[3.0, -2.0, np.zeros(8)] + rng.standard_normal(100)
    >>> model = SCADRegressionCV(alphas=20, cv=5, alpha_rule="1se").fit(X, y)
    >>> np.flatnonzero(model.coef_)
    array([0, 1])
""")

    _spec_class = SCAD

    def __init__(self, *, gamma=3.7, alphas=100, eps=1e-3, cv=5, scoring="mse",
                 alpha_rule="min", fit_intercept=True, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, standardize=False, tol=PATH_TOL,
                 max_iter=1000, n_jobs=None, verbose=0):
        self.gamma = gamma
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.alpha_rule = alpha_rule
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose


# ---------------------------------------------------------------------------- groups
_GROUP_PARAMS = """
    groups : int, array-like of labels, or list of index arrays
        The groups of features, as in :class:`penalized.GroupLasso`.
    weights : array-like of shape (n_groups,), default=None
        Weights of the groups' norms; None means ``sqrt(group size)``.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    positive : bool, default=False
        Force the coefficients to be non-negative.
"""

_GROUP_ATTRS = """
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    dual_gap_ : float
        Duality gap of the full-data fit at ``alpha_``.
"""


class GroupLassoCV(RegressorMixin, PenaltyCV):
    __doc__ = _doc(
        "Group lasso with alpha chosen by cross-validation (grpreg's ``cv.grpreg``).",
        "        1/(2 S) sum_i s_i (y_i - x_i.w - b)^2 + alpha * sum_g wg_g ||w_g||_2\n"
        "\n    as :class:`penalized.GroupLasso`.\n", _GROUP_PARAMS, _GROUP_ATTRS, """\
    >>> import numpy as np
    >>> from penalized.model_selection import GroupLassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 9))
    >>> y = X[:, :3] @ [1.0, -1.0, 2.0] + rng.standard_normal(100)
    >>> model = GroupLassoCV(groups=3, alphas=20, alpha_rule="1se").fit(X, y)
    >>> np.flatnonzero(model.coef_)
    array([0, 1, 2])
""")

    def __init__(self, groups, *, weights=None, alphas=100, eps=1e-3, cv=5, scoring="mse",
                 alpha_rule="min", fit_intercept=True, positive=False, tol=PATH_TOL,
                 max_iter=1000, n_jobs=None, verbose=0):
        self.groups = groups
        self.weights = weights
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.alpha_rule = alpha_rule
        self.fit_intercept = fit_intercept
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _specs(self):
        return [(None, GroupLassoPenalty(self.groups, self.weights))]


class SparseGroupLassoCV(RegressorMixin, PenaltyCV):
    __doc__ = _doc(
        "Sparse-group lasso with alpha (and l1_ratio) chosen by cross-validation.",
        "        1/(2 S) sum_i s_i (y_i - x_i.w - b)^2\n"
        "          + alpha * (l1_ratio sum_j pf_j |w_j| + (1 - l1_ratio) sum_g wg_g ||w_g||_2)"
        "\n\n    as :class:`penalized.SparseGroupLasso`.\n", """
    l1_ratio : float or array-like, default=0.5
        Mix of the L1 and group parts, or a grid of mixes (each with its own alpha grid;
        the pair with the smallest mean error wins, the first l1_ratio on ties).
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature of the L1 part.""" + _GROUP_PARAMS,
        _GROUP_ATTRS + """
    l1_ratio_ : float
        The selected l1_ratio.
    alphas_grid_ : ndarray of shape (n_l1_ratios, n_alphas)
""", """\
    >>> import numpy as np
    >>> from penalized.model_selection import SparseGroupLassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 9))
    >>> y = X[:, :2] @ [1.0, -2.0] + rng.standard_normal(100)
    >>> model = SparseGroupLassoCV(groups=3, l1_ratio=[0.2, 0.8], alphas=20).fit(X, y)
    >>> model.l1_ratio_ in (0.2, 0.8), model.alphas_grid_.shape
    (True, (2, 20))
""")

    def __init__(self, groups, *, l1_ratio=0.5, weights=None, alphas=100, eps=1e-3, cv=5,
                 scoring="mse", alpha_rule="min", fit_intercept=True, penalty_factor=None,
                 positive=False, tol=PATH_TOL, max_iter=1000, n_jobs=None, verbose=0):
        self.groups = groups
        self.l1_ratio = l1_ratio
        self.weights = weights
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.alpha_rule = alpha_rule
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _specs(self):
        ratios = _check_grid(self.l1_ratio, "l1_ratio", high=1.0)
        return [(r, SparseGroupLassoPenalty(self.groups, r, self.weights)) for r in ratios]
