"""RidgeCV side by side with scikit-learn's RidgeCV, and its leave-one-out errors against
refits without each sample (an independent reference)."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
import sklearn.linear_model as sklm
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_diabetes
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.metrics import make_scorer, mean_squared_error
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import penalized
from penalized.estimators import _gcv

ALPHAS = np.logspace(-2, 3, 11)


def problem(n, p, *, targets=None, sparse=None, seed=0):
    """Columns of different scales and non-zero means; ``sparse``: 60% zeros, that format."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 3.0, p) + rng.uniform(-2, 2, p)
    if sparse:
        X[rng.random((n, p)) < 0.6] = 0.0
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    if targets:
        y = np.column_stack([(t + 1) * y + 3 * rng.standard_normal(n) + t
                             for t in range(targets)])
    w = rng.uniform(0.2, 3.0, n)
    return (getattr(sp, f"{sparse}_matrix")(X) if sparse else X), y, w


def both(kw, X, y, **fit):
    """scikit-learn's and penalized's RidgeCV with the same parameters and data."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # svd on sparse X: both warn
        sk = sklm.RidgeCV(**kw).fit(X, y, **fit)
        ours = penalized.RidgeCV(**kw).fit(X, y, **fit)
    return sk, ours


def assert_same_results(ours, sk):
    """cv_results_ to 1e-8 relative; entries below 1e-10 of the largest (errors of
    near-interpolated samples, where both carry rounding of that size) to 1e-10 of it."""
    assert ours.cv_results_.shape == sk.cv_results_.shape
    scale = np.abs(sk.cv_results_).max()
    assert_allclose(ours.cv_results_, sk.cv_results_, rtol=1e-8, atol=1e-10 * scale)


def assert_same_model(ours, sk, rtol=1e-8):
    assert_array_equal(ours.alpha_, sk.alpha_)
    assert np.shape(ours.best_score_) == np.shape(sk.best_score_)
    assert_allclose(ours.best_score_, sk.best_score_, rtol=rtol)
    assert ours.coef_.shape == sk.coef_.shape and ours.coef_.dtype == sk.coef_.dtype
    assert_allclose(ours.coef_, sk.coef_, rtol=rtol, atol=rtol * np.abs(sk.coef_).max())
    assert np.shape(ours.intercept_) == np.shape(sk.intercept_)
    assert_allclose(ours.intercept_, sk.intercept_, rtol=rtol, atol=1e-10)
    assert ours.n_features_in_ == sk.n_features_in_


# ---------------------------------------------------------------------- leave-one-out
@pytest.mark.parametrize("gcv_mode", [None, "svd", "eigen"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("targets", [None, 3], ids=["1d", "3targets"])
@pytest.mark.parametrize("sparse", [None, "csr", "csc"])
@pytest.mark.parametrize("shape", [(80, 10), (20, 60)], ids=["tall", "wide"])
def test_loo_same_as_sklearn(shape, sparse, targets, weighted, gcv_mode):
    X, y, w = problem(*shape, targets=targets, sparse=sparse)
    kw = dict(alphas=ALPHAS, gcv_mode=gcv_mode, store_cv_results=True)
    sk, ours = both(kw, X, y, sample_weight=w if weighted else None)
    assert_same_model(ours, sk)
    assert_same_results(ours, sk)
    assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-8, atol=1e-8 * np.ptp(y))


@pytest.mark.parametrize("sparse", [None, "csr"])
@pytest.mark.parametrize("shape", [(80, 10), (20, 60)], ids=["tall", "wide"])
def test_loo_without_intercept(shape, sparse):
    X, y, w = problem(*shape, targets=2, sparse=sparse)
    sk, ours = both(dict(alphas=ALPHAS, fit_intercept=False, store_cv_results=True), X, y,
                    sample_weight=w)
    assert_same_model(ours, sk)
    assert_same_results(ours, sk)
    assert ours.intercept_ == 0.0


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("gcv_mode", ["svd", "eigen"])
@pytest.mark.parametrize("shape", [(40, 6), (15, 30)], ids=["tall", "wide"])
def test_loo_errors_are_refits_without_each_sample(shape, gcv_mode, weighted):
    """cv_results_ with scoring None: s_i (y_i - yhat_{-i})^2, yhat_{-i} from
    scikit-learn's Ridge fitted without sample i."""
    X, y, w = problem(*shape, seed=3)
    s = w if weighted else np.ones(y.size)
    alphas = [0.1, 3.0, 50.0]
    est = penalized.RidgeCV(alphas=alphas, gcv_mode=gcv_mode, store_cv_results=True).fit(
        X, y, sample_weight=w if weighted else None)
    ref = np.empty((y.size, len(alphas)))
    for i in range(y.size):
        keep = np.arange(y.size) != i
        for k, a in enumerate(alphas):
            m = sklm.Ridge(alpha=a, solver="svd").fit(X[keep], y[keep], sample_weight=s[keep])
            ref[i, k] = s[i] * (y[i] - m.predict(X[i:i + 1])[0]) ** 2
    assert_allclose(est.cv_results_, ref, rtol=1e-7)
    assert_allclose(est.best_score_, (-ref.mean(axis=0)).max(), rtol=1e-7)
    assert est.alpha_ == alphas[int(np.argmax(-ref.mean(axis=0)))]


@pytest.mark.parametrize("sparse", [None, "csr"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_alpha_per_target(weighted, sparse):
    X, y, w = problem(50, 8, targets=3, sparse=sparse, seed=1)
    y[:, 1] += 40 * np.random.default_rng(0).standard_normal(50)  # a noisier target
    kw = dict(alphas=np.logspace(-1, 4, 9), alpha_per_target=True, store_cv_results=True)
    sk, ours = both(kw, X, y, sample_weight=w if weighted else None)
    assert ours.alpha_.shape == ours.best_score_.shape == (3,)
    assert len(set(ours.alpha_)) > 1  # the targets do pick different alphas
    assert_same_model(ours, sk)
    assert_same_results(ours, sk)


def test_single_column_y_and_1d_y_with_alpha_per_target():
    X, y, _ = problem(40, 5)
    for yy in (y[:, None], y):
        for per_target in (False, True):
            kw = dict(alphas=ALPHAS, alpha_per_target=per_target, store_cv_results=True)
            sk, ours = both(kw, X, yy)
            assert_same_model(ours, sk)
            assert_same_results(ours, sk)
            assert type(ours.alpha_) is float


def _neg_mse(est, X, y, sample_weight=None):
    return -mean_squared_error(y, est.predict(X), sample_weight=sample_weight)


@pytest.mark.parametrize("scoring", ["r2", "neg_mean_absolute_error", _neg_mse,
                                     make_scorer(mean_squared_error,
                                                 greater_is_better=False)],
                         ids=["r2", "mae", "function", "make_scorer"])
@pytest.mark.parametrize("targets", [None, 2], ids=["1d", "2targets"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_loo_scoring(scoring, targets, weighted):
    X, y, w = problem(60, 8, targets=targets, seed=2)
    kw = dict(alphas=ALPHAS, scoring=scoring, store_cv_results=True)
    sk, ours = both(kw, X, y, sample_weight=w if weighted else None)
    assert_same_model(ours, sk)
    # the leave-one-out predictions themselves
    assert_allclose(ours.cv_results_, sk.cv_results_, rtol=1e-9, atol=1e-9 * np.ptp(y))
    if targets:
        kw["alpha_per_target"] = True
        sk, ours = both(kw, X, y, sample_weight=w if weighted else None)
        assert ours.best_score_.shape == (targets,)
        assert_same_model(ours, sk)


def test_loo_scoring_none_is_weighted_mse():
    """best_score_ is -mean_i s_i e_i^2 (not divided by the weights' mean), and a scorer
    given the same predictions and weights ranks the alphas as it does."""
    X, y, w = problem(60, 8, seed=4)
    a = penalized.RidgeCV(alphas=ALPHAS, store_cv_results=True).fit(X, y, sample_weight=w)
    assert_allclose(a.best_score_, (-a.cv_results_.mean(axis=0)).max(), rtol=1e-12)


def test_zero_weight_samples_with_a_scorer():
    """A sample of weight 0 is in no fit: the model, scores and the other samples'
    predictions are scikit-learn's without it; its prediction is the full fit's
    (scikit-learn divides by its zero weight and fails on NaN)."""
    X, y, w = problem(50, 6, seed=5)
    w[[3, 17]] = 0.0
    keep = w > 0
    kw = dict(alphas=ALPHAS, scoring="r2", store_cv_results=True)
    ours = penalized.RidgeCV(**kw).fit(X, y, sample_weight=w)
    sk = sklm.RidgeCV(**kw).fit(X[keep], y[keep], sample_weight=w[keep])
    assert_same_model(ours, sk)
    assert_allclose(ours.cv_results_[keep], sk.cv_results_, rtol=1e-9)
    full = penalized.Ridge(alpha=ours.alpha_).fit(X, y, sample_weight=w)
    k = int(np.flatnonzero(ALPHAS == ours.alpha_)[0])
    assert_allclose(ours.cv_results_[~keep, k], full.predict(X[~keep]), rtol=1e-9)
    with pytest.raises(ValueError, match="NaN"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # its division by zero
        sklm.RidgeCV(**kw).fit(X, y, sample_weight=w)


@pytest.mark.parametrize("gcv_mode", [None, "svd"])
def test_float32_like_sklearn(gcv_mode):
    X, y, _ = problem(60, 8)
    X = X.astype(np.float32)
    kw = dict(alphas=ALPHAS, gcv_mode=gcv_mode, store_cv_results=True)
    sk, ours = both(kw, X, y)
    assert ours.coef_.dtype == ours.cv_results_.dtype == np.float32
    assert type(ours.intercept_) is type(sk.intercept_)
    assert_same_model(ours, sk, rtol=1e-6)


def test_chunked_alphas_and_rows_give_the_same_numbers(monkeypatch):
    """The alphas are processed in blocks and X'X's leverages by row blocks: tiny blocks
    change nothing."""
    X, y, w = problem(90, 7, targets=2, sparse="csr")
    kw = dict(alphas=np.logspace(-2, 4, 25), store_cv_results=True, alpha_per_target=True)
    ref = penalized.RidgeCV(**kw).fit(X, y, sample_weight=w)
    monkeypatch.setattr(_gcv, "_BLOCK", 50)
    small = penalized.RidgeCV(**kw).fit(X, y, sample_weight=w)
    assert_allclose(small.cv_results_, ref.cv_results_, rtol=1e-12)
    assert_array_equal(small.alpha_, ref.alpha_)


def test_sparse_svd_falls_back_with_sklearns_warning():
    X, y, _ = problem(30, 5, sparse="csr")
    with pytest.warns(FutureWarning, match="'svd' mode is not supported for sparse X"):
        a = penalized.RidgeCV(gcv_mode="svd").fit(X, y)
    b = penalized.RidgeCV(gcv_mode="eigen").fit(X, y)
    assert_array_equal(a.coef_, b.coef_)


def test_sparse_X_is_not_densified():
    X, y, _ = problem(30, 5, sparse="csr")
    design = _gcv.ScaledDesign(X, np.sqrt(np.full(30, 2.0)), np.ones(5), True)
    assert sp.issparse(design.X)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", [(200, 20), (30, 60)], ids=["tall", "wide"])
def test_sparse_column_with_a_large_mean(shape, weighted):
    """A timestamp-like column (1e8 plus noise of 1) in sparse X: X'X - S xbar xbar'
    would cancel (scikit-learn's sparse fit is then far from its dense one); it is centered
    explicitly, and the sparse fit is scikit-learn's dense fit."""
    n, p = shape
    rng = np.random.default_rng(11)
    X = rng.standard_normal((n, p))
    X[rng.random((n, p)) < 0.6] = 0.0
    X[:, 0] = 1e8 + rng.standard_normal(n)
    y = X[:, 1] + 3 * (X[:, 0] - 1e8) + rng.standard_normal(n)
    w = rng.uniform(0.5, 2.0, n) if weighted else None
    kw = dict(alphas=np.logspace(-2, 2, 5), store_cv_results=True)
    sk = sklm.RidgeCV(**kw).fit(X, y, sample_weight=w)
    ours = penalized.RidgeCV(**kw).fit(sp.csr_matrix(X), y, sample_weight=w)
    assert_same_model(ours, sk, rtol=1e-7)
    assert_same_results(ours, sk)
    design = _gcv.ScaledDesign(sp.csr_matrix(X), np.ones(n), X.mean(axis=0), False)
    assert_array_equal(design.cols, [0])  # only that column is dense


def test_one_sample_refused():
    X, y, _ = problem(5, 3)
    with pytest.raises(ValueError, match="n_samples=1"):
        penalized.RidgeCV().fit(X[:1], y[:1])


# ------------------------------------------------------------------------ with a splitter
@pytest.mark.parametrize("scoring", [None, "neg_mean_absolute_error"])
@pytest.mark.parametrize("cv", [5, KFold(4, shuffle=True, random_state=0)],
                         ids=["int", "KFold"])
@pytest.mark.parametrize("targets", [None, 2], ids=["1d", "2targets"])
def test_cv_same_as_sklearn(cv, scoring, targets):
    X, y, w = problem(60, 8, targets=targets, seed=6)
    kw = dict(alphas=[0.0, 0.1, 10.0, 1000.0], cv=cv, scoring=scoring)
    sk, ours = both(kw, X, y, sample_weight=w)
    assert type(ours.alpha_) is type(sk.alpha_)
    assert_same_model(ours, sk, rtol=1e-7)
    assert not hasattr(ours, "cv_results_")


def test_cv_sparse_X():
    """scikit-learn fits sparse X with its iterative sparse_cg solver (tol 1e-4); ours
    are exact: same alpha, and the model of scikit-learn's dense fit."""
    X, y, _ = problem(60, 8, sparse="csr", seed=7)
    kw = dict(alphas=[0.1, 10.0, 1000.0], cv=3)
    sk_dense = sklm.RidgeCV(**kw).fit(X.toarray(), y)
    sk, ours = both(kw, X, y)
    assert ours.alpha_ == sk.alpha_ == sk_dense.alpha_
    assert_allclose(ours.coef_, sk_dense.coef_, rtol=1e-8)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-3)


def test_groups_reach_the_splitter_with_routing():
    X, y, _ = problem(60, 8, seed=8)
    groups = np.arange(60) % 6
    kw = dict(alphas=[0.1, 10.0, 1000.0], cv=GroupKFold(3))
    with sklearn.config_context(enable_metadata_routing=True):
        sk, ours = both(kw, X, y, groups=groups)
        assert_same_model(ours, sk)
        # groups also reach the splitter inside a Pipeline, without set_fit_request
        pipe = make_pipeline(StandardScaler(), penalized.RidgeCV(**kw)).fit(X, y,
                                                                            groups=groups)
        sk_pipe = make_pipeline(StandardScaler(), sklm.RidgeCV(**kw)).fit(X, y,
                                                                          groups=groups)
        assert_same_model(pipe[-1], sk_pipe[-1])
        assert (penalized.RidgeCV(**kw).get_metadata_routing()._serialize()
                == sklm.RidgeCV(**kw).get_metadata_routing()._serialize())
        # leave-one-out has no splitter: groups go nowhere, as in scikit-learn
        for cls in (sklm.RidgeCV, penalized.RidgeCV):
            with pytest.raises(TypeError, match="not routed to any object"):
                cls().fit(X, y, groups=groups)
    # without routing, groups still reach the splitter (scikit-learn refuses them)
    ours = penalized.RidgeCV(**kw).fit(X, y, groups=groups)
    assert_same_model(ours, sk)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        sklm.RidgeCV(**kw).fit(X, y, groups=groups)
    # other keywords, and groups without a splitter, are refused with scikit-learn's message
    for cls in (sklm.RidgeCV, penalized.RidgeCV):
        with pytest.raises(ValueError, match="enable_metadata_routing=True"):
            cls(**kw).fit(X, y, foldid=groups)
        with pytest.raises(ValueError, match="enable_metadata_routing=True"):
            cls().fit(X, y, groups=groups)


@pytest.mark.parametrize("cv", [None, 3])
def test_sample_weight_reaches_the_scorer_with_routing(cv):
    X, y, w = problem(60, 8, seed=9)
    with sklearn.config_context(enable_metadata_routing=True):
        sk, ours = both(dict(alphas=ALPHAS, cv=cv), X, y, sample_weight=w)
        assert_same_model(ours, sk)
        for cls in (sklm.RidgeCV, penalized.RidgeCV):
            with pytest.raises(UnsetMetadataPassedError):
                cls(scoring="r2", cv=cv).fit(X, y, sample_weight=w)


# --------------------------------------------------------------------------- errors
BAD = [
    dict(alphas=[1.0, -1.0]),
    dict(alphas=[0.0, 1.0]),
    dict(alphas=[-1.0]),
    dict(alphas=0.0),
    dict(alphas=-2),
    dict(alphas="a"),
    dict(alphas=[1.0, "a"]),
    dict(alphas=[[1.0, 2.0]]),
    dict(alphas=[-1.0, 1.0], cv=3),
    dict(store_cv_results=True, cv=3),
    dict(alpha_per_target=True, cv=3),
    dict(gcv_mode="cholesky"),
    dict(fit_intercept=1),
    dict(store_cv_results="yes"),
    dict(cv="a"),
    dict(cv=1),
]


@pytest.mark.parametrize("kw", BAD, ids=[str(k) for k in BAD])
def test_invalid_parameters_raise_like_sklearn(kw):
    X, y, _ = problem(30, 4)
    with pytest.raises((ValueError, TypeError)) as sk_err:
        sklm.RidgeCV(**kw).fit(X, y)
    with pytest.raises((ValueError, TypeError)) as ours_err:
        penalized.RidgeCV(**kw).fit(X, y)
    for kind in (ValueError, TypeError):  # ours are both, as InvalidParameterError
        assert isinstance(ours_err.value, kind) or not isinstance(sk_err.value, kind)
    assert _sorted_sets(str(ours_err.value)) == _sorted_sets(str(sk_err.value))


def _sorted_sets(message):
    """A set printed in a message, with its elements sorted (its order is the hash's)."""
    return re.sub(r"\{([^{}]*)\}",
                  lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", message)


def test_invalid_scoring_raises_like_sklearn():
    X, y, _ = problem(30, 4)
    for cls in (sklm.RidgeCV, penalized.RidgeCV):
        with pytest.raises(ValueError, match="The 'scoring' parameter of RidgeCV must be a "
                                             "str among .*, a callable or None. Got 'foo'"):
            cls(scoring="foo").fit(X, y)


@pytest.mark.parametrize("alphas", [[np.nan, 1.0], [1.0, np.inf], []])
def test_grids_sklearn_lets_through_are_refused(alphas):
    """scikit-learn fits these (alpha_ nan, or None for an empty grid); here they raise."""
    X, y, _ = problem(30, 4)
    with pytest.raises(ValueError, match="alphas"):
        penalized.RidgeCV(alphas=alphas).fit(X, y)


def test_one_alpha_grids():
    """A scalar, a 0-d array and a 1-tuple (scikit-learn fails on the last two)."""
    X, y, _ = problem(30, 4)
    ref = sklm.RidgeCV(alphas=[2.0]).fit(X, y)
    for alphas in (2.0, np.array(2.0), (2.0,), [2.0]):
        ours = penalized.RidgeCV(alphas=alphas).fit(X, y)
        assert_same_model(ours, ref)
    grid = [2.0]
    penalized.RidgeCV(alphas=grid).fit(X, y)
    assert grid == [2.0] and type(grid[0]) is float  # the user's list is not rewritten


# ---------------------------------------------------------------- composition
def test_pipeline_and_grid_search_like_sklearn():
    X, y = load_diabetes(return_X_y=True)
    grid = {"ridgecv__fit_intercept": [True, False],
            "ridgecv__alphas": [(0.1, 1.0), (10.0, 100.0)]}
    sk = GridSearchCV(make_pipeline(StandardScaler(), sklm.RidgeCV()), grid, cv=3).fit(X, y)
    ours = GridSearchCV(make_pipeline(StandardScaler(), penalized.RidgeCV()), grid,
                        cv=3).fit(X, y)
    assert sk.best_params_ == ours.best_params_
    assert_allclose(ours.best_score_, sk.best_score_, rtol=1e-10)
    assert_same_model(ours.best_estimator_[-1], sk.best_estimator_[-1])


def test_feature_names_in():
    pd = pytest.importorskip("pandas")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    assert isinstance(X, pd.DataFrame)
    for cv in (None, 3):
        est = penalized.RidgeCV(cv=cv).fit(X, y)
        assert_array_equal(est.feature_names_in_, X.columns)


def test_diabetes_docstring_numbers():
    X, y = load_diabetes(return_X_y=True)
    sk, ours = both(dict(alphas=[1e-3, 1e-2, 1e-1, 1]), X, y)
    assert_same_model(ours, sk)
    assert_allclose(ours.score(X, y), sk.score(X, y), rtol=1e-12)
