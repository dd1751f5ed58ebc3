"""Squared-loss regression with the group and sparse-group lasso."""

from ..penalties.group import GroupLasso as GroupLassoPenalty
from ..penalties.group import SparseGroupLasso as SparseGroupLassoPenalty
from ._base import PARAMS_SOLVER
from ._spec_base import SpecRegressor

__all__ = ["GroupLasso", "SparseGroupLasso"]

_GROUPS = """
    groups : int, array-like of labels, or list of index arrays
        The groups: a group size (contiguous groups; the last one is smaller when the
        size does not divide n_features), one label per feature, or a list of arrays of
        feature indices that partitions the features (every feature in exactly one
        group, else a ``ValueError`` naming ``groups``).
    alpha : float, default=1.0
        Penalty strength (>= 0).
"""

_WEIGHTS = """
    weights : array-like of shape (n_groups,), default=None
        Non-negative weight of each group's norm (groups ordered by sorted label, or as
        listed); None means ``sqrt(group size)`` (grpreg's default). 0 leaves a group
        unpenalized.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b`` (X is centered implicitly).
"""

_POSITIVE = """
    positive : bool, default=False
        Force the coefficients to be non-negative (the only bound group penalties take:
        a group norm with a box has no closed-form block update).
"""

_ATTRS = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients, in the dtype of X; whole groups are exactly zero.
    intercept_ : float
    dual_gap_ : float
        Duality gap at the returned solution.
    n_iter_ : int
        Number of block coordinate-descent epochs run.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string column names.
"""

_NOTES = """
    Notes
    -----
    Solver: block coordinate descent on group working sets (each group takes a proximal
    gradient step of length ``1 / L_g``, ``L_g`` the largest eigenvalue of its Gram
    matrix: exact for groups of one), with Anderson extrapolation. The fit stops when the
    duality gap (the dual point the residual, scaled into every group's dual-norm ball) is
    at most ``tol * sum_i s_i (y_i - ybar)^2 / S`` or at the rounding level of the
    objective; a ``ConvergenceWarning`` naming the gap and tol is raised when
    ``max_iter`` epochs end the fit first. ``standardize`` is not offered: a group norm of
    standardized coefficients is not a group norm; standardize (or orthonormalize, as
    grpreg) the groups beforehand.
"""


class GroupLasso(SpecRegressor):
    __doc__ = """Linear regression with a group lasso penalty: whole groups are zero or not.

    Minimizes::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2 + alpha * sum_g wg_g ||w_g||_2

    (``w >= 0`` with ``positive=True``), with ``s`` the sample weights (ones by default),
    ``S = sum(s)``, ``w_g`` the coefficients of group g and ``wg_g`` its weight. skglm's
    ``GroupLasso(groups, alpha, weights)`` minimizes the same objective (its default
    weights are 1); grpreg's ``grpreg(penalty="grLasso")`` with ``lambda = alpha``.

    Parameters
    ----------""" + _GROUPS + _WEIGHTS + _POSITIVE + PARAMS_SOLVER + _ATTRS + _NOTES + """
    Examples
    --------
    >>> import numpy as np
    >>> from penalized import GroupLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 9))
    >>> y = X[:, :3] @ [1.0, -1.0, 2.0] + 0.1 * rng.standard_normal(100)
    >>> model = GroupLasso(groups=3, alpha=0.1).fit(X, y)
    >>> np.flatnonzero(model.coef_)
    array([0, 1, 2])
    """

    standardize = False  # not offered (see Notes)

    def __init__(self, groups, alpha=1.0, *, weights=None, fit_intercept=True, positive=False,
                 tol=1e-4, max_iter=1000, warm_start=False, verbose=0):
        self.groups = groups
        self.alpha = alpha
        self.weights = weights
        self.fit_intercept = fit_intercept
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose

    def _penalty(self, alpha, X, y, sample_weight, prm):
        return GroupLassoPenalty(self.groups, self.weights, alpha=alpha, positive=self.positive)


class SparseGroupLasso(SpecRegressor):
    __doc__ = """Linear regression with a sparse-group lasso penalty: sparse groups, and
    sparse coefficients inside the selected groups.

    Minimizes::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2
          + alpha * (l1_ratio * sum_j pf_j |w_j| + (1 - l1_ratio) * sum_g wg_g ||w_g||_2)

    (``w >= 0`` with ``positive=True``), with ``s`` the sample weights, ``S = sum(s)``,
    ``pf`` the penalty factors of the L1 part and ``wg_g`` the group weights
    (Simon et al. 2013; skglm's ``SparseGroupL1`` penalty).

    Parameters
    ----------""" + _GROUPS + """
    l1_ratio : float, default=0.5
        Mix of the L1 part (1.0: the lasso) and the group part (0.0: the group lasso).
""" + _WEIGHTS + """
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature of the L1 part; None means ones.
""" + _POSITIVE + PARAMS_SOLVER + _ATTRS + _NOTES + """
    Examples
    --------
    >>> import numpy as np
    >>> from penalized import SparseGroupLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 9))
    >>> y = X[:, :2] @ [1.0, -2.0] + 0.1 * rng.standard_normal(100)
    >>> model = SparseGroupLasso(groups=3, alpha=0.1, l1_ratio=0.5).fit(X, y)
    >>> np.flatnonzero(model.coef_)
    array([0, 1])
    """

    standardize = False  # not offered (see Notes)

    def __init__(self, groups, alpha=1.0, *, l1_ratio=0.5, weights=None, fit_intercept=True,
                 penalty_factor=None, positive=False, tol=1e-4, max_iter=1000,
                 warm_start=False, verbose=0):
        self.groups = groups
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.weights = weights
        self.fit_intercept = fit_intercept
        self.penalty_factor = penalty_factor
        self.positive = positive
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose

    def _penalty(self, alpha, X, y, sample_weight, prm):
        return SparseGroupLassoPenalty(self.groups, self.l1_ratio, self.weights, alpha=alpha,
                                       penalty_factor=self.penalty_factor,
                                       positive=self.positive)
