"""The table behind ``sparsity_report``: one row per weight, zeros and zero slices."""

__all__ = ["SparsityTable"]


class SparsityTable:
    """Exact zeros per weight; ``print(table)`` shows it (subclassed by the adapters).

    ``rows`` is a list of dicts with the keys ``layer``, ``type``, ``shape``, ``params``,
    ``zeros``, ``zero_frac`` and the slice counts named by ``_SLICES``: pairs
    ``(key, header)`` such as ``("rows", "zero rows")``, where ``row["zero_" + key]`` of
    ``row[key]`` slices are all zero.
    """

    _SLICES = (("rows", "zero rows"), ("cols", "zero cols"))

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
