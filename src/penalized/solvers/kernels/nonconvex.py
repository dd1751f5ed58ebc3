"""Coordinate descent for least squares with a concave penalty (MCP, SCAD), whole in numba.

Minimizes ``1/(2 S) sum_i s_i r_i^2 + sum_j P(s_j |w_j|; lam_j)`` (``r = yc - Xc w``, the
implicitly centered residual; dense F-ordered or CSC designs) as ncvreg and skglm do:
cyclic coordinate descent in which each coordinate update is the exact minimizer of the
one-dimensional problem (:func:`penalized.penalties.concave.prox1d`), on working sets:

1. the residual afresh, the full gradient and every feature's critical-point violation
   ``kkt_j`` (:func:`penalized.penalties.concave.kkt1d`); stop when the criterion
   ``sum_j kkt_j^2 / (2 L_j)`` is at most ``tol`` (or only rounding error is left);
2. the working set: the support and the largest violations, ``max(p0, 2 nnz)`` features;
3. epochs on it, extrapolated every ``K`` epochs (Anderson, kept only when it lowers the
   objective), until its own criterion is a tenth of the outer one.

Every coordinate update and accepted extrapolation lowers the objective, so the iterates
converge to a critical point; there is no duality gap for a nonconvex problem. The
separate module keeps the plain lasso's kernels free of any concave code.
"""

from collections import namedtuple

import numpy as np

from ..._jit import njit
from ...penalties._fastmath import INTERNAL
from ...penalties.concave import _value_all, kkt1d, prox1d, value1d
from ...penalties.separable import FASTMATH as _FM
from .cd import (
    anderson_candidate,
    col_axpy,
    col_dot,
    gradient,
    residual,
    take_candidate,
    weighted_sq,
    weighted_sum,
)
from .working_set import pick_working_set

__all__ = ["NcvxConfig", "ncvx_fit"]

# Settings of one solve: the criterion's target, the epoch budget, Anderson's K, the
# machine epsilon of the design, the smallest working set, verbosity.
NcvxConfig = namedtuple("NcvxConfig", "tol max_epochs K eps p0 verbose")


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _penalty_ws(w_ws, ws, pen):
    out = 0.0
    for jj in range(ws.shape[0]):
        j = ws[jj]
        out += value1d(w_ws[jj], pen.lam[j], pen.scale[j], pen.lo[j], pen.up[j], pen.g,
                       pen.kind)
    return out


@njit(cache=True, fastmath=_FM)
def scores(w, v, pen, L, score):
    """Per-feature ``kkt_j^2 / (2 L_j)`` at ``w`` for the gradient ``-v`` into ``score``
    (-1 for constant columns, inf for the support). Returns (criterion: their sum, the
    largest of them, the largest violation, its rounding scale, nnz)."""
    crit = 0.0
    cmax = 0.0
    kmax = 0.0
    scale = 0.0
    nnz = 0
    for j in range(w.shape[0]):
        if L[j] <= 0.0:
            score[j] = -1.0
            continue
        d = kkt1d(w[j], -v[j], pen.lam[j], pen.scale[j], pen.lo[j], pen.up[j], pen.g, pen.kind)
        c = d * d / (2.0 * L[j])
        crit += c
        cmax = max(cmax, c)
        kmax = max(kmax, d)
        scale = max(scale, abs(v[j]))
        if w[j] != 0.0:  # the penalty's level enters the rounding on the support only
            scale = max(scale, pen.lam[j] * pen.scale[j])
        score[j] = c
        if w[j] != 0.0:
            score[j] = np.inf
            nnz += 1
    return crit, cmax, kmax, scale, nnz


@njit(cache=True, nogil=True, fastmath=_FM, **INTERNAL)
def ncvx_epochs(D, yc, w, r, ws, pen, max_epochs, tol_in, K):
    """CD epochs on the working set ``ws`` (which holds every nonzero of ``w``) until an
    epoch's largest ``kkt_j^2 / (2 L_j)`` is at most ``tol_in``; ``r`` is the exact
    residual on entry and on return. Returns the epochs run."""
    n = D.n
    k = ws.shape[0]
    mu, S, center = D.mu, D.S, D.center
    W = np.empty((K + 1, k))
    r_acc = np.empty(n)
    w_acc = np.empty(k)
    off = 0.0
    n_stored = np.int64(0)  # (a literal 0 compiled the callee a second time)
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        SR = weighted_sum(r, D) if center else 0.0
        for jj in range(k):
            j = ws[jj]
            Lj = D.L[j]
            if Lj <= 0.0:
                continue
            acc = col_dot(D, j, r, D.weighted)
            if center:
                acc -= mu[j] * SR
            g = acc / S
            old = w[j]
            lam, s, lo, up = pen.lam[j], pen.scale[j], pen.lo[j], pen.up[j]
            d = kkt1d(old, -g, lam, s, lo, up, pen.g, pen.kind)
            viol = max(viol, d * d / (2.0 * Lj))
            new = prox1d(Lj * old + g, Lj, lam, s, lo, up, pen.g, pen.kind)
            if new != old:
                w[j] = new
                delta = new - old
                # cd.move_residual, spelled out: calling it (numba-inlined) cost 12-25% here
                # (MCP, sparse 500 x 3000 at density 0.02; nothing measurable in cd, group)
                if D.sparse:
                    col_axpy(D, j, delta, r)
                    if center:
                        off += delta * mu[j]
                        SR -= delta * S * mu[j]
                else:
                    X = D.X
                    m = mu[j] if center else 0.0
                    for i in range(n):
                        r[i] -= delta * (X[i, j] - m)
        if off != 0.0:
            for i in range(n):
                r[i] += off
            off = 0.0
        if viol <= tol_in:
            break
        n_stored, ready, f_acc, f_cur = anderson_candidate(D, yc, w, r, ws, pen.lo, pen.up, W,
                                                           n_stored, w_acc, r_acc)
        if ready and (f_acc + _penalty_ws(w_acc, ws, pen)
                      < f_cur + _penalty_ws(W[K], ws, pen)):
            take_candidate(w, ws, w_acc, r, r_acc)
    return epoch


@njit(cache=True, nogil=True, fastmath=_FM)
def ncvx_fit(D, yc, w, r, pen, cfg, out):
    """The working-set solve of the module docstring. ``out`` gets (criterion, primal,
    converged, outer rounds). Returns the epochs run."""
    p = D.p
    v = np.empty(p)
    score = np.empty(p)
    epochs = 0
    while True:
        residual(D, yc, w, r)
        gradient(D, r, v)
        out[3] += 1.0
        crit, cmax, kmax, scale, nnz = scores(w, v, pen, D.L, score)
        out[0] = crit
        out[1] = 0.5 * weighted_sq(r, 0.0, D) / D.S + _value_all(w, pen)
        if cfg.verbose > 0:
            print("[penalized:nonconvex] epochs=", epochs, "primal=", out[1], "crit=", crit,
                  "tol=", cfg.tol)
        if crit <= cfg.tol or kmax <= 64.0 * cfg.eps * scale:
            out[2] = 1.0
            return epochs
        out[2] = 0.0
        if epochs >= cfg.max_epochs:
            return epochs
        ws = pick_working_set(score, max(cfg.p0, 2 * nnz))
        # the inner solve's per-coordinate target: a tenth of the largest violation, and
        # no lower than what keeps the working set's sum at a third of the target
        tol_in = max(0.1 * cmax, 0.3 * cfg.tol / ws.shape[0])
        epochs += ncvx_epochs(D, yc, w, r, ws, pen, cfg.max_epochs - epochs, tol_in, cfg.K)
