"""Cross-validated multi-task estimators: MultiTaskLassoCV and MultiTaskElasticNetCV, on the
CV engine of :mod:`penalized.model_selection.penalty_cv` (the grid from the L2,1 penalty's
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
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature (row); 0 leaves a feature unpenalized.
    standardize : bool, default=False
        Penalize the rows of the standardized features' coefficients.
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


class MultiTaskLassoCV(_MultiTaskCV):
    __doc__ = _doc(
        "Multi-task lasso with alpha chosen by cross-validation.",
        "        1/(2 S) sum_i s_i ||y_i - W' x_i - b||^2 + alpha * sum_j pf_j ||W_j||_2\n"
        "\n    as :class:`penalized.MultiTaskLasso`; scikit-learn's ``MultiTaskLassoCV`` on\n"
        "    the same folds gives the same ``alphas_`` and ``mse_path_`` up to the solvers'\n"
        "    tolerance.\n", _MT_PARAMS, _MT_ATTRS, """\
    >>> import numpy as np
    >>> from penalized.model_selection import MultiTaskLassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 8))
    >>> Y = X[:, :2] @ [[1.0, 2.0], [0.5, -1.0]] + 0.5 * rng.standard_normal((100, 2))
    >>> model = MultiTaskLassoCV(alphas=20, cv=5).fit(X, Y)
    >>> model.coef_.shape, model.mse_path_.shape
    ((2, 8), (20, 5))
""")

    def __init__(self, *, alphas=100, eps=1e-3, cv=5, scoring="mse", selection="min",
                 fit_intercept=True, penalty_factor=None, standardize=False, tol=PATH_TOL,
                 max_iter=1000, n_jobs=None, verbose=0):
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _specs(self):
        return [(None, L21(1.0, 1.0))]


class MultiTaskElasticNetCV(_MultiTaskCV):
    __doc__ = _doc(
        "Multi-task elastic net with alpha (and l1_ratio) chosen by cross-validation.",
        "        1/(2 S) sum_i s_i ||y_i - W' x_i - b||^2\n"
        "          + alpha * sum_j pf_j (l1_ratio ||W_j||_2 + (1 - l1_ratio)/2 ||W_j||^2)\n"
        "\n    as :class:`penalized.MultiTaskElasticNet`.\n", """
    l1_ratio : float or array-like, default=0.5
        Mix of the row norms and their squares, or a grid of mixes (each with its own
        alpha grid, ``alpha_max`` scaling as ``1 / l1_ratio``; the pair with the
        smallest mean error wins, the first l1_ratio on ties). Must be > 0 with a
        generated grid.""" + _MT_PARAMS, _MT_ATTRS + """
    l1_ratio_ : float
        The selected l1_ratio.
    alphas_grid_ : ndarray of shape (n_l1_ratios, n_alphas)
""", """\
    >>> import numpy as np
    >>> from penalized.model_selection import MultiTaskElasticNetCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 8))
    >>> Y = X[:, :2] @ [[1.0, 2.0], [0.5, -1.0]] + 0.5 * rng.standard_normal((100, 2))
    >>> model = MultiTaskElasticNetCV(l1_ratio=[0.5, 1.0], alphas=20).fit(X, Y)
    >>> model.l1_ratio_ in (0.5, 1.0), model.mse_path_.shape
    (True, (2, 20, 5))
""")

    def __init__(self, *, l1_ratio=0.5, alphas=100, eps=1e-3, cv=5, scoring="mse",
                 selection="min", fit_intercept=True, penalty_factor=None, standardize=False,
                 tol=PATH_TOL, max_iter=1000, n_jobs=None, verbose=0):
        self.l1_ratio = l1_ratio
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _specs(self):
        ratios = _check_grid(self.l1_ratio, "l1_ratio", high=1.0)
        if isinstance(self.alphas, numbers.Integral) and np.any(ratios == 0):
            raise ValueError("A generated alpha grid needs l1_ratio > 0; pass explicit "
                             "alphas.")
        return [(r, L21(1.0, r)) for r in ratios]
