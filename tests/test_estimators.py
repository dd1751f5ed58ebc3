"""Correctness tests for penalized.Lasso / ElasticNet / Ridge and penalized.alpha_max.

Every reference is independent of penalized: objectives, gradients, duality gaps and closed
forms are computed here with numpy, and solutions are compared with scikit-learn and scipy.

Objective (spec):
    1/(2 S) sum_i s_i (y_i - x_i.w - b)^2
        + alpha * sum_j pf_j * (l1_ratio |w_j| + (1 - l1_ratio)/2 w_j^2),   lower <= w <= upper
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import lsq_linear, minimize
from sklearn import linear_model as sklm
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import penalized
from conftest import SPARSE_FORMATS, make_problem, make_weights, to_container
from penalized import ElasticNet, Lasso, Ridge

# Tight-tolerance fits must converge: a ConvergenceWarning would make a comparison meaningless.
pytestmark = pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")

TIGHT = dict(tol=1e-12, max_iter=100_000)
SK_TIGHT = dict(tol=1e-12, max_iter=1_000_000)


# --------------------------------------------------------------------------------------
# Independent reference helpers
# --------------------------------------------------------------------------------------
def _dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def _weights(sw, n):
    return np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64)


def _center(X, y, sw, fit_intercept):
    """Weighted centering (float64).  Returns Xc, yc, x_mean, y_mean, S."""
    X = _dense(X).astype(np.float64)
    y = np.asarray(y, dtype=np.float64)
    sw = _weights(sw, X.shape[0])
    S = sw.sum()
    if fit_intercept:
        xm, ym = sw @ X / S, sw @ y / S
    else:
        xm, ym = np.zeros(X.shape[1]), 0.0
    return X - xm, y - ym, xm, ym, S


def objective(X, y, coef, intercept, alpha, l1_ratio=1.0, sample_weight=None, pf=None):
    X = _dense(X).astype(np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(coef, dtype=np.float64)
    sw = _weights(sample_weight, X.shape[0])
    pf = np.ones(X.shape[1]) if pf is None else np.asarray(pf, dtype=np.float64)
    r = y - X @ w - float(intercept)
    pen = np.sum(pf * (l1_ratio * np.abs(w) + 0.5 * (1.0 - l1_ratio) * w * w))
    return 0.5 * (sw @ (r * r)) / sw.sum() + alpha * pen


def est_objective(est, X, y, sample_weight=None):
    return objective(X, y, est.coef_, est.intercept_, _alpha(est, sample_weight, X.shape[0]),
                     _l1(est), sample_weight, est.penalty_factor)


def _alpha(est, sample_weight, n):
    """The alpha of est's mean-loss objective (Ridge reads scikit-learn's alpha, on the
    sum of squares: alpha / S here)."""
    if isinstance(est, Ridge):
        return est.alpha / (n if sample_weight is None else float(np.sum(sample_weight)))
    return est.alpha


def sk_alpha(alpha, sample_weight, n):
    """scikit-learn's Ridge alpha of a mean-loss alpha (times S)."""
    return alpha * (n if sample_weight is None else float(np.sum(sample_weight)))


def _l1(est):
    if isinstance(est, Ridge):
        return 0.0
    if isinstance(est, ElasticNet):
        return est.l1_ratio
    return 1.0


def _bounds(est, p):
    lo = np.full(p, -np.inf) if est.lower_bounds is None else np.broadcast_to(
        np.asarray(est.lower_bounds, dtype=np.float64), (p,)).copy()
    up = np.full(p, np.inf) if est.upper_bounds is None else np.broadcast_to(
        np.asarray(est.upper_bounds, dtype=np.float64), (p,)).copy()
    if est.positive:
        lo = np.maximum(lo, 0.0)
    return lo, up


def y_variance(y, sample_weight=None, fit_intercept=True):
    y = np.asarray(y, dtype=np.float64)
    sw = _weights(sample_weight, y.shape[0])
    yc = y - (sw @ y / sw.sum() if fit_intercept else 0.0)
    return (sw @ (yc * yc)) / sw.sum()


def kkt_violation(est, X, y, sample_weight=None):
    """Optimality-condition violations recomputed from coef_ / intercept_ (float64).

    Returns (per-coordinate violation, per-coordinate curvature L_j, intercept violation).
    """
    X = _dense(X).astype(np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, p = X.shape
    sw = _weights(sample_weight, n)
    S = sw.sum()
    w = np.asarray(est.coef_, dtype=np.float64)
    b = float(est.intercept_)
    pf = np.ones(p) if est.penalty_factor is None else np.asarray(est.penalty_factor, float)
    l1 = _l1(est)
    lo, up = _bounds(est, p)
    alpha = _alpha(est, sample_weight, n)

    r = y - X @ w - b
    grad = -X.T @ (sw * r) / S + alpha * pf * (1.0 - l1) * w
    a = alpha * pf * l1  # l1 weight of coordinate j

    viol = np.zeros(p)
    for j in range(p):
        g, aj, wj = grad[j], a[j], w[j]
        at_up = wj == up[j]
        at_lo = wj == lo[j]
        if at_up and at_lo:  # lower == upper == 0: the coordinate is fixed
            viol[j] = 0.0
        elif wj != 0 and not at_up and not at_lo:
            viol[j] = abs(g + aj * np.sign(wj))
        elif wj == 0 and not at_up and not at_lo:
            viol[j] = max(abs(g) - aj, 0.0)
        elif at_up and wj > 0:  # -(g + a) in normal cone [0, inf)
            viol[j] = max(g + aj, 0.0)
        elif at_lo and wj < 0:  # -(g - a) in normal cone (-inf, 0]
            viol[j] = max(-(g - aj), 0.0)
        elif at_up:  # wj == 0 == upper:  g <= a
            viol[j] = max(g - aj, 0.0)
        else:  # wj == 0 == lower: g >= -a
            viol[j] = max(-g - aj, 0.0)
    Xc = X - (sw @ X / S if est.fit_intercept else 0.0)
    curv = (sw @ (Xc * Xc)) / S + alpha * pf * (1.0 - l1)
    icpt = abs(sw @ r) / S if est.fit_intercept else 0.0
    return viol, curv, icpt


def assert_kkt(est, X, y, sample_weight=None, tol=None):
    """KKT conditions up to what a duality gap <= tol * var(y) allows.

    If coordinate j violates its optimality condition by v, a step along j lowers the
    objective by v^2 / (2 L_j), so v <= sqrt(2 L_j (P - P*)) <= sqrt(2 L_j gap).  The same
    argument (curvature 1) bounds the intercept condition |sum_i s_i r_i| / S.
    """
    tol = est.tol if tol is None else tol
    eps = tol * y_variance(y, sample_weight, est.fit_intercept)
    floor = 1e-10 * (np.max(np.abs(y)) + 1.0)  # float64 round-off
    viol, curv, icpt = kkt_violation(est, X, y, sample_weight)
    allowed = 2.0 * np.sqrt(2.0 * curv * eps) + floor
    j = np.argmax(viol - allowed)
    assert viol[j] <= allowed[j], f"KKT violation {viol[j]:.3e} > {allowed[j]:.3e} (j={j})"
    assert icpt <= 2.0 * np.sqrt(2.0 * eps) + floor, f"intercept condition {icpt:.3e}"


def solution_atol(X, y, sample_weight=None, fit_intercept=True, tol=1e-12, alpha=0.0,
                  l1_ratio=1.0, pf=None):
    """Distance to the optimum allowed by a gap <= tol * var(y) under strong convexity mu.

    mu * ||w - w*||^2 / 2 <= P(w) - P*, so two such solutions differ by at most
    2 sqrt(2 gap / mu); mu = lambda_min(Xc^T S Xc / S) + alpha (1 - l1_ratio) min(pf).
    """
    Xc, _, _, _, S = _center(X, y, sample_weight, fit_intercept)
    sw = _weights(sample_weight, Xc.shape[0])
    pf = np.ones(Xc.shape[1]) if pf is None else np.asarray(pf, dtype=np.float64)
    mu = np.linalg.eigvalsh(Xc.T @ (sw[:, None] * Xc) / S)[0] + alpha * (1 - l1_ratio) * pf.min()
    assert mu > 1e-6, "problem is not strongly convex: use an objective comparison"
    eps = tol * y_variance(y, sample_weight, fit_intercept)
    return 3.0 * np.sqrt(2.0 * eps / mu) + 1e-12


def assert_reported_gap_ok(est, X, y, sample_weight=None):
    """dual_gap_ must meet the stopping rule: <= tol * var(y), or rounding level."""
    bound = est.tol * y_variance(y, sample_weight, est.fit_intercept)
    P = est_objective(est, X, y, sample_weight)
    limit = max(bound, 64 * np.finfo(np.float64).eps * abs(P))
    assert est.dual_gap_ <= limit * (1 + 1e-9), f"dual_gap_ {est.dual_gap_:.3e} > {limit:.3e}"
    assert est.n_iter_ < est.max_iter, "max_iter epochs spent although it converged"


def lasso_gap(X, y, coef, alpha, sample_weight=None, fit_intercept=True):
    """Duality gap of the Lasso at ``coef`` with the rescaled-residual dual point."""
    Xc, yc, _, _, S = _center(X, y, sample_weight, fit_intercept)
    sw = _weights(sample_weight, Xc.shape[0])
    w = np.asarray(coef, dtype=np.float64)
    r = yc - Xc @ w
    primal = 0.5 * (sw @ (r * r)) / S + alpha * np.abs(w).sum()
    theta = r / max(1.0, np.max(np.abs(Xc.T @ (sw * r))) / (S * alpha))
    dual = (sw @ (yc * theta - 0.5 * theta * theta)) / S
    return primal - dual, (sw @ (yc * yc)) / S


def ridge_closed_form(X, y, alpha, sample_weight=None, fit_intercept=True, pf=None):
    Xc, yc, xm, ym, S = _center(X, y, sample_weight, fit_intercept)
    sw = _weights(sample_weight, Xc.shape[0])
    p = Xc.shape[1]
    pf = np.ones(p) if pf is None else np.asarray(pf, dtype=np.float64)
    A = Xc.T @ (sw[:, None] * Xc) / S + alpha * np.diag(pf)
    w = np.linalg.solve(A, Xc.T @ (sw * yc) / S)
    return w, (ym - xm @ w if fit_intercept else 0.0)


def bounded_reference(X, y, alpha, l1_ratio, lo, up, sample_weight=None, fit_intercept=True,
                      pf=None):
    """Box-constrained elastic net via L-BFGS-B on the split w = u - v (u, v >= 0)."""
    Xc, yc, xm, ym, S = _center(X, y, sample_weight, fit_intercept)
    sw = _weights(sample_weight, Xc.shape[0])
    p = Xc.shape[1]
    pf = np.ones(p) if pf is None else np.asarray(pf, dtype=np.float64)
    a, c = alpha * pf * l1_ratio, alpha * pf * (1.0 - l1_ratio)

    def fun(z):
        u, v = z[:p], z[p:]
        w = u - v
        r = yc - Xc @ w
        val = 0.5 * (sw @ (r * r)) / S + np.sum(a * (u + v) + 0.5 * c * w * w)
        gw = -Xc.T @ (sw * r) / S + c * w
        return val, np.concatenate([gw + a, -gw + a])

    bnds = [(0.0, None if np.isinf(u) else u) for u in up]
    bnds += [(0.0, None if np.isinf(lw) else -lw) for lw in lo]
    res = minimize(fun, np.zeros(2 * p), jac=True, method="L-BFGS-B", bounds=bnds,
                   options=dict(maxiter=20_000, maxcor=50, ftol=1e-16, gtol=1e-13))
    w = res.x[:p] - res.x[p:]
    return w, (ym - xm @ w if fit_intercept else 0.0)


def hand_alpha_max(X, y, l1_ratio=1.0, sample_weight=None, fit_intercept=True, pf=None):
    Xc, yc, _, _, S = _center(X, y, sample_weight, fit_intercept)
    sw = _weights(sample_weight, Xc.shape[0])
    pf = np.ones(Xc.shape[1]) if pf is None else np.asarray(pf, dtype=np.float64)
    free = pf == 0
    r = yc
    if free.any():  # unpenalized features are fitted first (weighted least squares)
        sq = np.sqrt(sw)
        beta = np.linalg.lstsq(sq[:, None] * Xc[:, free], sq * yc, rcond=None)[0]
        r = yc - Xc[:, free] @ beta
    g = np.abs(Xc.T @ (sw * r)) / S
    return np.max(g[~free] / pf[~free]) / l1_ratio


def assert_same_objective(P, P_ref, rtol=1e-8):
    assert abs(P - P_ref) <= rtol * abs(P_ref), f"objective {P!r} vs reference {P_ref!r}"


# --------------------------------------------------------------------------------------
# Agreement with scikit-learn
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("positive", [False, True], ids=["free", "positive"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
def test_lasso_matches_sklearn(sparse_problem, container, fit_intercept, weighted, positive):
    X, y = sparse_problem
    sw = make_weights(len(y)) if weighted else None
    alpha = 0.05 * hand_alpha_max(X, y, sample_weight=sw, fit_intercept=fit_intercept)
    ref = sklm.Lasso(alpha=alpha, fit_intercept=fit_intercept, positive=positive, **SK_TIGHT)
    ref.fit(X, y, sample_weight=sw)
    est = Lasso(alpha, fit_intercept=fit_intercept, positive=positive, **TIGHT)
    assert est.fit(to_container(X, container), y, sample_weight=sw) is est

    P_ref = objective(X, y, ref.coef_, ref.intercept_, alpha, 1.0, sw)
    assert_same_objective(est_objective(est, X, y, sw), P_ref)
    atol = solution_atol(X, y, sw, fit_intercept)
    assert_allclose(est.coef_, ref.coef_, rtol=0, atol=atol)
    assert_allclose(est.intercept_, ref.intercept_, rtol=0, atol=atol * (1 + np.abs(X).max()))
    assert_kkt(est, X, y, sw)
    assert np.count_nonzero(est.coef_) < X.shape[1]  # the problem is actually sparse
    if positive:
        assert np.all(est.coef_ >= 0)
    if not fit_intercept:
        assert est.intercept_ == 0.0
    assert est.coef_.shape == (X.shape[1],)
    assert np.ndim(est.intercept_) == 0
    assert est.n_features_in_ == X.shape[1]
    assert est.n_iter_ >= 1
    assert_allclose(est.predict(to_container(X, container)),
                    X @ est.coef_ + est.intercept_, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("l1_ratio", [0.2, 0.7])
@pytest.mark.parametrize("positive", [False, True], ids=["free", "positive"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
def test_enet_matches_sklearn(sparse_problem, container, fit_intercept, weighted, positive,
                              l1_ratio):
    X, y = sparse_problem
    sw = make_weights(len(y)) if weighted else None
    alpha = 0.05 * hand_alpha_max(X, y, l1_ratio, sw, fit_intercept)
    ref = sklm.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                          positive=positive, **SK_TIGHT).fit(X, y, sample_weight=sw)
    est = ElasticNet(alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, positive=positive,
                     **TIGHT).fit(to_container(X, container), y, sample_weight=sw)
    P_ref = objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio, sw)
    assert_same_objective(est_objective(est, X, y, sw), P_ref)
    atol = solution_atol(X, y, sw, fit_intercept, alpha=alpha, l1_ratio=l1_ratio)
    assert_allclose(est.coef_, ref.coef_, rtol=0, atol=atol)
    assert_allclose(est.intercept_, ref.intercept_, rtol=0, atol=atol * (1 + np.abs(X).max()))
    assert_kkt(est, X, y, sw)


@pytest.mark.parametrize("est_cls", [Lasso, ElasticNet])
def test_wide_problem_matches_sklearn(wide_problem, container, est_cls):
    X, y = wide_problem
    alpha = 0.02 * hand_alpha_max(X, y)
    ref_cls = sklm.Lasso if est_cls is Lasso else sklm.ElasticNet
    ref = ref_cls(alpha=alpha, **SK_TIGHT).fit(X, y)
    est = est_cls(alpha, **TIGHT).fit(to_container(X, container), y)
    P_ref = objective(X, y, ref.coef_, ref.intercept_, alpha, _l1(est))
    assert_same_objective(est_objective(est, X, y), P_ref)
    assert_kkt(est, X, y)


@pytest.mark.parametrize("fmt", sorted(SPARSE_FORMATS))
@pytest.mark.parametrize("est", [Lasso(0.05, **TIGHT), ElasticNet(0.05, l1_ratio=0.4, **TIGHT),
                                 Ridge(0.3, **TIGHT)], ids=["lasso", "enet", "ridge"])
def test_sparse_formats_match_dense(sparse_problem, fmt, est):
    X, y = sparse_problem
    sw = make_weights(len(y))
    dense = clone(est).fit(X, y, sample_weight=sw)
    sparse = clone(est).fit(to_container(X, fmt), y, sample_weight=sw)
    assert_same_objective(est_objective(sparse, X, y, sw), est_objective(dense, X, y, sw))
    atol = solution_atol(X, y, sw, True, alpha=_alpha(est, sw, len(y)), l1_ratio=_l1(est))
    assert_allclose(sparse.coef_, dense.coef_, rtol=0, atol=atol)
    assert_allclose(sparse.intercept_, dense.intercept_, rtol=0,
                    atol=atol * (1 + np.abs(X).max()))
    assert_kkt(sparse, X, y, sw)


def test_sparse_input_is_never_densified():
    # The dense equivalent would need 4e11 bytes: any densification raises MemoryError.
    n, p, nnz = 1_000_000, 50_000, 500_000
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, n, nnz), rng.integers(0, p, nnz)
    X = sp.csc_matrix((rng.standard_normal(nnz), (rows, cols)), shape=(n, p))
    w = np.zeros(p)
    w[:20] = 5.0
    y = X @ w + 0.1 * rng.standard_normal(n) + 2.0
    yc = y - y.mean()
    alpha = 0.3 * np.max(np.abs(X.T @ yc)) / n  # sum(yc) = 0, so X^T yc = Xc^T yc
    for est in (Lasso(alpha), ElasticNet(alpha, l1_ratio=0.9)):
        for Xk in (X, X.tocsr()):
            est.fit(Xk, y)
            nz = np.flatnonzero(est.coef_)
            assert est.coef_.shape == (p,)
            assert 0 < nz.size and set(nz) <= set(range(20)), nz
            assert abs(est.intercept_ - 2.0) < 0.05


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
@pytest.mark.parametrize("est_cls", [Lasso, ElasticNet])
@pytest.mark.parametrize("density", [1.0, 0.3])
def test_tall_problems_match_sklearn(container, density, est_cls, fit_intercept, weighted):
    # n >> working-set size: exercises the Gram-matrix code path of the solver.
    X, y = make_problem(600, 20, seed=4, density=density)
    sw = make_weights(len(y)) if weighted else None
    l1 = _l1(est_cls())
    alpha = 0.02 * hand_alpha_max(X, y, l1, sw, fit_intercept)
    ref_cls = sklm.Lasso if est_cls is Lasso else sklm.ElasticNet
    ref = ref_cls(alpha=alpha, fit_intercept=fit_intercept, **SK_TIGHT).fit(X, y,
                                                                           sample_weight=sw)
    est = est_cls(alpha, fit_intercept=fit_intercept, **TIGHT)
    est.fit(to_container(X, container), y, sample_weight=sw)
    P_ref = objective(X, y, ref.coef_, ref.intercept_, alpha, l1, sw)
    assert_same_objective(est_objective(est, X, y, sw), P_ref)
    assert_allclose(est.coef_, ref.coef_, rtol=0,
                    atol=solution_atol(X, y, sw, fit_intercept, alpha=alpha, l1_ratio=l1))
    assert_kkt(est, X, y, sw)


@pytest.mark.parametrize("offset", [1e2, 1e3])
@pytest.mark.parametrize("est", [Lasso(0.01, tol=1e-10), ElasticNet(0.01, tol=1e-10)],
                         ids=["lasso", "enet"])
def test_sparse_column_with_large_mean_converges(offset, est):
    # A dense column with a large mean inside a sparse X (a "year"-like feature next to
    # one-hot columns).  Implicit centering must not cost accuracy: the dense fit and
    # scikit-learn converge to tol=1e-10 in a dozen epochs, so must the sparse fit.
    rng = np.random.default_rng(0)
    n, p = 200, 5
    X = rng.standard_normal((n, p)) * (rng.uniform(size=(n, p)) < 0.3)
    X[:, 0] = offset + rng.standard_normal(n)
    y = X @ np.array([1.0, 2.0, 0.0, -1.0, 0.5]) + 0.1 * rng.standard_normal(n)
    dense = clone(est).fit(X, y)
    sparse = clone(est).fit(sp.csc_matrix(X), y)  # must not raise ConvergenceWarning
    assert sparse.n_iter_ <= 10 * dense.n_iter_
    assert_kkt(sparse, X, y)
    if isinstance(est, Lasso):
        gap, yvar = lasso_gap(X, y, sparse.coef_, est.alpha)
        assert gap <= est.tol * yvar
    assert_allclose(sparse.coef_, dense.coef_, rtol=0,
                    atol=solution_atol(X, y, tol=1e-10, alpha=0.01, l1_ratio=_l1(est)))


# --------------------------------------------------------------------------------------
# Ridge: closed form
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("use_pf", [False, True], ids=["nopf", "pf"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
def test_ridge_closed_form(sparse_problem, container, fit_intercept, weighted, use_pf):
    X, y = sparse_problem
    p = X.shape[1]
    sw = make_weights(len(y)) if weighted else None
    pf = np.linspace(0.0, 3.0, p) if use_pf else None  # includes an unpenalized feature
    alpha = 0.7
    w_ref, b_ref = ridge_closed_form(X, y, alpha, sw, fit_intercept, pf)
    est = Ridge(sk_alpha(alpha, sw, len(y)), fit_intercept=fit_intercept, penalty_factor=pf)
    est.fit(to_container(X, container), y, sample_weight=sw)
    assert_allclose(est.coef_, w_ref, rtol=1e-8, atol=1e-10)
    assert_allclose(est.intercept_, b_ref, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_ridge_matches_sklearn_ridge(problem, container, weighted):
    """Ridge reads scikit-learn's alpha (sum of squares + alpha ||w||^2)."""
    X, y = problem
    sw = make_weights(len(y)) if weighted else None
    S = len(y) if sw is None else sw.sum()
    alpha = 0.4 * S
    ref = sklm.Ridge(alpha=alpha, solver="cholesky").fit(X, y, sample_weight=sw)
    est = Ridge(alpha).fit(to_container(X, container), y, sample_weight=sw)
    assert_allclose(est.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(est.intercept_, ref.intercept_, rtol=1e-8, atol=1e-10)


def test_ridge_alpha_zero_is_least_squares(problem):
    X, y = problem
    est = Ridge(0.0).fit(X, y)
    A = np.column_stack([X, np.ones(len(y))])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    assert_allclose(est.coef_, sol[:-1], rtol=1e-8, atol=1e-10)
    assert_allclose(est.intercept_, sol[-1], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_ridge_with_bounds_matches_bounded_least_squares(problem, container, weighted):
    X, y = problem
    p = X.shape[1]
    sw = make_weights(len(y)) if weighted else None
    alpha = 0.2
    pf = np.linspace(0.5, 2.0, p)
    w_free, _ = ridge_closed_form(X, y, alpha, sw, True, pf)
    lo = np.where(w_free < 0, 0.5 * w_free, -1.0)
    up = np.where(w_free > 0, 0.5 * w_free, 1.0)
    # Bounded least squares: 0.5 || A w - c ||^2 equals the ridge objective.
    Xc, yc, xm, ym, S = _center(X, y, sw, True)
    s = np.sqrt(_weights(sw, len(y)) / S)
    A = np.vstack([s[:, None] * Xc, np.diag(np.sqrt(alpha * pf))])
    c = np.concatenate([s * yc, np.zeros(p)])
    w_ref = lsq_linear(A, c, bounds=(lo, up), method="bvls", tol=1e-14).x
    est = Ridge(sk_alpha(alpha, sw, len(y)), penalty_factor=pf, lower_bounds=lo,
                upper_bounds=up, **TIGHT)
    est.fit(to_container(X, container), y, sample_weight=sw)
    assert np.all(est.coef_ >= lo) and np.all(est.coef_ <= up)
    assert np.any(est.coef_ == lo) and np.any(est.coef_ == up)
    atol = solution_atol(X, y, sw, True, alpha=alpha, l1_ratio=0.0, pf=pf)
    assert_allclose(est.coef_, w_ref, rtol=0, atol=atol)
    assert_allclose(est.intercept_, ym - xm @ w_ref, rtol=0, atol=atol * (1 + np.abs(X).max()))
    assert_kkt(est, X, y, sw)


@pytest.mark.parametrize("use_pf", [False, True], ids=["allpen", "pf0"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
def test_ridge_wide_closed_form(wide_problem, container, fit_intercept, weighted, use_pf):
    # p > n: the normal equations are singular without the penalty.
    X, y = wide_problem
    p = X.shape[1]
    sw = make_weights(len(y)) if weighted else None
    pf = None
    if use_pf:
        pf = np.ones(p)
        pf[[0, 7]] = 0.0  # a couple of unpenalized features (fewer than n)
    w_ref, b_ref = ridge_closed_form(X, y, 0.3, sw, fit_intercept, pf)
    est = Ridge(sk_alpha(0.3, sw, len(y)), fit_intercept=fit_intercept, penalty_factor=pf)
    est.fit(to_container(X, container), y, sample_weight=sw)
    assert_allclose(est.coef_, w_ref, rtol=1e-8, atol=1e-10)
    assert_allclose(est.intercept_, b_ref, rtol=1e-8, atol=1e-10)


# --------------------------------------------------------------------------------------
# KKT conditions and duality gap
# --------------------------------------------------------------------------------------
KKT_CASES = {
    "lasso": dict(cls=Lasso),
    "lasso_pf": dict(cls=Lasso, penalty_factor="pf"),
    "lasso_bounds": dict(cls=Lasso, lower_bounds="lo", upper_bounds="up"),
    "lasso_scalar_bounds": dict(cls=Lasso, lower_bounds=-0.3, upper_bounds=0.4),
    "lasso_positive": dict(cls=Lasso, positive=True),
    "lasso_upper_zero": dict(cls=Lasso, upper_bounds=0.0),
    "enet": dict(cls=ElasticNet, l1_ratio=0.3),
    "enet_pf_bounds": dict(cls=ElasticNet, l1_ratio=0.6, penalty_factor="pf",
                           lower_bounds="lo", upper_bounds="up"),
    "enet_fixed_coords": dict(cls=ElasticNet, l1_ratio=0.5, lower_bounds="lo0",
                              upper_bounds="up0"),
    "ridge_bounds": dict(cls=Ridge, penalty_factor="pf", lower_bounds="lo", upper_bounds=0.5),
}


def _build(case, p, alpha, **extra):
    rng = np.random.default_rng(123)
    kw = dict(case)
    cls = kw.pop("cls")
    values = {
        "pf": np.where(np.arange(p) % 4 == 0, 0.0, rng.uniform(0.3, 2.0, p)),
        "lo": -rng.uniform(0.05, 0.5, p),
        "up": rng.uniform(0.05, 0.5, p),
        "lo0": np.where(np.arange(p) % 3 == 0, 0.0, -0.4),  # some coordinates fixed at 0
        "up0": np.where(np.arange(p) % 3 == 0, 0.0, 0.4),
    }
    for k, v in kw.items():
        if isinstance(v, str):
            kw[k] = values[v]
    return cls(alpha, **kw, **extra)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
@pytest.mark.parametrize("case", sorted(KKT_CASES))
def test_kkt_conditions(sparse_problem, container, case, fit_intercept, weighted):
    X, y = sparse_problem
    sw = make_weights(len(y)) if weighted else None
    alpha = 0.1 * hand_alpha_max(X, y, 1.0, sw, fit_intercept)
    est = _build(KKT_CASES[case], X.shape[1], alpha, fit_intercept=fit_intercept, **TIGHT)
    est.fit(to_container(X, container), y, sample_weight=sw)
    lo, up = _bounds(est, X.shape[1])
    assert np.all(est.coef_ >= lo) and np.all(est.coef_ <= up)  # exactly, no tolerance
    assert_kkt(est, X, y, sw)
    if not isinstance(est, Ridge):
        assert_reported_gap_ok(est, X, y, sw)
    if container != "dense":
        return  # the reference below does not depend on the container
    # The same problem solved by an independent method cannot be better.
    w_ref, b_ref = bounded_reference(X, y, alpha, _l1(est), lo, up, sw, fit_intercept,
                                     est.penalty_factor)
    P_ref = objective(X, y, w_ref, b_ref, alpha, _l1(est), sw, est.penalty_factor)
    assert est_objective(est, X, y, sw) <= P_ref * (1 + 1e-9)


@pytest.mark.parametrize("max_iter", [1000, 200_000])
@pytest.mark.parametrize("variant", ["exact", "rounded"])
def test_screening_does_not_stop_early(variant, max_iter):
    # Found by hypothesis: after gap-safe screening zeroes a non-zero coefficient, the
    # solver must neither declare convergence from the gradient of the previous residual
    # ("exact": stops after 2 epochs with gap 6e-4) nor spend all max_iter epochs on an
    # inner tolerance below rounding level ("rounded").
    _, X, y = _random_case(15019636, 5, 7, False)
    if variant == "exact":
        Xc, yc, _, _, S = _center(X, y, None, True)
        alpha = 0.296875 * np.max(np.abs(Xc.T @ yc)) / S + 1e-6
    else:
        X, y, alpha = np.round(X, 8), np.round(y, 8), 0.7946623119446492
    est = Lasso(alpha, tol=1e-12, max_iter=max_iter).fit(X, y)
    ref = sklm.Lasso(alpha=alpha, **SK_TIGHT).fit(X, y)
    assert_kkt(est, X, y)
    assert_reported_gap_ok(est, X, y)
    gap, yvar = lasso_gap(X, y, est.coef_, alpha)
    assert gap <= 1e-12 * yvar
    assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("tol", [1e-4, 1e-8])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
def test_lasso_duality_gap_by_hand(sparse_problem, container, fit_intercept, weighted, tol):
    X, y = sparse_problem
    sw = make_weights(len(y)) if weighted else None
    alpha = 0.05 * hand_alpha_max(X, y, 1.0, sw, fit_intercept)
    est = Lasso(alpha, fit_intercept=fit_intercept, tol=tol, max_iter=100_000)
    est.fit(to_container(X, container), y, sample_weight=sw)
    gap, yvar = lasso_gap(X, y, est.coef_, alpha, sw, fit_intercept)
    bound = tol * yvar
    assert gap >= -1e-12 * yvar  # weak duality
    assert gap <= bound * (1 + 1e-6), f"gap {gap:.3e} > tol bound {bound:.3e}"
    assert est.dual_gap_ <= bound * (1 + 1e-9)
    # dual_gap_ is the gap at the returned coefficients.
    assert abs(est.dual_gap_ - gap) <= 1e-3 * bound + 1e-12 * yvar


def test_gap_tolerance_is_relative_to_y_variance(problem):
    """Scaling y (and alpha) by c must not change the number of iterations."""
    X, y = problem
    alpha = 0.05 * hand_alpha_max(X, y)
    n_iters = []
    for c in (1e-3, 1.0, 1e3):
        est = Lasso(alpha * c, tol=1e-6).fit(X, c * y)
        n_iters.append(est.n_iter_)
        assert_allclose(est.coef_ / c, Lasso(alpha, tol=1e-6).fit(X, y).coef_, rtol=1e-6,
                        atol=1e-9)
    assert len(set(n_iters)) == 1, n_iters


# --------------------------------------------------------------------------------------
# penalty_factor
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("est_cls", [Lasso, ElasticNet, Ridge])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_zero_penalty_factor_is_not_shrunk(problem, container, est_cls, weighted):
    X, y = problem
    p = X.shape[1]
    k = 3
    sw = make_weights(len(y)) if weighted else None
    pf = np.ones(p)
    pf[k] = 0.0
    alpha = sk_alpha(1e8, sw, len(y)) if est_cls is Ridge else 1e8
    est = est_cls(alpha, penalty_factor=pf, **TIGHT)  # huge alpha kills all other features
    est.fit(to_container(X, container), y, sample_weight=sw)
    # Weighted OLS of y on x_k alone (with intercept).
    s = np.sqrt(_weights(sw, len(y)))
    A = np.column_stack([X[:, k], np.ones(len(y))]) * s[:, None]
    slope, icpt = np.linalg.lstsq(A, y * s, rcond=None)[0]
    others = np.delete(est.coef_, k)
    if est_cls is Ridge:
        # The other coefficients are O(1/alpha), not exactly zero; they perturb the slope.
        assert np.max(np.abs(others)) < 1e-6
        assert_allclose(est.coef_[k], slope, rtol=0, atol=1e-6)
        assert_allclose(est.intercept_, icpt, rtol=0, atol=1e-6 * (1 + np.abs(X).max()))
    else:
        assert_array_equal(others, 0.0)
        assert_allclose(est.coef_[k], slope, rtol=1e-7)
        assert_allclose(est.intercept_, icpt, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("est", [Lasso(0.05, **TIGHT), ElasticNet(0.05, l1_ratio=0.3, **TIGHT),
                                 Ridge(0.05, **TIGHT)], ids=["lasso", "enet", "ridge"])
@pytest.mark.parametrize("c", [0.25, 3.0])
def test_constant_penalty_factor_equals_scaled_alpha(problem, est, c):
    X, y = problem
    p = X.shape[1]
    a = clone(est).set_params(penalty_factor=np.full(p, c)).fit(X, y)
    b = clone(est).set_params(alpha=est.alpha * c).fit(X, y)
    assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-10)
    assert_allclose(a.intercept_, b.intercept_, rtol=1e-7, atol=1e-10)
    ones = clone(est).set_params(penalty_factor=np.ones(p)).fit(X, y)
    default = clone(est).fit(X, y)
    assert_allclose(ones.coef_, default.coef_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_lasso_penalty_factor_matches_sklearn_on_rescaled_columns(problem, container,
                                                                  weighted):
    # sum_j pf_j |w_j| with pf_j > 0 is a plain Lasso in v_j = pf_j w_j on columns X_j / pf_j.
    X, y = problem
    p = X.shape[1]
    sw = make_weights(len(y)) if weighted else None
    pf = np.random.default_rng(7).uniform(0.2, 3.0, p)
    alpha = 0.1 * hand_alpha_max(X, y, sample_weight=sw, pf=pf)
    ref = sklm.Lasso(alpha=alpha, **SK_TIGHT).fit(X / pf, y, sample_weight=sw)
    est = Lasso(alpha, penalty_factor=pf, **TIGHT)
    est.fit(to_container(X, container), y, sample_weight=sw)
    atol = solution_atol(X / pf, y, sw)  # distance in v = pf * w
    assert_allclose(est.coef_ * pf, ref.coef_, rtol=0, atol=atol)
    assert_allclose(est.intercept_, ref.intercept_, rtol=0, atol=atol * (1 + np.abs(X).max()))
    P_ref = objective(X, y, ref.coef_ / pf, ref.intercept_, alpha, 1.0, sw, pf)
    assert_same_objective(est_objective(est, X, y, sw), P_ref)


def test_penalty_factor_is_used_as_given(problem):
    # pf = (2, 2, ..., 2) must NOT be renormalized to ones (glmnet does that; we don't).
    X, y = problem
    p = X.shape[1]
    a = Lasso(0.05, penalty_factor=np.full(p, 2.0), **TIGHT).fit(X, y)
    b = Lasso(0.05, **TIGHT).fit(X, y)
    assert np.abs(a.coef_).sum() < np.abs(b.coef_).sum() - 1e-3


# --------------------------------------------------------------------------------------
# Bounds
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("est_cls", [Lasso, ElasticNet])
def test_lower_bounds_zero_equals_positive_and_sklearn(problem, container, est_cls):
    X, y = problem
    alpha = 0.02 * hand_alpha_max(X, y)
    ref_cls = sklm.Lasso if est_cls is Lasso else sklm.ElasticNet
    ref = ref_cls(alpha=alpha, positive=True, **SK_TIGHT).fit(X, y)
    a = est_cls(alpha, lower_bounds=0.0, **TIGHT).fit(to_container(X, container), y)
    b = est_cls(alpha, positive=True, **TIGHT).fit(to_container(X, container), y)
    assert np.all(a.coef_ >= 0) and np.all(b.coef_ >= 0)
    atol = solution_atol(X, y, alpha=alpha, l1_ratio=_l1(a))
    assert_allclose(a.coef_, ref.coef_, rtol=0, atol=atol)
    assert_allclose(b.coef_, ref.coef_, rtol=0, atol=atol)
    assert_allclose(a.intercept_, ref.intercept_, rtol=0, atol=atol * (1 + np.abs(X).max()))
    assert_kkt(a, X, y)


def test_upper_bounds_zero_is_negated_positive_lasso(problem, container):
    X, y = problem
    alpha = 0.02 * hand_alpha_max(X, y)
    ref = sklm.Lasso(alpha=alpha, positive=True, **SK_TIGHT).fit(-X, y)
    est = Lasso(alpha, upper_bounds=0.0, **TIGHT).fit(to_container(X, container), y)
    assert np.all(est.coef_ <= 0)
    atol = solution_atol(X, y)
    assert_allclose(est.coef_, -ref.coef_, rtol=0, atol=atol)
    assert_allclose(est.intercept_, ref.intercept_, rtol=0, atol=atol * (1 + np.abs(X).max()))


@pytest.mark.parametrize("est_cls", [Lasso, ElasticNet, Ridge])
@pytest.mark.parametrize("kind", ["arrays", "scalars"])
def test_bounds_hold_exactly_and_are_active(problem, container, est_cls, kind):
    X, y = problem
    p = X.shape[1]
    alpha = 0.01 * hand_alpha_max(X, y)
    est_alpha = sk_alpha(alpha, None, len(y)) if est_cls is Ridge else alpha
    free = est_cls(est_alpha, **TIGHT).fit(X, y).coef_
    if kind == "arrays":
        lo = np.where(free < 0, 0.5 * free, -0.1)
        up = np.where(free > 0, 0.5 * free, 0.1)
    else:
        lo, up = 0.5 * free.min(), 0.5 * free.max()
    assert np.max(free) > 0 > np.min(free)
    est = est_cls(est_alpha, lower_bounds=lo, upper_bounds=up, **TIGHT)
    est.fit(to_container(X, container), y)
    lo_a, up_a = np.broadcast_to(lo, (p,)), np.broadcast_to(up, (p,))
    assert np.all(est.coef_ >= lo_a), est.coef_ - lo_a
    assert np.all(est.coef_ <= up_a), up_a - est.coef_
    assert np.any(est.coef_ == lo_a) and np.any(est.coef_ == up_a)
    assert_kkt(est, X, y)
    w_ref, b_ref = bounded_reference(X, y, alpha, _l1(est), lo_a, up_a)
    assert_allclose(est.coef_, w_ref, rtol=0,
                    atol=solution_atol(X, y, alpha=alpha, l1_ratio=_l1(est)) + 1e-6)
    P_ref = objective(X, y, w_ref, b_ref, alpha, _l1(est))
    assert est_objective(est, X, y) <= P_ref * (1 + 1e-9)


def test_positive_combined_with_upper_bounds(problem):
    X, y = problem
    est = Lasso(0.01, positive=True, upper_bounds=0.2, **TIGHT).fit(X, y)
    assert np.all(est.coef_ >= 0) and np.all(est.coef_ <= 0.2)
    assert np.any(est.coef_ == 0.2)
    assert_kkt(est, X, y)


# --------------------------------------------------------------------------------------
# alpha_max
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
def test_alpha_max_formula_and_zero_solution(sparse_problem, container, fit_intercept, weighted,
                                             l1_ratio):
    X, y = sparse_problem
    sw = make_weights(len(y)) if weighted else None
    Xk = to_container(X, container)
    am = penalized.alpha_max(Xk, y, l1_ratio=l1_ratio, sample_weight=sw,
                             fit_intercept=fit_intercept)
    assert_allclose(am, hand_alpha_max(X, y, l1_ratio, sw, fit_intercept), rtol=1e-10)
    est = ElasticNet(am * (1 + 1e-9), l1_ratio=l1_ratio, fit_intercept=fit_intercept)
    est.fit(Xk, y, sample_weight=sw)
    assert_array_equal(est.coef_, 0.0)
    if fit_intercept:
        s = _weights(sw, len(y))
        assert_allclose(est.intercept_, s @ y / s.sum(), rtol=1e-12)
    below = ElasticNet(am * 0.99, l1_ratio=l1_ratio, fit_intercept=fit_intercept, **TIGHT)
    below.fit(Xk, y, sample_weight=sw)
    assert np.count_nonzero(below.coef_) >= 1
    far = ElasticNet(10 * am, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
    assert_array_equal(far.fit(Xk, y, sample_weight=sw).coef_, 0.0)


def test_alpha_max_positive(problem):
    X, y = problem
    am = penalized.alpha_max(X, y, positive=True)
    Xc, yc, _, _, S = _center(X, y, None, True)
    assert_allclose(am, np.max(np.maximum(Xc.T @ yc / S, 0.0)), rtol=1e-10)
    assert am <= penalized.alpha_max(X, y)
    assert_array_equal(Lasso(am, positive=True).fit(X, y).coef_, 0.0)
    assert np.count_nonzero(Lasso(0.99 * am, positive=True, **TIGHT).fit(X, y).coef_) >= 1


def test_lasso_at_exactly_alpha_max_is_zero(problem):
    X, y = problem
    am = penalized.alpha_max(X, y)
    assert_array_equal(Lasso(am).fit(X, y).coef_, 0.0)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_alpha_max_with_penalty_factor(problem, container, weighted):
    X, y = problem
    p = X.shape[1]
    sw = make_weights(len(y)) if weighted else None
    pf = np.random.default_rng(3).uniform(0.5, 2.0, p)
    pf[[1, 5]] = 0.0  # unpenalized features
    Xk = to_container(X, container)
    am = penalized.alpha_max(Xk, y, sample_weight=sw, penalty_factor=pf)
    assert_allclose(am, hand_alpha_max(X, y, 1.0, sw, True, pf), rtol=1e-8)
    at = Lasso(am * (1 + 1e-9), penalty_factor=pf, **TIGHT).fit(Xk, y, sample_weight=sw)
    assert_array_equal(at.coef_[pf > 0], 0.0)
    assert np.all(at.coef_[pf == 0] != 0)
    below = Lasso(am * 0.99, penalty_factor=pf, **TIGHT).fit(Xk, y, sample_weight=sw)
    assert np.count_nonzero(below.coef_[pf > 0]) >= 1


# --------------------------------------------------------------------------------------
# dtype, warm start, convergence warning, verbose
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("est", [Lasso(0.05), ElasticNet(0.05), Ridge(0.5),
                                 Lasso(0.05, lower_bounds=-0.5, upper_bounds=0.5)],
                         ids=["lasso", "enet", "ridge", "lasso_bounds"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(problem, container, est, dtype):
    X, y = problem
    X32, y32 = X.astype(dtype), y.astype(dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    fitted = clone(est).set_params(tol=tol).fit(to_container(X32, container), y32)
    assert fitted.coef_.dtype == dtype
    ref = clone(est).set_params(tol=1e-10).fit(X, y)
    atol = solution_atol(X, y, tol=tol, alpha=_alpha(est, None, len(y)), l1_ratio=_l1(est))
    if dtype == np.float32:
        atol += 1e-3 * np.abs(ref.coef_).max()
    assert_allclose(fitted.coef_, ref.coef_, rtol=0, atol=atol)
    assert_allclose(fitted.intercept_, ref.intercept_, rtol=0, atol=atol * (1 + np.abs(X).max()))
    assert np.all(np.isfinite(fitted.predict(to_container(X32, container))))


@pytest.mark.parametrize("est", [Lasso(0.05), Ridge(0.5)],
                         ids=["lasso", "ridge"])
def test_integer_X_is_converted_to_float64(est):
    X = np.random.default_rng(0).integers(-5, 6, size=(40, 4))
    y = X @ np.array([1.0, -1.0, 0.0, 2.0]) + 0.5
    fitted = clone(est).fit(X, y)
    assert fitted.coef_.dtype == np.float64
    assert_allclose(fitted.coef_, clone(est).fit(X.astype(float), y).coef_)


@pytest.mark.parametrize("est_cls", [Lasso, ElasticNet])
def test_warm_start_reuses_coef(problem, est_cls):
    X, y = problem
    alpha = 0.01 * hand_alpha_max(X, y)
    cold = est_cls(alpha, tol=1e-10, max_iter=100_000).fit(X, y)
    assert cold.n_iter_ >= 2  # (epochs and support Newton steps)
    warm = est_cls(alpha, tol=1e-10, max_iter=100_000, warm_start=True).fit(X, y)
    n_first = warm.n_iter_
    warm.fit(X, y)  # starts from the solution: converges (almost) immediately
    assert warm.n_iter_ < n_first and warm.n_iter_ <= 2
    atol = solution_atol(X, y, tol=1e-10, alpha=alpha, l1_ratio=_l1(cold))
    assert_allclose(warm.coef_, cold.coef_, rtol=0, atol=atol)
    # Without warm_start, a refit starts from scratch.
    cold.fit(X, y)
    assert cold.n_iter_ == n_first
    # Warm start along a path gives the same solution as a cold start.
    warm.set_params(alpha=2 * alpha).fit(X, y)
    ref = est_cls(2 * alpha, tol=1e-10, max_iter=100_000).fit(X, y)
    assert_allclose(warm.coef_, ref.coef_, rtol=0, atol=atol)
    # The starting point is coef_ as stored on the estimator: starting from the solution,
    # two epochs are enough (they would not be from zero).
    one = est_cls(5 * alpha, warm_start=True).fit(X, y)
    one.coef_ = cold.coef_.copy()
    one.set_params(alpha=alpha, tol=1e-10, max_iter=2).fit(X, y)
    assert_allclose(one.coef_, cold.coef_, rtol=0, atol=atol)
    with pytest.warns(ConvergenceWarning):  # one epoch from zero is not enough
        est_cls(alpha, tol=1e-10, max_iter=1).fit(X, y)


@pytest.mark.parametrize("est_cls", [Lasso, ElasticNet])
def test_convergence_warning_mentions_gap_and_tol(est_cls):
    X, y = make_problem(100, 20, seed=1, correlated=True)
    est = est_cls(1e-4 * hand_alpha_max(X, y), tol=1e-12, max_iter=1)
    with pytest.warns(ConvergenceWarning) as record:
        est.fit(X, y)
    msg = " ".join(str(w.message) for w in record if issubclass(w.category, ConvergenceWarning))
    assert "gap" in msg.lower() and "tol" in msg.lower(), msg
    assert est.n_iter_ == 1
    gap, yvar = lasso_gap(X, y, est.coef_, est.alpha) if est_cls is Lasso else (None, None)
    if gap is not None:
        assert gap > 1e-12 * yvar


def test_no_warning_when_converged(problem):
    X, y = problem
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Lasso(0.05).fit(X, y)
        ElasticNet(0.05).fit(X, y)
        Ridge(0.05).fit(X, y)


def test_verbose_does_not_change_result(problem, capsys):
    X, y = problem
    a = Lasso(0.05, verbose=1).fit(X, y)
    b = Lasso(0.05).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)


# --------------------------------------------------------------------------------------
# Degenerate inputs
# --------------------------------------------------------------------------------------
ALL_ESTIMATORS = [Lasso(0.1), ElasticNet(0.1, l1_ratio=0.5), Ridge(0.1)]
ALL_IDS = ["lasso", "enet", "ridge"]


@pytest.mark.parametrize("est", ALL_ESTIMATORS, ids=ALL_IDS)
@pytest.mark.parametrize("value", [1.7, 0.0, -3e5])
def test_constant_y(problem, container, est, value):
    X, _ = problem
    y = np.full(X.shape[0], value)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fitted = clone(est).fit(to_container(X, container), y)
    assert_allclose(fitted.coef_, 0.0, atol=1e-12 * (1 + abs(value)))
    if not isinstance(est, Ridge):
        assert_array_equal(fitted.coef_, 0.0)
    assert_allclose(fitted.intercept_, value, rtol=1e-12, atol=1e-12)
    sw = make_weights(X.shape[0])
    fitted = clone(est).fit(to_container(X, container), y, sample_weight=sw)
    assert_allclose(fitted.intercept_, value, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("est", ALL_ESTIMATORS, ids=ALL_IDS)
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
def test_zero_variance_and_all_zero_columns(problem, container, est, fit_intercept):
    X, y = problem
    X = X.copy()
    X[:, 2] = 0.0  # all-zero column
    if fit_intercept:
        X[:, 5] = 3.25  # constant column: absorbed by the intercept
    est = clone(est).set_params(fit_intercept=fit_intercept, tol=1e-10, max_iter=100_000)
    fitted = est.fit(to_container(X, container), y)
    assert np.all(np.isfinite(fitted.coef_))
    assert fitted.coef_[2] == 0.0
    if fit_intercept:
        assert abs(fitted.coef_[5]) <= 1e-10
    assert_kkt(fitted, X, y)


@pytest.mark.parametrize("est", ALL_ESTIMATORS, ids=ALL_IDS)
@pytest.mark.parametrize("fmt", ["dense", "csc", "csr"])
@pytest.mark.parametrize("p", [1, 3])
def test_all_zero_X(est, fmt, p):
    # e.g. a cross-validation fold of a very sparse design without any stored entry
    X = to_container(np.zeros((5, p)), fmt)
    y = np.array([1.0, 2.0, 4.0, -1.0, 0.5])
    fitted = clone(est).fit(X, y)
    assert_array_equal(fitted.coef_, 0.0)
    assert_allclose(fitted.intercept_, y.mean(), rtol=1e-12)
    noicpt = clone(est).set_params(fit_intercept=False).fit(X, y)
    assert_array_equal(noicpt.coef_, 0.0)
    assert noicpt.intercept_ == 0.0


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
def test_duplicated_columns_get_equal_enet_coefs(problem, container, fit_intercept):
    X, y = problem
    j = np.argmax(np.abs(Ridge(0.05).fit(X, y).coef_))  # an informative column
    X = np.column_stack([X, X[:, j], X[:, j]])
    alpha = 0.05
    est = ElasticNet(alpha, l1_ratio=0.5, fit_intercept=fit_intercept, **TIGHT)
    est.fit(to_container(X, container), y)
    w = est.coef_
    assert w[j] != 0
    # Strong convexity along the duplicated block comes from the l2 term alone.
    atol = 3 * np.sqrt(2 * 1e-12 * y_variance(y, None, fit_intercept) / (alpha * 0.5))
    assert_allclose(w[-2:], w[j], rtol=0, atol=atol)
    assert_kkt(est, X, y)
    ridge = Ridge(alpha, fit_intercept=fit_intercept).fit(to_container(X, container), y)
    assert_allclose(ridge.coef_[-2:], ridge.coef_[j], rtol=1e-8)


@pytest.mark.parametrize("est", ALL_ESTIMATORS, ids=ALL_IDS)
def test_single_sample(est):
    X, y = np.array([[1.0, -2.0, 0.5]]), np.array([4.0])
    fitted = clone(est).fit(X, y)
    assert_array_equal(fitted.coef_, 0.0)
    assert fitted.intercept_ == pytest.approx(4.0)
    assert_allclose(fitted.predict(X), y)
    noicpt = clone(est).set_params(fit_intercept=False, tol=1e-10, max_iter=10_000).fit(X, y)
    assert_kkt(noicpt, X, y)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4, 0.0])
def test_single_feature_closed_form(container, l1_ratio, fit_intercept, weighted):
    X, y = make_problem(40, 1, seed=5, density=0.6)
    sw = make_weights(40) if weighted else None
    Xc, yc, xm, ym, S = _center(X, y, sw, fit_intercept)
    s = _weights(sw, 40)
    z, nrm = Xc[:, 0] @ (s * yc) / S, Xc[:, 0] @ (s * Xc[:, 0]) / S
    alpha = 0.3 * abs(z)
    w = np.sign(z) * max(abs(z) - alpha * l1_ratio, 0.0) / (nrm + alpha * (1 - l1_ratio))
    if l1_ratio == 1.0:
        est = Lasso(alpha, fit_intercept=fit_intercept, **TIGHT)
    elif l1_ratio == 0.0:
        est = Ridge(sk_alpha(alpha, sw, 40), fit_intercept=fit_intercept, **TIGHT)
    else:
        est = ElasticNet(alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, **TIGHT)
    est.fit(to_container(X, container), y, sample_weight=sw)
    assert_allclose(est.coef_, [w], rtol=1e-9)
    assert_allclose(est.intercept_, ym - xm[0] * w, rtol=1e-9, atol=1e-12)


def test_ols_when_all_penalty_factors_are_zero(problem):
    X, y = problem
    est = Lasso(1.0, penalty_factor=np.zeros(X.shape[1]), **TIGHT).fit(X, y)
    A = np.column_stack([X, np.ones(len(y))])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    assert_allclose(est.coef_, sol[:-1], rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------------------
# scikit-learn integration
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("est", ALL_ESTIMATORS, ids=ALL_IDS)
def test_clone_and_params(est):
    c = clone(est)
    assert c is not est and c.get_params() == est.get_params()
    assert not hasattr(c, "coef_")


def test_constructor_signature():
    # alpha may be positional; everything else is keyword-only.
    assert Lasso(0.5).alpha == 0.5
    with pytest.raises(TypeError):
        Lasso(0.5, True)
    with pytest.raises(TypeError):
        ElasticNet(0.5, 0.3)
    defaults = Lasso().get_params()
    # scikit-learn's parameters with scikit-learn's defaults, then penalized's own
    sk = {k: v for k, v in sklm.Lasso().get_params().items()}
    own = dict(penalty_factor=None, lower_bounds=None, upper_bounds=None, standardize=False,
               verbose=0)
    assert defaults == dict(sk, **own)
    assert ElasticNet().get_params() == dict(sklm.ElasticNet().get_params(), **own)
    assert Ridge().get_params() == dict(sklm.Ridge().get_params(), **own, warm_start=False)


@pytest.mark.parametrize("est", ALL_ESTIMATORS, ids=ALL_IDS)
def test_pipeline_and_grid_search(problem, est):
    X, y = problem
    pipe = make_pipeline(StandardScaler(), clone(est))
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.5
    grid = GridSearchCV(clone(est), {"alpha": [0.01, 0.1, 1.0]}, cv=3).fit(X, y)
    assert grid.best_params_["alpha"] in (0.01, 0.1, 1.0)
    assert grid.best_estimator_.coef_.shape == (X.shape[1],)


def test_select_from_model(problem):
    X, y = problem
    sel = SelectFromModel(Lasso(0.3 * hand_alpha_max(X, y))).fit(X, y)
    Xt = sel.transform(X)
    nz = np.flatnonzero(sel.estimator_.coef_)
    assert 0 < Xt.shape[1] == nz.size < X.shape[1]
    assert_array_equal(Xt, X[:, nz])


def test_feature_names_in(problem):
    pd = pytest.importorskip("pandas")
    X, y = problem
    cols = [f"f{j}" for j in range(X.shape[1])]
    est = Lasso(0.05).fit(pd.DataFrame(X, columns=cols), y)
    assert list(est.feature_names_in_) == cols
    assert not hasattr(Lasso(0.05).fit(X, y), "feature_names_in_")


# --------------------------------------------------------------------------------------
# Property-based tests
# --------------------------------------------------------------------------------------
def _random_case(seed, n, p, sparse, offset=0.0):
    X, y = make_problem(n, p, seed=seed, density=0.5 if sparse else 1.0, n_informative=p)
    if offset:  # a column with a large mean (stresses implicit centering)
        y = y + offset * 0.5
        X[:, 0] += offset
    return (sp.csc_matrix(X) if sparse else X), X, y


# derandomized: the same 25 examples on every CI run (a random draw found the constant,
# unpenalized column case below, now an explicit example).
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)  # the same examples on every run (see the note above the first)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(3, 25),
    p=st.integers(1, 8),
    frac=st.floats(0.02, 1.5),
    l1_ratio=st.sampled_from([1.0, 0.8, 0.3, 0.05]),
    fit_intercept=st.booleans(),
    weighted=st.booleans(),
    bounded=st.booleans(),
    pf_kind=st.sampled_from(["none", "random", "with_zero"]),
    sparse=st.booleans(),
    offset=st.sampled_from([0.0, 0.0, 30.0, 1e3]),
)
# found by hypothesis: support Newton steps on a sparse Gram with a large-mean column
@example(seed=0, n=8, p=4, frac=0.375, l1_ratio=1.0, fit_intercept=True, weighted=False,
         bounded=False, pf_kind="with_zero", sparse=True, offset=1e3)
# found by hypothesis: column 0 constant (30) and unpenalized; its centered entries are
# rounding noise, which broke the dual point's projection (a negative gap at zero)
@example(seed=3, n=3, p=3, frac=1.0, l1_ratio=1.0, fit_intercept=True, weighted=True,
         bounded=False, pf_kind="with_zero", sparse=True, offset=30.0)
@example(seed=3, n=3, p=3, frac=0.8, l1_ratio=0.3, fit_intercept=True, weighted=True,
         bounded=True, pf_kind="with_zero", sparse=False, offset=30.0)
def test_property_kkt_holds(seed, n, p, frac, l1_ratio, fit_intercept, weighted, bounded,
                            pf_kind, sparse, offset):
    Xk, X, y = _random_case(seed, n, p, sparse, offset)
    rng = np.random.default_rng(seed)
    sw = rng.uniform(0.1, 2.0, n) if weighted else None
    pf = None
    if pf_kind != "none":
        pf = rng.uniform(0.2, 2.0, p)
        if pf_kind == "with_zero":
            pf[0] = 0.0
    Xc, yc, _, _, S = _center(X, y, sw, fit_intercept)
    scale = np.max(np.abs(Xc.T @ (_weights(sw, n) * yc))) / S
    alpha = frac * scale / l1_ratio + 1e-3
    kw = dict(fit_intercept=fit_intercept, penalty_factor=pf, tol=1e-12, max_iter=200_000)
    if bounded:
        kw.update(lower_bounds=-rng.uniform(0, 1, p), upper_bounds=rng.uniform(0, 1, p))
    est = ElasticNet(alpha, l1_ratio=l1_ratio, **kw).fit(Xk, y, sample_weight=sw)
    lo, up = _bounds(est, p)
    assert np.all(est.coef_ >= lo) and np.all(est.coef_ <= up)
    assert_kkt(est, X, y, sw)
    assert_reported_gap_ok(est, X, y, sw)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)  # the same examples on every run (see the note above the first)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(5, 30),
    p=st.integers(1, 10),
    frac=st.floats(0.05, 0.9),
    c=st.sampled_from([1e-3, 0.1, 7.0, 1e3]),
    fit_intercept=st.booleans(),
    sparse=st.booleans(),
)
def test_property_lasso_scale_equivariance(seed, n, p, frac, c, fit_intercept, sparse):
    Xk, X, y = _random_case(seed, n, p, sparse)
    Xc, yc, _, _, S = _center(X, y, None, fit_intercept)
    alpha = frac * np.max(np.abs(Xc.T @ yc)) / S + 1e-6
    kw = dict(fit_intercept=fit_intercept, tol=1e-12, max_iter=200_000)
    a = Lasso(alpha, **kw).fit(Xk, y)
    b = Lasso(alpha * c, **kw).fit(Xk, c * y)
    # Same objective up to the factor c^2 (and the gap tolerance scales alike): the scaled
    # solution must satisfy the optimality conditions of the scaled problem and vice versa.
    assert_kkt(a, X, y)
    assert_kkt(b, X, c * y)
    assert_reported_gap_ok(a, X, y)
    assert_reported_gap_ok(b, X, c * y)
    P_a = est_objective(a, X, y)
    P_b = est_objective(b, X, c * y) / c**2
    eps = 1e-12 * y_variance(y, None, fit_intercept)
    assert abs(P_a - P_b) <= 2 * eps + 1e-12 * P_a
    b_scaled = Lasso(alpha * c, **kw)
    b_scaled.coef_, b_scaled.intercept_ = c * a.coef_, c * a.intercept_
    assert_kkt(b_scaled, X, c * y)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)  # the same examples on every run (see the note above the first)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(3, 25),
    p=st.integers(1, 8),
    k=st.sampled_from([1e-3, 0.5, 4.0, 1e3]),
    l1_ratio=st.sampled_from([1.0, 0.5, 0.0]),
)
def test_property_sample_weight_scale_invariance(seed, n, p, k, l1_ratio):
    # The loss is normalized by S = sum(s): multiplying all weights by k changes nothing.
    _, X, y = _random_case(seed, n, p, False)
    sw = np.random.default_rng(seed).uniform(0.1, 2.0, n)
    est = ElasticNet(0.1, l1_ratio=l1_ratio, tol=1e-12, max_iter=200_000)
    a = clone(est).fit(X, y, sample_weight=sw)
    b = clone(est).fit(X, y, sample_weight=k * sw)
    assert_kkt(a, X, y, k * sw)  # a's solution is optimal for the scaled weights
    assert_kkt(b, X, y, sw)
    assert_reported_gap_ok(a, X, y, sw)
    assert_reported_gap_ok(b, X, y, k * sw)
    P_a, P_b = est_objective(a, X, y, sw), est_objective(b, X, y, sw)
    eps = 1e-12 * y_variance(y, sw)
    assert abs(P_a - P_b) <= 2 * eps + 1e-12 * P_a
