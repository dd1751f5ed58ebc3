"""L1 / L2 / elastic-net logistic regression (binary and multinomial)."""

import numpy as np
from scipy.special import expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from .._validation import check_bool, check_sample_weight, check_scalar
from ..datafits import Logistic, Multinomial
from ._base import (
    PARAMS_PENALTY,
    PARAMS_SOLVER,
    build_penalty,
    check_fit_params,
    check_offset,
    decision,
    fit_problem,
    validate_fit_data,
    warm_coef,
)

__all__ = ["LogisticRegression"]

_PENALTIES = {"l1": 1.0, "l2": 0.0}


class LogisticRegression(ClassifierMixin, BaseEstimator):
    __doc__ = """Logistic regression with an L1, L2 or elastic-net penalty.

    Binary (K = 2)::

        1/S * sum_i s_i (log(1 + exp(eta_i)) - y_i eta_i) + alpha * P(w),
        eta_i = x_i.w + b,  y_i in {0, 1} (1 = ``classes_[1]``)

    Multiclass (K > 2, multinomial, one coefficient vector per class)::

        1/S * sum_i s_i (logsumexp_k(eta_ik) - eta_i,y_i) + alpha * sum_k P(w_k)

    with ``P(w) = sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)``, ``s`` the sample
    weights times the class weights and ``S = sum(s)``; intercepts are not penalized.

    Mapping: scikit-learn's ``LogisticRegression(C, l1_ratio)`` is ``alpha = 1 / (C * S)``
    (``S = n_samples`` without weights); glmnet's ``lambda`` equals ``alpha`` (glmnet's
    ``alpha`` is ``l1_ratio`` here; its multinomial is ``type.multinomial="ungrouped"``).

    Parameters
    ----------
    penalty : {"l1", "l2", "elasticnet"}, default="l2"
        Which penalty; ``"elasticnet"`` uses ``l1_ratio``.
    alpha : float, default=0.01
        Penalty strength (>= 0), on the scale of the mean loss.
    l1_ratio : float, default=0.5
        Mix of L1 (1.0) and L2 (0.0); used only with ``penalty="elasticnet"``.
    class_weight : dict or "balanced", default=None
        Weights per class, multiplied into the sample weights (scikit-learn semantics;
        "balanced" counts classes with the sample weights).
    grouped : bool, default=False
        Multiclass only: penalize each feature's K coefficients as one group
        (``alpha * pf_j * (l1_ratio ||W_j||_2 + (1 - l1_ratio)/2 ||W_j||^2)``), so a
        feature is kept for all classes or dropped for all (glmnet's
        ``type.multinomial="grouped"``); solved by FISTA with restarts. Bounds are not
        supported with ``grouped=True``.
""" + PARAMS_PENALTY + PARAMS_SOLVER + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
        For K > 2 the intercepts are centered (they sum to 0).
    dual_gap_ : float
    n_iter_ : int
        Coordinate-descent epochs over all prox-Newton steps.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Notes
    -----
    Solved by prox-Newton (IRLS; class by class for K > 2 as glmnet) with working-set
    coordinate descent on each weighted least-squares model and an Armijo line search.
    The fit stops when the duality gap is at most ``tol`` times the loss of the
    intercept-only model (e.g. ``log 2`` for balanced binary labels). On perfectly
    separable data with ``alpha`` near 0 the unpenalized maximum-likelihood coefficients
    are infinite: the fit stops at ``max_iter`` with finite, large coefficients and a
    ``ConvergenceWarning``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from penalized import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegression(penalty="l1", alpha=0.05).fit(X, y)
    >>> int((clf.coef_ != 0).sum()) < 30, clf.score(X, y) > 0.95
    (True, True)
    """

    def __init__(self, penalty="l2", *, alpha=0.01, l1_ratio=0.5, class_weight=None,
                 grouped=False, fit_intercept=True, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False, standardize=False, tol=1e-4, max_iter=1000,
                 warm_start=False, verbose=0):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.class_weight = class_weight
        self.grouped = grouped
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose

    def _l1_ratio(self):
        if self.penalty == "elasticnet":
            return check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0)
        if isinstance(self.penalty, str) and self.penalty in _PENALTIES:
            return _PENALTIES[self.penalty]
        raise ValueError(
            f"The 'penalty' parameter must be 'l1', 'l2' or 'elasticnet', got {self.penalty!r}."
        )

    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (ints, strings or bools).
        sample_weight : array-like of shape (n_samples,), default=None
        offset : array-like of shape (n_samples,), default=None
            Known part of the linear predictor (a fixed coefficient of 1). None means 0. Two
            classes only (the multinomial fit takes no offset).


        Returns
        -------
        self : object
        """
        prm = check_fit_params(self)
        l1_ratio = self._l1_ratio()
        X, y = validate_fit_data(self, X, y, y_numeric=False)
        check_classification_targets(y)
        enc = LabelEncoder()
        yk = enc.fit_transform(y)
        self.classes_ = enc.classes_
        K = self.classes_.size
        if K < 2:
            raise ValueError(
                f"LogisticRegression needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {self.classes_[0]!r}."
            )
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        if sample_weight is not None:
            present = np.unique(yk[sample_weight > 0])
            if present.size < 2:
                raise ValueError(
                    "LogisticRegression needs samples of at least 2 classes with positive "
                    f"sample_weight; only class {self.classes_[present[0]]!r} has any."
                )
        if self.class_weight is not None:
            # "balanced" counts classes with the sample weights, so that weighting a
            # sample by 2 is the same as repeating it
            cw = compute_class_weight(self.class_weight, classes=np.arange(K), y=yk,
                                      sample_weight=sample_weight)
            sample_weight = cw[yk] if sample_weight is None else sample_weight * cw[yk]
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
        penalty = build_penalty(self, prm.alpha, l1_ratio)
        p = X.shape[1]
        offset = check_offset(offset, X.shape[0])
        if offset is not None and K > 2:
            raise ValueError("offset is supported for two classes only (the multinomial "
                             "fit has one linear predictor per class).")
        if K == 2:
            init = warm_coef(self, prm, (1, p))
            res = fit_problem(X, yk.astype(np.float64), Logistic(), penalty, prm,
                              sample_weight=sample_weight,
                              coef_init=None if init is None else init[0], offset=offset)
            coef = res.coef[None, :]
            intercept = np.array([res.intercept])
        else:
            init = warm_coef(self, prm, (K, p))
            res = fit_problem(X, np.eye(K)[yk], Multinomial(check_bool(self.grouped, "grouped")),
                              penalty, prm, sample_weight=sample_weight,
                              coef_init=None if init is None else init.T)
            coef = res.coef.T
            intercept = np.asarray(res.intercept, dtype=np.float64)
        self.coef_ = np.ascontiguousarray(coef).astype(X.dtype, copy=False)
        self.intercept_ = intercept.astype(X.dtype, copy=False)
        self.dual_gap_ = float(res.dual_gap)
        self.n_iter_ = int(res.n_iter)
        return self

    def decision_function(self, X, offset=None):
        """Linear predictor: shape (n_samples,) for 2 classes, else (n_samples, K);
        ``offset`` (two classes) is added to it."""
        if offset is not None and self.classes_.size > 2:
            raise ValueError("offset is supported for two classes only.")
        d = decision(self, X, offset)
        return d[:, 0] if d.ndim == 2 and d.shape[1] == 1 else d

    def predict_log_proba(self, X, offset=None):
        """Log class probabilities, shape (n_samples, n_classes)."""
        d = self.decision_function(X, offset)
        if d.ndim == 1:
            return np.column_stack([-np.logaddexp(0, d), -np.logaddexp(0, -d)])
        return log_softmax(d, axis=1)

    def predict_proba(self, X, offset=None):
        """Class probabilities, shape (n_samples, n_classes)."""
        d = self.decision_function(X, offset)
        if d.ndim == 1:
            p1 = expit(d)
            return np.column_stack([1.0 - p1, p1])
        return np.exp(log_softmax(d, axis=1))

    def predict(self, X, offset=None):
        """Most probable class label."""
        d = self.decision_function(X, offset)
        idx = (d > 0).astype(int) if d.ndim == 1 else np.argmax(d, axis=1)
        return self.classes_[idx]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
