"""The GLM families of the families issue: Gamma and Tweedie against glum, binomial
proportions against the expanded 0/1 data, offsets against a fit with the offset as a
column whose coefficient is fixed at 1, Cox against scikit-survival / skglm / lifelines,
certificates and warnings, bad input, the CV estimators."""

import pickle
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from penalized import (
    BinomialRegressor,
    CoxPH,
    ElasticNet,
    GammaRegressor,
    HuberRegressor,
    Lasso,
    LogisticRegression,
    PoissonRegressor,
    Ridge,
    TweedieRegressor,
    solve,
)
from penalized.datafits import Binomial, Cox, Gamma, Huber, Logistic, Poisson, Quadratic, Tweedie
from penalized.datafits.cox import survival_target
from penalized.estimators.cox import concordance_index
from penalized.model_selection import (
    BinomialRegressorCV,
    CoxPHCV,
    GammaRegressorCV,
    LassoCV,
    LogisticRegressionCV,
    PoissonRegressorCV,
    TweedieRegressorCV,
)
from penalized.penalties import ElasticNet as EN

RNG = np.random.default_rng(0)
N, P = 300, 8
X = RNG.standard_normal((N, P))
BETA = np.array([0.5, -0.4, 0.3, 0.0, 0.0, 0.2, 0.0, 0.0])
ETA = X @ BETA
SW = RNG.uniform(0.5, 2.0, N)
OFF = 0.3 * RNG.standard_normal(N)
MU = np.exp(0.3 + ETA + OFF)


def _y(kind):
    r = np.random.default_rng(1)
    if kind == "gamma":
        return r.gamma(2.0, MU / 2.0)
    if kind == "tweedie":
        return r.poisson(MU) * r.gamma(2.0, 0.5, N)
    if kind == "normal":
        return MU + 0.3 * r.standard_normal(N)
    if kind == "poisson":
        return r.poisson(MU).astype(float)
    if kind == "binary":
        return (r.uniform(size=N) < 1 / (1 + np.exp(-ETA - OFF))).astype(float)
    if kind == "proportion":
        trials = r.integers(1, 8, N)
        return r.binomial(trials, 1 / (1 + np.exp(-ETA - OFF))) / trials, trials
    if kind == "cox":
        t = r.exponential(np.exp(-ETA - OFF))
        c = r.exponential(2.0, N)
        return np.column_stack([np.round(np.minimum(t, c), 2), (t <= c).astype(float)])
    return ETA + OFF + 0.5 * r.standard_normal(N)


# ---------------------------------------------------------------------------- glum
@pytest.mark.parametrize("power", ["gamma", 0.0, 1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_objective_as_glum(power, l1_ratio):
    """Gamma and Tweedie (log link): objectives within 1e-6 of glum's, with weights and
    offsets, L1, L2 and elastic net."""
    glum = pytest.importorskip("glum")
    kind = {"gamma": "gamma", 0.0: "normal", 1.0: "poisson", 2.0: "gamma", 3.0: "gamma"}
    y = _y(kind.get(power, "tweedie"))
    datafit = Gamma() if power == "gamma" else Tweedie(power)
    family = "gamma" if power == "gamma" else glum.TweedieDistribution(power)
    alpha = 0.02
    ref = glum.GeneralizedLinearRegressor(family=family, link="log", alpha=alpha,
                                          l1_ratio=l1_ratio, gradient_tol=1e-10,
                                          max_iter=1000).fit(X, y, sample_weight=SW,
                                                             offset=OFF)
    if power == "gamma":
        est = GammaRegressor(alpha=alpha, l1_ratio=l1_ratio, tol=1e-10)
    else:
        est = TweedieRegressor(alpha=alpha, power=power, link="log", l1_ratio=l1_ratio,
                               tol=1e-10)
    est.fit(X, y, sample_weight=SW, offset=OFF)
    pen = EN(alpha, l1_ratio).arrays(P)

    def objective(w, b):
        return datafit.value(y, X @ w + b + OFF, SW) + pen.value(w)

    ours, theirs = objective(est.coef_, est.intercept_), objective(ref.coef_, ref.intercept_)
    assert abs(ours - theirs) <= 1e-6 * abs(theirs)
    assert ours <= theirs + 1e-9 * abs(theirs)


def test_tweedie_power0_identity_is_ridge_and_sklearn():
    from sklearn.linear_model import TweedieRegressor as SkTweedie

    y = _y("linear")
    ours = TweedieRegressor(alpha=0.3, tol=1e-12).fit(X, y)
    # Ridge's alpha is scikit-learn's (it multiplies ||w||^2 against the sum of squares)
    ridge = Ridge(alpha=0.3 * X.shape[0]).fit(X, y)
    sk = SkTweedie(alpha=0.3, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ridge.coef_, atol=1e-10)
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=1e-6)
    assert hasattr(ours, "dual_gap_") and ours.stop_crit_ == ours.dual_gap_


def test_gamma_matches_sklearn():
    from sklearn.linear_model import GammaRegressor as SkGamma

    y = _y("gamma")
    ours = GammaRegressor(alpha=0.1, tol=1e-12).fit(X, y, sample_weight=SW)
    sk = SkGamma(alpha=0.1, tol=1e-12, max_iter=10_000, solver="newton-cholesky").fit(
        X, y, sample_weight=SW)
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, sk.intercept_, atol=1e-7)


# -------------------------------------------------------------------------- binomial
def test_binomial_proportions_equal_expanded_data():
    prop, trials = _y("proportion")
    succ = np.round(prop * trials).astype(int)
    rows = np.repeat(np.arange(N), trials)
    y01 = np.concatenate([np.r_[np.ones(k), np.zeros(t - k)] for k, t in
                          zip(succ, trials, strict=True)])
    for l1_ratio in (0.0, 1.0):
        kw = dict(alpha=0.01, l1_ratio=l1_ratio, tol=1e-12)
        expanded = BinomialRegressor(**kw).fit(X[rows], y01, offset=OFF[rows])
        a = BinomialRegressor(**kw).fit(X, prop, sample_weight=trials, offset=OFF)
        b = BinomialRegressor(**kw).fit(X, np.column_stack([succ, trials - succ]), offset=OFF)
        for m in (a, b):
            np.testing.assert_allclose(m.coef_, expanded.coef_, atol=1e-8)
            np.testing.assert_allclose(m.intercept_, expanded.intercept_, atol=1e-8)
        logistic = LogisticRegression(alpha=0.01, penalty="l1" if l1_ratio else "l2",
                                      tol=1e-12).fit(X[rows], y01, offset=OFF[rows])
        np.testing.assert_allclose(logistic.coef_[0], expanded.coef_, atol=1e-8)
    p = a.predict(X, offset=OFF)
    assert np.all((p > 0) & (p < 1))


def test_binomial_api():
    prop, trials = _y("proportion")
    m = BinomialRegressor(alpha=0.01)
    m2 = pickle.loads(pickle.dumps(clone(m).fit(X, prop, sample_weight=trials)))
    assert m2.predict(X[:3]).shape == (3,)
    pipe = make_pipeline(StandardScaler(), BinomialRegressor())
    pipe.fit(X, prop, binomialregressor__sample_weight=trials)
    assert pipe.score(X, prop) > 0
    gs = GridSearchCV(BinomialRegressor(), {"alpha": [0.01, 0.1]}, cv=3).fit(X, prop)
    assert gs.best_params_["alpha"] in (0.01, 0.1)
    cv = BinomialRegressorCV(alphas=5, cv=3).fit(X, np.column_stack([prop * trials,
                                                                      (1 - prop) * trials]))
    assert np.all((cv.predict(X) > 0) & (cv.predict(X) < 1))


# --------------------------------------------------------------------------- offsets
def _reference(datafit, y, s, pen, X1, offset, intercept):
    """L-BFGS-B on the design [X, offset] whose last coefficient is bounded to [1, 1]
    (the L1 part split as w = u - v, u, v >= 0)."""
    Xa = np.column_stack([X1, offset])
    p = X1.shape[1]
    bound = datafit.bind(y, s)
    S = s.sum()

    def f(z):
        u, v, b, c = z[:p], z[p:2 * p], z[2 * p], z[2 * p + 1]
        w = u - v
        eta = Xa @ np.r_[w, c] + (b if intercept else 0.0)
        g = bound.grad(y, eta) * s / S
        gw = X1.T @ g
        val = bound.value(y, eta, s) + pen.a @ (u + v) + 0.5 * pen.b @ (w * w)
        gb = g.sum() if intercept else 0.0
        return val, np.r_[gw + pen.a + pen.b * w, -gw + pen.a - pen.b * w, gb, 0.0]

    z0 = np.r_[np.zeros(2 * p), 0.0, 1.0]
    bounds = [(0, None)] * (2 * p) + [(None, None), (1.0, 1.0)]
    r = minimize(f, z0, jac=True, method="L-BFGS-B", bounds=bounds,
                 options=dict(maxiter=100_000, ftol=1e-16, gtol=1e-12, maxcor=30))
    return r.x[:p] - r.x[p:2 * p], r.x[2 * p], r.fun


OFFSET_CASES = [
    (Lasso(alpha=0.05, tol=1e-12), Quadratic(), "linear", 0.05, 1.0),
    (ElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-12), Quadratic(), "linear", 0.05, 0.5),
    # Ridge's alpha is scikit-learn's: alpha ||w||^2 against the weighted sum of squares
    (Ridge(alpha=0.05 * SW.sum()), Quadratic(), "linear", 0.05, 0.0),
    (LogisticRegression(alpha=0.01, l1_ratio=1.0, tol=1e-12), Logistic(), "binary", 0.01, 1.0),
    (PoissonRegressor(alpha=0.01, l1_ratio=0.5, tol=1e-12), Poisson(), "poisson", 0.01, 0.5),
    # at a fixed scale sigma, scikit-learn's objective divided by 2 S / sigma is the mean
    # Huber loss at threshold epsilon sigma with the elastic net a (l1' |w| + (1 - l1')/2
    # w^2), a = alpha sigma (2 - l1_ratio) / (2 S), l1' = l1_ratio / (2 - l1_ratio)
    (HuberRegressor(alpha=0.01 * 1.5 * SW.sum(), l1_ratio=2 / 3, fixed_scale=1.0,
                    tol=1e-12), Huber(1.35), "linear", 0.01, 0.5),
    (GammaRegressor(alpha=0.01, l1_ratio=1.0, tol=1e-12), Gamma(), "gamma", 0.01, 1.0),
    (TweedieRegressor(alpha=0.01, power=1.5, l1_ratio=0.5, tol=1e-12), Tweedie(1.5),
     "tweedie", 0.01, 0.5),
    (TweedieRegressor(alpha=0.01, power=3.0, tol=1e-12), Tweedie(3.0), "gamma", 0.01, 0.0),
    (BinomialRegressor(alpha=0.01, l1_ratio=0.5, tol=1e-12), Binomial(), "proportion", 0.01,
     0.5),
    (CoxPH(alpha=0.01, tol=1e-12), Cox(), "cox", 0.01, 1.0),
    (CoxPH(alpha=0.01, l1_ratio=0.5, ties="efron", tol=1e-12), Cox("efron"), "cox", 0.01,
     0.5),
]


@pytest.mark.parametrize("est,datafit,kind,alpha,l1_ratio", OFFSET_CASES,
                         ids=lambda v: type(v).__name__ if not isinstance(v, (str, float))
                         else str(v))
def test_offset_is_a_column_with_coefficient_one(est, datafit, kind, alpha, l1_ratio):
    y = _y(kind)
    s = SW.copy()
    fit_y = y
    if kind == "proportion":
        y, trials = y
        s = SW * trials
        fit_y = y
    if kind == "cox":
        y = survival_target(y)
    est = clone(est)
    if isinstance(est, LogisticRegression):
        est.fit(X, fit_y, sample_weight=s, offset=OFF)
        coef, b = est.coef_[0], float(est.intercept_[0])
    else:
        est.fit(X, fit_y, sample_weight=s, offset=OFF)
        coef, b = est.coef_, est.intercept_
    pen = EN(alpha, l1_ratio).arrays(P)
    intercept = not isinstance(est, CoxPH)
    w_ref, b_ref, f_ref = _reference(datafit, y, s, pen, X, OFF, intercept)
    bound = datafit.bind(y, s)
    f_ours = bound.value(y, X @ coef + b + OFF, s) + pen.value(coef)
    assert f_ours <= f_ref + 1e-10 * abs(f_ref)
    np.testing.assert_allclose(coef, w_ref, atol=1e-4)
    # the offset enters the predictions too
    eta = X @ coef + b + OFF
    pred = est.predict(X, offset=OFF)
    if isinstance(est, LogisticRegression):
        np.testing.assert_allclose(est.decision_function(X, offset=OFF), eta, atol=1e-10)
    elif kind in ("linear",):
        np.testing.assert_allclose(pred, eta, atol=1e-10)
    elif kind == "cox":
        np.testing.assert_allclose(pred, eta, atol=1e-10)
    elif kind == "proportion":
        np.testing.assert_allclose(pred, 1 / (1 + np.exp(-eta)), atol=1e-10)
    else:
        np.testing.assert_allclose(pred, np.exp(eta), rtol=1e-10)


def test_poisson_exposure_is_log_offset():
    y = _y("poisson")
    expo = np.exp(OFF)
    a = PoissonRegressor(alpha=0.01, tol=1e-12).fit(X, y, exposure=expo)
    b = PoissonRegressor(alpha=0.01, tol=1e-12).fit(X, y, offset=OFF)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-12)
    np.testing.assert_allclose(a.predict(X, exposure=expo), b.predict(X, offset=OFF))
    cv = PoissonRegressorCV(alphas=[0.1, 0.01], cv=3, tol=1e-10).fit(X, y, exposure=expo)
    single = PoissonRegressor(alpha=cv.alpha_, tol=1e-10).fit(X, y, offset=OFF)
    np.testing.assert_allclose(cv.coef_, single.coef_, atol=1e-6)
    np.testing.assert_allclose(cv.predict(X, exposure=expo), single.predict(X, offset=OFF),
                               rtol=1e-5)


CV_CASES = [
    (LassoCV, Lasso, "linear", {}),
    (LogisticRegressionCV, None, "binary", dict(l1_ratios=(1.0,), measure="deviance")),
    (GammaRegressorCV, GammaRegressor, "gamma", dict(l1_ratio=1.0)),
    (TweedieRegressorCV, TweedieRegressor, "tweedie", dict(power=1.5, l1_ratio=1.0)),
]


@pytest.mark.parametrize("cv_cls,single_cls,kind,kw", CV_CASES)
def test_cv_offsets_split_by_fold(cv_cls, single_cls, kind, kw):
    """The CV estimator with an offset: its fold errors are those of single fits on the
    training rows (with their offsets) scored on the test rows (with theirs)."""
    y = _y(kind)
    alphas = [0.05, 0.01]
    folds = list(KFold(3).split(X))
    cv = cv_cls(alphas=alphas, cv=folds, tol=1e-10, **kw).fit(X, y, offset=OFF)
    datafit = {"linear": Quadratic(), "binary": Logistic(), "gamma": Gamma(),
               "tweedie": Tweedie(1.5)}[kind]
    for j, alpha in enumerate(cv.alphas_):
        for k, (tr, te) in enumerate(folds):
            res = solve(X[tr], y[tr], datafit, EN(alpha, 1.0), offset=OFF[tr], tol=1e-12)
            eta = X[te] @ res.coef + res.intercept + OFF[te]
            err = datafit.test_error(y[te], eta[:, None], cv.scoring_).mean()
            if kind == "linear":
                err = np.mean((y[te] - eta) ** 2)
            assert cv.cv_scores_[j, k] == pytest.approx(err, rel=1e-5)
    full = solve(X, y, datafit, EN(cv.alpha_, 1.0), offset=OFF, tol=1e-12)
    np.testing.assert_allclose(np.ravel(cv.coef_), full.coef, atol=1e-5)


# ------------------------------------------------------------------------------- Cox
def _cox_y():
    return _y("cox")


def _cox_objective(y, w, s=None, alpha=0.0, l1_ratio=1.0, ties="breslow", offset=0.0):
    yy = survival_target(y)
    s = np.ones(N) if s is None else s
    return Cox(ties).bind(yy, s).value(yy, X @ w + offset, s) + EN(alpha, l1_ratio).arrays(
        P).value(w)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_cox_as_scikit_survival(l1_ratio):
    sksurv = pytest.importorskip("sksurv.linear_model")
    from sksurv.util import Surv

    y = _cox_y()
    ys = Surv.from_arrays(y[:, 1].astype(bool), y[:, 0])
    alpha = 0.02
    ref = sksurv.CoxnetSurvivalAnalysis(alphas=[alpha], l1_ratio=l1_ratio, tol=1e-12,
                                        max_iter=1_000_000, fit_baseline_model=True).fit(X, ys)
    ours = CoxPH(alpha, l1_ratio=l1_ratio, tol=1e-12).fit(X, ys)
    f_ref = _cox_objective(y, ref.coef_[:, 0], alpha=alpha, l1_ratio=l1_ratio)
    f_ours = _cox_objective(y, ours.coef_, alpha=alpha, l1_ratio=l1_ratio)
    assert abs(f_ours - f_ref) <= 1e-6 * abs(f_ref) and f_ours <= f_ref + 1e-12
    # Breslow's baseline: the survival functions agree
    times = np.quantile(y[:, 0], [0.1, 0.5, 0.9])
    theirs = np.array([fn(times) for fn in ref.predict_survival_function(X[:5])])
    np.testing.assert_allclose(ours.predict_survival_function(X[:5], times), theirs,
                               atol=1e-5)
    # Harrell's C as scikit-survival computes it
    from sksurv.metrics import concordance_index_censored

    risk = ours.predict(X)
    c_ref = concordance_index_censored(ys["event"], ys["time"], risk)[0]
    assert ours.score(X, ys) == pytest.approx(c_ref, abs=1e-12)


def test_cox_as_skglm():
    skglm = pytest.importorskip("skglm")
    from skglm.datafits import Cox as SkCox
    from skglm.penalties import L1
    from skglm.solvers import ProxNewton
    from skglm.utils.jit_compilation import compiled_clone

    y = _cox_y()
    alpha = 0.02
    datafit = compiled_clone(SkCox())
    datafit.initialize(X, y)
    w = ProxNewton(fit_intercept=False, tol=1e-12, max_iter=1000).solve(
        X, y, datafit, compiled_clone(L1(alpha)))[0]
    ours = CoxPH(alpha, tol=1e-12).fit(X, y)
    f_ref = _cox_objective(y, w, alpha=alpha)
    f_ours = _cox_objective(y, ours.coef_, alpha=alpha)
    assert abs(f_ours - f_ref) <= 1e-6 * abs(f_ref)
    del skglm


def test_cox_efron_as_lifelines():
    lifelines = pytest.importorskip("lifelines")
    import pandas as pd

    y = _cox_y()
    df = pd.DataFrame(X[:, :4], columns=list("abcd"))
    df["T"], df["E"], df["w"] = y[:, 0], y[:, 1], SW
    ref = lifelines.CoxPHFitter().fit(df, "T", "E", weights_col="w", robust=True)
    ours = CoxPH(alpha=0.0, ties="efron", efron_weights="survival", tol=1e-12).fit(
        X[:, :4], y, sample_weight=SW)
    np.testing.assert_allclose(ours.coef_, ref.params_.to_numpy(), atol=1e-5)


def test_cox_certificate_bounds_the_suboptimality():
    """The Cox duality gap (conjugate bound) is never below P(w) - P*, and cut-short fits
    warn naming the gap and tol."""
    y = survival_target(_cox_y())
    best = solve(X, y, Cox(), EN(0.01, 0.5), sample_weight=SW, tol=1e-13)
    from penalized.solvers.certificate import glm_gap
    from penalized.solvers.design import Design

    design = Design(np.asfortranarray(X), SW, False)
    cox = Cox().bind(y, SW)
    pen = EN(0.01, 0.5).arrays(P)
    for scale in (0.0, 0.5, 0.9):
        w = scale * best.coef + (1 - scale) * RNG.standard_normal(P) * 0.1
        eta = X @ w
        gap, primal, *_ = glm_gap(design, y, cox, w, 0.0, eta, pen, pen.unpenalized,
                                  np.zeros(N), design.rmatvec)
        assert gap >= primal - best.primal - 1e-12
    with pytest.warns(ConvergenceWarning, match=r"duality gap .* tol"):
        CoxPH(alpha=0.001, tol=1e-14, max_iter=1).fit(X, y[:, :2])


@pytest.mark.parametrize("est,kind,name", [
    (GammaRegressor(alpha=1e-3, l1_ratio=1.0, tol=1e-14, max_iter=1), "gamma", "duality gap"),
    (TweedieRegressor(alpha=1e-3, power=1.5, l1_ratio=1.0, tol=1e-14, max_iter=1), "tweedie",
     "duality gap"),
    (TweedieRegressor(alpha=1e-3, power=3.0, l1_ratio=1.0, tol=1e-14, max_iter=1), "gamma",
     "critical-point criterion"),
    (BinomialRegressor(alpha=1e-3, l1_ratio=1.0, tol=1e-14, max_iter=1), "proportion",
     "duality gap"),
])
def test_certificates_and_warnings(est, kind, name):
    y = _y(kind)
    if kind == "proportion":
        y = y[0]
    with pytest.warns(ConvergenceWarning, match=name + r" .*tol"):
        clone(est).fit(X, y)
    ok = clone(est).set_params(tol=1e-8, max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ok.fit(X, y)
    crit = ok.stop_crit_ if hasattr(ok, "stop_crit_") else ok.dual_gap_
    assert 0 <= crit
    if name == "critical-point criterion":
        assert not hasattr(ok, "dual_gap_")


def test_cox_baseline_is_of_the_fit_not_of_later_changes():
    """The Breslow baseline is computed when first read: from the training data as it was
    at fit (a later change to the caller's weights does not reach it), equal to a fresh
    fit's, and an unfitted model has none."""
    from sklearn.exceptions import NotFittedError

    y = _cox_y()
    sw = np.random.default_rng(1).uniform(0.5, 2.0, X.shape[0])
    m = CoxPH(alpha=0.01, tol=1e-10).fit(X, y, sample_weight=sw)
    ref = CoxPH(alpha=0.01, tol=1e-10).fit(X, y, sample_weight=sw.copy())
    sw[:] = 1.0
    (t, h), = m.baseline_cumulative_hazard_
    (t0, h0), = ref.baseline_cumulative_hazard_
    np.testing.assert_array_equal(t, t0)
    np.testing.assert_allclose(h, h0, rtol=1e-12)
    np.testing.assert_array_equal(m.unique_times_, np.unique(y[y[:, 1] == 1, 0]))
    assert not hasattr(CoxPH(), "baseline_cumulative_hazard_")
    with pytest.raises(NotFittedError):
        CoxPH().unique_times_  # noqa: B018


def test_cox_strata_and_predictions():
    y = _cox_y()
    strata = np.where(X[:, 3] > 0, "a", "b")
    m = CoxPH(alpha=0.01, tol=1e-10).fit(X, y, strata=strata)
    assert list(m.strata_) == ["a", "b"] and len(m.baseline_cumulative_hazard_) == 2
    S = m.predict_survival_function(X[:6], [0.2, 1.0, 50.0], strata=strata[:6])
    assert np.all(np.diff(S, axis=1) <= 0) and np.all((S >= 0) & (S <= 1))
    with pytest.raises(ValueError, match="strata"):
        m.predict_survival_function(X[:2])
    with pytest.raises(ValueError, match="not seen"):
        m.predict_survival_function(X[:2], strata=["a", "c"])
    # a stratified fit is the sum of the strata's partial likelihoods
    yy = survival_target(y, strata)
    total = Cox().bind(yy, None).value(yy, X @ m.coef_, np.ones(N)) * N
    parts = sum(Cox().bind(survival_target(y[strata == k]), None).value(
        survival_target(y[strata == k]), X[strata == k] @ m.coef_, np.ones(np.sum(strata == k)))
        * np.sum(strata == k) for k in "ab")
    assert total == pytest.approx(parts, rel=1e-12)
    assert 0.5 < m.score(X, y, strata=strata) <= 1.0


def test_concordance_index_by_pairs():
    y = np.column_stack([[1.0, 2.0, 2.0, 3.0, 4.0], [1, 1, 0, 1, 0]])
    risk = np.array([0.9, 0.5, 0.5, 0.7, 0.1])
    conc = comp = 0.0
    for i in range(5):
        for j in range(5):
            if y[i, 1] == 1 and (y[j, 0] > y[i, 0] or (y[j, 0] == y[i, 0] and y[j, 1] == 0
                                                        and i != j)):
                comp += 1
                conc += 1.0 if risk[i] > risk[j] else 0.5 if risk[i] == risk[j] else 0.0
    assert concordance_index(y, risk) == pytest.approx(conc / comp)


def test_coxphcv_deviance_is_verweij_van_houwelingen():
    y = survival_target(_cox_y())
    folds = list(KFold(3).split(X))
    cv = CoxPHCV(alphas=[0.05, 0.01], cv=folds, tol=1e-10).fit(X, y[:, :2])
    for j, alpha in enumerate(cv.alphas_):
        for k, (tr, te) in enumerate(folds):
            w = solve(X[tr], y[tr], Cox(), EN(alpha, 1.0), tol=1e-12).coef
            cox = Cox()
            dev = (cox.deviance_total(y, X @ w, np.ones(N))
                   - cox.deviance_total(y[tr], X[tr] @ w, np.ones(tr.size)))
            assert cv.cv_scores_[j, k] == pytest.approx(dev / y[te, 1].sum(), rel=1e-5)
    assert cv.alpha_ in cv.alphas_
    c = CoxPHCV(alphas=5, cv=3, scoring="cindex").fit(X, y[:, :2])
    assert np.all((c.cv_scores_ >= 0) & (c.cv_scores_ <= 1))


# ---------------------------------------------------------------------------- inputs
@pytest.mark.parametrize("fit,match", [
    (lambda: CoxPH().fit(X[:3], np.column_stack([[-1.0, 1, 2], [1, 1, 1]])), "negative"),
    (lambda: CoxPH().fit(X[:3], np.column_stack([[1.0, 1, 2], [1, 2, 1]])), "events"),
    (lambda: CoxPHCV().fit(X[:3], np.column_stack([[1.0, 1, 2], [0, 0, 0]])), "no event"),
    (lambda: GammaRegressor().fit(X[:3], [1.0, 0.0, 2.0]), "not positive"),
    (lambda: GammaRegressorCV().fit(X[:3], [1.0, -1.0, 2.0]), "not positive"),
    (lambda: TweedieRegressor(power=1.5).fit(X[:3], [1.0, -1.0, 2.0]), "negative"),
    (lambda: TweedieRegressor(power=3).fit(X[:3], [1.0, 0.0, 2.0]), "not positive"),
    (lambda: TweedieRegressor(power=0.5).fit(X[:3], [1.0, 1.0, 2.0]), "power"),
    (lambda: TweedieRegressor(power=2, link="identity").fit(X[:3], [1.0, 1, 2]), "link"),
    (lambda: BinomialRegressor().fit(X[:3], [0.5, 1.5, 0.0]), r"outside \[0, 1\]"),
    (lambda: BinomialRegressor().fit(X[:3], [[1, 2], [-1, 3], [0, 1]]), "counts"),
    (lambda: PoissonRegressor().fit(X[:3], [1.0, 0, 2], offset=[0.0, 1.0]), "offset"),
    (lambda: PoissonRegressor().fit(X[:3], [1.0, 0, 2], exposure=[1.0, 0.0, 2.0]),
     "exposure"),
    (lambda: Lasso().fit(X[:3], [1.0, 0, 2], offset=[0.0, np.nan, 1.0]), "offset"),
    (lambda: CoxPH().fit(X[:3], [1.0, 2, 3], offset=np.zeros(4)), "offset"),
    (lambda: GammaRegressorCV(cv=2).fit(X[:4], [1.0, 1, 2, 3], offset=np.zeros(3)),
     "offset"),
    (lambda: CoxPH().fit(X[:3], [1.0, 2, 3], strata=[0, 1]), "strata"),
    (lambda: GammaRegressor(solver="sag").fit(X[:3], [1.0, 1, 2]), "solver"),
])
def test_bad_input_raises_naming_it(fit, match):
    with pytest.raises(ValueError, match=match):
        fit()


def test_no_nan_predictions():
    big = 40 * X
    for est, y in [(GammaRegressor(alpha=1e-4), _y("gamma")),
                   (TweedieRegressor(alpha=1e-4, power=1.5), _y("tweedie")),
                   (BinomialRegressor(alpha=1e-4), _y("proportion")[0])]:
        est.fit(X, y)
        assert not np.any(np.isnan(est.predict(big)))
    m = CoxPH(alpha=1e-3).fit(X, _cox_y())
    for arr in (m.predict(big), m.predict_survival_function(big, [0.0, 1.0, 1e9]),
                m.predict_cumulative_hazard(big, [0.0, 1.0, 1e9])):
        assert not np.any(np.isnan(arr))


def test_cox_bounds_and_penalty_factors():
    y = _cox_y()
    pos = CoxPH(alpha=0.01, positive=True, tol=1e-10).fit(X, y)
    assert np.all(pos.coef_ >= 0) and np.any(pos.coef_ > 0)
    pf = np.ones(P)
    pf[1] = 0.0  # unpenalized: nonzero even at a large alpha
    m = CoxPH(alpha=1.0, penalty_factor=pf, tol=1e-10).fit(X, y)
    assert m.coef_[1] != 0 and np.count_nonzero(m.coef_) == 1
    ridge = CoxPH(alpha=0.1, l1_ratio=0.0, tol=1e-10).fit(X, y)
    assert np.all(ridge.coef_ != 0)


def test_paths_of_the_new_families():
    from penalized import path

    y = _cox_y()
    res = path(X, y, Cox(), alphas=8, offset=OFF)
    assert res.df[0] == 0 and res.df[-1] > 0
    assert np.all(np.diff(res.dev_explained) >= -1e-9) and res.dev_explained[-1] < 1
    assert np.all(res.intercepts == 0)
    last = CoxPH(alpha=float(res.alphas[-1]), tol=1e-10).fit(X, y, offset=OFF)
    np.testing.assert_allclose(res.coef_at(7), last.coef_, atol=1e-3)
    g = path(X, _y("gamma"), Gamma(), alphas=8, offset=OFF)
    assert g.df[0] == 0 and np.all(g.converged)


def test_cv_offsets_for_cox_and_binomial():
    y = _cox_y()
    cv = CoxPHCV(alphas=[0.02], cv=3, tol=1e-10).fit(X, y, offset=OFF)
    single = CoxPH(alpha=0.02, tol=1e-10).fit(X, y, offset=OFF)
    np.testing.assert_allclose(cv.coef_, single.coef_, atol=1e-6)
    np.testing.assert_allclose(cv.predict(X, offset=OFF), single.predict(X, offset=OFF),
                               atol=1e-5)
    prop, trials = _y("proportion")
    bcv = BinomialRegressorCV(alphas=[0.01], cv=3, tol=1e-10).fit(
        X, prop, sample_weight=trials, offset=OFF)
    b = BinomialRegressor(alpha=0.01, tol=1e-10).fit(X, prop, sample_weight=trials,
                                                     offset=OFF)
    np.testing.assert_allclose(bcv.coef_, b.coef_, atol=1e-6)
    np.testing.assert_allclose(bcv.predict(X, offset=OFF), b.predict(X, offset=OFF),
                               atol=1e-6)


def test_cox_float32_stops_at_its_rounding_level_with_a_warning():
    # float32 X gives float32 predictors: the gap cannot go below their rounding noise.
    # A tol under it used to run every model to its epoch budget (CoxPHCV with
    # max_iter=100_000: 30 s); the fit now stops after a few flat steps and says so.
    rng = np.random.RandomState(0)
    X = (3 * rng.uniform(size=(14, 5))).astype(np.float32)
    y = np.c_[np.arange(1, 15, dtype=float), np.tile([1.0, 0.0], 7)]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        est = CoxPH(alpha=1.6e-4, ties="efron", tol=1e-12, max_iter=100_000).fit(X, y)
    assert est.n_iter_ < 2000
    assert any(issubclass(w.category, ConvergenceWarning)
               and "no further decrease" in str(w.message) for w in rec)
    ref = CoxPH(alpha=1.6e-4, ties="efron", tol=1e-12).fit(X.astype(np.float64), y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-3, atol=1e-4)


def test_cox_loss_of_an_eta_spread_beyond_the_shift_is_inf_not_a_crash():
    # a line-search trial step of CoxPHCV (a fold of p = n = 50, float32 X) gave eta
    # spanning more than the exponent range: the later event's risk set weighed
    # exp(-800) = 0 against the stratum's shift, and 1 / 0 raised ZeroDivisionError in
    # the compiled sums, a crash of the fit. Such a point is now refused (+inf)
    y = survival_target(np.array([[1.0, 1], [2.0, 1]]))
    assert Cox().value(y, np.array([0.0, -800.0]), np.ones(2)) == np.inf
    assert np.isfinite(Cox().value(y, np.array([0.0, -300.0]), np.ones(2)))
