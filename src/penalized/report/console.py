"""Console output of ``penalized compare``: a progress bar and a summary table.

Both use :mod:`rich` (the ``report`` extra) and write to standard error (the bar) and
standard output (the table). Without rich, plain text lines are written instead.
"""

import sys
import time

from .html import comparison_cell, warmup_label
from .reading import num

__all__ = ["Progress", "summary"]


def _rich():
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


class Progress:
    """Step progress bar on standard error, as a context manager.

    Parameters
    ----------
    total : int
        Number of steps (calls of :meth:`advance`).
    quiet : bool, default=False
        Show nothing.
    """

    def __init__(self, total, quiet=False):
        self.total = total
        self.quiet = quiet
        self._bar = None
        self._task = None
        self._start = time.perf_counter()

    def __enter__(self):
        if self.quiet or not _rich():
            return self
        from rich import progress as rp
        from rich.console import Console

        self._bar = rp.Progress(
            rp.SpinnerColumn(), rp.TextColumn("[bold]penalized compare[/] {task.description}"),
            rp.BarColumn(), rp.MofNCompleteColumn(), rp.TimeElapsedColumn(),
            console=Console(stderr=True), transient=False)
        self._bar.__enter__()
        self._task = self._bar.add_task("starting", total=self.total)
        return self

    def advance(self, description):
        """Mark one step done; ``description`` says what comes next."""
        if self.quiet:
            return
        if self._bar is None:
            sys.stderr.write(f"penalized compare: {description} "
                             f"({time.perf_counter() - self._start:.1f} s)\n")
            sys.stderr.flush()
            return
        self._bar.update(self._task, advance=1, description=str(description))

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False


_fmt = num


def summary(results, out=None, json_path=None, quiet=False):
    """Print the comparison table and the reading to standard output.

    Parameters
    ----------
    results : dict
        Output of :func:`penalized.report.compare.compare_models`.
    out, json_path : str, default=None
        Paths written, mentioned at the end.
    quiet : bool, default=False
        Print nothing.
    """
    key = results["primary_metric"]
    label = {"rmse": "RMSE", "log_loss": "log-loss"}[key]
    p = results["n_features"]
    written = [str(x) for x in (out, json_path) if x]
    if quiet:
        return
    warm = warmup_label(results.get("warmup_time", 0.0))
    if not _rich():
        for m in results["models"]:
            print(f"{m['name']:<18} test {label} {_fmt(m['test'][key])}  train "
                  f"{_fmt(m['train'][key])}  nonzero {m['n_nonzero']}/{p}  fit time "
                  f"{m['fit_time']:.2f} s")
        print(warm)
        print("\n".join(results["reading"]))
        if written:
            print("wrote " + ", ".join(written))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"penalized compare ({results['task']}, best: {results['best']})")
    for col in ("model", "alpha", f"test {label}", f"train {label}", "gap", "vs best (SE)",
                "within 1 SE", "vs Ridge (SE)", "nonzero", "stability", "time (s)"):
        table.add_column(col, justify="left" if col == "model" else "right",
                         no_wrap=col in ("model", "vs best (SE)", "vs Ridge (SE)"))
    for m in results["models"]:
        style = "bold green" if m["name"] == results["best"] else None
        table.add_row(escape(m["name"]), _fmt(m["alpha"]), _fmt(m["test"][key]),
                      _fmt(m["train"][key]), _fmt(m["gap"]), comparison_cell(m["vs_best"]),
                      "yes" if m["within_1se"] else "no",
                      comparison_cell(m.get("vs_ridge")), f"{m['n_nonzero']}/{p}",
                      _fmt(m["stability"]), f"{m['fit_time']:.2f}", style=style)
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)
    console.print(table)
    console.print(escape(warm))
    for line in results["reading"]:
        console.print("• " + escape(line))
    if written:
        console.print("wrote " + escape(", ".join(written)))
