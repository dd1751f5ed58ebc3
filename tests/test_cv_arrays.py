"""The one-pass copies of the CV and path code (kernels/arrays.py) against numpy and
scipy: a fold's rows, a path's CSC coefficients, the test rows' predictors."""

import numpy as np
import pytest
import scipy.sparse as sp

import penalized.model_selection._cv as cv_mod
import penalized.paths as paths_mod
from penalized import path
from penalized.model_selection._cv import _rows, linear_predictor, support_predictor
from penalized.paths import path_csc


@pytest.mark.parametrize("order", ["F", "C"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fold_rows_are_numpys_gather(order, dtype, monkeypatch):
    monkeypatch.setattr(cv_mod, "_GATHER_MIN", 0)  # the kernel on small arrays too
    rng = np.random.default_rng(0)
    X = np.asarray(rng.standard_normal((30, 7)), dtype=dtype, order=order)
    for idx in (np.array([3, 0, 29, 3, 17]), np.array([-1, -30, 5]), np.arange(30),
                rng.random(30) < 0.5, np.array([], dtype=np.int64)):
        out = _rows(X, idx)
        assert out.flags.f_contiguous and out.dtype == dtype
        np.testing.assert_array_equal(out, X[idx])
        cols = np.array([6, 0, 3])
        out = _rows(X, idx, cols)
        assert out.flags.f_contiguous and out.shape == (X[idx].shape[0], 3)
        np.testing.assert_array_equal(out, X[idx][:, cols])


def test_fold_rows_out_of_range_raise_numpys_error(monkeypatch):
    monkeypatch.setattr(cv_mod, "_GATHER_MIN", 0)
    X = np.asfortranarray(np.ones((4, 3)))
    with pytest.raises(IndexError):
        _rows(X, np.array([0, 4]))
    with pytest.raises(IndexError):
        _rows(X, np.array([-5]))


def test_fold_rows_of_other_layouts_and_types(monkeypatch):
    monkeypatch.setattr(cv_mod, "_GATHER_MIN", 0)
    X = np.arange(60.0).reshape(6, 10)[:, ::2]  # neither C nor F contiguous
    np.testing.assert_array_equal(_rows(X, [1, 4]), X[[1, 4]])
    Xi = np.arange(12).reshape(4, 3)
    np.testing.assert_array_equal(_rows(Xi, [2, 0]), Xi[[2, 0]])
    np.testing.assert_array_equal(_rows(Xi, [2, 0], [2]), Xi[[2, 0]][:, [2]])
    Xs = sp.random(6, 5, density=0.5, format="csr", random_state=0)
    np.testing.assert_array_equal(_rows(Xs, [1, 4], [0, 3]).toarray(),
                                  Xs.toarray()[[1, 4]][:, [0, 3]])


def test_path_csc_is_scipys(monkeypatch):
    monkeypatch.setattr(paths_mod, "_CSC_KERNEL_MIN", 0)
    rng = np.random.default_rng(1)
    W = np.asfortranarray(rng.standard_normal((50, 9)) * (rng.random((50, 9)) < 0.2))
    W[:, 3] = 0.0
    W[7, 4] = -0.0  # a negative zero is not stored, as scipy
    W[8, 4] = np.nan  # NaN is stored, as scipy
    got, ref = path_csc(W), sp.csc_matrix(W)
    assert got.shape == ref.shape and got.has_sorted_indices
    np.testing.assert_array_equal(got.indptr, ref.indptr)
    np.testing.assert_array_equal(got.indices, ref.indices)
    np.testing.assert_array_equal(got.data, ref.data)
    W[8, 4] = 1.5
    for Z in (np.zeros((5, 3), order="F"), np.zeros((5, 0), order="F"),
              np.ascontiguousarray(W)):
        assert (path_csc(Z) != sp.csc_matrix(Z)).nnz == 0


def test_support_predictor_matches_the_test_rows_product():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 40))
    y = X[:, :3] @ np.array([2.0, -1.0, 0.5]) + 0.1 * rng.standard_normal(60)
    res = path(X[:45], y[:45], alphas=12)
    for test in (np.arange(45, 60), np.r_[59, 50, 46], np.arange(60) >= 45):
        np.testing.assert_allclose(support_predictor(X, test, res),
                                   linear_predictor(X[test], res), rtol=1e-12, atol=1e-12)
    # the null path (every coefficient zero): the intercepts alone
    res0 = path(X[:45], y[:45], alphas=[1e6, 1e5])
    np.testing.assert_allclose(support_predictor(X, np.arange(45, 60), res0),
                               np.tile(res0.intercepts, (15, 1)))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_large_designs_column_norms_match_numpys(weighted, center, dtype, monkeypatch):
    from penalized.solvers import design as dmod

    rng = np.random.default_rng(3)
    X = np.asfortranarray(rng.standard_normal((600, 500)) * 3 + 5, dtype=dtype)
    X[:, 7] = 2.5  # constant: exactly 0 once centered
    sw = rng.random(600) + 0.5 if weighted else None
    D = dmod.Design(X, sw, center)
    assert D.n * D.p >= dmod._KERNEL_MIN
    s = np.ones(600) if sw is None else sw
    Xc = X.astype(np.float64) - (np.average(X, axis=0, weights=s) if center else 0.0)
    ref = (s @ (Xc * Xc)) / s.sum()
    got = D.sqnorms()
    if center:
        assert got[7] == 0.0
        ref[7] = 0.0
    np.testing.assert_allclose(got, ref, rtol=1e-5 if dtype == np.float32 else 1e-12)
    monkeypatch.setattr(dmod, "_KERNEL_MIN", D.n * D.p + 1)  # numpy's blocks instead
    blocks = dmod.Design(X, sw, center).sqnorms()
    np.testing.assert_allclose(got, blocks, rtol=1e-5 if dtype == np.float32 else 1e-12)
    assert (got == 0.0).tolist() == (blocks == 0.0).tolist()
