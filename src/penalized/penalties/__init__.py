"""Penalties."""

from .elastic_net import L1, L2, ElasticNet, PenaltyArrays

__all__ = ["L1", "L2", "ElasticNet", "PenaltyArrays"]
