"""Kernels for the prox-Newton GLM solver (numba, cached on disk; imported lazily).

* ``csr_weighted_gram_cols`` -- ``X_A' diag(v) X_A`` for a set A of columns of a CSR
  design, in one pass over the nonzeros plus ``sum_i nnz_i(A)^2 / 2`` multiply-adds: on
  tall sparse designs one such product per Newton step replaces the weighted residual CD
  epochs (each a pass over all nonzeros) by CD epochs on a |A| x |A| matrix.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def csr_weighted_gram_cols(indptr, indices, data, v, pos, k):
    """Dense ``X_A' diag(v) X_A`` for the columns ``A`` of CSR ``X`` with ``pos[j] >= 0``
    (their order in the result); the other columns are skipped."""
    G = np.zeros((k, k))
    n = indptr.shape[0] - 1
    cols = np.empty(max(k, 1), dtype=np.int64)  # one row's entries in A
    vals = np.empty(max(k, 1))
    for i in range(n):
        vi = v[i]
        if vi == 0.0:
            continue
        m = 0
        for aa in range(indptr[i], indptr[i + 1]):
            c = pos[indices[aa]]
            if c >= 0:
                cols[m] = c
                vals[m] = data[aa]
                m += 1
        for aa in range(m):
            ja = cols[aa]
            xa = vi * vals[aa]
            for bb in range(aa, m):
                G[ja, cols[bb]] += xa * vals[bb]
    for j in range(k):
        for m in range(j + 1, k):
            t = G[j, m] + G[m, j]
            G[j, m] = t
            G[m, j] = t
    return G


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
