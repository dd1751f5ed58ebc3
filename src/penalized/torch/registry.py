"""Attach penalties to modules; ``regularization_loss(model)`` sums the attached ones.

The registry maps modules to penalties through weak references: it never keeps a model
alive, adds nothing to ``state_dict``, and copying or pickling a model is unaffected.
"""

import weakref

import torch

__all__ = ["PenaltyHandle", "attach", "attached_penalties", "detach", "regularization_loss"]

_REGISTRY = weakref.WeakKeyDictionary()  # module -> list of penalties (insertion order)


class PenaltyHandle:
    """Returned by :meth:`Penalty.attach`; ``remove()`` detaches the penalty again.

    Also a context manager: ``with L1(1e-4).attach(model): ...`` detaches on exit.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import L1, regularization_loss
    >>> model = torch.nn.Linear(2, 1)
    >>> with torch.no_grad():
    ...     _ = model.weight.fill_(1.0)
    >>> handle = L1(0.5).attach(model)
    >>> regularization_loss(model).item()
    1.0
    >>> handle.remove()
    >>> regularization_loss(model).item()
    0.0
    """

    def __init__(self, penalty, module):
        self.penalty = penalty
        self._module = weakref.ref(module)

    def remove(self):
        """Detach the penalty from the module (no-op when already detached)."""
        module = self._module()
        if module is not None:
            detach(self.penalty, module)

    def __enter__(self):
        return self.penalty

    def __exit__(self, *exc):
        self.remove()
        return False

    def __repr__(self):
        module = self._module()
        where = type(module).__name__ if module is not None else "a deleted module"
        return f"PenaltyHandle({self.penalty!r} on {where})"


def _check_module(module):
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"penalties attach to an nn.Module, got {type(module).__name__}.")


def attach(penalty, module):
    """Register ``penalty`` on ``module``; see :meth:`Penalty.attach`."""
    _check_module(module)
    penalty.named_parameters(module)  # fail now, not in the training loop, if it selects nothing
    pens = _REGISTRY.setdefault(module, [])
    if not any(p is penalty for p in pens):
        pens.append(penalty)
    return PenaltyHandle(penalty, module)


def detach(penalty, module=None):
    """Remove ``penalty`` from ``module``, or from every module when None."""
    modules = [module] if module is not None else list(_REGISTRY.keys())
    for mod in modules:
        pens = _REGISTRY.get(mod)
        if pens is None:
            continue
        pens[:] = [p for p in pens if p is not penalty]
        if not pens:
            del _REGISTRY[mod]


def is_attached_to(penalty, module):
    return any(p is penalty for p in _REGISTRY.get(module, ()))


def modules_of(penalty):
    """The modules ``penalty`` is attached to."""
    return [m for m, pens in list(_REGISTRY.items()) if any(p is penalty for p in pens)]


def attached_penalties(model):
    """``[(module_name, penalty), ...]`` attached to ``model`` or any of its submodules.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import L2, attached_penalties
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    >>> _ = L2(0.1).attach(model[1])
    >>> attached_penalties(model)
    [('1', L2(alpha=0.1))]
    """
    _check_module(model)
    out = []
    for name, mod in model.named_modules():
        for pen in _REGISTRY.get(mod, ()):
            out.append((name, pen))
    return out


def regularization_loss(model):
    """Sum of the penalties attached to ``model`` and its submodules, to add to the loss.

    Each penalty is evaluated on the module it is attached to. Penalties applied by a
    :class:`Proximal` optimizer are left out (they are applied as exact proximal steps),
    so the training loop ``loss = criterion(...) + regularization_loss(model)`` never
    changes when penalties are attached, detached, rescheduled or moved to a Proximal
    optimizer. With nothing attached it returns a zero tensor.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    loss : torch.Tensor
        0-d tensor (float32, or float64 for float64 parameters) on the model's device.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import L1, regularization_loss
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(),
    ...                             torch.nn.Linear(2, 1))
    >>> with torch.no_grad():
    ...     _ = model[0].weight.fill_(1.0)
    >>> with L1(0.1).attach(model[0]):
    ...     print(round(regularization_loss(model).item(), 6))
    0.4
    >>> regularization_loss(model).item()
    0.0
    """
    _check_module(model)
    total = None
    for mod in model.modules():
        for pen in _REGISTRY.get(mod, ()):
            for leaf in pen.leaves():
                if not leaf.handled_by_proximal:
                    t = leaf._value(mod)
                    total = t if total is None else total + t
    if total is None:
        p = next(iter(model.parameters()), None)
        return torch.zeros((), device=p.device if p is not None else "cpu")
    return total
