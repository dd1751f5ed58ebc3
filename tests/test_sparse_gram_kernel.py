"""The sparse kernels of prox-Newton steps (the weighted Gram of a working set, the Gram
product count that picks the model engine, the working set's columns) against numpy and
scipy."""

import numpy as np
import pytest
import scipy.sparse as sp

from penalized.solvers.kernels.sparse import _GRAM_ROWS, csc_row_square_sum, csc_weighted_gram_ws


def _reference(X, v, u, ws):
    Xa = X[:, ws].toarray()
    return Xa.T @ (v[:, None] * Xa), Xa.T @ u


@pytest.mark.parametrize("n", [1, 7, _GRAM_ROWS, _GRAM_ROWS + 1, 3 * _GRAM_ROWS - 5])
@pytest.mark.parametrize("density", [0.02, 0.3, 1.0])
def test_weighted_gram_matches_dense(n, density):
    rng = np.random.default_rng(n + int(100 * density))
    p = 13
    X = sp.random(n, p, density=density, format="csc", random_state=rng)
    X = X.multiply(rng.standard_normal(X.shape)).tocsc()  # signed values
    X.sort_indices()
    v = rng.uniform(0.0, 2.0, n)
    v[rng.random(n) < 0.2] = 0.0  # rows without weight are skipped
    u = rng.standard_normal(n)
    for ws in (np.arange(p), np.array([11, 2, 5]), np.array([0]), rng.permutation(p)[:7]):
        ws = ws.astype(np.int64)
        G, q = csc_weighted_gram_ws(X.indptr, X.indices, X.data, v, u, ws, n)
        G_ref, q_ref = _reference(X, v, u, ws)
        np.testing.assert_allclose(G, G_ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(q, q_ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(G, G.T)


def test_weighted_gram_empty_columns_and_rows():
    n, p = 2 * _GRAM_ROWS + 3, 6
    rows = np.array([0, 5, _GRAM_ROWS - 1, _GRAM_ROWS, n - 1, n - 1])
    cols = np.array([1, 1, 3, 3, 3, 1])
    X = sp.csc_matrix((np.arange(1.0, 7.0), (rows, cols)), shape=(n, p))
    v = np.ones(n)
    u = np.arange(n, dtype=float)
    ws = np.array([0, 1, 3, 5], dtype=np.int64)  # columns 0 and 5 have no entries
    G, q = csc_weighted_gram_ws(X.indptr, X.indices, X.data, v, u, ws, n)
    G_ref, q_ref = _reference(X, v, u, ws)
    np.testing.assert_allclose(G, G_ref, rtol=1e-13)
    np.testing.assert_allclose(q, q_ref, rtol=1e-13)
    assert G[0].sum() == 0 and G[:, 3].sum() == 0


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_row_square_sum_counts_the_gram_products(index_dtype):
    rng = np.random.default_rng(3)
    n, p = 40, 9
    X = sp.random(n, p, density=0.25, format="csc", random_state=rng)
    X.indices = X.indices.astype(index_dtype)
    counts = np.bincount(X.indices, minlength=n)  # empty rows included
    assert csc_row_square_sum(X.indices, n) == float(counts @ counts)
    # sum_i nnz_i^2 is the number of nonzero products of the Gram matrix X'X
    B = (X != 0).astype(float)
    assert csc_row_square_sum(X.indices, n) == (B.T @ B).sum()
    assert csc_row_square_sum(np.empty(0, dtype=index_dtype), n) == 0.0


def test_csc_columns_is_scipys_column_selection():
    from penalized.solvers.design import Design, _csc_columns

    rng = np.random.default_rng(4)
    X = sp.random(30, 12, density=0.3, format="csc", random_state=rng)
    for cols in (np.arange(12), np.array([0, 3, 11]), np.array([5]), np.array([], int)):
        ref = X[:, cols]
        got = _csc_columns(X, cols)
        assert got.shape == ref.shape and got.has_canonical_format
        np.testing.assert_array_equal(got.toarray(), ref.toarray())
        np.testing.assert_array_equal(got.indptr, ref.indptr)
        sub = Design(X, None, True).subset(cols)
        np.testing.assert_array_equal(sub.X.toarray(), ref.toarray())
