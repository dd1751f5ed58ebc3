"""Datafits against independent references: derivatives by finite differences, the
conjugate as a brute-force supremum, the null model and the tol scale by brute force."""

import numpy as np
import pytest
from scipy.special import logsumexp

from penalized.datafits import Datafit, Huber, Logistic, Multinomial, Poisson, Quadratic

RNG = np.random.default_rng(0)
ETA = np.array([-30.0, -3.0, -0.5, 0.0, 0.2, 1.7, 4.0, 25.0])


def _targets(datafit):
    if isinstance(datafit, Logistic):
        return np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    if isinstance(datafit, Poisson):
        return np.array([0.0, 2.0, 1.0, 0.0, 3.0, 5.0, 40.0, 1.0])
    return np.array([-2.0, 0.5, 1.0, 0.0, 3.0, -1.0, 4.5, 20.0])


SINGLE = [Quadratic(), Logistic(), Poisson(), Huber(1.3)]


@pytest.mark.parametrize("datafit", SINGLE, ids=repr)
def test_derivatives_match_finite_differences(datafit):
    y = _targets(datafit)
    eta = np.clip(ETA, -20, 3.5)  # keep exp(eta) moderate for the differences
    h = 1e-6
    g, hh = datafit.derivatives(y, eta)
    fd_g = (datafit.loss(y, eta + h) - datafit.loss(y, eta - h)) / (2 * h)
    np.testing.assert_allclose(g, fd_g, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(datafit.grad(y, eta), g)
    np.testing.assert_allclose(datafit.hess(y, eta), hh)
    if datafit.smooth:
        fd_h = (datafit.grad(y, eta + h) - datafit.grad(y, eta - h)) / (2 * h)
        np.testing.assert_allclose(hh, fd_h, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("datafit", SINGLE, ids=repr)
def test_conjugate_is_the_supremum(datafit):
    """l*(u) = sup_t u t - l(y, t), on a fine grid of t, at dual points u = c l'(eta)."""
    y = _targets(datafit)[1:6]
    t = np.linspace(-40, 12, 400001)
    for c in (1.0, 0.6):
        u = c * datafit.grad(y, np.array([-1.0, 0.3, 0.0, 1.2, -0.4]))
        for yi, ui in zip(y, u, strict=True):
            brute = np.max(ui * t - datafit.loss(np.full_like(t, yi), t))
            got = datafit.conjugate(np.array([yi]), np.array([ui]))[0]
            assert got == pytest.approx(brute, abs=1e-6), (yi, ui)


@pytest.mark.parametrize("datafit", SINGLE, ids=repr)
def test_null_model_and_tol_scale_by_brute_force(datafit):
    y = _targets(datafit)
    s = RNG.uniform(0.2, 2.0, y.size)
    b = np.linspace(-8, 8, 160001)
    mean_loss = np.array([datafit.value(y, np.full(y.size, bi), s) for bi in b[::100]])
    i = int(np.argmin(mean_loss)) * 100
    fine = b[max(i - 100, 0):i + 101]
    best = min(datafit.value(y, np.full(y.size, bi), s) for bi in fine)
    eta0 = datafit.null_eta(y, s, 0.0, True)
    assert np.ptp(eta0) == 0.0
    assert datafit.value(y, eta0, s) <= best + 1e-9
    sat = float(s @ datafit.saturated(y)) / s.sum()
    scale = datafit.tol_scale(y, s, 0.0, True)
    factor = 2.0 if isinstance(datafit, Quadratic) else 1.0  # scikit-learn's Lasso scale
    if isinstance(datafit, Huber):  # robust: each sample's loss capped at 10x the median
        loss = datafit.loss(y, eta0)
        # the weighted median (a weight of 2 is a repeated sample): the loss at which the
        # sorted weights first reach half their sum (no tie with these random weights)
        order = np.argsort(loss)
        med = loss[order][np.flatnonzero(np.cumsum(s[order]) >= 0.5 * s.sum())[0]]
        capped = float(s @ np.minimum(loss, 10 * med)) / s.sum()
        assert scale == pytest.approx(capped, rel=1e-9)
        assert scale <= datafit.value(y, eta0, s) - sat
    else:
        assert scale == pytest.approx(factor * (datafit.value(y, eta0, s) - sat), rel=1e-9)
    # the optimal intercept zeroes the weighted gradient to rounding level
    assert abs(s @ datafit.grad(y, eta0)) <= 1e-12 * s.sum()


@pytest.mark.parametrize("datafit", [Logistic(), Poisson(), Quadratic()], ids=repr)
def test_deviance_is_zero_at_the_saturated_model(datafit):
    y = _targets(datafit)
    eta_sat = {Logistic: np.where(y > 0.5, 40.0, -40.0), Poisson: np.log(np.maximum(y, 1e-300)),
               Quadratic: y}[type(datafit)]
    np.testing.assert_allclose(datafit.deviance(y, eta_sat), 0.0, atol=1e-12)
    moved = np.zeros_like(y) if isinstance(datafit, Logistic) else eta_sat + 0.5
    assert np.all(datafit.deviance(y, moved) > 0)


def test_logistic_kernel_scalars_equal_the_array_functions():
    """The numba scalars the logistic kernel calls are the class's formulas."""
    from penalized.datafits.logistic import expit, logistic_conjugate1, logistic_loss1

    y = _targets(Logistic())
    loss = Logistic().loss(y, ETA)
    g = Logistic().grad(y, ETA)
    for i in range(ETA.size):
        assert logistic_loss1(y[i], ETA[i]) == loss[i]
        assert expit(ETA[i]) - y[i] == pytest.approx(g[i], rel=1e-15, abs=1e-300)
        u = 0.7 * g[i]
        assert logistic_conjugate1(y[i], u) == Logistic().conjugate(y[i:i + 1], u)[0]
    # against closed forms (log(1 + e^x) - y x, without its cancellation, and the
    # logistic function)
    np.testing.assert_allclose(loss, y * np.logaddexp(0, -ETA) + (1 - y) * np.logaddexp(0, ETA),
                               rtol=1e-14)
    np.testing.assert_allclose(g + y, 1 / (1 + np.exp(-ETA)), rtol=1e-14)


def test_multinomial_loss_gradient_and_intercepts():
    K, n = 3, 40
    Y = np.eye(K)[RNG.integers(0, K, n)]
    eta = RNG.standard_normal((n, K)) * 2
    m = Multinomial()
    np.testing.assert_allclose(m.loss(Y, eta), logsumexp(eta, axis=1) - (Y * eta).sum(1))
    h = 1e-6
    for k in range(K):
        e = np.zeros(K)
        e[k] = h
        fd = (m.loss(Y, eta + e) - m.loss(Y, eta - e)) / (2 * h)
        np.testing.assert_allclose(m.grad(Y, eta)[:, k], fd, rtol=1e-6, atol=1e-8)
    s = RNG.uniform(0.5, 2.0, n)
    d = m.optimize_intercept(Y, eta, s)
    assert abs(d.sum()) < 1e-12
    assert np.max(np.abs(s @ (m.inverse_link(eta + d) - Y))) <= 1e-14 * s.sum()


@pytest.mark.parametrize("datafit,y,match", [
    (Logistic(), [0.0, 0.5], "0 or 1"),
    (Poisson(), [1.0, -1.0], "non-negative"),
    (Poisson(), [0.0, 0.0], "positive"),
    (Multinomial(), [[1.0, 1.0], [0.0, 1.0]], "one-hot"),
    (Huber(-1.0), [1.0, 2.0], "epsilon"),
])
def test_bad_targets_are_named(datafit, y, match):
    with pytest.raises(ValueError, match=match):
        datafit.check_target(np.asarray(y))


def test_every_loss_is_a_datafit():
    for d in (Quadratic(), Logistic(), Poisson(), Huber(), Multinomial()):
        assert isinstance(d, Datafit)
        assert d.scorings[0] == "deviance"
