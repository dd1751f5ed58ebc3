"""What the estimators of the penalties beyond the elastic net share: a squared-loss
regressor built from a penalty specification (the GLM estimators' ``penalty`` objects are
read by :mod:`penalized.estimators._base`, which a plain lasso loads anyway)."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from .._validation import check_sample_weight
from ..datafits import Quadratic
from ._base import (
    check_fit_params,
    check_offset,
    decision,
    fit_problem,
    store_certificate,
    validate_fit_data,
    warm_coef,
)

__all__ = ["SpecRegressor"]

CERTIFICATE_ATTRS = """
    stop_crit_ : float
        Nonconvex penalties: the critical-point criterion ``sum_j kkt_j^2 / (2 L_j)`` at
        the returned coefficients (``kkt_j`` the distance of minus the gradient to the
        penalty's subdifferential, ``L_j`` the loss's curvature along feature j): the
        decrease that exact coordinate steps could still make, to first order, summed
        over the coordinates as a duality gap is.
"""

NONCONVEX_NOTES = """
    There is no duality gap for a nonconvex problem: the fit stops when the critical-point
    criterion ``stop_crit_`` is at most ``tol * sum_i s_i (y_i - ybar)^2 / S`` (the
    lasso's scale of the gap), and raises a ``ConvergenceWarning`` naming the criterion
    and tol when ``max_iter`` epochs end it first. The coefficients are a critical point
    (a local minimum in practice), the one coordinate descent reaches from the start
    (zero, or the previous solution with ``warm_start``; along a path, the previous
    alpha's solution, as ncvreg).
"""


class SpecRegressor(RegressorMixin, BaseEstimator):
    """A squared-loss regressor whose penalty is ``self._penalty(alpha)`` (a
    specification of :mod:`penalized.penalties`)."""

    def _penalty(self, alpha):
        raise NotImplementedError

    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. F-ordered float64/float32 arrays are used without a copy;
            sparse matrices are converted to CSC and never densified.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights ``s_i`` in the objective.
        offset : array-like of shape (n_samples,), default=None
            Known part of the prediction (a fixed coefficient of 1): the model is fitted
            to ``y - offset``. None means 0.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        prm = check_fit_params(self)
        X, y = validate_fit_data(self, X, y)
        y = np.asarray(y, dtype=np.float64)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        off = check_offset(offset, X.shape[0])
        if off is not None:
            y = y - off  # the squared loss depends on y - eta only
        penalty = self._penalty(prm.alpha, X, y, sample_weight, prm)
        res = fit_problem(X, y, Quadratic(), penalty, prm, sample_weight=sample_weight,
                          coef_init=warm_coef(self, prm, (X.shape[1],)))
        self.coef_ = res.coef.astype(X.dtype, copy=False)
        self.intercept_ = float(res.intercept)
        store_certificate(self, res)
        self.n_iter_ = int(res.n_iter)
        return self

    def predict(self, X, offset=None):
        """Predict ``X @ coef_ + intercept_ + offset``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        offset : array-like of shape (n_samples,), default=None
            Known part of the prediction (a fixed coefficient of 1). None means 0.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return decision(self, X, offset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
