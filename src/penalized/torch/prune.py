"""``prune(model)``: physically remove dead units of Linear layers."""

import torch
from torch import nn

__all__ = ["prune"]

_ELEMENTWISE = (
    nn.Identity, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
    nn.SiLU, nn.Mish, nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Softsign, nn.Hardtanh,
    nn.Hardswish, nn.Hardsigmoid, nn.Hardshrink, nn.Softshrink, nn.Tanhshrink,
    nn.LogSigmoid, nn.Threshold, nn.Dropout, nn.AlphaDropout,
)


def _elementwise(m):
    return isinstance(m, _ELEMENTWISE) or (isinstance(m, nn.PReLU) and m.num_parameters == 1)


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def _flatten(seq, prefix):
    out = []
    for name, child in seq.named_children():
        if isinstance(child, nn.Sequential):
            out.extend(_flatten(child, _join(prefix, name)))
        else:
            out.append((_join(prefix, name), child))
    return out


def _is_linear(m):
    return isinstance(m, nn.Linear) and not nn.parameter.is_lazy(m.weight)


def _chain(modules):
    def run(x):
        for m in modules:
            was = m.training
            m.eval()
            try:
                x = m(x)
            finally:
                m.train(was)
        return x
    return run


def _sequential_pairs(model):
    """(name_a, a, name_b, b, between) for Linear -> elementwise* -> Linear in Sequentials."""
    pairs = []

    def visit(mod, name):
        if not isinstance(mod, nn.Sequential):
            for cname, child in mod.named_children():
                visit(child, _join(name, cname))
            return
        leaves = _flatten(mod, name)
        for i, (na, a) in enumerate(leaves):
            if not _is_linear(a):
                continue
            between = []
            for nb, b in leaves[i + 1:]:
                if _is_linear(b):
                    pairs.append((na, a, nb, b, _chain(between)))
                    break
                if not _elementwise(b):
                    break
                between.append(b)
        for lname, leaf in leaves:
            for cname, child in leaf.named_children():
                visit(child, _join(lname, cname))

    visit(model, "")
    return pairs


def _explicit_pairs(model, pairs):
    out = []
    for item in pairs:
        if not (isinstance(item, (tuple, list)) and len(item) == 3 and callable(item[2])):
            raise TypeError(
                "'pairs' must hold (name_a, name_b, between) triples, 'between' being the "
                f"elementwise function applied between the two layers; got {item!r}.")
        na, nb, between = item
        a, b = model.get_submodule(na), model.get_submodule(nb)
        for n, m in ((na, a), (nb, b)):
            if not _is_linear(m):
                raise TypeError(f"prune: {n!r} is a {type(m).__name__}, not an nn.Linear.")
        if a.out_features != b.in_features:
            raise ValueError(f"prune: {na!r} has {a.out_features} outputs but {nb!r} has "
                             f"{b.in_features} inputs.")
        out.append((na, a, nb, b, between))
    return out


def _param(old, data):
    return nn.Parameter(data.clone(), requires_grad=old.requires_grad)


def _prune_pair(a, b, between):
    dead_row = (a.weight == 0).all(dim=1)
    dead_col = (b.weight == 0).all(dim=0)
    remove = dead_row | dead_col
    n = int(remove.sum())
    if n == 0:
        return 0
    keep = ~remove
    # a unit with no input weights outputs the constant between(bias): fold it into b's bias
    bias_a = a.bias if a.bias is not None else torch.zeros_like(a.weight[:, 0])
    const = between(bias_a.unsqueeze(0)).squeeze(0).to(b.weight.dtype)
    const = torch.where(dead_row & ~dead_col, const, torch.zeros_like(const))
    shift = b.weight[:, remove] @ const[remove]
    if bool((shift != 0).any()):
        if b.bias is None:
            b.bias = nn.Parameter(torch.zeros_like(shift))
        b.bias.add_(shift)
    a.weight = _param(a.weight, a.weight[keep])
    if a.bias is not None:
        a.bias = _param(a.bias, a.bias[keep])
    a.out_features = int(keep.sum())
    b.weight = _param(b.weight, b.weight[:, keep])
    b.in_features = a.out_features
    return n


@torch.no_grad()
def prune(model, pairs=None):
    """Remove dead hidden units of Linear layers, in place; the function is unchanged.

    A hidden unit ``j`` between two Linear layers ``a -> (elementwise) -> b`` is dead when
    its input weights (row ``j`` of ``a.weight``) are all zero, as after
    ``GroupLasso(dim="out")`` with :class:`Proximal`, or when its output weights
    (column ``j`` of ``b.weight``) are all zero, as after ``GroupLasso(dim="in")``. Its
    row (and bias) is removed from ``a`` and its column from ``b``; a unit with zero
    input weights still outputs the constant ``between(a.bias[j])``, which is added to
    ``b.bias`` (created if needed), so the pruned model computes the same function (in
    eval mode; with dropout active only in distribution).

    Parameters
    ----------
    model : torch.nn.Module
        Pairs are found in every ``nn.Sequential`` of the model (nested ones are
        flattened): a Linear followed, through parameter-free elementwise modules
        (activations, Identity, Dropout), by another Linear.
    pairs : list of (str, str, callable), default=None
        Explicit pairs for models with a custom ``forward``: ``(name_a, name_b,
        between)`` with the submodule names and the elementwise function applied between
        them, e.g. ``[("fc1", "fc2", torch.relu)]``. The output of ``a`` must feed ``b``
        only. Replaces the automatic search.

    Returns
    -------
    removed : dict
        ``{name_a: number of units removed}`` for each pruned layer.

    Notes
    -----
    Parameters are replaced by smaller ones: create the optimizer (and a
    :class:`Proximal`) after pruning. Inputs of the first layer and outputs of the last
    one are never removed, since they are the model's interface.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import prune
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(),
    ...                             torch.nn.Linear(3, 2))
    >>> with torch.no_grad():
    ...     _ = model[0].weight[1].zero_()       # hidden unit 1 has no input weights
    >>> x = torch.randn(5, 4)
    >>> before = model(x)
    >>> prune(model)
    {'0': 1}
    >>> model[0]
    Linear(in_features=4, out_features=2, bias=True)
    >>> model[2].in_features
    2
    >>> torch.allclose(model(x), before, atol=1e-6)
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"prune takes an nn.Module, got {type(model).__name__}.")
    found = _sequential_pairs(model) if pairs is None else _explicit_pairs(model, pairs)
    removed = {}
    for na, a, _nb, b, between in found:
        n = _prune_pair(a, b, between)
        if n:
            removed[na] = removed.get(na, 0) + n
    return removed
