"""The separable elastic-net penalty with per-feature factors and box constraints.

One class covers L1, L2, elastic net, adaptive (weighted) lasso, unpenalized features
(factor 0), ``positive=True`` and general bounds::

    alpha * sum_j pf_j * ( l1_ratio * |w_j| + (1 - l1_ratio) / 2 * w_j^2 ),
    lower_j <= w_j <= upper_j   (lower_j <= 0 <= upper_j).

Solvers only see the per-feature arrays (:class:`~penalized.penalties.PenaltyArrays`)
``a = alpha * pf * l1_ratio`` (L1 weights), ``b = alpha * pf * (1 - l1_ratio)`` (L2
weights), ``lo`` and ``up``.
"""

from .._validation import check_bounds, check_penalty_factor, check_scalar
from .separable import PenaltyArrays

__all__ = ["ElasticNet", "L1", "L2"]


class ElasticNet:
    """Elastic-net penalty with per-feature factors and bounds.

    ``alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2)`` subject to
    ``lower_bounds <= w <= upper_bounds``.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall strength (>= 0).
    l1_ratio : float, default=1.0
        Mix between L1 (1.0) and L2 (0.0).
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature; 0 leaves a feature unpenalized. Used as
        given (glmnet rescales its factors to sum to n_features; this does not).
    lower_bounds, upper_bounds : float or array-like, default=None
        Box constraints with ``lower <= 0 <= upper``; None means unbounded.
    positive : bool, default=False
        Shortcut for ``lower_bounds=0``.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.penalties import ElasticNet
    >>> pen = ElasticNet(alpha=0.5, l1_ratio=0.5)
    >>> arr = pen.arrays(3)
    >>> arr.a, arr.b
    (array([0.25, 0.25, 0.25]), array([0.25, 0.25, 0.25]))
    """

    def __init__(self, alpha=1.0, l1_ratio=1.0, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive=False):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive

    def __repr__(self):
        return f"{type(self).__name__}(alpha={self.alpha!r}, l1_ratio={self.l1_ratio!r})"

    def arrays(self, n_features):
        """Validate the parameters and return :class:`PenaltyArrays`."""
        a, b = mixed_weights(self, n_features)
        lo, up = check_bounds(self.lower_bounds, self.upper_bounds, n_features, self.positive)
        return PenaltyArrays(a=a, b=b, lo=lo, up=up)


def mixed_weights(spec, n_features):
    """The weights of the two parts of an elastic-net mix, ``alpha l1_ratio pf`` (the
    norms) and ``alpha (1 - l1_ratio) pf`` (their squares), from the validated ``alpha``,
    ``l1_ratio`` and ``penalty_factor`` of ``spec`` (:class:`ElasticNet`,
    :class:`~penalized.penalties.L21`)."""
    alpha = check_scalar(spec.alpha, "alpha", low=0.0)
    l1_ratio = check_scalar(spec.l1_ratio, "l1_ratio", low=0.0, high=1.0)
    pf = check_penalty_factor(spec.penalty_factor, n_features)
    return alpha * l1_ratio * pf, alpha * (1.0 - l1_ratio) * pf


def L1(alpha=1.0, **kwargs):
    """Lasso penalty ``alpha * sum_j pf_j |w_j|`` (an :class:`ElasticNet` with l1_ratio=1).

    Examples
    --------
    >>> from penalized.penalties import L1
    >>> L1(0.1).arrays(2).a
    array([0.1, 0.1])
    """
    return ElasticNet(alpha, 1.0, **kwargs)


def L2(alpha=1.0, **kwargs):
    """Ridge penalty ``alpha/2 * sum_j pf_j w_j^2`` (an :class:`ElasticNet` with l1_ratio=0).

    Examples
    --------
    >>> from penalized.penalties import L2
    >>> L2(0.1).arrays(2).b
    array([0.1, 0.1])
    """
    return ElasticNet(alpha, 0.0, **kwargs)
