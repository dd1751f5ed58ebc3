"""scikit-learn compatible estimators.

The estimators of the penalties beyond the elastic net are imported on first use (a plain
lasso loads none of their modules)."""

import importlib

from .cox import CoxPH
from .glm import PoissonRegressor
from .glm_families import BinomialRegressor, GammaRegressor, TweedieRegressor
from .huber import HuberRegressor
from .linear import ElasticNet, Lasso, Ridge
from .logistic import LogisticRegression
from .ridge_cv import RidgeCV

_LAZY = {
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
