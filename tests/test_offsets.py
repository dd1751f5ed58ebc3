"""Offsets on the scikit-learn-named estimators' own options: the least-squares models'
user Gram matrix, 2-D y and ``check_input=False``; LogisticRegression's liblinear model
(penalized synthetic intercept); HuberRegressor's jointly estimated scale. Each against
an independent reference: the same fit with ``y - offset`` (least squares, where the
offset is a shift of the target) or a direct minimization of scikit-learn's objective
with the offset (scipy)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from scipy.special import expit

from penalized import ElasticNet, HuberRegressor, Lasso, LogisticRegression, Ridge

RNG = np.random.default_rng(3)
N, P = 120, 5
X = np.asfortranarray(RNG.standard_normal((N, P)))
OFF = 0.5 * RNG.standard_normal(N)
Y = X @ np.array([1.0, -0.5, 0.0, 0.3, 0.0]) + OFF + 0.1 * RNG.standard_normal(N)


@pytest.mark.parametrize("cls", [Lasso, ElasticNet])
def test_user_gram_with_offset(cls):
    Xc = X - X.mean(axis=0)
    G = Xc.T @ Xc
    kw = dict(alpha=0.02, tol=1e-12)
    with_gram = cls(precompute=G, **kw).fit(Xc, Y, offset=OFF)
    shifted = cls(precompute=False, **kw).fit(Xc, Y - OFF)
    assert_allclose(with_gram.coef_, shifted.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(with_gram.intercept_, shifted.intercept_, rtol=1e-8, atol=1e-10)
    assert_allclose(with_gram.predict(Xc, offset=OFF), shifted.predict(Xc) + OFF, atol=1e-10)


@pytest.mark.parametrize("cls", [Lasso, ElasticNet, Ridge])
def test_two_dimensional_y_with_offset(cls):
    Y2 = np.column_stack([Y, 2.0 * Y + 1.0])
    two = cls(alpha=0.05).fit(X, Y2, offset=OFF)
    for t in range(2):
        one = cls(alpha=0.05).fit(X, Y2[:, t] - OFF)
        assert_allclose(two.coef_[t], one.coef_, rtol=1e-7, atol=1e-9)
        assert_allclose(two.intercept_[t], one.intercept_, rtol=1e-7, atol=1e-9)
    assert_allclose(two.predict(X, offset=OFF), two.predict(X) + OFF[:, None], atol=1e-12)


def test_check_input_false_keeps_the_offset():
    a = Lasso(alpha=0.02, tol=1e-12).fit(X, Y, offset=OFF, check_input=False)
    b = Lasso(alpha=0.02, tol=1e-12).fit(X, Y - OFF)
    assert_allclose(a.coef_, b.coef_, rtol=1e-8, atol=1e-10)


def test_offset_of_the_wrong_length_is_named():
    with pytest.raises(ValueError, match="offset"):
        Lasso().fit(X, Y, offset=OFF[:-1])
    with pytest.raises(ValueError, match="offset"):
        Lasso().fit(X, Y).predict(X, offset=OFF[:-1])


def test_liblinear_with_offset():
    """scikit-learn's liblinear objective with the offset added to the linear predictor:
    ``1/2 (||w||^2 + v^2) + C sum_i log(1 + exp(-z_i (x_i.w + k v + offset_i)))``,
    ``k = intercept_scaling``, minimized directly."""
    z01 = (Y + 0.3 * RNG.standard_normal(N) > 0).astype(float)
    C, k = 0.5, 2.0
    est = LogisticRegression(solver="liblinear", C=C, intercept_scaling=k,
                             tol=1e-12).fit(X, z01, offset=OFF)
    z = 2 * z01 - 1

    def f(theta):
        w, v = theta[:P], theta[P]
        eta = X @ w + k * v + OFF
        m = z * eta
        g = -z * expit(-m) * C
        val = 0.5 * (w @ w + v * v) + C * np.sum(np.logaddexp(0.0, -m))
        return val, np.r_[w + X.T @ g, v + k * g.sum()]

    ref = minimize(f, np.zeros(P + 1), jac=True, method="L-BFGS-B",
                   options=dict(gtol=1e-12, ftol=1e-16, maxiter=10_000)).x
    assert_allclose(est.coef_[0], ref[:P], atol=1e-6)
    assert_allclose(est.intercept_[0], k * ref[P], atol=1e-6)
    assert_allclose(est.decision_function(X, offset=OFF),
                    X @ est.coef_[0] + est.intercept_[0] + OFF, atol=1e-12)


def test_huber_joint_scale_with_offset():
    """scikit-learn's Huber objective over (w, b, sigma) with the offset in the residual,
    minimized directly; the offset enters ``outliers_`` and ``predict``."""
    y = Y.copy()
    y[:8] += 20.0
    alpha, eps = 0.1, 1.35
    est = HuberRegressor(alpha=alpha, epsilon=eps, tol=1e-10).fit(X, y, offset=OFF)

    def f(theta):
        w, b, sigma = theta[:P], theta[P], theta[P + 1]
        r = (y - X @ w - b - OFF) / sigma
        a = np.abs(r)
        H = np.where(a <= eps, r * r, 2 * eps * a - eps**2)
        return N * sigma + sigma * H.sum() + alpha * w @ w

    x0 = np.r_[est.coef_, est.intercept_, est.scale_]
    ref = minimize(f, np.r_[np.zeros(P), 0.0, 1.0], method="L-BFGS-B",
                   bounds=[(None, None)] * (P + 1) + [(1e-6, None)],
                   options=dict(ftol=1e-15, gtol=1e-10, maxiter=20_000))
    assert f(x0) <= ref.fun * (1 + 1e-9)
    assert_allclose(f(x0), ref.fun, rtol=1e-6)
    assert_allclose(est.coef_, ref.x[:P], atol=1e-3)
    assert_allclose(est.scale_, ref.x[P + 1], rtol=1e-3)
    resid = y - est.predict(X, offset=OFF)
    assert_allclose(resid, y - X @ est.coef_ - est.intercept_ - OFF, atol=1e-12)
    np.testing.assert_array_equal(est.outliers_, np.abs(resid) > eps * est.scale_)
    assert est.outliers_[:8].all()


@pytest.mark.parametrize("name,kw", [
    ("MCPRegression", dict(alpha=0.05)), ("SCADRegression", dict(alpha=0.05)),
    ("GroupLasso", dict(groups=[[0, 1], [2, 3, 4]], alpha=0.05)),
    ("SparseGroupLasso", dict(groups=[[0, 1], [2, 3, 4]], alpha=0.05)),
    ("AdaptiveLasso", dict(alpha=0.02)),
])
def test_penalty_estimators_with_offset(name, kw):
    """The squared-loss estimators of the penalties beyond the elastic net: the offset is
    a shift of the target (AdaptiveLasso's initial fit included)."""
    import penalized

    cls = getattr(penalized, name)
    with_off = cls(tol=1e-12, **kw).fit(X, Y, offset=OFF)
    shifted = cls(tol=1e-12, **kw).fit(X, Y - OFF)
    assert_allclose(with_off.coef_, shifted.coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(with_off.predict(X, offset=OFF), shifted.predict(X) + OFF, atol=1e-10)
