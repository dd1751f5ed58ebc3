"""scikit-learn's estimator API conformance checks for the estimators of the GLM families:
GammaRegressor, TweedieRegressor, BinomialRegressor, CoxPH and their CV estimators (no
xfail, no skip).

``BinomialRegressor`` and ``BinomialRegressorCV`` run with ``y_range="data"``: by default
their 1-D y is a proportion and a y outside [0, 1] is a ``ValueError`` naming it, while
scikit-learn's regressor checks fit unbounded targets (no tag restricts y to [0, 1]);
``y_range`` reads such a y as a proportion of its range (``"data"``: the training
targets' range), which every check accepts. ``CoxPH(ties="efron")`` runs with its
default frequency weights (a weight of 2 is a duplicated row, also in Efron's
correction), which the sample-weight equivalence checks need.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from penalized import BinomialRegressor, CoxPH, GammaRegressor, TweedieRegressor
from penalized.model_selection import (
    BinomialRegressorCV,
    CoxPHCV,
    GammaRegressorCV,
    TweedieRegressorCV,
)

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
    BinomialRegressor(alpha=0.01, y_range="data", tol=1e-12),
    BinomialRegressor(alpha=0.01, l1_ratio=0.5, y_range="data", tol=1e-12),
    GammaRegressorCV(l1_ratio=0.5, **GLM),
    TweedieRegressorCV(power=1.5, l1_ratio=0.5, **GLM),
    TweedieRegressorCV(power=3.0, **GLM),
    CoxPHCV(**GLM),
    CoxPHCV(scoring="cindex", l1_ratio=0.5, alpha_rule="1se", **GLM),
    CoxPHCV(ties="efron", **GLM),
    BinomialRegressorCV(l1_ratio=0.5, y_range="data", **GLM),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_families(estimator, check):
    check(estimator)
