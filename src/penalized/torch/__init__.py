"""PyTorch adapter: L1, L2, elastic-net and group penalties, and proximal optimizers.

``import penalized`` never imports this sub-package (PyTorch is the optional extra
``penalized[torch]``). Everything here works on CPU and CUDA, in float32, float64 and
bfloat16, and under ``torch.compile``.

Penalties (:class:`L1`, :class:`L2`, :class:`ElasticNet`, :class:`GroupLasso`) use the
scaling of penalized's estimators, e.g. ``alpha * (l1_ratio * |w| + (1 - l1_ratio)/2 * w^2)``
summed over the selected parameters. Use a penalty in one of two ways, never both:

* as a loss term: ``loss = criterion(model(x), y) + penalty(model)`` (or attach penalties
  with :meth:`Penalty.attach` and add :func:`regularization_loss` once in the loop);
* as exact proximal steps: ``opt = Proximal(torch.optim.Adam(...), penalty, model)``;
  weights then become exactly zero, and ``penalty(model)`` raises to prevent adding the
  penalty a second time (``penalty.value(model)`` still reports its value).

Then :func:`sparsity_report` shows zeros per layer and :func:`prune` removes dead units.
"""

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "penalized.torch needs PyTorch, which is an optional dependency of penalized. "
        'Install it with: pip install "penalized[torch]"'
    ) from exc

from .base import Penalty, PenaltySum
from .optim import Proximal
from .penalties import L1, L2, ElasticNet, GroupLasso
from .prune import prune
from .registry import PenaltyHandle, attached_penalties, regularization_loss
from .schedulers import ExponentialPenalty, LambdaPenalty, LinearPenalty, PenaltyScheduler
from .sparsity import SparsityReport, sparsity_report

__all__ = [
    "ElasticNet",
    "ExponentialPenalty",
    "GroupLasso",
    "L1",
    "L2",
    "LambdaPenalty",
    "LinearPenalty",
    "Penalty",
    "PenaltyHandle",
    "PenaltyScheduler",
    "PenaltySum",
    "Proximal",
    "SparsityReport",
    "attached_penalties",
    "prune",
    "regularization_loss",
    "sparsity_report",
]
