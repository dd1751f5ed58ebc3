"""The self-contained HTML page of ``penalized compare``.

:func:`render` turns the results dict of :func:`penalized.report.compare.compare_models`
into one HTML document: inline CSS, figures as ``data:`` URIs, no script and no external
URL, so it opens offline and can be mailed as a single file. Every string that comes from
the user's data (feature names, target, file name, class labels) is escaped with
:func:`html.escape`.
"""

import html
import math

from .. import __version__
from .reading import num, signed

__all__ = ["comparison_cell", "comparison_rows", "render", "warmup_label"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1400px;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right;vertical-align:top}
th{background:#f3f3f3}td.name,td.feat{text-align:left}
td.feat{max-width:28rem;font-size:.78rem;color:#444}
tr.best td{background:#eaf6ea}tr.close td.name{font-weight:600}
.reading{background:#f7f9fc;border-left:4px solid #4a78c2;padding:.5rem 1rem}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;display:block}
figcaption{color:#555;font-size:.85rem}
.note{color:#555;font-size:.85rem}
.wide{overflow-x:auto}
"""

_METRIC_LABELS = {"rmse": "RMSE", "r2": "R²", "mae": "MAE", "accuracy": "accuracy",
                  "log_loss": "log-loss", "auc": "AUC"}
_MAX_LISTED = 12


def _e(value):
    """Escaped text of any value."""
    return html.escape(str(value), quote=True)


def _num(v, digits=4):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, int):
        return str(v)
    return f"{v:.{digits}g}"


def _metric_keys(results):
    if results["task"] == "regression":
        return ["rmse", "r2"]
    keys = ["accuracy", "log_loss"]
    if results["models"] and "auc" in results["models"][0]["test"]:
        keys.append("auc")
    return keys


def _selected(m, p):
    if m["n_nonzero"] == p:
        return "all"
    names = m["selected"]
    freq = m.get("selection_frequency") or {}
    parts = [f"{_e(n)} ({freq[n]:.0%})" if n in freq else _e(n) for n in names[:_MAX_LISTED]]
    more = len(names) - _MAX_LISTED
    return ", ".join(parts) + (f", … {more} more" if more > 0 else "") if parts else "none"


def comparison_cell(c):
    """Text of a paired comparison cell: ``+0.6102 (0.2711)``; ``best``; ``–`` for None.

    The difference and its standard error come from the row's ``vs_best`` or
    ``vs_ridge`` entry, formatted as the reading formats them.
    """
    if c is None:
        return "–"
    if c["verdict"] == "best":
        return "best"
    return f"{signed(c['diff'])} ({num(c['se'])})"


def comparison_rows(results):
    """The ``<tr>`` elements of the comparison table, one per model (list of str)."""
    keys = _metric_keys(results)
    primary = results["primary_metric"]
    p = results["n_features"]
    rows = []
    for m in results["models"]:
        cls = "best" if m["name"] == results["best"] else "close" if m["within_1se"] else ""
        cells = [f'<td class="name">{_e(m["name"])}</td>',
                 f"<td>{_num(m['alpha'])}</td>",
                 f"<td>{_num(m['l1_ratio'])}</td>"]
        cells += [f"<td>{_num(m['test'][k])}</td>" for k in keys]
        cells += [f"<td>{_num(m['train'][primary])}</td>", f"<td>{_num(m['gap'])}</td>",
                  f"<td>{_e(comparison_cell(m['vs_best']))}</td>",
                  f"<td>{'yes' if m['within_1se'] else 'no'}</td>",
                  f"<td>{_e(comparison_cell(m.get('vs_ridge')))}</td>",
                  f"<td>{m['n_nonzero']} / {p}</td>",
                  f"<td>{_num(m['stability'])}</td>",
                  f"<td>{m['fit_time']:.2f}</td>",
                  f'<td class="feat">{_selected(m, p)}</td>']
        rows.append(f'<tr class="{cls}">' + "".join(cells) + "</tr>")
    return rows


def _table(results):
    keys = _metric_keys(results)
    plabel = _METRIC_LABELS[results["primary_metric"]]
    head = (["model", "alpha", "l1_ratio"] + [f"test {_METRIC_LABELS[k]}" for k in keys]
            + [f"train {plabel}", f"gap (test − train {plabel})",
               f"test {plabel} − best's (SE)", "within 1 SE of best",
               f"test {plabel} − Ridge's, same rule (SE)",
               "nonzero", "stability", "fit time (s)", "selected features (fold frequency)"])
    thead = "<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead>"
    body = "<tbody>" + "".join(comparison_rows(results)) + "</tbody>"
    return f'<div class="wide"><table id="comparison">{thead}{body}</table></div>'


def warmup_label(seconds):
    """How the report names the kernel warm-up: ``first-run compilation: 1.23 s (...)``.

    Examples
    --------
    >>> from penalized.report.html import warmup_label
    >>> warmup_label(18.02)
    'first-run compilation: 18.02 s (kernel warm-up on a tiny problem, not in the fit times)'
    """
    return (f"first-run compilation: {seconds:.2f} s (kernel warm-up on a tiny problem, not "
            "in the fit times)")


def _notes(results):
    models = results["models"]
    plabel = _METRIC_LABELS[results["primary_metric"]]
    delta = (" (delta method for the RMSE, a square root of mean squared errors)"
             if results["primary_metric"] == "rmse" else "")
    out = ['<p class="note">alpha_min: minimum mean CV error; 1se: the largest alpha whose '
           "CV error is within one standard error of the minimum (a simpler model). "
           "Stability: mean Jaccard index of the selected feature sets refitted on each CV "
           "training fold at the same alpha (1 = the same features every time; Ridge keeps "
           "all features). Fold frequency: share of folds that selected the feature. "
           "Fit time: the cross-validated fit (shared by min and 1se), timed after the "
           "kernels were compiled (first-run compilation, above). Differences: test "
           f"{plabel} minus the best model's, and (Lasso, ElasticNet) minus Ridge's at the same "
           "rule, with the standard error of the difference paired over the test samples"
           f"{delta}; within 1 SE: the difference is at most its standard error.</p>"]
    for m in models:
        if m.get("note"):
            out.append(f'<p class="note">{_e(m["name"])}: {_e(m["note"])}.</p>')
    return "".join(out)


def render(results, callback=None):
    """The complete HTML document (str) of a comparison.

    Parameters
    ----------
    results : dict
        Output of :func:`penalized.report.compare.compare_models`, optionally with
        ``source``, ``target``, ``n_rows`` added by the command.
    callback : callable, default=None
        Called with a description of the next step after the figures are drawn.

    Returns
    -------
    str
    """
    from .figures import all_figures

    figs = all_figures(results)
    if callback is not None:
        callback("writing the report")
    title = f"penalized compare: {results.get('target', 'y')}"
    task = results["task"]
    classes = results.get("classes")
    meta = (f"Data: {_e(results.get('source', 'arrays'))}; target "
            f"<code>{_e(results.get('target', 'y'))}</code> ({_e(task)}"
            + (f", classes {_e(', '.join(classes))}" if classes else "") + "); "
            f"{results['n_train']} training and {results['n_test']} test rows, "
            f"{results['n_features']} features after encoding; {results['cv']}-fold CV "
            f"on the training rows, seed {results['seed']}. penalized {_e(__version__)}, "
            f"total time {results.get('total_time', 0.0):.1f} s; "
            f'<span id="warmup">{_e(warmup_label(results.get("warmup_time", 0.0)))}</span>.')
    reading = "".join(f"<li>{_e(s)}</li>" for s in results["reading"])
    figures = "".join(
        f'<section id="fig-{_e(fid)}"><h2>{_e(ftitle)}</h2><figure>'
        f'<img src="{uri}" alt="{_e(ftitle)}"><figcaption>{_e(caption)}</figcaption>'
        f"</figure></section>" for fid, ftitle, caption, uri in figs)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><p class=\"meta\">{meta}</p>"
        f'<h2>Reading</h2><ul class="reading">{reading}</ul>'
        f"<h2>Comparison</h2>{_table(results)}{_notes(results)}"
        f"{figures}</body></html>\n"
    )
