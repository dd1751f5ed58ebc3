"""Cross-validated estimators: agreement with scikit-learn on the same folds, the selection
rules computed by hand, relaxed fits against least squares, fold assignment, parallel folds,
prediction along the path and input validation.

scikit-learn's LogisticRegressionCV has ``C`` multiply the *sum* of the training losses, so
``C = 1 / (n_train * alpha)``; the logistic comparisons use folds of equal size (``KFold(5)``
on a number of samples divisible by 5), which makes that mapping exact on every fold.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import linear_model as sk
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, mean_poisson_deviance, roc_auc_score
from sklearn.model_selection import GroupKFold, KFold, PredefinedSplit
from sklearn.preprocessing import StandardScaler

from penalized import path
from penalized.datafits import Logistic
from penalized.model_selection import (
    ElasticNetCV,
    LassoCV,
    LogisticRegressionCV,
    PoissonRegressorCV,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TIGHT = dict(tol=1e-12, max_iter=100_000)
# penalized's glmnet-style logistic CV: its alpha grid (``alphas``) and the deviance
GLMNET = dict(measure="deviance", use_legacy_attributes=False)


def _diabetes():
    return load_diabetes(return_X_y=True)


def _classification(loader, n, p=None):
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    idx = np.random.default_rng(0).permutation(len(y))[:n]
    X, y = X[idx], y[idx]
    return (X if p is None else X[:, :p]), y


# ------------------------------------------------------------------ scikit-learn agreement
def test_lasso_cv_matches_scikit_learn_on_diabetes():
    X, y = _diabetes()
    ours = LassoCV(alphas=100, cv=KFold(5), **TIGHT).fit(X, y)
    ref = sk.LassoCV(alphas=100, cv=KFold(5), **TIGHT).fit(X, y)
    assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-6)
    assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-6)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-6)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6 * np.abs(ref.coef_).max())
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-6)
    assert_allclose(ours.cv_scores_, ours.mse_path_)
    assert ours.cv_scores_.shape == (100, 5) and ours.n_folds_ == 5
    assert_array_equal(ours.n_nonzero_, ours.path_.df)
    assert np.all(np.diff(ours.alphas_) < 0)


def test_elastic_net_cv_matches_scikit_learn_over_l1_ratios():
    X, y = _diabetes()
    l1 = [0.1, 0.5, 0.9]
    ours = ElasticNetCV(l1_ratio=l1, alphas=40, cv=KFold(5), **TIGHT).fit(X, y)
    ref = sk.ElasticNetCV(l1_ratio=l1, alphas=40, cv=KFold(5), **TIGHT).fit(X, y)
    assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-6)  # (n_l1_ratios, n_alphas)
    assert ours.mse_path_.shape == ref.mse_path_.shape == (3, 40, 5)
    assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-6)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-6)
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert_allclose(ours.path_.alphas, ref.alphas_[l1.index(ours.l1_ratio_)])


def test_lasso_cv_with_sample_weight_matches_scikit_learn():
    X, y = _diabetes()
    sw = np.random.default_rng(0).uniform(0.2, 3.0, y.size)
    ours = LassoCV(alphas=30, cv=KFold(5), **TIGHT).fit(X, y, sample_weight=sw)
    ref = sk.LassoCV(alphas=30, cv=KFold(5), **TIGHT).fit(X, y, sample_weight=sw)
    assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-6)
    assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-6)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-6)


@pytest.mark.skipif(not (DATA / "riboflavin").is_dir(), reason="riboflavin data absent")
def test_riboflavin_matches_scikit_learn():
    d = np.load(DATA / "riboflavin" / "data.npz")
    X, y = d["X"], d["y"]
    grid = dict(alphas=15, eps=0.02, cv=KFold(5))  # the minimum is inside the grid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # scikit-learn at tol 1e-12
        ours = LassoCV(**grid, **TIGHT).fit(X, y)
        ref = sk.LassoCV(**grid, **TIGHT).fit(X, y)
        assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-6)
        assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-6)
        assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-6)
        assert ours.alphas_[-1] < ours.alpha_ < ours.alphas_[0]
        # p >> n: a gap of 1e-12 leaves ~1e-6 of slack in the test MSE; 1e-14 is needed
        tighter = dict(tol=1e-14, max_iter=1_000_000)
        ours = ElasticNetCV(l1_ratio=0.7, **grid, **tighter).fit(X, y)
        ref = sk.ElasticNetCV(l1_ratio=0.7, **grid, **tighter).fit(X, y)
    assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-6)
    assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-6)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-6)


def _sk_logistic_cv(X, y, alphas, l1_ratio, solver, tol):
    n_train = len(y) * 4 // 5
    assert len(y) % 5 == 0  # equal training folds: C = 1 / (n_train * alpha) on each
    ref = sk.LogisticRegressionCV(Cs=1.0 / (n_train * alphas), l1_ratios=[l1_ratio],
                                  cv=KFold(5), solver=solver, scoring="neg_log_loss",
                                  tol=tol, max_iter=100_000, random_state=0,
                                  use_legacy_attributes=False).fit(X, y)
    mean_log_loss = -np.asarray(ref.scores_).reshape(5, -1).mean(axis=0)
    return 1.0 / (n_train * float(np.ravel(ref.C_)[0])), mean_log_loss


@pytest.mark.parametrize("case", ["binary-l2", "binary-l1", "multinomial-l2"])
def test_logistic_cv_picks_scikit_learns_alpha(case):
    if case == "binary-l2":
        (X, y), pen, solver, tol, eps = _classification(load_breast_cancer, 560), "l2", \
            "lbfgs", 1e-10, 1e-3
    elif case == "binary-l1":  # saga is slow: fewer features and samples
        (X, y), pen, solver, tol, eps = _classification(load_breast_cancer, 300, 10), "l1", \
            "saga", 1e-6, 3e-3
    else:
        (X, y), pen, solver, tol, eps = _classification(load_wine, 175), "l2", "lbfgs", \
            1e-10, 1e-3
    n_alphas = 12 if case == "binary-l1" else 20
    ours = LogisticRegressionCV(l1_ratios=[1.0 if pen == "l1" else 0.0], alphas=n_alphas,
                                eps=eps, cv=KFold(5), tol=1e-8, **GLMNET).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        alpha, mean_log_loss = _sk_logistic_cv(X, y, ours.alphas_, 1.0 if pen == "l1" else 0.0,
                                               solver, tol)
    assert ours.alphas_[-1] < ours.alpha_ < ours.alphas_[0]  # an interior minimum
    assert ours.alpha_ == pytest.approx(alpha, rel=1e-9)
    # our deviance is twice the mean log-loss
    assert_allclose(ours.cv_mean_ / 2, mean_log_loss, rtol=1e-3, atol=1e-4)


def test_poisson_cv_matches_a_brute_force_scikit_learn_loop():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((150, 6))
    y = rng.poisson(np.exp(0.3 * X[:, 0] - 0.2 * X[:, 1] + 0.5))
    alphas = np.geomspace(1.0, 1e-4, 8)
    folds = list(KFold(3).split(X))
    ours = PoissonRegressorCV(l1_ratio=0.0, alphas=alphas, cv=folds, **TIGHT).fit(X, y)
    dev = np.array([[mean_poisson_deviance(
        y[te], sk.PoissonRegressor(alpha=a, tol=1e-12, max_iter=10_000)
        .fit(X[tr], y[tr]).predict(X[te])) for tr, te in folds] for a in alphas])
    assert_allclose(ours.cv_scores_, dev, rtol=1e-5)
    assert ours.alpha_ == alphas[np.argmin(dev.mean(axis=1))]


# --------------------------------------------------------------------- selection rules
@pytest.mark.parametrize("selection", ["min", "1se"])
def test_min_and_one_standard_error_rules_by_hand(selection):
    X, y = _diabetes()
    est = LassoCV(alphas=50, cv=KFold(10), alpha_rule=selection).fit(X, y)
    scores = est.cv_scores_
    mean = scores.mean(axis=1)
    se = scores.std(axis=1, ddof=1) / np.sqrt(scores.shape[1])
    assert_allclose(est.cv_mean_, mean)
    assert_allclose(est.cv_se_, se)
    i = np.argmin(mean)
    assert est.alpha_min_ == est.alphas_[i]
    alpha_1se = est.alphas_[mean <= mean[i] + se[i]].max()
    assert est.alpha_1se_ == alpha_1se and alpha_1se > est.alpha_min_
    assert est.alpha_ == (alpha_1se if selection == "1se" else est.alpha_min_)
    j = int(np.flatnonzero(est.alphas_ == est.alpha_)[0])
    assert_allclose(est.coef_, est.path_.coef_at(j))
    assert est.intercept_ == pytest.approx(est.path_.intercepts[j])
    assert est.score_name_ == "Mean squared error" and est.gamma_ == 1.0


# ------------------------------------------------------------------------ relaxed lasso
def _lstsq(X, y, support):
    A = np.column_stack([X[:, support], np.ones(len(y))])
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    w = np.zeros(X.shape[1])
    w[support] = sol[:-1]
    return w, sol[-1]


def test_relaxed_gamma_zero_is_least_squares_on_the_support():
    X, y = _diabetes()
    est = LassoCV(alphas=20, cv=KFold(5), relax=True, gammas=[0.0], **TIGHT).fit(X, y)
    assert est.gamma_ == 0.0
    for i in range(est.alphas_.size):
        w_lasso = est.path_.coef_at(i)
        w, b = _lstsq(X, y, w_lasso != 0)
        assert_allclose(est.relaxed_path_.coef_at(i), w, rtol=1e-8, atol=1e-8)
        assert_allclose(est.relaxed_path_.intercepts[i], b, rtol=1e-10)
    j = int(np.flatnonzero(est.alphas_ == est.alpha_)[0])
    w, b = _lstsq(X, y, est.path_.coef_at(j) != 0)
    assert_allclose(est.coef_, w, rtol=1e-8, atol=1e-8)
    assert est.intercept_ == pytest.approx(b)
    # the fold errors of gamma = 0 are those of least squares on each fold's supports
    tr, te = list(KFold(5).split(X))[2]
    fold_path = path(X[tr], y[tr], alphas=est.alphas_, **TIGHT)
    for i in (5, 12, 19):
        w, b = _lstsq(X[tr], y[tr], fold_path.coef_at(i) != 0)
        mse = np.mean((y[te] - X[te] @ w - b) ** 2)
        assert est.cv_scores_[i, 2] == pytest.approx(mse, rel=1e-8)


def test_relaxed_blend_and_gamma_grid():
    X, y = _diabetes()
    plain = LassoCV(alphas=20, cv=KFold(5)).fit(X, y)
    est = LassoCV(alphas=20, cv=KFold(5), relax=True).fit(X, y)
    assert_array_equal(est.gammas_, [0.0, 0.25, 0.5, 0.75, 1.0])
    assert est.relax_cv_scores_.shape == (5, 20, 5)
    assert_allclose(est.relax_cv_scores_[-1], plain.cv_scores_)  # gamma = 1 is the lasso
    g = int(np.flatnonzero(est.gammas_ == est.gamma_)[0])
    assert_allclose(est.cv_mean_, est.relax_cv_mean_[g])
    assert est.relax_cv_mean_.min() == pytest.approx(est.cv_mean_.min())
    assert est.relax_cv_mean_.min() <= plain.cv_mean_.min()
    a = est.alphas_[7]
    blend = est.predict(X, alpha=a, gamma=0.25)
    assert_allclose(blend, 0.25 * est.predict(X, alpha=a, gamma=1.0)
                    + 0.75 * est.predict(X, alpha=a, gamma=0.0))
    assert_allclose(est.predict(X, alpha=a, gamma=1.0), plain.predict(X, alpha=a))


def test_relaxed_logistic_runs_and_blends():
    X, y = _classification(load_breast_cancer, 200, 8)
    est = LogisticRegressionCV(l1_ratios=[1.0], alphas=8, eps=1e-2, cv=4, relax=True,
                               gammas=[0.0, 0.5, 1.0], **GLMNET).fit(X, y)
    assert est.relax_cv_scores_.shape == (3, 8, 4)
    d0 = est.decision_function(X, alpha=est.alphas_[4], gamma=0.0)
    d1 = est.decision_function(X, alpha=est.alphas_[4], gamma=1.0)
    assert_allclose(est.decision_function(X, alpha=est.alphas_[4], gamma=0.5), (d0 + d1) / 2)


# ------------------------------------------------------------------------- the folds
def test_foldid_is_the_fold_assignment():
    X, y = _diabetes()
    foldid = np.random.default_rng(1).integers(1, 5, y.size)
    est = LassoCV(alphas=15, scoring="mae", **TIGHT).fit(X, y, foldid=foldid)
    assert est.cv_scores_.shape == (15, 4)
    for k, label in enumerate(np.unique(foldid)):
        tr, te = foldid != label, foldid == label
        res = path(X[tr], y[tr], alphas=est.alphas_, **TIGHT)
        pred = X[te] @ res.coefs.toarray() + res.intercepts
        assert_allclose(est.cv_scores_[:, k], np.abs(y[te, None] - pred).mean(axis=0),
                        rtol=1e-9)
        assert_allclose(est.mse_path_[:, k], ((y[te, None] - pred) ** 2).mean(axis=0),
                        rtol=1e-9)
    same = LassoCV(alphas=15, scoring="mae", cv=PredefinedSplit(foldid), **TIGHT).fit(X, y)
    assert_array_equal(same.cv_scores_, est.cv_scores_)
    ignored = LassoCV(alphas=15, scoring="mae", cv=3, **TIGHT).fit(X, y, foldid=foldid)
    assert_array_equal(ignored.cv_scores_, est.cv_scores_)  # foldid overrides cv


def test_groups_and_splitters_give_their_folds():
    X, y = _diabetes()
    groups = np.arange(y.size) % 7
    splitter = GroupKFold(3)
    est = LassoCV(alphas=10, cv=splitter).fit(X, y, groups=groups)
    foldid = np.empty(y.size, dtype=int)
    for k, (_, te) in enumerate(splitter.split(X, y, groups)):
        foldid[te] = k
    by_id = LassoCV(alphas=10).fit(X, y, foldid=foldid)
    assert_array_equal(est.cv_scores_, by_id.cv_scores_)
    shuffled = KFold(4, shuffle=True, random_state=0)
    a = LassoCV(alphas=10, cv=shuffled).fit(X, y)
    b = LassoCV(alphas=10, cv=list(shuffled.split(X))).fit(X, y)
    assert_array_equal(a.cv_scores_, b.cv_scores_)
    assert a.n_folds_ == 4


def test_n_jobs_gives_identical_results():
    X, y = _diabetes()
    kw = dict(l1_ratio=[0.5, 1.0], alphas=15, cv=KFold(4))
    one = ElasticNetCV(n_jobs=1, **kw).fit(X, y)
    two = ElasticNetCV(n_jobs=2, **kw).fit(X, y)
    assert_array_equal(one.mse_path_, two.mse_path_)
    assert_array_equal(one.coef_, two.coef_)
    Xc, yc = _classification(load_breast_cancer, 200, 8)
    kw = dict(l1_ratios=[1.0], alphas=8, eps=1e-2, cv=4, relax=True, gammas=[0.0, 1.0],
              **GLMNET)
    one = LogisticRegressionCV(n_jobs=1, **kw).fit(Xc, yc)
    two = LogisticRegressionCV(n_jobs=2, **kw).fit(Xc, yc)
    assert_array_equal(one.relax_cv_scores_, two.relax_cv_scores_)
    assert_array_equal(one.coef_, two.coef_)


# ------------------------------------------------------------ prediction along the path
def test_predict_at_any_alpha():
    X, y = _diabetes()
    est = LassoCV(alphas=20, cv=5).fit(X, y)
    for i in (0, 7, 19):
        expected = X @ est.path_.coef_at(i) + est.path_.intercepts[i]
        assert_allclose(est.predict(X, alpha=est.alphas_[i]), expected, rtol=1e-12)
    assert_allclose(est.predict(X), est.predict(X, alpha=est.alpha_))
    mid = np.sqrt(est.alphas_[3] * est.alphas_[4])  # halfway in log(alpha)
    assert_allclose(est.predict(X, alpha=mid), (est.predict(X, alpha=est.alphas_[3])
                                                + est.predict(X, alpha=est.alphas_[4])) / 2)
    assert_allclose(est.predict(X, alpha=10 * est.alphas_[0]), y.mean())
    assert_allclose(est.predict(X, alpha=0.0), est.predict(X, alpha=est.alphas_[-1]))


def test_classifier_and_poisson_predict_at_alpha():
    X, y = _classification(load_wine, 120)
    labels = np.array(["a", "b", "c"])[y]
    clf = LogisticRegressionCV(l1_ratios=[1.0], alphas=6, eps=0.05, cv=3, **GLMNET).fit(
        X, labels)
    assert_array_equal(clf.classes_, ["a", "b", "c"])
    assert clf.coef_.shape == (3, 13) and clf.intercept_.shape == (3,)
    i = 3
    W, b = clf.path_.coef_at(i), clf.path_.intercepts[i]
    assert_allclose(clf.decision_function(X, alpha=clf.alphas_[i]), X @ W + b)
    proba = clf.predict_proba(X, alpha=clf.alphas_[i])
    assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= {"a", "b", "c"}
    rng = np.random.default_rng(0)
    Xp = rng.standard_normal((120, 4))
    yp = rng.poisson(np.exp(0.5 * Xp[:, 0]))
    reg = PoissonRegressorCV(l1_ratio=1.0, alphas=10, cv=3).fit(Xp, yp)
    a = reg.alphas_[5]
    assert_allclose(reg.predict(Xp, alpha=a),
                    np.exp(Xp @ reg.path_.coef_at(5) + reg.path_.intercepts[5]))
    assert reg.score_name_ == "Poisson deviance"


# ---------------------------------------------------------------------------- scoring
@pytest.mark.parametrize("scoring", ["deviance", "mse", "mae", "class", "auc"])
def test_binary_scorings_by_hand(scoring):
    X, y = _classification(load_breast_cancer, 150, 6)
    foldid = np.arange(y.size) % 3
    est = LogisticRegressionCV(l1_ratios=[1.0], alphas=6, eps=0.05, measure=scoring, tol=1e-8,
                               use_legacy_attributes=False).fit(X, y, foldid=foldid)
    tr, te = foldid != 1, foldid == 1
    res = path(X[tr], y[tr].astype(float), Logistic(), alphas=est.alphas_, tol=1e-8,
               max_iter=100_000)
    eta = X[te] @ res.coefs.toarray() + res.intercepts
    p, yt = 1 / (1 + np.exp(-eta)), y[te][:, None]
    expected = {
        "deviance": [2 * log_loss(y[te], p[:, j], labels=[0, 1]) for j in range(6)],
        "mse": (2 * (yt - p) ** 2).mean(axis=0),
        "mae": (2 * np.abs(yt - p)).mean(axis=0),
        "class": ((eta > 0) != yt).mean(axis=0),
        "auc": [1 - roc_auc_score(y[te], eta[:, j]) for j in range(6)],
    }[scoring]
    assert_allclose(est.cv_scores_[:, 1], expected, rtol=1e-7, atol=1e-12)
    assert est.scoring_ == scoring
    assert_allclose(est.scores_[1, 0], -np.asarray(expected), rtol=1e-7, atol=1e-12)


def test_mse_path_is_mse_whatever_the_scoring():
    X, y = _diabetes()
    mae = LassoCV(alphas=10, scoring="mae").fit(X, y)
    mse = LassoCV(alphas=10).fit(X, y)
    assert_allclose(mae.mse_path_, mse.cv_scores_)
    assert not np.allclose(mae.cv_scores_, mse.cv_scores_)
    assert mae.score_name_ == "Mean absolute error"


# ------------------------------------------------------------ options and containers
def test_standardize_penalizes_with_each_fits_standard_deviations():
    X, y = _diabetes()
    X = X * np.arange(1, 11)  # unequal scales
    est = LassoCV(alphas=20, cv=KFold(3), standardize=True, **TIGHT).fit(X, y)
    # standardizing = penalty factors equal to the standard deviations of the fit's data
    full = LassoCV(alphas=20, cv=KFold(3), penalty_factor=X.std(axis=0), **TIGHT).fit(X, y)
    assert_allclose(est.alphas_, full.alphas_, rtol=1e-10)
    assert_allclose(est.path_.coefs.toarray(), full.path_.coefs.toarray(), rtol=1e-7,
                    atol=1e-7)
    for k, (tr, te) in enumerate(KFold(3).split(X)):  # each fold standardizes its own data
        res = path(X[tr], y[tr], alphas=est.alphas_, penalty_factor=X[tr].std(axis=0),
                   **TIGHT)
        pred = X[te] @ res.coefs.toarray() + res.intercepts
        assert_allclose(est.cv_scores_[:, k], ((y[te, None] - pred) ** 2).mean(axis=0),
                        rtol=1e-8)


def test_sparse_and_dataframe_inputs():
    pd = pytest.importorskip("pandas")
    X, y = _diabetes()
    dense = LassoCV(alphas=10, **TIGHT).fit(X, y)
    sparse = LassoCV(alphas=10, **TIGHT).fit(sp.csr_matrix(X), y)
    assert_allclose(sparse.cv_scores_, dense.cv_scores_, rtol=1e-8)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-8, atol=1e-8)
    names = [f"x{j}" for j in range(10)]
    frame = LassoCV(alphas=10).fit(pd.DataFrame(X, columns=names), y)
    assert_array_equal(frame.feature_names_in_, names)
    assert frame.n_features_in_ == 10


# -------------------------------------------------------------------------- bad input
X_BAD, Y_BAD = _diabetes()


@pytest.mark.parametrize("est, fit_kw, name", [
    (LassoCV(scoring="r2"), {}, "scoring"),
    (LassoCV(scoring="auc"), {}, "scoring"),
    (LassoCV(selection="max"), {}, "selection"),
    (LassoCV(alpha_rule="max"), {}, "alpha_rule"),
    (LassoCV(precompute=np.eye(3)), {}, "precompute"),
    (LassoCV(alphas=[0.1, -1.0]), {}, r"alphas\[1\] == -1.0"),
    (LassoCV(cv=1), {}, "cv"),
    (LassoCV(), {"foldid": np.zeros(10)}, "foldid"),
    (LassoCV(), {"foldid": np.zeros(442)}, "foldid"),
    (ElasticNetCV(relax=True), {}, "relax"),
    (ElasticNetCV(l1_ratio=[0.5, 1.5]), {}, "l1_ratio"),
    (LassoCV(relax=True, gammas=[0.5, 1.5]), {}, "gammas"),
    (LassoCV(alphas=[1.0, -1.0]), {}, "alphas"),
    (LassoCV(eps=0.0), {}, "eps"),
])
def test_bad_parameters_raise_value_errors_naming_them(est, fit_kw, name):
    with pytest.raises(ValueError, match=name):
        est.fit(X_BAD[:, :4], Y_BAD, **fit_kw)


def test_bad_classifier_and_predict_arguments():
    X, y = _classification(load_wine, 90)
    kw = dict(use_legacy_attributes=False, scoring="accuracy")
    with pytest.raises(ValueError, match="relax"):
        LogisticRegressionCV(l1_ratios=(0,), relax=True, **kw).fit(X, y)
    with pytest.raises(ValueError, match="penalty"):
        LogisticRegressionCV(penalty="l3", **kw).fit(X, y)
    with pytest.raises(ValueError, match="measure"):  # AUC is binary only
        LogisticRegressionCV(l1_ratios=(0,), measure="auc", use_legacy_attributes=False).fit(X, y)
    with pytest.raises(ValueError, match="y"):
        PoissonRegressorCV().fit(X, -np.ones(len(X)))
    est = LassoCV(alphas=5).fit(X_BAD, Y_BAD)
    with pytest.raises(ValueError, match="gamma"):
        est.predict(X_BAD, gamma=0.5)
    with pytest.raises(ValueError, match="alpha"):
        est.predict(X_BAD, alpha=-1.0)


@pytest.mark.parametrize("fit_intercept,standardize,weighted,l1_ratio,bounds", [
    (True, False, False, 1.0, False), (True, True, True, 0.5, False),
    (False, False, True, 0.8, True), (True, False, True, 1.0, True)])
def test_downdated_gram_fold_paths_equal_fold_paths(fit_intercept, standardize, weighted,
                                                    l1_ratio, bounds):
    """Tall dense folds are solved on the all-rows Gram matrix minus the test rows'
    part: each fold's path equals penalized.path on the copied training rows."""
    from penalized.datafits import Quadratic
    from penalized.model_selection._cv import make_folds, path_kwargs
    from penalized.model_selection._gram_cv import FoldGrams, gram_fold_path
    from penalized.solvers.engine import cv_on_gram_downdates

    rng = np.random.default_rng(11)
    n, p = 300, 12
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 3.0, p) + rng.uniform(-5, 5, p)
    X = np.asfortranarray(X)
    y = X[:, :3] @ [1.0, -2.0, 0.5] + rng.standard_normal(n) + 3.0
    sw = rng.uniform(0.2, 3.0, n) if weighted else None
    # (coefficients compared at 1e-7: the fits aim below what a gap of 1e-12 guarantees)
    est = ElasticNetCV(l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                                 standardize=standardize, tol=1e-14,
                                 lower_bounds=-0.4 if bounds else None,
                                 upper_bounds=1.5 if bounds else None)
    kw = path_kwargs(est)
    folds = make_folds(4, X, y)
    from penalized.model_selection._cv import fold_design

    assert cv_on_gram_downdates(X, Quadratic(), fold_design(X, sw, kw)[1], folds, relax=False)
    grid = np.geomspace(2.0, 2e-3, 15)
    fg = FoldGrams(X, y, sw, fit_intercept)
    for train, test in folds:
        W, b = gram_fold_path(fg, train, test, grid, l1_ratio, kw)
        ref = path(X[train], y[train], l1_ratio=l1_ratio, alphas=grid,
                   sample_weight=None if sw is None else sw[train],
                   **{k: v for k, v in kw.items() if k not in ("precompute", "seed")})
        np.testing.assert_allclose(W, ref.coefs.toarray(), atol=1e-7)
        np.testing.assert_allclose(b, ref.intercepts, atol=1e-6)


@pytest.mark.parametrize("p", [5, 205])
def test_training_fold_with_zero_weight_is_a_clear_error(p):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, p))
    y = X[:, 0] + rng.standard_normal(100)
    sw = np.zeros(100)
    sw[:20] = 1.0  # KFold(5): the first fold's training rows all have weight 0
    with pytest.raises(ValueError, match="sample_weight"):
        LassoCV(cv=KFold(5)).fit(X, y, sample_weight=sw)


def test_fold_tasks_run_in_a_persistent_thread_pool():
    """Results come back in task order, errors propagate, n_jobs resolves as joblib's
    (negative counts, parallel_config), and BLAS threads are restored afterwards."""
    import threading

    from joblib import delayed, parallel_config
    from threadpoolctl import threadpool_info

    from penalized.model_selection._threads import run_tasks

    def job(i):
        return i, threading.current_thread().name

    before = [lib["num_threads"] for lib in threadpool_info()]
    for n_jobs in [1, 2, -1]:
        out = run_tasks([delayed(job)(i) for i in range(7)], n_jobs)
        assert [i for i, _ in out] == list(range(7))
    assert any(name.startswith("penalized-") for _, name in out)
    with parallel_config(n_jobs=2):
        out = run_tasks([delayed(job)(i) for i in range(3)], None)
    assert all(name.startswith("penalized-2") for _, name in out)

    def boom(i):
        if i == 2:
            raise ValueError("fold 2 failed")
        return i

    with pytest.raises(ValueError, match="fold 2"):
        run_tasks([delayed(boom)(i) for i in range(4)], 2)
    assert [lib["num_threads"] for lib in threadpool_info()] == before


def _thread_name(i):
    import threading

    return i, threading.current_thread().name


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_thread_pool_works_in_a_forked_child():
    """A child forked after the pool started (multiprocessing's default on Linux) gets a
    fresh pool instead of waiting forever on the parent's threads."""
    import multiprocessing

    from joblib import delayed

    from penalized.model_selection._threads import run_tasks

    assert run_tasks([delayed(_thread_name)(i) for i in range(4)], 2)[0][0] == 0
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        res = pool.apply_async(run_tasks, ([delayed(_thread_name)(i) for i in range(4)], 2))
        out = res.get(timeout=60)
    assert [i for i, _ in out] == [0, 1, 2, 3]
    assert all(name.startswith("penalized-2") for _, name in out)  # the child's own pool
