"""Squared-loss regression with the nonconvex MCP and SCAD penalties."""

from ..penalties.mcp import MCP
from ..penalties.scad import SCAD
from ._base import PARAMS_PENALTY
from ._spec_base import CERTIFICATE_ATTRS, NONCONVEX_NOTES, SpecRegressor

__all__ = ["MCPRegression", "SCADRegression"]

PARAMS_SOLVER_KKT = """
    tol : float, default=1e-4
        Tolerance on the critical-point criterion ``stop_crit_``, relative to the scale
        given in Notes.
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs (over all working sets).
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    verbose : int, default=0
        Print the criterion after each outer iteration when > 0.
"""

ATTRS = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients, in the dtype of X.
    intercept_ : float
        Intercept (0.0 when ``fit_intercept=False``).""" + CERTIFICATE_ATTRS + """\
    n_iter_ : int
        Number of coordinate-descent epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.
"""

_SOLVER = """
    Notes
    -----
    Solver: coordinate descent whose coordinate update is the exact minimizer of the
    one-dimensional problem (closed form; the global one even where that problem is not
    convex), on working sets with Anderson extrapolation, as ncvreg and skglm.
    ``penalty_factor`` multiplies the level ``alpha`` of each feature's penalty (ncvreg's
    ``penalty.factor``); with ``standardize=True`` the penalty applies to
    ``sd_j |w_j|``, the coefficient of the standardized feature.
""" + NONCONVEX_NOTES


class _ConcaveRegression(SpecRegressor):
    _spec = None
    _shape = "gamma"

    def _penalty(self, alpha, X, y, sample_weight, prm):
        return self._spec(getattr(self, self._shape), alpha=alpha,
                          penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
                          upper_bounds=self.upper_bounds, positive=self.positive)


class MCPRegression(_ConcaveRegression):
    __doc__ = """Linear regression with the minimax concave penalty (MCP).

    Minimizes::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2 + sum_j MCP(|w_j|; alpha pf_j, gamma),
        MCP(t; lam, gamma) = lam t - t^2 / (2 gamma)  for t <= gamma lam,
                             gamma lam^2 / 2           beyond,

    subject to ``lower_bounds <= w <= upper_bounds``, with ``s`` the sample weights (ones
    by default), ``S = sum(s)`` and ``pf`` the penalty factors. The lasso near zero, no
    shrinkage above ``gamma alpha``: nearly unbiased large coefficients and fewer false
    positives on correlated designs. With default options this is skglm's
    ``MCPRegression`` and ncvreg's ``ncvreg(penalty="MCP")`` (``lambda = alpha``).

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty level (>= 0).
    gamma : float, default=3.0
        Concavity (> 1). The problem is convex when ``gamma`` times the smallest
        eigenvalue of the (weighted, centered) ``X'X / S`` is above 1.
""" + PARAMS_PENALTY + PARAMS_SOLVER_KKT + ATTRS + _SOLVER + """
    Examples
    --------
    >>> import numpy as np
    >>> from penalized import MCPRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 10))
    >>> y = X @ np.r_[3.0, -2.0, np.zeros(8)] + 0.1 * rng.standard_normal(100)
    >>> model = MCPRegression(alpha=0.3).fit(X, y)
    >>> np.flatnonzero(model.coef_), np.round(model.coef_[:2], 1)
    (array([0, 1]), array([ 3., -2.]))
    """

    _spec = MCP

    def __init__(self, alpha=1.0, *, gamma=3.0, fit_intercept=True, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, positive=False, standardize=False,
                 tol=1e-4, max_iter=1000, warm_start=False, verbose=0):
        self.alpha = alpha
        self.gamma = gamma
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


class SCADRegression(_ConcaveRegression):
    __doc__ = """Linear regression with the smoothly clipped absolute deviation penalty (SCAD).

    Minimizes::

        1/(2 S) * sum_i s_i (y_i - x_i.w - b)^2 + sum_j SCAD(|w_j|; alpha pf_j, gamma),
        SCAD(t; lam, gamma) = lam t                                    for t <= lam,
                              (2 gamma lam t - t^2 - lam^2) / (2 (gamma - 1))
                                                                       for t <= gamma lam,
                              lam^2 (gamma + 1) / 2                    beyond,

    subject to ``lower_bounds <= w <= upper_bounds``, with ``s`` the sample weights,
    ``S = sum(s)`` and ``pf`` the penalty factors. ncvreg's ``penalty="SCAD"``
    (``lambda = alpha``).

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty level (>= 0).
    gamma : float, default=3.7
        Concavity (> 2); 3.7 is Fan and Li's choice.
""" + PARAMS_PENALTY + PARAMS_SOLVER_KKT + ATTRS + _SOLVER + """
    Examples
    --------
    >>> import numpy as np
    >>> from penalized import SCADRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 10))
    >>> y = X @ np.r_[3.0, -2.0, np.zeros(8)] + 0.1 * rng.standard_normal(100)
    >>> model = SCADRegression(alpha=0.3).fit(X, y)
    >>> np.flatnonzero(model.coef_), np.round(model.coef_[:2], 1)
    (array([0, 1]), array([ 3., -2.]))
    """

    _spec = SCAD

    def __init__(self, alpha=1.0, *, gamma=3.7, fit_intercept=True, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None, positive=False, standardize=False,
                 tol=1e-4, max_iter=1000, warm_start=False, verbose=0):
        self.alpha = alpha
        self.gamma = gamma
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
