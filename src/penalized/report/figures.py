"""Figures of the ``penalized compare`` report, drawn from its results dict.

Every function takes the dict returned by
:func:`penalized.report.compare.compare_models` and returns a matplotlib Figure;
:func:`to_data_uri` turns a figure into an ``data:image/svg+xml;base64,...`` URI (text drawn
as paths, so the page needs no font and no network) and :func:`all_figures` builds them
all. matplotlib runs on the non-interactive Agg backend; no window is ever opened.

Coefficients are shown on the standardized scale (coefficient times the training standard
deviation of its feature), so that features in different units can be compared; at most
``MAX_FEATURES`` features (the largest in absolute value) are drawn.
"""

import base64
import io

import numpy as np

__all__ = ["MAX_FEATURES", "all_figures", "fig_coef_compare", "fig_cv", "fig_paths",
           "fig_train_test", "to_data_uri"]

MAX_FEATURES = 20
KINDS = (("lasso", "Lasso (L1)"), ("ridge", "Ridge (L2)"), ("elasticnet", "ElasticNet"))
_ERROR_LABEL = {"rmse": "RMSE", "log_loss": "log-loss"}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def to_data_uri(fig):
    """Render ``fig`` as a base64 SVG data URI and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    str
        ``"data:image/svg+xml;base64,..."``.
    """
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "penalized"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    _plt().close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _top_features(coefs, k=MAX_FEATURES):
    """Indices of the ``k`` rows of ``coefs`` with the largest maximum magnitude."""
    mag = np.max(np.abs(np.asarray(coefs, dtype=np.float64)), axis=1) if len(coefs) else []
    order = np.argsort(-np.asarray(mag), kind="stable")
    return [int(j) for j in order[:k] if mag[j] > 0]


def _mark_alphas(ax, path):
    ax.axvline(np.log10(path["alpha_min"]), color="black", lw=1, ls="-",
               label="alpha_min")
    ax.axvline(np.log10(path["alpha_1se"]), color="black", lw=1, ls="--",
               label="alpha_1se")


def _subplots(n, height=3.6):
    plt = _plt()
    fig, axes = plt.subplots(1, n, figsize=(4.6 * n, height), squeeze=False)
    return fig, axes[0]


def _path_panels(results):
    """A figure with one panel per path: ``fig, axes`` and the (axis, kind, title, path,
    log10 of its alphas) of each panel."""
    fig, axes = _subplots(3)
    panels = [(ax, kind, title, results["paths"][kind], np.log10(results["paths"][kind]["alphas"]))
              for ax, (kind, title) in zip(axes, KINDS, strict=True)]
    return fig, axes, panels


def _alpha_axis(ax, path, title):
    """The chosen alphas marked on a panel whose x axis is log10(alpha), decreasing."""
    _mark_alphas(ax, path)
    ax.invert_xaxis()
    ax.set_title(title)
    ax.set_xlabel("log10(alpha)")


def fig_paths(results):
    """Coefficient paths of Lasso, Ridge and ElasticNet with alpha_min and alpha_1se marked.

    Parameters
    ----------
    results : dict

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = results["feature_names"]
    fig, axes, panels = _path_panels(results)
    cmap = _plt().get_cmap("tab20")
    all_coefs = {kind: np.asarray(results["paths"][kind]["std_coefs"],
                                  dtype=np.float64).reshape(len(names), -1)
                 for kind, _ in KINDS}
    top = _top_features(np.hstack(list(all_coefs.values())))  # same features, same colours
    for ax, kind, title, path, la in panels:
        coefs = all_coefs[kind]
        for c, j in enumerate(top):
            ax.plot(la, coefs[j], lw=1.2, color=cmap(c % 20), label=names[j])
        suffix = f", l1_ratio={path['l1_ratio']:.3g}" if kind == "elasticnet" else ""
        _alpha_axis(ax, path, f"{title}{suffix}")
        ax.axhline(0, color="grey", lw=0.5)
    axes[0].set_ylabel("standardized coefficient")
    handles, labels = axes[0].get_legend_handles_labels()
    if len(top) > 0:
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                   ncol=min(6, len(labels)), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def fig_cv(results):
    """Cross-validation curves (mean +- one standard error) with the chosen alphas.

    Parameters
    ----------
    results : dict

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes, panels = _path_panels(results)
    for ax, _, title, path, la in panels:
        mean = np.asarray(path["cv_mean"], dtype=np.float64)
        se = np.asarray(path["cv_se"], dtype=np.float64)
        ax.errorbar(la, mean, yerr=se, fmt="o", ms=2.5, color="tab:red", ecolor="grey",
                    elinewidth=0.8, capsize=1.5)
        _alpha_axis(ax, path, title)
        ax.set_ylabel(f"CV {path['cv_name']}")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def fig_coef_compare(results, rule="min"):
    """Lasso and Ridge coefficients side by side (horizontal bars, standardized scale).

    Parameters
    ----------
    results : dict
    rule : {"min", "1se"}, default="min"

    Returns
    -------
    matplotlib.figure.Figure
    """
    models = {m["name"]: m for m in results["models"]}
    names = results["feature_names"]
    scale = np.asarray(results["feature_scale"], dtype=np.float64)

    def std_coef(name):
        c = np.asarray(models[name]["coef"], dtype=np.float64)
        c = np.max(np.abs(c), axis=1) if c.ndim == 2 else c
        return c * scale

    lasso, ridge = std_coef(f"Lasso ({rule})"), std_coef(f"Ridge ({rule})")
    top = _top_features(np.column_stack([lasso, ridge]))[::-1]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 0.32 * max(len(top), 3) + 1.4))
    pos = np.arange(len(top))
    ax.barh(pos + 0.2, ridge[top], height=0.4, color="tab:blue", label=f"Ridge ({rule})")
    ax.barh(pos - 0.2, lasso[top], height=0.4, color="tab:orange", label=f"Lasso ({rule})")
    for y, j in zip(pos, top, strict=True):
        if lasso[j] == 0:
            ax.text(0, y - 0.2, " 0 (dropped)", va="center", fontsize=7, color="tab:orange")
    ax.set_yticks(pos, [names[j] for j in top], fontsize=8)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_xlabel("standardized coefficient")
    ax.set_title(f"L1 vs L2 coefficients at alpha_{rule}")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def fig_train_test(results):
    """Train and test error along each path: the overfitting picture.

    Parameters
    ----------
    results : dict

    Returns
    -------
    matplotlib.figure.Figure
    """
    models = {m["name"]: m for m in results["models"]}
    ols = models["Unpenalized"]
    fig, axes, panels = _path_panels(results)
    for ax, _, title, path, la in panels:
        key = path["error_name"]
        ax.plot(la, path["train_error"], color="tab:blue", label="train")
        ax.plot(la, path["test_error"], color="tab:red", label="test")
        ax.axhline(ols["test"][key], color="tab:red", lw=0.8, ls=":",
                   label="unpenalized, test")
        ax.axhline(ols["train"][key], color="tab:blue", lw=0.8, ls=":",
                   label="unpenalized, train")
        _alpha_axis(ax, path, title)
        ax.set_ylabel(_ERROR_LABEL.get(key, key))
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def all_figures(results):
    """Every figure of the report as (id, title, caption, data URI) tuples.

    Parameters
    ----------
    results : dict

    Returns
    -------
    list of tuple of str
    """
    err = _ERROR_LABEL.get(results["primary_metric"], results["primary_metric"])
    multi = len(results.get("classes") or ()) > 2
    per_class = (" With more than two classes each feature shows its largest coefficient in "
                 "absolute value over the classes." if multi else "")
    specs = [
        ("paths", "Coefficient paths", fig_paths,
         "Standardized coefficients along each path (largest alpha on the left). Solid line: "
         "alpha_min (minimum CV error); dashed: alpha_1se (largest alpha within one standard "
         "error)." + per_class),
        ("cv", "Cross-validation curves", fig_cv,
         "Mean CV error over the folds with one standard error bars."),
        ("coefs", "L1 vs L2 coefficients", fig_coef_compare,
         "Lasso and Ridge coefficients at alpha_min, on the standardized scale." + per_class),
        ("overfit", "Train and test error against alpha", fig_train_test,
         f"Training and test {err} along each path; the dotted lines are the unpenalized "
         f"model's. Where the curves separate, the model fits noise of the training part."),
    ]
    return [(fid, title, caption, to_data_uri(make(results)))
            for fid, title, make, caption in specs]
