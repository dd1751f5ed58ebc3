"""scikit-learn's estimator API conformance checks for the estimators of the GLM families:
GammaRegressor, TweedieRegressor, CoxPH and their CV estimators (no xfail, no skip).

One configuration is left out, by design rather than by tags: ``BinomialRegressor`` and
``BinomialRegressorCV``: their y is a proportion in [0, 1] (or a [successes, failures]
table), and a y outside [0, 1] is a ``ValueError`` naming it; scikit-learn's regressor
checks fit on unbounded (or, with ``positive_only``, >= 1) targets, which no tag can
restrict to [0, 1]. Their API is pinned in ``tests/test_families.py`` instead.
``CoxPH(ties="efron")`` runs with its default frequency weights (a weight of 2 is a
duplicated row, also in Efron's correction), which the sample-weight equivalence checks
need.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from penalized import CoxPH, GammaRegressor, TweedieRegressor
from penalized.model_selection import CoxPHCV, GammaRegressorCV, TweedieRegressorCV

GLM = dict(alphas=10, cv=3, tol=1e-8, max_iter=100_000)

ESTIMATORS = [
    GammaRegressor(alpha=0.01, tol=1e-12),
    GammaRegressor(alpha=0.01, l1_ratio=0.5, tol=1e-12),
    TweedieRegressor(alpha=0.01, tol=1e-12),
    TweedieRegressor(alpha=0.01, power=1.5, l1_ratio=0.5, tol=1e-12),
    TweedieRegressor(alpha=0.01, power=3.0, tol=1e-12),
    TweedieRegressor(alpha=0.01, power=0.0, link="log", tol=1e-12),
    CoxPH(alpha=0.01, tol=1e-12),
    CoxPH(alpha=0.01, l1_ratio=0.5, tol=1e-12),
    CoxPH(alpha=0.01, ties="efron", tol=1e-12),
    GammaRegressorCV(l1_ratio=0.5, **GLM),
    TweedieRegressorCV(power=1.5, l1_ratio=0.5, **GLM),
    TweedieRegressorCV(power=3.0, **GLM),
    CoxPHCV(**GLM),
    CoxPHCV(scoring="cindex", l1_ratio=0.5, alpha_rule="1se", **GLM),
    CoxPHCV(ties="efron", **GLM),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_families(estimator, check):
    check(estimator)
