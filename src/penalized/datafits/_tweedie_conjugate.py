"""The Tweedie conjugate for 1 < p < 2 (numba, cached; compiled only by Tweedie fits).

``l(t) = -y e^((1-p) t) / (1-p) + e^((2-p) t) / (2-p)`` has no closed-form conjugate:
``l*(u) = u t - l(t)`` at the root of ``l'(t) = e^((2-p) t) - y e^((1-p) t) = u``, found
per sample by safeguarded Halley iterations from ``t0`` (the current eta: the dual
point ``c l'(eta)`` has its root at eta when c = 1, and near it otherwise). ``l'``
increases from -inf (from 0 where y = 0) to +inf, so the root is bracketed by the
iterates' signs and a step out of the bracket is replaced by bisection (or a unit step
while one side is open).

One loop over the samples with a few exponentials each: the numpy version (a masked
vector Newton) cost 2.5 ms per gap on 10000 samples, two thirds of a Tweedie fit.
"""

import numpy as np
from numba import njit

__all__ = ["tweedie_conjugate"]


@njit(cache=True)
def tweedie_conjugate(y, u, t0, p):
    """``l*(u_i)`` for every sample (y, u, t0 float64 arrays of one length, 1 < p < 2);
    +inf where y <= 0 and u < 0 (outside the domain), 0 where y <= 0 and u = 0."""
    n = y.shape[0]
    out = np.empty(n)
    eps4 = 4.0 * np.finfo(np.float64).eps
    q1 = 1.0 - p
    q2 = 2.0 - p
    for i in range(n):
        yi = y[i]
        ui = u[i]
        if yi <= 0.0 and ui <= 0.0:
            out[i] = np.inf if ui < 0.0 else 0.0
            continue
        t = t0[i]
        lo = -np.inf
        hi = np.inf
        a = np.exp(q1 * t)  # mu^(1-p)
        b = a * np.exp(t)  # mu^(2-p)
        for _ in range(200):
            f = b - yi * a - ui
            # converged: l'(t) = u to the rounding level of its terms
            if abs(f) <= eps4 * (b + yi * a + abs(ui)):
                break
            if f < 0.0:
                lo = t
            elif f > 0.0:
                hi = t
            fp = q2 * b - q1 * yi * a
            fpp = q2 * q2 * b - q1 * q1 * yi * a
            den = 2.0 * fp * fp - f * fpp
            # Halley's step (cubic convergence, f'' costs no exponential: 13% fewer per
            # gap than Newton's), Newton's where its denominator is not positive
            step = t - 2.0 * f * fp / den if den > 0.0 else t - f / fp
            if not (lo <= step <= hi) or not np.isfinite(step):
                if np.isfinite(lo) and np.isfinite(hi):
                    step = 0.5 * (lo + hi)
                elif np.isfinite(lo):
                    step = lo + 1.0
                else:
                    step = hi - 1.0
            if step == t:
                break
            t = step
            a = np.exp(q1 * t)
            b = a * np.exp(t)
        # (a, b are those of t)
        out[i] = ui * t - (b / q2 - yi * a / q1)
    return out
