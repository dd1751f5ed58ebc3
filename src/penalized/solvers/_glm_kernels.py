"""Kernels for the prox-Newton GLM solver (numba, cached on disk; imported lazily).

* ``csc_weighted_gram_ws`` -- ``X_A' diag(v) X_A`` (and ``X_A' u``) for a set A of columns
  of a CSC design, in ``nnz(A) + n`` plus ``sum_i nnz_i(A)^2 / 2`` multiply-adds: on tall
  sparse designs one such product per Newton step replaces the weighted residual CD
  epochs (each a pass over all nonzeros) by CD epochs on a |A| x |A| matrix.
* ``csc_rmatvec``, ``csc_matvec_cols`` -- ``X'u`` and ``X w`` over w's support for CSC X
  (scipy's call overhead exceeds the work on small designs).
* ``logistic_l1_newton_sparse`` -- the prox-Newton steps of plain-L1 logistic without an
  intercept on a CSC (working-set) design, in one call: on wide problems the Python
  overhead of a step costs more than its CD epochs.
"""

import numpy as np
from numba import njit

from ._kernels import cd_sparse


@njit(cache=True)
def csc_rmatvec(indptr, indices, data, u):
    """``X' u`` (float64) for CSC ``X``."""
    p = indptr.shape[0] - 1
    out = np.empty(p)
    for j in range(p):
        acc = 0.0
        for ii in range(indptr[j], indptr[j + 1]):
            acc += data[ii] * u[indices[ii]]
        out[j] = acc
    return out


@njit(cache=True)
def csc_matvec_cols(indptr, indices, data, w, cols, n):
    """``X[:, cols] w[cols]`` (float64) for CSC ``X`` with n rows."""
    out = np.zeros(n)
    for jj in range(cols.shape[0]):
        j = cols[jj]
        wj = w[j]
        for ii in range(indptr[j], indptr[j + 1]):
            out[indices[ii]] += data[ii] * wj
    return out


@njit(cache=True, inline="always")
def _softplus(e):
    """log(1 + exp(e)) without overflow."""
    if e > 0.0:
        return e + np.log1p(np.exp(-e))
    return np.log1p(np.exp(e))


@njit(cache=True, inline="always")
def _xlogx(q):
    return q * np.log(q) if q > 0.0 else 0.0


@njit(cache=True)
def _logistic_l1_gap(data, indices, indptr, y, s, S, offset, eta, w, a, pr, g, grad):
    """(gap, primal) of plain-L1 logistic at (w, eta) (eta includes the offset); fills
    pr = expit(eta), g = l'(eta) and grad = X' (s g) / S (as the solver's ``glm_gap``)."""
    n = eta.shape[0]
    k = w.shape[0]
    loss = 0.0
    for i in range(n):
        e = eta[i]
        loss += s[i] * (_softplus(e) - y[i] * e)
        if e >= 0.0:
            pr[i] = 1.0 / (1.0 + np.exp(-e))
        else:
            t = np.exp(e)
            pr[i] = t / (1.0 + t)
        g[i] = pr[i] - y[i]
    pen = 0.0
    worst = 0.0
    for j in range(k):
        acc = 0.0
        for ii in range(indptr[j], indptr[j + 1]):
            i = indices[ii]
            acc += data[ii] * s[i] * g[i]
        grad[j] = acc / S
        pen += a[j] * abs(w[j])
        r = abs(grad[j]) / a[j]
        if r > worst:
            worst = r
    c = 1.0 / worst if worst > 1.0 else 1.0
    conj = 0.0
    for i in range(n):
        u = c * g[i]
        q = min(max(u + y[i], 0.0), 1.0)
        # the conjugate of t -> l(t + o) is l*(u) - u o
        conj += s[i] * (_xlogx(q) + _xlogx(1.0 - q) - u * offset[i])
    primal = loss / S + pen
    return primal + conj / S, primal


@njit(cache=True)
def logistic_l1_newton_sparse(data, indices, indptr, y, s, S, offset, w, a, tol_gap,
                              max_epochs, max_inner, K):
    """Prox-Newton for ``1/S sum_i s_i l(x_i.w + o_i) + sum_j a_j |w_j|`` (logistic, no
    intercept, every a_j > 0) on CSC X, the steps of the Python solver without its
    Python overhead: gap, weighted model, CD epochs to 0.3 of the KKT violation, Armijo
    line search. Updates ``w`` in place.

    Returns (status, epochs, gap, primal): status 0 converged (gap <= tol_gap), 1 out of
    epochs, 2 a step that the line search could not use (the caller takes over).
    """
    n = y.shape[0]
    k = w.shape[0]
    eta = offset.copy()
    for j in range(k):
        if w[j] != 0.0:
            for ii in range(indptr[j], indptr[j + 1]):
                eta[indices[ii]] += data[ii] * w[j]
    pr = np.empty(n)
    g = np.empty(n)
    grad = np.empty(k)
    v = np.empty(n)
    z = np.empty(n)
    r = np.empty(n)
    L = np.empty(k)
    af = np.empty(k)
    zeros_k = np.zeros(k)
    lo = np.full(k, -np.inf)
    up = np.full(k, np.inf)
    ws = np.arange(k)
    off_arr = np.zeros(1)
    eta_new = np.empty(n)
    eps = np.finfo(np.float64).eps
    amax = 0.0
    for j in range(k):
        amax = max(amax, a[j])
    epochs = 0
    while True:
        gap, primal = _logistic_l1_gap(data, indices, indptr, y, s, S, offset, eta, w, a, pr,
                                       g, grad)
        if gap <= tol_gap:
            return 0, epochs, gap, primal
        if epochs >= max_epochs:
            return 1, epochs, gap, primal
        kkt_max = 0.0
        gmax = 0.0
        for j in range(k):
            gj = grad[j]
            gmax = max(gmax, abs(gj))
            if w[j] == 0.0:
                d = max(abs(gj) - a[j], 0.0)
            elif w[j] > 0.0:
                d = abs(gj + a[j])
            else:
                d = abs(gj - a[j])
            kkt_max = max(kkt_max, d)
        V = 0.0
        for i in range(n):
            h = max(pr[i] * (1.0 - pr[i]), 1e-10)
            v[i] = s[i] * h
            V += v[i]
            r[i] = -g[i] / h
            z[i] = eta[i] - offset[i] + r[i]
        f = S / V
        for j in range(k):
            acc = 0.0
            for ii in range(indptr[j], indptr[j + 1]):
                acc += v[indices[ii]] * data[ii] * data[ii]
            L[j] = acc / V
            af[j] = a[j] * f
        kkt_tol = max(0.3 * kkt_max, 64 * eps * max(gmax, amax)) * f
        w_new = w.copy()
        off_arr[0] = 0.0
        epochs += cd_sparse(data, indices, indptr, z, zeros_k, v, True, False, V, w_new, r,
                            off_arr, ws, L, af, zeros_k, lo, up,
                            min(max(max_epochs - epochs, 1), max_inner), kkt_tol, K)
        # the step along the model's solution, Armijo backtracking on the true objective
        eta_new[:] = eta
        decrease = 0.0
        pen_w = 0.0
        pen_new = 0.0
        for j in range(k):
            dj = w_new[j] - w[j]
            pen_w += a[j] * abs(w[j])
            pen_new += a[j] * abs(w_new[j])
            if dj != 0.0:
                for ii in range(indptr[j], indptr[j + 1]):
                    eta_new[indices[ii]] += data[ii] * dj
        for i in range(n):
            decrease += s[i] * g[i] * (eta_new[i] - eta[i])
        decrease = decrease / S + pen_new - pen_w
        if not decrease < 0.0:
            return 2, epochs, gap, primal
        t = 1.0
        ok = False
        for _ in range(40):
            f_t = 0.0
            for i in range(n):
                e = eta[i] + t * (eta_new[i] - eta[i])
                f_t += s[i] * (_softplus(e) - y[i] * e)
            pen_t = 0.0
            for j in range(k):
                pen_t += a[j] * abs(w[j] + t * (w_new[j] - w[j]))
            if f_t / S + pen_t <= primal + 1e-4 * t * decrease:
                ok = True
                break
            t *= 0.5
        if not ok:
            return 2, epochs, gap, primal
        for j in range(k):
            w[j] = w[j] + t * (w_new[j] - w[j])
        for i in range(n):
            eta[i] = eta[i] + t * (eta_new[i] - eta[i])


@njit(cache=True)
def csc_weighted_gram_ws(indptr, indices, data, v, u, ws, n):
    """``(X_A' diag(v) X_A, X_A' u)`` for the columns ``A = ws`` of CSC ``X`` (n rows):
    the columns are regrouped by row once (``nnz(A) + n``), then ``sum_i nnz_i(A)^2 / 2``
    multiply-adds."""
    k = ws.shape[0]
    rowptr = np.zeros(n + 1, dtype=np.int64)
    q = np.empty(k)
    for jj in range(k):
        j = ws[jj]
        acc = 0.0
        for ii in range(indptr[j], indptr[j + 1]):
            rowptr[indices[ii] + 1] += 1
            acc += data[ii] * u[indices[ii]]
        q[jj] = acc
    for i in range(n):
        rowptr[i + 1] += rowptr[i]
    fill = rowptr[:n].copy()
    cols = np.empty(rowptr[n], dtype=np.int64)
    vals = np.empty(rowptr[n])
    for jj in range(k):
        j = ws[jj]
        for ii in range(indptr[j], indptr[j + 1]):
            i = indices[ii]
            cols[fill[i]] = jj
            vals[fill[i]] = data[ii]
            fill[i] += 1
    G = np.zeros((k, k))
    for i in range(n):
        vi = v[i]
        if vi == 0.0:
            continue
        end = rowptr[i + 1]
        for aa in range(rowptr[i], end):
            ja = cols[aa]
            xa = vi * vals[aa]
            for bb in range(aa, end):
                G[ja, cols[bb]] += xa * vals[bb]
    for j in range(k):  # entries were added to the upper triangle (cols ascend per row)
        for m in range(j + 1, k):
            G[m, j] = G[j, m]
    return G, q
