"""scikit-learn's estimator API conformance checks for RidgeCV (no xfail, no skip): the
leave-one-out path with each factorization and a scorer, and the grid-search path.

The sample-weight equivalence checks set ``cv`` to a fixed split (so they exercise the grid
search), which is why ``alpha_per_target`` (leave-one-out only) is not listed:
scikit-learn refuses it with a splitter, as this estimator does."""

from sklearn.model_selection import KFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from penalized import RidgeCV

ESTIMATORS = [
    RidgeCV(),
    RidgeCV(gcv_mode="svd", alphas=[1e-3, 1.0, 100.0]),
    RidgeCV(alphas=[0.01, 1.0], scoring="neg_mean_absolute_error"),
    RidgeCV(alphas=[0.1, 10.0], cv=KFold(3)),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_ridge_cv(estimator, check):
    check(estimator)
