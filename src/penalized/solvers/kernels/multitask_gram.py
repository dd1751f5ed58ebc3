"""Row-wise block coordinate descent for the multi-task L2,1 problem on the Gram matrix
(numba, cached on disk): the engine ``"multitask_gram"`` for tall designs.

With ``G = Xc' diag(s) Xc / S`` (p x p), ``Q = Xc' diag(s) Yc / S`` and
``yy = sum_i s_i ||yc_i||^2 / S`` the problem needs no pass over X: the negative gradient
is ``V = Q - G W``, ``||R||_s^2 / S = yy - <Q, W> - <W, V>`` and ``<Yc, R>_s / S =
yy - <Q, W>``. ``Q`` and ``V`` are stored task by task (T x p), so that a row update
``V[t] -= G[j] delta_t`` runs along contiguous rows (``G`` is symmetric): ``p T`` flops,
vectorized, against ``2 n T`` on the residual; V is recomputed from the nonzero rows
before each certificate. Working sets, Anderson extrapolation and the duality gap are
those of :mod:`penalized.solvers.kernels.multitask`; :func:`mt_gram_path` runs a
warm-started path in one call.
"""

import numpy as np
from numba import njit

from ...penalties.l21 import row_kkt, row_prox
from ...penalties.separable import FASTMATH as _FM
from .cd import _anderson_weights
from .working_set import certify, pick_working_set, shuffle

__all__ = ["mt_gram_fit", "mt_gram_path"]


@njit(cache=True, fastmath=_FM)
def _full_v(G, Q, W, V):
    """``V = Q - G W`` (T x p) from the nonzero rows of W."""
    T, p = Q.shape
    for t in range(T):
        for j in range(p):
            V[t, j] = Q[t, j]
    for k in range(p):
        for t in range(T):
            w = W[k, t]
            if w != 0.0:
                for j in range(p):  # G symmetric: row k is contiguous
                    V[t, j] -= G[k, j] * w


@njit(cache=True, fastmath=_FM)
def _objective(Q, W, V, pen, rows):
    """``1/2 W'GW - <Q, W> + pen(W)`` over ``rows`` (every nonzero row), from the exact
    ``V = Q - G W``: ``-1/2 (<Q, W> + <V, W>) + pen(W)``."""
    T = Q.shape[0]
    out = 0.0
    for jj in range(rows.shape[0]):
        j = rows[jj]
        sq = 0.0
        for t in range(T):
            out -= 0.5 * (Q[t, j] + V[t, j]) * W[j, t]
            sq += W[j, t] * W[j, t]
        out += pen.a[j] * np.sqrt(sq) + 0.5 * pen.b[j] * sq
    return out


@njit(cache=True, nogil=True, fastmath=_FM)
def mt_gram_epochs(G, Q, W, V, ws, pen, max_epochs, tol_in, K):
    """Row-CD epochs on ``ws`` (holding every nonzero row), keeping ``V = Q - G W`` exact
    on every row; stop when an epoch's largest ``kkt_j^2 / (2 L_j)`` is at most ``tol_in``.
    Returns the epochs run."""
    k = ws.shape[0]
    T, p = Q.shape
    g = np.empty(T)
    u = np.empty(T)
    delta = np.empty(T)
    Wst = np.empty((K + 1, k * T))
    W_cur = np.empty((k, T))
    V_cur = np.empty((T, p))
    n_stored = 0
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        for jj in range(k):
            j = ws[jj]
            L = G[j, j]
            if L <= 0.0:
                continue
            for t in range(T):
                g[t] = V[t, j]
            d = row_kkt(W[j], g, pen.a[j], pen.b[j])
            viol = max(viol, d * d / (2.0 * (L + pen.b[j])))
            for t in range(T):
                u[t] = W[j, t] + g[t] / L
            row_prox(u, L, pen.a[j], pen.b[j])
            for t in range(T):
                delta[t] = u[t] - W[j, t]
                W[j, t] = u[t]
            for t in range(T):
                dt = delta[t]
                if dt != 0.0:
                    for i in range(p):
                        V[t, i] -= G[j, i] * dt
        if viol <= tol_in:
            break
        if K == 0:
            continue
        for jj in range(k):
            for t in range(T):
                Wst[n_stored, jj * T + t] = W[ws[jj], t]
        n_stored += 1
        if n_stored == K + 1:
            n_stored = 0
            c = _anderson_weights(Wst, K)
            if c.shape[0] != K:
                continue
            f_cur = _objective(Q, W, V, pen, ws)
            for jj in range(k):
                for t in range(T):
                    W_cur[jj, t] = W[ws[jj], t]
                    acc = 0.0
                    for q in range(K):
                        acc += c[q] * Wst[q + 1, jj * T + t]
                    W[ws[jj], t] = acc
            for t in range(T):
                for i in range(p):
                    V_cur[t, i] = V[t, i]
            _full_v(G, Q, W, V)
            if not _objective(Q, W, V, pen, ws) < f_cur:
                for jj in range(k):
                    for t in range(T):
                        W[ws[jj], t] = W_cur[jj, t]
                for t in range(T):
                    for i in range(p):
                        V[t, i] = V_cur[t, i]
    return epoch


@njit(cache=True, nogil=True, fastmath=_FM)
def mt_gram_fit(G, Q, yy, W, pen, cfg, out):
    """The working-set solve on the Gram matrix (see the module docstring); ``Q`` is
    T x p. ``out`` gets (gap, primal, converged, outer rounds). Returns the epochs run."""
    T, p = Q.shape
    V = np.empty((T, p))
    g = np.empty(T)
    score = np.empty(p)
    epochs = 0
    Lmax = 1e-300
    for j in range(p):
        Lmax = max(Lmax, G[j, j])
    rng = np.uint64(cfg.seed + 88172645463325252 + int(out[3]))
    while True:
        _full_v(G, Q, W, V)
        out[3] += 1.0
        qw = 0.0
        wv = 0.0
        for j in range(p):
            for t in range(T):
                qw += Q[t, j] * W[j, t]
                wv += W[j, t] * V[t, j]
        rr = max(yy - qw - wv, 0.0)
        ycr = yy - qw
        c = 1.0
        crit = 0.0
        kmax = 0.0
        free_kkt = 0.0
        scale = 0.0
        nnz = 0
        pen_val = 0.0
        conj_scale = 0.0
        for j in range(p):
            a, b = pen.a[j], pen.b[j]
            vn = 0.0
            sq = 0.0
            for t in range(T):
                g[t] = V[t, j]
                vn += g[t] * g[t]
                sq += W[j, t] * W[j, t]
            vn = np.sqrt(vn)
            pen_val += a * np.sqrt(sq) + 0.5 * b * sq
            scale = max(scale, vn, a if sq > 0.0 else 0.0)  # the weight: on the support
            L = G[j, j]
            if a == 0.0 and b == 0.0:
                if L > 0.0:
                    free_kkt = max(free_kkt, vn * vn / (2.0 * L))
            elif b == 0.0 and vn > a:
                c = min(c, a / vn)
            if b > 0.0:
                conj_scale += 1.0
            if L <= 0.0 and b <= 0.0:
                score[j] = -1.0
                continue
            d = row_kkt(W[j], g, a, b)
            sc = d * d / (2.0 * (L + b))
            crit = max(crit, sc)
            kmax = max(kmax, d)
            score[j] = sc
            if sq > 0.0:
                nnz += 1
            if sq > 0.0 or (a == 0.0 and b == 0.0):
                score[j] = np.inf
        conj = 0.0
        if conj_scale > 0.0:
            for j in range(p):
                b = pen.b[j]
                if b > 0.0:
                    vn = 0.0
                    for t in range(T):
                        vn += V[t, j] * V[t, j]
                    m = c * np.sqrt(vn) - pen.a[j]
                    if m > 0.0:
                        conj += m * m / (2.0 * b)
        primal = 0.5 * rr + pen_val
        dual = c * ycr - 0.5 * c * c * rr - conj
        gap = primal - dual
        if cfg.verbose > 0:
            print("[penalized:multitask_gram] epochs=", epochs, "primal=", primal, "gap=", gap,
                  "tol=", cfg.tol_gap)
        floor = 64.0 * cfg.eps * scale
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
                     floor * floor / (2.0 * Lmax))
        epochs += mt_gram_epochs(G, Q, W, V, ws, pen, cfg.max_epochs - epochs, tol_in, cfg.K)


@njit(cache=True, nogil=True, fastmath=_FM)
def mt_gram_path(G, Q, yy, W, pen_unit, pen, alphas, cfg, Wpath, stats):
    """A warm-started path of :func:`mt_gram_fit` over ``alphas`` (penalty ``alpha *
    pen_unit``, written into ``pen``'s arrays): ``Wpath[i]`` the solution at ``alphas[i]``,
    row i of ``stats`` (gap, primal, converged, epochs)."""
    p = W.shape[0]
    out = np.zeros(4)
    for i in range(alphas.shape[0]):
        for j in range(p):
            pen.a[j] = alphas[i] * pen_unit.a[j]
            pen.b[j] = alphas[i] * pen_unit.b[j]
        for t in range(4):
            out[t] = 0.0
        epochs = mt_gram_fit(G, Q, yy, W, pen, cfg, out)
        for j in range(p):
            for t in range(W.shape[1]):
                Wpath[i, j, t] = W[j, t]
        stats[i, 0] = out[0]
        stats[i, 1] = out[1]
        stats[i, 2] = out[2]
        stats[i, 3] = max(epochs, 1)
