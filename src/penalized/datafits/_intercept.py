"""The safeguarded Newton step of the intercept's 1-D problem ``sum_i s_i l'(eta_i + d) = 0``
(numba, cached on disk): one formula for ``Datafit.optimize_intercept`` and the logistic
path kernel (:mod:`penalized.solvers.kernels.logistic_terms`)."""

import numpy as np

from .._jit import njit

__all__ = ["intercept_step"]


@njit(cache=True)
def intercept_step(d, f, fp, lo, hi):
    """The next shift after ``d``, where the sum is ``f`` (increasing in d, derivative
    ``fp``): Newton's step when it stays inside the bracket ``(lo, hi)`` of the root
    (narrowed here by the sign of ``f``), else the bracket's midpoint, or a step of at
    least 1 (twice the bracket's end) away from a finite end. Returns (step, lo, hi)."""
    if f > 0.0:
        hi = d
    else:
        lo = d
    step = d - f / fp if fp > 0.0 else np.nan
    if not (lo < step < hi):
        if np.isfinite(lo) and np.isfinite(hi):
            step = 0.5 * (lo + hi)
        elif np.isfinite(lo):
            step = lo + max(1.0, 2.0 * abs(lo))
        else:
            step = hi - max(1.0, 2.0 * abs(hi))
    return step, lo, hi
