"""Losses (datafits): each implements :class:`~penalized.datafits.base.Datafit`."""

from .base import Datafit
from .binomial import Binomial
from .cox import Cox
from .gamma import Gamma
from .huber import Huber
from .logistic import Logistic
from .multinomial import Multinomial
from .poisson import Poisson
from .quadratic import Quadratic
from .tweedie import Tweedie

__all__ = ["Binomial", "Cox", "Datafit", "Gamma", "Huber", "Logistic", "Multinomial", "Poisson",
           "Quadratic", "Tweedie"]
