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


def _constant_column_case(seed, mean):
    rng = np.random.default_rng(seed)
    n, p = 25, 4
    X = rng.standard_normal((n, p))
    X[:, 0] = mean  # constant: collinear with the intercept, its centered entries rounding
    eta = X[:, 1:] @ np.array([0.8, -0.5, 0.0])
    sw = rng.uniform(0.1, 2.0, n)
    pf = np.array([0.0, 0.4, 1.0, 1.5])  # the constant column unpenalized
    return X, eta, np.random.default_rng(seed + 100), sw, pf


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("mean", [30.0, 1e3, 1e8])
@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("family", ["enet", "logistic", "poisson"])
def test_unpenalized_constant_column_is_the_zero_column(seed, mean, fmt, family):
    # found by the KKT property test: a constant column with penalty factor 0 (its
    # centered entries rounding noise of the mean) broke the projection of the dual point
    # (negative gap, all-zero coefficients returned as converged) and the GLMs'
    # unpenalized-feature check (a warning after a converged fit)
    import warnings

    X, eta, rng, sw, pf = _constant_column_case(seed, mean)
    if family == "enet":
        y = eta + 0.3 * rng.standard_normal(X.shape[0])
        make = lambda f: penalized.ElasticNet(alpha=0.05, penalty_factor=f, tol=1e-10,  # noqa
                                              max_iter=100_000)
    elif family == "logistic":
        y = (eta + 0.3 * rng.standard_normal(X.shape[0]) > 0).astype(int)
        make = lambda f: penalized.LogisticRegression(C=5.0, l1_ratio=1.0,  # noqa
                                                      penalty_factor=f, tol=1e-8)
    else:
        y = rng.poisson(np.exp(eta)).astype(float)
        make = lambda f: penalized.PoissonRegressor(alpha=0.02, l1_ratio=1.0,  # noqa
                                                    penalty_factor=f, tol=1e-8)
    Xf = sp.csc_matrix(X) if fmt == "csc" else X
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = make(pf).fit(Xf, y, sample_weight=sw)
    ref = make(pf[1:]).fit(X[:, 1:], y, sample_weight=sw)
    coef = np.ravel(est.coef_)
    assert coef[0] == 0.0
    assert np.count_nonzero(coef[1:]) > 0
    assert_allclose(coef[1:], np.ravel(ref.coef_), rtol=1e-5, atol=1e-7)
    assert 0.0 <= est.dual_gap_ <= 10 * ref.dual_gap_ + 1e-12


@pytest.mark.parametrize("seed", [0, 2, 4, 6, 7])
def test_huber_l1_on_heavy_tailed_noise_reaches_a_tight_tol(seed):
    # prox-Newton steps whose change of the objective is below its rounding level used to
    # be dropped (their sign is noise), so the fit stalled with a gap of ~1e-9 relative;
    # they are now taken when they shrink the gap
    import warnings

    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(20, 300)), int(rng.integers(2, 40))
    X = rng.standard_normal((n, p)) * rng.uniform(0.1, 10, p)
    w = rng.standard_normal(p) * (rng.random(p) < 0.3)
    y = X @ w + rng.standard_t(1.5, n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = penalized.HuberRegressor(alpha=0.01, l1_ratio=1.0, tol=1e-10,
                                       max_iter=1000).fit(X, y)
    assert est.dual_gap_ <= 1e-10 * 2 * n / est.scale_ * 10  # well inside its target
    # the same fit at the final scale, recomputed: a certified minimizer
    fixed = penalized.HuberRegressor(alpha=0.01, l1_ratio=1.0, tol=1e-10, max_iter=1000,
                                     fixed_scale=est.scale_).fit(X, y)
    assert_allclose(est.coef_, fixed.coef_, rtol=1e-6, atol=1e-8)
