"""Coordinate-descent epochs (numba, cached on disk).

Two inner solves on a working set ``ws`` (the other coordinates stay fixed):

* ``cd_epochs`` -- residual updates on a :data:`~penalized.solvers.design.KernelDesign`,
  dense (F-ordered) or CSC (implicit centering, the constant shift of the residual
  deferred to the end of each epoch),
* ``cd_gram``   -- updates on the working set's Gram matrix (n_samples >> ws size).

Both minimize, over the coordinates of the working set,

    1/(2 S) sum_i s_i r_i^2 + sum_j ( a_j |w_j| + b_j / 2 w_j^2 ),   lo_j <= w_j <= up_j,

with r = yc - Xc w the residual of the (implicitly) centered problem. They run epochs of
cyclic coordinate descent, extrapolate the iterates every ``K`` epochs (Anderson
acceleration, accepted only when it lowers the objective) and stop when the largest KKT
violation met during an epoch is at most ``tol_in`` or after ``max_epochs`` epochs. They
return the number of epochs run and update ``w`` and the residual in place. The
per-coordinate prox and KKT distance are the penalty's (:mod:`penalized.penalties.separable`).

The other residual engines (:mod:`.nonconvex`, :mod:`.group`, :mod:`.multitask`) take
their pieces from here: the residual and gradient passes, :func:`extrapolate` (Anderson's
weights and point) and :func:`anderson_candidate` (the extrapolated point of a working set,
clipped to its bounds, with its residual and smooth loss); each adds only its own penalty
to decide whether the candidate is kept.
"""

import numpy as np

from ..._jit import njit
from ...penalties._fastmath import INTERNAL
from ...penalties.separable import FASTMATH as _FM
from ...penalties.separable import kkt1d, prox1d

# Anderson extrapolation: the number of stored iterate differences (every solver)
ANDERSON_K = 5


@njit(cache=True, fastmath=_FM, **INTERNAL)
def extrapolate(W, K, out):
    """The Anderson extrapolation of the K+1 iterates stored in W's rows into ``out``:
    ``sum_t c_t W[t + 1]`` with weights c (sum 1) from the iterates' differences. Returns
    False (``out`` untouched) when the small system is singular."""
    k = W.shape[1]
    U = np.empty((K, k))
    for i in range(K):
        for j in range(k):
            U[i, j] = W[i + 1, j] - W[i, j]
    M = np.empty((K, K))  # U U' by loops: no BLAS (worker threads) inside kernels
    for i in range(K):
        for j in range(i + 1):
            acc = 0.0
            for t in range(k):
                acc += U[i, t] * U[j, t]
            M[i, j] = acc
            M[j, i] = acc
    nrm = 0.0
    for i in range(K):
        nrm += M[i, i]
    if nrm <= 0.0:
        return False
    # Tikhonov-regularized solve of M z = 1 by Gaussian elimination.
    A = M
    for i in range(K):
        A[i, i] += 1e-10 * nrm
    z = np.empty(K)
    for i in range(K):
        z[i] = 1.0
    for col in range(K):
        piv = col
        for i in range(col + 1, K):
            if abs(A[i, col]) > abs(A[piv, col]):
                piv = i
        if abs(A[piv, col]) <= 1e-300:
            return False
        if piv != col:
            for j in range(K):
                t = A[col, j]
                A[col, j] = A[piv, j]
                A[piv, j] = t
            t = z[col]
            z[col] = z[piv]
            z[piv] = t
        for i in range(col + 1, K):
            f = A[i, col] / A[col, col]
            for j in range(col, K):
                A[i, j] -= f * A[col, j]
            z[i] -= f * z[col]
    for i in range(K - 1, -1, -1):
        acc = z[i]
        for j in range(i + 1, K):
            acc -= A[i, j] * z[j]
        z[i] = acc / A[i, i]
    tot = 0.0
    for i in range(K):
        tot += z[i]
    if tot == 0.0 or not np.isfinite(tot):
        return False
    for i in range(K):
        z[i] /= tot
    for jj in range(k):
        acc = 0.0
        for i in range(K):
            acc += z[i] * W[i + 1, jj]
        out[jj] = acc
    return True


@njit(cache=True, fastmath=_FM, **INTERNAL)
def anderson_candidate(D, yc, w, r, ws, lo, up, W, n_stored, w_acc, r_acc):
    """Anderson extrapolation on the working set ``ws`` (which holds every nonzero of
    ``w``; position jj <-> feature ws[jj]): stores ``w[ws]`` as the iterate ``n_stored`` of
    ``W`` (K+1 rows) and, once K+1 are stored, puts the extrapolated point, clipped to
    ``[lo_j, up_j]``, into ``w_acc`` and its residual ``yc - Xc w_acc`` into ``r_acc``.

    Returns (the number of stored iterates, whether a candidate is ready, the smooth loss
    ``sum_i s_i r_i^2 / (2 S)`` at the candidate and at ``w``, whose residual is ``r``).
    With a candidate ready, ``W[K]`` holds the current ``w[ws]``: the caller adds the
    penalty at both points and keeps the candidate only when it is lower."""
    K = W.shape[0] - 1
    for jj in range(ws.shape[0]):
        W[n_stored, jj] = w[ws[jj]]
    n_stored += 1
    if n_stored < K + 1 or not extrapolate(W, K, w_acc):
        return n_stored % (K + 1), False, 0.0, 0.0
    for jj in range(ws.shape[0]):
        j = ws[jj]
        w_acc[jj] = min(max(w_acc[jj], lo[j]), up[j])
    residual_ws(D, yc, ws, w_acc, r_acc)
    S2 = 2 * D.S
    return 0, True, weighted_sq(r_acc, 0.0, D) / S2, weighted_sq(r, 0.0, D) / S2


@njit(cache=True, fastmath=_FM, **INTERNAL)
def take_candidate(w, ws, w_acc, r, r_acc):
    """The candidate of :func:`anderson_candidate` replaces the iterate: ``w[ws] = w_acc``
    and its residual ``r = r_acc``."""
    for jj in range(ws.shape[0]):
        w[ws[jj]] = w_acc[jj]
    for i in range(r.shape[0]):
        r[i] = r_acc[i]


@njit(cache=True, fastmath=_FM, **INTERNAL)
def penalty_ws(w_ws, ws, pen):
    """Penalty of the working-set coordinates ``w_ws`` (position jj <-> feature ws[jj])."""
    out = 0.0
    for jj in range(ws.shape[0]):
        j = ws[jj]
        v = w_ws[jj]
        out += pen.a[j] * abs(v) + 0.5 * pen.b[j] * v * v
    return out


@njit(cache=True, fastmath=_FM, **INTERNAL)
def coordinate_step(w_j, g, L, j, pen):
    """One coordinate update: the prox at ``w_j`` for the negative smooth gradient ``g``
    and curvature ``L``, and the coordinate's KKT violation before it."""
    a, b = pen.a[j], pen.b[j]
    viol = kkt1d(w_j, b * w_j - g, a, pen.lo[j], pen.up[j])
    return prox1d(L * w_j + g, L, a, b, pen.lo[j], pen.up[j]), viol


@njit(cache=True, fastmath=_FM, **INTERNAL)
def nonzeros(w):
    """Indices of the nonzeros of w (a loop: no array-API overloads to compile)."""
    k = 0
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            k += 1
    out = np.empty(k, dtype=np.int64)
    k = 0
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            out[k] = j
            k += 1
    return out


@njit(cache=True, fastmath=_FM, **INTERNAL)
def _gram_grad(G, q, w, g):
    """g = q - G w (G symmetric, C order)."""
    for i in range(w.shape[0]):
        acc = q[i]
        for j in range(w.shape[0]):
            acc -= G[i, j] * w[j]
        g[i] = acc


@njit(cache=True, fastmath=_FM, **INTERNAL)
def weighted_sq(r, off, D):
    """``sum_i s_i (r_i + off)^2``."""
    acc = 0.0
    if D.weighted:
        for i in range(r.shape[0]):
            acc += D.s[i] * (r[i] + off) ** 2
    else:
        for i in range(r.shape[0]):
            acc += (r[i] + off) ** 2
    return acc


@njit(cache=True, fastmath=_FM)
def weighted_sum(r, D):
    """``sum_i s_i r_i``."""
    acc = 0.0
    if D.weighted:
        for i in range(r.shape[0]):
            acc += D.s[i] * r[i]
    else:
        for i in range(r.shape[0]):
            acc += r[i]
    return acc


# col_dot and col_axpy are inlined into their callers: a call per column would pass the whole
# KernelDesign by value, which costs more than the dot product of a short column (riboflavin,
# 71 x 4088: a full gradient 0.49 ms called, 0.06 ms inlined)
@njit(cache=True, fastmath=_FM, inline="always", **INTERNAL)
def col_dot(D, j, u, weighted):
    """``x_j' diag(s) u`` (``weighted``) or ``x_j' u`` for the raw column j."""
    acc = 0.0
    if D.sparse:
        if weighted:
            for ii in range(D.indptr[j], D.indptr[j + 1]):
                i = D.indices[ii]
                acc += D.data[ii] * D.s[i] * u[i]
        else:
            for ii in range(D.indptr[j], D.indptr[j + 1]):
                acc += D.data[ii] * u[D.indices[ii]]
    else:
        X = D.X
        if weighted:
            for i in range(D.n):
                acc += X[i, j] * D.s[i] * u[i]
        else:
            for i in range(D.n):
                acc += X[i, j] * u[i]
    return acc


@njit(cache=True, fastmath=_FM, inline="always", **INTERNAL)
def col_axpy(D, j, delta, r):
    """``r -= delta * x_j`` for the raw column j (the centering is the caller's)."""
    if D.sparse:
        for ii in range(D.indptr[j], D.indptr[j + 1]):
            r[D.indices[ii]] -= delta * D.data[ii]
    else:
        X = D.X
        for i in range(D.n):
            r[i] -= delta * X[i, j]


@njit(cache=True, fastmath=_FM, **INTERNAL)
def centered_dot(D, j, u, tot):
    """``xc_j' u = x_j' u - mu_j tot`` for a vector u whose sum is ``tot``."""
    acc = col_dot(D, j, u, False)
    if D.center:
        acc -= D.mu[j] * tot
    return acc


@njit(cache=True, fastmath=_FM, inline="always", **INTERNAL)
def axpy_centered(D, j, delta, r):
    """``r -= delta * xc_j`` for the centered column j. Dense designs update r in one
    pass; CSC ones touch only the stored entries and return the constant shift
    ``delta * mu_j`` that the caller owes r (deferred: no pass over all n)."""
    if D.sparse:
        col_axpy(D, j, delta, r)
        return delta * D.mu[j] if D.center else 0.0
    X = D.X
    m = D.mu[j] if D.center else 0.0
    for i in range(D.n):
        r[i] -= delta * (X[i, j] - m)
    return 0.0


@njit(cache=True, fastmath=_FM, inline="always", **INTERNAL)
def move_residual(D, mu, center, j, delta, r, off, SR):
    """Within an epoch on a CSC design: ``r -= delta * xc_j`` on the stored entries, the
    centering's constant shift deferred into ``off`` (folded into r by
    :func:`fold_shift`) and the weighted sum ``SR = sum_i s_i r_i`` of the stored r kept
    current. Returns (off, SR). ``mu = D.mu`` is read once by the caller, and this is
    inlined (numba IR) into the epochs: reading an array field of D, or a call, per
    coordinate cost 5% to 30% (MCP on sparse 500 x 3000). Dense designs write their
    update out in the epoch (``r[i] -= delta * (X[i, j] - mu_j)``): inlined from here it
    cost 17-41% (sim 500 x 600, group lasso 300 x 1200)."""
    col_axpy(D, j, delta, r)
    if center:
        off += delta * mu[j]
        SR -= delta * D.S * mu[j]
    return off, SR


@njit(cache=True, fastmath=_FM, inline="always", **INTERNAL)
def fold_shift(r, off):
    """Once per epoch, the deferred constant shift into r (a large offset would cancel
    catastrophically against columns with a large mean); returns the new shift, 0."""
    if off != 0.0:
        for i in range(r.shape[0]):
            r[i] += off
    return 0.0


@njit(cache=True, fastmath=_FM, **INTERNAL)
def residual_ws(D, yc, ws, w_ws, r):
    """``r = yc - sum_jj w_ws[jj] xc_{ws[jj]}`` afresh, from the nonzeros of ``w_ws``."""
    shift = 0.0
    for i in range(D.n):
        r[i] = yc[i]
    if not D.sparse:  # dense: the products written out (X and the flags read once)
        X, mu = D.X, D.mu
        for jj in range(ws.shape[0]):
            wa = w_ws[jj]
            if wa != 0.0:
                j = ws[jj]
                m = mu[j] if D.center else 0.0
                for i in range(D.n):
                    r[i] -= wa * (X[i, j] - m)
        return
    for jj in range(ws.shape[0]):
        if w_ws[jj] != 0.0:
            shift += axpy_centered(D, ws[jj], w_ws[jj], r)
    if shift != 0.0:
        for i in range(D.n):
            r[i] += shift


@njit(cache=True, fastmath=_FM, **INTERNAL)
def residual(D, yc, w, r):
    """``r = yc - Xc w`` afresh, from the nonzeros of w."""
    every = np.empty(D.p, dtype=np.int64)  # (a loop: np.arange compiled for 0.2 s)
    for j in range(D.p):
        every[j] = j
    residual_ws(D, yc, every, w, r)


@njit(cache=True, fastmath=_FM, **INTERNAL)
def gradient(D, r, v):
    """``v = Xc' diag(s) r / S`` over all features."""
    # the products first, the centering in a second pass: a loop that also uses SR
    # does not vectorize its (inlined) products (riboflavin: 0.45 against 0.06 ms)
    for j in range(D.p):
        v[j] = col_dot(D, j, r, D.weighted)
    if D.center:
        SR = weighted_sum(r, D)
        for j in range(D.p):
            v[j] -= D.mu[j] * SR
    for j in range(D.p):
        v[j] /= D.S


@njit(cache=True, nogil=True, fastmath=_FM, **INTERNAL)
def cd_epochs(D, yc, w, r, ws, pen, max_epochs, tol_in, K):
    """Working-set CD with residual updates (see the module docstring); ``r`` is the
    exact residual on entry and on return, and ``ws`` must hold every nonzero of ``w``."""
    n = D.n
    k = ws.shape[0]
    mu, S, center = D.mu, D.S, D.center
    # dense designs: the products written out here, X and the flags read once (through
    # col_dot and axpy_centered, per coordinate, an epoch on the 297 nonzeros of sim
    # 500 x 600 cost 0.11 ms, against 0.057 ms so)
    dense = not D.sparse
    X, s, weighted = D.X, D.s, D.weighted
    # CSC designs alike: their arrays read once (through col_dot per coordinate, the
    # plain-L1 logistic kernel on dexter 300 x 20000 spent 0.62 ms a call, against 0.43)
    data, indices, indptr = D.data, D.indices, D.indptr
    W = np.empty((K + 1, k))
    r_acc = np.empty(n)
    w_acc = np.empty(k)
    off = 0.0  # sparse: the deferred constant shift of the residual (centering)
    n_stored = np.int64(0)  # (a literal 0 compiled the callee a second time)
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        # sum_i s_i r_i is 0 in exact arithmetic with an intercept; subtracting mu_j times
        # its computed value keeps rounding drift out of the gradient of large-mean
        # columns (sparse: the deferred shift cancels out of it exactly, so it never
        # enters: no cancellation for columns with a large mean)
        SR = weighted_sum(r, D) if center else 0.0
        for jj in range(k):
            j = ws[jj]
            Lj = D.L[j]
            bj = pen.b[j]
            if Lj <= 0.0 and bj <= 0.0:
                continue
            if dense:
                acc = 0.0
                if weighted:
                    for i in range(n):
                        acc += X[i, j] * s[i] * r[i]
                else:
                    for i in range(n):
                        acc += X[i, j] * r[i]
            elif weighted:
                acc = 0.0
                for ii in range(indptr[j], indptr[j + 1]):
                    i = indices[ii]
                    acc += data[ii] * s[i] * r[i]
            else:
                acc = 0.0
                for ii in range(indptr[j], indptr[j + 1]):
                    acc += data[ii] * r[indices[ii]]
            if center:
                acc -= mu[j] * SR
            old = w[j]
            new, d = coordinate_step(old, acc / S, Lj, j, pen)
            viol = max(viol, d)
            if new != old:
                w[j] = new
                if dense:
                    # written out (a helper holding this loop, inlined here, cost 24-41%
                    # on sim 500 x 600 frac 0.01: 7.0 against 5.0-5.3 ms side by side,
                    # same epochs and gap)
                    delta = new - old
                    m = mu[j] if center else 0.0
                    if m == 0.0 or m * m <= Lj:
                        # a column whose mean is within its spread: the centering's shift
                        # deferred as for CSC (one multiply-add an entry, not two)
                        for i in range(n):
                            r[i] -= delta * X[i, j]
                        if center:
                            off += delta * m
                            SR -= delta * S * m
                    else:
                        for i in range(n):
                            r[i] -= delta * (X[i, j] - m)
                else:
                    delta = new - old
                    for ii in range(indptr[j], indptr[j + 1]):
                        r[indices[ii]] -= delta * data[ii]
                    if center:  # the centering's shift, deferred (see move_residual)
                        off += delta * mu[j]
                        SR -= delta * S * mu[j]
        off = fold_shift(r, off)
        if viol <= tol_in:
            break
        # Anderson extrapolation on the working set.
        n_stored, ready, f_acc, f_cur = anderson_candidate(D, yc, w, r, ws, pen.lo, pen.up, W,
                                                           n_stored, w_acc, r_acc)
        if ready and (f_acc + penalty_ws(w_acc, ws, pen)
                      < f_cur + penalty_ws(W[K], ws, pen)):
            take_candidate(w, ws, w_acc, r, r_acc)
    return epoch


@njit(cache=True, nogil=True, fastmath=_FM)
def cd_epochs_call(D, yc, w, r, ws, pen, max_epochs, tol_in, K):
    """:func:`cd_epochs` called from Python (prox-Newton's weighted models): ``cd_epochs``
    itself has no CPython wrapper (``INTERNAL``: a cold first ``Lasso().fit`` compiles it
    inside ``ws_fit`` and never calls it from Python)."""
    return cd_epochs(D, yc, w, r, ws, pen, max_epochs, tol_in, K)


@njit(cache=True, nogil=True, fastmath=_FM)
def cd_gram(G, q, w, pen, max_epochs, tol_in):
    """CD on 1/2 w'Gw - q'w + penalty over all k coordinates of ``w`` (a working set).

    ``G`` is the working set's (weighted, centered, 1/S-scaled) Gram matrix and ``q``
    the matching X'y; ``pen`` is already restricted to the working set. An epoch costs
    k^2 flops: no extrapolation (the Gram engine asks for support Newton steps when the
    epochs are slow instead).
    """
    k = w.shape[0]
    g = np.empty(k)  # negative gradient of the smooth loss
    _gram_grad(G, q, w, g)
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        for j in range(k):
            Lj = G[j, j]
            bj = pen.b[j]
            if Lj <= 0.0 and bj <= 0.0:
                continue
            old = w[j]
            new, d = coordinate_step(old, g[j], Lj, j, pen)
            viol = max(viol, d)
            if new != old:
                w[j] = new
                delta = new - old
                for i in range(k):
                    g[i] -= delta * G[j, i]  # G symmetric: row j is contiguous
        if viol <= tol_in:
            break
    return epoch
