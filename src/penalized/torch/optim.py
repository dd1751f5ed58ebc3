"""``Proximal``: wrap any torch optimizer so penalties are applied as exact proximal steps."""

from collections import OrderedDict

import torch
from torch.optim import Optimizer

from .._nn.formulas import l2_shrink
from .._nn.proximal import add_prox_terms, delegated
from ._prox import group_soft_threshold_, soft_threshold_
from ._steps import STEPS
from .base import Penalty, PenaltySum
from .registry import modules_of

__all__ = ["Proximal"]


class _Item:
    """One penalized parameter and the (penalty, selection) terms acting on it."""

    __slots__ = ("name", "param", "terms")

    def __init__(self, name, param):
        self.name, self.param, self.terms = name, param, []


class Proximal(Optimizer):
    """Optimizer wrapper that applies the exact proximal step of penalties after each step.

    ``Proximal(opt, penalty, model).step()`` runs ``opt.step()`` and then replaces each
    penalized weight ``w`` by the proximal point of the penalty for the step just taken::

        w <- argmin_z  sum_i (z_i - w_i)^2 / (2 eta_i)  +  penalty(z)

    so L1 and group penalties produce exact zeros, which gradient steps on
    ``loss + penalty(model)`` never do. ``eta`` is the optimizer's step: the learning
    rate ``lr`` for SGD (with or without momentum), and the per-coordinate step
    ``lr / (sqrt(v_hat) + eps)`` for Adam and AdamW (``v_hat = exp_avg_sq / (1 -
    beta2^t)``; Adamax, Adagrad and RMSprop likewise). The penalty is *not* part of the
    loss: ``penalty(model)`` raises while a Proximal applies it (``penalty.value(model)``
    logs it), and :func:`regularization_loss` leaves it out.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        The optimizer to wrap; every penalized parameter must be in it, and every param
        group needs a learning rate ``lr`` (it scales the proximal step). Learning-rate
        schedulers work on either the wrapped optimizer or the Proximal.
    penalty : Penalty or list of Penalty
        The penalties to apply (sums and lists are combined). Their ``alpha`` may change
        between steps (set it, or use a :class:`PenaltyScheduler`).
    model : torch.nn.Module, default=None
        The model the penalties select parameters from. When None, each penalty must be
        attached (:meth:`Penalty.attach`) and applies to the modules it is attached to.
    step : {"auto", "lr"} or callable, default="auto"
        Step sizes of the prox. "auto" reads them from the optimizer's state for the
        classes above and uses ``lr`` for SGD (other classes: ``lr`` with a warning);
        "lr" always uses the scalar ``lr`` (decoupled, like AdamW's weight decay); a
        callable ``step(param, group, state)`` returns a number or a tensor shaped like
        ``param``.

    Notes
    -----
    Per parameter, the proximal steps are applied in this order:

    1. soft-thresholding by ``eta * a``, ``a`` the total L1 weight (``alpha * l1_ratio *
       scale`` summed over the terms): ``w <- sign(w) * max(|w| - eta * a, 0)``;
    2. block soft-thresholding for each group term (:class:`GroupLasso`), the exact prox
       in the metric ``diag(1/eta)`` also when ``eta`` differs per coordinate;
    3. the L2 part, decoupled as in AdamW: ``w <- w / (1 + lr * b)`` with the scalar
       ``lr`` and ``b = alpha * (1 - l1_ratio) * scale`` (AdamW's ``w * (1 - lr * b)`` to
       first order).

    For SGD this is the exact prox of any sum of L1/elastic-net terms and one group term
    on a parameter (sparse group lasso included); for adaptive optimizers steps 1-2 are
    exact in the metric ``diag(1/eta)`` and step 3 is decoupled. Parameters without a
    gradient in this step are skipped (the optimizer skipped them too), as are frozen
    ones. The wrapped optimizer's own ``weight_decay`` is unaffected (leave it at 0 to
    avoid a second L2).

    With full-batch SGD and ``lr = 1 / L`` (``L`` the Lipschitz constant of the loss
    gradient), this is the proximal gradient method (ISTA) and converges to the
    minimizer of ``loss + penalty``; e.g. it solves the same problem as
    :class:`penalized.Lasso` for a linear model with the loss ``0.5 * mse``.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import L1, Proximal
    >>> _ = torch.manual_seed(0)
    >>> X = torch.randn(100, 5)
    >>> y = X[:, 0] - 2 * X[:, 1]               # only two inputs matter
    >>> model = torch.nn.Linear(5, 1)
    >>> pen = L1(0.05)
    >>> opt = Proximal(torch.optim.SGD(model.parameters(), lr=0.1), pen, model)
    >>> for _ in range(300):
    ...     opt.zero_grad()
    ...     loss = 0.5 * ((model(X).squeeze(1) - y) ** 2).mean()  # no penalty term here
    ...     loss.backward()
    ...     opt.step()
    >>> (model.weight[0, 2:] == 0).all().item()   # exact zeros
    True
    >>> model.weight.detach().round(decimals=2)
    tensor([[ 0.9400, -1.9400,  0.0000,  0.0000,  0.0000]])
    >>> pen(model)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    RuntimeError: L1(alpha=0.05) is applied by a Proximal optimizer ...
    >>> round(pen.value(model).item(), 3)  # logging is fine
    0.144
    """

    def __init__(self, optimizer, penalty, model=None, *, step="auto"):
        if not isinstance(optimizer, Optimizer) or isinstance(optimizer, Proximal):
            raise TypeError(
                "Proximal wraps a torch.optim.Optimizer (not another Proximal: pass all "
                f"penalties to one), got {type(optimizer).__name__}.")
        given = list(penalty) if isinstance(penalty, (list, tuple)) else [penalty]
        for p in given:
            if not isinstance(p, Penalty):
                raise TypeError(f"'penalty' must be a Penalty, got {type(p).__name__}.")
        for i, group in enumerate(optimizer.param_groups):
            if "lr" not in group:
                raise TypeError(
                    f"{type(optimizer).__name__} has no learning rate 'lr' in param group "
                    f"{i}; Proximal scales the proximal step by the learning rate.")
        self.optimizer = optimizer
        self.penalty = given[0] if len(given) == 1 else PenaltySum(given)
        self._step_fn = STEPS.resolve(step, optimizer)
        self._items = self._plan(given, model)
        self._group_of = {}
        self._map_groups()
        for item in self._items:
            if id(item.param) not in self._group_of:
                raise ValueError(
                    f"parameter {item.name!r} is penalized but not in the optimizer; "
                    "Proximal applies the proximal step with the optimizer's step size.")
        self._owned = list(self.penalty.leaves())
        for leaf in self._owned:
            leaf._owners.add(self)
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        self._patch_step_function()

    @staticmethod
    def _plan(given, model):
        if model is not None and not isinstance(model, torch.nn.Module):
            raise TypeError(f"'model' must be an nn.Module, got {type(model).__name__}.")
        items = {}
        for pen in given:
            if model is not None:
                modules = [model]
            else:
                modules = modules_of(pen) or [m for leaf in pen.leaves()
                                              for m in modules_of(leaf)]
                if not modules:
                    raise ValueError(
                        f"Proximal needs the model {pen!r} applies to: pass "
                        "Proximal(optimizer, penalty, model) or attach the penalty first "
                        "(penalty.attach(model)).")
            for leaf in pen.leaves():
                for mod in modules:
                    for e in leaf._select(mod):
                        leaf._prox_terms(e)  # validates e.g. GroupLasso's dim now
                        if not e.param.requires_grad:
                            continue  # frozen: never updated, nothing to do
                        item = items.setdefault(id(e.param), _Item(e.name, e.param))
                        item.terms.append((leaf, e))
        return list(items.values())

    def _map_groups(self):
        self._group_of = {id(p): g for g in self.optimizer.param_groups for p in g["params"]}

    # -- the Optimizer interface, delegated to the wrapped optimizer -------------------
    param_groups = delegated("optimizer", "param_groups")
    state = delegated("optimizer", "state")
    defaults = delegated("optimizer", "defaults")

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none=set_to_none)

    def add_param_group(self, param_group):
        self.optimizer.add_param_group(param_group)
        self._map_groups()

    def state_dict(self):
        """The wrapped optimizer's ``state_dict`` (penalty strengths live in schedulers)."""
        return self.optimizer.state_dict()

    def load_state_dict(self, state_dict):
        self.optimizer.load_state_dict(state_dict)
        self._map_groups()

    def __repr__(self):
        return f"Proximal({type(self.optimizer).__name__}, {self.penalty!r})"

    # -- the step ---------------------------------------------------------------------
    def step(self, closure=None):
        """Run the wrapped optimizer's step, then the proximal step of the penalties."""
        loss = self.optimizer.step() if closure is None else self.optimizer.step(closure)
        self.apply_prox()
        return loss

    @torch.no_grad()
    def apply_prox(self):
        """Apply the proximal steps for the step just taken (``step()`` calls it)."""
        state = self.optimizer.state
        for item in self._items:
            p = item.param
            if p.grad is None:
                continue
            group = self._group_of.get(id(p))
            if group is None:
                self._map_groups()
                group = self._group_of[id(p)]
            lr = group["lr"]
            if not isinstance(lr, torch.Tensor) and lr == 0:
                continue
            l1, l2, groups = add_prox_terms(leaf._prox_terms(e) for leaf, e in item.terms)
            groups = [g for g in groups if g[0] > 0]
            if l1 > 0 or groups:
                eta = self._step_fn(p, group, state.get(p, {}))
                if eta is None:
                    continue
                if l1 > 0:
                    soft_threshold_(p, eta * l1)
                for lam, dim in groups:
                    group_soft_threshold_(p, lam, dim, eta)
            if l2 > 0:
                p.copy_(l2_shrink(p, lr, l2))

    def release(self):
        """Stop applying the penalties: they may be used as loss terms again."""
        for leaf in self._owned:
            leaf._owners.discard(self)
        self._items = []
