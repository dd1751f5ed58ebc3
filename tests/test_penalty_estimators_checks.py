"""scikit-learn's estimator API checks for the estimators beyond the elastic net (nothing
xfailed or skipped by their tags). Tight tolerances: the sample-weight equivalence checks
compare predictions at rtol=1e-7. The nonconvex ones run where their problems are convex
(gamma large against the checks' small designs) so that every start reaches one solution."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from penalized import (
    AdaptiveLasso,
    GroupLasso,
    MCPRegression,
    MultiTaskElasticNet,
    MultiTaskLasso,
    SCADRegression,
    SparseGroupLasso,
)
from penalized.model_selection import (
    GroupLassoCV,
    MCPRegressionCV,
    MultiTaskElasticNetCV,
    MultiTaskLassoCV,
    SCADRegressionCV,
    SparseGroupLassoCV,
)

TIGHT = dict(tol=1e-12, max_iter=100_000)

ESTIMATORS = [
    MCPRegression(alpha=0.01, gamma=50.0, **TIGHT),
    SCADRegression(alpha=0.01, gamma=50.0, **TIGHT),
    AdaptiveLasso(alpha=0.01, **TIGHT),
    AdaptiveLasso(alpha=0.01, init="lasso", gamma=0.5, **TIGHT),
    GroupLasso(groups=2, alpha=0.01, **TIGHT),
    SparseGroupLasso(groups=2, alpha=0.01, l1_ratio=0.5, **TIGHT),
    MultiTaskLasso(alpha=0.01, **TIGHT),
    MultiTaskElasticNet(alpha=0.01, l1_ratio=0.5, **TIGHT),
    MultiTaskLasso(alpha=0.01, selection="random", random_state=0, **TIGHT),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


CV = dict(alphas=10, cv=3, tol=1e-12, max_iter=100_000)

CV_ESTIMATORS = [
    MCPRegressionCV(gamma=50.0, **CV),
    SCADRegressionCV(gamma=50.0, alpha_rule="1se", **CV),
    GroupLassoCV(groups=2, **CV),
    SparseGroupLassoCV(groups=2, l1_ratio=[0.5, 0.9], **CV),
    MultiTaskLassoCV(**CV),
    MultiTaskLassoCV(selection="random", random_state=0, alpha_rule="1se", **CV),
    MultiTaskElasticNetCV(l1_ratio=[0.5, 1.0], **CV),
]


@parametrize_with_checks(CV_ESTIMATORS)
def test_sklearn_compatible_cv(estimator, check):
    check(estimator)
