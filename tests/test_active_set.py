"""The active-set solver for wide dense designs: its Cholesky factor, its solves near
interpolation (supports at the rank of the design) and its fallbacks."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso as SkLasso

from penalized import ElasticNet, Lasso, path
from penalized.penalties.separable import KernelPenalty
from penalized.solvers.design import Design
from penalized.solvers.kernels.active_set import (
    _chol_add,
    _chol_remove,
    _join,
    _solve,
    active_set_solve,
)
from penalized.solvers.kernels.working_set import Factor


def _wide(n=30, p=300, seed=0, rho=0.6, shift=True):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = Z.copy()
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    if shift:
        X += rng.uniform(-3, 3, p)  # means: the Gram entries must be centered exactly
    w = np.zeros(p)
    w[rng.choice(p, p // 10, replace=False)] = rng.standard_normal(p // 10) * 2
    y = X @ w + 0.5 * rng.standard_normal(n) + 1.0
    return np.asfortranarray(X), y


def _centered_gram(X, s, cols, b):
    S = s.sum()
    mu = s @ X / S
    Xc = X[:, cols] - mu[cols]
    return (Xc * s[:, None]).T @ Xc / S + np.diag(b[cols])


@pytest.mark.parametrize("weighted", [False, True])
def test_factor_follows_adds_and_removes(weighted):
    """After any sequence of rank-one updates and Givens downdates the factor is the
    Cholesky factor of the centered (weighted) Gram matrix of its columns."""
    X, _ = _wide(n=40, p=60)
    rng = np.random.default_rng(3)
    s = rng.uniform(0.1, 2.0, 40) if weighted else np.ones(40)
    S = float(s.sum())
    s @ X / S
    b = rng.uniform(0.0, 0.1, 60)
    cap = 25
    Lf = np.zeros((cap + 1, cap + 1))
    fidx = np.zeros(cap + 1, dtype=np.int64)
    fb = np.zeros(cap + 1)
    xj = np.empty(40)
    D = Design(X, s if weighted else None, True).kernel()
    k = 0
    for _ in range(120):
        if k > 0 and (k == cap or rng.random() < 0.4):
            pos = int(rng.integers(k))
            _chol_remove(Lf, fidx, fb, k, pos)
            k -= 1
        else:
            j = int(rng.choice(np.setdiff1d(np.arange(60), fidx[:k])))
            assert _chol_add(D, b, Lf, fidx, fb, k, j, xj, True) == 1
            k += 1
        G = _centered_gram(X, s, fidx[:k], b)
        L = Lf[:k, :k]
        np.testing.assert_allclose(np.tril(L), L, atol=0)
        np.testing.assert_allclose(L @ L.T, G, rtol=1e-10, atol=1e-10)
        np.testing.assert_array_equal(fb[:k], b[fidx[:k]])
    # solves with other L2 weights than the factor's: corrected by preconditioned CG
    b2 = b * rng.uniform(0.5, 2.0, 60)
    g = rng.standard_normal(k)
    out = np.empty(k)
    _solve(D, b2, Lf, fidx, fb, k, g, out, np.empty((4, 40)))
    np.testing.assert_allclose(_centered_gram(X, s, fidx[:k], b2) @ out, g, rtol=1e-9,
                               atol=1e-11)


def test_add_refuses_a_column_in_the_span():
    X, _ = _wide(n=20, p=40)
    X[:, 5] = 2.0 * X[:, 1] - X[:, 3] + 7.0  # in the span of columns 1, 3 (and the mean)
    np.ones(20)
    X.mean(axis=0)
    Lf = np.zeros((4, 4))
    fidx = np.zeros(4, dtype=np.int64)
    fb = np.zeros(4)
    xj = np.empty(20)
    b = np.zeros(40)
    D = Design(X, None, True).kernel()
    assert _chol_add(D, b, Lf, fidx, fb, 0, 1, xj, True) == 1
    assert _chol_add(D, b, Lf, fidx, fb, 1, 3, xj, True) == 1
    assert _chol_add(D, b, Lf, fidx, fb, 2, 5, xj, True) == 0
    assert _chol_add(D, b, Lf, fidx, fb, 2, 7, xj, False) == 0


@pytest.mark.parametrize("weighted", [False, True])
def test_join_in_one_pass_is_the_sequence_of_adds(weighted):
    """Features joining together (their products with the support in one pass) give the
    factor of one ``_chol_add`` after the other; the join stops at the first one in the
    span of the support and the ones before it, leaving that one's ``L^{-1} g_Sj`` in
    the next row (what the null-space swap reads), and at a full factor."""
    X, _ = _wide(n=30, p=50)
    X[:, 9] = X[:, 2] - 0.5 * X[:, 7] + 1.0  # in the span of columns 2 and 7
    rng = np.random.default_rng(5)
    s = rng.uniform(0.1, 2.0, 30) if weighted else None
    D = Design(X, s, True).kernel()
    b = np.zeros(50)
    cap = 12

    def factor():
        return np.zeros((cap + 1, cap + 1)), np.zeros(cap + 1, dtype=np.int64), np.zeros(cap + 1)

    Lf, fidx, fb = factor()
    xj = np.empty(30)
    for k, j in enumerate([0, 2, 4]):
        assert _chol_add(D, b, Lf, fidx, fb, k, j, xj, True) == 1
    Lf2, fidx2, fb2 = Lf.copy(), fidx.copy(), fb.copy()
    for k, j in enumerate([7, 11], start=3):
        assert _chol_add(D, b, Lf, fidx, fb, k, j, xj, True) == 1
    assert _chol_add(D, b, Lf, fidx, fb, 5, 9, xj, True) == 0

    work = (np.empty((4, 30)), np.empty(4), np.empty(4), np.empty((4, cap + 1)))
    cand = np.array([7, 11, 9, 13], dtype=np.int64)
    got = _join(D, b, Lf2, fidx2, fb2, 3, cand, 4, *work, cap)
    assert got == 2
    np.testing.assert_array_equal(fidx2[:5], [0, 2, 4, 7, 11])
    np.testing.assert_allclose(Lf2[:6, :5], Lf[:6, :5], rtol=1e-12, atol=1e-12)
    G = _centered_gram(X, np.ones(30) if s is None else s, fidx2[:5], b)
    np.testing.assert_allclose(Lf2[:5, :5] @ Lf2[:5, :5].T, G, rtol=1e-10, atol=1e-10)
    # a full factor: the first that does not fit stops the join
    assert _join(D, b, Lf2, fidx2, fb2, 5, np.array([13, 15]), 2, *work, 6) == 1
    assert fidx2[5] == 13


def _kkt(X, y, w, b0, alpha, l1_ratio=1.0, s=None, positive=False):
    s = np.ones(len(y)) if s is None else s
    S = s.sum()
    mu = s @ X / S
    r = y - X @ w - b0
    v = (X - mu).T @ (s * r) / S - alpha * (1 - l1_ratio) * w
    a = alpha * l1_ratio
    nz = w != 0
    at_zero = np.maximum(v if positive else np.abs(v), a) - a
    viol = np.where(nz, np.abs(v - a * np.sign(w)), at_zero)
    return viol.max()


def test_solve_on_a_working_set_meets_kkt():
    """Called directly (all features as the working set): it solves to the tolerance."""
    X, y = _wide(n=40, p=120)
    n, p = X.shape
    np.ones(n)
    mu = X.mean(axis=0)
    yc = y - y.mean()
    alpha = 0.02 * np.max(np.abs((X - mu).T @ yc)) / n
    a = np.full(p, alpha)
    b = np.zeros(p)
    lo = np.full(p, -np.inf)
    up = np.full(p, np.inf)
    w = np.zeros(p)
    r = yc.copy()
    Lf = np.zeros((n + 1, n + 1))
    fidx = np.zeros(n + 1, dtype=np.int64)
    fb = np.zeros(n + 1)
    fk = np.zeros(1, dtype=np.int64)
    v0 = (X - mu).T @ r / n
    rounds = active_set_solve(Design(X, None, True).kernel(), yc, w, r, np.arange(p),
                              KernelPenalty(a, b, lo, up), v0, 1e-10 * alpha,
                              Factor(Lf, fidx, fb, fk), 10000, 1)
    assert rounds > 0
    assert fk[0] == np.count_nonzero(w) > 10
    np.testing.assert_allclose(r, yc - (X - mu) @ w, atol=1e-9)
    assert _kkt(X, y, w, y.mean() - mu @ w, alpha) <= 1e-9 * alpha
    ref = SkLasso(alpha=alpha, tol=1e-14, max_iter=1_000_000).fit(X, y)
    np.testing.assert_allclose(w, ref.coef_, atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_path_through_interpolation(seed):
    """n = 25 against p = 400: the support reaches the rank (n - 1) and swaps columns
    there; every fit converges and meets KKT, and the last one equals scikit-learn's."""
    X, y = _wide(n=25, p=400, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = path(X, y, alphas=100, eps=1e-4, tol=1e-10)
    assert res.converged.all()
    assert res.df.max() >= 20
    for i in range(0, 100, 9):
        w = res.coef_at(i)
        assert _kkt(X, y, w, res.intercepts[i], res.alphas[i]) <= 1e-5 * res.alphas[i]
    ref = SkLasso(alpha=res.alphas[-1], tol=1e-14, max_iter=10**6).fit(X, y)
    f = lambda w, b: 0.5 * np.mean((y - X @ w - b) ** 2) + res.alphas[-1] * np.abs(w).sum()  # noqa: E731
    assert f(res.coef_at(99), res.intercepts[-1]) <= f(ref.coef_, ref.intercept_) + 1e-8


def test_duplicate_and_constant_columns():
    """Exact duplicates (a column in the span of the support) and constant columns."""
    X, y = _wide(n=30, p=100)
    X = np.asfortranarray(np.hstack([X, X[:, :10], np.full((30, 3), 2.5)]))
    for alpha in [0.5, 0.05, 0.005]:
        m = Lasso(alpha=alpha, tol=1e-10, max_iter=100000).fit(X, y)
        assert _kkt(X, y, m.coef_, m.intercept_, alpha) <= 1e-5 * alpha + 1e-9
        assert np.all(m.coef_[-3:] == 0)


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True])
def test_wide_fits_match_scikit_learn(positive, l1_ratio, weighted):
    X, y = _wide(n=30, p=200, seed=4)
    rng = np.random.default_rng(0)
    s = rng.uniform(0.0, 2.0, 30) if weighted else None
    if weighted:
        s[:3] = 0.0
    res_alphas = path(X, y, alphas=30, eps=1e-3, l1_ratio=l1_ratio, positive=positive,
                      sample_weight=s, tol=1e-12)
    sw = np.ones(30) if s is None else s

    def f(w, b0, alpha):
        r = y - X @ w - b0
        return (sw @ r**2 / (2 * sw.sum()) + alpha * l1_ratio * np.abs(w).sum()
                + alpha * (1 - l1_ratio) / 2 * w @ w)

    for i in [5, 15, 29]:
        alpha = res_alphas.alphas[i]
        ours = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, positive=positive, tol=1e-12,
                          max_iter=100000).fit(X, y, sample_weight=s)
        ref = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, positive=positive, tol=1e-14,
                   max_iter=10**6).fit(X, y, sample_weight=s)
        # certified gaps: the objectives agree to them; coefficients as far as the L2
        # term's strong convexity (and for the lasso its unique solution) pins them
        fo = f(ours.coef_, ours.intercept_, alpha)
        assert abs(fo - f(ref.coef_, ref.intercept_, alpha)) <= 1e-9
        assert abs(f(res_alphas.coef_at(i), res_alphas.intercepts[i], alpha) - fo) <= 1e-9
        atol = 1e-5 if l1_ratio == 1.0 else 10 * np.sqrt(2e-11 / (alpha * (1 - l1_ratio)))
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=atol)
        np.testing.assert_allclose(res_alphas.coef_at(i), ours.coef_, atol=atol)
        assert _kkt(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio, s,
                    positive) <= 1e-5 * alpha
        if positive:
            assert np.all(ours.coef_ >= 0)


def test_elastic_net_path_at_tight_tol_is_fast_and_exact(monkeypatch):
    """Along an elastic-net path the factor's L2 weights lag alpha: the solves must still
    be exact (no slow linear convergence towards a tight tolerance). Supports up to the
    rank (n = 60) are the active-set method's, exact; past it (the last alpha, 61
    nonzeros) coordinate descent finishes, to its certificate: the objective is
    mu-strongly convex (mu = alpha (1 - l1_ratio)), so ||w - w*|| <= sqrt(2 gap / mu), and
    the KKT residual moves by at most L times that. (This path's L2 weights are large
    enough that it would run on coordinate descent alone: the active set is forced.)"""
    from penalized.solvers import least_squares

    monkeypatch.setattr(least_squares, "_RIDGE_CD_PATH", 1e9)
    X, y = _wide(n=60, p=120, seed=5, shift=False)
    res = path(X, y, l1_ratio=0.5, alphas=15, eps=1e-2, tol=1e-14, max_iter=100_000)
    assert res.converged.all()
    assert res.n_iters.max() < 100
    Xc = X - X.mean(axis=0)
    lmax = np.linalg.eigvalsh(Xc.T @ Xc / X.shape[0])[-1]
    for i in [3, 9, 13, 14]:
        w = res.coef_at(i)
        kkt = _kkt(X, y, w, res.intercepts[i], res.alphas[i], 0.5)
        if np.count_nonzero(w) <= X.shape[0]:
            assert kkt <= 1e-9
        else:
            mu = res.alphas[i] * 0.5
            gap = max(res.dual_gaps[i], 1e-16 * float(np.var(y)))
            assert kkt <= (lmax + mu) * np.sqrt(2 * gap / mu)


def test_ridge_cd_rule():
    """Cold wide fits and paths leave the active set out when the L2 weights over the
    column curvatures reach (c / n)^2: never for the Lasso, and the scale of the columns
    does not matter (b_j / L_j)."""
    from penalized.solvers.least_squares import _RIDGE_CD, _ridge_cd

    X, _ = _wide(n=50, p=200, seed=2)
    d = Design(X, None, True)
    L = d.sqnorms()
    edge = (_RIDGE_CD / 50) ** 2
    assert not _ridge_cd(d, np.zeros(200))
    assert not _ridge_cd(d, 0.9 * edge * L)
    assert _ridge_cd(d, 1.1 * edge * L)
    d2 = Design(np.asfortranarray(X * 10.0), None, True)  # columns 10x: L 100x
    assert _ridge_cd(d2, 1.1 * edge * L * 100) and not _ridge_cd(d2, 1.1 * edge * L)
    assert _ridge_cd(d, np.full(200, 1e-9), c=1e-6) and not _ridge_cd(d, np.full(200, 1e-9))
    assert not _ridge_cd(Design(np.zeros((5, 0)), None, True), np.zeros(0))


@pytest.mark.parametrize("l1_ratio", [0.2, 0.95])
def test_elastic_net_fits_and_paths_either_way_agree(l1_ratio, monkeypatch, capsys):
    """A wide elastic net with a large L2 weight runs on coordinate descent alone (no
    continuation, no active-set rounds), one with a small L2 weight on the active set;
    both reach scikit-learn's objective to their certificates, and forcing the other
    method gives the same solutions, fit and path alike."""
    from penalized.solvers import least_squares

    X, y = _wide(n=40, p=400, seed=11)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    alpha = 0.02 * np.max(np.abs(Xc.T @ yc)) / 40 / l1_ratio

    def f(w, b0):
        r = y - X @ w - b0
        return (r @ r / 80 + alpha * l1_ratio * np.abs(w).sum()
                + alpha * (1 - l1_ratio) / 2 * (w @ w))

    def fit():
        return ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000,
                          verbose=1).fit(X, y)

    ours = fit()
    cont = "continuation" in capsys.readouterr().out
    big = least_squares._ridge_cd(Design(X, None, True), np.full(400, alpha * (1 - l1_ratio)))
    assert big == (l1_ratio == 0.2)
    assert cont == (not big)
    ref = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=10**6).fit(X, y)
    assert f(ours.coef_, ours.intercept_) <= f(ref.coef_, ref.intercept_) + 1e-10 * np.var(y)
    res = path(X, y, l1_ratio=l1_ratio, alphas=20, eps=1e-2, tol=1e-12, max_iter=100_000)
    assert res.converged.all()
    monkeypatch.setattr(least_squares, "_RIDGE_CD", 1e9 if big else 1e-9)
    monkeypatch.setattr(least_squares, "_RIDGE_CD_PATH", 1e9 if big else 1e-9)
    other = fit()
    capsys.readouterr()
    assert f(other.coef_, other.intercept_) <= f(ours.coef_, ours.intercept_) + 1e-10 * np.var(y)
    assert f(ours.coef_, ours.intercept_) <= f(other.coef_, other.intercept_) + 1e-10 * np.var(y)
    res2 = path(X, y, l1_ratio=l1_ratio, alphas=20, eps=1e-2, tol=1e-12, max_iter=100_000)
    assert res2.converged.all()
    A, B = res.coefs.toarray(), res2.coefs.toarray()
    np.testing.assert_allclose(B, A, atol=1e-4 * np.abs(A).max())


@pytest.mark.parametrize("kind", ["lasso", "weighted", "positive", "enet", "sample_weight"])
def test_continuation_on_saturated_cold_fits(kind, capsys, monkeypatch):
    """A cold fit whose support nears the rank solves its working sets along a short path
    of larger L1 weights (continuation): it must still stop on its own certificate at the
    requested alpha, reach scikit-learn's objective, and take fewer active-set rounds
    than without the continuation."""
    from penalized.solvers import least_squares

    X, y = _wide(n=60, p=600, seed=7)
    rng = np.random.default_rng(1)
    pf = rng.uniform(0.5, 2.0, 600) if kind == "weighted" else None
    s = rng.uniform(0.5, 2.0, 60) if kind == "sample_weight" else None
    l1_ratio = 0.7 if kind == "enet" else 1.0
    positive = kind == "positive"
    sw = np.ones(60) if s is None else s
    Xc = X - sw @ X / sw.sum()
    a_max = np.max(np.abs(Xc.T @ (sw * (y - sw @ y / sw.sum()))) / sw.sum()
                   / (pf if pf is not None else 1.0)) / l1_ratio
    alpha = 0.01 * a_max

    def fit(verbose=0, tol=1e-10):
        return ElasticNet(alpha=alpha, l1_ratio=l1_ratio, penalty_factor=pf, positive=positive,
                          tol=tol, max_iter=100_000, verbose=verbose).fit(X, y, sample_weight=s)

    ours = fit(verbose=1)
    assert "continuation" in capsys.readouterr().out
    assert ours.dual_gap_ <= 1e-10 * (sw @ (y - sw @ y / sw.sum()) ** 2) / sw.sum()
    assert np.count_nonzero(ours.coef_) >= 40  # the support nears the rank (59)
    v = np.ones(600) if pf is None else pf

    def f(w, b0):
        r = y - X @ w - b0
        return (sw @ r**2 / (2 * sw.sum()) + alpha * l1_ratio * (v @ np.abs(w))
                + alpha * (1 - l1_ratio) / 2 * (v @ w**2))

    ref = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, positive=positive, tol=1e-14,
                       max_iter=10**6).fit(X / v, y, sample_weight=s)
    # within the certificate (a support past the rank, as the elastic net's here, is
    # finished by coordinate descent, not by exact solves)
    assert f(ours.coef_, ours.intercept_) <= (f(ref.coef_ / v, ref.intercept_)
                                              + max(ours.dual_gap_, 1e-9))
    # a loose tol stops at a solution for alpha itself, never at a stage's
    loose = fit(tol=1e-2)
    assert loose.dual_gap_ <= 1e-2 * (sw @ (y - sw @ y / sw.sum()) ** 2) / sw.sum()
    monkeypatch.setattr(least_squares, "_CONT", 0.0)
    assert fit().n_iter_ > ours.n_iter_


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("bounded", [False, True])
def test_residual_newton_lowers_the_objective_and_keeps_the_residual(weighted, bounded):
    """The working-set engine's support Newton step (its Gram block formed once, the
    objective's change read from it): the residual it returns is yc - Xc w of the w it
    returns, the objective (computed here from scratch) never rises, and on a support
    whose signs hold it lands on the orthant's exact minimizer."""
    from penalized.solvers.newton import residual_newton

    rng = np.random.default_rng(5)
    n, p = 400, 12
    X = np.asfortranarray(rng.standard_normal((n, p)) + rng.uniform(-2, 2, p))
    y = X[:, :6] @ rng.standard_normal(6) + rng.standard_normal(n)
    s = rng.uniform(0.2, 2.0, n) if weighted else np.ones(n)
    design = Design(X, s if weighted else None, True)
    S = s.sum()
    yc = y - s @ y / S
    Xc = X - design.mu
    a = np.full(p, 0.05)
    b = np.full(p, 0.01)
    lo = np.full(p, -0.3 if bounded else -np.inf)
    up = np.full(p, 0.3 if bounded else np.inf)
    pen = KernelPenalty(a, b, lo, up)

    def objective(w):
        r = yc - Xc @ w
        return s @ (r * r) / (2 * S) + a @ np.abs(w) + 0.5 * b @ (w * w)

    for _ in range(20):
        w = np.zeros(p)
        k = rng.integers(1, p)
        w[rng.choice(p, k, replace=False)] = np.clip(rng.standard_normal(k), lo[0], up[0])
        r = yc - Xc @ w
        f0 = objective(w)
        residual_newton(design, yc, w, r, pen)
        np.testing.assert_allclose(r, yc - Xc @ w, atol=1e-10)
        assert objective(w) <= f0 + 1e-14 * abs(f0)
        assert np.all(w >= lo) and np.all(w <= up)

    # a support with the signs of the solution: one step reaches the orthant's minimizer
    supp = np.arange(6)
    w = np.zeros(p)
    Xs = Xc[:, supp]
    G = (Xs * s[:, None]).T @ Xs / S + np.diag(b[supp])
    q = (Xs * s[:, None]).T @ yc / S
    wS = np.linalg.solve(G, q)
    wS = np.linalg.solve(G, q - a[supp] * np.sign(wS))
    if not bounded:
        w[supp] = wS + 0.05 * np.sign(wS)  # same signs, off the minimizer
        r = yc - Xc @ w
        residual_newton(design, yc, w, r, pen)
        np.testing.assert_allclose(w[supp], wS, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(r, yc - Xc @ w, atol=1e-10)
