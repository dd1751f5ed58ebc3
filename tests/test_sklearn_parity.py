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

NAMES = ["Lasso", "ElasticNet", "Ridge", "RidgeCV", "LogisticRegression", "PoissonRegressor",
         "HuberRegressor", "GammaRegressor", "TweedieRegressor", "LassoCV", "ElasticNetCV",
         "MultiTaskLasso", "MultiTaskElasticNet", "MultiTaskLassoCV", "MultiTaskElasticNetCV",
         "LogisticRegressionCV"]
# CV curves are computed to tol=1e-7 (their docstrings say why)
CV_TOL = ("LassoCV", "ElasticNetCV", "MultiTaskLassoCV", "MultiTaskElasticNetCV")
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
        if key == "tol" and name in CV_TOL:
            continue  # documented: CV curves are computed to 1e-7
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
    # ours to 1e-14: at 1e-12 its (tight) duality gap, 1.4e-10 for the elastic net,
    # bounds the coefficients only to sqrt(2 gap / (alpha (1 - l1_ratio))) = 1e-4, and the
    # solver stops there (scikit-learn's looser gap makes it run on far past 1e-6)
    ours = getattr(penalized, cls)(**{**kw, "tol": 1e-14}).fit(X, y)
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
    # ours to 1e-14, as in test_precompute_same_model (the gap at 1e-12 bounds the
    # elastic net's coefficients to about 1e-4 only)
    ours = getattr(penalized, cls)(**(kw | {"tol": 1e-14} if cls != "Ridge" else kw)).fit(X, Y)
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


# ------------------------------------------------------------------------ CV estimators
@pytest.mark.parametrize("kw", [dict(), dict(precompute=False), dict(precompute=True),
                                dict(selection="random", random_state=3),
                                dict(copy_X=False), dict(positive=True)])
def test_lasso_cv_same_model_as_sklearn(kw):
    from sklearn.model_selection import KFold

    X, y = diabetes()
    cv = KFold(5)
    sk = sklm.LassoCV(cv=cv, tol=1e-10, max_iter=100_000, **kw).fit(X, y)
    ours = penalized.LassoCV(cv=cv, tol=1e-10, **kw).fit(X, y)
    assert_allclose(ours.alphas_, sk.alphas_, rtol=1e-10)
    assert_allclose(ours.alpha_, sk.alpha_, rtol=1e-10)
    assert_allclose(ours.mse_path_, sk.mse_path_, rtol=1e-5)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-5, atol=1e-6 * np.abs(sk.coef_).max())


def test_elastic_net_cv_l1_ratio_list_shapes_and_choice():
    from sklearn.model_selection import KFold

    X, y = diabetes()
    kw = dict(l1_ratio=[0.2, 0.7, 1.0], alphas=30, cv=KFold(4))
    sk = sklm.ElasticNetCV(tol=1e-10, max_iter=100_000, **kw).fit(X, y)
    ours = penalized.ElasticNetCV(tol=1e-10, **kw).fit(X, y)
    assert ours.alphas_.shape == sk.alphas_.shape == (3, 30)
    assert ours.mse_path_.shape == sk.mse_path_.shape == (3, 30, 4)
    assert_allclose(ours.alphas_, sk.alphas_, rtol=1e-10)
    assert_allclose(ours.mse_path_, sk.mse_path_, rtol=1e-5)
    assert ours.l1_ratio_ == sk.l1_ratio_
    assert_allclose(ours.alpha_, sk.alpha_, rtol=1e-10)


def test_cv_default_folds_are_sklearns():
    X, y = diabetes()
    sk = sklm.LassoCV(alphas=20, tol=1e-10).fit(X, y)
    ours = penalized.LassoCV(alphas=20).fit(X, y)
    assert ours.n_folds_ == 5
    assert_allclose(ours.mse_path_, sk.mse_path_, rtol=1e-5)


def test_alpha_rule_and_the_old_selection_spelling():
    X, y = diabetes()
    new = penalized.LassoCV(alphas=30, alpha_rule="1se").fit(X, y)
    assert new.alpha_ == new.alpha_1se_ > new.alpha_min_
    with pytest.warns(FutureWarning, match="alpha_rule='1se'"):
        old = penalized.LassoCV(alphas=30, selection="1se").fit(X, y)
    assert old.alpha_ == new.alpha_
    with pytest.warns(FutureWarning, match="alpha_rule"):
        glm = penalized.PoissonRegressorCV(alphas=5, cv=3, selection="1se").fit(
            X[:, :3], np.rint(y / 50))
    assert glm.alpha_ == glm.alpha_1se_
    with pytest.raises(ValueError, match="selection"):
        penalized.LassoCV(selection="1SE").fit(X, y)


def test_negative_alpha_named_as_sklearn():
    X, y = diabetes()
    for est in (sklm.LassoCV(alphas=[1.0, 0.5, -0.1]),
                penalized.LassoCV(alphas=[1.0, 0.5, -0.1])):
        with pytest.raises(ValueError, match=r"alphas\[2\] == -0.1, must be >= 0.0"):
            est.fit(X, y)


def test_groups_reach_the_splitter_under_metadata_routing():
    import sklearn
    from sklearn.model_selection import GroupKFold

    X, y = diabetes()
    groups = np.arange(y.size) % 7
    with sklearn.config_context(enable_metadata_routing=True):
        sk = make_pipeline(StandardScaler(), sklm.LassoCV(cv=GroupKFold(3), tol=1e-10))
        ours = make_pipeline(StandardScaler(), penalized.LassoCV(cv=GroupKFold(3)))
        sk.fit(X, y, groups=groups)
        ours.fit(X, y, groups=groups)  # no set_fit_request needed, as scikit-learn
        assert_allclose(ours[-1].alpha_, sk[-1].alpha_, rtol=1e-10)
        # sample_weight must be requested, as scikit-learn's
        w = np.linspace(0.5, 2.0, y.size)
        sk_w = make_pipeline(sklm.LassoCV(cv=GroupKFold(3), tol=1e-10)
                             .set_fit_request(sample_weight=True))
        ours_w = make_pipeline(penalized.LassoCV(cv=GroupKFold(3))
                               .set_fit_request(sample_weight=True))
        sk_w.fit(X, y, groups=groups, sample_weight=w)
        ours_w.fit(X, y, groups=groups, sample_weight=w)
        assert_allclose(ours_w[-1].alpha_, sk_w[-1].alpha_, rtol=1e-10)
    # without routing, groups is still passed to the splitter
    direct = penalized.LassoCV(cv=GroupKFold(3)).fit(StandardScaler().fit_transform(X), y,
                                                    groups=groups)
    assert_allclose(direct.alpha_, sk[-1].alpha_, rtol=1e-10)
    with pytest.raises(TypeError, match="unexpected keyword argument 'grups'"):
        penalized.LassoCV().fit(X, y, grups=groups)


def test_cv_inside_grid_search():
    X, y = diabetes()
    grid = GridSearchCV(penalized.ElasticNetCV(alphas=10, cv=3),
                        {"l1_ratio": [0.5, 1.0], "selection": ["cyclic", "random"]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["l1_ratio"] in (0.5, 1.0)


# ------------------------------------------------------------------------------ multi-task
def multitask_data(seed=0):
    X, y = diabetes()
    rng = np.random.default_rng(seed)
    Y = np.column_stack([y, 0.5 * y + 200 * X[:, 2], -y + 100 * rng.standard_normal(y.size)])
    return X, Y


def multitask_objective(X, Y, m, alpha, l1_ratio, s=None):
    """scikit-learn's objective: (1/(2n)) ||Y - XW||_Fro^2 + alpha l1_ratio ||W||_21 +
    alpha (1 - l1_ratio) / 2 ||W||_Fro^2 (weights normalized to sum to n)."""
    s = np.ones(len(Y)) if s is None else s * len(Y) / s.sum()
    R = Y - np.asarray(X @ m.coef_.T) - m.intercept_
    W = m.coef_
    return float(s @ (R * R).sum(axis=1) / (2 * len(Y))
                 + alpha * l1_ratio * np.linalg.norm(W, axis=0).sum()
                 + 0.5 * alpha * (1 - l1_ratio) * (W * W).sum())


@pytest.mark.parametrize("alpha", [0.1, 3.0, 30.0])
@pytest.mark.parametrize("cls,l1_ratio", [("MultiTaskLasso", 1.0),
                                          ("MultiTaskElasticNet", 0.5)])
@pytest.mark.parametrize("case", ["dense", "sparse", "weighted", "noicpt"])
def test_multitask_same_model(cls, l1_ratio, alpha, case):
    """Same objective as scikit-learn's at its defaults: ours at most scikit-learn's plus
    our gap (ours is within its gap of the optimum, scikit-learn's is not below it), and
    within both gaps of it (scikit-learn's dual_gap_ is on n times the objective)."""
    X, Y = multitask_data()
    s = np.random.default_rng(2).uniform(0.5, 2.0, len(Y)) if case == "weighted" else None
    if case == "sparse":
        X = sp.csc_matrix(np.where(np.abs(X) < 0.02, 0.0, X))
    kw = dict(alpha=alpha, fit_intercept=case != "noicpt")
    if cls == "MultiTaskElasticNet":
        kw["l1_ratio"] = l1_ratio
    sk = getattr(sklm, cls)(**kw).fit(X, Y, sample_weight=s)
    ours = getattr(penalized, cls)(**kw).fit(X, Y, sample_weight=s)
    P, P_sk = (multitask_objective(X, Y, m, alpha, l1_ratio, s) for m in (ours, sk))
    rounding = 1e-12 * abs(P_sk)
    assert P <= P_sk + ours.dual_gap_ + rounding
    assert abs(P - P_sk) <= ours.dual_gap_ + sk.dual_gap_ / len(Y) + rounding
    assert ours.coef_.shape == sk.coef_.shape and ours.intercept_.shape == (3,)
    assert isinstance(ours.n_iter_, int) and sp.issparse(ours.sparse_coef_)
    # tight, both reach the same solution
    sk = getattr(sklm, cls)(**kw, **SK_TIGHT).fit(X, Y, sample_weight=s)
    ours = getattr(penalized, cls)(**kw, tol=1e-12).fit(X, Y, sample_weight=s)
    scale = np.abs(sk.coef_).max()
    assert_allclose(ours.coef_, sk.coef_, atol=1e-5 * scale)
    assert_array_equal(np.all(ours.coef_ == 0, axis=0), np.all(sk.coef_ == 0, axis=0))
    assert_allclose(ours.intercept_, sk.intercept_, atol=1e-5 * np.abs(Y).max())


def test_multitask_selection_random_and_errors():
    X, Y = multitask_data()
    kw = dict(alpha=1.0, tol=1e-12)
    a = penalized.MultiTaskLasso(selection="random", random_state=0, **kw).fit(X, Y)
    b = penalized.MultiTaskLasso(selection="random", random_state=0, **kw).fit(X, Y)
    c = penalized.MultiTaskLasso(**kw).fit(X, Y)
    assert_array_equal(a.coef_, b.coef_)
    assert_allclose(a.coef_, c.coef_, atol=1e-6 * np.abs(c.coef_).max())
    with pytest.raises(ValueError, match="selection"):
        penalized.MultiTaskLasso(selection="shuffle").fit(X, Y)
    for cls in ("MultiTaskLasso", "MultiTaskElasticNet"):
        for mod in (sklm, penalized):
            with pytest.raises(ValueError, match="mono-task"):
                getattr(mod, cls)().fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="copy_X"):
        penalized.MultiTaskElasticNet(copy_X="yes").fit(X, Y)
    warm = penalized.MultiTaskElasticNet(alpha=1.0, warm_start=True, tol=1e-10).fit(X, Y)
    first = warm.n_iter_
    assert warm.fit(X, Y).n_iter_ <= first


@pytest.mark.parametrize("cls,l1_ratio", [("MultiTaskLassoCV", None),
                                          ("MultiTaskElasticNetCV", 0.7),
                                          ("MultiTaskElasticNetCV", [0.3, 0.9])])
@pytest.mark.parametrize("selection", ["cyclic", "random"])
def test_multitask_cv_same_alpha(cls, l1_ratio, selection):
    """scikit-learn's defaults (cv=None: 5 unshuffled folds, 100 alphas from alpha_max
    down to 1e-3 of it): the same grid, the same alpha_ (and l1_ratio_) and attributes of
    the same shapes as scikit-learn's; the mse_path_ at our defaults within 1e-4 of the
    exact curve (scikit-learn's at tol=1e-12; scikit-learn's own at its defaults is off
    by 6e-3 on the lasso's, 1e-5 on the elastic net's)."""
    X, Y = multitask_data(seed=1)
    kw = dict(selection=selection, random_state=0)
    if l1_ratio is not None:
        kw["l1_ratio"] = l1_ratio
    exact = getattr(sklm, cls)(tol=1e-12, max_iter=1_000_000, **kw).fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = getattr(sklm, cls)(**kw).fit(X, Y)
    ours = getattr(penalized, cls)(**kw).fit(X, Y)
    assert ours.alphas_.shape == exact.alphas_.shape
    assert_allclose(ours.alphas_, exact.alphas_, rtol=1e-10)
    assert ours.mse_path_.shape == exact.mse_path_.shape
    assert_allclose(ours.mse_path_, exact.mse_path_, rtol=1e-4)
    assert ours.alpha_ == pytest.approx(exact.alpha_, rel=1e-10)
    assert ours.alpha_ == pytest.approx(sk.alpha_, rel=1e-10)
    if l1_ratio is not None:
        assert ours.l1_ratio_ == exact.l1_ratio_ == sk.l1_ratio_
    assert ours.coef_.shape == exact.coef_.shape and ours.intercept_.shape == (3,)
    # the refit at alpha_: within our gap of the exact one (coefficients along the
    # diabetes design's near-collinear columns are loosely determined at tol=1e-7)
    r = 1.0 if l1_ratio is None else ours.l1_ratio_
    P, P_exact = (multitask_objective(X, Y, m, ours.alpha_, r) for m in (ours, exact))
    assert abs(P - P_exact) <= ours.dual_gap_ + exact.dual_gap_ / len(Y) + 1e-12 * P_exact
    assert isinstance(ours.n_iter_, int) and ours.dual_gap_ >= 0
