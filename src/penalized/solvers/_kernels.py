"""Coordinate-descent kernels (numba, cached on disk).

Three entry points, each one full inner solve on a working set:

* ``cd_dense``  -- residual updates on a dense, F-ordered design,
* ``cd_sparse`` -- residual updates on a CSC design (implicit centering),
* ``cd_gram``   -- updates on the working set's Gram matrix (n_samples >> ws size).

All minimize, over the coordinates listed in ``ws`` (the others stay fixed),

    1/(2 S) sum_i s_i r_i^2 + sum_j ( a_j |w_j| + b_j / 2 w_j^2 ),   lo_j <= w_j <= up_j,

with r = yc - Xc w the residual of the (implicitly) centered problem. They run
epochs of cyclic coordinate descent, extrapolate the iterates every ``K`` epochs
(Anderson acceleration, accepted only when it lowers the objective) and stop when
the largest KKT violation met during an epoch is at most ``tol_in`` or after
``max_epochs`` epochs. They return the number of epochs run and update ``w`` and the
residual in place. Kernels see only arrays and scalars; Python keeps the outer loop.
"""

import numpy as np
from numba import njit

# Reassociation lets LLVM vectorize the reductions; no 'nnan'/'ninf' (bounds may be inf).
_FM = {"reassoc", "contract", "arcp", "nsz"}


@njit(cache=True, inline="always", fastmath=_FM)
def _prox1d(z, L, a, b, lo, up):
    """argmin_w L/2 w^2 - z w + a|w| + b/2 w^2 subject to lo <= w <= up."""
    den = L + b
    if den <= 0.0:
        return 0.0
    if z > a:
        w = (z - a) / den
    elif z < -a:
        w = (z + a) / den
    else:
        return 0.0
    if w > up:
        w = up
    elif w < lo:
        w = lo
    return w


@njit(cache=True, inline="always", fastmath=_FM)
def _kkt1d(w, grad, a, lo, up):
    """Distance of -grad to a * d|w| + N_[lo, up](w) (grad includes the L2 term)."""
    if w == 0.0:
        hi = a if up > 0.0 else np.inf
        low = -a if lo < 0.0 else -np.inf
        m = -grad
        if m > hi:
            return m - hi
        if m < low:
            return low - m
        return 0.0
    if w > 0.0:
        if w < up:
            return abs(grad + a)
        return max(0.0, a + grad)
    if w > lo:
        return abs(grad - a)
    return max(0.0, a - grad)


@njit(cache=True, fastmath=_FM)
def _anderson_weights(W, K):
    """Extrapolation weights c (sum 1) from K+1 stored iterates W[0..K] (rows).

    Returns an empty array when the small system is singular.
    """
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
        return np.empty(0)
    # Tikhonov-regularized solve of M z = 1 by Gaussian elimination.
    A = M + (1e-10 * nrm) * np.eye(K)
    z = np.ones(K)
    for col in range(K):
        piv = col
        for i in range(col + 1, K):
            if abs(A[i, col]) > abs(A[piv, col]):
                piv = i
        if abs(A[piv, col]) <= 1e-300:
            return np.empty(0)
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
    tot = z.sum()
    if tot == 0.0 or not np.isfinite(tot):
        return np.empty(0)
    return z / tot


@njit(cache=True, inline="always", fastmath=_FM)
def _extrapolate(W, K, ws, lo, up, w_acc):
    """Fill w_acc (position jj <-> feature ws[jj]) with the Anderson point, clipped to
    the bounds; False when the extrapolation is undefined."""
    c = _anderson_weights(W, K)
    if c.shape[0] != K:
        return False
    for jj in range(w_acc.shape[0]):
        acc = 0.0
        for i in range(K):
            acc += c[i] * W[i + 1, jj]
        j = ws[jj]
        w_acc[jj] = min(max(acc, lo[j]), up[j])
    return True


@njit(cache=True, inline="always", fastmath=_FM)
def _penalty_acc(w_acc, ws, a, b):
    pen = 0.0
    for jj in range(ws.shape[0]):
        j = ws[jj]
        v = w_acc[jj]
        pen += a[j] * abs(v) + 0.5 * b[j] * v * v
    return pen


@njit(cache=True, inline="always", fastmath=_FM)
def _penalty_ws(w, ws, a, b):
    pen = 0.0
    for jj in range(ws.shape[0]):
        j = ws[jj]
        pen += a[j] * abs(w[j]) + 0.5 * b[j] * w[j] * w[j]
    return pen


@njit(cache=True, inline="always", fastmath=_FM)
def _weighted_sq(r, off, s, weighted):
    acc = 0.0
    if weighted:
        for i in range(r.shape[0]):
            acc += s[i] * (r[i] + off) ** 2
    else:
        for i in range(r.shape[0]):
            acc += (r[i] + off) ** 2
    return acc


@njit(cache=True, inline="always", fastmath=_FM)
def _weighted_sum(r, s, weighted):
    acc = 0.0
    if weighted:
        for i in range(r.shape[0]):
            acc += s[i] * r[i]
    else:
        for i in range(r.shape[0]):
            acc += r[i]
    return acc


@njit(cache=True, nogil=True, fastmath=_FM)
def cd_dense(X, yc, mu, s, weighted, center, S, w, r, ws, L, a, b, lo, up,
             max_epochs, tol_in, K):
    """Working-set CD with residual updates on dense F-ordered X (see module doc)."""
    n = X.shape[0]
    k = ws.shape[0]
    W = np.empty((K + 1, k))
    r_acc = np.empty(n, dtype=r.dtype)
    w_acc = np.empty(k)
    n_stored = 0
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        # sum_i s_i r_i is 0 in exact arithmetic with an intercept; subtracting mu_j times
        # its computed value keeps rounding drift out of the gradient of large-mean columns
        SR = _weighted_sum(r, s, weighted) if center else 0.0
        for jj in range(k):
            j = ws[jj]
            Lj = L[j]
            if Lj <= 0.0 and b[j] <= 0.0:
                continue
            acc = 0.0
            if weighted:
                for i in range(n):
                    acc += X[i, j] * s[i] * r[i]
            else:
                for i in range(n):
                    acc += X[i, j] * r[i]
            if center:
                acc -= mu[j] * SR
            g = acc / S
            old = w[j]
            d = _kkt1d(old, b[j] * old - g, a[j], lo[j], up[j])
            if d > viol:
                viol = d
            new = _prox1d(Lj * old + g, Lj, a[j], b[j], lo[j], up[j])
            if new != old:
                w[j] = new
                delta = new - old
                if center:
                    m = mu[j]
                    for i in range(n):
                        r[i] -= delta * (X[i, j] - m)
                else:
                    for i in range(n):
                        r[i] -= delta * X[i, j]
        if viol <= tol_in:
            break
        # Anderson extrapolation on the working set.
        for jj in range(k):
            W[n_stored, jj] = w[ws[jj]]
        n_stored += 1
        if n_stored == K + 1:
            n_stored = 0
            if _extrapolate(W, K, ws, lo, up, w_acc):
                for i in range(n):
                    r_acc[i] = yc[i]
                for jj in range(k):
                    j = ws[jj]
                    v = w_acc[jj]
                    if v != 0.0:
                        m = mu[j] if center else 0.0
                        for i in range(n):
                            r_acc[i] -= v * (X[i, j] - m)
                pen_acc = _penalty_acc(w_acc, ws, a, b)
                f_acc = _weighted_sq(r_acc, 0.0, s, weighted) / (2 * S) + pen_acc
                f_cur = _weighted_sq(r, 0.0, s, weighted) / (2 * S) + _penalty_ws(w, ws, a, b)
                if f_acc < f_cur:
                    for jj in range(k):
                        w[ws[jj]] = w_acc[jj]
                    for i in range(n):
                        r[i] = r_acc[i]
    return epoch


@njit(cache=True, nogil=True, fastmath=_FM)
def cd_sparse(data, indices, indptr, yc, mu, s, weighted, center, S, w, r, off_arr,
              ws, L, a, b, lo, up, max_epochs, tol_in, K):
    """Working-set CD on CSC X; the true residual is ``r + off_arr[0]`` (see module doc)."""
    n = r.shape[0]
    k = ws.shape[0]
    W = np.empty((K + 1, k))
    r_acc = np.empty(n, dtype=r.dtype)
    w_acc = np.empty(k)
    off = off_arr[0]
    n_stored = 0
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        # the centered gradient is (x' s r - mu_j sum(s r)) / S for the stored r; the
        # deferred shift `off` cancels out of it exactly, so it never enters (no
        # cancellation for columns with a large mean)
        SR = _weighted_sum(r, s, weighted) if center else 0.0
        for jj in range(k):
            j = ws[jj]
            Lj = L[j]
            if Lj <= 0.0 and b[j] <= 0.0:
                continue
            start = indptr[j]
            end = indptr[j + 1]
            acc = 0.0
            if weighted:
                for ii in range(start, end):
                    i = indices[ii]
                    acc += data[ii] * s[i] * r[i]
            else:
                for ii in range(start, end):
                    acc += data[ii] * r[indices[ii]]
            if center:
                acc -= mu[j] * SR
            g = acc / S
            old = w[j]
            d = _kkt1d(old, b[j] * old - g, a[j], lo[j], up[j])
            if d > viol:
                viol = d
            new = _prox1d(Lj * old + g, Lj, a[j], b[j], lo[j], up[j])
            if new != old:
                w[j] = new
                delta = new - old
                for ii in range(start, end):
                    r[indices[ii]] -= delta * data[ii]
                if center:
                    off += delta * mu[j]
                    SR -= delta * S * mu[j]
        if off != 0.0:
            # fold the deferred constant shift into r once per epoch: a large offset
            # would cancel catastrophically against columns with a large mean
            for i in range(n):
                r[i] += off
            off = 0.0
        if viol <= tol_in:
            break
        for jj in range(k):
            W[n_stored, jj] = w[ws[jj]]
        n_stored += 1
        if n_stored == K + 1:
            n_stored = 0
            if _extrapolate(W, K, ws, lo, up, w_acc):
                off_acc = 0.0
                for i in range(n):
                    r_acc[i] = yc[i]
                for jj in range(k):
                    j = ws[jj]
                    v = w_acc[jj]
                    if v != 0.0:
                        for ii in range(indptr[j], indptr[j + 1]):
                            r_acc[indices[ii]] -= v * data[ii]
                        if center:
                            off_acc += v * mu[j]
                pen_acc = _penalty_acc(w_acc, ws, a, b)
                f_acc = _weighted_sq(r_acc, off_acc, s, weighted) / (2 * S) + pen_acc
                f_cur = _weighted_sq(r, off, s, weighted) / (2 * S) + _penalty_ws(w, ws, a, b)
                if f_acc < f_cur:
                    for jj in range(k):
                        w[ws[jj]] = w_acc[jj]
                    for i in range(n):
                        r[i] = r_acc[i] + off_acc
    off_arr[0] = off
    return epoch


@njit(cache=True, nogil=True, fastmath=_FM)
def cd_gram(G, q, w, a, b, lo, up, max_epochs, tol_in, K):
    """CD on 1/2 w'Gw - q'w + penalty over all k coordinates of ``w`` (a working set).

    ``G`` is the working set's (weighted, centered, 1/S-scaled) Gram matrix and ``q``
    the matching X'y; ``a, b, lo, up`` are already restricted to the working set.
    """
    k = w.shape[0]
    g = q - G @ w  # negative gradient of the smooth loss
    W = np.empty((K + 1, k))
    w_acc = np.empty(k)
    ws_all = np.arange(k)
    n_stored = 0
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        for j in range(k):
            Lj = G[j, j]
            if Lj <= 0.0 and b[j] <= 0.0:
                continue
            old = w[j]
            gj = g[j]
            d = _kkt1d(old, b[j] * old - gj, a[j], lo[j], up[j])
            if d > viol:
                viol = d
            new = _prox1d(Lj * old + gj, Lj, a[j], b[j], lo[j], up[j])
            if new != old:
                w[j] = new
                delta = new - old
                for i in range(k):
                    g[i] -= delta * G[j, i]  # G symmetric: row j is contiguous
        if viol <= tol_in:
            break
        for j in range(k):
            W[n_stored, j] = w[j]
        n_stored += 1
        if n_stored == K + 1:
            n_stored = 0
            if _extrapolate(W, K, ws_all, lo, up, w_acc):
                g_acc = q - G @ w_acc
                f_acc = -0.5 * (w_acc @ (q + g_acc)) + _penalty_ws(w_acc, ws_all, a, b)
                f_cur = -0.5 * (w @ (q + g)) + _penalty_ws(w, ws_all, a, b)
                if f_acc < f_cur:
                    w[:] = w_acc
                    g[:] = g_acc
    return epoch

