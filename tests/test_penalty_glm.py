"""Penalty objects on scikit-learn's GLM estimators (LogisticRegression, PoissonRegressor,
HuberRegressor): their strength comes from C or alpha exactly as the elastic net's does,
the fits satisfy their first-order conditions recomputed by hand, the joint Huber scale
problem with a group lasso agrees with cvxpy, max_iter counts Newton steps, and what
cannot be honoured is refused by name."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from penalized import HuberRegressor, LogisticRegression, PoissonRegressor
from penalized.datafits import Huber, Logistic
from penalized.penalties import MCP, SCAD, GroupLasso, SparseGroupLasso


def _data(n=200, p=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1] += 0.6 * X[:, 0]
    w = np.zeros(p)
    w[[0, 1, 2, 6]] = [1.5, -1.0, 0.8, 1.2]
    return np.asfortranarray(X), X @ w, rng


def _binary(seed=0):
    X, eta, rng = _data(seed=seed)
    y = (rng.random(len(eta)) < 1 / (1 + np.exp(-eta))).astype(int)
    s = rng.uniform(0.5, 2.0, len(y))
    return X, y, s


def _logistic_grad(X, y, coef, b, s):
    eta = X @ coef + b
    g = s * Logistic().grad(y.astype(float), eta)
    S = s.sum()
    Xc = X - s @ X / S
    curv = (s * Logistic().hess(y.astype(float), eta)) @ Xc ** 2 / S
    return X.T @ g / S, float(g.sum() / S), curv


# ------------------------------------------------------------------- LogisticRegression
@pytest.mark.parametrize("C", [0.05, 1.0])
def test_logistic_mcp_strength_comes_from_C(C):
    """alpha = 1 / (C S), S the total sample weight: the same fit as penalized's alpha,
    a critical point of the mean-loss objective at that alpha, no FutureWarning (a
    penalty object is not the deprecated string)."""
    X, y, s = _binary()
    alpha = 1.0 / (C * s.sum())
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        by_c = LogisticRegression(penalty=MCP(gamma=3.0), C=C, tol=1e-10).fit(
            X, y, sample_weight=s)
    by_alpha = LogisticRegression(penalty=MCP(gamma=3.0), alpha=alpha, tol=1e-10).fit(
        X, y, sample_weight=s)
    np.testing.assert_allclose(by_c.coef_, by_alpha.coef_, atol=1e-10)
    assert by_c.coef_.shape == (1, X.shape[1]) and by_c.n_iter_.shape == (1,)
    assert hasattr(by_c, "stop_crit_") and not hasattr(by_c, "dual_gap_")
    grad, gb, curv = _logistic_grad(X, y, by_c.coef_[0], by_c.intercept_[0], s)
    assert abs(gb) < 1e-8  # the intercept is optimal
    kkt = MCP(gamma=3.0, alpha=alpha).arrays(X.shape[1]).kkt(by_c.coef_[0], grad)
    crit = np.sum(kkt ** 2 / (2 * curv))
    assert crit <= 1e-10 * Logistic().tol_scale(y.astype(float), s, 0.0, True)
    assert by_c.stop_crit_ == pytest.approx(crit, rel=1e-3, abs=1e-14)
    # a strength high enough zeroes everything, a low one keeps the true support
    assert np.count_nonzero(by_c.coef_) > 0


def test_logistic_group_lasso_kkt_by_hand_at_alpha_from_C():
    X, y, s = _binary(seed=1)
    C = 0.1
    alpha = 1.0 / (C * s.sum())
    model = LogisticRegression(penalty=GroupLasso(3), C=C, tol=1e-10).fit(
        X, y, sample_weight=s)
    assert hasattr(model, "dual_gap_") and model.dual_gap_ >= 0
    grad, gb, _ = _logistic_grad(X, y, model.coef_[0], model.intercept_[0], s)
    assert abs(gb) < 1e-8
    arr = GroupLasso(3, alpha=alpha).arrays(X.shape[1])
    assert np.max(arr.group_kkt(model.coef_[0], grad)) < 1e-5
    norms = [np.linalg.norm(model.coef_[0, i:i + 3]) for i in range(0, 12, 3)]
    assert 0.0 in norms and max(norms) > 0  # whole groups zero, others not


@pytest.mark.parametrize("pen", [GroupLasso(3), SCAD()])
def test_logistic_max_iter_counts_newton_steps(pen):
    X, y, s = _binary(seed=2)
    with pytest.warns(ConvergenceWarning, match="Newton steps"):
        model = LogisticRegression(penalty=pen, C=10.0, max_iter=1, tol=1e-14).fit(X, y)
    assert model.n_iter_.tolist() == [1]
    full = LogisticRegression(penalty=pen, C=10.0, tol=1e-8).fit(X, y)
    assert 1 < full.n_iter_[0] <= 100


def test_logistic_penalty_object_refusals():
    X, y, _ = _binary()
    with pytest.raises(ValueError, match="liblinear"):
        LogisticRegression(penalty=MCP(3.0), solver="liblinear").fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        LogisticRegression(penalty=GroupLasso(3), l1_ratio=0.5).fit(X, y)
    with pytest.raises(ValueError, match="'C' or penalized's 'alpha'"):
        LogisticRegression(penalty=MCP(3.0), C=2.0, alpha=0.1).fit(X, y)
    # liblinear without an intercept is the same model as the other solver names
    a = LogisticRegression(penalty=MCP(3.0), solver="liblinear", fit_intercept=False,
                           C=0.5).fit(X, y)
    b = LogisticRegression(penalty=MCP(3.0), fit_intercept=False, C=0.5).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_)


# --------------------------------------------------------------------- PoissonRegressor
def test_poisson_penalty_object_max_iter_and_refusals():
    X, eta, rng = _data(seed=3)
    y = rng.poisson(np.exp(0.3 * eta))
    model = PoissonRegressor(penalty=SparseGroupLasso(3, l1_ratio=0.5), alpha=0.02,
                             tol=1e-8).fit(X, y)
    assert isinstance(model.n_iter_, int) and 1 < model.n_iter_ <= 100
    with pytest.warns(ConvergenceWarning, match="Newton steps"):
        short = PoissonRegressor(penalty=GroupLasso(3), alpha=0.02, max_iter=1,
                                 tol=1e-14).fit(X, y)
    assert short.n_iter_ == 1
    with pytest.raises(ValueError, match="l1_ratio"):
        PoissonRegressor(penalty=GroupLasso(3), l1_ratio=1.0).fit(X, y)


# ----------------------------------------------------------------------- HuberRegressor
def _huber_data(seed=4):
    X, eta, rng = _data(n=80, p=9, seed=seed)
    y = eta + 0.3 * rng.standard_normal(80)
    out = rng.choice(80, 6, replace=False)
    y[out] += rng.choice([-1.0, 1.0], 6) * rng.uniform(5, 15, 6)
    return X, y, rng


def _joint_obj(X, y, coef, b, sigma, alpha, epsilon, s, pen_value):
    z = np.abs(y - X @ coef - b) / sigma
    H = np.where(z <= epsilon, z * z, 2 * epsilon * z - epsilon ** 2)
    return float(s.sum() * sigma + s @ (sigma * H) + alpha * pen_value(coef))


@pytest.mark.parametrize("weighted", [False, True])
def test_huber_group_lasso_joint_scale_matches_cvxpy(weighted):
    """sum_i s_i (sigma + sigma H(r_i / sigma)) + alpha sum_g wg ||w_g||, jointly in
    (w, b, sigma): sigma H(r / sigma) = min_{u + v = r} u^2 / sigma + 2 eps |v|."""
    cp = pytest.importorskip("cvxpy")
    X, y, rng = _huber_data()
    n, p = X.shape
    s = rng.uniform(0.5, 2.0, n) if weighted else np.ones(n)
    alpha, epsilon = 40.0, 1.35
    wg = np.sqrt(3.0)
    w, b, sig = cp.Variable(p), cp.Variable(), cp.Variable(pos=True)
    u, v = cp.Variable(n), cp.Variable(n)
    obj = (s.sum() * sig + cp.quad_over_lin(cp.multiply(np.sqrt(s), u), sig)
           + 2 * epsilon * cp.sum(cp.multiply(s, cp.abs(v)))
           + alpha * wg * sum(cp.norm(w[i:i + 3]) for i in range(0, p, 3)))
    prob = cp.Problem(cp.Minimize(obj), [u + v == y - X @ w - b])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12,
                   max_iter=500)
    assert prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE), prob.status
    reg = HuberRegressor(penalty=GroupLasso(3), alpha=alpha, epsilon=epsilon,
                         tol=1e-10).fit(X, y, sample_weight=s if weighted else None)

    def group_norms(c):
        return wg * sum(np.linalg.norm(c[i:i + 3]) for i in range(0, p, 3))

    P = _joint_obj(X, y, reg.coef_, reg.intercept_, reg.scale_, alpha, epsilon, s,
                   group_norms)
    P_ref = _joint_obj(X, y, w.value, float(b.value), float(sig.value), alpha, epsilon, s,
                       group_norms)
    assert P - P_ref <= 1e-7 * abs(P_ref)  # never worse than cvxpy, however accurate
    if prob.status == cp.OPTIMAL:
        assert P_ref - P <= 1e-7 * abs(P_ref)
    np.testing.assert_allclose(reg.scale_, float(sig.value), rtol=1e-4)
    np.testing.assert_allclose(reg.coef_, w.value, atol=1e-4)
    assert any(np.all(reg.coef_[i:i + 3] == 0) for i in range(0, p, 3))
    # the fixed-scale fit: the group lasso at alpha * sigma / (2 S) on the mean Huber loss
    d = epsilon * reg.scale_
    r = y - X @ reg.coef_ - reg.intercept_
    g = -(s * np.clip(r, -d, d))
    arr = GroupLasso(3, alpha=alpha * reg.scale_ / (2 * s.sum())).arrays(p)
    assert np.max(arr.group_kkt(reg.coef_, X.T @ g / s.sum())) < 1e-5 * d


def test_huber_singleton_groups_are_the_lasso_part():
    """Groups of one feature with weight 1 are the L1 norm: the same fit as the elastic
    net's ``l1_ratio=1`` (whose L1 part gets alpha * sigma / (2 S) at a fixed scale)."""
    X, y, _ = _huber_data(seed=5)
    a = HuberRegressor(penalty=GroupLasso(1, weights=np.ones(9)), alpha=5.0,
                       tol=1e-10).fit(X, y)
    b = HuberRegressor(l1_ratio=1.0, alpha=5.0, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    np.testing.assert_allclose(a.scale_, b.scale_, rtol=1e-8)
    np.testing.assert_array_equal(a.outliers_, b.outliers_)


def test_huber_nonconvex_needs_a_fixed_scale():
    X, y, _ = _huber_data(seed=6)
    with pytest.raises(ValueError, match="fixed_scale") as info:
        HuberRegressor(penalty=MCP(3.0), alpha=1.0).fit(X, y)
    assert "nonconvex" in str(info.value) and "homogeneous" in str(info.value)
    with pytest.raises(ValueError, match="l1_ratio"):
        HuberRegressor(penalty=GroupLasso(3), l1_ratio=0.5).fit(X, y)
    # at a fixed scale: one fit, a critical point of the mean Huber loss + MCP at
    # alpha * sigma / (2 S), its criterion reported in the objective's units
    sigma, eps, alpha = 0.5, 1.35, 4.0
    reg = HuberRegressor(penalty=MCP(3.0), alpha=alpha, fixed_scale=sigma, epsilon=eps,
                         tol=1e-10).fit(X, y)
    assert hasattr(reg, "stop_crit_") and not hasattr(reg, "dual_gap_")
    n = len(y)
    d = eps * sigma
    r = y - X @ reg.coef_ - reg.intercept_
    g = -np.clip(r, -d, d)
    assert abs(g.mean()) < 1e-8
    h = Huber(d).hess(y, X @ reg.coef_ + reg.intercept_)
    curv = h @ (X - X.mean(0)) ** 2 / n
    kkt = MCP(3.0, alpha=alpha * sigma / (2 * n)).arrays(9).kkt(reg.coef_, X.T @ g / n)
    crit = np.sum(kkt ** 2 / np.maximum(2 * curv, 1e-300))
    assert crit <= 1e-10 * Huber(d).tol_scale(y, np.ones(n), 0.0, True)
    assert reg.stop_crit_ == pytest.approx(crit * 2 * n / sigma, rel=1e-2, abs=1e-12)
