"""Penalties: user-facing specifications whose ``arrays(n_features)`` gives the
per-feature arrays that the solvers see.

* separable convex: :class:`ElasticNet` (:func:`L1`, :func:`L2`), arrays
  :class:`PenaltyArrays`;
* separable concave: :class:`MCP`, :class:`SCAD`, :class:`LogSum`, :class:`Lq`, arrays
  :class:`~penalized.penalties.concave.ConcaveArrays`;
* groups: :class:`GroupLasso`, :class:`SparseGroupLasso`, arrays
  :class:`~penalized.penalties.group.GroupArrays`;
* rows of a multi-task coefficient matrix: :class:`L21`.

The penalties beyond the elastic net are imported on first use (``import penalized``
stays cheap).
"""

import importlib

from .elastic_net import L1, L2, ElasticNet
from .separable import PenaltyArrays

_LAZY = {"MCP": "mcp", "SCAD": "scad", "LogSum": "log_sum", "Lq": "lq",
         "GroupLasso": "group", "SparseGroupLasso": "group", "L21": "l21"}

__all__ = ["L1", "L2", "ElasticNet", "PenaltyArrays", *_LAZY]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'penalized.penalties' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
