"""scikit-learn's estimator API conformance checks (no xfail, no skip).

The tolerances are tighter than the defaults because the sample-weight equivalence checks
compare predictions at rtol=1e-7; a user asking for that precision would set them too.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from penalized import ElasticNet, Lasso, Ridge

ESTIMATORS = [
    Lasso(alpha=0.01, tol=1e-10, max_iter=10_000),
    ElasticNet(alpha=0.01, l1_ratio=0.5, tol=1e-10, max_iter=10_000),
    Ridge(alpha=1.0),
    Lasso(alpha=0.01, positive=True, tol=1e-10, max_iter=10_000),
    ElasticNet(alpha=0.05, l1_ratio=0.3, lower_bounds=-1.0, upper_bounds=2.0, tol=1e-10,
               max_iter=10_000),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
