"""Engine ``"nonconvex_cd"``: least squares with MCP or SCAD by coordinate descent.

Minimizes ``1/(2S) ||yc - Xc w||_s^2 + sum_j P(s_j |w_j|; lam_j)`` with the numba kernel
of :mod:`penalized.solvers.kernels.nonconvex` (closed-form coordinate updates on working
sets, Anderson extrapolation). There is no duality gap: the fit stops when the
critical-point criterion ``sum_j kkt_j^2 / (2 L_j)`` is at most ``tol`` times the weighted
variance of y (the scale of the lasso's gap), and warns naming it when ``max_iter`` epochs
end the fit first.
"""

import numpy as np

from .least_squares import centered_target
from .result import CRITERION_NAMES, SolveResult, warn_not_converged

__all__ = ["nonconvex_solve"]

_P0 = 10  # smallest working set


def start_point(design, pen, coef_init):
    """The starting coefficients: 0, or ``coef_init`` clipped to the bounds; constant
    columns at 0."""
    w = (np.zeros(design.p) if coef_init is None
         else np.clip(np.array(coef_init, dtype=np.float64), pen.lo, pen.up))
    w[design.sqnorms() == 0] = 0.0
    return w


def nonconvex_solve(design, y, pen, *, tol, max_iter, coef_init=None, verbose=0, warn=True):
    """Least squares plus a concave penalty with closed-form coordinate updates
    (:class:`~penalized.penalties.concave.ConcaveArrays` of MCP or SCAD); see the module
    docstring."""
    from .kernels.cd import ANDERSON_K
    from .kernels.nonconvex import NcvxConfig, ncvx_fit

    ybar, yc, scale = centered_target(design, y)
    tol_abs = tol * scale
    w = start_point(design, pen, coef_init)
    r = np.empty(design.n)
    out = np.zeros(4)
    cfg = NcvxConfig(float(tol_abs), int(max_iter), ANDERSON_K,
                     float(np.finfo(design.dtype).eps), _P0, int(verbose))
    epochs = ncvx_fit(design.kernel(), yc, w, r, pen.kernel, cfg, out)
    crit, primal, converged = float(out[0]), float(out[1]), bool(out[2])
    if not converged and warn:
        warn_not_converged(f"Coordinate descent ({pen.name})", crit, tol_abs, tol,
                           "the weighted variance of y", max_iter=max_iter,
                           criterion=CRITERION_NAMES["kkt"],
                           stacklevel=5)
    b = ybar - float(design.mu @ w) if design.center else 0.0
    return SolveResult(coef=w, intercept=b, dual_gap=crit, tol_gap=tol_abs,
                       n_iter=max(int(epochs), 1), converged=converged, primal=primal,
                       history=[(int(epochs), crit)], engine="nonconvex_cd", criterion="kkt")
