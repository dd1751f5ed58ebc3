"""scikit-learn's estimator API conformance checks for the GLM estimators (no xfail, no skip).

The tolerances are tight because the sample-weight equivalence checks compare predictions
at rtol=1e-7; the iteration caps only matter if a fit stalls. (check_array_api_input is
skipped by scikit-learn itself when SCIPY_ARRAY_API is unset.)
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from penalized import HuberRegressor, LogisticRegression, PoissonRegressor

ESTIMATORS = [
    LogisticRegression(tol=1e-14, max_iter=100_000),
    LogisticRegression(l1_ratio=1.0, alpha=0.01, tol=1e-8, max_iter=100_000),
    LogisticRegression(alpha=0.01, tol=1e-14, class_weight="balanced", max_iter=100_000),
    PoissonRegressor(alpha=0.01, l1_ratio=0.5, tol=1e-12),
    HuberRegressor(alpha=0.01, l1_ratio=0.5, tol=1e-14, max_iter=100_000),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_glm(estimator, check):
    check(estimator)
