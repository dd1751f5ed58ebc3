"""Base classes: ``Penalty`` (value, selection, attach/detach, ``+``), leaves, sums."""

import numbers
import weakref

import torch

from .._validation import check_scalar
from ._select import check_selector, describe, select
from .registry import attach, detach, is_attached_to

__all__ = ["Penalty", "PenaltySum"]


class Penalty:
    """Base class of the penalties: value, selection, attach/detach, and ``+``.

    ``penalty(model)`` is the differentiable value to add to the loss, ``penalty.value(
    model)`` the same without gradient (for logging), ``penalty.attach(model)`` registers
    it for :func:`regularization_loss`, and ``a + b`` is a :class:`PenaltySum`.
    Subclasses implement ``_value(model)`` and, for leaves, ``_prox_terms(entry)``.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import L1, GroupLasso, Penalty
    >>> model = torch.nn.Linear(3, 2)
    >>> pen = L1(1e-3) + GroupLasso(1e-2, dim="in")
    >>> isinstance(pen, Penalty), pen.named_parameters(model)[0][0]
    (True, 'weight')
    >>> loss = model(torch.randn(5, 3)).pow(2).mean() + pen(model)
    >>> loss.backward()
    """

    def __call__(self, model):
        """Differentiable penalty value of ``model``: the scalar to add to the loss.

        Raises RuntimeError when a :class:`Proximal` optimizer applies this penalty:
        it is then already applied exactly after each step, and adding it to the loss
        would apply it twice. Use :meth:`value` to log it.
        """
        for leaf in self.leaves():
            if leaf.handled_by_proximal:
                raise RuntimeError(
                    f"{leaf!r} is applied by a Proximal optimizer (an exact proximal "
                    "step after each optimizer step); do not also add penalty(model) to "
                    "the loss, that would apply it twice. Use penalty.value(model) to "
                    "log its value.")
        return self._value(model)

    def value(self, model):
        """Penalty value of ``model`` without gradient (for logging), as a 0-d tensor."""
        with torch.no_grad():
            return self._value(model).detach()

    def leaves(self):
        """The elementary penalties (``[self]`` unless this is a :class:`PenaltySum`)."""
        return [self]

    def named_parameters(self, model):
        """List of ``(name, parameter)`` this penalty applies to in ``model``."""
        seen, out = set(), []
        for leaf in self.leaves():
            for e in leaf._select(model):
                if id(e.param) not in seen:
                    seen.add(id(e.param))
                    out.append((e.name, e.param))
        return out

    @property
    def handled_by_proximal(self):
        """True while a :class:`Proximal` optimizer applies (part of) this penalty."""
        return any(len(leaf._owners) > 0 for leaf in self.leaves())

    def attach(self, module):
        """Register this penalty on ``module`` for :func:`regularization_loss`.

        Returns a :class:`PenaltyHandle`; ``handle.remove()`` (or leaving a
        ``with penalty.attach(model):`` block) detaches it again. Attaching twice is a
        no-op. Attached penalties are also what :class:`Proximal` uses when it is given
        no model.
        """
        return attach(self, module)

    def detach(self, module=None):
        """Remove this penalty from ``module`` (from every module when None)."""
        detach(self, module)

    def attached_to(self, module):
        """Whether this penalty is attached to ``module`` itself."""
        return is_attached_to(self, module)

    def __add__(self, other):
        if isinstance(other, Penalty):
            return PenaltySum([*self.leaves(), *other.leaves()])
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, numbers.Number) and other == 0:  # sum([...]) starts at 0
            return self
        return NotImplemented


class _Leaf(Penalty):
    """A penalty with a strength ``alpha`` and a parameter selection ``select``."""

    def __init__(self, alpha, select=None):
        self._owners = weakref.WeakSet()
        self._coef = torch.zeros(2, dtype=torch.float64, device="cpu")  # read by compiled code
        self.select = check_selector(select)
        self.alpha = alpha

    @property
    def alpha(self):
        """Strength (>= 0); settable at any time, e.g. by a :class:`PenaltyScheduler`."""
        return self._alpha

    @alpha.setter
    def alpha(self, value):
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        self._alpha = check_scalar(value, "alpha", low=0.0)
        self._update()

    def _update(self):
        """Refresh the cached coefficients after a parameter changed."""

    def __getstate__(self):  # copy and pickle without the Proximal owners
        state = self.__dict__.copy()
        state["_owners"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._owners = weakref.WeakSet()

    def _select(self, model):
        return select(model, self.select, owner=self)

    def _value(self, model):
        total = None
        for e in self._select(model):
            t = self._term(e)
            total = t if total is None else total + t
        return total

    def _extra_repr(self):
        return ""

    def __repr__(self):
        sel = "" if self.select is None else f", select={describe(self.select)}"
        return f"{type(self).__name__}(alpha={self._alpha:g}{self._extra_repr()}{sel})"


def _acc(p):
    """Parameter in the accumulation dtype (float32 for half types, float64 kept)."""
    return p.to(torch.float64 if p.dtype == torch.float64 else torch.float32)


class PenaltySum(Penalty):
    """Sum of penalties, e.g. ``L1(1e-4, select="fc1.weight") + GroupLasso(1e-3)``.

    Built by ``+`` (or ``sum([...])``). Its value is the sum of the values; given to
    :class:`Proximal`, the proximal steps of all terms are applied after each step (L1
    parts first, then group parts, then the L2 shrink: exact for any mix on a parameter
    except two group penalties over different dims of the same parameter).

    Parameters
    ----------
    penalties : list of Penalty
        The terms; nested sums are flattened.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import L1, L2
    >>> model = torch.nn.Linear(2, 1)
    >>> with torch.no_grad():
    ...     _ = model.weight.fill_(1.0)
    >>> pen = L1(0.1) + L2(0.2)
    >>> pen
    PenaltySum([L1(alpha=0.1), L2(alpha=0.2)])
    >>> round(pen(model).item(), 6)  # 0.1 * 2 + 0.2 / 2 * 2
    0.4
    """

    def __init__(self, penalties):
        leaves = []
        for p in penalties:
            if not isinstance(p, Penalty):
                raise TypeError(f"PenaltySum takes Penalty objects, got {type(p).__name__}.")
            leaves.extend(p.leaves())
        if not leaves:
            raise ValueError("PenaltySum needs at least one penalty.")
        self._leaves = leaves

    def leaves(self):
        return list(self._leaves)

    def _value(self, model):
        total = None
        for leaf in self._leaves:
            t = leaf._value(model)
            total = t if total is None else total + t
        return total

    def __repr__(self):
        return f"PenaltySum([{', '.join(repr(p) for p in self._leaves)}])"
