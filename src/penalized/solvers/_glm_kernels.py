"""Kernels for the prox-Newton GLM solver (numba, cached on disk; imported lazily).

* ``csr_weighted_gram`` -- ``X' diag(v) X`` of a CSR working-set design, in
  ``sum_i nnz_i^2 / 2`` multiply-adds: on tall sparse designs one such product per
  Newton step replaces the weighted residual CD epochs (each a pass over all nonzeros)
  by CD epochs on a k x k matrix.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def csr_weighted_gram(indptr, indices, data, v, k):
    """Dense ``X' diag(v) X`` (float64, k x k) for CSR ``X`` with k columns."""
    G = np.zeros((k, k))
    n = indptr.shape[0] - 1
    for i in range(n):
        vi = v[i]
        if vi == 0.0:
            continue
        start = indptr[i]
        end = indptr[i + 1]
        for aa in range(start, end):
            ja = indices[aa]
            xa = vi * data[aa]
            for bb in range(aa, end):
                G[ja, indices[bb]] += xa * data[bb]
    # each pair (a, b) was added once, to [ja, jb]: fold both triangles together
    for j in range(k):
        for m in range(j + 1, k):
            t = G[j, m] + G[m, j]
            G[j, m] = t
            G[m, j] = t
    return G
