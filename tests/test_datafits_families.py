"""The datafits of the GLM-families issue (Gamma, Tweedie, Binomial, Cox): derivatives by
finite differences, conjugates as brute-force suprema, saturated losses as minima, the Cox
risk-set sums against a direct O(n^2) evaluation, its conjugate bound (exact at c = 1,
never below the conjugate) and its exact Hessian blocks."""

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

from penalized.datafits import Binomial, Cox, Gamma, Tweedie
from penalized.datafits.cox import survival_target

RNG = np.random.default_rng(0)


def _fd(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("datafit,y", [
    (Gamma(), np.array([0.3, 1.0, 2.5])),
    (Tweedie(1.5), np.array([0.0, 1.0, 2.5])),
    (Tweedie(1.0), np.array([0.0, 1.0, 4.0])),
    (Tweedie(2.0), np.array([0.3, 1.0, 2.5])),
    (Tweedie(3.0), np.array([0.3, 1.0, 2.5])),
    (Tweedie(0.0), np.array([-1.0, 1.0, 2.5])),
    (Tweedie(-0.5), np.array([-1.0, 1.0, 2.5])),
    (Binomial(), np.array([0.0, 0.3, 1.0])),
])
def test_derivatives_by_finite_differences(datafit, y):
    eta = np.array([-0.7, 0.2, 1.1])
    g, h = datafit.derivatives(y, eta)
    np.testing.assert_allclose(g, _fd(lambda e: datafit.loss(y, e), eta), rtol=1e-6, atol=1e-8)
    true_h = _fd(lambda e: datafit.grad(y, e), eta)
    if datafit.convex:
        np.testing.assert_allclose(h, true_h, rtol=1e-6, atol=1e-8)
    else:  # Fisher information mu^(2-p): positive, the expected l''
        p = datafit.power
        np.testing.assert_allclose(h, np.exp((2 - p) * eta), rtol=1e-12)
        assert np.all(h > 0)


@pytest.mark.parametrize("datafit,y", [
    (Gamma(), np.array([0.3, 1.0, 2.5])),
    (Tweedie(1.5), np.array([0.0, 0.5, 2.5])),
    (Tweedie(1.2), np.array([0.0, 0.5, 2.5])),
    (Binomial(), np.array([0.0, 0.3, 1.0])),
])
def test_conjugate_is_the_supremum(datafit, y):
    for yi in y:
        for c in (1.0, 0.6, 0.1):
            eta0 = 0.4
            u = c * datafit.grad(np.array([yi]), np.array([eta0]))[0]
            brute = -minimize_scalar(lambda t, u=u, yi=yi: -(u * t - datafit.loss(
                np.array([yi]), np.array([t]))[0]), bounds=(-40, 40), method="bounded",
                options=dict(xatol=1e-12)).fun
            got = datafit.conjugate_at(np.array([yi]), np.array([eta0]), np.array([u / c]), c)
            np.testing.assert_allclose(got[0], brute, rtol=1e-7, atol=1e-9)


def test_tweedie_conjugate_domain_edges_and_shapes():
    """y = 0: l*(u) = +inf for u < 0 and 0 at u = 0 (the infimum of l is 0 there); a far
    start (eta 30 from the root) still reaches the supremum; the shape of u is kept."""
    tw = Tweedie(1.5)
    got = tw.conjugate(np.array([0.0, 0.0, 2.0]), np.array([-1.0, 0.0, 0.5]))
    assert got[0] == np.inf and got[1] == 0.0
    brute = -minimize_scalar(lambda t: -(0.5 * t - tw.loss(np.array([2.0]), np.array([t]))[0]),
                             bounds=(-40, 40), method="bounded",
                             options=dict(xatol=1e-12)).fun
    np.testing.assert_allclose(got[2], brute, rtol=1e-9)
    far = tw.conjugate_at(np.array([2.0]), np.array([30.0]), np.array([0.5]), 1.0)
    np.testing.assert_allclose(far[0], brute, rtol=1e-9)
    assert tw.conjugate(np.full((3, 2), 1.0), np.full((3, 2), 0.2)).shape == (3, 2)


@pytest.mark.parametrize("datafit,y", [
    (Gamma(), np.array([0.3, 2.5])),
    (Tweedie(1.5), np.array([0.0, 2.5])),
    (Tweedie(3.0), np.array([0.3, 2.5])),
    (Tweedie(0.0), np.array([-1.0, 2.5])),
    (Tweedie(-1.0), np.array([-1.0, 2.5])),
    (Binomial(), np.array([0.0, 0.3])),
])
def test_saturated_is_the_minimum(datafit, y):
    for yi in y:
        best = minimize_scalar(lambda t, yi=yi: datafit.loss(np.array([yi]), np.array([t]))[0],
                               bounds=(-60, 10), method="bounded",
                               options=dict(xatol=1e-12)).fun
        np.testing.assert_allclose(datafit.saturated(np.array([yi]))[0], best, atol=1e-7)


def _tweedie_extremes(n=20000, seed=0):
    """y with zeros and values over 1e-5 ... 1e5, u over 1e-5 ... 1e5 of both signs (u >= 0
    where y = 0: the domain)."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.3, 0.0, rng.gamma(1.0, 2.0, n) * np.exp(rng.normal(0, 3, n)))
    u = rng.normal(0, 2, n) * np.exp(rng.normal(0, 2, n))
    u[y == 0] = np.abs(u[y == 0])
    return y, u


def test_tweedie_conjugate_closed_form_at_three_halves():
    """p = 3/2: l*(u) from the quadratic in e^(t/2), against the supremum of u t - l(t)
    computed with 40 digits at the same root, and against a bounded scalar maximization."""
    mp = pytest.importorskip("mpmath")
    from penalized.datafits._tweedie_conjugate import tweedie_conjugate

    y, u = _tweedie_extremes()
    got = tweedie_conjugate(y, u, np.zeros(y.size), 1.5)
    mp.mp.dps = 40
    rng = np.random.default_rng(1)
    for i in rng.choice(y.size, 300, replace=False):
        yi, ui = mp.mpf(float(y[i])), mp.mpf(float(u[i]))
        if yi == 0:
            want = 0 if ui == 0 else 2 * ui * (mp.log(ui) - 1)
        else:
            z = (ui + mp.sqrt(ui * ui + 4 * yi)) / 2
            want = 2 * ui * mp.log(z) - 2 * z - 2 * yi / z
        assert abs(got[i] - float(want)) <= 1e-13 * max(1.0, abs(float(want)))
    tw = Tweedie(1.5)
    for yi, ui in [(2.0, 0.5), (0.01, -3.0), (50.0, 40.0), (0.0, 2.0)]:
        brute = -minimize_scalar(lambda t, yi=yi, ui=ui: -(ui * t - tw.loss(np.array([yi]),
                                                                            np.array([t]))[0]),
                                 bounds=(-60, 60), method="bounded",
                                 options=dict(xatol=1e-12)).fun
        np.testing.assert_allclose(tw.conjugate(np.array([yi]), np.array([ui]))[0], brute,
                                   rtol=1e-9)


@pytest.mark.parametrize("t0", [0.0, 50.0, -50.0, 300.0, -300.0])
def test_tweedie_conjugate_iterations_reach_the_root_from_far(t0):
    """The safeguarded iterations (p != 3/2) from any start: finite and equal to the closed
    form next to them (p = 3/2 + 1e-13). A Halley step near a zero of its denominator used
    to jump ~1000 units and crawl back at 2 units a step: the iterations ran out and
    returned -1e208 (a duality gap of -inf); an overflowing e^((2-p) t) read as converged
    and returned -inf."""
    from penalized.datafits._tweedie_conjugate import tweedie_conjugate

    y, u = _tweedie_extremes()
    closed = tweedie_conjugate(y, u, np.zeros(y.size), 1.5)
    got = tweedie_conjugate(y, u, np.full(y.size, t0), 1.5 + 1e-13)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, closed, rtol=1e-9, atol=1e-9)
    for p in (1.1, 1.9):  # other powers: the value is the supremum (u t - l(t) <= it)
        val = tweedie_conjugate(y[:200], u[:200], np.full(200, t0), p)
        assert np.all(np.isfinite(val))
        tw = Tweedie(p)
        for t in (-5.0, 0.0, 5.0):
            below = u[:200] * t - tw.loss(y[:200], np.full(200, t))
            assert np.all(below <= val + 1e-9 * np.maximum(1, np.abs(val)))


def test_tweedie_rejects_powers_without_a_distribution():
    for p in (0.5, 0.999, np.nan, np.inf):
        with pytest.raises(ValueError, match="power"):
            Tweedie(p)


# ------------------------------------------------------------------------------- Cox
def _cox_data(n=14, ties=True, strata=True, seed=1):
    rng = np.random.default_rng(seed)
    t = rng.exponential(size=n)
    t = np.round(t, 1) if ties else t
    e = rng.integers(0, 2, n)
    e[:2] = 1
    st = rng.integers(0, 2, n) if strata else np.zeros(n)
    return survival_target(np.column_stack([t, e, st])), rng.uniform(0.5, 2.0, n)


def _cox_direct(y, s, eta, ties):
    """The partial likelihood from its definition, O(n^2); ``ties`` "breslow", "efron"
    (frequency weights) or "survival" (Efron, survival's weighting)."""
    t, d, st = y[:, 0], y[:, 1], y[:, 2]
    total = 0.0
    for (tt, ss) in {(a, b) for a, b in zip(t[d == 1], st[d == 1], strict=True)}:
        ev = (t == tt) & (st == ss) & (d == 1)
        risk = (t >= tt) & (st == ss)
        W = s[risk] @ np.exp(eta[risk])
        D = s[ev] @ np.exp(eta[ev])
        m, sw = int(ev.sum()), float(s[ev].sum())
        if ties == "survival":
            total += sum(sw / m * np.log(W - r / m * D) for r in range(m))
        elif ties == "efron" and sw > 1:
            total += sum(min(1.0, sw - r) * np.log(W - r / sw * D)
                         for r in range(int(np.ceil(sw))))
        else:
            total += sw * np.log(W)
        total -= s[ev] @ eta[ev]
    return total


def _cox(ties):
    return Cox("efron", "survival") if ties == "survival" else Cox(ties)


@pytest.mark.parametrize("ties", ["breslow", "efron", "survival"])
def test_cox_value_gradient_hessian(ties):
    y, s = _cox_data()
    eta = RNG.standard_normal(y.shape[0])
    cox = _cox(ties).bind(y, s)
    total = lambda e: cox.value(y, e, s) * s.sum()  # noqa: E731
    assert total(eta) == pytest.approx(_cox_direct(y, s, eta, ties), rel=1e-12)
    g, h = cox.derivatives(y, eta)
    n = eta.size
    E = np.eye(n)
    fd = np.array([_fd(lambda x, k=k: total(eta + x * E[k]), 0.0) for k in range(n)])
    np.testing.assert_allclose(s * g, fd, atol=1e-7)
    H = np.array([[(_fd(lambda x, k=k, j=j: _fd(lambda z: total(eta + x * E[k] + z * E[j]),
                                                 0.0, 1e-4), 0.0, 1e-4)) for j in range(n)]
                  for k in range(n)])
    np.testing.assert_allclose(s * h, np.diag(H), atol=1e-5)
    X = RNG.standard_normal((n, 3))
    np.testing.assert_allclose(cox.hessian_block(y, eta, X), X.T @ H @ X, atol=1e-4)


@pytest.mark.parametrize("ties", ["breslow", "efron", "survival"])
def test_cox_conjugate_bound(ties):
    """Exact at c = 1 (Fenchel-Young: <grad, eta> - L), an upper bound of the conjugate
    (a brute-force supremum) below 1: the gap built on it is a certificate."""
    y, s = _cox_data(n=10)
    eta = RNG.standard_normal(10)
    cox = _cox(ties).bind(y, s)
    total = lambda e: cox.value(y, e, s) * s.sum()  # noqa: E731
    g = cox.grad(y, eta)
    exact = s @ cox.conjugate_at(y, eta, g, 1.0)
    assert exact == pytest.approx((s * g) @ eta - total(eta), rel=1e-10)
    for c in (0.9, 0.5, 0.1):
        u = c * s * g
        sup = -minimize(lambda t, u=u: total(t) - u @ t, eta, method="BFGS",
                        options=dict(gtol=1e-10)).fun
        assert s @ cox.conjugate_at(y, eta, g, c) >= sup - 1e-8


def test_cox_saturated_and_shift_invariance():
    y, s = _cox_data()
    cox = Cox().bind(y, s)
    eta = RNG.standard_normal(y.shape[0])
    # the loss only sees eta within strata up to a shift
    shifted = eta + np.where(y[:, 2] == 0, 3.0, -2.0)
    assert cox.value(y, shifted, s) == pytest.approx(cox.value(y, eta, s), rel=1e-12)
    # Breslow's saturated value: sum over event times of sw log sw (glmnet's lsat)
    d = y[:, 1] == 1
    keys = {(a, b) for a, b in zip(y[d, 0], y[d, 2], strict=True)}
    sat = sum(s[(y[:, 0] == a) & (y[:, 2] == b) & d].sum()
              * np.log(s[(y[:, 0] == a) & (y[:, 2] == b) & d].sum()) for a, b in keys)
    assert s @ cox.saturated(y) == pytest.approx(sat, rel=1e-12)


@pytest.mark.parametrize("ties", ["breslow", "efron", "survival"])
def test_cox_integer_weights_and_repeated_rows(ties):
    """With frequency weights (Breslow; Efron's default) an integer weight is that many
    copies of the row: the loss, its saturated value and the baseline hazard of the
    repeated data. survival's weighted Efron is not (a copy adds a tied event)."""
    y, _ = _cox_data(n=30)
    s = RNG.integers(0, 4, 30).astype(float)
    s[:2] = 2.0  # events of weight 2
    eta = RNG.standard_normal(30)
    rep = np.repeat(np.arange(30), s.astype(int))
    cox, ref = _cox(ties).bind(y, s), _cox(ties).bind(y[rep], np.ones(rep.size))
    same = [cox.value(y, eta, s) * s.sum(), s @ cox.saturated(y)]
    other = [ref.value(y[rep], eta[rep], np.ones(rep.size)) * rep.size,
             np.sum(ref.saturated(y[rep]))]
    base, base_rep = cox.baseline(y, eta), ref.baseline(y[rep], eta[rep])
    if ties == "survival":
        assert abs(same[0] - other[0]) > 1e-6
        return
    np.testing.assert_allclose(same, other, rtol=1e-12)
    for (_, t1, h1), (_, t2, h2) in zip(base, base_rep, strict=True):
        np.testing.assert_allclose(t1, t2)
        np.testing.assert_allclose(h1, h2, rtol=1e-12)


def test_cox_efron_saturated_is_the_infimum():
    """The saturated value is the loss's infimum: each event time's events dominate its
    risk set (eta decreasing fast in time), at a common eta."""
    y = survival_target(np.column_stack([[1.0, 1.0, 1.0, 2.0, 3.0, 3.0],
                                         [1, 1, 0, 1, 1, 1]]))
    for ties, s in (("efron", [2.0, 0.5, 1.0, 1.7, 1.0, 3.0]),
                    ("survival", [2.0, 0.5, 1.0, 1.7, 1.0, 3.0])):
        s = np.asarray(s)
        cox = _cox(ties).bind(y, s)
        eta = -40.0 * y[:, 0] + 0.0 * (y[:, 1] == 0) - 80.0 * (y[:, 1] == 0)
        assert cox.value(y, eta, s) == pytest.approx(s @ cox.saturated(y) / s.sum(),
                                                      abs=1e-9)


def test_survival_target_forms_and_errors():
    t, e = np.array([2.0, 1.0, 3.0]), np.array([1, 0, 1])
    struct = np.array(list(zip(e.astype(bool), t, strict=True)),
                      dtype=[("event", bool), ("time", float)])
    ref = survival_target(np.column_stack([t, e]))
    np.testing.assert_array_equal(survival_target(struct), ref)
    swapped = np.array(list(zip(t, e.astype(bool), strict=True)),
                       dtype=[("time", float), ("status", bool)])
    np.testing.assert_array_equal(survival_target(swapped), ref)
    np.testing.assert_array_equal(survival_target(t)[:, 1], 1.0)
    with pytest.raises(ValueError, match="negative"):
        survival_target(np.column_stack([[-1.0, 1.0], [1, 1]]))
    with pytest.raises(ValueError, match="events"):
        survival_target(np.column_stack([[1.0, 2.0], [1, 2]]))
    with pytest.raises(ValueError, match="no event"):
        survival_target(np.column_stack([[1.0, 2.0], [0, 0]]))
    with pytest.raises(ValueError, match="finite"):
        survival_target(np.column_stack([[np.nan, 2.0], [1, 1]]))
    with pytest.raises(ValueError, match="strata"):
        survival_target(np.column_stack([[1.0, 2.0], [1, 1]]), strata=[0, 1, 2])
