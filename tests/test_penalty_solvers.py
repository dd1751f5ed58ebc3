"""Fits with the penalties beyond the elastic net: first-order (critical-point) conditions
recomputed by hand at returned solutions, duality gaps recomputed by hand, agreement with
the peers on convex cases (skglm, scikit-learn), the support-recovery example, parameter
errors that name the parameter, convergence warnings that name the criterion."""

import importlib.util
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

import penalized
from penalized import (
    AdaptiveLasso,
    GroupLasso,
    Lasso,
    LogisticRegression,
    MCPRegression,
    MultiTaskElasticNet,
    MultiTaskLasso,
    PoissonRegressor,
    SCADRegression,
    SparseGroupLasso,
    path,
    solve,
)
from penalized.datafits import Logistic, Poisson
from penalized.datafits.multitask import MultiTaskQuadratic
from penalized.penalties import L21, MCP, SCAD, LogSum, Lq
from penalized.penalties import GroupLasso as GroupPen
from penalized.penalties import SparseGroupLasso as SGLPen

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _data(n=120, p=30, seed=0, rho=0.5, k=5):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho * rho) * Z[:, j]
    X = X * rng.uniform(0.5, 2.0, p) + rng.uniform(-1, 1, p)
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.choice([-1, 1], k) * rng.uniform(1, 3, k)
    y = X @ w + 1.0 + rng.standard_normal(n)
    return np.asfortranarray(X), y, w


def _ls_grad(X, y, w, b, s=None):
    """Gradient of ``1/(2S) sum_i s_i (y_i - x_i.w - b)^2`` in w, and its curvatures
    (centered, as the intercept is optimal)."""
    s = np.ones(len(y)) if s is None else s
    S = s.sum()
    r = y - X @ w - b
    mu = s @ X / S
    Xc = X - mu
    return -(Xc.T @ (s * r)) / S, (s @ (Xc * Xc)) / S


def _scale(y, s=None):
    s = np.ones(len(y)) if s is None else s
    ybar = s @ y / s.sum()
    return s @ (y - ybar) ** 2 / s.sum()


# ----------------------------------------------------------------- critical points
@pytest.mark.parametrize("spec", [MCP(3.0), MCP(1.5), SCAD(3.7), LogSum(0.5), Lq(0.5)])
@pytest.mark.parametrize("options", [
    {}, {"positive": True}, {"lower_bounds": -0.5, "upper_bounds": 1.0},
    {"penalty_factor": np.r_[0.0, 0.0, np.ones(28)]},
])
def test_least_squares_solution_is_a_critical_point(spec, options):
    X, y, _ = _data()
    s = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    spec = spec.configure(0.2, **options)
    tol = 1e-10
    res = solve(X, y, penalty=spec, sample_weight=s, tol=tol, max_iter=100_000)
    assert res.converged and res.criterion == "kkt"
    grad, curv = _ls_grad(X, y, res.coef, res.intercept, s)
    arr = spec.arrays(X.shape[1])
    kkt = arr.kkt(res.coef, grad)
    # the criterion is what the solver reports, and it is below its target
    crit = np.sum(kkt ** 2 / (2 * curv))
    assert crit <= tol * _scale(y, s) * (1 + 1e-6)
    assert crit == pytest.approx(res.dual_gap, rel=1e-3, abs=1e-12)
    assert np.all(res.coef >= arr.lo) and np.all(res.coef <= arr.up)
    # the objective is the one reported
    f = 0.5 * s @ (y - X @ res.coef - res.intercept) ** 2 / s.sum() + arr.value(res.coef)
    assert f == pytest.approx(res.primal, rel=1e-9)


def test_standardized_nonconvex_penalizes_the_standardized_coefficients():
    X, y, _ = _data()
    sd = X.std(axis=0)
    a = MCPRegression(alpha=0.2, gamma=3.0, standardize=True, tol=1e-12).fit(X, y)
    b = MCPRegression(alpha=0.2, gamma=3.0, tol=1e-12).fit(X / sd, y)
    np.testing.assert_allclose(a.coef_ * sd, b.coef_, atol=1e-6)


@pytest.mark.parametrize("datafit,spec", [(Logistic(), MCP(3.0)), (Logistic(), SCAD()),
                                          (Poisson(), MCP(3.0)), (Logistic(), LogSum(0.5))])
def test_glm_reweighted_solution_is_a_critical_point(datafit, spec):
    X, y, w = _data(n=300, p=20, seed=2)
    X = (X - X.mean(0)) / X.std(0)
    eta = X @ (0.3 * w)
    rng = np.random.default_rng(3)
    y = ((rng.random(300) < 1 / (1 + np.exp(-eta))) if isinstance(datafit, Logistic)
         else rng.poisson(np.exp(0.3 * eta))).astype(float)
    tol = 1e-8
    res = solve(X, y, datafit, spec.configure(0.02), tol=tol, max_iter=100_000)
    assert res.converged and res.engine == "reweighted"
    eta = X @ res.coef + res.intercept
    g = datafit.grad(y, eta)
    assert abs(np.mean(g)) < 1e-8  # the intercept is optimal
    grad = X.T @ g / len(y)
    curv = (datafit.hess(y, eta) @ (X - X.mean(0)) ** 2) / len(y)
    kkt = spec.configure(0.02).arrays(20).kkt(res.coef, grad)
    assert np.sum(kkt ** 2 / (2 * curv)) <= tol * datafit.tol_scale(y, np.ones(300), 0.0, True)


def test_reweighted_l1_decreases_the_objective_at_every_step():
    X, y, _ = _data()
    res = solve(X, y, penalty=LogSum(0.3, alpha=0.3), tol=1e-10, max_iter=100_000)
    crit = [c for _, c in res.history]
    assert crit[-1] <= crit[0] and res.converged


# ------------------------------------------------------------------------- groups
def _group_gap(X, y, w, b, pen):
    """The group (sparse-group) lasso's duality gap recomputed with numpy."""
    n = len(y)
    mu = X.mean(0)
    Xc, yc = X - mu, y - y.mean()
    r = yc - Xc @ w
    v = Xc.T @ r / n
    c = min(1.0, float(np.min(pen.dual_scales(v))))
    primal = 0.5 * r @ r / n + pen.value(w)
    dual = c * (yc @ r) / n - 0.5 * c * c * (r @ r) / n
    return primal - dual


@pytest.mark.parametrize("spec", [GroupPen(3), GroupPen([0, 0, 1, 1, 1, 2] * 5),
                                  SGLPen(5, l1_ratio=0.3), GroupPen(3, positive=True),
                                  GroupPen([np.arange(0, 30, 2), np.arange(1, 30, 2)])])
def test_group_solution_kkt_and_gap_by_hand(spec):
    X, y, _ = _data()
    spec = spec.configure(0.3)
    tol = 1e-10
    res = solve(X, y, penalty=spec, tol=tol, max_iter=100_000)
    assert res.converged and res.engine == "group_bcd"
    arr = spec.arrays(X.shape[1])
    gap = _group_gap(X, y, res.coef, res.intercept, arr)
    assert gap <= tol * _scale(y) * 1.01 + 1e-14
    assert gap == pytest.approx(res.dual_gap, rel=1e-4, abs=1e-13)
    grad, _ = _ls_grad(X, y, res.coef, res.intercept)
    assert np.max(arr.group_kkt(res.coef, grad)) < 1e-4
    # whole groups are zero or not (the group lasso), and zero groups are exact zeros
    norms = np.array([np.linalg.norm(res.coef[arr.order[a:b]])
                      for a, b in zip(arr.starts[:-1], arr.starts[1:], strict=True)])
    if arr.n_groups >= 10:
        assert np.any(norms == 0)


def test_group_of_singletons_is_the_weighted_lasso():
    X, y, _ = _data()
    a = GroupLasso(groups=1, weights=np.ones(30), alpha=0.1, tol=1e-12).fit(X, y)
    b = Lasso(alpha=0.1, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    c = LogisticRegression(penalty=GroupPen(1, weights=np.ones(30)), alpha=0.02, tol=1e-8)
    yb = (y > np.median(y)).astype(int)
    d = LogisticRegression(l1_ratio=1.0, alpha=0.02, tol=1e-8)
    np.testing.assert_allclose(c.fit(X, yb).coef_, d.fit(X, yb).coef_, atol=1e-6)


def test_poisson_group_lasso_gap_by_hand():
    X, _, w = _data(n=300, p=12, seed=4)
    X = (X - X.mean(0)) / X.std(0)
    y = np.random.default_rng(0).poisson(np.exp(0.3 * X @ np.r_[w[:6], np.zeros(6)]))
    model = PoissonRegressor(penalty=GroupPen(3), alpha=0.05, tol=1e-8).fit(X, y)
    eta = X @ model.coef_ + model.intercept_
    g = np.exp(eta) - y
    assert abs(g.mean()) < 1e-8
    arr = GroupPen(3, alpha=0.05).arrays(12)
    assert np.max(arr.group_kkt(model.coef_, X.T @ g / len(y))) < 1e-5
    assert np.any([np.all(model.coef_[i:i + 3] == 0) for i in range(0, 12, 3)])


# ---------------------------------------------------------------- peers, convex cases
def _skglm():
    return pytest.importorskip("skglm")


def test_mcp_strictly_convex_matches_skglm():
    skglm = _skglm()
    X, y, _ = _data(n=300, p=15, seed=5, rho=0.3)
    X = (X - X.mean(0)) / X.std(0)
    y = y - y.mean()
    gamma, alpha = 3.0, 0.15
    assert gamma * np.linalg.eigvalsh(X.T @ X / len(y)).min() > 1  # strictly convex
    ours = MCPRegression(alpha=alpha, gamma=gamma, fit_intercept=False, tol=1e-14,
                         max_iter=100_000).fit(X, y)
    peer = skglm.MCPRegression(alpha=alpha, gamma=gamma, fit_intercept=False, tol=1e-12,
                               max_iter=1000, max_epochs=100_000).fit(X, y)
    pen = MCP(gamma, alpha=alpha).arrays(15)

    def F(w):
        return 0.5 * np.mean((y - X @ w) ** 2) + pen.value(w)

    assert abs(F(ours.coef_) - F(peer.coef_)) <= 1e-6 * F(np.zeros(15))
    np.testing.assert_allclose(ours.coef_, peer.coef_, atol=1e-5)
    assert F(ours.coef_) <= F(peer.coef_) + 1e-12


def test_scad_matches_skglm():
    skglm = _skglm()
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import Quadratic as SkQuadratic
    from skglm.penalties import SCAD as SkSCAD
    from skglm.solvers import AndersonCD

    X, y, _ = _data(n=300, p=15, seed=6, rho=0.3)
    X = (X - X.mean(0)) / X.std(0)
    y = y - y.mean()
    ours = SCADRegression(alpha=0.1, gamma=3.7, fit_intercept=False, tol=1e-14).fit(X, y)
    peer = GeneralizedLinearEstimator(SkQuadratic(), SkSCAD(0.1, 3.7),
                                      AndersonCD(tol=1e-12, fit_intercept=False)).fit(X, y)
    del skglm
    pen = SCAD(3.7, alpha=0.1).arrays(15)

    def F(w):
        return 0.5 * np.mean((y - X @ w) ** 2) + pen.value(w)

    assert abs(F(ours.coef_) - F(peer.coef_)) <= 1e-6 * F(np.zeros(15))


def test_group_lasso_matches_skglm_with_whole_groups_zero():
    skglm = _skglm()
    X, y, _ = _data(n=150, p=40, seed=7)
    X = (X - X.mean(0)) / X.std(0)
    y = y - y.mean()
    alpha = 0.15
    weights = np.sqrt(4) * np.ones(10)
    ours = GroupLasso(groups=4, alpha=alpha, fit_intercept=False, tol=1e-14).fit(X, y)
    peer = skglm.GroupLasso(groups=4, alpha=alpha, weights=weights, fit_intercept=False,
                            tol=1e-12, max_iter=1000).fit(X, y)
    pen = GroupPen(4, alpha=alpha).arrays(40)

    def F(w):
        return 0.5 * np.mean((y - X @ w) ** 2) + pen.value(w)

    assert abs(F(ours.coef_) - F(peer.coef_)) <= 1e-6 * F(np.zeros(40))
    G = ours.coef_.reshape(10, 4)
    zero = np.all(G == 0, axis=1)
    assert zero.any() and not zero.all()
    assert np.all(np.all(G != 0, axis=1) | zero)  # a group is all zero or all nonzero
    np.testing.assert_array_equal(zero, np.all(peer.coef_.reshape(10, 4) == 0, axis=1))


def test_sparse_group_lasso_matches_skglm():
    _skglm()
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import QuadraticGroup
    from skglm.penalties import WeightedL1GroupL2
    from skglm.solvers import GroupBCD
    from skglm.utils.data import grp_converter

    X, y, _ = _data(n=150, p=40, seed=8)
    X = (X - X.mean(0)) / X.std(0)
    y = y - y.mean()
    alpha, tau = 0.1, 0.4
    ours = SparseGroupLasso(groups=4, alpha=alpha, l1_ratio=tau, fit_intercept=False,
                            tol=1e-14).fit(X, y)
    idx, ptr = grp_converter(4, 40)
    pen_sk = WeightedL1GroupL2(alpha, (1 - tau) * 2.0 * np.ones(10), tau * np.ones(40), ptr, idx)
    peer = GeneralizedLinearEstimator(QuadraticGroup(ptr, idx), pen_sk,
                                      GroupBCD(tol=1e-12, fit_intercept=False,
                                               ws_strategy="fixpoint")).fit(X, y)
    pen = SGLPen(4, tau, alpha=alpha).arrays(40)

    def F(w):
        return 0.5 * np.mean((y - X @ w) ** 2) + pen.value(w)

    assert abs(F(ours.coef_) - F(peer.coef_)) <= 1e-6 * F(np.zeros(40))


@pytest.mark.parametrize("est,peer,l1_ratio", [
    (MultiTaskLasso, "MultiTaskLasso", 1.0), (MultiTaskElasticNet, "MultiTaskElasticNet", 0.6)])
def test_multitask_matches_scikit_learn(est, peer, l1_ratio):
    import sklearn.linear_model as lm

    X, _, _ = _data(n=100, p=30, seed=9)
    rng = np.random.default_rng(0)
    W = np.zeros((30, 3))
    W[:4] = rng.standard_normal((4, 3))
    Y = X @ W + rng.standard_normal((100, 3))
    alpha = 0.2
    kw = {} if l1_ratio == 1.0 else {"l1_ratio": l1_ratio}
    ours = est(alpha=alpha, tol=1e-14, max_iter=100_000, **kw).fit(X, Y)
    theirs = getattr(lm, peer)(alpha=alpha, tol=1e-14, max_iter=100_000, **kw).fit(X, Y)
    pen = L21(alpha, l1_ratio).arrays(30)

    def F(coef, b):
        R = Y - X @ coef.T - b
        return 0.5 * np.sum(R * R) / len(Y) + pen.value(coef.T)

    F0 = F(np.zeros((3, 30)), Y.mean(0))
    assert abs(F(ours.coef_, ours.intercept_) - F(theirs.coef_, theirs.intercept_)) <= 1e-6 * F0
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
    assert np.all(np.all(ours.coef_ == 0, axis=0) | np.all(ours.coef_ != 0, axis=0))


def test_multitask_gap_by_hand_with_weights_and_sparse_x():
    X, _, _ = _data(n=80, p=20, seed=10)
    rng = np.random.default_rng(1)
    Y = X[:, :3] @ rng.standard_normal((3, 2)) + rng.standard_normal((80, 2))
    s = rng.uniform(0.5, 2, 80)
    dense = MultiTaskElasticNet(alpha=0.1, l1_ratio=0.7, tol=1e-12).fit(X, Y, sample_weight=s)
    sparse = MultiTaskElasticNet(alpha=0.1, l1_ratio=0.7, tol=1e-12).fit(sp.csc_matrix(X), Y,
                                                                         sample_weight=s)
    np.testing.assert_allclose(dense.coef_, sparse.coef_, atol=1e-8)
    S = s.sum()
    mu = s @ X / S
    Yc = Y - s @ Y / S
    W = dense.coef_.T
    R = Yc - (X - mu) @ W
    V = (X - mu).T @ (s[:, None] * R) / S
    a, b = 0.07 * np.ones(20), 0.03 * np.ones(20)
    primal = 0.5 * np.sum(s[:, None] * R * R) / S + L21(0.1, 0.7).arrays(20).value(W)
    vn = np.linalg.norm(V, axis=1)
    conj = np.sum(np.maximum(vn - a, 0) ** 2 / (2 * b))
    dual = np.sum(s[:, None] * Yc * R) / S - 0.5 * np.sum(s[:, None] * R * R) / S - conj
    assert 0 <= primal - dual <= 1e-12 * np.sum(s[:, None] * Yc ** 2) / S * 1.01 + 1e-15


# ------------------------------------------------------------------ support recovery
def test_mcp_recovers_the_exact_support_and_the_lasso_does_not():
    """The example's design (fixed seed): decoys correlated with every true feature break
    the lasso's irrepresentable condition; MCP's path goes through the exact support."""
    spec = importlib.util.spec_from_file_location("ex", EXAMPLES / "nonconvex_support_recovery.py")
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    X, y, w_true = ex.simulate(seed=0)
    lasso = path(X, y, alphas=100, eps=1e-2)
    mcp = path(X, y, alphas=100, eps=1e-2, penalty=MCP(gamma=3.0))
    assert not ex.exact_support(lasso, w_true)
    assert ex.exact_support(mcp, w_true)
    # and at the point where MCP has the exact support, it is nearly unbiased
    _, _, err = ex.support_curves(mcp, w_true)
    _, _, err_lasso = ex.support_curves(lasso, w_true)
    assert err.min() < 0.25 * err_lasso.min()


# ------------------------------------------------------------- errors and warnings
@pytest.mark.parametrize("make,match", [
    (lambda: MCPRegression(gamma=1.0), "gamma"),
    (lambda: SCADRegression(gamma=2.0), "gamma"),
    (lambda: GroupLasso(groups=[[0, 1], [2]]), "groups"),
    (lambda: GroupLasso(groups=[[0, 1, 2, 3], [3, 4]]), "groups"),
    (lambda: GroupLasso(groups=[0, 1]), "groups"),
    (lambda: GroupLasso(groups=2, weights=[1.0]), "weights"),
    (lambda: SparseGroupLasso(groups=2, l1_ratio=1.5), "l1_ratio"),
    (lambda: AdaptiveLasso(gamma=0.0), "gamma"),
    (lambda: AdaptiveLasso(init="svd"), "init"),
    (lambda: LogisticRegression(penalty=Lq(q=1.5)), "q"),
    (lambda: PoissonRegressor(penalty=LogSum(eps=-1.0)), "eps"),
    (lambda: MultiTaskLasso(alpha=-1.0), "alpha"),
])
def test_bad_parameters_raise_naming_them(make, match):
    X, y, _ = _data(n=40, p=5)
    Y = np.column_stack([y, y])
    yy = Y if "MultiTask" in type(make()).__name__ else y
    if type(make()).__name__ == "LogisticRegression":
        yy = (y > np.median(y)).astype(int)
    if type(make()).__name__ == "PoissonRegressor":
        yy = np.round(np.abs(y))
    with pytest.raises((ValueError, TypeError), match=match):
        make().fit(X, yy)


def test_penalty_object_errors():
    X, y, _ = _data(n=60, p=5)
    y3 = np.digitize(y, np.quantile(y, [0.33, 0.66]))
    with pytest.raises(ValueError, match="two classes"):
        LogisticRegression(penalty=MCP(3.0)).fit(X, y3)
    with pytest.raises(ValueError, match="positive"):
        LogisticRegression(penalty=MCP(3.0, positive=True), positive=True).fit(X, y > 0)
    with pytest.raises(ValueError, match="penalty_factor"):
        PoissonRegressor(penalty=GroupPen(2), penalty_factor=np.ones(5)).fit(X, np.abs(y))
    with pytest.raises(ValueError, match="mono-task"):
        MultiTaskLasso().fit(X, y)


def test_convergence_warnings_name_the_criterion():
    X, y, _ = _data()
    with pytest.warns(ConvergenceWarning, match="critical-point criterion .* > tol"):
        MCPRegression(alpha=0.05, tol=1e-14, max_iter=2).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="duality gap .* > tol"):
        GroupLasso(groups=3, alpha=0.05, tol=1e-14, max_iter=2).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="duality gap .* > tol"):
        MultiTaskLasso(alpha=0.01, tol=1e-14, max_iter=2).fit(X, np.column_stack([y, -y]))
    with pytest.warns(ConvergenceWarning, match="critical-point criterion"):
        solve(X, y, penalty=LogSum(0.1, alpha=0.1), tol=1e-14, max_iter=3)


# ---------------------------------------------------------------- estimator contracts
@pytest.mark.parametrize("est", [MCPRegression(alpha=0.1), SCADRegression(alpha=0.1),
                                 AdaptiveLasso(alpha=0.05), GroupLasso(3, alpha=0.1),
                                 SparseGroupLasso(3, alpha=0.1)])
def test_dense_sparse_float32_agree(est):
    X, y, _ = _data()
    est.set_params(tol=1e-12)
    dense = est.fit(X, y).coef_.copy()
    np.testing.assert_allclose(est.fit(sp.csr_matrix(X), y).coef_, dense, atol=1e-7)
    c32 = est.fit(X.astype(np.float32), y).coef_
    assert c32.dtype == np.float32
    np.testing.assert_allclose(c32, dense, atol=1e-3)


def test_alpha_max_gives_zeros_for_every_penalty():
    X, y, _ = _data()
    Y = np.column_stack([y, y ** 2 / 10])
    for pen in (MCP(3.0), SCAD(), LogSum(0.2), Lq(0.5), GroupPen(3), SGLPen(3, 0.5)):
        res = path(X, y, penalty=pen, alphas=5)
        assert res.df[0] == 0 and res.df[-1] > 0, pen
    res = path(X, Y, MultiTaskQuadratic(), penalty=L21(), alphas=5)
    assert res.df[0] == 0 and res.df[-1] > 0


def test_mcp_with_large_gamma_is_the_lasso():
    X, y, _ = _data()
    a = MCPRegression(alpha=0.1, gamma=1e8, tol=1e-14).fit(X, y)
    b = Lasso(alpha=0.1, tol=1e-14).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-6)


def test_adaptive_lasso_is_a_weighted_lasso():
    X, y, _ = _data()
    model = AdaptiveLasso(alpha=0.02, init="ridge", tol=1e-12).fit(X, y)
    ref = Lasso(alpha=0.02, penalty_factor=model.weights_, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-8)
    init = AdaptiveLasso(alpha=0.02, init="lasso", init_alpha=0.05, tol=1e-12).fit(X, y)
    held = np.isinf(init.weights_)
    assert held.any() and np.all(init.coef_[held] == 0)
    given = AdaptiveLasso(alpha=0.02, init=model.init_coef_, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(given.coef_, model.coef_)


def test_adaptive_lasso_held_unpenalized_feature_warns_nothing():
    # found by the refit property: a held feature (initial coefficient 0, weight inf)
    # with penalty factor 0 made pf * weight = 0 * inf: a RuntimeWarning 'invalid value
    # encountered in multiply' from every fit (the NaN itself was unused)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    X[:, 0] = 0.0
    y = X[:, 1] + 0.1 * rng.standard_normal(30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = AdaptiveLasso(alpha=0.01, penalty_factor=[0.0, 1.0, 1.0]).fit(X, y)
    assert np.isinf(model.weights_[0]) and model.coef_[0] == 0.0


def test_warm_start_and_estimator_penalty_objects_are_not_mutated():
    X, y, _ = _data()
    pen = MCP(gamma=2.5)
    yb = y + 3 * np.random.default_rng(0).standard_normal(len(y)) > np.median(y)
    model = LogisticRegression(penalty=pen, alpha=0.05).fit(X, yb)
    assert pen.alpha == 1.0 and pen.penalty_factor is None
    assert hasattr(model, "stop_crit_") and not hasattr(model, "dual_gap_")
    m = MCPRegression(alpha=0.1, warm_start=True).fit(X, y)
    it = m.n_iter_
    assert m.fit(X, y).n_iter_ <= it


# every module of the penalties beyond the elastic net
NEW_MODULES = [f"penalized.{m}" for m in (
    "datafits.multitask", "estimators._spec_base", "estimators.adaptive", "estimators.group",
    "estimators.multitask", "estimators.nonconvex", "model_selection.multitask_cv",
    "model_selection.penalty_cv", "penalties._halfline",
    "penalties._spec", "penalties.concave", "penalties.group", "penalties.l21",
    "penalties.log_sum", "penalties.lq", "penalties.mcp", "penalties.scad", "penalty_paths",
    "solvers.group", "solvers.group_newton", "solvers.kernels.group",
    "solvers.kernels.multitask", "solvers.kernels.multitask_gram",
    "solvers.kernels.nonconvex", "solvers.multitask", "solvers.nonconvex",
    "solvers.penalty_engines", "solvers.reweighted")]


def test_new_modules_list_is_complete():
    src = Path(penalized.__file__).resolve().parent
    for name in NEW_MODULES:
        assert (src.parent / (name.replace(".", "/") + ".py")).is_file(), name


def test_plain_lasso_compiles_no_new_penalty_code():
    """A first Lasso fit (and LogisticRegression, PoissonRegressor, HuberRegressor fits)
    loads none of the new penalties' modules (start-up)."""
    code = ("import numpy as np, sys; import penalized as pz; "
            "X = np.random.default_rng(0).standard_normal((50, 20)); "
            "pz.Lasso(alpha=0.1).fit(X, X[:, 0]); "
            f"bad = sorted(set({NEW_MODULES!r}) & set(sys.modules)); "
            "pz.LogisticRegression().fit(X, X[:, 0] > 0); "
            "pz.PoissonRegressor().fit(X, np.exp(X[:, 0]).round()); "
            "pz.HuberRegressor().fit(X, X[:, 0]); "
            f"bad_glm = sorted(set({NEW_MODULES!r}) & set(sys.modules)); "
            "assert not bad and not bad_glm, (bad, bad_glm)")
    env = {"PYTHONPATH": str(Path(penalized.__file__).resolve().parents[1])}
    import os

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=os.environ | env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_warning_on_default_fits():
    X, y, _ = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for est in (MCPRegression(0.1), SCADRegression(0.1), GroupLasso(3, 0.1),
                    SparseGroupLasso(3, 0.1), AdaptiveLasso(0.05)):
            est.fit(X, y)
