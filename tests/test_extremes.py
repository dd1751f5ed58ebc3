"""Numerical extremes: answers stay right (or a clear error is raised) far from unit
scale. Each case compares sparse and dense X, a closed form or scikit-learn, or checks
the optimality conditions; never NaN, inf, a hang or a crash.

Covered here: sparse columns with offsets of 1e6 to 1e12; a 1e12 outlier for
HuberRegressor; unpenalized constant columns; columns scaled 1e150 and 1e-150 in one X;
y of size 1e100 and 1e-100; one sample, one feature, 50,000 features for 5 samples;
alpha from 1e-12 to 1e6 times alpha_max (and 1e10 to 1e300 with unpenalized features);
separable classes; Poisson counts near 1e9 and all-zero counts but one; entries near
the largest float.

Elsewhere: separable data at alpha 0, 1e-12 and 1e-8 (finite, fast, accurate):
tests/test_glm.py::test_separable_data_finite_and_fast; 50,000 sparse features for
1,000,000 samples (never densified): tests/test_estimators.py::
test_sparse_input_is_never_densified; NaN and inf inputs: tests/test_validation.py;
RidgeCV on one sample: tests/test_ridge_cv.py::test_one_sample_refused; float32 against
float64 and the scaling of y on random problems: tests/test_properties.py.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn import linear_model as sklm
from sklearn.exceptions import ConvergenceWarning

import penalized


def _timestamp_problem(offset, seed=0, n=200):
    rng = np.random.default_rng(seed)
    ts = offset + rng.standard_normal(n)  # e.g. a Unix-timestamp column: offset + noise
    X = np.c_[rng.standard_normal(n), ts, rng.standard_normal((n, 3))]
    return X, rng, ts


@pytest.mark.parametrize("offset", [1e6, 1e8])
def test_sparse_column_with_a_large_offset_lasso(offset):
    X, rng, ts = _timestamp_problem(offset)
    y = 1.6 * (ts - offset) + 0.3 * rng.standard_normal(X.shape[0])
    dense = penalized.Lasso(alpha=0.02, tol=1e-12).fit(X, y)
    sparse = penalized.Lasso(alpha=0.02, tol=1e-12).fit(sp.csc_matrix(X), y)
    # the timestamp column is the informative one: implicit centering of sparse X must
    # not see it as constant
    assert abs(sparse.coef_[1] - 1.6) < 0.05
    # up to the entries' own rounding (offset * eps absolute)
    assert_allclose(sparse.coef_, dense.coef_, atol=1e-6 + 0.1 * offset * np.finfo(float).eps)
    assert sparse.dual_gap_ <= 1e-6
    # KKT at the returned point, recomputed on explicitly centered data
    Xc = X - X.mean(axis=0)
    grad = Xc.T @ (y - y.mean() - Xc @ sparse.coef_) / X.shape[0]
    assert np.all(np.abs(grad) <= 0.02 * (1 + 1e-6))


def test_sparse_column_with_an_offset_at_the_rounding_edge_warns_or_converges():
    X, rng, ts = _timestamp_problem(1e12)
    y = 1.6 * (ts - 1e12) + 0.3 * rng.standard_normal(X.shape[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = penalized.Lasso(alpha=0.02, tol=1e-12).fit(sp.csc_matrix(X), y)
    assert abs(est.coef_[1] - 1.6) < 0.05
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert warned or est.dual_gap_ <= 1e-12 * np.var(y)


@pytest.mark.parametrize("offset", [1e8])
def test_sparse_column_with_a_large_offset_logistic(offset):
    X, rng, ts = _timestamp_problem(offset, seed=1, n=300)
    y = (ts - offset + 0.5 * rng.standard_normal(X.shape[0]) > 0).astype(int)
    kw = dict(C=1.0, l1_ratio=1.0, tol=1e-8)
    dense = penalized.LogisticRegression(**kw).fit(X, y)
    sparse = penalized.LogisticRegression(**kw).fit(sp.csr_matrix(X), y)
    assert sparse.coef_[0, 1] > 1.0
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", [dict(), dict(l1_ratio=0.5),
                                dict(epsilon=0.5, fixed_scale=1.0)])
def test_huber_one_huge_outlier_does_not_set_the_stopping_rule(kw):

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4))
    w = np.array([1.0, -1.0, 0.5, 0.0])
    y = X @ w + 0.1 * rng.standard_normal(200)
    y[0] = 1e12
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither a false scale collapse nor a short fit
        est = penalized.HuberRegressor(alpha=1e-4, **kw).fit(X, y)
    assert_allclose(est.coef_, w, atol=0.03)
    assert est.outliers_[0]
    # the certificate is small against the capped null loss (the inliers' scale)
    from penalized.datafits import Huber

    d = Huber(0.5)
    s = np.ones(200)
    clean = d.tol_scale(np.r_[0.0, y[1:]], s, 0.0, True)
    assert d.tol_scale(y, s, 0.0, True) <= 1.1 * clean  # one sample adds at most a cap / n


def _constant_column_case(seed, mean):
    rng = np.random.default_rng(seed)
    n, p = 25, 4
    X = rng.standard_normal((n, p))
    X[:, 0] = mean  # constant: collinear with the intercept, its centered entries rounding
    eta = X[:, 1:] @ np.array([0.8, -0.5, 0.0])
    sw = rng.uniform(0.1, 2.0, n)
    pf = np.array([0.0, 0.4, 1.0, 1.5])  # the constant column unpenalized
    return X, eta, np.random.default_rng(seed + 100), sw, pf


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("mean", [30.0, 1e3, 1e8])
@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("family", ["enet", "logistic", "poisson"])
def test_unpenalized_constant_column_is_the_zero_column(seed, mean, fmt, family):
    # found by the KKT property test: a constant column with penalty factor 0 (its
    # centered entries rounding noise of the mean) broke the projection of the dual point
    # (negative gap, all-zero coefficients returned as converged) and the GLMs'
    # unpenalized-feature check (a warning after a converged fit)

    X, eta, rng, sw, pf = _constant_column_case(seed, mean)
    if family == "enet":
        y = eta + 0.3 * rng.standard_normal(X.shape[0])
        make = lambda f: penalized.ElasticNet(alpha=0.05, penalty_factor=f, tol=1e-10,  # noqa
                                              max_iter=100_000)
    elif family == "logistic":
        y = (eta + 0.3 * rng.standard_normal(X.shape[0]) > 0).astype(int)
        make = lambda f: penalized.LogisticRegression(C=5.0, l1_ratio=1.0,  # noqa
                                                      penalty_factor=f, tol=1e-8)
    else:
        y = rng.poisson(np.exp(eta)).astype(float)
        make = lambda f: penalized.PoissonRegressor(alpha=0.02, l1_ratio=1.0,  # noqa
                                                    penalty_factor=f, tol=1e-8)
    Xf = sp.csc_matrix(X) if fmt == "csc" else X
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = make(pf).fit(Xf, y, sample_weight=sw)
    ref = make(pf[1:]).fit(X[:, 1:], y, sample_weight=sw)
    coef = np.ravel(est.coef_)
    assert coef[0] == 0.0
    assert np.count_nonzero(coef[1:]) > 0
    assert_allclose(coef[1:], np.ravel(ref.coef_), rtol=1e-5, atol=1e-7)
    assert 0.0 <= est.dual_gap_ <= 10 * ref.dual_gap_ + 1e-12


@pytest.mark.parametrize("seed", [0, 2, 4, 6, 7])
def test_huber_l1_on_heavy_tailed_noise_reaches_a_tight_tol(seed):
    # prox-Newton steps whose change of the objective is below its rounding level used to
    # be dropped (their sign is noise), so the fit stalled with a gap of ~1e-9 relative;
    # they are now taken when they shrink the gap
    import warnings

    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(20, 300)), int(rng.integers(2, 40))
    X = rng.standard_normal((n, p)) * rng.uniform(0.1, 10, p)
    w = rng.standard_normal(p) * (rng.random(p) < 0.3)
    y = X @ w + rng.standard_t(1.5, n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = penalized.HuberRegressor(alpha=0.01, l1_ratio=1.0, tol=1e-10,
                                       max_iter=1000).fit(X, y)
    assert est.dual_gap_ <= 1e-10 * 2 * n / est.scale_ * 10  # well inside its target
    # the same fit at the final scale, recomputed: a certified minimizer
    fixed = penalized.HuberRegressor(alpha=0.01, l1_ratio=1.0, tol=1e-10, max_iter=1000,
                                     fixed_scale=est.scale_).fit(X, y)
    assert_allclose(est.coef_, fixed.coef_, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------------------
# Shared problems and checks
# --------------------------------------------------------------------------------------
P = penalized


def _problem(n=40, p=5, seed=0):
    """A well-conditioned regression problem and its binary and count targets."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.r_[1.0, -2.0, 0.0, 0.5, np.zeros(p - 4)][:p]
    eta = X @ w
    y = eta + 0.3 * rng.standard_normal(n)
    yb = (eta + 1.0 * rng.standard_normal(n) > 0).astype(int)  # not separable
    yc = rng.poisson(np.exp(0.3 * eta)).astype(float)
    return X, y, yb, yc


def _target(kind, y, yb, yc):
    return {"reg": y, "bin": yb, "count": yc}[kind]


def _fit(est, X, y, **kw):
    """Fit, returning the ConvergenceWarnings' messages (any other warning is an error,
    RuntimeWarnings of overflow or invalid values first)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y, **kw)
    conv = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    other = [f"{w.category.__name__}: {w.message}" for w in caught
             if not issubclass(w.category, ConvergenceWarning)]
    assert not other, other
    return est, conv


def _finite(est):
    for name in ("coef_", "intercept_", "scale_", "dual_gap_", "alpha_"):
        if hasattr(est, name):
            assert np.all(np.isfinite(getattr(est, name))), (name, getattr(est, name))


def _null_loss(kind, y, s=None):
    """What tol is relative to: the intercept-only model's mean loss (least squares: the
    variance of y; logistic: the entropy of the classes; Poisson: its excess loss)."""
    s = np.ones(len(y)) if s is None else s
    S = s.sum()
    if kind == "reg":
        return float(s @ (y - s @ y / S) ** 2) / S
    if kind == "bin":
        q = float(s @ y) / S
        return -(q * np.log(q) + (1 - q) * np.log(1 - q))
    mu = float(s @ y) / S
    with np.errstate(divide="ignore", invalid="ignore"):
        sat = np.where(y > 0, y - y * np.log(y), 0.0)
    return float(s @ (mu - y * np.log(mu) - sat)) / S


def _met_or_warned(est, conv, kind, y, factor=1.0):
    """The certificate meets tol (units of the mean-loss objective; ``factor``: the
    estimator's own scale, e.g. 2 for scikit-learn's least squares) or the fit warned."""
    if conv:
        assert all("tol" in m for m in conv), conv
        return
    target = est.tol * _null_loss(kind, y)
    assert np.max(est.dual_gap_) <= factor * target * (1 + 1e-9) + 1e-15, (
        est.dual_gap_, factor * target)


# --------------------------------------------------------------------------------------
# Columns scaled 1e150 and 1e-150 in one X: standardized fits are those of the unscaled X
# --------------------------------------------------------------------------------------
SCALES = np.array([1e150, 1e-150, 1.0, 1e150, 1e-150])
STANDARDIZED = {
    "Lasso": (lambda: P.Lasso(alpha=0.05, standardize=True, tol=1e-12), "reg"),
    "ElasticNet": (lambda: P.ElasticNet(alpha=0.05, l1_ratio=0.5, standardize=True,
                                        tol=1e-12), "reg"),
    "Ridge": (lambda: P.Ridge(alpha=1.0, standardize=True), "reg"),
    "LogisticRegression": (lambda: P.LogisticRegression(alpha=0.01, l1_ratio=0.5,
                                                        standardize=True, tol=1e-12), "bin"),
    "PoissonRegressor": (lambda: P.PoissonRegressor(alpha=0.01, l1_ratio=0.5,
                                                    standardize=True, tol=1e-12), "count"),
    "HuberRegressor": (lambda: P.HuberRegressor(alpha=0.01, l1_ratio=0.5, standardize=True,
                                                tol=1e-12), "reg"),
    "LassoCV": (lambda: P.LassoCV(standardize=True, cv=3, tol=1e-12), "reg"),
    "ElasticNetCV": (lambda: P.ElasticNetCV(l1_ratio=[0.5, 1.0], standardize=True, cv=3,
                                            tol=1e-12), "reg"),
    # (tol 1e-10: a nearly separable fold's Newton models take 200 CD epochs each, and at
    # tol 1e-12 its fit reaches the 1000-epoch budget, on the unscaled X as well)
    "LogisticRegressionCV": (lambda: P.LogisticRegressionCV(
        l1_ratios=(1.0,), scoring=None, use_legacy_attributes=False, standardize=True, cv=3,
        tol=1e-10), "bin"),
    "PoissonRegressorCV": (lambda: P.PoissonRegressorCV(l1_ratio=0.5, standardize=True,
                                                        cv=3, tol=1e-12), "count"),
}


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("name", list(STANDARDIZED))
def test_columns_scaled_1e150_and_1e_150_standardized(name, fmt):
    make, kind = STANDARDIZED[name]
    X, y, yb, yc = _problem()
    t = _target(kind, y, yb, yc)
    Xs = X * SCALES
    ref, _ = _fit(make(), X, t)
    got, conv = _fit(make(), sp.csc_matrix(Xs) if fmt == "csc" else Xs, t)
    assert not conv, conv
    _finite(got)
    if hasattr(ref, "alpha_"):  # the grid follows alpha_max: the same grid, the same choice
        assert_allclose(got.alphas_, ref.alphas_, rtol=1e-9)
        assert got.alpha_ == pytest.approx(ref.alpha_, rel=1e-9)
    # the same problem in the standardized coordinates beta = coef * sd: both fits are
    # within their certificates (tol 1e-12 of a null loss of at most 5) of its optimum,
    # sqrt(2 * 5e-12 / 0.1) = 1e-5 in beta for a curvature of at least 0.1 here
    sd = X.std(axis=0)
    beta_ref = np.ravel(ref.coef_) * sd
    beta = np.ravel(got.coef_) * SCALES * sd
    assert_allclose(beta, beta_ref, rtol=0, atol=1e-5 * max(1.0, np.abs(beta_ref).max()))
    assert_allclose(got.intercept_, ref.intercept_, rtol=0, atol=1e-5)


# --------------------------------------------------------------------------------------
# y of size 1e100 and 1e-100: least-squares coefficients scale with y
# --------------------------------------------------------------------------------------
def _scaled(name, c):
    """(the estimator fitted to c * y, the one whose solution on y is 1/c times its
    solution), the second from the first's actual parameters. An L1 weight on c * y is
    c times one on y, an L2 weight (mean-loss scale) the same: ElasticNet(alpha, l1) on
    c * y is c times ElasticNet on y with L1 weight alpha l1 / c and L2 weight
    alpha (1 - l1). For c = 1e100 no float l1_ratio below 1 is 1 - 1e-100: the pair
    cannot keep both weights as they were on y, so the reference follows the pair given.
    HuberRegressor's scale follows y: its L2 weight is multiplied by c on y. Ridge and
    RidgeCV (scikit-learn's sum of squares) keep alpha; LassoCV's grid follows
    alpha_max."""
    if name == "Lasso":
        return P.Lasso(alpha=0.05 * c, tol=1e-12), P.Lasso(alpha=0.05, tol=1e-12)
    if name in ("ElasticNet", "HuberRegressor"):
        a, l1 = (0.05, 0.5) if name == "ElasticNet" else (0.01, 0.5)
        new = c * a * l1 + a * (1 - l1) if name == "ElasticNet" else a * (1 - l1) / c + a * l1
        top = dict(alpha=new, l1_ratio=(c * a * l1 if name == "ElasticNet" else a * l1) / new)
        w1 = top["alpha"] * top["l1_ratio"] / (c if name == "ElasticNet" else 1.0)
        w2 = top["alpha"] * (1 - top["l1_ratio"]) * (1.0 if name == "ElasticNet" else c)
        ref = dict(alpha=w1 + w2, l1_ratio=w1 / (w1 + w2))
        Est = P.ElasticNet if name == "ElasticNet" else P.HuberRegressor
        # (Huber: tol 1e-10; at 1e-12 its certificate is at its rounding floor, a gap of
        # 1 to 3 times tol for y, 1e10 y and 1e100 y alike: a warning by luck)
        tol = 1e-12 if name == "ElasticNet" else 1e-10
        return Est(**top, tol=tol), Est(**ref, tol=tol)
    if name == "Ridge":
        return P.Ridge(alpha=1.0), P.Ridge(alpha=1.0)
    if name == "LassoCV":
        return P.LassoCV(cv=3, tol=1e-12), P.LassoCV(cv=3, tol=1e-12)
    return P.RidgeCV(alphas=(0.1, 1.0, 10.0)), P.RidgeCV(alphas=(0.1, 1.0, 10.0))


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("c", [1e100, 1e-100])
@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge", "HuberRegressor", "LassoCV",
                                  "RidgeCV"])
def test_y_of_size_1e100_and_1e_100_scales_the_coefficients(name, c, fmt):
    X, y, _, _ = _problem()
    Xf = sp.csc_matrix(X) if fmt == "csc" else X
    top, ref = _scaled(name, c)
    ref, _ = _fit(ref, Xf, y)
    got, conv = _fit(top, Xf, c * y)
    assert not conv, conv
    _finite(got)
    if hasattr(got, "scale_"):
        assert got.scale_ == pytest.approx(c * ref.scale_, rel=1e-6)
    if name == "LassoCV":
        assert got.alpha_ == pytest.approx(c * ref.alpha_, rel=1e-9)
    # the same problem up to the rounding of c * y: both within their certificates
    # (tol 1e-12, 1e-10 for Huber, relative to var(y) ~ 5, both scaled alike): about
    # 1e-5 of |coef|
    assert_allclose(np.ravel(got.coef_) / c, np.ravel(ref.coef_), rtol=0,
                    atol=1e-5 * max(np.abs(ref.coef_).max(), 1e-3))
    assert got.intercept_ / c == pytest.approx(ref.intercept_, abs=1e-5)


# --------------------------------------------------------------------------------------
# One sample; one feature; 50,000 features for 5 samples
# --------------------------------------------------------------------------------------
ONE_SAMPLE = {
    "Lasso": lambda fi: P.Lasso(alpha=0.1, fit_intercept=fi),
    "ElasticNet": lambda fi: P.ElasticNet(alpha=0.1, l1_ratio=0.5, fit_intercept=fi),
    "Ridge": lambda fi: P.Ridge(alpha=0.1, fit_intercept=fi),
    "PoissonRegressor": lambda fi: P.PoissonRegressor(alpha=0.1, l1_ratio=1.0, fit_intercept=fi,
                                                      tol=1e-10),
    "HuberRegressor": lambda fi: P.HuberRegressor(alpha=0.1, fit_intercept=fi),
}


@pytest.mark.parametrize("fi", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("name", list(ONE_SAMPLE))
def test_one_sample(name, fi):
    x, y = np.array([[0.8]]), np.array([2.5])
    est, conv = _fit(ONE_SAMPLE[name](fi), x, y)
    _finite(est)
    a = est.alpha
    if fi:  # the centered X is 0: the intercept fits the sample
        assert est.coef_[0] == 0.0
        assert est.intercept_ == pytest.approx(np.log(2.5) if name.startswith("Poisson")
                                               else 2.5, rel=1e-9)
    elif name == "Lasso":  # 1/2 (y - x w)^2 + a |w|
        assert est.coef_[0] == pytest.approx((0.8 * 2.5 - a) / 0.64, rel=1e-9)
    elif name == "ElasticNet":  # 1/2 (y - x w)^2 + a/2 |w| + a/4 w^2
        assert est.coef_[0] == pytest.approx((0.8 * 2.5 - a / 2) / (0.64 + a / 2), rel=1e-6)
    elif name == "Ridge":  # scikit-learn's (y - x w)^2 + a w^2
        assert est.coef_[0] == pytest.approx(0.8 * 2.5 / (0.64 + a), rel=1e-9)
    elif name == "PoissonRegressor":  # exp(x w) - y x w + a |w|: exp(0.8 w) = (2 - a) / 0.8
        assert est.coef_[0] == pytest.approx(np.log((0.8 * 2.5 - a) / 0.8) / 0.8, rel=1e-6)
    if name == "HuberRegressor":  # interpolates: the scale collapses, and says so
        assert conv and all("collapses" in m for m in conv)
        assert est.predict(x)[0] == pytest.approx(2.5, rel=1e-6)
    else:
        assert not conv, conv


def test_one_sample_logistic_has_one_class():
    with pytest.raises(ValueError, match="class"):
        P.LogisticRegression().fit(np.array([[0.8]]), np.array([1]))


@pytest.mark.parametrize("make", [
    lambda: P.LassoCV(), lambda: P.ElasticNetCV(), lambda: P.LogisticRegressionCV(),
    lambda: P.PoissonRegressorCV(), lambda: P.RidgeCV(cv=3)],
    ids=["LassoCV", "ElasticNetCV", "LogisticRegressionCV", "PoissonRegressorCV", "RidgeCV"])
def test_one_sample_cross_validation_is_refused(make):
    with pytest.raises(ValueError, match=r"(?i)sample|split|fold|class"):
        make().fit(np.array([[0.8]]), np.array([1]))


ONE_FEATURE = ["Lasso", "ElasticNet", "Ridge", "LogisticRegression", "PoissonRegressor",
               "HuberRegressor"]


@pytest.mark.parametrize("name", ONE_FEATURE)
def test_one_feature_matches_scikit_learn(name):
    X, y, yb, yc = _problem(n=60, p=5, seed=3)
    X = X[:, :1]
    n = X.shape[0]
    if name == "Lasso":
        ours, sk, t = P.Lasso(0.1, tol=1e-12), sklm.Lasso(0.1, tol=1e-12), y
    elif name == "ElasticNet":
        ours, sk, t = (P.ElasticNet(0.1, l1_ratio=0.3, tol=1e-12),
                       sklm.ElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-12), y)
    elif name == "Ridge":
        ours, sk, t = P.Ridge(3.0), sklm.Ridge(3.0), y
    elif name == "LogisticRegression":
        ours, sk, t = (P.LogisticRegression(C=0.5, tol=1e-12),
                       sklm.LogisticRegression(C=0.5, tol=1e-12), yb)
    elif name == "PoissonRegressor":
        ours = P.PoissonRegressor(alpha=0.05, tol=1e-12)
        sk = sklm.PoissonRegressor(alpha=0.05, solver="newton-cholesky", tol=1e-12)
        t = yc
    else:
        ours, sk, t = (P.HuberRegressor(alpha=1e-3, tol=1e-12),
                       sklm.HuberRegressor(alpha=1e-3, tol=1e-12, max_iter=10_000), y)
    ours, conv = _fit(ours, X, t)
    assert not conv, conv
    sk.fit(X, t)
    assert_allclose(np.ravel(ours.coef_), np.ravel(sk.coef_), rtol=1e-5, atol=1e-7)
    assert_allclose(ours.intercept_, sk.intercept_, rtol=1e-5, atol=1e-7)
    assert n == 60


def _wide(sparse):
    """5 samples, 50,000 features (a tenth of them nonzero when sparse)."""
    rng = np.random.default_rng(7)
    n, p = 5, 50_000
    if sparse:
        X = sp.random(n, p, density=0.1, format="csc", random_state=7,
                      data_rvs=rng.standard_normal)
        Xd = X.toarray()
    else:
        Xd = rng.standard_normal((n, p))
        X = np.asfortranarray(Xd)
    y = Xd[:, :3] @ np.array([1.0, -1.0, 0.5]) + 0.1 * rng.standard_normal(n)
    return X, Xd, y


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csc"])
@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge", "LogisticRegression",
                                  "PoissonRegressor", "HuberRegressor"])
def test_50_000_features_for_5_samples(name, sparse):
    X, Xd, y = _wide(sparse)
    n = Xd.shape[0]
    yb = np.array([0, 1, 0, 1, 1])
    yc = np.array([0.0, 2.0, 1.0, 5.0, 3.0])
    if name in ("Lasso", "ElasticNet"):
        l1 = 1.0 if name == "Lasso" else 0.5
        amax = np.abs(Xd.T @ (y - y.mean())).max() / (n * l1)
        kw = dict(alpha=0.1 * amax, tol=1e-10)
        ours = P.Lasso(**kw) if name == "Lasso" else P.ElasticNet(l1_ratio=l1, **kw)
        ours, conv = _fit(ours, X, y)
        _met_or_warned(ours, conv, "reg", y)  # the documented rule: gap <= tol * var(y)
        sk = (sklm.Lasso(**kw) if name == "Lasso" else sklm.ElasticNet(l1_ratio=l1, **kw))
        sk.fit(Xd, y)
        # the same objective value (the solution need not be unique for p > n)
        def obj(c, b):
            r = y - Xd @ c - b
            return r @ r / (2 * n) + kw["alpha"] * (l1 * np.abs(c).sum()
                                                     + (1 - l1) / 2 * c @ c)
        assert obj(ours.coef_, ours.intercept_) <= obj(sk.coef_, sk.intercept_) + 1e-9
        assert_allclose(ours.predict(X), sk.predict(Xd), rtol=0, atol=1e-3)
    elif name == "Ridge":
        ours, conv = _fit(P.Ridge(alpha=1.0), X, y)
        assert not conv
        sk = sklm.Ridge(alpha=1.0).fit(Xd, y)
        assert_allclose(ours.coef_, sk.coef_, rtol=1e-7, atol=1e-12)
    else:
        make = {"LogisticRegression": lambda: P.LogisticRegression(alpha=0.01, l1_ratio=1.0,
                                                                   tol=1e-8),
                "PoissonRegressor": lambda: P.PoissonRegressor(alpha=0.01, l1_ratio=1.0,
                                                               tol=1e-8),
                "HuberRegressor": lambda: P.HuberRegressor(alpha=1.0, l1_ratio=1.0, tol=1e-8)}
        t = {"LogisticRegression": yb, "PoissonRegressor": yc, "HuberRegressor": y}[name]
        ours, conv = _fit(make[name](), X, t)
        _finite(ours)
        if name != "HuberRegressor":
            _met_or_warned(ours, conv, "bin" if name.startswith("Log") else "count", t)
        assert np.count_nonzero(ours.coef_) <= n + 1
    _finite(ours)


# --------------------------------------------------------------------------------------
# alpha from 1e-12 to 1e6 times alpha_max
# --------------------------------------------------------------------------------------
def _huber_null(X, y, eps=1.35):
    """HuberRegressor's null model (intercept and scale) and its gradient in w."""
    null = P.HuberRegressor(alpha=1e12, l1_ratio=1.0, epsilon=eps, tol=1e-12).fit(X, y)
    sigma, b0 = float(null.scale_), float(null.intercept_)
    return sigma, b0, -X.T @ np.clip(y - b0, -eps * sigma, eps * sigma) / len(y)


def _alpha_max(name, X, y):
    n = len(y)
    if name in ("Lasso", "ElasticNet"):
        return P.alpha_max(X, y, l1_ratio=1.0 if name == "Lasso" else 0.5)
    if name == "LogisticRegression":
        return np.abs(X.T @ (y.mean() - y)).max() / n
    if name == "PoissonRegressor":
        return np.abs(X.T @ (y.mean() - y)).max() / n
    sigma, _, g = _huber_null(X, y)  # the mean-form L1 weight is alpha sigma / (2 n)
    return np.abs(g).max() / (sigma / (2 * n))


ALPHA_SWEEP = {
    "Lasso": (lambda a: P.Lasso(alpha=a, tol=1e-10, max_iter=100_000), "reg"),
    "ElasticNet": (lambda a: P.ElasticNet(alpha=a, l1_ratio=0.5, tol=1e-10, max_iter=100_000),
                   "reg"),
    "LogisticRegression": (lambda a: P.LogisticRegression(alpha=a, l1_ratio=1.0, tol=1e-10),
                           "bin"),
    "PoissonRegressor": (lambda a: P.PoissonRegressor(alpha=a, l1_ratio=1.0, tol=1e-10),
                         "count"),
    "HuberRegressor": (lambda a: P.HuberRegressor(alpha=a, l1_ratio=1.0, tol=1e-10), "reg"),
}


def _unpenalized(name, X, t):
    """The unpenalized fit (scikit-learn, or least squares)."""
    if name in ("Lasso", "ElasticNet"):
        A = np.c_[X, np.ones(len(t))]
        sol = np.linalg.lstsq(A, t, rcond=None)[0]
        return sol[:-1], sol[-1]
    if name == "LogisticRegression":
        sk = sklm.LogisticRegression(penalty=None, tol=1e-12, max_iter=10_000).fit(X, t)
        return sk.coef_[0], sk.intercept_[0]
    if name == "PoissonRegressor":
        sk = sklm.PoissonRegressor(alpha=0.0, solver="newton-cholesky", tol=1e-12).fit(X, t)
        return sk.coef_, sk.intercept_
    sk = sklm.HuberRegressor(alpha=0.0, tol=1e-12, max_iter=10_000).fit(X, t)
    return sk.coef_, sk.intercept_


@pytest.mark.parametrize("frac", [1e-12, 1e-6, 1e-3, 1.0, 1e3, 1e6])
@pytest.mark.parametrize("name", list(ALPHA_SWEEP))
def test_alpha_from_1e_12_to_1e6_times_alpha_max(name, frac):
    make, kind = ALPHA_SWEEP[name]
    X, y, yb, yc = _problem()
    t = _target(kind, y, yb, yc).astype(float)
    amax = _alpha_max(name, X, t)
    est, conv = _fit(make(frac * amax), X, t)
    _finite(est)
    if name != "HuberRegressor":
        # (least squares: the documented rule, gap <= tol * var(y), which _null_loss
        # gives; a factor 0.5 here asked for half of it)
        _met_or_warned(est, conv, kind, t)
    elif frac >= 1e-6:
        assert not conv, conv
    else:
        # a known limit, not a wrong answer (the coefficients are checked below): the
        # fixed-scale fits' duality gap scales the dual point until |X'u| <= the L1
        # weights, which are below the gradient's rounding here (1.5e-13 at 1e-12
        # alpha_max), so no gap can meet tol and the fit says so
        assert all("tol" in m for m in conv), conv
    coef = np.ravel(est.coef_)
    if frac >= 1:  # the null model
        assert np.all(coef == 0)
        b0 = {"reg": t.mean(), "bin": np.log(t.mean() / (1 - t.mean())),
              "count": np.log(t.mean())}[kind]
        if name == "HuberRegressor":
            b0 = _huber_null(X, t)[1]
        assert float(np.ravel(est.intercept_)[0]) == pytest.approx(b0, rel=1e-6, abs=1e-9)
    elif frac == 1e-12:  # the unpenalized fit (to 1e-12 of the coefficients' size)
        ref, b = _unpenalized(name, X, t)
        assert_allclose(coef, ref, rtol=0, atol=1e-4 * np.abs(ref).max())
        assert float(np.ravel(est.intercept_)[0]) == pytest.approx(b, abs=1e-4)
    else:
        assert np.any(coef != 0) if frac < 0.5 else True


@pytest.mark.parametrize("factor", [1e-12, 1e-6, 1.0, 1e6, 1e12])
def test_ridge_alpha_over_24_orders_matches_scikit_learn(factor):
    X, y, _, _ = _problem()
    alpha = factor * len(y)
    ours, conv = _fit(P.Ridge(alpha=alpha), X, y)
    assert not conv
    sk = sklm.Ridge(alpha=alpha, solver="cholesky").fit(X, y)
    assert_allclose(ours.coef_, sk.coef_, rtol=1e-9, atol=1e-15)
    assert ours.intercept_ == pytest.approx(sk.intercept_, rel=1e-9, abs=1e-12)
    cv, conv = _fit(P.RidgeCV(alphas=np.logspace(-12, 12, 25) * len(y)), X, y)
    _finite(cv)
    at = P.Ridge(alpha=cv.alpha_).fit(X, y)
    assert_allclose(cv.coef_, at.coef_, rtol=1e-9, atol=1e-15)


HUGE_ALPHA = {
    "Lasso": lambda a: P.Lasso(alpha=a, penalty_factor=[0, 1, 1, 1, 1]),
    "ElasticNet": lambda a: P.ElasticNet(alpha=a, l1_ratio=0.5, penalty_factor=[0, 1, 1, 1, 1]),
    "Ridge": lambda a: P.Ridge(alpha=a, penalty_factor=[0, 1, 1, 1, 1]),
    "GroupLasso": lambda a: P.GroupLasso(groups=[0, 1, 1, 2, 2], weights=[0.0, 1.0, 1.0],
                                         alpha=a),
    "SparseGroupLasso": lambda a: P.SparseGroupLasso(groups=[0, 1, 1, 2, 2], l1_ratio=1.0,
                                                     penalty_factor=[0, 1, 1, 1, 1], alpha=a),
    "MCPRegression": lambda a: P.MCPRegression(alpha=a, penalty_factor=[0, 1, 1, 1, 1]),
    "MultiTaskLasso": lambda a: P.MultiTaskLasso(alpha=a, penalty_factor=[0, 1, 1, 1, 1]),
    "LogisticRegression": lambda a: P.LogisticRegression(alpha=a, l1_ratio=1.0,
                                                         penalty_factor=[0, 1, 1, 1, 1]),
    "PoissonRegressor": lambda a: P.PoissonRegressor(alpha=a, l1_ratio=1.0,
                                                     penalty_factor=[0, 1, 1, 1, 1]),
    "HuberRegressor": lambda a: P.HuberRegressor(alpha=a, l1_ratio=1.0,
                                                 penalty_factor=[0, 1, 1, 1, 1]),
}


@pytest.mark.parametrize("alpha", [1e10, 1e100, 1e300])
@pytest.mark.parametrize("name", list(HUGE_ALPHA))
def test_huge_alpha_still_fits_the_unpenalized_feature(name, alpha):
    # the least-squares engines' rounding floor of the KKT violation was 64 eps times the
    # largest L1 weight of all features: from alpha 1e100 it swallowed the unpenalized
    # feature's violation, and the null model (w_0 = 0, a gap of 0.27, the variance of
    # y) was returned as converged (Lasso, ElasticNet, GroupLasso, SparseGroupLasso,
    # MCPRegression, MultiTaskLasso); Ridge's direct solve dropped w_0 in its lstsq
    # cutoff (singular values 1e50 and 1)
    X, y, yb, yc = _problem()
    t = {"LogisticRegression": yb, "PoissonRegressor": yc}.get(name, y)
    if name == "MultiTaskLasso":
        t = np.c_[y, 2 * y]
    est, conv = _fit(HUGE_ALPHA[name](alpha), X, t)
    assert not conv, conv
    _finite(est)
    W = np.atleast_2d(est.coef_)
    if name == "Ridge":  # no exact zeros: w_j = x_j' r / alpha, about 1e-9 at 1e10
        assert np.abs(W[:, 1:]).max() <= 100.0 / alpha
    else:
        assert np.all(W[:, 1:] == 0)
    if name in ("LogisticRegression", "PoissonRegressor", "HuberRegressor"):
        ref = HUGE_ALPHA[name](1e6).fit(X, t)  # the same null model
        assert W[0, 0] == pytest.approx(np.ravel(ref.coef_)[0], rel=1e-6)
        return
    T = t.reshape(len(y), -1)
    A = np.c_[X[:, 0], np.ones(len(y))]
    ols = np.linalg.lstsq(A, T, rcond=None)[0][0]
    assert_allclose(W[:, 0], ols, rtol=1e-8 if name != "Ridge" or alpha > 1e10 else 1e-7)
    assert np.max(est.dual_gap_ if hasattr(est, "dual_gap_") else est.stop_crit_) <= 1e-8


# --------------------------------------------------------------------------------------
# Separable classes
# --------------------------------------------------------------------------------------
def _multi_null_loss(y):
    q = np.bincount(y) / len(y)
    return -float(np.sum(q * np.log(q)))


@pytest.mark.parametrize("alpha", [1e-4, 1e-8])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.0, 0.5], ids=["l1", "l2", "enet"])
def test_separable_classes_certified_or_warned(l1_ratio, n_classes, alpha):
    # (finite, fast and accurate at alpha 0 to 1e-8: tests/test_glm.py::
    # test_separable_data_finite_and_fast; here: the certificate meets tol or the fit says
    # it does not)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 4))
    y = (X[:, 0] > 0).astype(int) if n_classes == 2 else np.digitize(X[:, 0], [-0.5, 0.5])
    est, conv = _fit(P.LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, tol=1e-8,
                                          max_iter=1000), X, y)
    _finite(est)
    assert np.all(np.isfinite(est.predict_proba(X)))
    assert np.mean(est.predict(X) == y) == 1.0
    if conv:
        assert all("tol" in m for m in conv), conv
    else:
        null = _null_loss("bin", y) if n_classes == 2 else _multi_null_loss(y)
        assert np.max(est.dual_gap_) <= 1e-8 * null * (1 + 1e-9)


def test_separable_classes_cross_validated():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 4))
    y = (X[:, 0] > 0).astype(int)
    est, conv = _fit(P.LogisticRegressionCV(cv=3, l1_ratios=(1.0,), scoring="neg_log_loss",
                                             use_legacy_attributes=False), X, y)
    _finite(est)
    assert np.mean(est.predict(X) == y) == 1.0


# --------------------------------------------------------------------------------------
# Poisson counts near 1e9, and all-zero counts but one
# --------------------------------------------------------------------------------------
def _poisson_l2_newton(X, y, alpha):
    """argmin 1/n sum(exp(eta) - y eta) + alpha/2 ||w||^2 by Newton's method (eta = X w +
    b), to machine precision."""
    n, p = X.shape
    A = np.c_[X, np.ones(n)]
    z = np.r_[np.zeros(p), np.log(y.mean())]
    pen = np.r_[np.full(p, alpha), 0.0]
    for _ in range(100):
        mu = np.exp(A @ z)
        g = A.T @ (mu - y) / n + pen * z
        H = (A * mu[:, None]).T @ A / n + np.diag(pen)
        step = np.linalg.solve(H, g)
        z -= step
        if np.abs(step).max() <= 1e-15 * (1 + np.abs(z).max()):
            break
    return z[:p], z[p]


def _counts_1e9():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((50, 3))
    y = rng.poisson(1e9 * np.exp(0.05 * X @ np.array([1.0, -0.5, 0.0]))).astype(float)
    return X, y


@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_poisson_counts_near_1e9(fmt):
    X, y = _counts_1e9()
    Xf = sp.csc_matrix(X) if fmt == "csc" else X
    # tol 1e-9: the objective (-2e10 per sample) rounds at 16 eps |P| = 7e-5, the null
    # model's excess loss (tol's unit) is 1e6: tol 1e-12 is below what can be measured
    # (the fit says so), 1e-9 is not. Its gap (1e-3) leaves sqrt(2e-3 / 1e9) = 1.4e-6
    # in w, at a curvature of mu x^2 = 1e9
    # L2: against Newton's method
    est, conv = _fit(P.PoissonRegressor(alpha=1e-3, l1_ratio=0.0, tol=1e-9), Xf, y)
    assert not conv, conv
    w, b = _poisson_l2_newton(X, y, 1e-3)
    assert_allclose(est.coef_, w, rtol=0, atol=1e-5)
    assert est.intercept_ == pytest.approx(b, abs=1e-5)
    # L1: the KKT conditions, recomputed
    est, conv = _fit(P.PoissonRegressor(alpha=1e-3, l1_ratio=1.0, tol=1e-9), Xf, y)
    assert not conv, conv
    _finite(est)
    mu = np.exp(X @ est.coef_ + est.intercept_)
    g = X.T @ (mu - y) / len(y)  # in units of the counts (1e9): relative 1e-9
    on = est.coef_ != 0
    assert np.all(np.abs(g[~on]) <= 1e-3 * (1 + 1e-6))
    assert_allclose(g[on], -1e-3 * np.sign(est.coef_[on]), rtol=0, atol=1e-9 * y.mean())
    # the intercept-only model (above alpha_max, 5e7 here): log of the mean count
    amax = np.abs(X.T @ (y.mean() - y)).max() / len(y)
    est, _ = _fit(P.PoissonRegressor(alpha=1.5 * amax, l1_ratio=1.0), Xf, y)
    assert np.all(est.coef_ == 0)
    assert est.intercept_ == pytest.approx(np.log(y.mean()), rel=1e-12)


def test_poisson_counts_near_1e9_cross_validated():
    X, y = _counts_1e9()
    est, conv = _fit(P.PoissonRegressorCV(cv=3, l1_ratio=1.0), X, y)
    assert not conv, conv
    _finite(est)
    assert est.alphas_.min() <= est.alpha_ <= est.alphas_.max()
    assert np.corrcoef(est.predict(X), y)[0, 1] > 0.5


@pytest.mark.parametrize("alpha", [1e-8, 1e-3, 1.0])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.0, 0.5], ids=["l1", "l2", "enet"])
def test_poisson_all_zero_counts_but_one(l1_ratio, alpha):
    X, _, _, _ = _problem()
    y = np.zeros(len(X))
    y[7] = 1.0
    est, conv = _fit(P.PoissonRegressor(alpha=alpha, l1_ratio=l1_ratio, tol=1e-8,
                                        max_iter=1000), X, y)
    _finite(est)
    _met_or_warned(est, conv, "count", y)
    mu = est.predict(X)
    assert np.all(np.isfinite(mu)) and np.all(mu > 0)
    if alpha == 1.0 and l1_ratio == 1.0:  # above alpha_max: the intercept-only model
        assert np.all(est.coef_ == 0)
        assert est.intercept_ == pytest.approx(np.log(1 / len(y)), rel=1e-9)


def test_poisson_all_zero_counts_but_one_cross_validated():
    X, _, _, _ = _problem()
    y = np.zeros(len(X))
    y[7] = 1.0
    est, _ = _fit(P.PoissonRegressorCV(cv=3, l1_ratio=1.0), X, y)
    _finite(est)


# --------------------------------------------------------------------------------------
# Entries near the largest float: a ValueError naming the overflow
# --------------------------------------------------------------------------------------
BIG = np.finfo(np.float64).max
OVERFLOW_FITS = {
    "Lasso": lambda X, y, sw: P.Lasso(0.01).fit(X, y, sample_weight=sw),
    "Ridge": lambda X, y, sw: P.Ridge(1.0).fit(X, y, sample_weight=sw),
    "LogisticRegression": lambda X, y, sw: P.LogisticRegression().fit(X, (y > 0) * 1,
                                                                       sample_weight=sw),
    "PoissonRegressor": lambda X, y, sw: P.PoissonRegressor().fit(X, np.abs(y),
                                                                  sample_weight=sw),
    "HuberRegressor": lambda X, y, sw: P.HuberRegressor().fit(X, y, sample_weight=sw),
    "LassoCV": lambda X, y, sw: P.LassoCV(cv=3).fit(X, y, sample_weight=sw),
    "RidgeCV": lambda X, y, sw: P.RidgeCV().fit(X, y, sample_weight=sw),
    "MultiTaskLasso": lambda X, y, sw: P.MultiTaskLasso().fit(X, np.c_[y, y], sample_weight=sw),
    "MCPRegressionCV": lambda X, y, sw: P.MCPRegressionCV(cv=3).fit(X, y, sample_weight=sw),
    "solve": lambda X, y, sw: P.solve(X, y, sample_weight=sw),
    "alpha_max": lambda X, y, sw: P.alpha_max(X, y, sample_weight=sw),
}


@pytest.mark.parametrize("where", ["X", "X_csc", "y", "sample_weight"])
@pytest.mark.parametrize("name", list(OVERFLOW_FITS))
def test_entries_near_the_largest_float_are_refused_by_name(name, where):
    X, y, _, _ = _problem(n=30)
    sw = None
    if where.startswith("X"):
        X = X.copy()
        X[3, 1] = BIG / 3
        if where == "X_csc":
            X = sp.csc_matrix(X)
    elif where == "y":
        if name == "LogisticRegression":  # labels: no size to overflow
            return
        y = y.copy()
        y[3] = -BIG / 3 if name != "PoissonRegressor" else BIG / 3
    else:
        sw = np.ones(len(y))
        sw[:2] = BIG / 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"overflow"):
            OVERFLOW_FITS[name](X, y, sw)
