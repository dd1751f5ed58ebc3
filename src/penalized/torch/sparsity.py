"""``sparsity_report(model)``: exact zeros per layer, as a table."""

import torch

from .._nn.table import SparsityTable
from ._select import select as _select

__all__ = ["SparsityReport", "sparsity_report"]


class SparsityReport(SparsityTable):
    """Exact zeros per parameter; ``print(report)`` shows the table.

    Attributes
    ----------
    rows : list of dict
        One dict per parameter with keys ``layer`` (parameter name), ``type`` (module
        class), ``shape``, ``params`` (number of entries), ``zeros``, ``zero_frac``,
        ``zero_rows`` / ``rows`` (output units or channels whose weights are all zero, and
        their number) and ``zero_cols`` / ``cols`` (inputs or input channels). Ready for
        ``pandas.DataFrame(report.rows)``.
    total : dict
        ``params``, ``zeros`` and ``zero_frac`` over all reported parameters.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import sparsity_report
    >>> model = torch.nn.Linear(4, 2)
    >>> with torch.no_grad():
    ...     _ = model.weight[:, 0].zero_()
    >>> report = sparsity_report(model)
    >>> report.total
    {'params': 8, 'zeros': 2, 'zero_frac': 0.25}
    >>> report.rows[0]["zero_cols"]
    1
    """


@torch.no_grad()
def sparsity_report(model, select=None):
    """Exact zeros per layer: entries, zero rows (units/channels) and zero columns (inputs).

    Parameters
    ----------
    model : torch.nn.Module
    select : selector, default=None
        Which parameters to report (same rules as the penalties' ``select``); None means
        the weights of Linear and Conv layers.

    Returns
    -------
    report : SparsityReport
        ``print(report)`` shows the table; ``report.rows`` holds the numbers.

    Examples
    --------
    >>> import torch
    >>> from penalized.torch import sparsity_report
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(),
    ...                             torch.nn.Linear(2, 1))
    >>> with torch.no_grad():
    ...     _ = model[0].weight.copy_(torch.tensor([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0]]))
    >>> report = sparsity_report(model)
    >>> report.rows[0]["zeros"], report.rows[0]["zero_rows"], report.rows[0]["zero_cols"]
    (4, 1, 1)
    >>> print(report)  # doctest: +NORMALIZE_WHITESPACE
    layer     type    shape  params  zeros  zero %  zero rows  zero cols
    --------------------------------------------------------------------
    0.weight  Linear  2x3         6      4    66.7        1/2        1/3
    2.weight  Linear  1x2         2      0     0.0        0/1        0/2
    --------------------------------------------------------------------
    total                         8      4    50.0
    """
    rows = [SparsityReport._row(e.name, type(e.module).__name__,
                                (e.param.detach() != 0).cpu().numpy(), e.out_dim, e.in_dim)
            for e in _select(model, select, owner="sparsity_report")]
    return SparsityReport(rows)
