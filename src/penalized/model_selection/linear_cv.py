"""Cross-validated squared-loss estimators: LassoCV and ElasticNetCV."""

import numpy as np
from sklearn.base import RegressorMixin

from ..datafits.quadratic import Quadratic
from ..estimators._base import PARAMS_PENALTY
from ._cv import BaseCV

__all__ = ["ElasticNetCV", "LassoCV"]

DEFAULT_GAMMAS = (0.0, 0.25, 0.5, 0.75, 1.0)

CV_PARAMS = """
    alphas : int or array-like, default=100
        Number of alphas of the grid, log-spaced from ``alpha_max`` (computed on all the
        data, the smallest alpha giving all-zero coefficients) down to
        ``eps * alpha_max``, as scikit-learn; or the explicit alphas (sorted
        decreasing). The same grid is used for every fold.
    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of a generated grid (glmnet's
        ``lambda.min.ratio``). For ``l1_ratio < 1e-3`` (ridge) ``alpha_max`` is computed
        with ``l1_ratio=1e-3``, as glmnet, and the grid runs down to ``eps * 1e-3`` of it,
        where the lasso's grid ends.
    cv : int, cross-validation splitter, iterable or None, default=None
        None for 5 folds; an int ``k`` >= 2 for ``KFold(k)`` (``StratifiedKFold(k)`` for
        classifiers, no shuffling), a splitter (``groups`` of ``fit`` is passed to its
        ``split``) or an iterable of (train, test) index arrays. The folds are fixed
        once and shared by every alpha and every l1_ratio. ``foldid`` in ``fit`` overrides ``cv``.
    alpha_rule : {"min", "1se"}, default="min"
        Which alpha becomes ``alpha_``: the minimum mean error (``alpha_min_``, as
        scikit-learn) or the largest alpha within one standard error of it
        (``alpha_1se_``, glmnet's ``lambda.1se``). (Formerly ``selection``, now
        scikit-learn's coordinate order; ``selection="min"`` / ``"1se"`` still work with
        a FutureWarning.)
    relax : bool, default=False
        Relaxed lasso (glmnet's ``relax=TRUE``; lasso penalty only): at every path point
        refit the loss without penalty on the support of the lasso fit and blend
        ``w = gamma * w_lasso + (1 - gamma) * w_relaxed`` (intercepts likewise), with
        ``gamma`` chosen by cross-validation jointly with alpha. The refit is least
        squares (minimum-norm when the support has more columns than rank) for the
        squared loss; GLM refits, and refits with bounds, carry a ridge of
        ``1e-6 * alpha_max`` so that separable data gives finite coefficients.
    gammas : array-like, default=(0.0, 0.25, 0.5, 0.75, 1.0)
        The grid of ``gamma`` values in [0, 1] for ``relax=True`` (1 = lasso, 0 = the
        unpenalized refit).
""" + PARAMS_PENALTY + """
""" + "{tol}" + """
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs of each fit.
    n_jobs : int, default=None
        Number of folds fitted in parallel by joblib threads (the numba kernels release
        the GIL; the full-data path runs beside the folds); ``None`` means 1. The
        results do not depend on it.
    verbose : bool or int, default=0
        Verbosity of the fits (``LassoCV``: default False, as scikit-learn).
"""

TOL_LS = """    tol : float, default=1e-7
        Tolerance of every fit on the path (duality gap, scaled as in the single-alpha
        estimator). Tighter than a single fit's default 1e-4: at the defaults the CV
        curve is at least as accurate as scikit-learn's, whose stopping rule overshoots
        its tolerance (glmnet's default threshold is 1e-7 too)."""

TOL_GLM = """    tol : float, default=1e-4
        Tolerance of every fit on the path (duality gap, scaled as in the single-alpha
        estimator); prox-Newton steps converge quadratically, so the fits usually end
        well below it."""

SKLEARN_CD = """
    precompute : "auto" or bool, default="auto"
        scikit-learn's: whether the least-squares fits use Gram matrices. True: the folds'
        Gram matrices (by downdates of one all-rows ``X'X`` for tall dense X, where
        "auto" also uses them); False: never. A user Gram matrix cannot be split by fold
        and is refused.
    copy_X : bool, default=True
        scikit-learn's; X is never modified, so this changes nothing.
    random_state : int, RandomState instance or None, default=None
        Seed of the random coordinate order with ``selection="random"``.
    selection : {"cyclic", "random"}, default="cyclic"
        scikit-learn's coordinate order: "random" visits the coordinates of every
        working set in a random order (each alpha then fitted by the working-set
        engine). The model is the same up to ``tol``.
"""

CV_ATTRS = """
    alpha_ : float
        The selected alpha (``alpha_min_`` or ``alpha_1se_``, see ``alpha_rule``).
    alpha_min_ : float
        Alpha with the smallest mean cross-validation error.
    alpha_1se_ : float
        Largest alpha whose mean error is at most the minimum mean error plus its
        standard error.
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratios, n_alphas)
        The alpha grid, decreasing; one row per l1_ratio when several are given
        (scikit-learn's layout). ``path_.alphas`` is the selected l1_ratio's grid.
    cv_scores_ : ndarray of shape (n_alphas, n_folds)
        Error of every fold at every alpha (lower is better; for ``"auc"`` and
        ``"accuracy"`` it is ``1 - AUC`` and the misclassification rate). With
        ``relax=True``, at the selected ``gamma_``.
    cv_mean_ : ndarray of shape (n_alphas,)
        Mean of ``cv_scores_`` over folds (unweighted, as scikit-learn; glmnet weights
        folds by their size).
    cv_se_ : ndarray of shape (n_alphas,)
        Standard error ``std(cv_scores_, ddof=1) / sqrt(n_folds)`` (glmnet's ``cvsd``).
    score_name_ : str
        What ``cv_scores_`` measures, e.g. ``"Mean squared error"`` or ``"1 - AUC"``.
    scoring_ : str
        The ``scoring`` used.
    n_folds_ : int
    n_nonzero_ : ndarray of shape (n_alphas,)
        Number of nonzero coefficients at each alpha of the full-data path.
    path_ : PathResult
        The path fitted on all the data (see :func:`penalized.path`) on ``alphas_``.
    l1_ratio_ : float
        The l1_ratio of the selected model.
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
    alphas_grid_ : ndarray of shape (n_l1_ratios, n_alphas)
        The grid of every l1_ratio (scikit-learn's ``alphas_`` when it has several).
    cv_scores_grid_ : ndarray of shape (n_l1_ratios, n_alphas, n_folds)
    gamma_ : float
        The selected relaxation (1.0 without ``relax``).
    gammas_, gamma_min_, gamma_1se_ : ndarray, float, float
        With ``relax=True``: the gamma grid and the gammas of the two rules.
    relax_cv_scores_ : ndarray of shape (n_gammas, n_alphas, n_folds)
        With ``relax=True``; ``relax_cv_mean_`` and ``relax_cv_se_`` (n_gammas, n_alphas)
        are its means and standard errors.
    relaxed_path_ : PathResult
        With ``relax=True``: the unpenalized refits on the full-data path's supports.
    dual_gap_ : float
        Duality gap of the full-data fit at ``alpha_``.
    n_iter_ : int
        Epochs of the full-data fit at ``alpha_``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.
"""

CV_NOTES = """
    The alpha grid is computed once on all the data; each fold fits a warm-started
    path on its training samples over that grid and scores the test samples (weighted
    means with ``sample_weight``). The model is then refitted on all the data: ``path_``
    is that path and ``coef_`` its point at ``alpha_`` (a warm-started fit to the same
    ``tol``). The minimum rule breaks ties toward the larger alpha; with ``relax=True``
    both rules run over the (gamma, alpha) grid, the one-standard-error rule picking the
    largest alpha, then the largest gamma, within one standard error of the minimum.

    ``predict(X, alpha=a)`` (and ``gamma=g`` with ``relax=True``) evaluates the model
    at any alpha: the coefficients are interpolated linearly in ``log(alpha)`` between
    the two neighbouring path points (exact at the path's alphas; clipped to its ends).
    glmnet's ``predict(exact=FALSE)`` interpolates linearly in lambda itself; for an exact
    solution at an alpha off the grid, fit the single-alpha estimator there.
"""


class _RegressorCV(RegressorMixin, BaseCV):
    """Regression targets: coef_ of shape (n_features,), float intercept_."""

    def _set_coef(self, coef, intercept, dtype):
        self.coef_ = np.asarray(coef).astype(dtype, copy=False)
        self.intercept_ = float(intercept)

    def predict(self, X, alpha=None, gamma=None, offset=None):
        """Predict with the selected model, or at ``alpha`` (and ``gamma``) of the path.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        alpha : float, default=None
            Any alpha >= 0; coefficients interpolated along the path (see Notes).
            None means ``alpha_``.
        gamma : float, default=None
            Relaxation in [0, 1] (``relax=True`` only); None means ``gamma_``.
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor of the rows of X (as in ``fit``).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self._link(self._decision(X, alpha, gamma, offset))

    @staticmethod
    def _link(eta):
        return eta


class _QuadraticCV(_RegressorCV):
    _mse_path = True
    _coordinate_order = True  # scikit-learn's selection ("cyclic" / "random")

    def _target(self, y, sample_weight):
        y = np.asarray(y, dtype=np.float64)
        return y, y, Quadratic(), sample_weight


_LINEAR_NOTES = """
    Notes
    -----
    Each fit on the path minimizes the objective above; scikit-learn's ``LassoCV`` /
    ``ElasticNetCV`` minimize the same one, and on the same folds (``cv=KFold(k)``) give
    the same ``alphas_``, ``mse_path_`` and ``alpha_`` up to the solvers' tolerance.
    glmnet's ``cv.glmnet(family="gaussian")`` has ``lambda = alpha`` when y is not
    standardized (glmnet's ``alpha`` is ``l1_ratio`` here; ``type.measure="mse"``).
    ``mse_path_`` is always the mean squared error of the lasso / elastic-net fits,
    whatever ``scoring`` and ``relax`` are.
""" + CV_NOTES

_LINEAR_ATTRS = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients of the selected model (dtype of X).
    intercept_ : float
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratios, n_alphas, n_folds)
        Mean squared error of every fold at every alpha, in scikit-learn's layout (3-D
        when ``l1_ratio`` has several values).
""" + CV_ATTRS.replace("\n    Attributes\n    ----------", "")

_SCORING = """
    scoring : {"mse", "mae", "deviance"}, default="mse"
        Test error: mean squared error, mean absolute error, or the Gaussian deviance
        (= the mean squared error, glmnet's ``type.measure``).
"""


class LassoCV(_QuadraticCV):
    __doc__ = """Lasso with alpha chosen by cross-validation.

    For each alpha of the grid, the model minimizes (as :class:`penalized.Lasso`)::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2 + alpha * sum_j pf_j * |w_j|

    subject to ``lower_bounds <= w <= upper_bounds``, with ``s`` the sample weights (ones
    by default), ``S = sum(s)`` and ``pf`` the penalty factors (times ``sd_j`` with
    ``standardize=True``).

    Parameters
    ----------""" + CV_PARAMS.replace("{tol}", TOL_LS) + SKLEARN_CD + _SCORING + \
        _LINEAR_ATTRS + _LINEAR_NOTES + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import LassoCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = LassoCV(alphas=30, cv=5, alpha_rule="1se").fit(X, y)
    >>> model.cv_scores_.shape, model.alpha_ == model.alpha_1se_ >= model.alpha_min_
    ((30, 5), True)
    >>> bool(model.score(X, y) > 0.45)  # the simpler 1-SE model
    True
    """

    def __init__(self, *, eps=1e-3, alphas=100, fit_intercept=True, precompute="auto",
                 max_iter=1000, tol=1e-7, copy_X=True, cv=None, verbose=False, n_jobs=None,
                 positive=False, random_state=None, selection="cyclic", alpha_rule="min",
                 scoring="mse", relax=False, gammas=DEFAULT_GAMMAS, standardize=False,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.alpha_rule = alpha_rule
        self.scoring = scoring
        self.relax = relax
        self.gammas = gammas
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def _l1_ratios(self):
        return np.array([1.0])


class ElasticNetCV(_QuadraticCV):
    __doc__ = """Elastic net with alpha (and l1_ratio) chosen by cross-validation.

    For each alpha of the grid and each l1_ratio, the model minimizes (as
    :class:`penalized.ElasticNet`)::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2
          + alpha * sum_j pf_j * (l1_ratio * |w_j| + (1 - l1_ratio)/2 * w_j^2)

    subject to ``lower_bounds <= w <= upper_bounds``, with ``s`` the sample weights (ones
    by default), ``S = sum(s)`` and ``pf`` the penalty factors (times ``sd_j``, and
    ``sd_j**2`` in the L2 part, with ``standardize=True``).

    Parameters
    ----------
    l1_ratio : float or array-like, default=0.5
        Mix of L1 (1.0) and L2 (0.0), or a grid of mixes: each has its own alpha grid
        (``alpha_max`` scales as ``1 / l1_ratio``) and the pair with the smallest mean
        error wins (the first l1_ratio on ties, as scikit-learn); ``alpha_1se_`` is then
        computed on the winning l1_ratio's curve. ``relax=True`` needs ``l1_ratio=1``.
""" + CV_PARAMS.replace("{tol}", TOL_LS) + SKLEARN_CD + _SCORING + _LINEAR_ATTRS + \
        _LINEAR_NOTES + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from penalized import ElasticNetCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = ElasticNetCV(l1_ratio=[0.5, 0.9, 1.0], alphas=20, cv=5).fit(X, y)
    >>> model.mse_path_.shape, model.alphas_.shape
    ((3, 20, 5), (3, 20))
    >>> model.l1_ratio_ in (0.5, 0.9, 1.0)
    True
    """

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, alphas=100, fit_intercept=True,
                 precompute="auto", max_iter=1000, tol=1e-7, cv=None, copy_X=True, verbose=0,
                 n_jobs=None, positive=False, random_state=None, selection="cyclic",
                 alpha_rule="min", scoring="mse", relax=False, gammas=DEFAULT_GAMMAS,
                 standardize=False, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.alpha_rule = alpha_rule
        self.scoring = scoring
        self.relax = relax
        self.gammas = gammas
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
