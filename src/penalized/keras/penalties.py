"""Penalties as Keras regularizers: L1, L2, ElasticNet, GroupLasso, and sums of them.

Scaling (the same as penalized's estimators and ``penalized.torch``), for a weight ``w``::

    L1          alpha * sum |w|
    L2          alpha / 2 * sum w^2                (Keras's L2(l2) is l2 * sum w^2)
    ElasticNet  alpha * (l1_ratio * sum |w| + (1 - l1_ratio) / 2 * sum w^2)
    GroupLasso  alpha * sum_g c_g * ||w_g||_2      (c_g = 1, or sqrt(group size))

The values and the proximal steps are computed by :mod:`penalized._nn.formulas`, the code
``penalized.torch`` uses too.
"""

import keras
from keras import ops

from .._nn import formulas
from .._nn.penalty import (
    ElasticNetLeaf,
    Leaf,
    PenaltyBase,
    PenaltySumBase,
    add_all,
    alpha_property,
    check_axis_name,
    check_group_axis,
)
from .._nn.proximal import add_prox_terms
from .._validation import check_bool
from ._ops import XP, acc, read

__all__ = ["ElasticNet", "GroupLasso", "L1", "L2", "Penalty", "PenaltySum"]

_register = keras.saving.register_keras_serializable(package="penalized")


class Penalty(PenaltyBase, keras.regularizers.Regularizer):
    """Base class of the penalties: a Keras regularizer with an exact proximal step.

    ``penalty(w)`` is what Keras adds to the loss: the penalty value of the weight ``w``,
    or 0 while a :class:`Proximal` optimizer applies the penalty (it is then applied
    exactly after each step; adding it to the loss would apply it twice).
    ``penalty.value(w)`` is always the value, without gradient (for logging), and ``a + b`` is a
    :class:`PenaltySum`, e.g. L1 plus group lasso on one kernel (the sparse group lasso).

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.keras import L1, GroupLasso, Penalty
    >>> pen = L1(0.1) + GroupLasso(0.5, axis="units")
    >>> isinstance(pen, Penalty)
    True
    >>> w = np.array([[3.0, 0.0], [4.0, 0.0]], dtype="float32")  # unit 1 has no weights
    >>> round(float(pen(w)), 6)  # 0.1 * 7 + 0.5 * (5 + 0)
    3.2
    """

    def __call__(self, x):
        """The penalty of the weight ``x`` to add to the loss (0 under a Proximal)."""
        w = acc(x)
        if self.handled_by_proximal:
            return ops.zeros((), dtype=w.dtype)
        return self._total(w)

    def value(self, x):
        """The penalty value of the weight ``x``, without gradient (for logging)."""
        return self._total(read(x))

    def _total(self, w):
        return add_all(leaf._value(w) for leaf in self.leaves())

    def prox_terms(self, shape):
        """``(a, b, groups)`` for a weight of ``shape``: the total L1 weight ``a``, the
        total L2 weight ``b`` and a list of ``(lam, axis)`` group terms (validated)."""
        return add_prox_terms(leaf._prox_terms(tuple(shape)) for leaf in self.leaves())


class _Leaf(Leaf, Penalty):
    """A penalty with a strength ``alpha``."""

    alpha = alpha_property(
        """Strength (>= 0). Settable; on the JAX and TensorFlow backends a compiled train
        function keeps the value it was traced with (recompile after changing it).""")


@_register
class ElasticNet(ElasticNetLeaf, _Leaf):
    """Elastic-net regularizer ``alpha * (l1_ratio * sum|w| + (1 - l1_ratio)/2 * sum w^2)``.

    The scaling of :class:`penalized.ElasticNet`.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, >= 0.
    l1_ratio : float, default=0.5
        Mix in [0, 1] between L1 (1.0) and L2 (0.0).

    Notes
    -----
    As a plain regularizer its gradient away from zero is ``alpha * (l1_ratio * sign(w)
    + (1 - l1_ratio) * w)``: gradient steps never give exact zeros. Under
    :class:`Proximal` each step is followed by soft-thresholding by ``eta * alpha *
    l1_ratio`` (``eta`` the optimizer's step, per coordinate for Adam) and the decoupled
    L2 shrink ``w / (1 + lr * alpha * (1 - l1_ratio))``.

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from penalized.keras import ElasticNet
    >>> pen = ElasticNet(alpha=0.1, l1_ratio=0.5)
    >>> round(float(pen(np.array([[1.0, -2.0]]))), 6)  # 0.1 * (0.5 * 3 + 0.25 * 5)
    0.275
    >>> layer = keras.layers.Dense(4, kernel_regularizer=pen)
    >>> pen.get_config()
    {'alpha': 0.1, 'l1_ratio': 0.5}
    """

    def __init__(self, alpha=1.0, l1_ratio=0.5):
        super().__init__(alpha, l1_ratio)

    def _value(self, w):
        return formulas.elastic_net_value(XP, w, self._a, self._b, l1=self._l1_ratio > 0,
                                          l2=self._l1_ratio < 1)

    def _prox_terms(self, shape):
        return self._a, self._b, None

    def get_config(self):
        if self._fixed_ratio is not None:  # L1, L2
            return {"alpha": self._alpha}
        return {"alpha": self._alpha, "l1_ratio": self._l1_ratio}


@_register
class L1(ElasticNet):
    """Lasso regularizer ``alpha * sum |w|`` (an :class:`ElasticNet` with ``l1_ratio=1``).

    The same value as ``keras.regularizers.L1(alpha)``; under :class:`Proximal` the
    weights are soft-thresholded after each step, by ``lr * alpha`` for SGD and by
    ``eta_i * alpha`` per coordinate for Adam, so they become exactly zero.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, >= 0.

    Examples
    --------
    >>> import keras
    >>> from penalized.keras import L1
    >>> layer = keras.layers.Dense(3, kernel_regularizer=L1(1e-3))
    >>> float(L1(0.5)([[1.0, -3.0]]))
    2.0
    """

    _fixed_ratio = 1.0

    def __init__(self, alpha=1.0):
        super().__init__(alpha, 1.0)


@_register
class L2(ElasticNet):
    """Ridge regularizer ``alpha / 2 * sum w^2`` (an :class:`ElasticNet`, ``l1_ratio=0``).

    Note the factor 1/2: ``L2(alpha)`` equals ``keras.regularizers.L2(alpha / 2)``, and
    its gradient is ``alpha * w``. Under :class:`Proximal` it is applied decoupled, as in
    AdamW: ``w <- w / (1 + lr * alpha)`` after each step.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, >= 0.

    Examples
    --------
    >>> from penalized.keras import L2
    >>> float(L2(0.5)([[2.0, 2.0]]))  # 0.5 / 2 * (4 + 4)
    2.0
    """

    _fixed_ratio = 0.0

    def __init__(self, alpha=1.0):
        super().__init__(alpha, 0.0)


_AXES = {"units": -1, "inputs": -2}


@_register
class GroupLasso(_Leaf):
    """Group lasso ``alpha * sum_g c_g * ||w_g||_2`` over the slices of a weight.

    A group is a slice along ``axis``: with ``axis="units"`` (the last axis of a Keras
    kernel) a column of a Dense kernel, i.e. all the input weights of one unit, or one
    filter of a Conv kernel; with ``axis="inputs"`` (the second-to-last axis) a row of a
    Dense kernel, i.e. all the weights of one input feature, or one input channel of a
    Conv kernel. Under :class:`Proximal` whole groups become exactly zero, and
    :func:`prune` then removes the dead units.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, >= 0.
    axis : {"units", "inputs"} or int, default="units"
        The axis that indexes the groups ("units" is -1, "inputs" is -2); an int is used
        as given.
    size_weighted : bool, default=False
        Multiply each group norm by ``c_g = sqrt(group size)`` (Yuan and Lin), so that
        layers with different fan-in are penalized alike; otherwise ``c_g = 1``.

    Notes
    -----
    With one step size ``t`` (SGD) the proximal step is block soft-thresholding,
    ``w_g <- max(1 - t * alpha * c_g / ||w_g||, 0) * w_g``. For Adam-type optimizers the
    step differs per coordinate and the exact prox in that metric is used (the group is
    zero iff ``||w_g / eta_g|| <= alpha * c_g``), as in ``penalized.torch``.

    Examples
    --------
    >>> import numpy as np
    >>> from penalized.keras import GroupLasso
    >>> kernel = np.array([[3.0, 0.0], [4.0, 0.0]])  # Dense kernel: 2 inputs, 2 units
    >>> float(GroupLasso(0.1, axis="units")(kernel))  # 0.1 * (5 + 0)
    0.5
    >>> round(float(GroupLasso(0.1, axis="inputs")(kernel)), 6)  # 0.1 * (3 + 4)
    0.7
    """

    def __init__(self, alpha=1.0, axis="units", size_weighted=False):
        self.axis = check_axis_name(axis, "axis", tuple(_AXES))
        self.size_weighted = check_bool(size_weighted, "size_weighted")
        super().__init__(alpha)

    def group_axis(self, shape):
        """The axis of a weight of ``shape`` that indexes the groups (validated), >= 0."""
        return check_group_axis(self, _AXES.get(self.axis, self.axis), shape,
                                setting="axis", weight="a weight")

    def _lam(self, shape):
        d = self.group_axis(shape)
        c = formulas.size_weight(shape, d) if self.size_weighted else 1.0
        return d, self._alpha * c

    def _value(self, w):
        d, lam = self._lam(tuple(w.shape))
        return formulas.group_lasso_value(XP, w, d, lam)

    def _prox_terms(self, shape):
        d, lam = self._lam(shape)
        return 0.0, 0.0, (lam, d)

    def get_config(self):
        return {"alpha": self._alpha, "axis": self.axis, "size_weighted": self.size_weighted}

    def _extra_repr(self):
        sw = ", size_weighted=True" if self.size_weighted else ""
        return f", axis={self.axis!r}{sw}"


@_register
class PenaltySum(PenaltySumBase, Penalty):
    """Sum of penalties on one weight, e.g. ``L1(1e-4) + GroupLasso(1e-3)``.

    Built by ``+`` (or ``sum([...])``). Its value is the sum of the values; under
    :class:`Proximal` the proximal steps of all terms are applied after each step (L1
    parts first, then group parts, then the L2 shrink: the exact prox for any mix with at
    most one group term, e.g. the sparse group lasso).

    Parameters
    ----------
    penalties : list of Penalty
        The terms; nested sums are flattened. Each may also be given as its Keras config
        (as ``from_config`` does).

    Examples
    --------
    >>> from penalized.keras import L1, L2
    >>> pen = L1(0.1) + L2(0.2)
    >>> pen
    PenaltySum([L1(alpha=0.1), L2(alpha=0.2)])
    >>> round(float(pen([[1.0, 1.0]])), 6)  # 0.1 * 2 + 0.2 / 2 * 2
    0.4
    """

    @staticmethod
    def _term(p):
        return keras.saving.deserialize_keras_object(p) if isinstance(p, dict) else p

    def get_config(self):
        return {"penalties": [keras.saving.serialize_keras_object(p) for p in self._leaves]}


Penalty._Sum = PenaltySum
