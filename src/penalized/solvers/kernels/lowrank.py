"""Coordinate descent on a diagonal-minus-low-rank Newton model (numba, cached; compiled
only by the engine ``coupled_newton``).

The model of a step in the coefficients ``w`` of a working set (dense columns ``X``, n x k)
is, with ``d = w - w0``::

    g0'd + 1/(2S) (||X d||^2_h - ||M d||^2_om) + penalty(w),

the exact Hessian ``X' (diag(h) - M0' diag(om) M0) X`` of a loss whose Hessian in the
linear predictor is a diagonal minus one rank-one term per row of ``M0`` (Cox: per event
time), with ``M = M0 X`` (T x k). A coordinate update costs O(n + T): the residual
``r = X d`` and ``q = M d`` are kept up to date, the k x k Hessian is never formed. The
columns are read in place: ``X`` may be the whole design, with ``cols`` the working set.
"""

import numpy as np

from ..._jit import njit
from ...penalties.separable import FASTMATH, kkt1d, prox1d

__all__ = ["lowrank_cd"]


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def lowrank_cd(X, cols, h, MT, om, g0, w, pen, S, max_epochs, tol_in):
    """CD on the model above for the columns ``cols`` of ``X`` (F-ordered); ``MT`` is
    ``M'`` (k x T, C-ordered), ``g0`` the loss gradient at ``w0`` (the ``w`` passed in,
    updated in place), ``pen`` the penalty of the k coordinates. Returns the epochs run."""
    n = X.shape[0]
    k = cols.shape[0]
    T = MT.shape[1]
    r = np.zeros(n)
    q = np.zeros(T)
    L = np.empty(k)
    for j in range(k):
        c = cols[j]
        acc = 0.0
        for i in range(n):
            acc += h[i] * X[i, c] * X[i, c]
        low = 0.0
        for t in range(T):
            low += om[t] * MT[j, t] * MT[j, t]
        L[j] = (acc - low) / S
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        for j in range(k):
            Lj = L[j]
            bj = pen.b[j]
            if Lj <= 0.0 and bj <= 0.0:
                continue
            c = cols[j]
            acc = 0.0
            for i in range(n):
                acc += X[i, c] * h[i] * r[i]
            low = 0.0
            for t in range(T):
                low += MT[j, t] * om[t] * q[t]
            gj = g0[j] + (acc - low) / S  # gradient of the smooth model
            old = w[j]
            d = kkt1d(old, gj + bj * old, pen.a[j], pen.lo[j], pen.up[j])
            if d > viol:
                viol = d
            new = prox1d(Lj * old - gj, Lj, pen.a[j], bj, pen.lo[j], pen.up[j])
            if new != old:
                delta = new - old
                w[j] = new
                for i in range(n):
                    r[i] += delta * X[i, c]
                for t in range(T):
                    q[t] += delta * MT[j, t]
        if viol <= tol_in:
            break
    return epoch
