"""Multi-task (multi-response) regression: MultiTaskLasso and MultiTaskElasticNet, with
scikit-learn's parameters and meaning (plus penalized's options under names scikit-learn
does not use)."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import validate_data

from .._validation import check_finite_sparse, check_sample_weight, check_scalar
from ..datafits.multitask import MultiTaskQuadratic
from ..penalties.l21 import L21
from ._base import (
    check_copy_X,
    check_fit_params,
    check_no_overflow,
    check_target_overflow,
    decision,
    fit_problem,
    selection_seed,
    sparse_coef,
    warm_coef,
)

__all__ = ["MultiTaskElasticNet", "MultiTaskLasso"]

_PARAMS = """
    fit_intercept : bool, default=True
        Fit an unpenalized intercept per task (X is centered implicitly).
    copy_X : bool, default=True
        scikit-learn's; X is never modified here, so both values give the same fit.
    max_iter : int, default=1000
        Maximum number of block coordinate-descent epochs (over all working sets).
    tol : float, default=1e-4
        Tolerance on the duality gap, relative to the scale given in Notes.
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    random_state : int, RandomState instance or None, default=None
        Seed of the random row order with ``selection="random"``.
    selection : {"cyclic", "random"}, default="cyclic"
        Rows (features) visited in order, or in a random order drawn for each working set
        (scikit-learn's ``selection``).
    penalty_factor : array-like of shape (n_features,), default=None
        penalized's option: non-negative factor per feature (row of W); 0 leaves a
        feature unpenalized.
    standardize : bool, default=False
        penalized's option: penalize the rows of the standardized features' coefficients
        (glmnet's ``standardize``), reported on the original scale.
    verbose : int, default=0
        Print the gap after each working set when > 0.
"""

_ATTRS = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
        Coefficients (scikit-learn's layout), in the dtype of X; a feature's column is
        zero for every task or for none.
    sparse_coef_ : scipy.sparse.csr_matrix of shape (n_tasks, n_features)
        ``coef_`` as a sparse matrix.
    intercept_ : ndarray of shape (n_tasks,)
    dual_gap_ : float
        Duality gap at the returned solution, on the objective above (scikit-learn
        reports it on ``n_samples`` times its objective).
    n_iter_ : int
        Number of block coordinate-descent epochs run.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.
"""

_NOTES = """
    Notes
    -----
    Solver: block coordinate descent on the rows of ``W`` (each row's exact minimizer
    given the others, as scikit-learn) on working sets, with Anderson extrapolation. The
    fit stops when the duality gap is at most ``tol * sum_i s_i ||y_i - ybar||^2 / S``
    (scikit-learn's rule ``gap <= tol * ||Y||_F^2`` on its unscaled objective) or at the
    rounding level of the objective, and raises a ``ConvergenceWarning`` naming the gap
    and tol when ``max_iter`` epochs end it first. glmnet's ``family="mgaussian"`` with
    ``lambda = alpha`` (glmnet's ``alpha`` is ``l1_ratio`` here, ``standardize.response``
    FALSE). X is never modified (``copy_X`` changes nothing).
"""


class _MultiTask(RegressorMixin, BaseEstimator):
    _l1_ratio_fixed = None

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (F-ordered dense or CSC used without a copy).
        y : array-like of shape (n_samples, n_tasks)
            Targets, one column per task.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights ``s_i`` in the objective.

        Returns
        -------
        self : object
        """
        prm = check_fit_params(self)
        l1_ratio = (self._l1_ratio_fixed if self._l1_ratio_fixed is not None else
                    check_scalar(self.l1_ratio, "l1_ratio", low=0.0, high=1.0))
        check_copy_X(self)
        seed = selection_seed(self)
        X, y = validate_data(self, X, y, accept_sparse="csc", dtype=[np.float64, np.float32],
                             order="F", multi_output=True, y_numeric=True)
        check_finite_sparse(X)
        check_no_overflow(X)
        check_target_overflow(y)
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2:
            raise ValueError(f"For mono-task outputs, use {type(self).__name__[9:]} (y must be "
                             f"2-D of shape (n_samples, n_tasks), got shape {y.shape}).")
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        penalty = L21(prm.alpha, l1_ratio, self.penalty_factor)
        init = warm_coef(self, prm, (y.shape[1], X.shape[1]))
        res = fit_problem(X, y, MultiTaskQuadratic(), penalty, prm, sample_weight=sample_weight,
                          coef_init=None if init is None else init.T, seed=seed)
        self.coef_ = np.ascontiguousarray(res.coef.T).astype(X.dtype, copy=False)
        self.intercept_ = np.asarray(res.intercept, dtype=np.float64).astype(X.dtype,
                                                                            copy=False)
        self.dual_gap_ = float(res.dual_gap)
        self.n_iter_ = int(res.n_iter)
        return self

    @property
    def sparse_coef_(self):
        """``coef_`` as a CSR matrix."""
        return sparse_coef(self)

    def predict(self, X):
        """Predict ``X @ coef_.T + intercept_``, shape (n_samples, n_tasks)."""
        return decision(self, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


class MultiTaskLasso(_MultiTask):
    __doc__ = """Multi-task lasso: one sparsity pattern shared by every task.

    Minimizes::

        1/(2 S) * sum_i s_i ||y_i - W' x_i - b||_2^2 + alpha * sum_j pf_j ||W_j||_2

    with ``W`` (n_features, n_tasks) (``coef_`` is its transpose), ``W_j`` the
    coefficients of feature j in every task, ``s`` the sample weights (ones by default),
    ``S = sum(s)`` and ``pf`` the penalty factors. With default options this is exactly
    scikit-learn's ``MultiTaskLasso``: ``(1/(2n)) ||Y - XW||_Fro^2 + alpha ||W||_21``.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0).
""" + _PARAMS + _ATTRS + _NOTES + """
    Examples
    --------
    >>> import numpy as np
    >>> from penalized import MultiTaskLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 8))
    >>> Y = X[:, :2] @ [[1.0, 2.0, -1.0], [0.5, -1.0, 1.0]] + 0.1 * rng.standard_normal((100, 3))
    >>> model = MultiTaskLasso(alpha=0.1).fit(X, Y)
    >>> model.coef_.shape, np.flatnonzero(np.any(model.coef_ != 0, axis=0))
    ((3, 8), array([0, 1]))
    """

    _l1_ratio_fixed = 1.0

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True, max_iter=1000, tol=1e-4,
                 warm_start=False, random_state=None, selection="cyclic", penalty_factor=None,
                 standardize=False, verbose=0):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor
        self.standardize = standardize
        self.verbose = verbose


class MultiTaskElasticNet(_MultiTask):
    __doc__ = """Multi-task elastic net: the multi-task lasso plus a ridge on the rows.

    Minimizes::

        1/(2 S) * sum_i s_i ||y_i - W' x_i - b||_2^2
          + alpha * sum_j pf_j (l1_ratio ||W_j||_2 + (1 - l1_ratio)/2 ||W_j||_2^2)

    with ``W`` (n_features, n_tasks) (``coef_`` is its transpose), ``s`` the sample
    weights, ``S = sum(s)`` and ``pf`` the penalty factors. With default options this is
    exactly scikit-learn's ``MultiTaskElasticNet``: ``(1/(2n)) ||Y - XW||_Fro^2 + alpha
    l1_ratio ||W||_21 + 0.5 alpha (1 - l1_ratio) ||W||_Fro^2``.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength (>= 0).
    l1_ratio : float, default=0.5
        Mix of the row norms (1.0: the multi-task lasso) and their squares (0.0).
""" + _PARAMS + _ATTRS + _NOTES + """
    Examples
    --------
    >>> import numpy as np
    >>> from penalized import MultiTaskElasticNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 8))
    >>> Y = X[:, :2] @ [[1.0, 2.0], [0.5, -1.0]] + 0.1 * rng.standard_normal((100, 2))
    >>> model = MultiTaskElasticNet(alpha=0.1, l1_ratio=0.7).fit(X, Y)
    >>> model.predict(X[:3]).shape
    (3, 2)
    """

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, copy_X=True,
                 max_iter=1000, tol=1e-4, warm_start=False, random_state=None,
                 selection="cyclic", penalty_factor=None, standardize=False, verbose=0):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor
        self.standardize = standardize
        self.verbose = verbose
