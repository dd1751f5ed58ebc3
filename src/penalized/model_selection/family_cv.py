"""Cross-validated GLM families: GammaRegressorCV, TweedieRegressorCV, BinomialRegressorCV.

Each is the shared CV engine (:mod:`penalized.model_selection._cv`) with the datafit of its
single-alpha estimator; offsets are split by fold like X.
"""

import numpy as np
from scipy.special import expit

from ..datafits import Binomial, Gamma
from ..estimators.glm_families import (
    proportions,
    range_mean,
    range_proportions,
    range_table_check,
)
from .linear_cv import CV_ATTRS, CV_NOTES, CV_PARAMS, DEFAULT_GAMMAS, TOL_GLM, _RegressorCV

__all__ = ["BinomialRegressorCV", "GammaRegressorCV", "TweedieRegressorCV"]

# the family classes are new: their rule was never called ``selection``
_CV_PARAMS = CV_PARAMS.replace("{tol}", TOL_GLM).replace(
    """ (Formerly ``selection``, now
        scikit-learn's coordinate order; ``selection="min"`` / ``"1se"`` still work with
        a FutureWarning.)""", "")

_ATTRS = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
""" + CV_ATTRS

_L1 = """
    l1_ratio : float or array-like, default=0.0
        Mix of L1 (1.0) and L2 (0.0), or a grid of mixes; the pair (l1_ratio, alpha)
        with the smallest mean error wins. ``relax=True`` needs 1.0.
"""


class _FamilyCV(_RegressorCV):

    def __init__(self, *, l1_ratio=0.0, alphas=100, eps=1e-3, cv=5, scoring="deviance",
                 alpha_rule="min", relax=False, gammas=DEFAULT_GAMMAS, standardize=False,
                 fit_intercept=True, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, tol=1e-4, max_iter=1000, n_jobs=None,
                 verbose=0):
        self.l1_ratio = l1_ratio
        self.alphas = alphas
        self.eps = eps
        self.cv = cv
        self.scoring = scoring
        self.alpha_rule = alpha_rule
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

    def _datafit(self):
        raise NotImplementedError

    def _target(self, y, sample_weight):
        datafit = self._datafit()
        y = datafit.check_target(np.asarray(y, dtype=np.float64))
        return y, y, datafit, sample_weight


class GammaRegressorCV(_FamilyCV):
    __doc__ = """Gamma regression (log link) with alpha chosen by cross-validation.

    For each alpha of the grid the model minimizes (as
    :class:`penalized.GammaRegressor`)::

        1/S * sum_i s_i (y_i exp(-eta_i) + eta_i)
          + alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),
        eta_i = x_i.w + b + offset_i,  y_i > 0,

    half the mean Gamma deviance plus the penalty (glmnet's
    ``cv.glmnet(family=Gamma(link="log"))`` with ``lambda = alpha``).

    Parameters
    ----------""" + _L1 + """\
    scoring : {"deviance", "mse", "mae"}, default="deviance"
        Test error: the mean Gamma deviance ``2 (log(mu / y) + y / mu - 1)``, or the
        squared / absolute error of the mean ``mu = exp(eta)``.
""" + _CV_PARAMS + _ATTRS + """
    Notes
    -----
""" + CV_NOTES + """
    Examples
    --------
    >>> import numpy as np
    >>> from penalized.model_selection import GammaRegressorCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = rng.gamma(2.0, np.exp(0.5 * X[:, 0]) / 2.0)
    >>> model = GammaRegressorCV(l1_ratio=1.0, alphas=10, cv=3).fit(X, y)
    >>> bool(model.coef_[0] > 0.3), model.predict(X[:3]).shape
    (True, (3,))
    """

    def _datafit(self):
        return Gamma()

    @staticmethod
    def _link(eta):
        return np.exp(eta)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


class TweedieRegressorCV(_FamilyCV):
    __doc__ = """Tweedie regression with alpha chosen by cross-validation.

    For each alpha of the grid the model minimizes the objective of
    :class:`penalized.TweedieRegressor` (half the mean Tweedie deviance of power
    ``power`` plus the elastic-net penalty; log link, or identity for power 0).

    Parameters
    ----------
    power : float, default=0.0
        The Tweedie power (<= 0, or >= 1), as :class:`penalized.TweedieRegressor`.
    link : {"auto", "log", "identity"}, default="auto"
        Identity for power <= 0 with ``"auto"`` (fitted for power 0 only), log
        otherwise.""" + _L1 + """\
    scoring : {"deviance", "mse", "mae"}, default="deviance"
        Test error: the mean Tweedie deviance, or the squared / absolute error of the
        mean.
""" + _CV_PARAMS + _ATTRS + """
    Notes
    -----
    Non-convex powers (<= 0 with the log link, > 2) stop each fit on the critical-point
    criterion (see :class:`penalized.TweedieRegressor`).
""" + CV_NOTES + """
    Examples
    --------
    >>> import numpy as np
    >>> from penalized.model_selection import TweedieRegressorCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = rng.poisson(np.exp(0.5 * X[:, 0])) * rng.gamma(2.0, 0.5, 200)
    >>> model = TweedieRegressorCV(power=1.5, l1_ratio=1.0, alphas=10, cv=3).fit(X, y)
    >>> bool(model.coef_[0] > 0.2)
    True
    """

    def __init__(self, *, power=0.0, link="auto", l1_ratio=0.0, alphas=100, eps=1e-3, cv=5,
                 scoring="deviance", alpha_rule="min", relax=False, gammas=DEFAULT_GAMMAS,
                 standardize=False, fit_intercept=True, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, positive=False, tol=1e-4,
                 max_iter=1000, n_jobs=None, verbose=0):
        self.power = power
        self.link = link
        super().__init__(l1_ratio=l1_ratio, alphas=alphas, eps=eps, cv=cv, scoring=scoring,
                         alpha_rule=alpha_rule, relax=relax, gammas=gammas,
                         standardize=standardize, fit_intercept=fit_intercept,
                         penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                         upper_bounds=upper_bounds, positive=positive, tol=tol,
                         max_iter=max_iter, n_jobs=n_jobs, verbose=verbose)

    def _datafit(self):
        from ..estimators.glm_families import tweedie_datafit

        return tweedie_datafit(self.power, self.link)[0]

    def _link(self, eta):
        from ..estimators.glm_families import tweedie_datafit

        return eta if tweedie_datafit(self.power, self.link)[1] else np.exp(eta)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            tags.target_tags.positive_only = float(self.power) > 0 or self.link == "log"
        except (TypeError, ValueError):
            pass
        return tags


class BinomialRegressorCV(_FamilyCV):
    __doc__ = """Binomial regression of proportions with alpha chosen by cross-validation.

    For each alpha of the grid the model minimizes the objective of
    :class:`penalized.BinomialRegressor`: the mean logistic loss of the proportions
    ``y_i`` weighted by their trials, plus the elastic-net penalty (glmnet's
    ``cv.glmnet(family="binomial")`` with a two-column count y).

    Parameters
    ----------""" + _L1 + """\
    y_range : (float, float) or "data", default=(0.0, 1.0)
        The bounds of a 1-D y, as :class:`penalized.BinomialRegressor`: the proportion
        of row i is ``(y_i - low) / (high - low)``; ``"data"``: the smallest and largest
        training target with positive weight.
    scoring : {"deviance", "mse", "mae"}, default="deviance"
        Test error: the binomial deviance of the proportions, or the squared / absolute
        error of the probability (summed over both classes, as glmnet), weighted by
        the trials.
""" + _CV_PARAMS + _ATTRS + """\
    y_range_ : tuple of (float, float)
        The bounds of the targets' scale (see ``y_range``); ``predict`` returns means on
        it.

    Notes
    -----
    ``fit`` takes y as proportions (with the trials as ``sample_weight``; or targets on
    the scale of ``y_range``, whose test errors are on the proportions' scale) or as a
    two-column [successes, failures] count table; folds split rows (all of a row's
    trials go to the same fold).
""" + CV_NOTES + """
    Examples
    --------
    >>> import numpy as np
    >>> from penalized.model_selection import BinomialRegressorCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> trials = rng.integers(1, 10, 200)
    >>> succ = rng.binomial(trials, 1 / (1 + np.exp(-X[:, 0])))
    >>> model = BinomialRegressorCV(alphas=10, cv=3).fit(X, np.column_stack([succ, trials - succ]))
    >>> bool(model.coef_[0] > 0.5)
    True
    """

    def __init__(self, *, l1_ratio=0.0, y_range=(0.0, 1.0), alphas=100, eps=1e-3, cv=5,
                 scoring="deviance", alpha_rule="min", relax=False, gammas=DEFAULT_GAMMAS,
                 standardize=False, fit_intercept=True, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, positive=False, tol=1e-4,
                 max_iter=1000, n_jobs=None, verbose=0):
        self.y_range = y_range
        super().__init__(l1_ratio=l1_ratio, alphas=alphas, eps=eps, cv=cv, scoring=scoring,
                         alpha_rule=alpha_rule, relax=relax, gammas=gammas,
                         standardize=standardize, fit_intercept=fit_intercept,
                         penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                         upper_bounds=upper_bounds, positive=positive, tol=tol,
                         max_iter=max_iter, n_jobs=n_jobs, verbose=verbose)

    def _datafit(self):
        return Binomial()

    def _target(self, y, sample_weight):
        return super()._target(range_proportions(self, y, sample_weight), sample_weight)

    def fit(self, X, y, sample_weight=None, *, foldid=None, offset=None, **params):
        """Cross-validate the path, select alpha and refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, 2)
            Proportions in [0, 1] (or targets on the scale of ``y_range``), or
            [successes, failures] counts.
        sample_weight : array-like of shape (n_samples,), default=None
            Trials (for proportions), or weights multiplying the trials.
        foldid : array-like of shape (n_samples,), default=None
            Fold label of each sample (glmnet's ``foldid``); overrides ``cv``.
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor, split by fold like X.
        **params : dict
            ``groups``: group labels passed to the splitter's ``split`` (e.g.
            ``GroupKFold``). Under metadata routing, whatever the splitter requests.

        Returns
        -------
        self : object
        """
        range_table_check(self, y)
        y, sample_weight = proportions(y, sample_weight)
        return super().fit(X, y, sample_weight, foldid=foldid, offset=offset, **params)

    def _link(self, eta):
        return range_mean(self, expit(eta))
