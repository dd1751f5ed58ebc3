"""Numerical extremes: answers stay right (or a clear error is raised) far from unit
scale. Each case compares sparse and dense X, or checks the optimality conditions."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

import penalized


def _timestamp_problem(offset, seed=0, n=200):
    rng = np.random.default_rng(seed)
    ts = offset + rng.standard_normal(n)  # e.g. a Unix-timestamp column: offset + noise
    X = np.c_[rng.standard_normal(n), ts, rng.standard_normal((n, 3))]
    return X, rng, ts


@pytest.mark.parametrize("offset", [1e6, 1e8])
def test_sparse_column_with_a_large_offset_lasso(offset):
    X, rng, ts = _timestamp_problem(offset)
    y = 1.6 * (ts - offset) + 0.3 * rng.standard_normal(X.shape[0])
    dense = penalized.Lasso(alpha=0.02, tol=1e-12).fit(X, y)
    sparse = penalized.Lasso(alpha=0.02, tol=1e-12).fit(sp.csc_matrix(X), y)
    # the timestamp column is the informative one: implicit centering of sparse X must
    # not see it as constant
    assert abs(sparse.coef_[1] - 1.6) < 0.05
    # up to the entries' own rounding (offset * eps absolute)
    assert_allclose(sparse.coef_, dense.coef_, atol=1e-6 + 0.1 * offset * np.finfo(float).eps)
    assert sparse.dual_gap_ <= 1e-6
    # KKT at the returned point, recomputed on explicitly centered data
    Xc = X - X.mean(axis=0)
    grad = Xc.T @ (y - y.mean() - Xc @ sparse.coef_) / X.shape[0]
    assert np.all(np.abs(grad) <= 0.02 * (1 + 1e-6))


def test_sparse_column_with_an_offset_at_the_rounding_edge_warns_or_converges():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, rng, ts = _timestamp_problem(1e12)
    y = 1.6 * (ts - 1e12) + 0.3 * rng.standard_normal(X.shape[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = penalized.Lasso(alpha=0.02, tol=1e-12).fit(sp.csc_matrix(X), y)
    assert abs(est.coef_[1] - 1.6) < 0.05
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert warned or est.dual_gap_ <= 1e-12 * np.var(y)


@pytest.mark.parametrize("offset", [1e8])
def test_sparse_column_with_a_large_offset_logistic(offset):
    X, rng, ts = _timestamp_problem(offset, seed=1, n=300)
    y = (ts - offset + 0.5 * rng.standard_normal(X.shape[0]) > 0).astype(int)
    kw = dict(C=1.0, l1_ratio=1.0, tol=1e-8)
    dense = penalized.LogisticRegression(**kw).fit(X, y)
    sparse = penalized.LogisticRegression(**kw).fit(sp.csr_matrix(X), y)
    assert sparse.coef_[0, 1] > 1.0
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", [dict(), dict(l1_ratio=0.5),
                                dict(epsilon=0.5, fixed_scale=1.0)])
def test_huber_one_huge_outlier_does_not_set_the_stopping_rule(kw):
    import warnings

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4))
    w = np.array([1.0, -1.0, 0.5, 0.0])
    y = X @ w + 0.1 * rng.standard_normal(200)
    y[0] = 1e12
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither a false scale collapse nor a short fit
        est = penalized.HuberRegressor(alpha=1e-4, **kw).fit(X, y)
    assert_allclose(est.coef_, w, atol=0.03)
    assert est.outliers_[0]
    # the certificate is small against the capped null loss (the inliers' scale)
    from penalized.datafits import Huber

    d = Huber(0.5)
    s = np.ones(200)
    clean = d.tol_scale(np.r_[0.0, y[1:]], s, 0.0, True)
    assert d.tol_scale(y, s, 0.0, True) <= 1.1 * clean  # one sample adds at most a cap / n
