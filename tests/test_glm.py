"""Correctness tests for the GLM estimators: LogisticRegression, PoissonRegressor, HuberRegressor.

Every reference is independent of penalized: objectives, duality gaps and KKT conditions are
computed here with numpy/scipy, and solutions are compared with scikit-learn (logistic, L2
Poisson) and cvxpy + CLARABEL (L1/EN Poisson, Huber, bounded logistic, Poisson with offset).

Objectives (spec), P(w) = sum_j pf_j (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2), S = sum_i s_i:
    logistic     1/S sum_i s_i (log(1 + exp(eta_i)) - y_i eta_i) + alpha P(w)
    multinomial  1/S sum_i s_i (logsumexp_k eta_ik - eta_i,y_i) + alpha sum_k P(w_k)
    Poisson      1/S sum_i s_i (exp(eta_i) - y_i eta_i) + alpha P(w)
    Huber        1/S sum_i s_i H_eps(y_i - eta_i) + alpha P(w)
"""

import time
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, logsumexp, xlogy
from sklearn import linear_model as sklm
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from conftest import make_problem, to_container
from penalized import (
    ElasticNet,
    HuberRegressor,
    Lasso,
    LogisticRegression,
    PoissonRegressor,
    solve,
)
from penalized.datafits import Huber, Logistic, Multinomial, Poisson
from penalized.penalties import L1, L2
from penalized.penalties import ElasticNet as ENPenalty

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

PENALTIES = {"l1": 1.0, "l2": 0.0, "elasticnet": 0.5}
CONTAINERS = ["dense", "csc", "csr"]
RTOL_OBJ = 1e-7
# L1 certificates are first order in the coefficients' error while the objective is second
# order: gaps much below ~1e-9 are out of reach in double precision, so "tight" is 1e-8.
TIGHT = dict(tol=1e-8, max_iter=100_000)
# without an L1 part the gap goes down to rounding: tight enough to compare coefficients
TIGHTER = dict(tol=1e-12, max_iter=100_000)
TIGHT_FOR = {"l1": TIGHT, "l2": TIGHTER, "elasticnet": TIGHTER}
SK_TIGHT = dict(solver="saga", tol=1e-12, max_iter=1_000_000)


def _cvxpy():
    return pytest.importorskip("cvxpy")


def _clarabel_solve(prob):
    """Solve at tight tolerances; return True when CLARABEL reports full accuracy."""
    cp = _cvxpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Solution may be inaccurate"
        prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12,
                   tol_ktratio=1e-10, max_iter=500)
    assert prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE), prob.status
    return prob.status == cp.OPTIMAL


# --------------------------------------------------------------------------------------
# Independent objectives (hand-written)
# --------------------------------------------------------------------------------------


def dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def penalty_value(W, alpha, l1_ratio, pf=None):
    W = np.asarray(W, dtype=np.float64)
    pf = np.ones(W.shape[-1]) if pf is None else np.asarray(pf, dtype=np.float64)
    return alpha * float(np.sum(pf * (l1_ratio * np.abs(W) + 0.5 * (1 - l1_ratio) * W * W)))


def _weights(n, sw):
    return np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64)


def logistic_obj(X, y01, coef, b, alpha, l1_ratio, sw=None, pf=None):
    eta = dense(X) @ np.ravel(coef) + float(np.ravel([b])[0])
    s = _weights(len(y01), sw)
    loss = s @ (np.logaddexp(0.0, eta) - y01 * eta) / s.sum()
    return float(loss) + penalty_value(np.ravel(coef), alpha, l1_ratio, pf)


def multinomial_obj(X, yk, W, b, alpha, l1_ratio, sw=None):
    eta = dense(X) @ np.asarray(W).T + np.asarray(b)
    s = _weights(len(yk), sw)
    loss = s @ (logsumexp(eta, axis=1) - eta[np.arange(len(yk)), yk]) / s.sum()
    return float(loss) + penalty_value(W, alpha, l1_ratio)


def poisson_obj(X, y, coef, b, alpha, l1_ratio, offset=None):
    eta = dense(X) @ coef + b + (0.0 if offset is None else offset)
    return float(np.mean(np.exp(eta) - y * eta)) + penalty_value(coef, alpha, l1_ratio)


def huber_obj(X, y, coef, b, alpha, l1_ratio, epsilon):
    r = np.abs(y - dense(X) @ coef - b)
    h = np.where(r <= epsilon, 0.5 * r * r, epsilon * r - 0.5 * epsilon**2)
    return float(np.mean(h)) + penalty_value(coef, alpha, l1_ratio)


def assert_objective_close(P, P_ref, rtol=RTOL_OBJ, ref_accurate=True):
    """Ours never worse than the reference by more than rtol, and within rtol of it when
    the reference solver is precise (else ours may be better than the reference)."""
    scale = max(abs(P_ref), 1e-300)
    assert P - P_ref <= rtol * scale, (P, P_ref)
    if ref_accurate:
        assert abs(P - P_ref) <= rtol * scale, (P, P_ref)


def binary_entropy(p):
    return -(xlogy(p, p) + xlogy(1 - p, 1 - p))


def null_logistic_loss(yk):
    """Loss of the intercept-only (multinomial) logistic model: the entropy of the labels."""
    f = np.bincount(yk) / len(yk)
    return -float(np.sum(xlogy(f, f)))


def assert_certificate(est, scale):
    """The fit reached its own stopping rule: 0 <= gap <= tol * scale."""
    assert -1e-12 <= est.dual_gap_ <= est.tol * scale, (est.dual_gap_, est.tol * scale)


def logistic_l1_gap_by_hand(X, y, coef, b, alpha):
    """Duality gap of binary L1 logistic (with intercept) at (coef, b), computed by hand.

    Dual: max_theta -1/n sum_i [q_i log q_i + (1 - q_i) log(1 - q_i)], q = y - theta,
    subject to sum(theta) = 0 and ||X' theta / n||_inf <= alpha.
    """
    X = dense(X)
    n = len(y)
    theta = y - expit(X @ coef + b)
    # the fitted intercept makes sum(theta) = 0 up to rounding; remove the rounding
    assert abs(theta.sum()) <= 1e-6 * n
    theta = theta - theta.mean()
    c = min(1.0, alpha / np.max(np.abs(X.T @ theta) / n))
    theta = c * theta
    q = y - theta
    assert np.all((q >= 0) & (q <= 1))
    D = -float(np.mean(xlogy(q, q) + xlogy(1 - q, 1 - q)))
    P = logistic_obj(X, y, coef, b, alpha, 1.0)
    return P - D, P


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def classification_data(n=80, p=6, n_classes=2, seed=0, density=0.6):
    """Overlapping classes from a noisy linear score; columns with scales and offsets."""
    X, score = make_problem(n, p, seed=seed, density=density, noise=2.0)
    if n_classes == 2:
        y = (score > np.median(score)).astype(int)
    else:
        y = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return X, y


def poisson_data(n=60, p=5, seed=0, density=0.6):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 1.2, p)
    X = X * (rng.uniform(size=X.shape) < density)
    w = np.zeros(p)
    k = max(1, p // 2)
    w[:k] = rng.uniform(0.2, 0.5, k) * rng.choice([-1, 1], k)
    y = rng.poisson(np.exp(X @ w + 0.3)).astype(np.float64)
    return X, y


def huber_data(n=60, p=5, seed=0, density=0.6):
    X, y = make_problem(n, p, seed=seed, density=density, noise=0.3)
    rng = np.random.default_rng(seed + 7)
    out = rng.choice(n, size=6, replace=False)
    y[out] += rng.choice([-1.0, 1.0], 6) * rng.uniform(5, 15, 6)
    return X, y


@cache
def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return np.asfortranarray(StandardScaler().fit_transform(X)), y.astype(np.float64)


@cache
def leukemia():
    path = DATA / "leukemia_golub" / "data.npz"
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as d:
        X, y = d["X"], d["y"]
    std = X.std(axis=0)
    std[std == 0] = 1.0
    return np.asfortranarray((X - X.mean(axis=0)) / std), y.astype(np.float64)


# --------------------------------------------------------------------------------------
# Agreement with scikit-learn's LogisticRegression (saga, same objective)
# --------------------------------------------------------------------------------------

ALPHA_LOG = 0.02
# L1 is not strongly convex: a gap of tol = 1e-8 still allows ~1e-4 changes in the
# probabilities; with an L2 part (tol = 1e-12) they are pinned much tighter
PROBA_ATOL = {"l1": 1e-4, "l2": 1e-5, "elasticnet": 1e-5}


@cache
def sklearn_logistic(n_classes, l1_ratio):
    X, y = classification_data(n_classes=n_classes)
    n = X.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sklm.LogisticRegression(C=1.0 / (n * ALPHA_LOG), l1_ratio=l1_ratio,
                                       **SK_TIGHT).fit(X, y)


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("penalty", list(PENALTIES))
def test_binary_logistic_matches_sklearn(penalty, container):
    l1 = PENALTIES[penalty]
    X, y = classification_data(n_classes=2)
    sk = sklearn_logistic(2, l1)
    clf = LogisticRegression(alpha=ALPHA_LOG, l1_ratio=l1, **TIGHT_FOR[penalty])
    clf.fit(to_container(X, container), y)
    assert clf.coef_.shape == (1, X.shape[1]) and clf.intercept_.shape == (1,)
    P = logistic_obj(X, y, clf.coef_, clf.intercept_, ALPHA_LOG, l1)
    P_sk = logistic_obj(X, y, sk.coef_, sk.intercept_, ALPHA_LOG, l1)
    assert_objective_close(P, P_sk)
    assert_certificate(clf, null_logistic_loss(y))
    proba = clf.predict_proba(to_container(X, container))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert_allclose(proba, sk.predict_proba(X), rtol=0, atol=PROBA_ATOL[penalty])
    assert_array_equal(clf.predict(X), sk.predict(X))


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("penalty", list(PENALTIES))
def test_multinomial_logistic_matches_sklearn(penalty, container):
    l1 = PENALTIES[penalty]
    X, y = classification_data(n_classes=3)
    sk = sklearn_logistic(3, l1)
    clf = LogisticRegression(alpha=ALPHA_LOG, l1_ratio=l1, **TIGHT_FOR[penalty])
    clf.fit(to_container(X, container), y)
    assert clf.coef_.shape == (3, X.shape[1]) and clf.intercept_.shape == (3,)
    assert abs(clf.intercept_.sum()) <= 1e-10
    # intercepts are not comparable (any shift is optimal); objectives and probabilities are
    P = multinomial_obj(X, y, clf.coef_, clf.intercept_, ALPHA_LOG, l1)
    P_sk = multinomial_obj(X, y, sk.coef_, sk.intercept_, ALPHA_LOG, l1)
    assert_objective_close(P, P_sk)
    assert_certificate(clf, null_logistic_loss(y))
    proba = clf.predict_proba(to_container(X, container))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert_allclose(proba, sk.predict_proba(X), rtol=0, atol=PROBA_ATOL[penalty])


# --------------------------------------------------------------------------------------
# Poisson: scikit-learn (L2) and cvxpy (L1, EN)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("container", CONTAINERS)
def test_poisson_l2_matches_sklearn(container):
    X, y = poisson_data()
    alpha = 0.05
    sk = sklm.PoissonRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-12,
                               max_iter=1000).fit(X, y)
    reg = PoissonRegressor(alpha=alpha, tol=1e-12, max_iter=100_000)
    reg.fit(to_container(X, container), y)
    assert reg.coef_.shape == (X.shape[1],) and isinstance(reg.intercept_, float)
    P = poisson_obj(X, y, reg.coef_, reg.intercept_, alpha, 0.0)
    P_sk = poisson_obj(X, y, sk.coef_, sk.intercept_, alpha, 0.0)
    assert_objective_close(P, P_sk)
    assert_allclose(reg.coef_, sk.coef_, rtol=1e-6, atol=1e-7)
    assert_allclose(reg.predict(to_container(X, container)), sk.predict(X), rtol=1e-6)


def cvxpy_poisson(X, y, alpha, l1_ratio, offset=None):
    cp = _cvxpy()
    n, p = X.shape
    w, b = cp.Variable(p), cp.Variable()
    eta = X @ w + b + (0.0 if offset is None else offset)
    obj = cp.sum(cp.exp(eta) - cp.multiply(y, eta)) / n + alpha * (
        l1_ratio * cp.norm1(w) + 0.5 * (1 - l1_ratio) * cp.sum_squares(w))
    accurate = _clarabel_solve(cp.Problem(cp.Minimize(obj)))
    return w.value, float(b.value), accurate


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_poisson_l1_en_matches_cvxpy(l1_ratio, container):
    X, y = poisson_data(seed=1)
    alpha = 0.03
    w_ref, b_ref, accurate = cvxpy_poisson(X, y, alpha, l1_ratio)
    reg = PoissonRegressor(alpha=alpha, l1_ratio=l1_ratio, **TIGHT)
    reg.fit(to_container(X, container), y)
    P = poisson_obj(X, y, reg.coef_, reg.intercept_, alpha, l1_ratio)
    P_ref = poisson_obj(X, y, w_ref, b_ref, alpha, l1_ratio)
    assert_objective_close(P, P_ref, ref_accurate=accurate)
    assert_allclose(reg.coef_, w_ref, atol=1e-5)
    if l1_ratio == 1.0:
        assert np.any(reg.coef_ == 0)  # exact zeros, not tiny values


# --------------------------------------------------------------------------------------
# Huber: cvxpy (cvxpy.huber(r, M) = 2 * H_M(r))
# --------------------------------------------------------------------------------------


def cvxpy_huber(X, y, alpha, l1_ratio, epsilon):
    cp = _cvxpy()
    n, p = X.shape
    w, b = cp.Variable(p), cp.Variable()
    obj = cp.sum(cp.huber(y - X @ w - b, epsilon)) / (2 * n) + alpha * (
        l1_ratio * cp.norm1(w) + 0.5 * (1 - l1_ratio) * cp.sum_squares(w))
    accurate = _clarabel_solve(cp.Problem(cp.Minimize(obj)))
    return w.value, float(b.value), accurate


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.0, 0.5])
def test_huber_datafit_matches_cvxpy(l1_ratio, container):
    X, y = huber_data(seed=2)
    alpha, epsilon = 0.05, 1.0
    w_ref, b_ref, accurate = cvxpy_huber(X, y, alpha, l1_ratio, epsilon)
    with warnings.catch_warnings():
        # reaching tol is tested in test_tight_tol_is_reached; here only the optimum counts
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = solve(to_container(X, container), y, Huber(epsilon),
                    ENPenalty(alpha, l1_ratio), **TIGHT)
    P = huber_obj(X, y, res.coef, res.intercept, alpha, l1_ratio, epsilon)
    P_ref = huber_obj(X, y, w_ref, b_ref, alpha, l1_ratio, epsilon)
    assert_objective_close(P, P_ref, ref_accurate=accurate)
    # an objective within tol = 1e-8 of the optimum pins the coefficients to ~1e-3 at most
    assert_allclose(X @ res.coef + res.intercept, X @ w_ref + b_ref, atol=1e-3)


def test_huber_scale_collapse_warns():
    """p >> n and a weak ridge: residuals 0 fit, the optimal scale is 0 (infimum): a
    ConvergenceWarning names the collapse, and the returned fit is finite and certified at
    its scale."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 400))
    y = X[:, 0] + 0.5 * rng.standard_normal(40)
    t0 = time.perf_counter()
    with pytest.warns(ConvergenceWarning, match="scale collapses to 0"):
        reg = HuberRegressor(alpha=1e-3).fit(X, y)
    assert time.perf_counter() - t0 < 10.0
    assert np.all(np.isfinite(reg.coef_)) and reg.scale_ > 0
    assert np.abs(reg.predict(X) - y).max() < 1e-3 * np.ptp(y)


def _collapse_floor(est, X, y, **fit_kw):
    import re
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y, **fit_kw)
    msgs = [str(w.message) for w in caught if "collapses" in str(w.message)]
    assert msgs, [str(w.message) for w in caught]
    return float(re.search(r"below ([0-9.]+e[+-][0-9]+)", msgs[0]).group(1))


def test_huber_collapse_floor_is_weighted_and_scales_with_y():
    # found by the duplicate-sample and scaling properties. The collapse floor (1e-8 of
    # the spread of y) was the unweighted median absolute deviation: a sample of
    # weight 2 and the sample repeated gave different floors (here 1.2e-8 and 1.1e-8);
    # and for a constant y (one sample) it was 1e-8 whatever y's size: y times 1e-3 gave
    # the same floor
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 12))
    y = np.array([0.0, 1.0, 2.0, 3.2, 10.0])
    est = HuberRegressor(alpha=1e-4)
    w2 = np.array([1.0, 1.0, 1.0, 2.0, 1.0])
    rows = [0, 1, 2, 3, 3, 4]
    f_weighted = _collapse_floor(est, X, y, sample_weight=w2)
    f_repeated = _collapse_floor(est, X[rows], y[rows])
    assert f_weighted == f_repeated == pytest.approx(1.1e-8)  # MAD of 0,1,2,3.2,3.2,10
    x1, y1 = np.array([[0.7]]), np.array([2.5])
    for c in (1e-3, 1.0, 1e3):
        est = HuberRegressor(alpha=1e-4, fit_intercept=False)
        assert _collapse_floor(est, x1, c * y1) == pytest.approx(c * 2.5e-8, rel=1e-3)


def huber_joint_obj(X, y, coef, b, sigma, alpha, l1_ratio, epsilon, s):
    """scikit-learn's HuberRegressor objective, with the L1 part of the estimator."""
    z = np.abs(y - dense(X) @ coef - b) / sigma
    H = np.where(z <= epsilon, z * z, 2 * epsilon * z - epsilon**2)
    return float(s.sum() * sigma + s @ (sigma * H)
                 + alpha * ((1 - l1_ratio) * coef @ coef + l1_ratio * np.abs(coef).sum()))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
def test_huber_regressor_matches_cvxpy_joint_scale(l1_ratio, weighted):
    """The joint (w, b, sigma) problem in cvxpy: sigma H(r / sigma) is
    min_{u + v = r} u^2 / sigma + 2 eps |v| (a perspective: quad_over_lin)."""
    cp = _cvxpy()
    X, y = huber_data(seed=2)
    n, p = X.shape
    s = np.random.default_rng(3).uniform(0.5, 2.0, n) if weighted else np.ones(n)
    alpha, epsilon = 2.0, 1.35
    w, b, sig = cp.Variable(p), cp.Variable(), cp.Variable(pos=True)
    u, v = cp.Variable(n), cp.Variable(n)
    rs = np.sqrt(s)
    obj = (s.sum() * sig + cp.quad_over_lin(cp.multiply(rs, u), sig)
           + 2 * epsilon * cp.sum(cp.multiply(s, cp.abs(v)))
           + alpha * ((1 - l1_ratio) * cp.sum_squares(w) + l1_ratio * cp.norm1(w)))
    prob = cp.Problem(cp.Minimize(obj), [u + v == y - X @ w - b])
    accurate = _clarabel_solve(prob)
    reg = HuberRegressor(alpha=alpha, epsilon=epsilon, l1_ratio=l1_ratio, tol=1e-10).fit(
        X, y, sample_weight=s if weighted else None)
    P = huber_joint_obj(X, y, reg.coef_, reg.intercept_, reg.scale_, alpha, l1_ratio,
                        epsilon, s)
    P_ref = huber_joint_obj(X, y, w.value, float(b.value), float(sig.value), alpha,
                            l1_ratio, epsilon, s)
    assert_objective_close(P, P_ref, ref_accurate=accurate)
    assert_allclose(reg.scale_, float(sig.value), rtol=1e-4)
    assert_allclose(reg.coef_, w.value, atol=1e-4)


# --------------------------------------------------------------------------------------
# Bounds (exact) and their optimum (cvxpy)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("container", ["dense", "csc"])
@pytest.mark.parametrize("bounds", ["positive", "box"])
def test_logistic_bounds_exact_and_optimal(bounds, container):
    cp = _cvxpy()
    X, y = classification_data(seed=3)
    n, p = X.shape
    alpha, l1 = 0.01, 0.5
    kw = dict(positive=True) if bounds == "positive" else dict(lower_bounds=-0.3,
                                                               upper_bounds=0.4)
    clf = LogisticRegression(alpha=alpha, l1_ratio=l1, **kw, **TIGHT)
    clf.fit(to_container(X, container), y)
    lo, up = (0.0, np.inf) if bounds == "positive" else (-0.3, 0.4)
    assert np.all(clf.coef_ >= lo) and np.all(clf.coef_ <= up)
    assert np.any(clf.coef_ == (lo if bounds == "positive" else up))  # a bound is active

    w, b = cp.Variable(p), cp.Variable()
    eta = X @ w + b
    obj = cp.sum(cp.logistic(eta) - cp.multiply(y, eta)) / n + alpha * (
        l1 * cp.norm1(w) + 0.5 * (1 - l1) * cp.sum_squares(w))
    cons = [w >= lo] + ([w <= up] if np.isfinite(up) else [])
    _clarabel_solve(cp.Problem(cp.Minimize(obj), cons))
    w_ref = np.clip(w.value, lo, up)
    P = logistic_obj(X, y, clf.coef_, clf.intercept_, alpha, l1)
    P_ref = logistic_obj(X, y, w_ref, b.value, alpha, l1)
    # CLARABEL's logistic goes through exponential cones: its optimum is less precise than
    # ours, so only require that ours is not worse
    assert P - P_ref <= RTOL_OBJ * abs(P_ref)
    assert_allclose(clf.coef_[0], w_ref, atol=1e-4)


@pytest.mark.parametrize("Est, data", [
    (PoissonRegressor, poisson_data),
    (HuberRegressor, huber_data),
])
def test_glm_regressors_positive(Est, data):
    X, y = data(seed=4)
    reg = Est(alpha=0.01, l1_ratio=0.5, positive=True, tol=1e-8).fit(X, y)
    assert np.all(reg.coef_ >= 0)
    reg = Est(alpha=0.01, l1_ratio=0.5, upper_bounds=0.1, lower_bounds=-0.05,
              tol=1e-8).fit(X, y)
    assert np.all(reg.coef_ <= 0.1) and np.all(reg.coef_ >= -0.05)


def _bounded_unpenalized_problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    eta = X @ np.array([-1.0, 0.5, 2.0])
    lo, up = np.array([0.0, -0.2, -5.0]), np.array([1.0, 0.3, 1.0])
    return X, eta, rng, lo, up


@pytest.mark.parametrize("family", ["logistic", "multinomial", "poisson", "huber"])
@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_bounded_unpenalized_features_at_their_bounds_converge(family, alpha):
    # found by the alpha_max property test (alpha_max 0 when the bounds allow no move:
    # a fit at alpha 0): an unpenalized feature at the bound its gradient pushes against
    # is optimal, but the GLM certificate counted the whole gradient as a violation
    # (3.6 for logistic, 4e-1 for Poisson, > tol): every such fit warned 'no further
    # decrease ... unpenalized features' optimality violation' (Huber: 'stopped short:
    # duality gap 0.000e+00 > tol'), the coefficients being right
    import warnings

    from scipy.optimize import minimize

    X, eta, rng, lo, up = _bounded_unpenalized_problem()
    pf = np.array([0.0, 1.0, 0.0])
    kw = dict(alpha=alpha, l1_ratio=0.5, penalty_factor=pf, lower_bounds=lo, upper_bounds=up,
              tol=1e-8)
    if family in ("logistic", "multinomial"):
        y = (eta > 0).astype(int) + ((eta > 1) if family == "multinomial" else 0)
        est = LogisticRegression(**kw)
    elif family == "poisson":
        y = rng.poisson(np.exp(0.3 * eta)).astype(float)
        est = PoissonRegressor(**kw)
    else:
        y = eta + 0.1 * rng.standard_normal(40)
        est = HuberRegressor(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.fit(X, y)
    W = np.atleast_2d(est.coef_)
    assert np.all(W >= lo) and np.all(W <= up)
    assert np.any((W == lo) | (W == up))  # a bound is active
    if family not in ("logistic", "poisson"):
        return
    # scipy's L-BFGS-B on the smooth split form (w_1 = u - v, u, v >= 0)
    def obj(z):
        w, b = np.array([z[0], z[1] - z[2], z[3]]), z[4]
        e = X @ w + b
        loss = np.logaddexp(0, e) - y * e if family == "logistic" else np.exp(e) - y * e
        return np.mean(loss) + alpha * (0.5 * (z[1] + z[2]) + 0.25 * (z[1] - z[2]) ** 2)
    box = [(lo[0], up[0]), (0, up[1]), (0, -lo[1]), (lo[2], up[2]), (None, None)]
    ref = minimize(obj, np.full(5, 0.01), method="L-BFGS-B", bounds=box,
                   options=dict(ftol=1e-16, gtol=1e-12, maxiter=10_000)).x
    assert_allclose(W[0], [ref[0], ref[1] - ref[2], ref[3]], atol=1e-6)


def test_positive_unpenalized_group_at_zero_converges():
    # the same defect in the group-penalty prox-Newton: an unpenalized group (weight 0)
    # with positive=True and a coefficient held at 0 warned 'duality gap 0.000e+00 > tol'
    import warnings

    from scipy.optimize import minimize

    from penalized.penalties import GroupLasso as GroupPen

    X, eta, rng, _, _ = _bounded_unpenalized_problem()
    X = np.c_[X, rng.standard_normal(40)]
    y = (eta + 0.3 * rng.standard_normal(40) > 0).astype(int)
    pen = GroupPen(groups=[0, 0, 1, 1], weights=[0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = LogisticRegression(penalty=pen, alpha=0.01, positive=True, tol=1e-8).fit(X, y)
    assert est.coef_[0, 0] == 0.0

    def obj(z):
        e = X @ z[:4] + z[4]
        return np.mean(np.logaddexp(0, e) - y * e) + 0.01 * np.sqrt(z[2] ** 2 + z[3] ** 2)
    ref = minimize(obj, np.full(5, 0.1), method="L-BFGS-B", bounds=[(0, None)] * 4 + [(None, None)],
                   options=dict(ftol=1e-16, gtol=1e-12, maxiter=10_000)).x
    ours = obj(np.r_[est.coef_[0], est.intercept_])
    assert ours <= obj(ref) + 1e-8 * np.log(2)  # within tol of the null loss (<= log 2)
    assert_allclose(est.coef_[0], ref[:4], atol=1e-4)


# --------------------------------------------------------------------------------------
# Certificates: breast_cancer and leukemia
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("penalty", list(PENALTIES))
def test_breast_cancer_certificate(penalty):
    X, y = breast_cancer()
    l1, alpha, tol = PENALTIES[penalty], 0.01, 1e-6
    res = solve(X, y, Logistic(), ENPenalty(alpha, l1), tol=tol, max_iter=10_000)
    # stopping scale: intercept-only loss minus the saturated loss (0 for 0/1 labels)
    assert_allclose(res.tol_gap, tol * binary_entropy(y.mean()), rtol=1e-10)
    assert res.converged and -1e-12 <= res.dual_gap <= res.tol_gap
    assert_allclose(res.primal, logistic_obj(X, y, res.coef, res.intercept, alpha, l1),
                    rtol=1e-12)
    clf = LogisticRegression(alpha=alpha, l1_ratio=l1, tol=tol).fit(X, y)
    assert clf.dual_gap_ <= res.tol_gap
    assert_allclose(clf.coef_[0], res.coef, atol=1e-8)


def test_breast_cancer_l1_gap_recomputed_by_hand():
    X, y = breast_cancer()
    alpha, tol = 0.01, 1e-6
    res = solve(X, y, Logistic(), L1(alpha), tol=tol, max_iter=10_000)
    gap, P = logistic_l1_gap_by_hand(X, y, res.coef, res.intercept, alpha)
    assert -1e-12 <= gap <= res.tol_gap
    sk = sklm.LogisticRegression(C=1.0 / (len(y) * alpha), l1_ratio=1.0, solver="saga",
                                 tol=1e-8, max_iter=100_000).fit(X, y)
    P_sk = logistic_obj(X, y, sk.coef_, sk.intercept_, alpha, 1.0)
    # weak duality: any feasible point (sklearn's) is at least the dual value
    assert P - P_sk <= gap + 1e-12
    assert_objective_close(P, P_sk, rtol=1e-6)


def _leukemia_or_skip():
    data = leukemia()
    if data is None:
        pytest.skip("shared/data/leukemia_golub is absent")
    return data


@pytest.mark.parametrize("penalty", list(PENALTIES))
def test_leukemia_certificate(penalty):
    X, y = _leukemia_or_skip()
    n = X.shape[0]
    alpha_max = np.max(np.abs(X.T @ (y - y.mean()))) / n
    l1, alpha, tol = PENALTIES[penalty], alpha_max / 5, 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        res = solve(X, y, Logistic(), ENPenalty(alpha, l1), tol=tol, max_iter=500)
    assert res.converged and -1e-12 <= res.dual_gap <= res.tol_gap
    assert_allclose(res.tol_gap, tol * binary_entropy(y.mean()), rtol=1e-10)
    if penalty == "l1":
        gap, _ = logistic_l1_gap_by_hand(X, y, res.coef, res.intercept, alpha)
        assert gap <= res.tol_gap
        assert 0 < np.count_nonzero(res.coef) < n
    elif penalty == "l2":
        assert np.count_nonzero(res.coef) > n  # no L1 part: (almost) every gene is used
    else:
        assert np.count_nonzero(res.coef) > 0


@pytest.mark.parametrize("Est, data", [
    (LogisticRegression, "binary"),
    (PoissonRegressor, "counts"),
    (HuberRegressor, "real"),
])
def test_wide_l2_fit_converges(Est, data):
    """p >> n with an L2 penalty: the working-set prox-Newton must leave w = 0."""
    rng = np.random.default_rng(0)
    n, p = 40, 2000
    X = rng.standard_normal((n, p))
    score = X[:, 0] + 0.5 * X[:, 1] + 0.5 * rng.standard_normal(n)
    y = {"binary": (score > 0).astype(int), "counts": rng.poisson(np.exp(0.5 * score)),
         "real": score}[data]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # Huber at a fixed scale: with its scale free, p >> n lets the fit interpolate and
        # the scale collapse (test_huber_scale_collapse_warns)
        kw = dict(fixed_scale=1.0) if Est is HuberRegressor else {}
        est = Est(alpha=0.05, tol=1e-6, max_iter=500, **kw).fit(X, y)
    assert np.count_nonzero(est.coef_) == p
    assert -1e-12 <= est.dual_gap_ < 1e-5


# --------------------------------------------------------------------------------------
# Separable data, one class, label types
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 1e-12, 1e-8])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_separable_data_finite_and_fast(n_classes, penalty, alpha):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(int) if n_classes == 2 else np.digitize(X[:, 0], [-0.5, 0.5])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # allowed on separable data
        clf = LogisticRegression(alpha=alpha, l1_ratio=PENALTIES[penalty]).fit(X, y)
    assert time.perf_counter() - t0 < 5.0
    assert np.all(np.isfinite(clf.coef_)) and np.all(np.isfinite(clf.intercept_))
    assert np.isfinite(clf.dual_gap_)
    assert np.all(np.isfinite(clf.predict_proba(X)))
    assert np.mean(clf.predict(X) == y) == 1.0


@pytest.mark.parametrize("labels", [np.array([3, 3, 3, 3]), np.array(["a"] * 4),
                                    np.array([True] * 4)])
def test_one_class_raises(labels):
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="class"):
        LogisticRegression().fit(X, labels)


def test_one_class_with_positive_weight_raises():
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="class"):
        LogisticRegression().fit(X, [0, 0, 1, 1], sample_weight=[1.0, 1.0, 0.0, 0.0])


def test_label_types_give_the_same_model():
    X, y01 = classification_data(seed=5)
    fits = {}
    for name, labels in {
        "int": y01, "int37": np.where(y01 == 1, 7, 3), "str": np.where(y01 == 1, "yes", "no"),
        "bool": y01.astype(bool), "float": y01.astype(float),
    }.items():
        clf = LogisticRegression(alpha=0.05, tol=1e-10).fit(X, labels)
        assert_array_equal(clf.classes_, np.unique(labels))
        assert_array_equal(clf.predict(X), clf.classes_[(clf.decision_function(X) > 0) * 1])
        assert set(clf.predict(X)) <= set(labels)
        fits[name] = clf
    for clf in fits.values():
        assert_allclose(clf.coef_, fits["int"].coef_, rtol=0, atol=1e-12)
    # positive class is classes_[1]: predicted labels map back to the same samples
    assert_array_equal(fits["str"].predict(X) == "yes", fits["int"].predict(X) == 1)
    assert_array_equal(fits["bool"].predict(X), fits["int"].predict(X).astype(bool))


def test_multiclass_string_labels():
    X, yk = classification_data(n_classes=3, seed=6)
    names = np.array(["cat", "dog", "emu"])
    a = LogisticRegression(alpha=0.05, tol=1e-10).fit(X, names[yk])
    b = LogisticRegression(alpha=0.05, tol=1e-10).fit(X, yk)
    assert_array_equal(a.classes_, names)
    assert_array_equal(a.predict(X), names[b.predict(X)])
    assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-12)


# --------------------------------------------------------------------------------------
# API: shapes, probabilities, weights
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 4])
def test_decision_function_and_proba_shapes(n_classes):
    X, y = classification_data(n=90, n_classes=n_classes, seed=7)
    clf = LogisticRegression(alpha=0.05).fit(X, y)
    d = clf.decision_function(X)
    assert d.shape == ((90,) if n_classes == 2 else (90, n_classes))
    proba = clf.predict_proba(X)
    assert proba.shape == (90, n_classes)
    assert np.all(proba >= 0) and np.all(proba <= 1)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-10, atol=1e-12)
    assert_allclose(d, dense(X) @ clf.coef_.T.squeeze() + (clf.intercept_[0] if n_classes == 2
                                                           else clf.intercept_), atol=1e-10)
    if n_classes == 2:
        assert_allclose(proba[:, 1], expit(d), rtol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[np.argmax(proba, axis=1)])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_class_weight_balanced_equals_sample_weight(n_classes):
    X, y = classification_data(n=70, n_classes=n_classes, seed=8)
    # make the classes unbalanced
    keep = (y != 0) | (np.arange(len(y)) % 3 == 0)
    X, y = X[keep], y[keep]
    counts = np.bincount(y)
    sw = (len(y) / (n_classes * counts))[y]
    a = LogisticRegression(alpha=0.02, class_weight="balanced", tol=1e-12,
                           max_iter=100_000).fit(X, y)
    b = LogisticRegression(alpha=0.02, tol=1e-12, max_iter=100_000).fit(X, y, sample_weight=sw)
    assert_allclose(a.coef_, b.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(a.intercept_, b.intercept_, rtol=1e-8, atol=1e-10)
    c = LogisticRegression(alpha=0.02, tol=1e-12, max_iter=100_000).fit(X, y)
    assert not np.allclose(a.coef_, c.coef_, atol=1e-3)


def _repeat(X, y, sw):
    idx = np.repeat(np.arange(len(y)), sw)
    return X[idx], y[idx]


@pytest.mark.parametrize("container", ["dense", "csc"])
@pytest.mark.parametrize("case", ["binary", "multinomial", "poisson", "huber"])
def test_sample_weight_equals_repetition(case, container):
    rng = np.random.default_rng(9)
    if case in ("binary", "multinomial"):
        X, y = classification_data(n=50, n_classes=2 if case == "binary" else 3, seed=9)
        est = LogisticRegression(alpha=0.03, tol=1e-12, max_iter=100_000)
    elif case == "poisson":
        X, y = poisson_data(n=50, seed=9)
        est = PoissonRegressor(alpha=0.03, tol=1e-12, max_iter=100_000)
    else:
        X, y = huber_data(n=50, seed=9)
        est = HuberRegressor(alpha=0.03, tol=1e-12)
    sw = rng.integers(0, 4, len(y))
    sw[:3] = [0, 2, 3]
    Xr, yr = _repeat(X, y, sw)
    a = est.fit(to_container(X, container), y, sample_weight=sw.astype(float))
    coef_a, b_a = a.coef_.copy(), np.copy(a.intercept_)
    b = est.fit(to_container(Xr, container), yr)
    assert_allclose(coef_a, b.coef_, rtol=1e-7, atol=1e-9)
    assert_allclose(b_a, b.intercept_, rtol=1e-7, atol=1e-9)


def test_weighted_objective_is_minimized():
    """Weighted multinomial fit has the weighted objective's optimum (vs scikit-learn)."""
    X, y = classification_data(n=60, n_classes=3, seed=10)
    sw = np.random.default_rng(10).uniform(0.2, 3.0, len(y))
    alpha = 0.02
    clf = LogisticRegression(alpha=alpha, **TIGHT).fit(X, y, sample_weight=sw)
    sk = sklm.LogisticRegression(C=1.0 / (sw.sum() * alpha), solver="lbfgs", tol=1e-12,
                                 max_iter=100_000).fit(X, y, sample_weight=sw)
    P = multinomial_obj(X, y, clf.coef_, clf.intercept_, alpha, 0.0, sw=sw)
    P_sk = multinomial_obj(X, y, sk.coef_, sk.intercept_, alpha, 0.0, sw=sw)
    assert_objective_close(P, P_sk)


# --------------------------------------------------------------------------------------
# penalty_factor, alpha_max, KKT
# --------------------------------------------------------------------------------------


def _newton_logistic_unpenalized(Z, y, iters=50):
    """Unpenalized logistic regression on the columns of Z by plain Newton."""
    beta = np.zeros(Z.shape[1])
    for _ in range(iters):
        p = expit(Z @ beta)
        H = Z.T @ (Z * (p * (1 - p))[:, None])
        beta -= np.linalg.solve(H, Z.T @ (p - y))
    return beta


@pytest.mark.parametrize("penalty", list(PENALTIES))
def test_penalty_factor_zero_leaves_feature_unpenalized(penalty):
    X, y = classification_data(seed=11)
    pf = np.ones(X.shape[1])
    pf[2] = 0.0
    alpha = 50.0  # far above alpha_max: every penalized coefficient is (near) 0
    clf = LogisticRegression(alpha=alpha, l1_ratio=PENALTIES[penalty], penalty_factor=pf,
                             tol=1e-12, max_iter=100_000).fit(X, y)
    coef = clf.coef_[0]
    if penalty == "l2":
        assert np.all(np.abs(np.delete(coef, 2)) < 0.01)
    else:
        assert np.all(np.delete(coef, 2) == 0)
        b0, b2 = _newton_logistic_unpenalized(np.column_stack([np.ones(len(y)), X[:, 2]]), y)
        assert_allclose([clf.intercept_[0], coef[2]], [b0, b2], rtol=1e-6, atol=1e-8)
    assert abs(coef[2]) > 0.1
    P = logistic_obj(X, y, coef, clf.intercept_, alpha, PENALTIES[penalty], pf=pf)
    moved = coef.copy()
    moved[2] *= 0.9  # unpenalized optimum: moving the free coefficient only costs
    assert P <= logistic_obj(X, y, moved, clf.intercept_, alpha, PENALTIES[penalty], pf=pf)


@pytest.mark.parametrize("container", CONTAINERS)
def test_alpha_max_binary_gives_zero_coefs(container):
    X, y = classification_data(seed=12)
    n = len(y)
    alpha_max = np.max(np.abs(X.T @ (y - y.mean()))) / n
    Xc = to_container(X, container)
    clf = LogisticRegression(l1_ratio=1.0, alpha=alpha_max * (1 + 1e-9), tol=1e-10).fit(Xc, y)
    assert np.all(clf.coef_ == 0)
    assert_allclose(clf.intercept_[0], np.log(y.mean() / (1 - y.mean())), rtol=1e-8)
    clf = LogisticRegression(l1_ratio=1.0, alpha=alpha_max * 0.95, tol=1e-10).fit(Xc, y)
    assert np.count_nonzero(clf.coef_) >= 1
    clf = LogisticRegression(l1_ratio=0.5, alpha=2 * alpha_max * (1 + 1e-9),
                             tol=1e-10).fit(Xc, y)
    assert np.all(clf.coef_ == 0)


def test_alpha_max_multinomial_gives_zero_coefs():
    X, y = classification_data(n_classes=3, seed=13)
    n = len(y)
    Y = np.eye(3)[y]
    alpha_max = np.max(np.abs(X.T @ (Y - Y.mean(axis=0)))) / n
    clf = LogisticRegression(l1_ratio=1.0, alpha=alpha_max * (1 + 1e-9), tol=1e-10).fit(X, y)
    assert np.all(clf.coef_ == 0)
    logp = np.log(Y.mean(axis=0))
    assert_allclose(clf.intercept_, logp - logp.mean(), rtol=1e-8, atol=1e-10)
    clf = LogisticRegression(l1_ratio=1.0, alpha=alpha_max * 0.95, tol=1e-10).fit(X, y)
    assert np.count_nonzero(clf.coef_) >= 1


@pytest.mark.parametrize("container", CONTAINERS)
def test_kkt_l1_logistic_by_hand(container):
    X, y = classification_data(n=100, p=10, seed=14)
    alpha = 0.03
    clf = LogisticRegression(l1_ratio=1.0, alpha=alpha, **TIGHT).fit(to_container(X, container), y)
    w, b = clf.coef_[0], clf.intercept_[0]
    resid = expit(X @ w + b) - y
    grad = X.T @ resid / len(y)
    atol = 1e-6
    assert abs(resid.mean()) <= atol  # intercept
    nz = w != 0
    assert 0 < nz.sum() < len(w)
    assert np.all(np.abs(grad[nz] + alpha * np.sign(w[nz])) <= atol)
    assert np.all(np.abs(grad[~nz]) <= alpha + atol)


# --------------------------------------------------------------------------------------
# dtypes and Poisson targets
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("container", ["dense", "csc"])
@pytest.mark.parametrize("case", ["binary", "multinomial", "poisson", "huber"])
def test_float32_stays_float32(case, container):
    if case in ("binary", "multinomial"):
        X, y = classification_data(n_classes=2 if case == "binary" else 3, seed=15)
        est = LogisticRegression(alpha=0.02, l1_ratio=0.5, tol=1e-5)
    elif case == "poisson":
        X, y = poisson_data(seed=15)
        est = PoissonRegressor(alpha=0.02, l1_ratio=0.5, tol=1e-5)
    else:
        X, y = huber_data(seed=15)
        est = HuberRegressor(alpha=0.02, l1_ratio=0.5, tol=1e-5)
    X32 = X.astype(np.float32)
    # float64 reference on the same (rounded) data; float32 sums limit the reachable gap
    ref = est.fit(X32.astype(np.float64), y).coef_.copy()
    est.fit(to_container(X32, container), y)
    assert est.coef_.dtype == np.float32
    if case in ("binary", "multinomial"):
        assert est.intercept_.dtype == np.float32
    assert np.all(np.isfinite(est.coef_))
    assert_allclose(est.coef_, ref, rtol=1e-3, atol=1e-4)


def test_poisson_rejects_bad_targets():
    X = np.random.default_rng(0).standard_normal((6, 2))
    with pytest.raises(ValueError, match="negative"):
        PoissonRegressor().fit(X, [1, 2, -1, 0, 3, 1])
    with pytest.raises(ValueError, match="zero"):
        PoissonRegressor().fit(X, np.zeros(6))
    with pytest.raises(ValueError, match="non-negative"):
        solve(X, np.array([1.0, 2, -1, 0, 3, 1]), Poisson(), L2(1.0))
    with pytest.raises(ValueError, match="positive"):
        solve(X, np.zeros(6), Poisson(), L2(1.0))


def test_solve_rejects_bad_classification_targets():
    X = np.random.default_rng(0).standard_normal((6, 2))
    with pytest.raises(ValueError, match="0 or 1"):
        solve(X, np.array([0.0, 1, 2, 0, 1, 1]), Logistic(), L1(0.1))
    with pytest.raises(ValueError, match="one-hot"):
        solve(X, np.array([0.0, 1, 1, 0, 1, 1]), Multinomial(), L1(0.1))


def test_solve_multinomial_matches_estimator():
    X, y = classification_data(n_classes=3, seed=16)
    clf = LogisticRegression(alpha=0.02, l1_ratio=0.5, **TIGHT).fit(X, y)
    res = solve(X, np.eye(3)[y], Multinomial(), ENPenalty(0.02, 0.5), **TIGHT)
    assert res.coef.shape == (X.shape[1], 3)
    assert_allclose(res.coef.T, clf.coef_, atol=1e-7)
    assert res.dual_gap <= res.tol_gap


# --------------------------------------------------------------------------------------
# Huber robustness, Poisson offsets
# --------------------------------------------------------------------------------------


def test_huber_is_robust_to_outliers():
    rng = np.random.default_rng(17)
    n = 120
    X = rng.standard_normal((n, 3))
    w = np.array([2.0, -1.0, 0.5])
    y = X @ w + 1.0 + 0.1 * rng.standard_normal(n)
    y_out = y.copy()
    out = np.flatnonzero(X[:, 0] > 0.8)[:12]  # high-leverage contamination
    y_out[out] += 40.0
    moves = {}
    for name, est in {
        "huber": HuberRegressor(alpha=1e-4, tol=1e-8),
        "huber_en": HuberRegressor(alpha=1e-1, l1_ratio=0.5, tol=1e-8),
        "lasso": Lasso(alpha=1e-3, tol=1e-8),
        "enet": ElasticNet(alpha=1e-3, l1_ratio=0.5, tol=1e-8),
    }.items():
        clean = est.fit(X, y).coef_.copy()
        moves[name] = np.max(np.abs(est.fit(X, y_out).coef_ - clean))
        if name.startswith("huber"):
            assert_allclose(est.coef_, w, atol=0.15)
    assert moves["huber"] < 0.15 and moves["huber_en"] < 0.15
    assert moves["lasso"] > 1.0 and moves["enet"] > 1.0
    assert moves["lasso"] > 10 * moves["huber"]


@pytest.mark.parametrize("container", ["dense", "csc"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_poisson_offset_is_log_exposure(l1_ratio, container):
    rng = np.random.default_rng(18)
    n, p = 80, 4
    X = rng.standard_normal((n, p))
    exposure = rng.uniform(0.5, 5.0, n)
    y = rng.poisson(exposure * np.exp(X @ [0.4, -0.3, 0.0, 0.2] - 0.5)).astype(float)
    offset = np.log(exposure)
    alpha = 0.02
    res = solve(to_container(X, container), y, Poisson(), ENPenalty(alpha, l1_ratio),
                offset=offset, **TIGHT)
    assert res.converged and -1e-12 <= res.dual_gap <= res.tol_gap
    w_ref, b_ref, accurate = cvxpy_poisson(X, y, alpha, l1_ratio, offset=offset)
    P = poisson_obj(X, y, res.coef, res.intercept, alpha, l1_ratio, offset=offset)
    P_ref = poisson_obj(X, y, w_ref, b_ref, alpha, l1_ratio, offset=offset)
    assert_objective_close(P, P_ref, ref_accurate=accurate)
    assert_allclose(res.coef, w_ref, atol=1e-5)
    assert_allclose(res.intercept, b_ref, atol=1e-5)
    # the offset is not a feature: ignoring the exposure gives another model
    plain = solve(X, y, Poisson(), ENPenalty(alpha, l1_ratio), **TIGHT)
    assert abs(plain.intercept - res.intercept) > 0.3


def test_constant_offset_shifts_the_intercept():
    X, y = poisson_data(seed=19)
    pen = ENPenalty(0.02, 0.5)
    a = solve(X, y, Poisson(), pen, **TIGHT)
    b = solve(X, y, Poisson(), pen, offset=np.full(len(y), 0.7), **TIGHT)
    assert_allclose(b.coef, a.coef, atol=1e-7)
    assert_allclose(b.intercept, a.intercept - 0.7, atol=1e-7)


def _newton_l2_glm(X, offset, y, alpha, mean, var):
    """Minimize 1/n sum l(eta) + alpha/2 ||w||^2 (free intercept) by Newton's method,
    for a loss with l'(eta) = mean(eta) - y and l''(eta) = var(eta)."""
    n, p = X.shape
    Z = np.column_stack([np.ones(n), X])
    R = alpha * np.diag([0.0] + [1.0] * p)
    beta = np.zeros(p + 1)
    for _ in range(100):
        eta = Z @ beta + offset
        g = Z.T @ (mean(eta) - y) / n + R @ beta
        if np.max(np.abs(g)) < 1e-15:
            break
        H = Z.T @ (Z * var(eta)[:, None]) / n + R
        beta -= np.linalg.solve(H, g)
    return beta[1:], beta[0]


@pytest.mark.parametrize("datafit", ["poisson", "logistic"])
def test_l2_glm_offset_matches_newton_by_hand(datafit):
    """L2 GLM with a per-sample offset vs Newton's method written here."""
    rng = np.random.default_rng(20)
    n, p = 70, 3
    X = rng.standard_normal((n, p))
    offset = rng.uniform(-1.0, 1.0, n)
    eta0 = X @ [0.3, 0.0, -0.4] + offset
    if datafit == "poisson":
        y = rng.poisson(np.exp(eta0)).astype(float)
        loss, mean, var = Poisson(), np.exp, np.exp
    else:
        y = (rng.uniform(size=n) < expit(eta0)).astype(float)
        loss, mean, var = Logistic(), expit, (lambda e: expit(e) * (1 - expit(e)))
    alpha = 0.1
    w_ref, b_ref = _newton_l2_glm(X, offset, y, alpha, mean, var)
    res = solve(X, y, loss, L2(alpha), offset=offset, tol=1e-12, max_iter=100_000)
    assert -1e-12 <= res.dual_gap <= res.tol_gap  # a valid certificate (never negative)
    # gap <= 1e-12 (relative) bounds the coefficient error by sqrt(2 gap / alpha) ~ 1e-6
    assert_allclose(res.coef, w_ref, rtol=1e-6, atol=1e-9)
    assert_allclose(res.intercept, b_ref, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_huber_offset_matches_cvxpy(l1_ratio):
    cp = _cvxpy()
    rng = np.random.default_rng(22)
    n, p = 60, 3
    X = rng.standard_normal((n, p))
    offset = rng.uniform(-2.0, 2.0, n)
    y = X @ [1.0, 0.0, -0.5] + offset + 0.5 * rng.standard_t(2, n)
    alpha, eps = 0.05, 0.7
    w, b = cp.Variable(p), cp.Variable()
    obj = cp.sum(cp.huber(y - offset - X @ w - b, eps)) / (2 * n) + alpha * (
        l1_ratio * cp.norm1(w) + 0.5 * (1 - l1_ratio) * cp.sum_squares(w))
    accurate = _clarabel_solve(cp.Problem(cp.Minimize(obj)))
    res = solve(X, y, Huber(eps), ENPenalty(alpha, l1_ratio), offset=offset, tol=1e-6)
    assert -1e-12 <= res.dual_gap <= res.tol_gap  # a valid certificate (never negative)
    P = huber_obj(X, y - offset, res.coef, res.intercept, alpha, l1_ratio, eps)
    P_ref = huber_obj(X, y - offset, w.value, float(b.value), alpha, l1_ratio, eps)
    # tol = 1e-6 bounds P - P* by 1e-6 times the null loss (a few times the objective)
    assert_objective_close(P, P_ref, rtol=5e-6, ref_accurate=accurate)


@pytest.mark.parametrize("kind", ["logistic", "multinomial", "poisson", "huber"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_tight_tol_is_reached(kind, l1_ratio):
    """tol=1e-8 on small well-posed problems: reached, with no ConvergenceWarning.

    Several seeds (and two Huber thresholds) so that a solver that stalls above its own
    stopping rule on some problems is caught.
    """
    failures = []
    for seed in (0, 2, 4, 21):
        for eps in ((0.8, 1.0) if kind == "huber" else (None,)):
            if kind in ("logistic", "multinomial"):
                X, y = classification_data(n_classes=2 if kind == "logistic" else 3, seed=seed)
                est = LogisticRegression(alpha=ALPHA_LOG, l1_ratio=l1_ratio,
                                         **TIGHT)
            elif kind == "poisson":
                X, y = poisson_data(seed=seed)
                est = PoissonRegressor(alpha=0.03, l1_ratio=l1_ratio, **TIGHT)
            else:
                X, y = huber_data(seed=seed)
                est = HuberRegressor(alpha=0.05, epsilon=eps, l1_ratio=l1_ratio,
                                     fixed_scale=1.0, **TIGHT)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                est.fit(X, y)
            bad = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
            if kind in ("logistic", "multinomial") and not bad:
                assert_certificate(est, null_logistic_loss(y))
            if bad or est.dual_gap_ < -1e-12:
                failures.append((seed, eps, est.dual_gap_, str(bad[0].message)[:60] if bad else ""))
    assert not failures, failures


def test_huber_datafit_through_solve_matches_estimator():
    """The documented reduction: at a fixed scale sigma the estimator solves the mean
    Huber loss with threshold eps * sigma and the elastic net
    a = alpha sigma (2 - l1) / (2 S), l1' = l1 / (2 - l1); its gap is (2 S / sigma)
    times that problem's."""
    X, y = huber_data(seed=21)
    sigma, eps, alpha, l1 = 0.4, 2.0, 7.0, 0.5
    reg = HuberRegressor(alpha=alpha, epsilon=eps, l1_ratio=l1, fixed_scale=sigma,
                         tol=1e-6).fit(X, y)
    n = len(y)
    a = alpha * sigma * (2 - l1) / (2 * n)
    res = solve(X, y, Huber(eps * sigma), ENPenalty(a, l1 / (2 - l1)), tol=1e-6)
    assert_allclose(res.coef, reg.coef_, atol=1e-12)
    assert_allclose(res.intercept, reg.intercept_, atol=1e-12)
    assert_allclose(reg.dual_gap_, res.dual_gap * 2 * n / sigma, rtol=1e-12, atol=1e-300)
    assert reg.scale_ == sigma
    assert -1e-12 <= res.dual_gap <= res.tol_gap
    res = solve(X, y, Huber(0.8), ENPenalty(0.05, 0.5), tol=1e-6)
    # Huber's null scale: loss of the best constant (the Huber location of y) over 0
    b = np.linspace(y.min(), y.max(), 20001)
    r = np.abs(y[:, None] - b)
    losses = np.where(r <= 0.8, 0.5 * r * r, 0.8 * r - 0.32)
    best = losses[:, np.argmin(np.mean(losses, axis=0))]
    # robust: each sample's null loss capped at 10 times the median sample's
    null = np.mean(np.minimum(best, 10 * np.median(best)))
    assert_allclose(res.tol_gap, 1e-6 * null, rtol=1e-3)  # b on a grid


def test_multinomial_l1_does_not_stop_on_vacuous_steps():
    """Regression: class steps with a zero predicted decrease counted as progress, so the
    inner tolerance was never tightened and the solver stopped above tol (iris)."""
    import warnings as _w

    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    from penalized import LogisticRegression as PLR
    from penalized import path as _path
    from penalized.datafits import Multinomial as _Multinomial

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with _w.catch_warnings():
        _w.simplefilter("error")
        m = PLR(l1_ratio=1.0, alpha=0.2719).fit(X, y)
        res = _path(X, np.eye(3)[y], _Multinomial(), alphas=50, eps=1e-2)
    assert m.n_iter_ < m.max_iter
    assert res.converged.all()


def tall_onehot_data(n=600, p=60, seed=3):
    """Tall, one-hot-like binary design (a9a-like rows of ~6 ones) with a noisy score."""
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(n), 6)
    cols = np.concatenate([rng.choice(p, 6, replace=False) for _ in range(n)])
    X = sp.csc_matrix((np.ones(rows.size), (rows, cols)), shape=(n, p))
    beta = np.where(rng.random(p) < 0.3, rng.standard_normal(p), 0.0)
    y = (X @ beta + rng.standard_normal(n) > 0.3).astype(int)
    return X, y


@pytest.mark.parametrize("container", ["dense", "csc"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_gram_inner_solves_match_residual_path_and_sklearn(container, weighted, fit_intercept,
                                                           l1_ratio, monkeypatch):
    """Tall designs solve the prox-Newton models on the weighted Gram matrix of a per-step
    working set: same optimum as the residual CD path (working-set outer loop) and as
    scikit-learn, with the certificate met."""
    from penalized.solvers import prox_newton

    X, y = tall_onehot_data()  # 60 columns: dense Gram solves are used up to 64
    Xc = X.toarray() if container == "dense" else X
    n = X.shape[0]
    sw = np.random.default_rng(0).uniform(0.2, 3.0, n) if weighted else None
    alpha = 0.004
    used = []
    plan = prox_newton.newton_model_engine
    monkeypatch.setattr(prox_newton, "newton_model_engine",
                        lambda d: used.append(plan(d)) or used[-1])
    est = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio,
                             fit_intercept=fit_intercept, **TIGHT)
    est.fit(Xc, y, sample_weight=sw)
    assert any(u is not None for u in used)
    assert_certificate(est, null_logistic_loss(y))
    P = logistic_obj(X, y, est.coef_, est.intercept_, alpha, l1_ratio, sw)

    monkeypatch.setattr(prox_newton, "newton_model_engine", lambda d: None)
    ref = LogisticRegression(alpha=alpha, l1_ratio=l1_ratio,
                             fit_intercept=fit_intercept, **TIGHT).fit(Xc, y, sample_weight=sw)
    P_res = logistic_obj(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio, sw)
    assert_objective_close(P, P_res)

    s = _weights(n, sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = sklm.LogisticRegression(C=1.0 / (s.sum() * alpha), l1_ratio=l1_ratio,
                                     fit_intercept=fit_intercept, **SK_TIGHT)
        sk.fit(X.toarray(), y, sample_weight=sw)
    P_sk = logistic_obj(X, y, sk.coef_, sk.intercept_, alpha, l1_ratio, sw)
    assert_objective_close(P, P_sk, rtol=1e-6, ref_accurate=False)


def wide_sparse_data(n=60, p=400, seed=5):
    """Wide sparse design (dexter-like) with a noisy sparse linear score."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=0.05, format="csc", random_state=seed,
                  data_rvs=lambda k: rng.uniform(0.5, 3.0, k))
    beta = np.zeros(p)
    beta[rng.choice(p, 10, replace=False)] = rng.standard_normal(10) * 2
    y = (X @ beta + 0.5 * rng.standard_normal(n) > 0).astype(int)
    return X, y


def logistic_l1_gap_no_intercept(X, y, w, alpha, sw, offset):
    """Gap of plain-L1 logistic without intercept, by hand: dual point u = c (p - y)."""
    X = dense(X)
    s = _weights(len(y), sw)
    S = s.sum()
    eta = X @ w + offset
    P = s @ (np.logaddexp(0.0, eta) - y * eta) / S + alpha * np.abs(w).sum()
    g = expit(eta) - y
    c = min(1.0, alpha / np.max(np.abs(X.T @ (s * g)) / S))
    u = c * g
    q = u + y
    D = -s @ (xlogy(q, q) + xlogy(1 - q, 1 - q) - u * offset) / S
    return P - D, P


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("with_offset", [False, True])
@pytest.mark.parametrize("dense", [False, True])
def test_fast_logistic_kernel_matches_python_steps_and_sklearn(weighted, with_offset, dense,
                                                                monkeypatch):
    """Plain-L1 logistic without intercept on wide sparse or dense (float64, F-ordered) X
    runs its Newton steps in one numba call: same optimum as the Python steps and
    scikit-learn, and its reported gap is the gap recomputed by hand."""
    from penalized.solvers import prox_newton

    X, y = wide_sparse_data()
    if dense:
        X = np.asfortranarray(X.toarray())
    n, p = X.shape
    rng = np.random.default_rng(1)
    sw = rng.uniform(0.2, 3.0, n) if weighted else None
    offset = rng.normal(0.0, 0.5, n) if with_offset else np.zeros(n)
    s = _weights(n, sw)
    g0 = expit(offset) - y
    alpha = 0.1 * np.max(np.abs(X.T @ (s * g0))) / s.sum()
    kw = dict(fit_intercept=False, tol=1e-8, max_iter=100_000,
              offset=offset if with_offset else None, sample_weight=sw)
    calls = []
    kernel_mod = __import__("penalized.solvers.kernels.logistic", fromlist=["x"])
    def counted(real):
        return lambda *a: calls.append(1) or real(*a)

    for name in ("logistic_l1_newton", "logistic_l1_ws"):
        monkeypatch.setattr(kernel_mod, name, counted(getattr(kernel_mod, name)))
    res = solve(X, y, Logistic(), L1(alpha), **kw)
    assert calls
    assert 0 < np.count_nonzero(res.coef) < p
    gap, P = logistic_l1_gap_no_intercept(X, y, res.coef, alpha, sw, offset)
    assert res.dual_gap <= res.tol_gap
    assert_allclose(res.dual_gap, gap, rtol=1e-6, atol=1e-12)
    # the predictor the working-set rounds pass on (no pass over X for it) is X w + offset
    assert_allclose(res.eta, X @ res.coef + offset, rtol=1e-12, atol=1e-12)

    monkeypatch.setattr(prox_newton, "newton_kernel_ok", lambda *a: False)
    calls.clear()
    ref = solve(X, y, Logistic(), L1(alpha), **kw)
    assert not calls
    _, P_ref = logistic_l1_gap_no_intercept(X, y, ref.coef, alpha, sw, offset)
    assert_objective_close(P, P_ref)
    assert_allclose(ref.eta, X @ ref.coef + offset, rtol=1e-12, atol=1e-12)
    # scikit-learn's reference once per case on the sparse design (dense X takes the same
    # compiled kernel, compared to the Python steps above; the reference cost 13 s a case)
    if not with_offset and not dense:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sk = sklm.LogisticRegression(C=1.0 / (s.sum() * alpha), l1_ratio=1.0,
                                         fit_intercept=False, **SK_TIGHT)
            sk.fit(X if dense else X.toarray(), y, sample_weight=sw)
        _, P_sk = logistic_l1_gap_no_intercept(X, y, sk.coef_.ravel(), alpha, sw, offset)
        assert_objective_close(P, P_sk, rtol=1e-6, ref_accurate=False)


@pytest.mark.parametrize("dense", [False, True])
def test_logistic_working_set_kernel_takes_the_python_rounds(dense, monkeypatch):
    """The working-set rounds in one numba call (``logistic_l1_ws``) are those of the
    Python loop of ``glm_solve`` around the one-call Newton kernel: the same steps, epochs
    and coefficients; with a budget of steps it stops at it (status 1) and returns the
    predictor of the coefficients it reached."""
    from penalized.solvers import engine, prox_newton
    from penalized.solvers.design import Design
    from penalized.solvers.kernels.logistic import logistic_l1_ws

    X, y = wide_sparse_data()
    if dense:
        X = np.asfortranarray(X.toarray())
    n, p = X.shape
    alpha = 0.05 * np.max(np.abs(X.T @ (0.5 - y))) / n
    kw = dict(fit_intercept=False, tol=1e-8, max_iter=100_000)
    res = solve(X, y, Logistic(), L1(alpha), **kw)
    assert len(res.history) == 1  # the kernel's certificate only: no Python round
    # the Python loop's rounds (the outer test refused once), each in the Newton kernel
    outer = []
    real_ok = engine.newton_kernel_ok

    def first_refused(*a):
        outer.append(1)
        return len(outer) > 1 and real_ok(*a)

    monkeypatch.setattr(prox_newton, "newton_kernel_ok", first_refused)
    ref = solve(X, y, Logistic(), L1(alpha), **kw)
    assert len(ref.history) > 2  # several Python rounds
    assert (res.n_steps, res.n_iter) == (ref.n_steps, ref.n_iter)
    assert_allclose(res.coef, ref.coef, rtol=1e-9, atol=1e-12)
    assert_allclose(res.dual_gap, ref.dual_gap, rtol=1e-6, atol=1e-14)
    monkeypatch.undo()

    design = Design(X, None, False)
    pen = L1(alpha).arrays(p)
    y = np.asarray(y, dtype=np.float64)
    w = np.zeros(p)
    scale = Logistic().tol_scale(y, design.s, np.zeros(n), False)
    status, epochs, steps, gap, primal, eta = logistic_l1_ws(
        design.kernel(sqnorms=False), y, np.zeros(n), w, pen.kernel, 1e-8, 1e-8 * scale,
        scale, 100_000, 2, 2000, 5, 100)
    assert status == 1 and steps == 2 and gap > 0
    assert_allclose(eta, X @ w, rtol=1e-12, atol=1e-12)
    assert 0 < np.count_nonzero(w) < p


def test_fast_logistic_kernel_takes_the_designs_it_was_built_for():
    """The one-call Newton kernel runs on CSC or dense float64 F-ordered X without
    intercept, plain L1, no verbose; anything else stays with the Python steps."""
    from penalized.solvers.design import Design
    from penalized.solvers.engine import newton_kernel_ok

    X, _ = wide_sparse_data()
    Xd = X.toarray()
    l1 = L1(0.1).arrays(X.shape[1])
    en = ENPenalty(0.1, 0.5).arrays(X.shape[1])
    ok = lambda X, fit_intercept=False, pen=l1, verbose=0: newton_kernel_ok(  # noqa: E731
        Design(X, None, fit_intercept), Logistic(), pen, None, verbose)
    assert ok(X) and ok(np.asfortranarray(Xd))
    assert not ok(np.ascontiguousarray(Xd))  # C-ordered: columns are strided
    assert not ok(np.asfortranarray(Xd, dtype=np.float32))  # its own specialization
    assert not ok(X, fit_intercept=True) and not ok(np.asfortranarray(Xd), True)
    assert not ok(X, pen=en) and not ok(X, verbose=1)
    assert not newton_kernel_ok(Design(X, None, False), Poisson(), l1, None, 0)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_intercepts_optimal_to_rounding_and_gap_never_negative(n_classes):
    """The certificate needs sum_i s_i l'(eta_i) = 0 (the intercept is free): intercepts
    are optimized to the rounding level of that sum, whatever the BLAS, so weighting a row
    by k equals repeating it k times to machine precision (scikit-learn's check compares
    predict_proba at 1e-9); a gap is never negative."""
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, n_classes, size=15)
    sw = rng.randint(0, 5, size=15)
    rep = LogisticRegression(tol=1e-14, max_iter=100_000).fit(X.repeat(sw, axis=0),
                                                             y.repeat(sw))
    perm = np.random.RandomState(0).permutation(15)  # as scikit-learn's check shuffles
    Xw, yw, sww = X[perm], y[perm], sw[perm]
    wtd = LogisticRegression(tol=1e-14, max_iter=100_000).fit(Xw, yw, sample_weight=sww)
    assert_allclose(wtd.predict_proba(X), rep.predict_proba(X), rtol=0, atol=1e-12)
    for est, s in ((rep, np.ones(sw.sum())), (wtd, sww.astype(float))):
        assert est.dual_gap_ >= 0.0
        Xe = X.repeat(sw, axis=0) if est is rep else Xw
        ye = y.repeat(sw) if est is rep else yw
        P = est.predict_proba(Xe)
        R = P - np.eye(n_classes)[ye]
        # optimize_intercept's target: 1e-13 of sum_i s_i |l'(eta_i)| (~450 eps)
        assert np.all(np.abs(s @ R) <= 1e-13 * (s @ np.abs(R)))


def _float32_interpolating_huber(seed, n, p, sparse, weighted, bounded):
    """A random regression problem (p > n, float32) and HuberRegressor's options drawn for
    it, as tests/test_properties.py draws them."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.3, 3.0, p) + rng.uniform(-2, 2, p)
    if sparse:
        X = X * (rng.uniform(size=(n, p)) < 0.5)
    w = rng.standard_normal(p) * (rng.uniform(size=p) < 0.5)
    y = (1.5 + X @ w / np.sqrt(p) + 0.5 * rng.standard_normal(n)).astype(np.float32)
    X = X.astype(np.float32)
    sw = rng.uniform(0.2, 3.0, n) if weighted else None
    opt = np.random.default_rng(seed + 1)
    kw = dict(penalty_factor=opt.uniform(0.2, 2.0, p))
    if bounded:
        kw["lower_bounds"] = -opt.uniform(0.05, 2.0, p) * (opt.uniform(size=p) < 0.8)
        kw["upper_bounds"] = opt.uniform(0.05, 2.0, p) * (opt.uniform(size=p) < 0.8)
    return (sp.csc_matrix(X) if sparse else np.asfortranarray(X)), y, sw, kw


@pytest.mark.parametrize("seed, n, p, sparse, weighted, bounded, fit_kw", [
    (3304, 4, 17, True, False, False, dict(alpha=0.08424343819485214, l1_ratio=1.0,
                                           tol=1e-10, fit_intercept=True)),
    (895, 4, 37, False, False, False, dict(alpha=2.8287633494171045, l1_ratio=0.7,
                                           tol=1e-4, fit_intercept=False)),
    (11957, 15, 24, False, True, True, dict(alpha=9.015288146029835, l1_ratio=0.3,
                                            tol=1e-4, fit_intercept=False)),
])
def test_huber_float32_collapse_is_detected_quickly(seed, n, p, sparse, weighted, bounded,
                                                    fit_kw, monkeypatch):
    # found by the duplicate-sample and refit properties (tests/test_properties.py):
    # HuberRegressor on float32 X whose scale collapses (the model interpolates).
    # * The prox-Newton fits at the small scales ran to their cap of max_iter * 2000 =
    #   200,000 epochs (40 s each; 80 s and 5 s per fit for the first two cases): steps
    #   whose decrease was below the float32 rounding of the objective were judged against
    #   float64's, and a step taken on trust below the rounding level (raising the
    #   objective) was retaken after every ordinary step, in a cycle. Now a few thousand
    #   epochs per scale, 0.1 s per fit.
    # * The collapse floor (1e-8 of the spread of y) was below the rounding of float32
    #   predictions: the third case's scale wandered between 8e-8 and 2.3e-7 for all 100
    #   updates (3 s, then 'stopped short: duality gap 2.8e+02'). Now the floor is at
    #   least 16 eps32 of the typical |y|: 13 updates, 0.2 s.
    import warnings

    import penalized.solvers.prox_newton as pn

    epochs = []
    solve = pn.glm_solve

    def counted(*args, **kwargs):
        res = solve(*args, **kwargs)
        epochs.append(res.n_iter)
        return res

    monkeypatch.setattr(pn, "glm_solve", counted)
    X, y, sw, kw = _float32_interpolating_huber(seed, n, p, sparse, weighted, bounded)
    est = HuberRegressor(**fit_kw, **kw)
    with pytest.warns(ConvergenceWarning, match="scale collapses") as caught:
        warnings.simplefilter("always")
        est.fit(X, y, sample_weight=sw)
    assert all("stopped short" not in str(w.message) for w in caught)
    assert max(epochs) < 20_000, epochs
    assert est.n_iter_ < est.max_iter
    assert np.all(np.isfinite(est.coef_)) and est.scale_ > 0


def test_logistic_l1_reaches_a_tight_tol():
    # near the optimum a prox-Newton step's decrease (kkt^2 / L, 1e-19 here) is below the
    # rounding of the penalty's change (eps a |w|): it computed as positive, was taken
    # for a model that did not move, and the fit stopped at a KKT violation of 2.5e-10
    # ('no further decrease', a gap of 5e-10 for tol 1e-12): 36 of 200 such fits warned
    # (a LogisticRegressionCV grid, with and without standardize); now none
    import warnings

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    eta = X @ np.array([1.0, -2.0, 0.0, 0.5, 0.0])
    rng.standard_normal(40)  # (tests/test_extremes.py's regression noise)
    y = (eta + rng.standard_normal(40) > 0).astype(int)
    null = -np.mean(y) * np.log(np.mean(y)) - (1 - np.mean(y)) * np.log(1 - np.mean(y))
    for alpha in np.geomspace(0.1, 4e-4, 25):
        for standardize in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                clf = LogisticRegression(alpha=alpha, l1_ratio=1.0, standardize=standardize,
                                         tol=1e-12).fit(X, y)
            assert clf.dual_gap_ <= 1e-12 * null


def test_logistic_loss_is_exact_far_from_the_boundary():
    # softplus(eta) - y eta cancels to eps |eta| for a well-classified sample: y=1 at
    # eta=40 gave 0 instead of 4.2e-18 (the whole loss), y=0 at eta=-35 likewise
    y = np.array([1.0, 0.0, 1.0, 0.0, 0.3])
    eta = np.array([40.0, -35.0, -2.0, 3.0, 25.0])
    exact = np.array([np.log1p(np.exp(-40.0)), np.log1p(np.exp(-35.0)),
                      np.logaddexp(0.0, 2.0), np.logaddexp(0.0, 3.0),
                      0.3 * np.log1p(np.exp(-25.0)) + 0.7 * np.logaddexp(0.0, 25.0)])
    np.testing.assert_allclose(Logistic().loss(y, eta), exact, rtol=1e-14)


@pytest.mark.parametrize("scaled", [False, True])
def test_nearly_separable_logistic_path_reaches_a_tight_tol(scaled):
    # a warm-started L1-logistic fit at C=1e4 on a nearly separable fold stalled at a
    # gap of 3.3e-10 for its 100 Newton steps (target 6.9e-11): the loss's cancellation
    # noise (eps |eta|) failed every line search; now 7 steps, no warning
    from sklearn.exceptions import ConvergenceWarning

    from penalized import LogisticRegressionCV

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    eta = X @ np.r_[1.0, -2.0, 0.0, 0.5, 0.0]
    rng.standard_normal(40)
    yb = (eta + 1.0 * rng.standard_normal(40) > 0).astype(int)
    if scaled:
        X = X * np.array([1e150, 1e-150, 1.0, 1e150, 1e-150])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = LogisticRegressionCV(l1_ratios=(1.0,), scoring=None,
                                   use_legacy_attributes=False, standardize=True, cv=3,
                                   tol=1e-10).fit(X, yb)
    assert np.max(est.n_iter_) <= 20
