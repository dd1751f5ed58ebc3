"""scikit-learn compatible estimators."""

from .glm import PoissonRegressor
from .huber import HuberRegressor
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
