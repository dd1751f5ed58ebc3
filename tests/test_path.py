"""Regularization paths: grids, warm starts equal cold fits, GLM paths."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import lasso_path
from sklearn.preprocessing import StandardScaler

from penalized import alpha_max, path, solve
from penalized.datafits import Logistic, Multinomial, Poisson
from penalized.penalties import ElasticNet


def _correlated(n=60, p=120, rho=0.9, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * X[:, j]
    w = np.zeros(p)
    w[::15] = rng.standard_normal(w[::15].size) * 2
    return np.asfortranarray(X), X @ w + rng.standard_normal(n)


def test_grid_matches_scikit_learn():
    X, y = load_diabetes(return_X_y=True)
    res = path(X, y, alphas=30, eps=1e-3, tol=1e-12, max_iter=100_000)
    Xc, yc = X - X.mean(0), y - y.mean()
    alphas, coefs, _ = lasso_path(Xc, yc, alphas=30, eps=1e-3, tol=1e-14, max_iter=10**6)
    np.testing.assert_allclose(res.alphas, alphas, rtol=1e-10)
    np.testing.assert_allclose(res.coefs.toarray(), coefs, atol=1e-4 * np.abs(coefs).max())
    assert res.alphas[0] == pytest.approx(alpha_max(X, y), rel=1e-9)
    assert res.df[0] == 0 and res.df[-1] == 10
    assert np.all(np.diff(res.dev_explained) >= -1e-9)
    assert 0.5 < res.dev_explained[-1] < 1


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_every_path_point_equals_a_cold_fit(sparse, l1_ratio):
    X, y = _correlated()
    Xk = sp.csc_matrix(X) if sparse else X
    res = path(Xk, y, l1_ratio=l1_ratio, alphas=15, eps=1e-2, tol=1e-14, max_iter=100_000)
    assert np.all(res.converged) and np.all(res.dual_gaps >= -1e-12)
    for i, alpha in enumerate(res.alphas):
        cold = solve(X, y, penalty=ElasticNet(alpha, l1_ratio), tol=1e-14, max_iter=100_000)
        np.testing.assert_allclose(res.coef_at(i), cold.coef, atol=1e-6)
        assert res.intercepts[i] == pytest.approx(cold.intercept, abs=1e-6)
        # screening never drops an active feature: same support as the cold fit
        np.testing.assert_array_equal(res.coef_at(i) != 0, cold.coef != 0)


def test_explicit_alphas_are_sorted_and_used():
    X, y = _correlated(p=30)
    res = path(X, y, alphas=[0.01, 1.0, 0.1])
    np.testing.assert_array_equal(res.alphas, [1.0, 0.1, 0.01])
    with pytest.raises(ValueError, match="alphas"):
        path(X, y, alphas=[-1.0])
    with pytest.raises(ValueError, match="l1_ratio"):
        path(X, y, l1_ratio=0.0, alphas=10)


def test_logistic_and_poisson_paths():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    res = path(X, y.astype(float), Logistic(), alphas=12, eps=1e-2, tol=1e-8)
    assert res.df[0] == 0 and res.df[-1] > 5
    assert np.all(res.converged)
    assert 0 <= res.dev_explained[0] <= 1e-9 and res.dev_explained[-1] > 0.7
    # first point is exactly at alpha_max: just below it a coefficient enters
    below = solve(X, y.astype(float), Logistic(), ElasticNet(0.99 * res.alphas[0], 1.0),
                  tol=1e-10)
    assert np.count_nonzero(below.coef) >= 1
    rng = np.random.default_rng(0)
    Xp = rng.standard_normal((200, 5))
    yp = rng.poisson(np.exp(0.5 * Xp[:, 0])).astype(float)
    resp = path(Xp, yp, Poisson(), alphas=8, tol=1e-8)
    assert resp.df[0] == 0 and resp.df[-1] >= 1 and np.all(resp.converged)


def test_multinomial_path():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((90, 6))
    labels = np.argmax(X[:, :3] + 0.3 * rng.standard_normal((90, 3)), axis=1)
    Y = np.eye(3)[labels]
    res = path(X, Y, Multinomial(), alphas=6, eps=0.05, tol=1e-6)
    assert len(res.coefs) == 6 and res.coefs[0].shape == (6, 3)
    assert res.df[0] == 0 and res.df[-1] >= 3


@pytest.mark.parametrize("sparse", [False, True])
def test_standardize_equals_fitting_standardized_columns(sparse):
    from penalized import ElasticNet as EN
    from penalized import LogisticRegression, PoissonRegressor

    X, y = load_diabetes(return_X_y=True)
    X = X * np.arange(1, 11) + 0.5  # uneven scales
    sd = X.std(0)
    Xs = (X - X.mean(0)) / sd
    Xk = sp.csc_matrix(X) if sparse else X
    # (coefficients compared at 1e-6 relative on a badly conditioned design: more than a
    # small duality gap guarantees, so the fits run on the Gram matrix, whose support
    # Newton steps land on the exact solution)
    a = EN(0.3, l1_ratio=0.6, standardize=True, tol=1e-15, max_iter=100_000,
           precompute=True).fit(Xk, y)
    b = EN(0.3, l1_ratio=0.6, tol=1e-15, max_iter=100_000, precompute=True).fit(Xs, y)
    np.testing.assert_allclose(a.coef_, b.coef_ / sd, rtol=1e-6, atol=1e-8)
    assert a.intercept_ == pytest.approx(b.intercept_ - (b.coef_ / sd) @ X.mean(0), rel=1e-8)
    yb = (y > np.median(y)).astype(int)
    c = LogisticRegression(l1_ratio=1.0, alpha=0.01, standardize=True, tol=1e-8).fit(Xk, yb)
    d = LogisticRegression(l1_ratio=1.0, alpha=0.01, tol=1e-8).fit(Xs, yb)
    np.testing.assert_allclose(c.coef_, d.coef_ / sd, atol=1e-4)
    yp = np.round(y / 50)
    e = PoissonRegressor(alpha=0.01, standardize=True, tol=1e-10).fit(Xk, yp)
    f = PoissonRegressor(alpha=0.01, tol=1e-10).fit(Xs, yp)
    np.testing.assert_allclose(e.coef_, f.coef_ / sd, atol=1e-6)
    # the path's grid is the standardized problem's grid
    rs = path(Xk, y, alphas=5, standardize=True, tol=1e-10)
    r0 = path(Xs, y, alphas=5, tol=1e-10)
    np.testing.assert_allclose(rs.alphas, r0.alphas, rtol=1e-9)
    np.testing.assert_allclose(rs.coefs.toarray() * sd[:, None], r0.coefs.toarray(),
                               atol=1e-3 * np.abs(r0.coefs.toarray()).max())


@pytest.mark.parametrize("l1_ratio,bounds", [(1.0, False), (0.5, False), (0.8, True),
                                             (0.0, True)])
def test_tall_full_gram_path_certificate_recomputed(l1_ratio, bounds):
    """Tall dense designs are solved on the full Gram matrix along a path: every point's
    duality gap, recomputed from the residual, is below tol and the point equals a cold
    residual-mode fit."""
    from penalized.datafits import Quadratic
    from penalized.solvers.certificate import quadratic_gap
    from penalized.solvers.design import Design
    from penalized.solvers.engine import choose_engine

    rng = np.random.default_rng(3)
    n, p = 400, 30
    X = rng.standard_normal((n, p)) @ np.triu(np.full((p, p), 0.4)) + 2.0
    X = np.asfortranarray(X)
    y = X[:, :4] @ [3.0, -2.0, 1.5, 1.0] + rng.standard_normal(n)
    sw = rng.uniform(0.5, 2.0, n)
    kw = dict(lower_bounds=-1.0, upper_bounds=2.5) if bounds else {}
    alphas = (np.geomspace(1.0, 1e-3, 12) if l1_ratio == 0
              else 12)
    res = path(X, y, l1_ratio=l1_ratio, alphas=alphas, sample_weight=sw, tol=1e-12, **kw)
    d = Design(X, sw, True)
    yc = y - np.average(y, weights=sw)
    tol_gap = 1e-12 * float(sw @ (yc * yc)) / sw.sum()
    for i, alpha in enumerate(res.alphas):
        pen = ElasticNet(alpha, l1_ratio, **kw).arrays(p)
        assert choose_engine(d, Quadratic(), pen, path=True) in ("gram", "direct")
        w = res.coef_at(i)
        r = yc - d.matvec(w)
        gap = quadratic_gap(d, yc, w, r, pen)[0]
        assert gap <= tol_gap * (1 + 1e-6) + 1e-14
        assert res.dual_gaps[i] == pytest.approx(gap, abs=1e-9 * tol_gap + 1e-13)
        cold = solve(X, y, penalty=ElasticNet(alpha, l1_ratio, **kw), sample_weight=sw,
                     tol=1e-12)
        np.testing.assert_allclose(w, cold.coef, atol=1e-5 * max(1.0, np.abs(cold.coef).max()))
        assert res.intercepts[i] == pytest.approx(cold.intercept, abs=1e-4)
