"""Solver contract: certificates, kernels agreeing with each other, screening, warnings."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso as SkLasso

from penalized import alpha_max, solve
from penalized.datafits import Quadratic
from penalized.penalties import L1, L2, ElasticNet
from penalized.solvers.design import Design
from penalized.solvers.least_squares import solve_least_squares


def _problem(n=60, p=40, seed=0, rho=0.5, sparse=False):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = Z.copy()
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    X += rng.uniform(-2, 2, p)  # non-zero means exercise the implicit centering
    w = np.zeros(p)
    w[: max(1, p // 8)] = rng.standard_normal(max(1, p // 8)) * 3
    y = X @ w + rng.standard_normal(n) + 5.0
    if sparse:
        X = sp.random(n, p, density=0.2, random_state=seed, format="csc") * 3
        y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    return np.asfortranarray(X) if not sparse else X, y


def _objective(X, y, w, b, a, bb, s=None):
    s = np.ones(len(y)) if s is None else s
    r = y - X @ w - b
    return s @ r**2 / (2 * s.sum()) + a @ np.abs(w) + 0.5 * bb @ w**2


def _hand_gap_lasso(X, y, w, b, alpha, s=None, intercept=True):
    """scikit-learn's Lasso duality gap, recomputed from scratch (weighted)."""
    s = np.ones(len(y)) if s is None else s
    S = s.sum()
    r = y - X @ w - b
    ybar = s @ y / S if intercept else 0.0
    yc = y - ybar
    xm = (s @ X) / S if intercept else np.zeros(X.shape[1])
    corr = (X - xm).T @ (s * r) / S
    theta = r * min(1.0, alpha / np.max(np.abs(corr)))
    primal = s @ r**2 / (2 * S) + alpha * np.abs(w).sum()
    dual = s @ (yc * theta - theta**2 / 2) / S
    return primal - dual


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("intercept", [False, True])
def test_gap_certificate_recomputed_by_hand(sparse, weighted, intercept):
    X, y = _problem(sparse=sparse)
    s = np.random.default_rng(1).uniform(0.2, 3.0, len(y)) if weighted else None
    amax = alpha_max(X, y, sample_weight=s, fit_intercept=intercept)
    alpha = 0.05 * amax
    res = solve(X, y, penalty=L1(alpha), sample_weight=s, fit_intercept=intercept, tol=1e-10)
    assert res.converged
    Xd = X.toarray() if sparse else X
    hand = _hand_gap_lasso(Xd, y, res.coef, res.intercept, alpha, s, intercept)
    yc = y - (np.average(y, weights=s) if intercept else 0.0)
    scale = np.average(yc**2, weights=s)
    assert hand <= 1e-9 * scale
    assert res.dual_gap <= res.tol_gap
    assert res.dual_gap >= -1e-12 * scale
    # the gap bounds suboptimality against an independent solver
    sk = SkLasso(alpha=alpha, fit_intercept=intercept, tol=1e-14, max_iter=10**6)
    sk.fit(Xd, y, sample_weight=s)
    a = np.full(X.shape[1], alpha)
    f_ours = _objective(Xd, y, res.coef, res.intercept, a, 0 * a, s)
    f_sk = _objective(Xd, y, sk.coef_, sk.intercept_, a, 0 * a, s)
    assert f_ours - f_sk <= res.dual_gap + 1e-12 * abs(f_sk)


@pytest.mark.parametrize("kernel", ["dense", "gram", "sparse", "sparse-gram"])
def test_kernels_agree(kernel):
    """The residual (working-set) and Gram engines, on dense and CSC designs, agree with
    bounds, penalty factors (one unpenalized feature) and weights."""
    X, y = _problem(n=120, p=30)
    s = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    # feature 0 is unpenalized and unbounded: profiled out by the Gram engine, projected
    # off the dual point by the residual one
    pen = ElasticNet(0.05, 0.7, penalty_factor=np.linspace(0, 2, 30),
                     lower_bounds=np.r_[-np.inf, np.full(29, -0.5)],
                     upper_bounds=np.r_[np.inf, np.full(29, 2.0)]).arrays(30)
    Xk = sp.csc_matrix(X) if kernel.startswith("sparse") else X
    d = Design(Xk, s, True)
    engine = "gram" if kernel.endswith("gram") else "working_set"
    # (the intercept is compared at 1e-8 relative: more than a gap of 1e-13 guarantees)
    res = solve_least_squares(d, y, pen, engine, tol=1e-15, max_iter=20000)
    ref = solve_least_squares(Design(X, s, True), y, pen, "working_set", tol=1e-15,
                              max_iter=20000)
    assert res.converged
    np.testing.assert_allclose(res.coef, ref.coef, rtol=1e-6, atol=1e-8)
    assert res.intercept == pytest.approx(ref.intercept, rel=1e-8)
    assert np.all(res.coef[1:] >= -0.5) and np.all(res.coef[1:] <= 2.0)


def test_working_set_keeps_active_features_on_correlated_design():
    """The working set with its active-set and Newton steps, and plain CD epochs on it,
    find the same support and coefficients on a strongly correlated wide design."""
    X, y = _problem(n=50, p=300, rho=0.95, seed=4)
    for frac in (0.5, 0.1, 0.02):
        alpha = frac * alpha_max(X, y)
        pen = L1(alpha).arrays(300)
        with_s = solve_least_squares(Design(X, None, True), y, pen, "working_set", tol=1e-12,
                                     max_iter=100000)
        without = solve_least_squares(Design(X, None, True), y, pen, "working_set",
                                      tol=1e-12, newton=False, max_iter=100000)
        assert with_s.converged and without.converged
        np.testing.assert_array_equal(with_s.coef != 0, without.coef != 0)
        np.testing.assert_allclose(with_s.coef, without.coef, atol=1e-6)


def test_convergence_warning_names_gap_and_tol():
    X, y = _problem(n=40, p=200, rho=0.9)
    with pytest.warns(ConvergenceWarning, match=r"gap .* tol"):
        res = solve(X, y, penalty=L1(1e-3 * alpha_max(X, y)), tol=1e-12, max_iter=2)
    assert not res.converged
    assert res.dual_gap > res.tol_gap
    assert res.n_iter <= 2 + 1


def test_unpenalized_features_and_intercept_certificate():
    X, y = _problem(n=80, p=20)
    pf = np.ones(20)
    pf[[0, 5]] = 0.0
    alpha = 10 * alpha_max(X, y, penalty_factor=pf)
    res = solve(X, y, penalty=L1(alpha, penalty_factor=pf), tol=1e-15)
    assert res.converged
    # all penalized coefficients are zero; the free ones are least squares on [1, x0, x5]
    assert np.all(res.coef[pf > 0] == 0)
    A = np.column_stack([np.ones(80), X[:, [0, 5]]])
    ls = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(res.coef[[0, 5]], ls[1:], rtol=1e-6)
    assert res.intercept == pytest.approx(ls[0], rel=1e-6)


@pytest.mark.parametrize("n,p", [(50, 10), (20, 60)])
@pytest.mark.parametrize("sparse", [False, True])
def test_ridge_direct_equals_normal_equations(n, p, sparse):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((n, p)) + 1.0
    y = rng.standard_normal(n)
    s = rng.uniform(0.5, 2, n)
    pf = rng.uniform(0.5, 2, p)
    alpha = 0.3
    Xk = sp.csc_matrix(X) if sparse else X
    res = solve(Xk, y, penalty=L2(alpha, penalty_factor=pf), sample_weight=s)
    S = s.sum()
    xm = s @ X / S
    Xc = X - xm
    yc = y - s @ y / S
    H = Xc.T @ (s[:, None] * Xc) / S + np.diag(alpha * pf)
    w = np.linalg.solve(H, Xc.T @ (s * yc) / S)
    np.testing.assert_allclose(res.coef, w, rtol=1e-9, atol=1e-12)
    assert res.intercept == pytest.approx(s @ y / S - xm @ w)
    assert res.dual_gap <= 1e-10


def test_float32_stays_in_place_and_converges():
    X, y = _problem(n=100, p=50)
    X32 = np.asfortranarray(X, dtype=np.float32)
    res = solve(X32, y, penalty=L1(0.05 * alpha_max(X, y)), tol=1e-5)
    ref = solve(X, y, penalty=L1(0.05 * alpha_max(X, y)), tol=1e-10)
    assert res.converged
    np.testing.assert_allclose(res.coef, ref.coef, atol=1e-3 * np.abs(ref.coef).max())


def test_warm_start_and_history():
    X, y = _problem()
    pen = L1(0.05 * alpha_max(X, y))
    cold = solve(X, y, penalty=pen, tol=1e-10)
    warm = solve(X, y, penalty=pen, tol=1e-10, coef_init=cold.coef)
    assert warm.n_iter <= 2
    np.testing.assert_allclose(warm.coef, cold.coef, atol=1e-8)
    gaps = [g for _, g in cold.history]
    assert gaps[-1] <= cold.tol_gap < gaps[0]


def test_alpha_max_is_tight():
    X, y = _problem(sparse=True)
    for kw in ({}, {"fit_intercept": False}, {"positive": True},
               {"penalty_factor": np.r_[0.0, np.ones(39)]}, {"l1_ratio": 0.5}):
        l1 = kw.get("l1_ratio", 1.0)
        pen_kw = {k: v for k, v in kw.items() if k not in ("l1_ratio", "fit_intercept")}
        fi = kw.get("fit_intercept", True)
        amax = alpha_max(X, y, **kw)
        pf = pen_kw.get("penalty_factor", np.ones(40))
        at = solve(X, y, penalty=ElasticNet(amax, l1, **pen_kw), fit_intercept=fi, tol=1e-10)
        assert np.all(at.coef[pf > 0] == 0), kw
        below = solve(X, y, penalty=ElasticNet(0.95 * amax, l1, **pen_kw), fit_intercept=fi,
                      tol=1e-10)
        assert np.any(below.coef[pf > 0] != 0), kw


def test_alpha_max_is_exact_for_float32_x():
    # found by the alpha_max property (tests/test_properties.py, seed 5): with float32 X
    # the engines see the null gradient to float32 rounding, 3.7e-8 above the float64
    # value here: a Lasso at alpha_max kept a coefficient of -1.9e-8. alpha_max is now
    # the largest value that rounding allows (2.5e-6 higher here)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((5, 5)) * rng.uniform(0.3, 3.0, 5) + rng.uniform(-2, 2, 5)
    y = 1.5 + X @ (rng.standard_normal(5) * (rng.uniform(size=5) < 0.5)) / np.sqrt(5)
    y += 0.5 * rng.standard_normal(5)
    X32, y32 = np.asfortranarray(X, dtype=np.float32), y.astype(np.float32)
    sw = rng.uniform(0.2, 3.0, 5)
    pf = np.r_[0.0, np.random.default_rng(6).uniform(0.2, 2.0, 4)]
    kw = dict(sample_weight=sw, penalty_factor=pf)
    amax = alpha_max(X32, y32, **kw)
    amax64 = alpha_max(X32.astype(np.float64), y32, **kw)
    for Xf in (X32, sp.csc_matrix(X32)):
        at = solve(Xf, y32, penalty=L1(amax, penalty_factor=pf), sample_weight=sw, tol=1e-8)
        assert np.all(at.coef[1:] == 0) and at.coef[0] != 0
    assert amax64 <= amax <= amax64 * (1 + 1e-4)


def test_solve_rejects_bad_arguments():
    X, y = _problem()
    with pytest.raises(TypeError, match="datafit"):
        solve(X, y, datafit="quadratic")
    with pytest.raises(TypeError, match="penalty"):
        solve(X, y, penalty=0.1)
    with pytest.raises(ValueError, match="coef_init"):
        solve(X, y, penalty=L1(0.1), coef_init=np.zeros(3))
    with pytest.raises(ValueError, match="l1_ratio"):
        alpha_max(X, y, l1_ratio=0.0)
    assert isinstance(solve(X, y, Quadratic(), L1(0.1)).coef, np.ndarray)


def test_no_convergence_warning_on_easy_problem():
    X, y = _problem()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        solve(X, y, penalty=L1(0.1 * alpha_max(X, y)))


def _lasso_objective(X, y, w, b, alpha):
    r = y - X @ w - b
    return 0.5 * float(r @ r) / len(y) + alpha * float(np.abs(w).sum())


def test_support_newton_step_lands_on_the_solution_and_never_increases_the_objective():
    from penalized.penalties import L1
    from penalized.solvers.newton import residual_newton

    rng = np.random.default_rng(5)
    n, p = 40, 120
    X = np.asfortranarray(rng.standard_normal((n, p)))
    y = X[:, :5] @ [2.0, -1.0, 1.5, 0.5, -2.0] + 0.1 * rng.standard_normal(n)
    alpha = 0.05
    ref = solve(X, y, penalty=L1(alpha), tol=1e-14)
    d = Design(X, None, True)
    yc = y - y.mean()
    pen = L1(alpha).arrays(p)

    def step(w):
        w, r = w.copy(), yc - d.matvec(w)
        residual_newton(d, yc, w, r, pen.kernel)
        return w, r

    # same support and signs, wrong values: one step gives the solution
    w = np.where(ref.coef != 0, ref.coef * rng.uniform(0.5, 1.5, p), 0.0)
    w_new, r_new = step(w)
    np.testing.assert_allclose(w_new, ref.coef, atol=1e-10)
    np.testing.assert_allclose(r_new, yc - d.matvec(w_new), atol=1e-10)
    # arbitrary supports and signs: the objective never goes up
    for seed in range(20):
        g = np.random.default_rng(seed)
        w = np.zeros(p)
        supp = g.choice(p, g.integers(1, 60), replace=False)
        w[supp] = g.standard_normal(supp.size)
        r = yc - d.matvec(w)
        w2, r2 = step(w)
        f = 0.5 * float(r @ r) / n + pen.value(w)
        f2 = 0.5 * float(r2 @ r2) / n + pen.value(w2)
        assert f2 <= f + 1e-12


def test_singular_supports_and_p_much_larger_than_n_path_converge():
    """Duplicated columns (singular support Gram) and a path into the interpolation regime
    of a p >> n design: every point is certified and matches scikit-learn's objective."""
    from sklearn.linear_model import Lasso as SkLasso

    from penalized import path

    rng = np.random.default_rng(0)
    n, p = 30, 300
    X = rng.standard_normal((n, p))
    X[:, 1] = X[:, 0]  # a duplicated column
    X[:, 3] = 2.0 * X[:, 2]
    y = X[:, :6] @ rng.standard_normal(6) + 0.05 * rng.standard_normal(n)
    res = path(X, y, alphas=40, eps=1e-4, tol=1e-10)
    assert res.converged.all()
    assert res.df[-1] <= n
    for i in (10, 25, 39):
        alpha = res.alphas[i]
        w, b = res.coef_at(i), res.intercepts[i]
        sk = SkLasso(alpha=alpha, tol=1e-14, max_iter=200_000).fit(X, y)
        f = _lasso_objective(X, y, w, b, alpha)
        f_sk = _lasso_objective(X, y, sk.coef_, sk.intercept_, alpha)
        assert f <= f_sk * (1 + 1e-7) + 1e-12
