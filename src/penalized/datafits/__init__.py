"""Losses (datafits): each implements :class:`~penalized.datafits.base.Datafit`."""

from .base import Datafit
from .huber import Huber
from .logistic import Logistic
from .multinomial import Multinomial
from .poisson import Poisson
from .quadratic import Quadratic

__all__ = ["Datafit", "Huber", "Logistic", "Multinomial", "Poisson", "Quadratic"]
