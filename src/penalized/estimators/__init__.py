"""scikit-learn compatible estimators."""

from .adaptive import AdaptiveLasso
from .glm import HuberRegressor, PoissonRegressor
from .group import GroupLasso, SparseGroupLasso
from .linear import ElasticNet, Lasso, Ridge
from .logistic import LogisticRegression
from .multitask import MultiTaskElasticNet, MultiTaskLasso
from .nonconvex import MCPRegression, SCADRegression

__all__ = [
    "AdaptiveLasso",
    "ElasticNet",
    "GroupLasso",
    "HuberRegressor",
    "Lasso",
    "LogisticRegression",
    "MCPRegression",
    "MultiTaskElasticNet",
    "MultiTaskLasso",
    "PoissonRegressor",
    "Ridge",
    "SCADRegression",
    "SparseGroupLasso",
]
