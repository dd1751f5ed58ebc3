"""scikit-learn's estimator API conformance checks for the CV estimators (no xfail, no skip).

Short grids (10 alphas or 3 Cs, 3 folds) keep the suite fast; the tolerances are tight because the
sample-weight equivalence checks compare predictions at rtol=1e-7 (a user asking for that
precision would set them too): 1e-12 for the squared loss, 1e-8 for the GLMs, whose
prox-Newton fits stop where floating point stops measuring progress.
check_array_api_input is skipped by scikit-learn itself when SCIPY_ARRAY_API is unset.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from penalized.model_selection import (
    ElasticNetCV,
    LassoCV,
    LogisticRegressionCV,
    PoissonRegressorCV,
)

TIGHT = dict(alphas=10, cv=3, tol=1e-12, max_iter=100_000)
GLM = dict(alphas=10, cv=3, tol=1e-8, max_iter=100_000)

ESTIMATORS = [
    LassoCV(**TIGHT),
    LassoCV(relax=True, alpha_rule="1se", **TIGHT),
    ElasticNetCV(l1_ratio=[0.5, 1.0], scoring="mae", **TIGHT),
    # elastic net exercises the L1 code; a short path (5 alphas down to 0.1 alpha_max)
    # because the multinomial fits of these tiny 3- and 4-class problems are slow
    LogisticRegressionCV(l1_ratios=[0.5], measure="mse", use_legacy_attributes=False,
                         **{**GLM, "alphas": 5, "eps": 0.1}),
    # scikit-learn's own mode: its C grid (each fold's alphas 1 / (C * S_train)), a scorer
    LogisticRegressionCV(Cs=[0.01, 0.1, 1.0], l1_ratios=[0.5], scoring="neg_log_loss",
                         use_legacy_attributes=False, cv=3, tol=1e-8),
    PoissonRegressorCV(l1_ratio=0.5, **GLM),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_cv(estimator, check):
    check(estimator)
