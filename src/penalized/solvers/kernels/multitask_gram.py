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

from ..._jit import njit
from ...penalties._fastmath import INTERNAL
from ...penalties.separable import FASTMATH as _FM
from .multitask import anderson_rows, mt_round, put_rows, row_step
from .working_set import set_alpha, store_fit

__all__ = ["mt_gram_fit", "mt_gram_path"]


@njit(cache=True, fastmath=_FM, **INTERNAL)
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


@njit(cache=True, nogil=True, fastmath=_FM, **INTERNAL)
def mt_gram_epochs(G, Q, W, V, ws, pen, max_epochs, tol_in, K):
    """Row-CD epochs on ``ws`` (holding every nonzero row), keeping ``V = Q - G W`` exact
    on every row; stop when an epoch's largest ``kkt_j^2 / (2 L_j)`` is at most ``tol_in``.
    Returns the epochs run."""
    k = ws.shape[0]
    T, p = Q.shape
    g = np.empty(T)
    delta = np.empty(T)
    Wst = np.empty((K + 1, k * T))
    W_acc = np.empty(k * T)
    V_cur = np.empty((T, p))
    n_stored = np.int64(0)  # (a literal 0 compiled the callee a second time)
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
            viol = max(viol, row_step(W, j, g, L, pen, delta))
            for t in range(T):
                dt = delta[t]
                if dt != 0.0:
                    for i in range(p):
                        V[t, i] -= G[j, i] * dt
        if viol <= tol_in:
            break
        n_stored, ready = anderson_rows(W, ws, Wst, n_stored, W_acc)
        if ready:
            f_cur = _objective(Q, W, V, pen, ws)
            put_rows(W, ws, W_acc)
            for t in range(T):
                for i in range(p):
                    V_cur[t, i] = V[t, i]
            _full_v(G, Q, W, V)
            if not _objective(Q, W, V, pen, ws) < f_cur:
                put_rows(W, ws, Wst[K])
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
    L = np.empty(p)
    for j in range(p):
        L[j] = G[j, j]
    score = np.empty(p)
    epochs = 0
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
        stop, ws, tol_in, rng = mt_round(W, V, L, pen, max(yy - qw - wv, 0.0), yy - qw, score,
                                         cfg, out, epochs, rng, True)
        if stop:
            return epochs
        epochs += mt_gram_epochs(G, Q, W, V, ws, pen, cfg.max_epochs - epochs, tol_in, cfg.K)


@njit(cache=True, nogil=True, fastmath=_FM)
def mt_gram_path(G, Q, yy, W, pen_unit, pen, alphas, cfg, Wpath, stats):
    """A warm-started path of :func:`mt_gram_fit` over ``alphas`` (penalty ``alpha *
    pen_unit``, written into ``pen``'s arrays): ``Wpath[i]`` the solution at ``alphas[i]``,
    row i of ``stats`` (gap, primal, converged, epochs)."""
    out = np.zeros(4)
    flat = Wpath.reshape((alphas.shape[0], W.size)).T  # column i: Wpath[i], row by row
    for i in range(alphas.shape[0]):
        set_alpha(pen_unit, pen, alphas[i], 1.0, 1.0)
        for t in range(4):
            out[t] = 0.0
        stats[i, 3] = mt_gram_fit(G, Q, yy, W, pen, cfg, out)
        store_fit(flat, stats, i, W.ravel(), out)
