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

from ..._jit import njit
from ...penalties._fastmath import INTERNAL
from ...penalties.l21 import row_kkt, row_prox
from ...penalties.separable import FASTMATH as _FM
from .cd import extrapolate, weighted_sq, weighted_sum
from .working_set import certify, pick_working_set, set_alpha, shuffle, store_fit

__all__ = ["MTConfig", "mt_fit", "mt_path"]

MTConfig = namedtuple("MTConfig", "tol_gap max_epochs K eps p0 verbose seed")


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _row_grad(D, j, R, SR, g):
    """``g = Xc_j' diag(s) R / S`` for column j (``R`` task by task, T x n; ``SR`` the
    weighted sums of its rows). Spelled out: cd's ``col_dot`` on the rows ``R[t]`` makes
    the multi-task fits 2 to 3 times slower."""
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


@njit(cache=True, fastmath=_FM, **INTERNAL)
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


@njit(cache=True, fastmath=_FM, **INTERNAL)
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


@njit(cache=True, fastmath=_FM, **INTERNAL)
def row_step(W, j, g, L, pen, delta):
    """The exact update of row j (``row_prox``) for the negative gradient ``g`` and the
    curvature ``L``: ``W[j]`` moves by ``delta``. Returns the row's violation
    ``kkt_j^2 / (2 (L + b_j))`` before the step."""
    a, b = pen.a[j], pen.b[j]
    d = row_kkt(W[j], g, a, b)
    for t in range(W.shape[1]):
        delta[t] = W[j, t] + g[t] / L
    row_prox(delta, L, a, b)  # the new row
    for t in range(W.shape[1]):
        new = delta[t]
        delta[t] = new - W[j, t]
        W[j, t] = new
    return d * d / (2.0 * (L + b))


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _sq(D, R):
    acc = 0.0
    for t in range(R.shape[0]):
        acc += weighted_sq(R[t], 0.0, D)
    return acc / D.S


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _pen_rows(W, pen, rows):
    out = 0.0
    for jj in range(rows.shape[0]):
        j = rows[jj]
        sq = 0.0
        for t in range(W.shape[1]):
            sq += W[j, t] * W[j, t]
        out += pen.a[j] * np.sqrt(sq) + 0.5 * pen.b[j] * sq
    return out


@njit(cache=True, nogil=True, fastmath=_FM, **INTERNAL)
def mt_epochs(D, Yc, W, R, ws, pen, max_epochs, tol_in, K):
    """Row-CD epochs on the rows ``ws`` (holding every nonzero row) until an epoch's
    largest ``kkt_j^2 / (2 L_j)`` is at most ``tol_in``; ``R`` exact on entry and return."""
    T, n = R.shape
    k = ws.shape[0]
    mu, center = D.mu, D.center
    g = np.empty(T)
    delta = np.empty(T)
    SR = np.empty(T)
    off = np.zeros(T)
    Wst = np.empty((K + 1, k * T))
    R_acc = np.empty((T, n))
    W_acc = np.empty(k * T)
    n_stored = np.int64(0)  # (a literal 0 compiled the callee a second time)
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        if center:
            for t in range(T):
                SR[t] = weighted_sum(R[t], D)
        for jj in range(k):
            j = ws[jj]
            L = D.L[j]
            if L <= 0.0:
                continue
            _row_grad(D, j, R, SR, g)
            viol = max(viol, row_step(W, j, g, L, pen, delta))
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
        n_stored, ready = anderson_rows(W, ws, Wst, n_stored, W_acc)
        if ready:
            f_cur = 0.5 * _sq(D, R) + _pen_rows(W, pen, ws)
            put_rows(W, ws, W_acc)
            _residual(D, Yc, W, R_acc)  # ws holds every nonzero row
            if 0.5 * _sq(D, R_acc) + _pen_rows(W, pen, ws) < f_cur:
                for t in range(T):
                    for i in range(n):
                        R[t, i] = R_acc[t, i]
            else:
                put_rows(W, ws, Wst[K])
    return epoch


@njit(cache=True, fastmath=_FM, **INTERNAL)
def put_rows(W, ws, flat):
    """``W[ws[jj], t] = flat[jj T + t]``: the rows ``ws`` from a flat buffer."""
    T = W.shape[1]
    for jj in range(ws.shape[0]):
        for t in range(T):
            W[ws[jj], t] = flat[jj * T + t]


@njit(cache=True, fastmath=_FM, **INTERNAL)
def anderson_rows(W, ws, Wst, n_stored, W_acc):
    """Anderson extrapolation on the rows ``ws`` of ``W`` (holding every nonzero row):
    stores them as the iterate ``n_stored`` of ``Wst`` (K+1 rows of k T entries, row jj's
    task t at jj T + t) and, once K+1 are stored, puts the extrapolated rows into
    ``W_acc`` (the same layout). Returns (the number of stored iterates, whether a
    candidate is ready); with one ready, ``Wst[K]`` holds the current rows (the caller
    puts them back when it rejects the candidate)."""
    K = Wst.shape[0] - 1
    T = W.shape[1]
    for jj in range(ws.shape[0]):
        for t in range(T):
            Wst[n_stored, jj * T + t] = W[ws[jj], t]
    n_stored += 1
    if n_stored < K + 1 or not extrapolate(Wst, K, W_acc):
        return n_stored % (K + 1), False
    return 0, True


@njit(cache=True, fastmath=_FM, **INTERNAL)
def mt_round(W, V, L, pen, rr, ycr, score, cfg, out, epochs, rng, gram):
    """The certificate of one outer round of :func:`mt_fit` (``gram``: of
    :func:`~penalized.solvers.kernels.multitask_gram.mt_gram_fit`) and its next working
    set, from the negative gradient ``V = Xc' s R / S`` (T x p), the curvatures ``L``,
    ``rr = ||R||_s^2 / S`` and ``ycr = <Yc, R>_s / S``: the duality gap (dual point
    ``c R``, see the module docstring) and the row violations ``kkt_j^2 / (2 L_j)`` into
    ``score``. ``out`` gets (gap, primal, converged). Returns (stop, the working set, the
    inner target, the random state)."""
    T, p = V.shape
    g = np.empty(T)
    c = 1.0
    crit = 0.0
    kmax = 0.0
    free_kkt = 0.0
    scale = 0.0
    nnz = 0
    pen_val = 0.0
    ridge = False
    Lmax = 1e-300
    for j in range(p):
        a, b = pen.a[j], pen.b[j]
        Lmax = max(Lmax, L[j])
        vn = 0.0
        sq = 0.0
        nz = False
        for t in range(T):
            g[t] = V[t, j]
            vn += g[t] * g[t]
            sq += W[j, t] * W[j, t]
            if W[j, t] != 0.0:
                nz = True
        vn = np.sqrt(vn)
        pen_val += a * np.sqrt(sq) + 0.5 * b * sq
        scale = max(scale, vn, a if nz else 0.0)  # the weight: on the support only
        if a == 0.0 and b == 0.0:
            if L[j] > 0.0:
                free_kkt = max(free_kkt, vn * vn / (2.0 * L[j]))
        elif b == 0.0 and vn > a:
            c = min(c, a / vn)
        if b > 0.0:
            ridge = True
        if L[j] <= 0.0 and b <= 0.0:
            score[j] = -1.0
            continue
        d = row_kkt(W[j], g, a, b)
        sc = d * d / (2.0 * (L[j] + b))
        crit = max(crit, sc)
        kmax = max(kmax, d)
        score[j] = sc
        if nz:
            nnz += 1
        if nz or (a == 0.0 and b == 0.0):
            score[j] = np.inf
    conj = 0.0  # rows with an L2 part: their conjugate at c V_j
    if ridge:
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
        if gram:
            print("[penalized:multitask_gram] epochs=", epochs, "primal=", primal, "gap=",
                  gap, "tol=", cfg.tol_gap)
        else:
            print("[penalized:multitask] epochs=", epochs, "primal=", primal, "gap=", gap,
                  "tol=", cfg.tol_gap)
    floor = 64.0 * cfg.eps * scale
    ws = np.empty(0, dtype=np.int64)
    # unpenalized rows: their gradient enters no dual constraint, so it is checked apart
    if certify(out, gap, primal, dual, cfg.tol_gap, cfg.eps) and free_kkt <= cfg.tol_gap:
        return True, ws, 0.0, rng
    out[2] = 0.0
    if epochs >= cfg.max_epochs:
        return True, ws, 0.0, rng
    if kmax <= floor:
        out[2] = 1.0
        return True, ws, 0.0, rng
    ws = pick_working_set(score, max(cfg.p0, 2 * nnz))
    if cfg.seed >= 0:
        rng = shuffle(ws, rng)
    tol_in = max(crit * min(0.09, cfg.tol_gap / max(gap, 1e-300)),
                 floor * floor / (2.0 * Lmax))
    return False, ws, tol_in, rng


@njit(cache=True, nogil=True, fastmath=_FM)
def mt_fit(D, Yc, W, R, pen, cfg, out):
    """The working-set solve of the module docstring. ``out`` gets (gap, primal,
    converged, outer rounds). Returns the epochs run."""
    p = D.p
    T, n = R.shape
    V = np.empty((T, p))
    SR = np.zeros(T)
    g = np.empty(T)
    score = np.empty(p)
    epochs = 0
    rng = np.uint64(cfg.seed + 88172645463325252 + int(out[3]))
    while True:
        _residual(D, Yc, W, R)
        for t in range(T):
            SR[t] = weighted_sum(R[t], D)
        out[3] += 1.0
        rr = _sq(D, R)
        ycr = 0.0
        for t in range(T):
            for i in range(n):
                ycr += (D.s[i] if D.weighted else 1.0) * Yc[t, i] * R[t, i]
        ycr /= D.S
        for j in range(p):
            _row_grad(D, j, R, SR, g)
            for t in range(T):
                V[t, j] = g[t]
        stop, ws, tol_in, rng = mt_round(W, V, D.L, pen, rr, ycr, score, cfg, out, epochs,
                                         rng, False)
        if stop:
            return epochs
        epochs += mt_epochs(D, Yc, W, R, ws, pen, cfg.max_epochs - epochs, tol_in, cfg.K)


@njit(cache=True, nogil=True, fastmath=_FM)
def mt_path(D, Yc, W, R, pen_unit, pen, alphas, cfg, Wpath, stats):
    """A warm-started path of :func:`mt_fit` over ``alphas`` (penalty ``alpha * pen_unit``,
    written into ``pen``'s arrays): ``Wpath[i]`` the solution at ``alphas[i]``, row i of
    ``stats`` (gap, primal, converged, epochs)."""
    out = np.zeros(4)
    flat = Wpath.reshape((alphas.shape[0], W.size)).T  # column i: Wpath[i], row by row
    for i in range(alphas.shape[0]):
        set_alpha(pen_unit, pen, alphas[i], 1.0, 1.0)
        for t in range(4):
            out[t] = 0.0
        stats[i, 3] = mt_fit(D, Yc, W, R, pen, cfg, out)
        store_fit(flat, stats, i, W.ravel(), out)
