"""Losses (datafits)."""

from .glm import Huber, Logistic, Poisson
from .multinomial import Multinomial
from .quadratic import Quadratic

__all__ = ["Huber", "Logistic", "Multinomial", "Poisson", "Quadratic"]
