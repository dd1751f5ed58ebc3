"""Step sizes of torch optimizers: the metric in which :class:`Proximal` takes the prox.

For an update ``w <- w - eta * direction`` the proximal step of a penalty uses the same
``eta``: the scalar ``lr`` for SGD, and one step per coordinate for adaptive methods::

    SGD (any momentum)   eta = lr
    Adam, AdamW          eta = lr / (sqrt(v / (1 - beta2^t)) + eps)  (v = max_exp_avg_sq
                         with amsgrad)
    Adamax               eta = lr / u       (u = exp_inf, the infinity-norm estimate)
    Adagrad              eta = lr / (1 + (t - 1) * lr_decay) / (sqrt(sum) + eps)
    RMSprop              eta = lr / (sqrt(square_avg [- grad_avg^2 if centered]) + eps)

The formulas are :func:`penalized._nn.formulas.adaptive_step` (shared with
``penalized.keras``). Each function returns ``eta`` (a number or a tensor shaped like the
parameter), or None when the optimizer has no state for the parameter yet (it skipped it).
"""

import torch

from .._nn.formulas import adaptive_step
from .._nn.proximal import StepTable
from ._prox import XP

__all__ = ["KNOWN", "STEPS", "scalar_step", "step_function"]


def _num(x):
    """Python number for CPU scalars; device tensors stay tensors (no host sync)."""
    if isinstance(x, torch.Tensor) and x.device.type == "cpu":
        return x.item()
    return x


def scalar_step(p, group, state):
    return _num(group["lr"])


def _adam(p, group, state):
    if "exp_avg_sq" not in state:
        return None
    v = state["max_exp_avg_sq"] if group.get("amsgrad", False) else state["exp_avg_sq"]
    beta2 = _num(group["betas"][1])
    bc2 = 1.0 - beta2 ** _num(state["step"])
    return adaptive_step(XP, _num(group["lr"]), v, group["eps"], bias_correction=bc2)


def _adamax(p, group, state):
    if "exp_inf" not in state:
        return None
    return _num(group["lr"]) / state["exp_inf"]


def _adagrad(p, group, state):
    if "sum" not in state:
        return None
    clr = _num(group["lr"]) / (1.0 + (_num(state["step"]) - 1.0) * group["lr_decay"])
    return adaptive_step(XP, clr, state["sum"], group["eps"])


def _rmsprop(p, group, state):
    if "square_avg" not in state:
        return None
    sq = state["square_avg"]
    if group.get("centered", False):
        sq = sq - state["grad_avg"] ** 2
    return adaptive_step(XP, _num(group["lr"]), sq, group["eps"])


KNOWN = (
    (torch.optim.Adam, _adam),
    (torch.optim.AdamW, _adam),
    (torch.optim.Adamax, _adamax),
    (torch.optim.Adagrad, _adagrad),
    (torch.optim.RMSprop, _rmsprop),
    (torch.optim.SGD, scalar_step),
)


STEPS = StepTable(KNOWN, scalar_step, lr_is="each param group's learning rate 'lr'",
                  signature="step(param, group, state)")
step_function = STEPS.find
