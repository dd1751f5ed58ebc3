"""The table behind ``sparsity_report``: one row per weight, zeros and zero slices."""

import numpy as np

__all__ = ["SparsityTable", "zero_slices"]


def zero_slices(nonzero, axis):
    """``(zero, total)``: how many slices of ``nonzero`` along ``axis`` have no True, and
    how many slices there are (for a vector: its False entries, and its length).

    ``nonzero`` is a numpy bool array of at least one dim, True where a weight is not 0.
    """
    if nonzero.ndim == 1:
        return int((~nonzero).sum()), nonzero.shape[0]
    nz = np.moveaxis(nonzero, axis, 0).reshape(nonzero.shape[axis], -1).any(axis=1)
    return int((~nz).sum()), nonzero.shape[axis]


class SparsityTable:
    """Exact zeros per weight; ``print(table)`` shows it (subclassed by the adapters).

    ``rows`` is a list of dicts with the keys ``layer``, ``type``, ``shape``, ``params``,
    ``zeros``, ``zero_frac`` and the slice counts named by ``_SLICES``: pairs
    ``(key, header)`` such as ``("rows", "zero rows")``, where ``row["zero_" + key]`` of
    ``row[key]`` slices are all zero.
    """

    _SLICES = (("rows", "zero rows"), ("cols", "zero cols"))

    @classmethod
    def _row(cls, layer, type_name, nonzero, out_axis, in_axis):
        """The row of one weight, from ``nonzero`` (numpy bool, True where it is not 0).

        The slices along ``out_axis`` (units, filters) and ``in_axis`` (inputs, channels)
        are counted under the keys of ``_SLICES``; a vector counts its zero entries as
        output slices and has no input slices, a scalar is one output slice.
        """
        size = int(nonzero.size)
        zeros = size - int(np.count_nonzero(nonzero))
        (out_key, _), (in_key, _) = cls._SLICES
        zo, no = zero_slices(nonzero, out_axis) if nonzero.ndim else (zeros, 1)
        zi, ni = zero_slices(nonzero, in_axis) if nonzero.ndim >= 2 else (0, 0)
        return {"layer": layer, "type": type_name, "shape": tuple(nonzero.shape),
                "params": size, "zeros": zeros, "zero_frac": zeros / size if size else 0.0,
                f"zero_{out_key}": zo, out_key: no, f"zero_{in_key}": zi, in_key: ni}

    def __init__(self, rows):
        self.rows = rows
        params = sum(r["params"] for r in rows)
        zeros = sum(r["zeros"] for r in rows)
        self.total = {"params": params, "zeros": zeros,
                      "zero_frac": zeros / params if params else 0.0}

    def __str__(self):
        head = ["layer", "type", "shape", "params", "zeros", "zero %",
                *(h for _, h in self._SLICES)]
        body = []
        for r in self.rows:
            body.append([r["layer"], r["type"], "x".join(map(str, r["shape"])),
                         str(r["params"]), str(r["zeros"]), f"{100 * r['zero_frac']:.1f}",
                         *(f"{r['zero_' + k]}/{r[k]}" for k, _ in self._SLICES)])
        t = self.total
        body.append(["total", "", "", str(t["params"]), str(t["zeros"]),
                     f"{100 * t['zero_frac']:.1f}", *("" for _ in self._SLICES)])
        widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]

        def fmt(row):
            cells = [c.ljust(w) if i < 3 else c.rjust(w)
                     for i, (c, w) in enumerate(zip(row, widths, strict=True))]
            return "  ".join(cells).rstrip()

        rule = "-" * len(fmt(head))
        return "\n".join([fmt(head), rule, *map(fmt, body[:-1]), rule, fmt(body[-1])])

    def __repr__(self):
        return str(self)
