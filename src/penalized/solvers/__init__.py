"""Solvers: the engines (:mod:`.engine` chooses one), their certificates and kernels."""

from .api import alpha_max, solve
from .result import SolveResult

__all__ = ["SolveResult", "alpha_max", "solve"]
