"""Sparse (CSC) products for the GLM engines (numba, cached on disk).

* ``csc_weighted_gram_ws`` -- ``X_A' diag(v) X_A`` (and ``X_A' u``) for a set A of columns
  of a CSC design, in ``nnz(A) + n`` plus ``sum_i nnz_i(A)^2 / 2`` multiply-adds: on tall
  sparse designs one such product per Newton step replaces the weighted residual CD
  epochs (each a pass over all nonzeros) by CD epochs on a |A| x |A| matrix.
* ``csc_rmatvec``, ``csc_matvec_cols`` -- ``X'u`` and ``X w`` over w's support for CSC X
  (scipy's call overhead exceeds the work on small designs).
"""

import numpy as np
from numba import njit


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
