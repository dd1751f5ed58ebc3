"""Row-wise block coordinate descent for the multi-task squared loss with the L2,1
penalty, whole in numba.

Minimizes ``1/(2 S) sum_i s_i ||R_i||^2 + sum_j (a_j ||W_j||_2 + b_j / 2 ||W_j||_2^2)``
(``R = Yc - Xc W``, implicitly centered, stored task by task as T x n so that every
product runs along a contiguous column of X and a contiguous residual; ``W`` p x T) as
scikit-learn's multi-task coordinate descent: the row ``W_j`` of feature j is minimized
exactly given the others (``row_prox`` of :mod:`penalized.penalties.l21` with
``L_j = ||xc_j||_s^2 / S``), on working sets of rows:

1. the residual afresh, the gradient ``V = Xc' s R / S`` and the duality gap (the dual
   point ``c R``, ``c`` the largest scaling that puts every pure-L2,1 row of ``c V`` in
   its ball ``||V_j|| <= a_j``; rows with an L2 part enter the conjugate); stop when it is
   at most ``tol_gap`` and so is every unpenalized row's ``||V_j||^2 / (2 L_j)``;
2. the working set: the rows with a nonzero, the unpenalized ones and the largest
   violations, ``max(p0, 2 nnz)`` rows;
3. epochs on it, extrapolated every ``K`` epochs (Anderson, kept when the objective
   decreases); with ``cfg.seed >= 0`` the rows in a random order drawn for each working
   set (scikit-learn's ``selection="random"``).
"""

from collections import namedtuple

import numpy as np
from numba import njit

from ...penalties.l21 import row_kkt, row_prox
from ...penalties.separable import FASTMATH as _FM
from .cd import _anderson_weights
from .working_set import certify, pick_working_set, shuffle

__all__ = ["MTConfig", "mt_fit", "mt_path"]

MTConfig = namedtuple("MTConfig", "tol_gap max_epochs K eps p0 verbose seed")


@njit(cache=True, fastmath=_FM)
def _row_grad(D, j, R, SR, g):
    """``g = Xc_j' diag(s) R / S`` for column j (``R`` task by task, T x n; ``SR`` the
    weighted sums of its rows)."""
    T = R.shape[0]
    for t in range(T):
        acc = 0.0
        if D.sparse:
            for ii in range(D.indptr[j], D.indptr[j + 1]):
                i = D.indices[ii]
                acc += D.data[ii] * (D.s[i] if D.weighted else 1.0) * R[t, i]
        else:
            X = D.X
            if D.weighted:
                for i in range(D.n):
                    acc += X[i, j] * D.s[i] * R[t, i]
            else:
                for i in range(D.n):
                    acc += X[i, j] * R[t, i]
        if D.center:
            acc -= D.mu[j] * SR[t]
        g[t] = acc / D.S


@njit(cache=True, fastmath=_FM)
def _col_sums(D, R, SR):
    for t in range(R.shape[0]):
        acc = 0.0
        if D.weighted:
            for i in range(D.n):
                acc += D.s[i] * R[t, i]
        else:
            for i in range(D.n):
                acc += R[t, i]
        SR[t] = acc


@njit(cache=True, fastmath=_FM)
def _axpy_row(D, j, delta, R, m):
    """``R[t] -= delta_t (x_j - m)`` for every task (raw column j shifted by ``m``; sparse
    designs take ``m = 0`` and defer the shift)."""
    for t in range(R.shape[0]):
        d = delta[t]
        if d == 0.0:
            continue
        if D.sparse:
            for ii in range(D.indptr[j], D.indptr[j + 1]):
                R[t, D.indices[ii]] -= D.data[ii] * d
        else:
            X = D.X
            for i in range(D.n):
                R[t, i] -= (X[i, j] - m) * d


@njit(cache=True, fastmath=_FM)
def _residual(D, Yc, W, R):
    """``R = Yc - Xc W`` afresh (task by task)."""
    T, n = R.shape
    for t in range(T):
        for i in range(n):
            R[t, i] = Yc[t, i]
    shift = np.zeros(T)
    for j in range(D.p):
        nz = False
        for t in range(T):
            if W[j, t] != 0.0:
                nz = True
        if not nz:
            continue
        _axpy_row(D, j, W[j], R, 0.0)
        if D.center:
            for t in range(T):
                shift[t] += W[j, t] * D.mu[j]
    if D.center:
        for t in range(T):
            for i in range(n):
                R[t, i] += shift[t]


@njit(cache=True, fastmath=_FM)
def _sq(D, R):
    acc = 0.0
    for t in range(R.shape[0]):
        if D.weighted:
            for i in range(D.n):
                acc += D.s[i] * R[t, i] * R[t, i]
        else:
            for i in range(D.n):
                acc += R[t, i] * R[t, i]
    return acc / D.S


@njit(cache=True, fastmath=_FM)
def _pen_rows(W, pen, rows):
    out = 0.0
    for jj in range(rows.shape[0]):
        j = rows[jj]
        sq = 0.0
        for t in range(W.shape[1]):
            sq += W[j, t] * W[j, t]
        out += pen.a[j] * np.sqrt(sq) + 0.5 * pen.b[j] * sq
    return out


@njit(cache=True, nogil=True, fastmath=_FM)
def mt_epochs(D, Yc, W, R, ws, pen, max_epochs, tol_in, K):
    """Row-CD epochs on the rows ``ws`` (holding every nonzero row) until an epoch's
    largest ``kkt_j^2 / (2 L_j)`` is at most ``tol_in``; ``R`` exact on entry and return."""
    T, n = R.shape
    k = ws.shape[0]
    mu, center = D.mu, D.center
    g = np.empty(T)
    u = np.empty(T)
    delta = np.empty(T)
    SR = np.empty(T)
    off = np.zeros(T)
    Wst = np.empty((K + 1, k * T))
    R_acc = np.empty((T, n))
    W_acc = np.empty((k, T))
    W_cur = np.empty((k, T))
    n_stored = 0
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        if center:
            _col_sums(D, R, SR)
        for jj in range(k):
            j = ws[jj]
            L = D.L[j]
            if L <= 0.0:
                continue
            _row_grad(D, j, R, SR, g)
            d = row_kkt(W[j], g, pen.a[j], pen.b[j])
            viol = max(viol, d * d / (2.0 * (L + pen.b[j])))
            for t in range(T):
                u[t] = W[j, t] + g[t] / L
            row_prox(u, L, pen.a[j], pen.b[j])
            moved = False
            for t in range(T):
                delta[t] = u[t] - W[j, t]
                if delta[t] != 0.0:
                    moved = True
            if not moved:
                continue
            for t in range(T):
                W[j, t] = u[t]
            if D.sparse:
                _axpy_row(D, j, delta, R, 0.0)
                if center:
                    for t in range(T):
                        off[t] += delta[t] * mu[j]
                        SR[t] -= delta[t] * D.S * mu[j]
            else:
                _axpy_row(D, j, delta, R, mu[j] if center else 0.0)
        if center and D.sparse:
            for t in range(T):
                for i in range(n):
                    R[t, i] += off[t]
                off[t] = 0.0
        if viol <= tol_in:
            break
        for jj in range(k):
            for t in range(T):
                Wst[n_stored, jj * T + t] = W[ws[jj], t]
        n_stored += 1
        if n_stored == K + 1:
            n_stored = 0
            c = _anderson_weights(Wst, K)
            if c.shape[0] != K:
                continue
            for jj in range(k):
                for t in range(T):
                    acc = 0.0
                    for q in range(K):
                        acc += c[q] * Wst[q + 1, jj * T + t]
                    W_acc[jj, t] = acc
                    W_cur[jj, t] = W[ws[jj], t]
            for t in range(T):
                for i in range(n):
                    R_acc[t, i] = Yc[t, i]
            shift = np.zeros(T)
            for jj in range(k):
                j = ws[jj]
                _axpy_row(D, j, W_acc[jj], R_acc, 0.0)
                if center:
                    for t in range(T):
                        shift[t] += W_acc[jj, t] * mu[j]
            if center:
                for t in range(T):
                    for i in range(n):
                        R_acc[t, i] += shift[t]
            f_cur = 0.5 * _sq(D, R) + _pen_rows(W, pen, ws)
            for jj in range(k):
                for t in range(T):
                    W[ws[jj], t] = W_acc[jj, t]
            f_acc = 0.5 * _sq(D, R_acc) + _pen_rows(W, pen, ws)
            if f_acc < f_cur:
                for t in range(T):
                    for i in range(n):
                        R[t, i] = R_acc[t, i]
            else:
                for jj in range(k):
                    for t in range(T):
                        W[ws[jj], t] = W_cur[jj, t]
    return epoch


@njit(cache=True, nogil=True, fastmath=_FM)
def mt_fit(D, Yc, W, R, pen, cfg, out):
    """The working-set solve of the module docstring. ``out`` gets (gap, primal,
    converged, outer rounds). Returns the epochs run."""
    p = D.p
    T, n = R.shape
    V = np.empty((p, T))
    SR = np.empty(T)
    g = np.empty(T)
    score = np.empty(p)
    epochs = 0
    rng = np.uint64(cfg.seed + 88172645463325252 + int(out[3]))
    while True:
        _residual(D, Yc, W, R)
        _col_sums(D, R, SR)
        out[3] += 1.0
        rr = _sq(D, R)
        ycr = 0.0
        for t in range(T):
            for i in range(n):
                ycr += (D.s[i] if D.weighted else 1.0) * Yc[t, i] * R[t, i]
        ycr /= D.S
        # gradient rows, dual scaling, violations
        c = 1.0
        crit = 0.0
        kmax = 0.0
        free_kkt = 0.0
        scale = 0.0
        nnz = 0
        for j in range(p):
            _row_grad(D, j, R, SR, g)
            vn = 0.0
            for t in range(T):
                V[j, t] = g[t]
                vn += g[t] * g[t]
            vn = np.sqrt(vn)
            a, b = pen.a[j], pen.b[j]
            scale = max(scale, vn)
            for t in range(T):
                if W[j, t] != 0.0:  # the weight enters the rounding on the support only
                    scale = max(scale, a)
            if a == 0.0 and b == 0.0:
                if D.L[j] > 0.0:
                    free_kkt = max(free_kkt, vn * vn / (2.0 * D.L[j]))
            elif b == 0.0 and vn > a:
                c = min(c, a / vn)
            if D.L[j] <= 0.0 and b <= 0.0:
                score[j] = -1.0
                continue
            d = row_kkt(W[j], g, a, b)
            sc = d * d / (2.0 * (D.L[j] + b))
            crit = max(crit, sc)
            kmax = max(kmax, d)
            score[j] = sc
            nz = False
            for t in range(T):
                if W[j, t] != 0.0:
                    nz = True
            if nz:
                nnz += 1
            if nz or (a == 0.0 and b == 0.0):
                score[j] = np.inf
        conj = 0.0
        pen_val = 0.0
        for j in range(p):
            a, b = pen.a[j], pen.b[j]
            sq = 0.0
            vn = 0.0
            for t in range(T):
                sq += W[j, t] * W[j, t]
                vn += V[j, t] * V[j, t]
            pen_val += a * np.sqrt(sq) + 0.5 * b * sq
            if b > 0.0:
                m = c * np.sqrt(vn) - a
                if m > 0.0:
                    conj += m * m / (2.0 * b)
        primal = 0.5 * rr + pen_val
        dual = c * ycr - 0.5 * c * c * rr - conj
        gap = primal - dual
        if cfg.verbose > 0:
            print("[penalized:multitask] epochs=", epochs, "primal=", primal, "gap=", gap,
                  "tol=", cfg.tol_gap)
        floor = 64.0 * cfg.eps * scale
        # unpenalized rows: their gradient enters no dual constraint, so it is checked apart
        if certify(out, gap, primal, dual, cfg.tol_gap, cfg.eps) and free_kkt <= cfg.tol_gap:
            return epochs
        out[2] = 0.0
        if epochs >= cfg.max_epochs:
            return epochs
        if kmax <= floor:
            out[2] = 1.0
            return epochs
        ws = pick_working_set(score, max(cfg.p0, 2 * nnz))
        if cfg.seed >= 0:
            rng = shuffle(ws, rng)
        tol_in = max(crit * min(0.09, cfg.tol_gap / max(gap, 1e-300)),
                     floor * floor / (2.0 * max(D.L.max(), 1e-300)))
        epochs += mt_epochs(D, Yc, W, R, ws, pen, cfg.max_epochs - epochs, tol_in, cfg.K)


@njit(cache=True, nogil=True, fastmath=_FM)
def mt_path(D, Yc, W, R, pen_unit, pen, alphas, cfg, Wpath, stats):
    """A warm-started path of :func:`mt_fit` over ``alphas`` (penalty ``alpha * pen_unit``,
    written into ``pen``'s arrays): ``Wpath[i]`` the solution at ``alphas[i]``, row i of
    ``stats`` (gap, primal, converged, epochs)."""
    p, T = W.shape
    out = np.zeros(4)
    for i in range(alphas.shape[0]):
        for j in range(p):
            pen.a[j] = alphas[i] * pen_unit.a[j]
            pen.b[j] = alphas[i] * pen_unit.b[j]
        for t in range(4):
            out[t] = 0.0
        epochs = mt_fit(D, Yc, W, R, pen, cfg, out)
        for j in range(p):
            for t in range(T):
                Wpath[i, j, t] = W[j, t]
        stats[i, 0] = out[0]
        stats[i, 1] = out[1]
        stats[i, 2] = out[2]
        stats[i, 3] = max(epochs, 1)
