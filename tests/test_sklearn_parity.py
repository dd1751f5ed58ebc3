"""Side by side with scikit-learn: every estimator named like a scikit-learn class takes
scikit-learn's parameters with scikit-learn's meaning, so the same call gives the same
model (to the solvers' tolerance), the same errors and the same fitted attributes."""

import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sklm
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import penalized

NAMES = ["Lasso", "ElasticNet", "Ridge", "LogisticRegression", "PoissonRegressor",
         "HuberRegressor", "GammaRegressor", "TweedieRegressor"]
SK_TIGHT = dict(tol=1e-12, max_iter=200_000)


def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y


def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X)[:, :12], y


def sk_params(name):
    return set(inspect.signature(getattr(sklm, name)).parameters)


@pytest.mark.parametrize("name", NAMES)
def test_every_sklearn_parameter_is_read(name):
    ours = set(inspect.signature(getattr(penalized, name)).parameters)
    missing = sk_params(name) - ours
    assert not missing, f"{name} lacks scikit-learn's parameters {sorted(missing)}"


@pytest.mark.parametrize("name", NAMES)
def test_sklearn_defaults(name):
    ours = inspect.signature(getattr(penalized, name)).parameters
    for key, par in inspect.signature(getattr(sklm, name)).parameters.items():
        default = ours[key].default
        if key == "tol" and name in ("LassoCV", "ElasticNetCV"):
            continue  # documented: CV curves are computed to 1e-7 (docs/sklearn.md)
        if isinstance(par.default, str) and par.default == "warn":
            continue
        if isinstance(par.default, np.ndarray) or isinstance(default, np.ndarray):
            assert_allclose(default, par.default)
        else:
            assert default == par.default or (default is par.default), (name, key)


# --------------------------------------------------------------------------- linear models
@pytest.mark.parametrize("precompute", [False, True, "auto", "gram"])
@pytest.mark.parametrize("cls", ["Lasso", "ElasticNet"])
def test_precompute_same_model(cls, precompute):
    X, y = diabetes()
    if precompute == "gram":
        Xc = X - X.mean(axis=0)
        precompute = Xc.T @ Xc
        X = Xc
    kw = dict(alpha=0.05, precompute=precompute, **SK_TIGHT)
    # "auto" is LassoCV's value (Gram when n_samples > n_features), an extension here
    sk = getattr(sklm, cls)(**{**kw, "precompute": True if isinstance(precompute, str)
                               else precompute}).fit(X, y)
    ours = getattr(penalized, cls)(**kw).fit(X, y)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-6, atol=1e-6)
    assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-8)


def test_user_gram_must_match_X():
    X, y = diabetes()
    bad = np.eye(X.shape[1]) * 3.0
    with pytest.raises(ValueError, match="Gram"):
        penalized.Lasso(alpha=0.1, precompute=bad, fit_intercept=False).fit(X, y)
    with pytest.raises(ValueError):
        sklm.Lasso(alpha=0.1, precompute=bad, fit_intercept=False).fit(X, y)


def test_selection_random_same_solution_reproducible():
    X, y = diabetes()
    a = penalized.Lasso(alpha=0.02, selection="random", random_state=0, **SK_TIGHT).fit(X, y)
    b = penalized.Lasso(alpha=0.02, selection="random", random_state=0, **SK_TIGHT).fit(X, y)
    c = penalized.Lasso(alpha=0.02, **SK_TIGHT).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)
    assert_allclose(a.coef_, c.coef_, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="selection"):
        penalized.Lasso(selection="shuffle").fit(X, y)


@pytest.mark.parametrize("cls", ["Lasso", "ElasticNet", "Ridge"])
def test_multi_output_y(cls):
    X, y = diabetes()
    Y = np.column_stack([y, -2 * y + X[:, 0] * 50, y[::-1]])
    kw = dict(alpha=0.05) if cls != "Ridge" else dict(alpha=3.0)
    kw |= SK_TIGHT if cls != "Ridge" else {}
    sk = getattr(sklm, cls)(**kw).fit(X, Y)
    ours = getattr(penalized, cls)(**kw).fit(X, Y)
    assert ours.coef_.shape == sk.coef_.shape == (3, X.shape[1])
    assert ours.intercept_.shape == (3,)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-5, atol=1e-5)
    assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-6)


@pytest.mark.parametrize("cls", ["Lasso", "ElasticNet"])
def test_sparse_coef_and_sparse_X(cls):
    X, y = diabetes()
    Xs = sp.csr_matrix(np.where(np.abs(X) < 0.02, 0.0, X))
    sk = getattr(sklm, cls)(alpha=0.01, **SK_TIGHT).fit(Xs, y)
    ours = getattr(penalized, cls)(alpha=0.01, **SK_TIGHT).fit(Xs, y)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-4)  # ill-conditioned: objectives 1e-12
    assert sp.issparse(ours.sparse_coef_)
    assert_allclose(ours.sparse_coef_.toarray().ravel(), ours.coef_)


@pytest.mark.parametrize("solver", ["auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag",
                                    "saga"])
def test_ridge_alpha_and_solver_names(solver):
    X, y = diabetes()
    w = np.random.default_rng(0).uniform(0.5, 2.0, y.size)
    sk = sklm.Ridge(alpha=2.5, solver="svd").fit(X, y, sample_weight=w)
    ours = penalized.Ridge(alpha=2.5, solver=solver).fit(X, y, sample_weight=w)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-6)
    assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-8)


def test_ridge_positive_needs_lbfgs_as_in_sklearn():
    X, y = diabetes()
    with pytest.raises(ValueError, match="lbfgs"):
        sklm.Ridge(positive=True, solver="svd").fit(X, y)
    with pytest.raises(ValueError, match="lbfgs"):
        penalized.Ridge(positive=True, solver="svd").fit(X, y)
    a = sklm.Ridge(alpha=1.0, positive=True, solver="lbfgs", tol=1e-10).fit(X, y)
    b = penalized.Ridge(alpha=1.0, positive=True).fit(X, y)
    assert np.all(b.coef_ >= 0)
    assert_allclose(b.coef_, a.coef_, atol=1e-3 * np.abs(a.coef_).max())


def test_warm_start_and_n_iter():
    X, y = diabetes()
    est = penalized.Lasso(alpha=0.05, warm_start=True, tol=1e-10).fit(X, y)
    first = est.n_iter_
    est.fit(X, y)
    assert est.n_iter_ <= first


def test_pipeline_grid_search_like_sklearn():
    X, y = diabetes()
    grid = {"lasso__alpha": [0.01, 0.1, 1.0]}
    sk = GridSearchCV(make_pipeline(StandardScaler(), sklm.Lasso()), grid, cv=3).fit(X, y)
    ours = GridSearchCV(make_pipeline(StandardScaler(), penalized.Lasso()), grid,
                        cv=3).fit(X, y)
    assert sk.best_params_ == ours.best_params_
    assert_allclose(ours.best_score_, sk.best_score_, rtol=1e-4)


# ----------------------------------------------------------------------- logistic regression
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("C", [0.05, 1.0])
def test_logistic_C_l1_ratio(C, l1_ratio):
    X, y = cancer()
    sk = sklm.LogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-10,
                                 max_iter=100_000).fit(X, y)
    ours = penalized.LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-10).fit(X, y)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-4, atol=1e-5)
    assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-4, atol=1e-5)
    assert ours.n_iter_.shape == (1,) and ours.n_iter_.dtype == np.int32


def test_logistic_default_is_sklearn_default():
    X, y = cancer()
    sk = sklm.LogisticRegression(tol=1e-10, max_iter=10_000).fit(X, y)
    ours = penalized.LogisticRegression(tol=1e-10).fit(X, y)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-4, atol=1e-6)


def test_logistic_multinomial_and_class_weight():
    X, y = load_iris(return_X_y=True)
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    sk = sklm.LogisticRegression(C=0.5, class_weight=cw, tol=1e-12,
                                 max_iter=100_000).fit(X, y)
    ours = penalized.LogisticRegression(C=0.5, class_weight=cw, tol=1e-12).fit(X, y)
    assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-6)
    # scikit-learn's intercepts are not centered: compare the probabilities' log-ratios
    assert_allclose(ours.coef_ - ours.coef_.mean(0), sk.coef_ - sk.coef_.mean(0), atol=1e-5)


@pytest.mark.parametrize("intercept_scaling", [1.0, 10.0])
def test_liblinear_penalizes_the_synthetic_intercept(intercept_scaling):
    X, y = cancer()
    kw = dict(C=0.1, solver="liblinear", intercept_scaling=intercept_scaling)
    sk = sklm.LogisticRegression(l1_ratio=1.0, tol=1e-10, max_iter=10_000, **kw).fit(X, y)
    ours = penalized.LogisticRegression(l1_ratio=1.0, tol=1e-10, **kw).fit(X, y)
    assert_allclose(ours.coef_, sk.coef_, atol=1e-4)
    assert_allclose(ours.intercept_, sk.intercept_, atol=1e-4)
    unpen = penalized.LogisticRegression(l1_ratio=1.0, C=0.1, tol=1e-12).fit(X, y)
    assert not np.allclose(unpen.intercept_, ours.intercept_, atol=1e-3)


def test_logistic_errors_as_sklearn():
    X, y = cancer()
    Xi, yi = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="dual=False"):
        penalized.LogisticRegression(dual=True).fit(X, y)
    with pytest.raises(ValueError, match="multiclass"):
        penalized.LogisticRegression(solver="liblinear").fit(Xi, yi)
    for bad in (0.0, -1.0, "1"):
        with pytest.raises(ValueError, match="'C' parameter"):
            penalized.LogisticRegression(C=bad).fit(X, y)
    with pytest.raises(ValueError, match="solver"):
        penalized.LogisticRegression(solver="adam").fit(X, y)
    with pytest.raises(ValueError, match="not both"):
        penalized.LogisticRegression(C=2.0, alpha=0.1).fit(X, y)


def test_logistic_penalty_is_deprecated_but_honoured():
    X, y = cancer()
    with pytest.warns(FutureWarning, match="penalty"):
        a = penalized.LogisticRegression("l1", C=0.1, tol=1e-10).fit(X, y)
    b = penalized.LogisticRegression(l1_ratio=1.0, C=0.1, tol=1e-10).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)
    with pytest.warns(FutureWarning):
        c = penalized.LogisticRegression(None, tol=1e-10, max_iter=1000).fit(X[:, :3], y)
    d = penalized.LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(X[:, :3], y)
    assert_allclose(c.coef_, d.coef_)


def test_logistic_C_equals_alpha_scale():
    X, y = cancer()
    w = np.random.default_rng(1).uniform(0.2, 3.0, y.size)
    a = penalized.LogisticRegression(C=0.3, tol=1e-12).fit(X, y, sample_weight=w)
    b = penalized.LogisticRegression(alpha=1 / (0.3 * w.sum()), tol=1e-12).fit(
        X, y, sample_weight=w)
    assert_allclose(a.coef_, b.coef_, rtol=1e-10)


def test_logistic_max_iter_counts_newton_steps():
    X, y = cancer()
    with pytest.warns(ConvergenceWarning):
        est = penalized.LogisticRegression(C=10.0, max_iter=1, tol=1e-12).fit(X, y)
    assert est.n_iter_[0] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = penalized.LogisticRegression(C=10.0, tol=1e-8).fit(X, y)
    assert 1 < est.n_iter_[0] <= 100


# ------------------------------------------------------------------------- GLM regressors
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_poisson_same_model(solver, weighted):
    X, _ = diabetes()
    rng = np.random.default_rng(0)
    y = rng.poisson(np.exp(1 + 3 * X[:, 2] + 2 * X[:, 8]))
    w = rng.uniform(0.5, 2.0, y.size) if weighted else None
    sk = sklm.PoissonRegressor(alpha=1e-3, solver="newton-cholesky", tol=1e-12,
                               max_iter=1000).fit(X, y, sample_weight=w)
    ours = penalized.PoissonRegressor(alpha=1e-3, solver=solver, tol=1e-12).fit(
        X, y, sample_weight=w)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-6, atol=1e-8)
    assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-8)
    assert isinstance(ours.n_iter_, int) and 1 <= ours.n_iter_ <= 100
    assert_allclose(ours.score(X, y), sk.score(X, y), rtol=1e-8)


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


def huber_data(seed=0):
    X, y = diabetes()
    rng = np.random.default_rng(seed)
    y = y.copy()
    y[:25] += rng.standard_normal(25) * 400
    return X, y


@pytest.mark.parametrize("alpha", [1e-4, 1.0, 30.0])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "noicpt"])
def test_huber_same_model(alpha, weighted, fit_intercept):
    """scikit-learn's joint scale: same objective; ours never higher, same scale and
    outliers."""
    X, y = huber_data()
    s = np.random.default_rng(1).uniform(0.5, 2.0, y.size) if weighted else None
    kw = dict(alpha=alpha, fit_intercept=fit_intercept)
    sk = sklm.HuberRegressor(tol=1e-10, max_iter=100_000, **kw).fit(X, y, sample_weight=s)
    ours = penalized.HuberRegressor(tol=1e-10, **kw).fit(X, y, sample_weight=s)

    def objective(m):
        z = np.abs(y - X @ m.coef_ - m.intercept_) / m.scale_
        H = np.where(z <= 1.35, z * z, 2 * 1.35 * z - 1.35**2)
        sw = np.ones(y.size) if s is None else s
        return sw.sum() * m.scale_ + sw @ (m.scale_ * H) + alpha * m.coef_ @ m.coef_

    assert objective(ours) <= objective(sk) * (1 + 1e-9)
    assert_allclose(objective(ours), objective(sk), rtol=1e-6)
    assert_allclose(ours.scale_, sk.scale_, rtol=1e-3)
    # scikit-learn's L-BFGS stops at a slightly higher objective: a sample on the boundary
    # |r| = epsilon * sigma may fall on either side
    z = np.abs(y - ours.predict(X)) / ours.scale_
    differ = ours.outliers_ != sk.outliers_
    assert np.all(np.abs(z[differ] - 1.35) < 1e-2)
    assert_allclose(ours.predict(X), sk.predict(X), atol=1e-3 * np.ptp(y))


def test_huber_errors_and_scale_invariance():
    X, y = huber_data()
    with pytest.raises(ValueError, match="epsilon"):
        penalized.HuberRegressor(epsilon=0.9).fit(X, y)
    with pytest.raises(ValueError, match="fixed_scale"):
        penalized.HuberRegressor(fixed_scale=0.0).fit(X, y)
    a = penalized.HuberRegressor(alpha=1.0, tol=1e-10).fit(X, y)
    b = penalized.HuberRegressor(alpha=1.0 / 10.0, tol=1e-10).fit(X, 10.0 * y)
    # y -> c y with alpha -> alpha / c scales the objective by c: w, b, sigma scale by c
    assert_allclose(b.scale_, 10.0 * a.scale_, rtol=1e-6)
    assert_allclose(b.coef_, 10.0 * a.coef_, rtol=1e-5, atol=1e-6)
    assert_array_equal(a.outliers_, b.outliers_)


def test_huber_l1_ratio_gives_zeros():
    X, y = huber_data()
    reg = penalized.HuberRegressor(alpha=10.0, l1_ratio=1.0, tol=1e-8).fit(X, y)
    assert 0 < np.count_nonzero(reg.coef_) < X.shape[1]
