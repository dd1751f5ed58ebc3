"""The weights of Efron's ties in CoxPH (frequency weights by default, survival's on
request)."""

import numpy as np
import pytest

from penalized import CoxPH
from penalized.model_selection import CoxPHCV

RNG = np.random.default_rng(3)
N = 120
X = RNG.standard_normal((N, 4))


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
