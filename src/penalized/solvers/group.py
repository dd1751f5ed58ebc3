"""Engine ``"group_bcd"``: least squares with a group or sparse-group lasso.

Minimizes ``1/(2S) ||yc - Xc w||_s^2 + sum_g (sum_{j in g} a1_j |w_j| + wg_g ||w_g||_2)``
by block coordinate descent on group working sets (the numba kernel of
:mod:`penalized.solvers.kernels.group`), certified by the duality gap (the dual norm of
each group), with the lasso's scale of ``tol`` (the weighted variance of y). Whole groups
are exactly zero.
"""

import numpy as np

from ..penalties.separable import KernelPenalty
from .certificate import projection
from .least_squares import centered_target, warn_cd
from .result import SolveResult

__all__ = ["group_lipschitz", "group_solve"]

_P0 = 10  # smallest working set (groups)


def group_lipschitz(design, pen):
    """``(L, grams, gptr)``: each group's Gram matrix ``Xc_g' s Xc_g / S`` (flattened,
    group g at ``grams[gptr[g]:gptr[g + 1]]``) and its largest eigenvalue ``L_g``
    (LAPACK, batched by group size), computed once per design and grouping."""
    from .kernels.group import group_grams

    cache = design.__dict__.setdefault("_group_grams", {})
    key = (pen.order.tobytes(), pen.starts.tobytes())
    if key not in cache:
        sizes = np.diff(pen.starts)
        gptr = np.append(0, np.cumsum(sizes * sizes)).astype(np.int64)
        grams = np.empty(int(gptr[-1]))
        group_grams(design.kernel(), pen.kernel, gptr, grams)
        lip = np.empty(sizes.size)
        for k in np.unique(sizes):
            idx = np.flatnonzero(sizes == k)
            blocks = np.stack([grams[gptr[g]:gptr[g + 1]].reshape(k, k) for g in idx])
            lip[idx] = np.linalg.eigvalsh(blocks)[:, -1] if k > 1 else blocks[:, 0, 0]
        lip = np.maximum(lip, 0.0) * (1.0 + 1e-12)
        lip[lip <= 1e-300] = 0.0
        cache[key] = (lip, grams, gptr)
    return cache[key]


def group_solve(design, y, pen, *, tol, max_iter, coef_init=None, verbose=0, warn=True):
    """Least squares plus a group penalty (:class:`~penalized.penalties.group.GroupArrays`);
    see the module docstring."""
    from .kernels.cd import ANDERSON_K
    from .kernels.group import GroupConfig, group_fit

    ybar, yc, scale = centered_target(design, y)
    tol_gap = tol * scale
    w = (np.zeros(design.p) if coef_init is None
         else np.clip(np.array(coef_init, dtype=np.float64), pen.lo, pen.up))
    w[design.sqnorms() == 0] = 0.0
    lip, grams, gptr = group_lipschitz(design, pen)
    proj = projection(design, yc, pen)
    zeros = np.zeros(design.p)
    box = KernelPenalty(zeros, zeros, pen.lo, pen.up)
    cfg = GroupConfig(float(tol_gap), int(max_iter), ANDERSON_K,
                      float(np.finfo(design.dtype).eps), _P0, int(verbose))
    out = np.zeros(4)
    r = np.empty(design.n)
    epochs = group_fit(design.kernel(), yc, w, r, pen.kernel, lip, grams, gptr, proj, box, cfg,
                       out)
    gap, primal, converged = max(float(out[0]), 0.0), float(out[1]), bool(out[2])
    if not converged and warn:
        warn_cd(max_iter, gap, tol_gap, tol, stacklevel=5)
    b = ybar - float(design.mu @ w) if design.center else 0.0
    return SolveResult(coef=w, intercept=b, dual_gap=gap, tol_gap=tol_gap,
                       n_iter=max(int(epochs), 1), converged=converged, primal=primal,
                       history=[(int(epochs), gap)], engine="group_bcd")
