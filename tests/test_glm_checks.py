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
    # alpha=100 (scikit-learn's scale): on the 15 x 30 data of the sample-weight checks a
    # small alpha lets the fit interpolate and the joint scale collapse to 0 (the
    # absolute-loss limit, warned); tol=1e-15 since the coefficients' error is about
    # sqrt(duality gap) and the check compares predictions to 1e-9
    HuberRegressor(alpha=100.0, l1_ratio=0.5, tol=1e-15),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_glm(estimator, check):
    check(estimator)
