"""The Cox prox-Newton loop in one numba call (``penalized.solvers.kernels.cox``) against
the Python loop of the engine ``coupled_newton`` that it replaces, and the pieces it
brought: the radix-sorted risk-set order, the one-pass target check, the fast path of
X's validation."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

import penalized.solvers.coupled_newton as coupled
from penalized import CoxPH
from penalized.datafits import Cox
from penalized.datafits._cox_sums import cox_groups
from penalized.datafits.cox import survival_target
from penalized.penalties import ElasticNet
from penalized.solvers.design import Design


def _problem(n=120, p=30, seed=0, ties=True, strata=False):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)))
    eta = X[:, :4] @ np.array([0.8, -0.6, 0.4, 0.3])
    time = rng.exponential(np.exp(-eta))
    if ties:
        time = np.round(time, 1)  # many tied times, some at 0
    event = (rng.random(n) < 0.7).astype(float)
    event[0] = 1.0
    st = rng.integers(0, 3, n) if strata else None
    return X, survival_target(np.column_stack([time, event]), st)


def _solve(X, y, pen, *, kernel, s=None, offset=None, ties="breslow", weights="frequency",
           tol=1e-10, coef_init=None, max_iter=10_000, monkeypatch=None):
    monkeypatch.setattr(coupled, "_kernel_ok",
                        (lambda *a: kernel and _KERNEL_OK(*a)))
    return coupled.coupled_solve(Design(X, s, False), y, Cox(ties, weights),
                                 pen.arrays(X.shape[1]), offset=offset, tol=tol,
                                 max_iter=max_iter, coef_init=coef_init)


_KERNEL_OK = coupled._kernel_ok


@pytest.mark.parametrize("ties,weights", [("breslow", "frequency"), ("efron", "frequency"),
                                          ("efron", "survival")])
@pytest.mark.parametrize("strata", [False, True])
@pytest.mark.parametrize("case", ["plain", "weights_offset", "bounds_factors", "warm"])
def test_kernel_equals_the_python_loop(ties, weights, strata, case, monkeypatch):
    X, y = _problem(strata=strata, seed=3)
    n, p = X.shape
    rng = np.random.default_rng(5)
    s = offset = coef_init = None
    kw = {}
    if case == "weights_offset":
        s = rng.integers(1, 4, n).astype(float)
        offset = 0.3 * rng.standard_normal(n)
    if case == "bounds_factors":
        kw = dict(penalty_factor=rng.uniform(0.5, 2.0, p), lower_bounds=np.full(p, -0.2),
                  upper_bounds=np.full(p, 0.5))
    if case == "warm":
        coef_init = 0.05 * rng.standard_normal(p)
    pen = ElasticNet(0.02, 0.7, **kw)
    a = _solve(X, y, pen, kernel=True, s=s, offset=offset, ties=ties, weights=weights,
               coef_init=coef_init, monkeypatch=monkeypatch)
    b = _solve(X, y, pen, kernel=False, s=s, offset=offset, ties=ties, weights=weights,
               coef_init=coef_init, monkeypatch=monkeypatch)
    assert a.converged and b.converged
    assert len(a.history) == 1 < len(b.history)  # (one kernel call; the Python steps)
    # the kernel's predictor, kept up to date along its steps, is X w + offset
    np.testing.assert_allclose(a.eta, X @ a.coef + (0.0 if offset is None else offset),
                               rtol=0, atol=1e-10)
    assert b.eta is None
    assert a.engine == b.engine == "coupled_newton"
    # the same objective, each certified by its own recomputed gap
    assert abs(a.primal - b.primal) <= 1e-9 * abs(b.primal)
    np.testing.assert_allclose(a.coef, b.coef, atol=1e-6)
    assert a.dual_gap <= a.tol_gap and abs(a.tol_gap - b.tol_gap) <= 1e-12 * b.tol_gap
    if case == "bounds_factors":
        assert np.all(a.coef >= -0.2 - 1e-12) and np.all(a.coef <= 0.5 + 1e-12)


def test_kernel_gap_is_the_certificate_recomputed_by_hand(monkeypatch):
    """The gap the kernel reports equals the engine's glm_gap at its coefficients."""
    from penalized.solvers.certificate import glm_gap

    X, y = _problem(seed=7)
    pen = ElasticNet(0.03, 1.0).arrays(X.shape[1])
    monkeypatch.setattr(coupled, "_kernel_ok", _KERNEL_OK)
    design = Design(X, None, False)
    res = coupled.coupled_solve(design, y, Cox(), pen, tol=1e-3)
    loss = Cox().bind(y, design.s)
    eta = X @ res.coef
    gap, primal, _, _, _ = glm_gap(design, y, loss, res.coef, 0.0, eta, pen,
                                   pen.unpenalized, np.zeros(X.shape[0]),
                                   lambda u: X.T @ u)
    assert res.converged and gap <= res.tol_gap
    assert abs(gap - res.dual_gap) <= 1e-9 * max(res.tol_gap, 1e-12)
    assert abs(primal - res.primal) <= 1e-12 * abs(primal)


def test_a_working_set_too_wide_for_the_kernel_goes_back_to_python(monkeypatch):
    """max_block below the first working set: the kernel hands the step to the Python
    loop (diagonal model), which finishes the fit to the same optimum."""
    X, y = _problem(seed=2)
    pen = ElasticNet(0.01, 1.0)
    ref = _solve(X, y, pen, kernel=True, monkeypatch=monkeypatch)
    monkeypatch.setattr(coupled, "_MAX_BLOCK", 3)
    res = coupled.coupled_solve(Design(X, None, False), y, Cox(), pen.arrays(X.shape[1]),
                                tol=1e-7, max_iter=100_000)
    assert res.converged and len(res.history) > 2  # (the kernel's, then Python's steps)
    assert res.primal - ref.primal <= 1e-7 * (Cox().tol_scale(y, None, 0.0, False))


def test_kernel_stopped_short_warns_with_gap_and_tol():
    X, y = _problem(seed=4)
    with pytest.warns(ConvergenceWarning, match=r"gap|tol"):
        est = CoxPH(alpha=0.01, tol=1e-12, max_iter=1).fit(X, y)
    assert est.n_iter_ == 1 and est.dual_gap_ > 0
    assert np.all(np.isfinite(est.coef_))


def test_estimator_uses_the_kernel_and_matches_the_python_loop(monkeypatch):
    X, y = _problem(seed=9, strata=True)
    yy = np.column_stack([y[:, 0], y[:, 1]])
    strata = y[:, 2]
    a = CoxPH(alpha=0.02, l1_ratio=0.5, ties="efron", tol=1e-10).fit(X, yy, strata=strata)
    monkeypatch.setattr(coupled, "_kernel_ok", lambda *args: False)
    b = CoxPH(alpha=0.02, l1_ratio=0.5, ties="efron", tol=1e-10).fit(X, yy, strata=strata)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    assert a.score(X, yy) == pytest.approx(b.score(X, yy))


@pytest.mark.parametrize("seed", range(40))
def test_risk_set_order_is_lexsorts(seed):
    """cox_groups' radix order is np.lexsort((-time, stratum)) exactly (stable), with
    its groups of equal (stratum, time) and strata."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 90))
    scale = rng.choice([1.0, 0.37, 1e-300, 1e300, 3e-310])  # subnormal and huge times
    time = rng.integers(0, 8, n).astype(float) * scale
    if seed % 3 == 0:
        time = rng.exponential(2.0, n)
    if seed % 4 == 0:
        time[rng.integers(0, n)] = -0.0  # sorts as 0.0
    st = rng.integers(0, int(rng.integers(1, 4)), n).astype(float)
    ev = rng.integers(0, 2, n).astype(float)
    s = rng.random(n)
    order = np.lexsort((-time, st))
    ts, sts = time[order], st[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (ts[1:] != ts[:-1]) | (sts[1:] != sts[:-1])
    starts = np.flatnonzero(new)
    gst = sts[starts]
    new_st = np.ones(starts.size, dtype=bool)
    new_st[1:] = gst[1:] != gst[:-1]
    o, ss, d, gptr, sptr = cox_groups(time, ev, st, s)
    np.testing.assert_array_equal(o, order)
    np.testing.assert_array_equal(gptr, np.append(starts, n))
    np.testing.assert_array_equal(sptr, np.append(np.flatnonzero(new_st), starts.size))
    np.testing.assert_array_equal(ss, s[order])
    np.testing.assert_array_equal(d, ev[order])


@pytest.mark.parametrize("time,event,match", [
    ([1.0, np.nan, 2.0], [1, 0, 1], "finite"),
    ([1.0, np.inf, 2.0], [1, 0, 1], "finite"),
    ([1.0, -0.5, 2.0], [1, 0, 1], "negative"),
    ([1.0, 2.0, 3.0], [1, 2, 0], "0 or 1"),
    ([1.0, 2.0, 3.0], [1, np.nan, 0], "0 or 1"),
    ([1.0, 2.0, 3.0], [0, 0, 0], "no event"),
])
def test_survival_target_errors_name_the_problem(time, event, match):
    with pytest.raises(ValueError, match=match):
        survival_target(np.column_stack([time, event]))
    assert survival_target(np.column_stack([[1.0, 2.0, -0.0], [1, 0, 1]]))[2, 0] == 0.0


def test_fast_validation_of_X_has_scikit_learns_effects():
    X, y = _problem(n=60, p=5, seed=1)
    yy = np.column_stack([y[:, 0], y[:, 1]])
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(5)])
    est = CoxPH(alpha=0.01).fit(frame, yy)
    assert list(est.feature_names_in_) == [f"f{j}" for j in range(5)]
    est.fit(X, yy)  # an F-ordered float64 array: the fast path
    assert not hasattr(est, "feature_names_in_") and est.n_features_in_ == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.predict(X)
    # the others go through scikit-learn's checks (and their messages)
    est.fit(np.ascontiguousarray(X[:, :3]), yy)
    assert est.n_features_in_ == 3
    with pytest.raises(ValueError, match="0 sample"):
        CoxPH().fit(np.empty((0, 3), order="F"), yy[:0])
    with pytest.raises(ValueError, match="0 feature"):
        CoxPH().fit(np.empty((60, 0), order="F"), yy)


@pytest.mark.parametrize("kernel", [True, False])
def test_an_offset_beyond_exps_range_is_a_clear_error(kernel, monkeypatch):
    """An offset spreading eta over more than ~700: the loss at the offset is not
    representable. A ValueError naming the offset (it was a ZeroDivisionError)."""
    X, y = _problem(n=50, p=8, seed=6)
    offset = np.zeros(50)
    offset[np.argmin(y[:, 0])] = 1e3  # the shortest time: every other risk set underflows
    if not kernel:
        monkeypatch.setattr(coupled, "_kernel_ok", lambda *args: False)
    yy = np.column_stack([y[:, 0], y[:, 1]])
    with pytest.raises(ValueError, match="offset"):
        CoxPH(alpha=0.01).fit(X, yy, offset=offset)


@pytest.mark.parametrize("kernel", [True, False])
def test_a_warm_start_beyond_exps_range_restarts_from_zero(kernel, monkeypatch):
    X, y = _problem(n=60, p=6, seed=8)
    pen = ElasticNet(0.02, 1.0)
    ref = _solve(X, y, pen, kernel=kernel, monkeypatch=monkeypatch)
    bad = np.zeros(6)
    bad[0] = 1e4  # eta spread of about 1e4
    res = _solve(X, y, pen, kernel=kernel, coef_init=bad, monkeypatch=monkeypatch)
    assert res.converged and np.all(np.isfinite(res.coef))
    assert abs(res.primal - ref.primal) <= 1e-9 * abs(ref.primal)
