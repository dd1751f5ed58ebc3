"""scikit-learn compatible estimators.

Each estimator's module is imported on first use (a plain lasso loads none of the others:
start-up time)."""

import importlib

_LAZY = {
    "CoxPH": "cox",
    "PoissonRegressor": "glm",
    "BinomialRegressor": "glm_families",
    "GammaRegressor": "glm_families",
    "TweedieRegressor": "glm_families",
    "HuberRegressor": "huber",
    "ElasticNet": "linear",
    "Lasso": "linear",
    "Ridge": "linear",
    "LogisticRegression": "logistic",
    "RidgeCV": "ridge_cv",
    "AdaptiveLasso": "adaptive",
    "GroupLasso": "group",
    "SparseGroupLasso": "group",
    "MCPRegression": "nonconvex",
    "SCADRegression": "nonconvex",
    "MultiTaskLasso": "multitask",
    "MultiTaskElasticNet": "multitask",
}

__all__ = ["AdaptiveLasso", "BinomialRegressor", "CoxPH", "ElasticNet", "GammaRegressor",
           "GroupLasso", "HuberRegressor", "Lasso", "LogisticRegression", "MCPRegression",
           "MultiTaskElasticNet", "MultiTaskLasso", "PoissonRegressor", "Ridge", "RidgeCV",
           "SCADRegression", "SparseGroupLasso", "TweedieRegressor"]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'penalized.estimators' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
