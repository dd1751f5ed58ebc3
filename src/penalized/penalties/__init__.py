"""Penalties: user-facing specifications whose ``arrays(n_features)`` gives the
per-feature :class:`PenaltyArrays` that the solvers see."""

from .elastic_net import L1, L2, ElasticNet
from .separable import PenaltyArrays

__all__ = ["L1", "L2", "ElasticNet", "PenaltyArrays"]
