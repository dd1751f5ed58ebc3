"""Engine ``"multitask_bcd"``: the multi-task squared loss with the L2,1 row penalty.

Minimizes ``1/(2S) sum_i s_i ||y_i - ybar - W' xc_i||^2 + sum_j (a_j ||W_j|| + b_j/2
||W_j||^2)`` (scikit-learn's ``MultiTaskElasticNet`` objective; glmnet's "mgaussian") by
row-wise block coordinate descent on working sets
(:mod:`penalized.solvers.kernels.multitask`), certified by the duality gap with
scikit-learn's scale of ``tol`` (``sum_i s_i ||y_i - ybar||^2 / S``).
"""

import numpy as np

from ..datafits.multitask import MultiTaskQuadratic
from .least_squares import warn_cd
from .result import SolveResult

__all__ = ["multitask_solve"]

_P0 = 10


def multitask_solve(design, Y, pen, *, tol, max_iter, coef_init=None, verbose=0, warn=True):
    """Multi-task least squares plus the L2,1 penalty (:class:`~penalized.penalties.l21.
    RowArrays`); ``Y`` of shape (n, T). Returns a :class:`SolveResult` with ``coef`` of
    shape (p, T) and ``intercept`` of shape (T,)."""
    from .kernels.cd import ANDERSON_K
    from .kernels.multitask import MTConfig, mt_fit

    s, S = design.s, design.S
    Y = np.asarray(Y, dtype=np.float64)
    T = Y.shape[1]
    ybar = (s @ Y) / S if design.center else np.zeros(T)
    Yc = np.ascontiguousarray(Y - ybar)
    scale = MultiTaskQuadratic().tol_scale(Y, s, 0.0, design.center)
    tol_gap = tol * scale
    W = (np.zeros((design.p, T)) if coef_init is None
         else np.array(coef_init, dtype=np.float64, order="C"))
    if W.shape != (design.p, T):
        raise ValueError(f"coef_init must have shape {(design.p, T)}, got {W.shape}.")
    W[design.sqnorms() == 0] = 0.0
    R = np.empty((design.n, T))
    out = np.zeros(4)
    cfg = MTConfig(float(tol_gap), int(max_iter), ANDERSON_K, float(np.finfo(design.dtype).eps),
                   _P0, int(verbose))
    epochs = mt_fit(design.kernel(), Yc, W, R, pen.kernel, cfg, out)
    gap, primal, converged = max(float(out[0]), 0.0), float(out[1]), bool(out[2])
    if not converged and warn:
        warn_cd(max_iter, gap, tol_gap, tol, stacklevel=5)
    b = ybar - design.mu @ W if design.center else np.zeros(T)
    return SolveResult(coef=W, intercept=b, dual_gap=gap, tol_gap=tol_gap,
                       n_iter=max(int(epochs), 1), converged=converged, primal=primal,
                       history=[(int(epochs), gap)], engine="multitask_bcd")
