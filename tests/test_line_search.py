"""The step rules shared by the Newton engines (penalized.solvers.line_search): Armijo
backtracking, the rounding level of the objective, and the steps below it judged by the
duality gap at the point they reach."""

import warnings

import numpy as np
import pytest

import penalized.solvers.group_newton as group_newton
import penalized.solvers.prox_newton as prox_newton
from penalized import solve
from penalized.datafits import Logistic
from penalized.paths import _mix, unit_penalty
from penalized.penalties import GroupLasso
from penalized.solvers.design import Design
from penalized.solvers.line_search import ARMIJO, RoundingSteps, backtrack, below_rounding


def test_backtrack_returns_the_first_halving_that_passes_armijo():
    # f(t) = (t - 0.2)^2 from f(0) = 0.04 with slope -0.4: t = 1 and 1/2 fail, 1/4 passes
    f = lambda t: (t - 0.2) ** 2  # noqa: E731
    t = backtrack(f, 0.04, -0.4)
    assert t == 0.25
    assert f(t) <= 0.04 + ARMIJO * t * -0.4 and not f(0.5) <= 0.04 + ARMIJO * 0.5 * -0.4
    # a direction that never decreases: no step
    assert backtrack(lambda t: 1.0 + t, 1.0, -1.0) is None
    # majorization: any decrease
    assert backtrack(lambda t: 1.0 - 1e-12 * t, 1.0, -1.0, majorize=True) == 1.0


def test_below_rounding_is_relative_to_the_objective():
    assert below_rounding(-1e-16, 1.0) and not below_rounding(-1e-13, 1.0)
    assert below_rounding(-1e-13, 1e4) and not below_rounding(-1e-13, 1e-4)
    assert not below_rounding(-1e-7, 1.0, eps=float(np.finfo(np.float64).eps))
    assert below_rounding(-1e-7, 1.0, eps=float(np.finfo(np.float32).eps))


def test_rounding_steps_are_judged_by_the_gap_they_reach():
    r = RoundingSteps()
    assert not r.take(1e-8, 1e-8)  # the gap must shrink
    assert not r.take(1e-8, 2e-8)
    assert r.take(9.8e-9, 1.19e-9)
    # the sequence that stalled when the rule looked at the gap before the step: from
    # 7.4e-10 (not under half of 1.19e-9) a step to 1.2e-10 is taken
    assert r.take(7.4e-10, 1.2e-10)
    # a smaller gap, but not under half the one the last trusted step reached: refused
    # (the caller solves its model more accurately)
    assert not r.take(1.1e-10, 0.9e-10)
    assert r.take(1.1e-10, 0.5e-10)


def test_rounding_steps_cannot_cycle():
    # steps that each shrink the gap from where they start, undone in between by ordinary
    # steps that raise it again: taken at most log2(first / last) times
    r = RoundingSteps()
    assert sum(r.take(1e-6, 0.9e-6) for _ in range(10000)) == 1
    r = RoundingSteps()
    reached = 0.9e-6 * 0.99 ** np.arange(3000)
    taken = sum(r.take(1e-6, g) for g in reached)
    assert 1 <= taken <= np.log2(reached[0] / reached[-1]) + 1


def _problem(seed=0, n=60, p=30):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n, p)) + 0.5)
    y = (rng.random(n) < 1 / (1 + np.exp(-X[:, :4] @ [1.5, -2.0, 1.0, 0.5]))).astype(float)
    return X, y


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_prox_newton_certifies_with_steps_judged_by_the_gap_alone(fit_intercept, monkeypatch):
    """Every step treated as below the objective's rounding level (as near the optimum at
    a tight tol, where only the gap still measures progress): the solve still reaches its
    certificate, at the optimum of the ordinary solve."""
    X, y = _problem()
    design = Design(X, None, fit_intercept)
    pen = _mix(unit_penalty(X.shape[1], None, None, None), 1.0).scaled(0.02, 0.02)
    ref = prox_newton.glm_solve(design, y, Logistic(), pen, tol=1e-12, max_iter=100000)
    monkeypatch.setattr(prox_newton, "below_rounding", lambda *a, **k: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = prox_newton.glm_solve(design, y, Logistic(), pen, tol=1e-10, max_iter=100000)
    assert ref.converged and res.converged
    assert res.dual_gap <= res.tol_gap
    np.testing.assert_allclose(res.coef, ref.coef, atol=1e-6)
    assert abs(res.primal - ref.primal) <= 1e-10 * abs(ref.primal) + res.tol_gap
    # the predictor passed on from round to round is the one at the returned coefficients
    for r in (ref, res):
        np.testing.assert_allclose(r.eta, X @ r.coef + r.intercept, rtol=1e-12, atol=1e-12)


def test_group_newton_certifies_with_steps_judged_by_the_gap_alone(monkeypatch):
    X, y = _problem(seed=3)
    kw = dict(tol=1e-10, max_iter=100000)
    ref = solve(X, y, Logistic(), GroupLasso(3, alpha=0.02), **kw)
    assert ref.engine == "group_newton"
    monkeypatch.setattr(group_newton, "below_rounding", lambda *a, **k: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = solve(X, y, Logistic(), GroupLasso(3, alpha=0.02), **kw)
    assert ref.converged and res.converged and res.dual_gap <= res.tol_gap
    np.testing.assert_allclose(res.coef, ref.coef, atol=1e-6)
    assert abs(res.primal - ref.primal) <= 1e-10 * abs(ref.primal) + res.tol_gap
