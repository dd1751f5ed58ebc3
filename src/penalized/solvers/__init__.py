"""Solvers: working-set coordinate descent and direct solves."""

from .api import alpha_max, solve
from .cd import SolveResult

__all__ = ["SolveResult", "alpha_max", "solve"]
