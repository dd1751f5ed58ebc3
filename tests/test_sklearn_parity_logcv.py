"""LogisticRegressionCV side by side with scikit-learn's: the same call gives the same C grid,
the same folds' scores, the same selection and the same model (to the solvers' tolerance),
with scikit-learn's fitted attributes (legacy or not), warnings and errors.

scikit-learn runs lbfgs (L2), liblinear (L1, with its penalized intercept) or saga
(elastic net) at tight tolerances; each fold's model is the same optimum as penalized's path
point at ``alpha = 1 / (C * S_train)``. Its lbfgs stops on a gradient norm, so at large C its
fold models are the less accurate ones: the coefficient paths are compared to 1e-4, the
scores and the refitted models more tightly.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
import sklearn.linear_model as sklm
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score, get_scorer, make_scorer
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import penalized

NEW = dict(use_legacy_attributes=False)
CS = np.logspace(-2, 2, 5)
TIGHT = dict(tol=1e-12, max_iter=100_000)  # scikit-learn's; penalized gets tol=1e-12


def cancer(n=300, p=8):
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X)[:n, :p], y[:n]


def wine(p=6):
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X)[:, :p], y


def both(X, y, fit=None, sk_solver=None, **kw):
    """scikit-learn's and penalized's LogisticRegressionCV fitted with the same call."""
    fit = fit or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = sklm.LogisticRegressionCV(**{**kw, **TIGHT},
                                       **({"solver": sk_solver} if sk_solver else {}))
        sk.fit(X, y, **fit)
        ours = penalized.LogisticRegressionCV(**kw, tol=1e-12).fit(X, y, **fit)
    return sk, ours


def assert_same_cv(sk, ours, scores=1e-6, coef=1e-5, paths=1e-4):
    assert_array_equal(ours.Cs_, sk.Cs_)
    assert_allclose(ours.C_, sk.C_, rtol=1e-12)
    assert_allclose(ours.l1_ratio_, sk.l1_ratio_)
    assert_array_equal(ours.l1_ratios_, sk.l1_ratios_)
    assert ours.scores_.shape == sk.scores_.shape
    assert_allclose(ours.scores_, sk.scores_, atol=scores)
    assert ours.coefs_paths_.shape == sk.coefs_paths_.shape
    assert_allclose(ours.coefs_paths_, sk.coefs_paths_, atol=paths)
    assert ours.n_iter_.shape == sk.n_iter_.shape
    assert ours.coef_.shape == sk.coef_.shape and ours.intercept_.shape == sk.intercept_.shape
    assert_allclose(ours.coef_, sk.coef_, atol=coef)
    assert_allclose(ours.intercept_, sk.intercept_, atol=coef)


# ----------------------------------------------------------------------- same models
@pytest.mark.parametrize("scoring", ["neg_log_loss", "roc_auc", "accuracy"])
def test_binary_l2_scorers(scoring):
    X, y = cancer()
    sk, ours = both(X, y, Cs=CS, l1_ratios=(0,), scoring=scoring, **NEW)
    assert_same_cv(sk, ours)
    assert ours.C_ in CS and ours.alpha_ == pytest.approx(1 / (ours.C_ * len(y)))
    assert ours.score(X, y) == pytest.approx(sk.score(X, y), abs=1e-6)


def test_binary_sample_and_class_weights():
    X, y = cancer()
    w = np.random.default_rng(0).uniform(0.2, 3.0, y.size)
    sk, ours = both(X, y, fit=dict(sample_weight=w), Cs=CS, l1_ratios=(0,),
                    scoring="neg_log_loss", class_weight={0: 2.0, 1: 0.7}, **NEW)
    assert_same_cv(sk, ours)
    sk, ours = both(X, y, fit=dict(sample_weight=w), Cs=CS, l1_ratios=(0,),
                    scoring="roc_auc", class_weight="balanced", **NEW)
    assert_same_cv(sk, ours)


def test_multinomial_l2_and_refit_false():
    X, y = wine()
    sk, ours = both(X, y, Cs=CS, l1_ratios=(0,), scoring="neg_log_loss", **NEW)
    assert_same_cv(sk, ours, scores=2e-6, paths=1e-3)
    assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-6)
    sk, ours = both(X, y, Cs=CS, l1_ratios=(0,), scoring="accuracy", refit=False, **NEW)
    assert_same_cv(sk, ours, paths=1e-3)
    assert not hasattr(ours, "path_")  # refit=False fits nothing on all the data
    with pytest.raises(ValueError, match="refit=False"):
        ours.predict(X, alpha=0.1)


@pytest.mark.parametrize("intercept_scaling", [1.0, 5.0])
def test_l1_with_liblinear_penalized_intercept(intercept_scaling):
    X, y = cancer()
    sk, ours = both(X, y, Cs=CS, l1_ratios=(1,), solver="liblinear", scoring="neg_log_loss",
                    intercept_scaling=intercept_scaling, **NEW)
    if intercept_scaling == 1.0:
        assert_same_cv(sk, ours, scores=1e-7, paths=1e-5)
    else:
        # scikit-learn 1.9's refit drops intercept_scaling (its folds use it): the folds
        # agree, and the final model is LogisticRegression's with intercept_scaling
        assert_same_cv(sk, ours, scores=1e-7, paths=1e-5, coef=np.inf)
        kw = dict(C=ours.C_, l1_ratio=1.0, solver="liblinear", tol=1e-12, max_iter=100_000)
        ref = sklm.LogisticRegression(intercept_scaling=intercept_scaling, **kw).fit(X, y)
        assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
        assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
        dropped = sklm.LogisticRegression(intercept_scaling=1.0, **kw).fit(X, y)
        assert_allclose(sk.coef_, dropped.coef_, atol=1e-5)
    assert_array_equal(ours.n_nonzero_, np.count_nonzero(ours.path_.coefs.toarray()[:-1],
                                                         axis=0))


# The folds' elastic-net coefficients at tol 1e-12: a gap g certifies ||w - w*|| <=
# sqrt(2 g / mu), mu = alpha (1 - l1_ratio) the L2 part's strong convexity. At C = 2 and
# l1_ratio 0.2 on 120 training rows (alpha = 1 / 240) and a gap of 6e-13 (1e-12 times the
# null model's excess loss) that is 1.9e-5: the correlated columns of the cancer data leave
# the coefficients that free (the objectives agree to 1e-13)
EN_PATHS = 2e-5


def test_elastic_net_l1_ratios_against_saga():
    X, y = cancer(150, 5)
    Cs = [0.05, 0.3, 2.0]
    sk, ours = both(X, y, sk_solver="saga", Cs=Cs, l1_ratios=(0.2, 0.7, 1.0),
                    scoring="neg_log_loss", **NEW)
    assert ours.scores_.shape == (5, 3, 3)
    assert_same_cv(sk, ours, scores=1e-6, coef=1e-6, paths=EN_PATHS)


def test_refit_false_binary_elastic_net_averages_the_folds():
    X, y = cancer(150, 5)
    # an array: scikit-learn 1.9's refit=False indexes l1_ratios with an array of indices
    sk, ours = both(X, y, sk_solver="saga", Cs=[0.05, 0.3, 2.0], l1_ratios=np.array([0.2, 1.0]),
                    scoring="roc_auc", refit=False, **NEW)
    # coef_ is the mean of the folds' coefficients: certified to EN_PATHS as they are
    assert_same_cv(sk, ours, coef=EN_PATHS, paths=EN_PATHS)
    best = [np.unravel_index(np.argmax(s.T), s.T.shape) for s in ours.scores_]
    assert ours.C_ == pytest.approx(np.mean([ours.Cs_[c] for c, _ in best]))
    assert ours.l1_ratio_ == pytest.approx(np.mean([ours.l1_ratios_[r] for _, r in best]))


@pytest.mark.parametrize("legacy", [True, False])
@pytest.mark.parametrize("data, l1_ratios", [("binary", None), ("binary", (0.0,)),
                                             ("multinomial", None), ("multinomial", (0.0,))])
def test_legacy_and_new_attributes(data, l1_ratios, legacy):
    X, y = cancer() if data == "binary" else wine()
    y = np.array(["b", "a", "c"])[y]  # string labels: the dicts are keyed by label
    with pytest.warns(FutureWarning) if l1_ratios is None else warnings.catch_warnings():
        sk, ours = both(X, y, Cs=3, l1_ratios=l1_ratios, scoring="neg_log_loss",
                        use_legacy_attributes=legacy)
    for name in ("C_", "l1_ratio_", "l1_ratios_", "coefs_paths_", "scores_", "n_iter_"):
        a, b = getattr(ours, name), getattr(sk, name)
        assert type(a) is type(b), name
        if isinstance(a, dict):
            assert list(a) == list(b), name
            a, b = np.stack(list(a.values())), np.stack(list(b.values()))
        assert np.shape(a) == np.shape(b), name
        if name != "n_iter_":  # penalized counts prox-Newton steps
            tol = 1e-3 if name == "coefs_paths_" else 1e-6
            if np.asarray(a).dtype == object:
                assert_array_equal(a, b)
            else:
                assert_allclose(a, b, atol=tol)


def test_default_scoring_and_deprecations_warn_as_sklearn():
    X, y = cancer(200, 4)
    cases = [dict(), dict(l1_ratios=None), dict(penalty="l1", l1_ratios=(0.5,)),
             dict(penalty="elasticnet", l1_ratios=(0.5,), scoring="accuracy", solver="saga"),
             dict(l1_ratios=(1,), use_legacy_attributes=True, scoring=None)]
    for kw in cases:
        got = []
        for cls in (sklm.LogisticRegressionCV, penalized.LogisticRegressionCV):
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                cls(Cs=2, **{"solver": "liblinear", **kw}).fit(X, y)
            got.append(sorted((w.category.__name__, str(w.message)) for w in rec
                              if not issubclass(w.category, ConvergenceWarning)))
        assert got[0] == got[1], kw


def test_ties_go_to_the_first_C_as_sklearn():
    X, y = cancer(120, 3)
    Cs = [3.0, 1e-3, 10.0, 1e-3, 30.0]  # unsorted, repeated: accuracy ties
    sk, ours = both(X, y, Cs=Cs, l1_ratios=(0.0, 0.0), scoring="accuracy", **NEW)
    assert_array_equal(ours.scores_, sk.scores_)
    assert ours.C_ == sk.C_ and ours.Cs_.tolist() == Cs
    assert_allclose(ours.coef_, sk.coef_, atol=1e-5)


def test_callable_scorer_and_positive_label():
    X, y = cancer()
    labels = np.array(["malignant", "benign"])[y]  # classes_[1] == "malignant"
    sk, ours = both(X, labels, Cs=CS, l1_ratios=(0,), scoring="f1", **NEW)
    assert_same_cv(sk, ours)

    def mean_proba(est, X, y):
        return float(np.mean(est.predict_proba(X)[np.arange(len(y)), est.classes_
                                                  .searchsorted(y)]))

    sk, ours = both(X, labels, Cs=CS, l1_ratios=(0,), scoring=mean_proba, **NEW)
    assert_same_cv(sk, ours)
    assert ours.score_name_ == "mean_proba"
    # a scorer object is called as given (scikit-learn 1.9 fails to rebuild this one)
    scorer = make_scorer(f1_score, pos_label="benign")
    est = penalized.LogisticRegressionCV(Cs=CS, l1_ratios=(0,), scoring=scorer, cv=KFold(3),
                                         **NEW).fit(X, labels)
    tr, te = next(KFold(3).split(X))
    fold = penalized.LogisticRegression(C=est.Cs_[2]).fit(X[tr], labels[tr])
    assert est.scores_[0, 0, 2] == pytest.approx(
        f1_score(labels[te], fold.predict(X[te]), pos_label="benign"))


def test_sparse_X_and_threads():
    X, y = cancer()
    Xs = sp.csr_matrix(np.where(np.abs(X) < 0.5, 0.0, X))
    sk, ours = both(Xs, y, Cs=CS, l1_ratios=(0,), scoring="neg_log_loss", **NEW)
    assert_same_cv(sk, ours)
    kw = dict(Cs=CS, l1_ratios=(0.5, 1.0), scoring="roc_auc", **NEW)
    one = penalized.LogisticRegressionCV(n_jobs=1, **kw).fit(Xs, y)
    two = penalized.LogisticRegressionCV(n_jobs=2, **kw).fit(Xs, y)
    assert_array_equal(one.scores_, two.scores_)
    assert_array_equal(one.coefs_paths_, two.coefs_paths_)
    assert_array_equal(one.coef_, two.coef_)


# ----------------------------------------------------------------- in containers
def test_pipeline_and_grid_search():
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[:200, :6], y[:200]
    grid = {"logisticregressioncv__l1_ratios": [(0.0,), (1.0,)]}
    kw = dict(Cs=4, solver="liblinear", scoring="neg_log_loss", tol=1e-10, **NEW)
    sk = GridSearchCV(make_pipeline(StandardScaler(), sklm.LogisticRegressionCV(**kw)),
                      grid, cv=3).fit(X, y)
    ours = GridSearchCV(make_pipeline(StandardScaler(), penalized.LogisticRegressionCV(**kw)),
                        grid, cv=3).fit(X, y)
    assert sk.best_params_ == ours.best_params_
    assert_allclose(ours.best_score_, sk.best_score_, rtol=1e-6)
    assert_allclose(ours.best_estimator_[-1].coef_, sk.best_estimator_[-1].coef_, atol=1e-5)


def test_groups_and_scorer_weights_under_metadata_routing():
    X, y = cancer()
    groups = np.arange(y.size) % 7
    w = np.random.default_rng(2).uniform(0.5, 2.0, y.size)
    kw = dict(Cs=CS, l1_ratios=(0,), cv=GroupKFold(3), tol=1e-12, **NEW)
    with sklearn.config_context(enable_metadata_routing=True):
        fits = []
        for cls in (sklm.LogisticRegressionCV, penalized.LogisticRegressionCV):
            scorer = get_scorer("neg_log_loss").set_score_request(sample_weight=True)
            est = cls(scoring=scorer, **kw).set_fit_request(sample_weight=True)
            fits.append(make_pipeline(est).fit(X, y, groups=groups, sample_weight=w)[-1])
            # an unrequested scorer weight is an error, as scikit-learn's
            with pytest.raises(sklearn.exceptions.UnsetMetadataPassedError):
                cls(scoring="neg_log_loss", **kw).fit(X, y, groups=groups, sample_weight=w)
    sk, ours = fits
    assert_allclose(ours.scores_, sk.scores_, atol=1e-6)
    assert ours.C_ == sk.C_
    # without routing, groups still reaches the splitter (scikit-learn refuses it)
    direct = penalized.LogisticRegressionCV(scoring="neg_log_loss", **kw).fit(
        X, y, groups=groups)
    unweighted = sklm.LogisticRegressionCV(scoring="neg_log_loss", **kw)
    with sklearn.config_context(enable_metadata_routing=True):
        unweighted.fit(X, y, groups=groups)
    assert_allclose(direct.scores_, unweighted.scores_, atol=1e-6)


# ------------------------------------------------------------------------- errors
def test_errors_as_sklearn():
    X, y = cancer(120, 4)
    Xw, yw = wine()
    bad = [
        (dict(dual=True), X, y, "dual=False"),
        (dict(solver="liblinear"), Xw, yw, "multiclass"),
        (dict(penalty="elasticnet", l1_ratios=[0.5, 2.0], solver="saga"), X, y,
         "l1_ratios must be"),
        (dict(penalty="elasticnet", l1_ratios=None, solver="saga"), X, y,
         "l1_ratios must be"),
        (dict(Cs=0), X, y, "Cs"),
        (dict(scoring="nope"), X, y, "scoring"),
        (dict(penalty="l3"), X, y, "penalty"),
        (dict(class_weight={5: 1.0}), X, y, "class_weight"),
        (dict(use_legacy_attributes="yes"), X, y, "use_legacy_attributes"),
    ]
    for kw, XX, yy, match in bad:
        for cls in (sklm.LogisticRegressionCV, penalized.LogisticRegressionCV):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                with pytest.raises(ValueError, match=match):
                    cls(**kw).fit(XX, yy)


def test_penalized_options_are_refused_where_they_cannot_apply():
    X, y = cancer(120, 4)
    kw = dict(l1_ratios=(1.0,), scoring="accuracy", **NEW)
    cases = [(dict(Cs=5, alphas=10), "not both"),
             (dict(measure="deviance", scoring="roc_auc"), "not both"),
             (dict(eps=1e-2), "eps"),
             (dict(Cs=[1.0, -1.0]), "Cs"),
             (dict(refit=False, alpha_rule="1se"), "refit=False"),
             (dict(l1_ratios=(0.5,), relax=True), "relax"),
             (dict(measure="brier"), "measure")]
    for extra, match in cases:
        with pytest.raises(ValueError, match=match):
            penalized.LogisticRegressionCV(**{**kw, **extra}).fit(X, y)


# -------------------------------------------------------------- penalized's options
def test_glmnet_measures_and_the_one_standard_error_rule():
    X, y = cancer()
    est = penalized.LogisticRegressionCV(alphas=15, l1_ratios=(1.0,), measure="deviance",
                                         alpha_rule="1se", cv=KFold(5), **NEW).fit(X, y)
    assert est.alpha_ == est.alpha_1se_ >= est.alpha_min_
    assert_allclose(est.Cs_, 1 / (est.alphas_ * len(y)))
    assert est.C_ == pytest.approx(1 / (est.alpha_ * len(y)))
    assert_allclose(est.scores_[:, 0].T, -est.cv_scores_)  # scores_: minus the deviance
    mean, se = est.cv_mean_, est.cv_se_
    i = int(np.argmin(mean))
    assert est.alpha_1se_ == est.alphas_[np.flatnonzero(mean <= mean[i] + se[i])[0]]
    # with a scorer the rule reads scores (higher is better)
    sc = penalized.LogisticRegressionCV(Cs=np.logspace(-3, 2, 12), l1_ratios=(1.0,),
                                        scoring="neg_log_loss", alpha_rule="1se", **NEW)
    sc.fit(X, y)
    i = int(np.argmax(sc.cv_mean_))
    j = np.flatnonzero(sc.cv_mean_ >= sc.cv_mean_[i] - sc.cv_se_[i])[0]
    assert sc.C_ == sc.Cs_[j] and sc.alpha_ == sc.alphas_[j] == sc.alpha_1se_
    assert_allclose(sc.predict_proba(X), sc.predict_proba(X, alpha=sc.alpha_))


def test_old_scoring_names_warn_and_select_the_measure():
    X, y = cancer(150, 5)
    with pytest.warns(FutureWarning, match="measure='deviance'"):
        old = penalized.LogisticRegressionCV(alphas=8, l1_ratios=(1.0,), scoring="deviance",
                                             **NEW).fit(X, y)
    new = penalized.LogisticRegressionCV(alphas=8, l1_ratios=(1.0,), measure="deviance",
                                         **NEW).fit(X, y)
    assert_array_equal(old.cv_scores_, new.cv_scores_)
    assert old.score_name_ == new.score_name_ == "Binomial deviance"
