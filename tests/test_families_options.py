"""BinomialRegressor's ``y_range`` (a bounded 1-D target as a proportion of its range) and
the weights of Efron's ties in CoxPH (frequency weights by default, survival's on
request)."""

import numpy as np
import pytest

from penalized import BinomialRegressor, CoxPH
from penalized.model_selection import BinomialRegressorCV, CoxPHCV

RNG = np.random.default_rng(3)
N = 120
X = RNG.standard_normal((N, 4))
P = 1 / (1 + np.exp(-(X[:, 0] - 0.5 * X[:, 1])))
PROP = np.clip(P + 0.1 * RNG.standard_normal(N), 0.0, 1.0)


def test_y_range_is_the_fit_of_the_proportions():
    ref = BinomialRegressor(alpha=0.01, tol=1e-12).fit(X, PROP)
    pct = BinomialRegressor(alpha=0.01, tol=1e-12, y_range=(0, 100)).fit(X, 100 * PROP)
    np.testing.assert_allclose(pct.coef_, ref.coef_, rtol=1e-10)
    np.testing.assert_allclose(pct.predict(X), 100 * ref.predict(X), rtol=1e-10)
    assert pct.y_range_ == (0.0, 100.0) and ref.y_range_ == (0.0, 1.0)
    assert pct.score(X, 100 * PROP) == pytest.approx(ref.score(X, PROP), rel=1e-10)
    # "data": the training targets' range (of positive weight), 0 and 1 at its ends
    y = 3 + 4 * PROP
    sw = np.ones(N)
    sw[np.argmax(y)] = 0.0
    data = BinomialRegressor(alpha=0.01, tol=1e-12, y_range="data").fit(X, y, sw)
    assert data.y_range_ == (y.min(), y[sw > 0].max())
    p = data.predict(X)
    assert np.all((p > y.min()) & (p < y[sw > 0].max()))
    cv = BinomialRegressorCV(alphas=5, cv=3, y_range=(0, 100)).fit(X, 100 * PROP)
    ref_cv = BinomialRegressorCV(alphas=5, cv=3).fit(X, PROP)
    np.testing.assert_allclose(cv.alphas_, ref_cv.alphas_)
    np.testing.assert_allclose(cv.predict(X), 100 * ref_cv.predict(X), rtol=1e-8)


@pytest.mark.parametrize("est,y,match", [
    (BinomialRegressor(), 1.5 * PROP, r"outside \[0, 1\]"),
    (BinomialRegressor(y_range=(0, 1.2)), 1.5 * PROP, r"outside y_range=\(0.0, 1.2\)"),
    (BinomialRegressor(y_range=(1, 0)), PROP, "'y_range' parameter"),
    (BinomialRegressor(y_range="auto"), PROP, "'y_range' parameter"),
    (BinomialRegressor(y_range=(0, 1, 2)), PROP, "'y_range' parameter"),
    (BinomialRegressor(y_range="data"), np.full(N, 0.5), "two distinct targets"),
    (BinomialRegressor(y_range=(0, 10)), np.column_stack([np.ones(N), np.ones(N)]),
     r"\[successes, failures\] table"),
    (BinomialRegressorCV(y_range="data", alphas=3, cv=3),
     np.column_stack([np.ones(N), np.ones(N)]), r"\[successes, failures\] table"),
])
def test_y_range_errors_name_it(est, y, match):
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


def _cox_data():
    t = np.round(RNG.exponential(np.exp(-X[:, 0])), 1) + 0.1  # many ties
    return np.column_stack([t, RNG.uniform(size=N) < 0.8])


@pytest.mark.parametrize("cls", [CoxPH, CoxPHCV])
def test_efron_frequency_weights_are_repeated_rows(cls):
    y = _cox_data()
    sw = RNG.integers(0, 4, N).astype(float)
    rep = np.repeat(np.arange(N), sw.astype(int))
    kw = dict(alpha=0.01) if cls is CoxPH else dict(alphas=[0.05, 0.01], cv=3)
    a = cls(ties="efron", tol=1e-12, **kw)
    b = cls(ties="efron", tol=1e-12, **kw)
    if cls is CoxPHCV:
        folds = np.arange(N) % 3
        a.fit(X, y, sw, foldid=folds)
        b.fit(X[rep], y[rep], foldid=folds[rep])
    else:
        a.fit(X, y, sw)
        b.fit(X[rep], y[rep])
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)
    for (t1, h1), (t2, h2) in zip(a.baseline_cumulative_hazard_,
                                  b.baseline_cumulative_hazard_, strict=True):
        np.testing.assert_allclose(t1, t2)
        np.testing.assert_allclose(h1, h2, rtol=1e-6)


def test_efron_survival_weights_are_scale_invariant():
    y = _cox_data()
    sw = RNG.uniform(0.5, 3.0, N)
    fit = lambda s, **kw: CoxPH(alpha=0.0, ties="efron", tol=1e-12, **kw).fit(  # noqa: E731
        X, y, s).coef_
    np.testing.assert_allclose(fit(sw, efron_weights="survival"),
                               fit(10 * sw, efron_weights="survival"), rtol=1e-7)
    # frequency weights: 10 copies of every row are more ties
    assert np.max(np.abs(fit(sw) - fit(10 * sw))) > 1e-4
    with pytest.raises(ValueError, match="'efron_weights' parameter"):
        CoxPH(ties="efron", efron_weights="mean").fit(X, y)
