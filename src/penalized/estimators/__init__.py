"""scikit-learn compatible estimators."""

from .glm import HuberRegressor, PoissonRegressor
from .linear import ElasticNet, Lasso, Ridge
from .logistic import LogisticRegression

__all__ = [
    "ElasticNet",
    "HuberRegressor",
    "Lasso",
    "LogisticRegression",
    "PoissonRegressor",
    "Ridge",
]
