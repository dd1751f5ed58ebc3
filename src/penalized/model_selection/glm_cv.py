"""Cross-validated GLM regressors: PoissonRegressorCV (LogisticRegressionCV is in
:mod:`.logistic_cv`)."""

import numpy as np

from .._validation import num_rows
from ..datafits import Poisson
from ..estimators._base import check_offset
from .linear_cv import CV_ATTRS, CV_NOTES, CV_PARAMS, DEFAULT_GAMMAS, TOL_GLM, _RegressorCV

__all__ = ["PoissonRegressorCV"]


_DEPRECATED_SELECTION = """    selection : {"min", "1se"}, default="deprecated"
        Deprecated name of ``alpha_rule`` (FutureWarning).
"""


class PoissonRegressorCV(_RegressorCV):
    __doc__ = """Poisson regression (log link) with alpha chosen by cross-validation.

    For each alpha of the grid the model minimizes (as
    :class:`penalized.PoissonRegressor`)::

        1/S * sum_i s_i (exp(eta_i) - y_i eta_i)
          + alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),
        eta_i = x_i.w + b,  lower_j <= w_j <= upper_j,

    half the mean Poisson deviance plus the penalty (scikit-learn's
    ``PoissonRegressor(alpha)`` for ``l1_ratio=0``; glmnet's ``family="poisson"`` with
    ``lambda = alpha``).

    Parameters
    ----------
    l1_ratio : float or array-like, default=0.0
        Mix of L1 (1.0) and L2 (0.0), as :class:`penalized.PoissonRegressor`, or a grid
        of mixes; the pair (l1_ratio, alpha) with the smallest mean error wins. Pass
        ``1.0`` for the lasso (glmnet's default); ``relax=True`` needs it.
    scoring : {"deviance", "mse", "mae"}, default="deviance"
        Test error: the mean Poisson deviance ``2 (y log(y / mu) - y + mu)``, or the mean
        squared / absolute error of the mean ``mu = exp(eta)``.
""" + CV_PARAMS.replace("{tol}", TOL_GLM) + _DEPRECATED_SELECTION + """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
""" + CV_ATTRS + """
    Notes
    -----
""" + CV_NOTES + """
    Examples
    --------
    >>> import numpy as np
    >>> from penalized import PoissonRegressorCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = rng.poisson(np.exp(0.5 * X[:, 0]))
    >>> model = PoissonRegressorCV(l1_ratio=1.0, alphas=20, cv=3).fit(X, y)
    >>> bool(model.coef_[0] > 0.3), model.predict(X[:3]).shape
    (True, (3,))
    """

    def __init__(self, *, l1_ratio=0.0, alphas=100, eps=1e-3, cv=5, scoring="deviance",
                 alpha_rule="min", relax=False, gammas=DEFAULT_GAMMAS, standardize=False,
                 fit_intercept=True, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, tol=1e-4, max_iter=1000, n_jobs=None,
                 verbose=0, selection="deprecated"):
        self.l1_ratio = l1_ratio
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.alpha_rule = alpha_rule
        self.selection = selection
        self.relax = relax
        self.gammas = gammas
        self.standardize = standardize
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _target(self, y, sample_weight):
        y = Poisson().check_target(y)
        return y, y, Poisson(), sample_weight

    @staticmethod
    def _link(eta):
        return np.exp(eta)

    def fit(self, X, y, sample_weight=None, *, foldid=None, offset=None, exposure=None,
            **params):
        """Cross-validate the path, select alpha and refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        foldid : array-like of shape (n_samples,), default=None
            Fold label of each sample (glmnet's ``foldid``); overrides ``cv``.
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor, split by fold like X.
        exposure : array-like of shape (n_samples,), default=None
            Positive exposures: ``log(exposure)`` is added to the offset.
        **params : dict
            ``groups``: group labels passed to the splitter's ``split`` (e.g.
            ``GroupKFold``). Under metadata routing, whatever the splitter requests.

        Returns
        -------
        self : object
        """
        offset = check_offset(offset, num_rows(X), exposure)
        return super().fit(X, y, sample_weight, foldid=foldid, offset=offset, **params)

    def predict(self, X, alpha=None, gamma=None, offset=None, exposure=None):
        """Predicted mean ``exp(eta)`` with the selected model or at ``alpha``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        alpha : float, default=None
            Any alpha >= 0; coefficients interpolated along the path.
        gamma : float, default=None
            Relaxation in [0, 1] (``relax=True`` only).
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor of the rows of X.
        exposure : array-like of shape (n_samples,), default=None
            Positive exposures of the rows of X (their log is added to the offset).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return np.exp(self._decision(X, alpha, gamma,
                                     check_offset(offset, num_rows(X), exposure)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags
