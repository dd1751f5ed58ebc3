"""Cross-validated multi-task estimators: MultiTaskLassoCV and MultiTaskElasticNetCV, with
scikit-learn's parameters and meaning, on the CV engine of
:mod:`penalized.model_selection.penalty_cv` (the grid from the L2,1 penalty's
``alpha_max``, whole paths in one kernel call)."""

import numbers

import numpy as np
from sklearn.base import RegressorMixin

from ..datafits.multitask import MultiTaskQuadratic
from ..paths import PATH_TOL
from ..penalties.l21 import L21
from ._cv import _check_grid
from .penalty_cv import PenaltyCV, _doc

__all__ = ["MultiTaskElasticNetCV", "MultiTaskLassoCV"]

_MT_PARAMS = """
    fit_intercept : bool, default=True
        Fit an unpenalized intercept per task.
    copy_X : bool, default=True
        scikit-learn's; X is never modified here, so both values give the same fit.
    random_state : int, RandomState instance or None, default=None
        Seed of the random row order with ``selection="random"``.
    selection : {"cyclic", "random"}, default="cyclic"
        Rows (features) visited in order, or in a random order drawn for each working set
        (scikit-learn's ``selection``; the CV rule is ``alpha_rule``).
    penalty_factor : array-like of shape (n_features,), default=None
        penalized's option: non-negative factor per feature (row); 0 leaves a feature
        unpenalized.
    standardize : bool, default=False
        penalized's option: penalize the rows of the standardized features' coefficients.
"""

_MT_CV = """
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of a generated grid.
    alphas : int or array-like, default=100
        Number of alphas of the grid, log-spaced from ``alpha_max`` on all the data (the
        smallest alpha with every row at zero) down to ``eps * alpha_max``, as
        scikit-learn; or the explicit alphas (sorted decreasing). The same grid is used
        for every fold.
    cv : int, cross-validation splitter or iterable, default=None
        None for 5 folds, an int ``k`` >= 2 for ``KFold(k)`` (no shuffling), a splitter
        (``groups`` of ``fit`` is passed to its ``split``) or an iterable of (train,
        test) index arrays, as scikit-learn; ``foldid`` in ``fit`` overrides it.
    scoring : {"mse", "mae", "deviance"}, default="mse"
        penalized's option: the test error that selects alpha ("mse" is scikit-learn's;
        averaged over the tasks; ``"deviance"`` sums the squared errors over the tasks).
    alpha_rule : {"min", "1se"}, default="min"
        penalized's option: which alpha becomes ``alpha_``, the minimum mean error
        (``alpha_min_``, scikit-learn's) or the largest alpha within one standard error of
        it (``alpha_1se_``, glmnet's ``lambda.1se``).
"""

_MT_SOLVER = """
    tol : float, default=1e-7
        Tolerance of every fit on the path (duality gap, scaled as in
        :class:`penalized.MultiTaskLasso`). Tighter than scikit-learn's 1e-4 (the same
        rule), as for :class:`penalized.LassoCV`: at this default ``mse_path_`` is within
        about 1e-4 (relative) of the exact curve, where scikit-learn's at its default can
        be off by 1e-2.
    max_iter : int, default=1000
        Maximum number of epochs of each fit.
    n_jobs : int, default=None
        Number of folds fitted in parallel by threads (``None`` means 1).
    verbose : int, default=0
        Verbosity of the fits.
"""

_MT_ATTRS = """
    coef_ : ndarray of shape (n_tasks, n_features)
    intercept_ : ndarray of shape (n_tasks,)
    dual_gap_ : float
        Duality gap of the full-data fit at ``alpha_``.
"""


class _MultiTaskCV(RegressorMixin, PenaltyCV):
    _datafit_class = MultiTaskQuadratic
    multi_output = True
    _coordinate_order = True  # scikit-learn's selection ("cyclic" / "random")


class MultiTaskLassoCV(_MultiTaskCV):
    __doc__ = _doc(
        "Multi-task lasso with alpha chosen by cross-validation: scikit-learn's "
        "``MultiTaskLassoCV``.",
        "        1/(2 S) sum_i s_i ||y_i - W' x_i - b||^2 + alpha * sum_j pf_j ||W_j||_2\n"
        "\n    as :class:`penalized.MultiTaskLasso`; scikit-learn's ``MultiTaskLassoCV`` on\n"
        "    the same folds gives the same ``alphas_``, ``mse_path_`` and ``alpha_`` up to\n"
        "    the solvers' tolerance.\n", _MT_PARAMS, _MT_ATTRS, """\
    >>> import numpy as np
    >>> from penalized.model_selection import MultiTaskLassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 8))
    >>> Y = X[:, :2] @ [[1.0, 2.0], [0.5, -1.0]] + 0.5 * rng.standard_normal((100, 2))
    >>> model = MultiTaskLassoCV(alphas=20, cv=5).fit(X, Y)
    >>> model.coef_.shape, model.mse_path_.shape
    ((2, 8), (20, 5))
""", cv_params=_MT_CV, solver=_MT_SOLVER)

    def __init__(self, *, eps=1e-3, alphas=100, fit_intercept=True, max_iter=1000,
                 tol=PATH_TOL, copy_X=True, cv=None, verbose=0, n_jobs=None,
                 random_state=None, selection="cyclic", scoring="mse", alpha_rule="min",
                 penalty_factor=None, standardize=False):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.selection = selection
        self.scoring = scoring
        self.alpha_rule = alpha_rule
        self.penalty_factor = penalty_factor
        self.standardize = standardize

    def _specs(self):
        return [(None, L21(1.0, 1.0))]


class MultiTaskElasticNetCV(_MultiTaskCV):
    __doc__ = _doc(
        "Multi-task elastic net with alpha (and l1_ratio) chosen by cross-validation: "
        "scikit-learn's ``MultiTaskElasticNetCV``.",
        "        1/(2 S) sum_i s_i ||y_i - W' x_i - b||^2\n"
        "          + alpha * sum_j pf_j (l1_ratio ||W_j||_2 + (1 - l1_ratio)/2 ||W_j||^2)\n"
        "\n    as :class:`penalized.MultiTaskElasticNet`.\n", """
    l1_ratio : float or array-like, default=0.5
        Mix of the row norms and their squares, or a list of mixes (each with its own
        alpha grid, ``alpha_max`` scaling as ``1 / l1_ratio``; the pair with the
        smallest mean error wins, the first l1_ratio on ties, as scikit-learn). Must be
        > 0 with a generated grid.""" + _MT_PARAMS, _MT_ATTRS + """
    l1_ratio_ : float
        The selected l1_ratio.
    alphas_grid_ : ndarray of shape (n_l1_ratios, n_alphas)
        Every l1_ratio's grid (``alphas_`` too when there are several).
""", """\
    >>> import numpy as np
    >>> from penalized.model_selection import MultiTaskElasticNetCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 8))
    >>> Y = X[:, :2] @ [[1.0, 2.0], [0.5, -1.0]] + 0.5 * rng.standard_normal((100, 2))
    >>> model = MultiTaskElasticNetCV(l1_ratio=[0.5, 1.0], alphas=20).fit(X, Y)
    >>> model.l1_ratio_ in (0.5, 1.0), model.mse_path_.shape, model.alphas_.shape
    (True, (2, 20, 5), (2, 20))
""", cv_params=_MT_CV, solver=_MT_SOLVER)

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, alphas=100, fit_intercept=True,
                 max_iter=1000, tol=PATH_TOL, cv=None, copy_X=True, verbose=0, n_jobs=None,
                 random_state=None, selection="cyclic", scoring="mse", alpha_rule="min",
                 penalty_factor=None, standardize=False):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.selection = selection
        self.scoring = scoring
        self.alpha_rule = alpha_rule
        self.penalty_factor = penalty_factor
        self.standardize = standardize

    def _specs(self):
        ratios = _check_grid(self.l1_ratio, "l1_ratio", high=1.0)
        if isinstance(self.alphas, numbers.Integral) and np.any(ratios == 0):
            raise ValueError("A generated alpha grid needs l1_ratio > 0; pass explicit "
                             "alphas.")
        return [(r, L21(1.0, r)) for r in ratios]
