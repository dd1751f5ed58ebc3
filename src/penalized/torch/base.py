"""Base classes: ``Penalty`` (value, selection, attach/detach, ``+``), leaves, sums."""

import torch

from .._nn.penalty import Leaf, PenaltyBase, PenaltySumBase, add_all, alpha_property
from ._select import check_selector, describe, select
from .registry import attach, detach, is_attached_to

__all__ = ["Penalty", "PenaltySum"]


class Penalty(PenaltyBase):
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

    def named_parameters(self, model):
        """List of ``(name, parameter)`` this penalty applies to in ``model``."""
        seen, out = set(), []
        for leaf in self.leaves():
            for e in leaf._select(model):
                if id(e.param) not in seen:
                    seen.add(id(e.param))
                    out.append((e.name, e.param))
        return out

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


class _Leaf(Leaf, Penalty):
    """A penalty with a strength ``alpha`` and a parameter selection ``select``."""

    def __init__(self, alpha, select=None):
        self._coef = torch.zeros(2, dtype=torch.float64, device="cpu")  # read by compiled code
        self.select = check_selector(select)
        super().__init__(alpha)

    alpha = alpha_property(
        "Strength (>= 0); settable at any time, e.g. by a :class:`PenaltyScheduler`.")

    @staticmethod
    def _scalar(value):
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            return value.item()
        return value

    def _select(self, model):
        return select(model, self.select, owner=self)

    def _value(self, model):
        return add_all(self._term(e) for e in self._select(model))

    def __repr__(self):
        sel = "" if self.select is None else f", select={describe(self.select)}"
        return f"{type(self).__name__}(alpha={self._alpha:g}{self._extra_repr()}{sel})"


def _acc(p):
    """Parameter in the accumulation dtype (float32 for half types, float64 kept)."""
    return p.to(torch.float64 if p.dtype == torch.float64 else torch.float32)


class PenaltySum(PenaltySumBase, Penalty):
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

    def _value(self, model):
        return add_all(leaf._value(model) for leaf in self._leaves)


Penalty._Sum = PenaltySum
