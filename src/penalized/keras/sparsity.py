"""``sparsity_report(model)``: exact zeros per layer, as a table."""

import keras
import numpy as np

from .._nn.table import SparsityTable
from .penalties import Penalty

__all__ = ["SparsityReport", "sparsity_report"]


class SparsityReport(SparsityTable):
    """Exact zeros per weight; ``print(report)`` shows the table.

    Attributes
    ----------
    rows : list of dict
        One dict per weight with keys ``layer`` (``layer_name/weight_name``), ``type`` (layer
        class), ``shape``, ``params`` (number of entries), ``zeros``, ``zero_frac``,
        ``zero_units`` / ``units`` (slices along the last axis that are all zero: units
        or filters without weights, and their number) and ``zero_inputs`` / ``inputs``
        (slices along the second-to-last axis: input features or channels that no unit
        uses; 0 / 0 for vectors). Ready for ``pandas.DataFrame(report.rows)``.
    total : dict
        ``params``, ``zeros`` and ``zero_frac`` over all reported weights.

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from penalized.keras import sparsity_report
    >>> layer = keras.layers.Dense(2)
    >>> layer.build((None, 4))
    >>> kernel = np.ones((4, 2), dtype="float32")
    >>> kernel[0] = 0                                # input 0 is not used
    >>> _ = layer.kernel.assign(kernel)
    >>> report = sparsity_report(layer)
    >>> report.total
    {'params': 8, 'zeros': 2, 'zero_frac': 0.25}
    >>> report.rows[0]["zero_inputs"], report.rows[0]["zero_units"]
    (1, 0)
    """

    _SLICES = (("units", "zero units"), ("inputs", "zero inputs"))


def _owners(model):
    """``{id(variable): layer}``, the innermost layer owning each variable."""
    owner = {}
    layers = model._flatten_layers() if hasattr(model, "_flatten_layers") else [model]
    for layer in layers:  # outer layers first: inner ones overwrite
        for v in layer.weights:
            owner[id(v)] = layer
    return owner


def sparsity_report(model, variables=None):
    """Exact zeros per layer: entries, zero units (filters) and zero inputs (channels).

    Parameters
    ----------
    model : keras.Model or keras.layers.Layer
    variables : list of keras.Variable, default=None
        The weights to report; None means every kernel (the weights named ``*kernel``:
        Dense, EinsumDense and Conv layers) and every weight whose regularizer is a
        penalized penalty.

    Returns
    -------
    report : SparsityReport
        ``print(report)`` shows the table; ``report.rows`` holds the numbers.

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from penalized.keras import sparsity_report
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="hidden"),
    ...                           keras.layers.Dense(1, name="out")])
    >>> _ = model.get_layer("hidden").kernel.assign([[1.0, 0.0], [0.0, 0.0], [2.0, 0.0]])
    >>> report = sparsity_report(model)
    >>> print(report)  # doctest: +NORMALIZE_WHITESPACE
    layer          type   shape  params  zeros  zero %  zero units  zero inputs
    ---------------------------------------------------------------------------
    hidden/kernel  Dense  3x2         6      4    66.7         1/2          1/3
    out/kernel     Dense  2x1         2      0     0.0         0/1          0/2
    ---------------------------------------------------------------------------
    total                             8      4    50.0
    """
    owner = _owners(model)
    if variables is None:
        variables = [v for v in model.weights if v.name.endswith("kernel")
                     or isinstance(getattr(v, "regularizer", None), Penalty)]
    rows = []
    for v in variables:
        layer = owner.get(id(v))
        name = getattr(v, "name", "?")
        rows.append(SparsityReport._row(
            f"{layer.name}/{name}" if layer is not None else name,
            type(layer).__name__ if layer is not None else "",
            np.asarray(keras.ops.convert_to_numpy(v)) != 0, -1, -2))
    return SparsityReport(rows)
