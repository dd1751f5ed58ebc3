"""What the adapters' penalty objects share: sums, ``+``, ``alpha``, ``l1_ratio``, pickling.

Each adapter builds its classes from these and adds only what is framework-specific::

    PenaltyBase       leaves(), handled_by_proximal, ``a + b`` and ``sum([...])``
    PenaltySumBase    the flattened list of terms of a sum, its repr
    Leaf              ``alpha`` (validated, settable; ``_update()`` refreshes what the
                      adapter caches), copies and pickles without the Proximal owners,
                      the repr ``Name(alpha=...)``
    ElasticNetLeaf    ``l1_ratio`` (settable, restored when invalid), the L1 and L2
                      weights ``_a`` and ``_b`` of penalized's core elastic net, and the
                      fixed ratio of L1 (1.0) and L2 (0.0)

An adapter's root class (``Penalty``) sets ``_Sum`` to its ``PenaltySum`` once that
exists: ``+`` and ``PenaltySum`` combine the penalties of one adapter only. ``_owners``
is the weak set of the Proximal optimizers that apply a leaf (they add and discard
themselves). Nothing here imports torch or keras.
"""

import numbers
import weakref

from .._validation import check_scalar
from . import formulas

__all__ = [
    "ElasticNetLeaf",
    "Leaf",
    "PenaltyBase",
    "PenaltySumBase",
    "add_all",
    "alpha_property",
    "check_axis_name",
    "check_group_axis",
]


def add_all(values):
    """The sum of ``values`` (tensors) without a leading ``0 +``; None when empty."""
    total = None
    for v in values:
        total = v if total is None else total + v
    return total


class PenaltyBase:
    """Leaves, the Proximal flag and ``+`` of an adapter's penalties."""

    _Sum = None  # the adapter's PenaltySum, set by the adapter

    def leaves(self):
        """The elementary penalties (``[self]`` unless this is a :class:`PenaltySum`)."""
        return [self]

    @property
    def handled_by_proximal(self):
        """True while a :class:`Proximal` optimizer applies (part of) this penalty."""
        return any(len(leaf._owners) > 0 for leaf in self.leaves())

    def _same_adapter(self, other):
        return isinstance(other, PenaltyBase) and other._Sum is self._Sum

    def __add__(self, other):
        if self._same_adapter(other):
            return self._Sum([*self.leaves(), *other.leaves()])
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, numbers.Number) and other == 0:  # sum([...]) starts at 0
            return self
        return NotImplemented


class PenaltySumBase(PenaltyBase):
    """A sum of penalties, kept as the flat list of its leaves."""

    def __init__(self, penalties):
        leaves = []
        for p in penalties:
            p = self._term(p)
            if not self._same_adapter(p):
                raise TypeError(f"PenaltySum takes Penalty objects, got {type(p).__name__}.")
            leaves.extend(p.leaves())
        if not leaves:
            raise ValueError("PenaltySum needs at least one penalty.")
        self._leaves = leaves

    @staticmethod
    def _term(p):
        """A term as given to the constructor, as a penalty (Keras: from its config)."""
        return p

    def leaves(self):
        return list(self._leaves)

    def __repr__(self):
        return f"PenaltySum([{', '.join(repr(p) for p in self._leaves)}])"


def alpha_property(doc):
    """The ``alpha`` property: checked to be a real number >= 0, then ``_update()``.

    The value first goes through ``self._scalar`` (torch reads one-element tensors).
    """

    def fget(self):
        return self._alpha

    def fset(self, value):
        self._alpha = check_scalar(self._scalar(value), "alpha", low=0.0)
        self._update()

    return property(fget, fset, doc=doc)


class Leaf(PenaltyBase):
    """An elementary penalty with a strength ``alpha``."""

    def __init__(self, alpha):
        self._owners = weakref.WeakSet()
        self.alpha = alpha

    alpha = alpha_property("Strength (>= 0); settable.")

    @staticmethod
    def _scalar(value):
        """``alpha`` as given, before it is checked (an adapter may unwrap tensors)."""
        return value

    def _update(self):
        """Refresh the cached coefficients after a parameter changed."""

    def __getstate__(self):  # copy and pickle without the Proximal owners
        state = self.__dict__.copy()
        state["_owners"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._owners = weakref.WeakSet()

    def _extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}(alpha={self._alpha:g}{self._extra_repr()})"


class ElasticNetLeaf(Leaf):
    """``alpha`` and ``l1_ratio``, split into the L1 weight ``_a`` and the L2 weight ``_b``.

    Subclasses with a fixed ratio (L1, L2) set ``_fixed_ratio``; their ``l1_ratio`` is
    read-only. Further constructor arguments go on to the next class.
    """

    _fixed_ratio = None

    def __init__(self, alpha, l1_ratio, *args, **kwargs):
        self._l1_ratio = l1_ratio if self._fixed_ratio is None else self._fixed_ratio
        super().__init__(alpha, *args, **kwargs)

    @property
    def l1_ratio(self):
        """Mix between L1 (1.0) and L2 (0.0)."""
        return self._l1_ratio

    @l1_ratio.setter
    def l1_ratio(self, value):
        if self._fixed_ratio is not None:
            raise AttributeError(f"{type(self).__name__} has a fixed l1_ratio.")
        old, self._l1_ratio = self._l1_ratio, value
        try:
            self._update()
        except (TypeError, ValueError):
            self._l1_ratio = old
            raise

    def _update(self):
        # the split alpha -> (L1 weight a, L2 weight b) of penalized's core penalty
        self._a, self._b = formulas.elastic_net_coefs(self._alpha, self._l1_ratio)
        self._l1_ratio = float(self._l1_ratio)

    def _extra_repr(self):
        return "" if self._fixed_ratio is not None else f", l1_ratio={self._l1_ratio:g}"


# ------------------------------------------------------------------ group lasso axes
def check_axis_name(value, param, names):
    """``value`` if it is one of the two ``names``, else as an int; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, numbers.Integral)) or (
            isinstance(value, str) and value not in names):
        raise ValueError(f"The '{param}' parameter must be {names[0]!r}, {names[1]!r} or an "
                         f"int, got {value!r}.")
    return value if isinstance(value, str) else int(value)


def check_group_axis(penalty, axis, shape, *, setting, weight):
    """``axis`` as an index >= 0 into ``shape``, or a ValueError when it does not exist.

    ``setting`` names the penalty's attribute that chose ``axis`` (``"dim"`` or
    ``"axis"``: ``"in"``, ``"units"`` or an int), ``weight`` the weight in the message.
    """
    ndim = len(shape)
    if ndim == 0 or not -ndim <= axis < ndim:
        given = getattr(penalty, setting)
        what = f"{setting}={given!r}" + ("" if isinstance(given, int) else f" (= {axis})")
        raise ValueError(f"{penalty!r}: {what} does not exist for {weight} of shape "
                         f"{tuple(shape)} ({ndim} dims).")
    return axis % ndim
