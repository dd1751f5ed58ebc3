"""scikit-learn compatible estimators."""

from .cox import CoxPH
from .glm import PoissonRegressor
from .glm_families import BinomialRegressor, GammaRegressor, TweedieRegressor
from .huber import HuberRegressor
from .linear import ElasticNet, Lasso, Ridge
from .logistic import LogisticRegression

__all__ = [
    "BinomialRegressor",
    "CoxPH",
    "ElasticNet",
    "GammaRegressor",
    "HuberRegressor",
    "Lasso",
    "LogisticRegression",
    "PoissonRegressor",
    "Ridge",
    "TweedieRegressor",
]
