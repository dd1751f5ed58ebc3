"""GammaRegressor and TweedieRegressor side by side with scikit-learn's: the same
objectives (scikit-learn's metric), predictions, D^2 and errors, for every link rule
penalized fits (the non-convex powers are stationary points of the same objective)."""

import warnings

import numpy as np
import pytest
import sklearn.linear_model as sklm
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

import penalized


def diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True)


def glm_target(power, seed=0):
    """diabetes X and a target of the Tweedie family of ``power`` around a log-linear
    mean (power <= 0: normal noise, real y)."""
    X, _ = diabetes()
    rng = np.random.default_rng(seed)
    mu = np.exp(1 + 3 * X[:, 2] + 2 * X[:, 8])
    if power == 1:
        y = rng.poisson(mu).astype(float)
    elif power == 2:
        y = rng.gamma(2.0, mu / 2.0)
    elif power == 3:
        y = rng.wald(mu, 4.0)
    elif 1 < power < 2:
        y = rng.poisson(mu) * rng.gamma(2.0, 0.5, mu.size)
    else:
        y = mu + rng.standard_normal(mu.size)
    return X, y, rng.uniform(0.5, 2.0, y.size)


def glm_objective(model, X, y, s, power, alpha):
    """scikit-learn's GLM objective, from its metric: half the weighted mean deviance of
    the predictions plus ``alpha/2 ||w||^2``."""
    from sklearn.metrics import mean_tweedie_deviance

    return (0.5 * mean_tweedie_deviance(y, model.predict(X), sample_weight=s, power=power)
            + 0.5 * alpha * float(model.coef_ @ model.coef_))


def assert_same_glm(ours, sk, X, y, s, power, alpha):
    f_ours = glm_objective(ours, X, y, s, power, alpha)
    f_sk = glm_objective(sk, X, y, s, power, alpha)
    assert f_ours <= f_sk * (1 + 1e-9)
    assert_allclose(f_ours, f_sk, rtol=1e-9)
    assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-5)
    # D^2 is the unpenalized deviance: first order in the coefficients' differences
    assert_allclose(ours.score(X, y, s), sk.score(X, y, s), atol=1e-6)
    assert isinstance(ours.n_iter_, int) and 1 <= ours.n_iter_ <= 100


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
def test_gamma_same_model(solver, weighted, fit_intercept):
    X, y, s = glm_target(2)
    s = s if weighted else None
    kw = dict(alpha=1e-3, fit_intercept=fit_intercept)
    sk = sklm.GammaRegressor(solver="newton-cholesky", tol=1e-12, max_iter=1000,
                             **kw).fit(X, y, sample_weight=s)
    ours = penalized.GammaRegressor(solver=solver, tol=1e-12, **kw).fit(X, y, sample_weight=s)
    assert_same_glm(ours, sk, X, y, s, 2, 1e-3)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-6, atol=1e-8)
    assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-8, atol=1e-10)


# (power, link): every link rule of scikit-learn's that penalized fits; the non-convex ones
# (power <= 0 with the log link, power > 2) are stationary points of the same objective
TWEEDIE_CASES = [(0, "auto"), (0, "identity"), (0, "log"), (1, "auto"), (1.5, "auto"),
                 (1.5, "log"), (2, "auto"), (3, "auto"), (-0.5, "log")]


@pytest.mark.parametrize("power,link", TWEEDIE_CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_tweedie_same_model(power, link, weighted):
    X, y, s = glm_target(power)
    s = s if weighted else None
    kw = dict(power=power, link=link, alpha=1e-3)
    with warnings.catch_warnings():
        # scikit-learn's Newton solver may fall back to L-BFGS on non-convex powers
        warnings.simplefilter("ignore")
        sk = sklm.TweedieRegressor(solver="newton-cholesky", tol=1e-12, max_iter=1000,
                                   **kw).fit(X, y, sample_weight=s)
    ours = penalized.TweedieRegressor(tol=1e-12, **kw).fit(X, y, sample_weight=s)
    assert_same_glm(ours, sk, X, y, s, power, 1e-3)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-4, atol=1e-5)


def test_tweedie_defaults_are_sklearns():
    """power 0 with link "auto" is least squares with scikit-learn's alpha scale (the
    identity link: Ridge with alpha * n), and the default fit is scikit-learn's."""
    X, y = diabetes()
    ours = penalized.TweedieRegressor().fit(X, y)
    sk = sklm.TweedieRegressor(tol=1e-12, max_iter=10_000).fit(X, y)
    ridge = penalized.Ridge(alpha=X.shape[0]).fit(X, y)
    assert_allclose(ours.coef_, ridge.coef_, rtol=1e-6)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-5)
    assert_allclose(ours.score(X, y), sk.score(X, y), rtol=1e-8)


@pytest.mark.parametrize("kw,match", [
    (dict(power=1.5, link="identity"), "identity"),
    (dict(power=-1.0), "identity"),  # "auto" is the identity link for power <= 0
    (dict(power=0.5), "power"),
    (dict(power="1.5"), "power"),
    (dict(link="logit"), "link"),
    (dict(solver="sag"), "solver"),
    (dict(max_iter=0), "max_iter"),
    (dict(alpha=-1.0), "alpha"),
])
def test_tweedie_errors(kw, match):
    X, y, _ = glm_target(1.5)
    with pytest.raises(ValueError, match=match):
        penalized.TweedieRegressor(**kw).fit(X, y)


def test_glm_max_iter_counts_newton_steps():
    X, y, _ = glm_target(2)
    with pytest.warns(ConvergenceWarning, match="Newton steps"):
        est = penalized.GammaRegressor(alpha=1e-3, tol=1e-14, max_iter=1).fit(X, y)
    assert est.n_iter_ == 1
