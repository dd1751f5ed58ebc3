"""The logistic path kernel (penalized.solvers.kernels.logistic_path) against the Python
path of glm_solve fits, and its certificate recomputed independently."""


import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

import penalized
import penalized.paths as paths_mod
import penalized.solvers.logistic_path as driver
from penalized.datafits import Binomial, Logistic
from penalized.paths import _mix, unit_penalty
from penalized.solvers.certificate import glm_gap
from penalized.solvers.design import Design
from penalized.solvers.engine import logistic_path_ok


def _data(n=60, p=30, seed=0, sparse=False, proportions=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 3] = X[:, 2] + 0.1 * rng.standard_normal(n)  # correlated columns
    X += 0.5  # non-zero means: the intercept matters
    if sparse:
        X[rng.random((n, p)) < 0.6] = 0.0
        X = sp.csc_matrix(X)
    else:
        X = np.asfortranarray(X)
    eta = np.asarray(X[:, :4] @ np.array([1.5, -2.0, 1.0, 0.5])).ravel() - 0.3
    prob = 1.0 / (1.0 + np.exp(-eta))
    y = prob if proportions else (rng.random(n) < prob).astype(float)
    return X, y


def _python_path(monkeypatch, *args, **kw):
    with monkeypatch.context() as m:
        m.setattr(paths_mod, "logistic_path_ok", lambda *a: False)
        return penalized.path(*args, **kw)


def _objective(X, y, w, b, alpha, l1_ratio, pf, sw, offset):
    eta = np.asarray(X @ w).ravel() + b + offset
    s = np.ones(y.size) if sw is None else sw
    loss = np.sum(s * (np.logaddexp(0.0, eta) - y * eta)) / np.sum(s)
    return loss + alpha * np.sum(pf * (l1_ratio * np.abs(w) + 0.5 * (1 - l1_ratio) * w * w))


CASES = [
    dict(),
    dict(sparse=True),
    dict(fit_intercept=False),
    dict(sparse=True, fit_intercept=False),
    dict(l1_ratio=0.5),
    dict(weights=True),
    dict(offset=True),
    dict(penalty_factor=True, bounds=True),
    dict(sparse=True, weights=True, offset=True, l1_ratio=0.3),
    dict(proportions=True),
    dict(weights="some zero", sparse=True),
    dict(positive=True, l1_ratio=0.7),
]


def _ids(case):
    return "-".join(f"{k}={v}" for k, v in case.items()) or "plain"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_kernel_path_matches_the_python_path(case, monkeypatch):
    sparse = case.get("sparse", False)
    X, y = _data(sparse=sparse, proportions=case.get("proportions", False))
    n, p = X.shape
    rng = np.random.default_rng(1)
    fit_intercept = case.get("fit_intercept", True)
    l1_ratio = case.get("l1_ratio", 1.0)
    sw = rng.uniform(0.2, 3.0, n) if case.get("weights") else None
    if case.get("weights") == "some zero":
        sw[::7] = 0.0
    offset = 0.3 * rng.standard_normal(n) if case.get("offset") else None
    pf = rng.uniform(0.5, 2.0, p) if case.get("penalty_factor") else None
    kw = dict(lower_bounds=-0.4, upper_bounds=np.full(p, 1.0)) if case.get("bounds") else {}
    if case.get("positive"):
        kw = dict(lower_bounds=0.0)
    datafit = Binomial() if case.get("proportions") else Logistic()
    common = dict(l1_ratio=l1_ratio, alphas=30, eps=1e-3, tol=1e-10, max_iter=100000,
                  fit_intercept=fit_intercept, sample_weight=sw, offset=offset,
                  penalty_factor=pf, **kw)
    design = Design(X, sw, fit_intercept)
    mix = _mix(unit_penalty(p, pf, kw.get("lower_bounds"), kw.get("upper_bounds")), l1_ratio)
    grid = np.geomspace(1.0, 1e-3, 30)
    assert logistic_path_ok(design, datafit, mix, y, grid, 0, -1)
    calls = []
    real = driver.logistic_path_fits

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(driver, "logistic_path_fits", spy)
    ours = penalized.path(X, y, datafit, **common)
    assert calls, "the kernel was not used"
    ref = _python_path(monkeypatch, X, y, datafit, **common)
    pfv = np.ones(p) if pf is None else pf
    off = np.zeros(n) if offset is None else offset
    scale = datafit.tol_scale(y, np.ones(n) if sw is None else sw, off, fit_intercept)
    assert np.all(ours.converged) and np.all(ref.converged)
    np.testing.assert_array_equal(ours.alphas, ref.alphas)
    lo = np.full(p, kw.get("lower_bounds", -np.inf))
    up = np.full(p, np.inf) if "upper_bounds" not in kw else np.full(p, 1.0)
    for i, alpha in enumerate(ours.alphas):
        w, b = ours.coef_at(i), float(ours.intercepts[i])
        assert np.all(w >= lo - 1e-15) and np.all(w <= up + 1e-15)
        if not fit_intercept:
            assert b == 0.0
        f_ours = _objective(X, y, w, b, alpha, l1_ratio, pfv, sw, off)
        f_ref = _objective(X, y, ref.coef_at(i), float(ref.intercepts[i]), alpha, l1_ratio,
                           pfv, sw, off)
        # both certified to 1e-10 of the scale: the same optimum
        assert abs(f_ours - f_ref) <= 2e-10 * scale
        # the gap recomputed by the Python certificate at the kernel's point
        pen = mix.scaled(alpha, alpha)
        eta = np.asarray(X @ w).ravel() + b + off
        gap = glm_gap(design, y, datafit, w, b, eta, pen, pen.unpenalized, off,
                      design.rmatvec)[0]
        assert gap <= 1e-10 * scale * 1.001 + 1e-15
        assert ours.dual_gaps[i] <= 1e-10 * scale * 1.001
    # the deviance explained from the kernel's losses, against the fits' own predictors
    own = paths_mod._dev_explained(design, y, datafit, None,
                                   (list(ours.coefs.toarray().T), ours.intercepts, offset))
    np.testing.assert_allclose(ours.dev_explained, own, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.dev_explained, ref.dev_explained, rtol=0, atol=1e-5)
    assert ours.n_steps is not None and np.all(ours.n_steps >= 0)
    assert np.all(ours.n_iters >= 1)


def test_kernel_not_used_where_it_does_not_apply():
    X, y = _data()
    design = Design(X, None, True)
    grid = np.geomspace(1.0, 1e-2, 5)
    mix = _mix(unit_penalty(X.shape[1]), 1.0)
    assert logistic_path_ok(design, Logistic(), mix, y, grid, 0, -1)
    # pure ridge, an unpenalized feature, verbose, random order, one class, float32
    assert not logistic_path_ok(design, Logistic(), _mix(unit_penalty(X.shape[1]), 0.0), y,
                                grid, 0, -1)
    pf = np.ones(X.shape[1])
    pf[0] = 0.0
    assert not logistic_path_ok(design, Logistic(), _mix(unit_penalty(X.shape[1], pf), 1.0),
                                y, grid, 0, -1)
    assert not logistic_path_ok(design, Logistic(), mix, y, grid, 1, -1)
    assert not logistic_path_ok(design, Logistic(), mix, y, grid, 0, 3)
    assert not logistic_path_ok(design, Logistic(), mix, np.zeros_like(y), grid, 0, -1)
    X32 = np.asfortranarray(X, dtype=np.float32)
    assert not logistic_path_ok(Design(X32, None, True), Logistic(), mix, y, grid, 0, -1)
    assert not logistic_path_ok(Design(np.ascontiguousarray(X), None, True), Logistic(), mix,
                                y, grid, 0, -1)


def test_one_class_falls_back_to_the_python_path():
    X, _ = _data()
    y = np.zeros(X.shape[0])  # no intercept is finite: the Python path's own handling
    res = penalized.path(X, y, Logistic(), alphas=5, tol=1e-8)
    assert np.all(res.converged)
    y[0] = 1.0  # both classes, the mean near 0: the kernel, certified
    res = penalized.path(X, y, Logistic(), alphas=10, tol=1e-8)
    assert np.all(res.converged)


def test_budget_warns_with_the_gap_and_tol():
    X, y = _data(n=200, p=40, seed=3)
    with pytest.warns(ConvergenceWarning, match=r"duality gap .* > tol"):
        res = penalized.path(X, y, Logistic(), alphas=np.geomspace(0.1, 1e-3, 4), tol=1e-12,
                             max_iter=2)
    assert not np.all(res.converged)
    assert np.all(res.n_iters <= 2 + 1)


def test_cv_uses_the_kernel_and_matches_the_python_path(monkeypatch):
    X, y = _data(n=120, p=50, seed=4)
    kw = dict(l1_ratios=(1.0,), Cs=8, cv=3, tol=1e-10, use_legacy_attributes=False,
              scoring="neg_log_loss")
    ours = penalized.LogisticRegressionCV(**kw).fit(X, y)
    with monkeypatch.context() as m:
        m.setattr(paths_mod, "logistic_path_ok", lambda *a: False)
        ref = penalized.LogisticRegressionCV(**kw).fit(X, y)
    # (the last Cs are nearly unpenalized: their test losses, up to 7.5, move with the
    # coefficients at the certificate's level)
    np.testing.assert_allclose(ours.scores_, ref.scores_, rtol=1e-6, atol=1e-8)
    assert ours.C_ == ref.C_
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)


def test_separable_data_at_a_tight_tol(monkeypatch):
    # nearly separable at tol 1e-14: steps below the rounding level, which the kernel may
    # hand back to the Python engine (its rounding safeguards); every fit certified, at the
    # Python path's objective
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((80, 20)))
    y = (X[:, 0] + 0.01 * rng.standard_normal(80) > 0).astype(float)
    kw = dict(alphas=30, eps=1e-4, tol=1e-14, max_iter=100000)
    res = penalized.path(X, y, Logistic(), **kw)
    assert np.all(res.converged)
    ref = _python_path(monkeypatch, X, y, Logistic(), **kw)
    for i, alpha in enumerate(res.alphas):
        args = (X, y)
        f = _objective(*args, res.coef_at(i), float(res.intercepts[i]), alpha, 1.0,
                       np.ones(20), None, np.zeros(80))
        f_ref = _objective(*args, ref.coef_at(i), float(ref.intercepts[i]), alpha, 1.0,
                           np.ones(20), None, np.zeros(80))
        assert abs(f - f_ref) <= 1e-12


def test_a_fit_handed_back_is_finished_by_the_python_engine(monkeypatch):
    # the kernel stops early at alpha 3 as if it could not finish it: the driver fits that
    # alpha with glm_solve from the kernel's point and resumes the kernel at alpha 4
    X, y = _data(n=80, p=25, seed=6)
    from penalized.solvers.kernels import logistic_path as kmod

    calls = {"kernel": [], "python": 0}
    real_kernel = kmod.logistic_path
    real_solve = driver.glm_solve

    def kernel(D, y, offset, pen_unit, pen, alphas, w, bias, *rest):
        start = rest[-4]
        calls["kernel"].append(start)
        if start == 0:
            done = real_kernel(D, y, offset, pen_unit, pen, alphas[:3], w, bias, *rest)
            assert done == 3
            return 3
        return real_kernel(D, y, offset, pen_unit, pen, alphas, w, bias, *rest)

    def solve(*a, **k):
        calls["python"] += 1
        assert k["coef_init"] is not None and k["intercept_init"] is not None
        return real_solve(*a, **k)

    monkeypatch.setattr(kmod, "logistic_path", kernel)
    monkeypatch.setattr(driver, "glm_solve", solve)
    kw = dict(alphas=12, eps=1e-2, tol=1e-10, max_iter=100000)
    res = penalized.path(X, y, Logistic(), **kw)
    assert calls == {"kernel": [0, 4], "python": 1}
    assert np.all(res.converged)
    ref = _python_path(monkeypatch, X, y, Logistic(), **kw)
    for i, alpha in enumerate(res.alphas):
        f = _objective(X, y, res.coef_at(i), float(res.intercepts[i]), alpha, 1.0,
                       np.ones(25), None, np.zeros(80))
        f_ref = _objective(X, y, ref.coef_at(i), float(ref.intercepts[i]), alpha, 1.0,
                           np.ones(25), None, np.zeros(80))
        assert abs(f - f_ref) <= 1e-10


@pytest.mark.parametrize("case", [dict(), dict(fit_intercept=False),
                                  dict(sparse=True, weights=True, l1_ratio=0.5)])
def test_a_loose_tol_still_moves_at_every_alpha(case):
    # at tol 1e-2 most alphas are certified at the last alpha's solution already; each
    # fit still moves (the path would move in stairs otherwise, its CV curve off by up to
    # the tolerance): to the path's linear extrapolation where that lowers the objective
    # (no Newton step: certified by the dual point that certified the start), else by a
    # Newton step; and every fit stays certified
    case = dict(case)
    X, y = _data(n=300, p=40, seed=7, sparse=case.pop("sparse", False))
    sw = (np.random.default_rng(3).uniform(0.2, 2.0, y.size) if case.pop("weights", False)
          else None)
    kw = dict(alphas=60, eps=1e-2, max_iter=100000, sample_weight=sw, **case)
    loose = penalized.path(X, y, Logistic(), tol=1e-2, **kw)
    exact = penalized.path(X, y, Logistic(), tol=1e-11, **kw)
    assert np.all(loose.converged)
    first = int(np.argmax(exact.df > 0))
    assert first >= 1
    l1 = kw.get("l1_ratio", 1.0)
    args = (X, y)
    rest = (l1, np.ones(40), sw, np.zeros(y.size))
    extrapolated = 0
    for i in range(first, loose.alphas.size):
        assert not np.array_equal(loose.coef_at(i), loose.coef_at(i - 1)), i
        if loose.n_steps[i] == 0:
            extrapolated += 1
            f = _objective(*args, loose.coef_at(i), float(loose.intercepts[i]),
                           loose.alphas[i], *rest)
            f_prev = _objective(*args, loose.coef_at(i - 1), float(loose.intercepts[i - 1]),
                                loose.alphas[i], *rest)
            assert f < f_prev, i
    assert extrapolated >= 5
    # the reported gaps bound the excess over the exact fits, which is below the tolerance
    # (relative to the null model's excess loss) and well below it on most fits
    s = np.ones(y.size) if sw is None else sw
    scale = Logistic().tol_scale(y, s, np.zeros(y.size), kw.get("fit_intercept", True))
    excess = []
    for i, alpha in enumerate(loose.alphas):
        f = _objective(*args, loose.coef_at(i), float(loose.intercepts[i]), alpha, *rest)
        f_ref = _objective(*args, exact.coef_at(i), float(exact.intercepts[i]), alpha, *rest)
        assert f >= f_ref - 1e-12
        # (plus 1% of the tolerance: the intercept's slack in the gap is taken at the fit's
        # own intercept, re-optimized only when that slack exceeds 1% of the tolerance)
        assert f - f_ref <= loose.dual_gaps[i] + 1e-4 * scale, i
        excess.append((f - f_ref) / scale)
    assert max(excess) <= 1e-2
    assert np.median(excess) <= 1e-3
