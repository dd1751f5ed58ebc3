"""Cross-validated GLM estimators: LogisticRegressionCV and PoissonRegressorCV."""

import numpy as np
from scipy.special import expit, log_softmax
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from .._validation import check_bool, check_sample_weight, num_rows
from ..datafits import Logistic, Multinomial, Poisson
from ..estimators._base import check_offset
from ._cv import BaseCV, _check_choice, _check_grid
from .linear_cv import CV_ATTRS, CV_NOTES, CV_PARAMS, DEFAULT_GAMMAS, TOL_GLM, _RegressorCV

__all__ = ["LogisticRegressionCV", "PoissonRegressorCV"]

_PENALTIES = {"l1": 1.0, "l2": 0.0}


_DEPRECATED_SELECTION = """    selection : {"min", "1se"}, default="deprecated"
        Deprecated name of ``alpha_rule`` (FutureWarning).
"""


class LogisticRegressionCV(ClassifierMixin, BaseCV):
    __doc__ = """Logistic regression with alpha chosen by cross-validation.

    For each alpha of the grid the model minimizes (as
    :class:`penalized.LogisticRegression`), for two classes::

        1/S * sum_i s_i (log(1 + exp(eta_i)) - y_i eta_i) + alpha * P(w),
        eta_i = x_i.w + b,  y_i in {0, 1} (1 = ``classes_[1]``)

    and for K > 2 classes (multinomial, one coefficient vector per class)::

        1/S * sum_i s_i (logsumexp_k(eta_ik) - eta_i,y_i) + alpha * sum_k P(w_k)

    with ``P(w) = sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)``, ``s`` the sample
    weights times the class weights, ``S = sum(s)``, subject to the bounds.

    Parameters
    ----------
    penalty : {"l1", "l2", "elasticnet"}, default="l2"
        Which penalty; ``"elasticnet"`` uses ``l1_ratio``.
    l1_ratio : float or array-like, default=0.5
        Mix of L1 (1.0) and L2 (0.0), or a grid of mixes (``penalty="elasticnet"``
        only); the pair (l1_ratio, alpha) with the smallest mean error wins.
    scoring : {"deviance", "mse", "mae", "accuracy", "auc"}, default="deviance"
        Test error (glmnet's ``type.measure``): the deviance ``-2 log p(y_i)``; ``"mse"``
        and ``"mae"`` sum ``(1[y_i = k] - p_ik)^2`` and ``|1[y_i = k] - p_ik|`` over the
        classes (as glmnet; twice the Brier score for two classes); ``"accuracy"`` stores
        the misclassification rate ``1 - accuracy``; ``"auc"`` (two classes) stores
        ``1 - AUC``.
    class_weight : dict or "balanced", default=None
        Multiplied into the training weights ("balanced" is computed once on all the
        data, with the sample weights); test errors use the sample weights only.
    grouped : bool, default=False
        Multiclass only: one group per feature across the classes (see
        :class:`penalized.LogisticRegression`).
""" + CV_PARAMS.replace("{tol}", TOL_GLM) + _DEPRECATED_SELECTION + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
""" + CV_ATTRS + """
    Notes
    -----
    Mapping to scikit-learn: its ``C`` multiplies the *sum* of the losses of the
    training samples, so ``C = 1 / (n_train * alpha)`` on a fold of ``n_train`` samples
    (``1 / (n_samples * alpha)`` for the final refit); the two cross-validations agree
    exactly when every training fold has the same size. glmnet's
    ``cv.glmnet(family="binomial" or "multinomial")`` has ``lambda = alpha``. Folds are
    stratified when ``cv`` is an int (scikit-learn's convention; glmnet draws them at
    random); every training fold must contain every class.
""" + CV_NOTES + """
    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from penalized import LogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegressionCV(penalty="l1", alphas=20, cv=3).fit(X, y)
    >>> clf.cv_mean_.shape, bool(clf.score(X, y) > 0.95)
    ((20,), True)
    >>> clf.predict_proba(X[:2], alpha=clf.alphas_[5]).shape
    (2, 2)
    """

    def __init__(self, penalty="l2", *, l1_ratio=0.5, alphas=100, eps=1e-3, cv=5,
                 scoring="deviance", alpha_rule="min", relax=False, gammas=DEFAULT_GAMMAS,
                 standardize=False, class_weight=None, grouped=False, fit_intercept=True,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                 tol=1e-4, max_iter=1000, n_jobs=None, verbose=0, selection="deprecated"):
        self.penalty = penalty
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
        self.class_weight = class_weight
        self.grouped = grouped
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _l1_ratios(self):
        _check_choice(self.penalty, "penalty", {"l1", "l2", "elasticnet"})
        if self.penalty == "elasticnet":
            return _check_grid(self.l1_ratio, "l1_ratio", high=1.0)
        return np.array([_PENALTIES[self.penalty]])

    def _target(self, y, sample_weight):
        check_classification_targets(y)
        enc = LabelEncoder()
        yk = enc.fit_transform(y)
        self.classes_ = enc.classes_
        K = self.classes_.size
        if K < 2:
            raise ValueError(
                f"LogisticRegressionCV needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {self.classes_[0]!r}."
            )
        sw = sample_weight
        if self.class_weight is not None:
            cw = compute_class_weight(self.class_weight, classes=np.arange(K), y=yk,
                                      sample_weight=sample_weight)
            sw = cw[yk] if sw is None else sw * cw[yk]
            sw = check_sample_weight(sw, yk.size)
        if K == 2:
            y01 = yk.astype(np.float64)
            return y01, y01, Logistic(), sw
        onehot = np.eye(K)[yk]
        return onehot, onehot, Multinomial(check_bool(self.grouped, "grouped")), sw

    def _set_coef(self, coef, intercept, dtype):
        coef = np.asarray(coef)
        self.coef_ = np.ascontiguousarray(coef[None, :] if coef.ndim == 1 else coef.T)
        self.coef_ = self.coef_.astype(dtype, copy=False)
        self.intercept_ = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
        self.intercept_ = self.intercept_.astype(dtype, copy=False)

    def decision_function(self, X, alpha=None, gamma=None, offset=None):
        """Linear predictor: shape (n_samples,) for 2 classes, else (n_samples, K).

        ``alpha`` and ``gamma`` evaluate the path as in :meth:`predict`; ``offset`` (two
        classes) is added.
        """
        return self._decision(X, alpha, gamma, offset)

    def predict_log_proba(self, X, alpha=None, gamma=None, offset=None):
        """Log class probabilities, shape (n_samples, n_classes)."""
        d = self.decision_function(X, alpha, gamma, offset)
        if d.ndim == 1:
            return np.column_stack([-np.logaddexp(0, d), -np.logaddexp(0, -d)])
        return log_softmax(d, axis=1)

    def predict_proba(self, X, alpha=None, gamma=None, offset=None):
        """Class probabilities, shape (n_samples, n_classes)."""
        d = self.decision_function(X, alpha, gamma, offset)
        if d.ndim == 1:
            p1 = expit(d)
            return np.column_stack([1.0 - p1, p1])
        return np.exp(log_softmax(d, axis=1))

    def predict(self, X, alpha=None, gamma=None, offset=None):
        """Most probable class, with the selected model or at ``alpha`` (and ``gamma``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        alpha : float, default=None
            Any alpha >= 0; coefficients interpolated along the path (see Notes).
        gamma : float, default=None
            Relaxation in [0, 1] (``relax=True`` only).
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (two classes), as in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        d = self.decision_function(X, alpha, gamma, offset)
        idx = (d > 0).astype(int) if d.ndim == 1 else np.argmax(d, axis=1)
        return self.classes_[idx]


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
