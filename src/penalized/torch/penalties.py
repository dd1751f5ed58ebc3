"""Penalty objects: L1, L2, ElasticNet, GroupLasso, and sums of them.

Scaling (the same as penalized's estimators), summed over the selected parameters ``w``
with ``s`` the per-group scale of ``select`` (1 by default)::

    L1          alpha * s * sum |w|
    L2          alpha * s / 2 * sum w^2
    ElasticNet  alpha * s * (l1_ratio * sum |w| + (1 - l1_ratio) / 2 * sum w^2)
    GroupLasso  alpha * s * sum_g c_g * ||w_g||_2     (c_g = 1, or sqrt(group size))
"""

from .._nn import formulas
from .._nn.penalty import ElasticNetLeaf, check_axis_name, check_group_axis
from .._validation import check_bool
from ._prox import XP
from .base import PenaltySum, _acc, _Leaf

__all__ = ["L1", "L2", "ElasticNet", "GroupLasso", "PenaltySum"]


class ElasticNet(ElasticNetLeaf, _Leaf):
    """Elastic-net penalty ``alpha * (l1_ratio * sum|w| + (1 - l1_ratio)/2 * sum w^2)``.

    The scaling of :class:`penalized.ElasticNet`, summed over the selected parameters (each
    multiplied by its ``select`` scale).

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, >= 0. Settable during training (``pen.alpha = 1e-3``) or by a
        :class:`PenaltyScheduler`.
    l1_ratio : float, default=0.5
        Mix in [0, 1] between L1 (1.0) and L2 (0.0).
    select : selector, default=None
        Parameters to penalize; None means the weights of Linear and Conv layers, never
        biases or normalization parameters. Also a module type, a glob pattern on the
        parameter names, a regex, parameters, modules, a callable, a list of these, or a
        dict ``{selector: scale}`` for per-group strengths (``alpha * scale``).

    Notes
    -----
    Use it either as a loss term, ``loss + pen(model)`` (its gradient away from zero is
    ``alpha * (l1_ratio * sign(w) + (1 - l1_ratio) * w)``; gradient steps never give exact
    zeros), or through :class:`Proximal`, which applies the exact proximal step after each
    optimizer step: soft-thresholding by ``step * alpha * l1_ratio`` (``step`` per
    coordinate for Adam-type optimizers), then the decoupled L2 shrink
    ``w / (1 + lr * alpha * (1 - l1_ratio))``. Never both.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import ElasticNet
    >>> model = torch.nn.Linear(2, 1)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.tensor([[1.0, -2.0]]))
    >>> pen = ElasticNet(alpha=0.1, l1_ratio=0.5)
    >>> round(pen(model).item(), 6)  # 0.1 * (0.5 * 3 + 0.25 * 5)
    0.275
    """

    def __init__(self, alpha=1.0, l1_ratio=0.5, *, select=None):
        super().__init__(alpha, l1_ratio, select)

    def _update(self):
        super()._update()  # the L1 and L2 weights _a and _b
        self._coef[0], self._coef[1] = self._a, self._b

    def _term(self, e):
        w = _acc(e.param)
        out = formulas.elastic_net_value(
            XP, w, self._coef[0].to(w.dtype), self._coef[1].to(w.dtype),
            l1=self._l1_ratio > 0, l2=self._l1_ratio < 1)
        return out * e.scale if e.scale != 1.0 else out

    def _prox_terms(self, e):
        """(L1 weight, L2 weight, group term or None) for the selected parameter ``e``."""
        return self._a * e.scale, self._b * e.scale, None


class L1(ElasticNet):
    """Lasso penalty ``alpha * sum |w|`` (an :class:`ElasticNet` with ``l1_ratio=1``).

    Its gradient is ``alpha * sign(w)`` away from zero (0 at 0). With :class:`Proximal`
    the weights are soft-thresholded after each step, by ``lr * alpha`` for SGD and by
    ``lr * alpha / (sqrt(v_hat) + eps)`` per coordinate for Adam, so they become exactly
    zero.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, >= 0 (settable).
    select : selector, default=None
        Parameters to penalize (see :class:`ElasticNet`).

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import L1
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(),
    ...                             torch.nn.Linear(2, 1))
    >>> pen = L1(1e-3)                          # weights of both Linear layers
    >>> [name for name, _ in pen.named_parameters(model)]
    ['0.weight', '2.weight']
    >>> loss = model(torch.randn(4, 3)).pow(2).mean() + pen(model)
    >>> L1(1e-3, select={"0.*": 10.0, "2.weight": 1.0})  # per-group strengths
    L1(alpha=0.001, select={'0.*': 10.0, '2.weight': 1.0})
    """

    _fixed_ratio = 1.0

    def __init__(self, alpha=1.0, *, select=None):
        super().__init__(alpha, 1.0, select=select)


class L2(ElasticNet):
    """Ridge penalty ``alpha / 2 * sum w^2`` (an :class:`ElasticNet` with ``l1_ratio=0``).

    Its gradient is ``alpha * w``: ``L2(alpha)`` as a loss term equals SGD's
    ``weight_decay=alpha``. With :class:`Proximal` it is applied decoupled, as in AdamW:
    ``w <- w / (1 + lr * alpha)`` after each step (AdamW uses ``w * (1 - lr * alpha)``,
    the same to first order), with the scalar lr even for Adam.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, >= 0 (settable).
    select : selector, default=None
        Parameters to penalize (see :class:`ElasticNet`).

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import L2
    >>> model = torch.nn.Linear(2, 1)
    >>> with torch.no_grad():
    ...     _ = model.weight.fill_(2.0)
    >>> L2(0.5)(model).item()  # 0.5 / 2 * (4 + 4)
    2.0
    """

    _fixed_ratio = 0.0

    def __init__(self, alpha=1.0, *, select=None):
        super().__init__(alpha, 0.0, select=select)


class GroupLasso(_Leaf):
    """Group lasso ``alpha * sum_g c_g * ||w_g||_2`` over slices of each parameter.

    A group is a slice ``w.select(dim, g)``: with ``dim="out"`` a row of a Linear weight
    (all the input weights of one output neuron) or one filter of a Conv layer; with
    ``dim="in"`` a column of a Linear weight (one input feature) or one input channel.
    Whole groups become exactly zero under :class:`Proximal`; :func:`prune` then removes
    dead neurons.

    Parameters
    ----------
    alpha : float, default=1.0
        Strength, >= 0 (settable).
    dim : {"out", "in"} or int, default="out"
        Dimension that indexes the groups. "out" and "in" follow the layer's layout
        (they are dims 1 and 0 of a transposed convolution); an int is used as given.
    select : selector, default=None
        Parameters to penalize (see :class:`ElasticNet`).
    size_weighted : bool, default=False
        Multiply each group norm by ``c_g = sqrt(group size)`` (Yuan and Lin), so that
        layers with different fan-in are penalized alike; otherwise ``c_g = 1``.

    Notes
    -----
    The proximal step with one step size ``t`` per group is block soft-thresholding,
    ``w_g <- max(1 - t * alpha * c_g / ||w_g||, 0) * w_g``. For Adam-type optimizers the
    step differs per coordinate (``eta_i = lr / (sqrt(v_hat_i) + eps)``) and the exact
    prox in that metric is used: the group is zero iff ``||w_g / eta_g|| <= alpha * c_g``,
    else ``w_i <- w_i * r / (r + eta_i * alpha * c_g)`` with ``r = ||new w_g||`` found
    by Newton's method.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import GroupLasso
    >>> model = torch.nn.Linear(2, 2, bias=False)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    >>> GroupLasso(0.1, dim="out")(model).item()  # 0.1 * (5 + 0)
    0.5
    """

    def __init__(self, alpha=1.0, *, dim="out", select=None, size_weighted=False):
        self.dim = check_axis_name(dim, "dim", ("out", "in"))
        self.size_weighted = check_bool(size_weighted, "size_weighted")
        super().__init__(alpha, select)

    def _update(self):
        self._coef[0] = self._alpha

    def group_dim(self, e):
        """The dimension of ``e.param`` that indexes the groups (validated)."""
        p = e.param
        if self.dim == "out":
            d = e.out_dim
        elif self.dim == "in":
            d = e.in_dim
        else:
            d = self.dim
        return check_group_axis(self, d, p.shape, setting="dim",
                                weight=f"parameter {e.name!r}")

    def _weight(self, e):
        d = self.group_dim(e)
        c = formulas.size_weight(tuple(e.param.shape), d) if self.size_weighted else 1.0
        return d, c * e.scale

    def _term(self, e):
        d, c = self._weight(e)
        w = _acc(e.param)
        return formulas.group_lasso_value(XP, w, d, self._coef[0].to(w.dtype) * c)

    def _prox_terms(self, e):
        d, c = self._weight(e)
        return 0.0, 0.0, (self._alpha * c, d)

    def _extra_repr(self):
        sw = ", size_weighted=True" if self.size_weighted else ""
        return f", dim={self.dim!r}{sw}"
