"""scikit-learn compatible estimators."""

from .glm import PoissonRegressor
from .huber import HuberRegressor
from .linear import ElasticNet, Lasso, Ridge
from .logistic import LogisticRegression
from .ridge_cv import RidgeCV

__all__ = [
    "ElasticNet",
    "HuberRegressor",
    "Lasso",
    "LogisticRegression",
    "PoissonRegressor",
    "Ridge",
    "RidgeCV",
]
